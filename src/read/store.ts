/**
 * The records of a file kept compactly between reading and validating: validation needs the
 * whole file (the decimal convention, duplicates), and a million records as JavaScript
 * objects take well over a gigabyte, as strings still ~110 bytes each. Here a record is its
 * cells as UTF-8 in large buffers (NUL-separated: decode refuses any file holding a NUL) and
 * two numbers in typed arrays; it is rebuilt as an object only while it is used.
 */
import {
  ALL_INPUT_COLUMNS as INPUT_COLUMNS,
  type InputRow,
  type MoneyColumn,
  PAYEE_COLUMNS,
  type RawCells,
  type RecordProblem,
} from "../model.js";

const BLOCK = 4 << 20;
/**
 * A record's cells in this order: the columns by ids, the kept unknown columns, then the
 * payee-details columns only when the row has one of them. A file by ids (most payrolls)
 * would otherwise keep a NUL for each of its rows' 30 empty details cells (30 MB at a million
 * rows).
 */
const ID_COLUMNS = INPUT_COLUMNS.filter((column) => !PAYEE_COLUMNS.has(column));
const DETAILS_COLUMNS = INPUT_COLUMNS.filter((column) => PAYEE_COLUMNS.has(column));
const NONE: readonly RecordProblem[] = Object.freeze([]);
const NO_EXTRA: Readonly<Record<string, string>> = Object.freeze({});

function grown(array: Uint32Array, size: number): Uint32Array {
  if (size <= array.length) return array;
  const next = new Uint32Array(Math.max(size, array.length * 2));
  next.set(array);
  return next;
}

export class RowStore {
  private readonly blocks: Buffer[] = [Buffer.allocUnsafe(BLOCK)];
  /** Index of the first row of each block. */
  private readonly firstRows: number[] = [0];
  private used = 0;
  private lines: Uint32Array = new Uint32Array(1024);
  /** Offset of each row in its block; a row ends where the next one starts, or at its block's end. */
  private starts: Uint32Array = new Uint32Array(1024);
  private readonly problems = new Map<number, readonly RecordProblem[]>();
  /** Rows with money cells read from a workbook's numbers (rare in CSV: none). */
  private readonly exact = new Map<number, readonly MoneyColumn[]>();
  private count = 0;

  /** `extraColumns`: the names under which kept unknown columns appear, in file order. */
  constructor(private readonly extraColumns: readonly string[] = []) {}

  get size(): number {
    return this.count;
  }

  /** Keeps `row`; returns its index. */
  add(row: InputRow): number {
    const c = row.raw;
    let text = c[ID_COLUMNS[0] as keyof RawCells] as string;
    for (let i = 1; i < ID_COLUMNS.length; i++) text += `\0${c[ID_COLUMNS[i] as keyof RawCells] ?? ""}`;
    const { extra } = c;
    // hasOwn: a kept column may be named "constructor" or "__proto__".
    for (const name of this.extraColumns) text += `\0${Object.hasOwn(extra, name) ? extra[name] : ""}`;
    // Most rows have no details cell: look before building their 30 separators.
    if (DETAILS_COLUMNS.some((column) => c[column as keyof RawCells])) {
      for (const column of DETAILS_COLUMNS)
        text += `\0${(c[column as keyof RawCells] as string | undefined) ?? ""}`;
    }
    const worst = text.length * 3; // UTF-8 bytes per UTF-16 unit, at most
    const index = this.count++;
    let block = this.blocks[this.blocks.length - 1] as Buffer;
    if (this.used + worst > block.length) {
      this.blocks[this.blocks.length - 1] = block.subarray(0, this.used);
      block = Buffer.allocUnsafe(Math.max(BLOCK, worst));
      this.blocks.push(block);
      this.firstRows.push(index);
      this.used = 0;
    }
    this.lines = grown(this.lines, this.count);
    this.starts = grown(this.starts, this.count);
    this.lines[index] = row.line;
    this.starts[index] = this.used;
    this.used += block.write(text, this.used, "utf8");
    if (row.problems.length > 0) this.problems.set(index, row.problems);
    if (row.exact && row.exact.length > 0) this.exact.set(index, row.exact);
    return index;
  }

  /** The block holding row `index`: the last one whose first row is at or before it. */
  private blockOf(index: number): number {
    let low = 0;
    let high = this.firstRows.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.firstRows[middle] as number) <= index) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Record `index` (0-based, file order). */
  get(index: number): InputRow {
    const k = this.blockOf(index);
    const block = this.blocks[k] as Buffer;
    const start = this.starts[index] as number;
    const lastOfBlock = k === this.blocks.length - 1 ? this.count - 1 : (this.firstRows[k + 1] as number) - 1;
    const end =
      index < lastOfBlock
        ? (this.starts[index + 1] as number)
        : k === this.blocks.length - 1
          ? this.used
          : block.length;
    const cells = block.toString("utf8", start, end).split("\0");
    let extra: Record<string, string> = NO_EXTRA;
    if (this.extraColumns.length > 0) {
      extra = {};
      this.extraColumns.forEach((name, i) => {
        // define, never assign: a kept column may be named "__proto__"
        Object.defineProperty(extra, name, {
          value: cells[ID_COLUMNS.length + i] ?? "",
          enumerable: true,
          writable: true,
          configurable: true,
        });
      });
    }
    const raw = {} as RawCells;
    ID_COLUMNS.forEach((column, i) => {
      raw[column] = cells[i] as string;
    });
    // RawCells: a payee-details cell only when it has something.
    const detailsAt = ID_COLUMNS.length + this.extraColumns.length;
    DETAILS_COLUMNS.forEach((column, i) => {
      const cell = cells[detailsAt + i];
      if (cell) raw[column] = cell;
    });
    raw.extra = extra;
    const row: InputRow = {
      line: this.lines[index] as number,
      raw,
      problems: this.problems.get(index) ?? NONE,
    };
    const exact = this.exact.get(index);
    if (exact) row.exact = exact;
    return row;
  }

  *rows(): Generator<InputRow> {
    for (let index = 0; index < this.count; index++) yield this.get(index);
  }
}
