/**
 * The records of a file kept compactly between reading and validating: validation needs the
 * whole file (the decimal convention, duplicates), and a million records as JavaScript
 * objects take well over a gigabyte, as strings still ~110 bytes each. Here a record is its
 * cells as UTF-8 in large buffers (NUL-separated: decode refuses any file holding a NUL) and
 * four numbers in typed arrays; it is rebuilt as an object only while it is used.
 */
import type { RawCells } from "../model.js";
import type { InputRecord, RecordProblem } from "./records.js";

/** A record as validation takes it: its cells trimmed like the reader does, by canonical column. */
export interface InputRow {
  line: number;
  raw: RawCells;
  problems: ReadonlyArray<{ column: string; code: string; message: string }>;
}

const CELLS = [
  "reference",
  "payer_user_id",
  "sender_port",
  "recipient_user_id",
  "port",
  "amount",
  "budget",
  "withdrawal_instruction_id",
] as const;

const BLOCK = 4 << 20;
const NONE: readonly RecordProblem[] = Object.freeze([]);
const NO_EXTRA: Readonly<Record<string, string>> = Object.freeze({});

function grown(array: Uint32Array, size: number): Uint32Array {
  if (size <= array.length) return array;
  const next = new Uint32Array(Math.max(size, array.length * 2));
  next.set(array);
  return next;
}

export class RowStore {
  private blocks: Buffer[] = [Buffer.allocUnsafe(BLOCK)];
  private used = 0;
  private lines: Uint32Array = new Uint32Array(1024);
  private blockOf: Uint32Array = new Uint32Array(1024);
  private starts: Uint32Array = new Uint32Array(1024);
  private lengths: Uint32Array = new Uint32Array(1024);
  private readonly problems = new Map<number, readonly RecordProblem[]>();
  private count = 0;

  /** The names under which kept unknown columns appear, in file order (before the first `add`). */
  private extraColumns: readonly string[] = [];

  keepExtra(names: readonly string[]): void {
    if (this.count > 0) throw new Error("RowStore.keepExtra after add");
    this.extraColumns = names;
  }

  get size(): number {
    return this.count;
  }

  /** Keeps `record`; returns its index. */
  add(record: InputRecord): number {
    const f = record.fields;
    let text = `${f.reference ?? ""}\0${f.payer_user_id ?? ""}\0${f.sender_port ?? ""}\0${f.recipient_user_id ?? ""}\0${f.port ?? ""}\0${f.amount ?? ""}\0${f.budget ?? ""}\0${f.withdrawal_instruction_id ?? ""}`;
    for (const name of this.extraColumns) text += `\0${record.extra?.[name] ?? ""}`;
    const worst = text.length * 3; // UTF-8 bytes per UTF-16 unit, at most
    let block = this.blocks[this.blocks.length - 1] as Buffer;
    if (this.used + worst > block.length) {
      this.blocks[this.blocks.length - 1] = block.subarray(0, this.used);
      block = Buffer.allocUnsafe(Math.max(BLOCK, worst));
      this.blocks.push(block);
      this.used = 0;
    }
    const index = this.count++;
    this.lines = grown(this.lines, this.count);
    this.blockOf = grown(this.blockOf, this.count);
    this.starts = grown(this.starts, this.count);
    this.lengths = grown(this.lengths, this.count);
    const length = block.write(text, this.used, "utf8");
    this.lines[index] = record.line;
    this.blockOf[index] = this.blocks.length - 1;
    this.starts[index] = this.used;
    this.lengths[index] = length;
    this.used += length;
    if (record.problems.length > 0) this.problems.set(index, record.problems);
    return index;
  }

  /** Record `index` (0-based, file order). */
  get(index: number): InputRow {
    const block = this.blocks[this.blockOf[index] as number] as Buffer;
    const start = this.starts[index] as number;
    const cells = block.toString("utf8", start, start + (this.lengths[index] as number)).split("\0");
    let extra: Record<string, string> = NO_EXTRA;
    if (this.extraColumns.length > 0) {
      extra = {};
      this.extraColumns.forEach((name, i) => {
        // define, never assign: a kept column may be named "__proto__"
        Object.defineProperty(extra, name, {
          value: cells[CELLS.length + i] ?? "",
          enumerable: true,
          writable: true,
          configurable: true,
        });
      });
    }
    return {
      line: this.lines[index] as number,
      raw: {
        reference: cells[0] as string,
        payer_user_id: cells[1] as string,
        sender_port: cells[2] as string,
        recipient_user_id: cells[3] as string,
        port: cells[4] as string,
        amount: cells[5] as string,
        budget: cells[6] as string,
        withdrawal_instruction_id: cells[7] as string,
        extra,
      },
      problems: this.problems.get(index) ?? NONE,
    };
  }

  *rows(): Generator<InputRow> {
    for (let index = 0; index < this.count; index++) yield this.get(index);
  }
}
