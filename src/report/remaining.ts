/**
 * `<input>.remaining.csv`: the rows of a batch that were not paid and are not being paid,
 * as the input had them (its header, delimiter, quoting, line endings, encoding and BOM),
 * so that the operator fixes what needs fixing there and submits that file. The records are
 * copied byte for byte from the file the batch was submitted from: nothing is re-written
 * that the input did not say.
 */
import { lstat, readFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { AtomicFile } from "../writers/atomic.js";

/** `payroll.csv` → `payroll.remaining.csv`, beside it. */
export function remainingPath(csv: string): string {
  return join(dirname(csv), `${basename(csv, extname(csv))}.remaining.csv`);
}

/**
 * `payroll.csv` of the batch in `<state-dir>/payroll-2026-12/` → `payroll.payroll-2026-12.remaining.csv`,
 * beside it: the remaining file of that batch when `payroll.remaining.csv` is another's
 * (app/remaining.ts). `batchDir`: the batch's directory name, unique in its state directory.
 */
export function batchRemainingPath(csv: string, batchDir: string): string {
  return join(dirname(csv), `${basename(csv, extname(csv))}.${batchDir}.remaining.csv`);
}

/** [start, end) of each physical line, its break included; LF, CRLF and CR each end a line. */
function lineRanges(length: number, at: (i: number) => number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i < length; i++) {
    const c = at(i);
    if (c === 0x0a || (c === 0x0d && at(i + 1) !== 0x0a)) {
      ranges.push([start, i + 1]);
      start = i + 1;
    }
  }
  if (start < length) ranges.push([start, length]);
  return ranges;
}

/**
 * Writes the records starting at `keep` (physical line numbers, header = 1), given every
 * record's starting line (`starts`), with the header. Blank lines between records are left out.
 */
export async function writeRemaining(
  source: string,
  target: string,
  starts: readonly number[],
  keep: ReadonlySet<number>,
): Promise<void> {
  await writeRemainingBytes(target, await remainingBytes(source, starts, keep), true);
}

/** The bytes `writeRemaining` writes. */
export async function remainingBytes(
  source: string,
  starts: readonly number[],
  keep: ReadonlySet<number>,
): Promise<Buffer> {
  const bytes = await readFile(source);
  const utf16 =
    bytes[0] === 0xff && bytes[1] === 0xfe ? "le" : bytes[0] === 0xfe && bytes[1] === 0xff ? "be" : null;
  // UTF-16 is cut as text and encoded back; every other encoding the reader takes has
  // one-byte line breaks, so it is cut as bytes and never decoded.
  let text = "";
  let bom: Buffer = Buffer.alloc(0);
  if (utf16) {
    const body = Buffer.from(bytes.subarray(2));
    if (utf16 === "be") body.swap16();
    text = body.toString("utf16le");
    bom = Buffer.from(bytes.subarray(0, 2));
  }
  const length = utf16 ? text.length : bytes.length;
  const at = utf16 ? (i: number) => text.charCodeAt(i) : (i: number) => bytes[i] ?? -1;
  const slice = (from: number, to: number): Buffer => {
    if (!utf16) return bytes.subarray(from, to);
    const part = Buffer.from(text.slice(from, to), "utf16le");
    if (utf16 === "be") part.swap16();
    return part;
  };
  const lines = lineRanges(length, at);
  const blank = (index: number) => {
    const [from, to] = lines[index] as [number, number];
    for (let i = from; i < to; i++) if (at(i) !== 0x0a && at(i) !== 0x0d) return false;
    return true;
  };
  const breakOf = (index: number) => {
    const [from, to] = lines[index] as [number, number];
    return to - from >= 2 && at(to - 2) === 0x0d && at(to - 1) === 0x0a
      ? "\r\n"
      : at(to - 1) === 0x0d
        ? "\r"
        : "\n";
  };
  const sorted = [...starts].sort((a, b) => a - b);
  const eol = lines.length > 0 ? breakOf(0) : "\n";
  const parts: Buffer[] = [bom];
  /** Lines [first, next) as 1-based numbers, trailing blank lines dropped, ending in a line break. */
  const take = (first: number, next: number) => {
    let last = Math.min(next, lines.length + 1) - 1;
    while (last > first && blank(last - 1)) last--;
    if (last < first) return;
    const from = (lines[first - 1] as [number, number])[0];
    const to = (lines[last - 1] as [number, number])[1];
    const piece = slice(from, to);
    parts.push(piece);
    const end = at(to - 1);
    if (end !== 0x0a && end !== 0x0d) parts.push(encodeBreak(eol, utf16));
  };
  take(1, sorted[0] ?? lines.length + 1);
  sorted.forEach((start, index) => {
    if (keep.has(start)) take(start, sorted[index + 1] ?? lines.length + 1);
  });
  return Buffer.concat(parts);
}

/**
 * Writes `bytes` at `target` atomically, owner-only. `replace` false: only where nothing is
 * there yet; false (nothing written) when something is.
 */
export async function writeRemainingBytes(target: string, bytes: Buffer, replace: boolean): Promise<boolean> {
  // Not even opened when something is there (a device would be written into as it is).
  if (!replace && (await lstat(target).catch(() => null))) return false;
  const file = await AtomicFile.open(target);
  try {
    await file.append(bytes);
    if (!replace) return await file.commitNew();
    await file.commit();
    return true;
  } catch (error) {
    await file.discard();
    throw error;
  }
}

function encodeBreak(eol: string, utf16: "le" | "be" | null): Buffer {
  if (!utf16) return Buffer.from(eol, "latin1");
  const bytes = Buffer.from(eol, "utf16le");
  if (utf16 === "be") bytes.swap16();
  return bytes;
}
