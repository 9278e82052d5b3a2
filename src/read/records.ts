/**
 * A payment file → input records: decode, pick the delimiter, parse, map the header to
 * canonical columns, from a Source (source.ts: the file, in passes). validate/file.ts drives it.
 *
 * Cell text: canonical columns are trimmed of outer whitespace (Excel pads and leaves
 * no-break spaces around numbers and ids), except `reference`, which is kept exactly as
 * written so that the report gives it back as it came (newlines included). Extra columns
 * are kept raw.
 */
import { BatchError } from "../errors.js";
import { type InputColumn, type InputRecord, type RecordProblem, SECRET_COLUMNS } from "../model.js";
import { maskTail } from "../redact.js";
import { type CsvRow, csvRows } from "./csv.js";
import type { Encoding, EncodingOption } from "./decode.js";
import { type Delimiter, delimiterName, detectDelimiter } from "./dialect.js";
import { type HeaderMap, mapHeader, type RequiredColumn, trimsCell } from "./headers.js";
import type { Source } from "./source.js";
import { mayBeTotalsRow, type TotalsVerdict, TotalsWatch } from "./totals.js";

export interface ReadOptions {
  /** Name used in messages; defaults to the path. */
  file?: string;
  encoding?: EncodingOption;
  /** Forced delimiter; detected from the header line when absent. */
  delimiter?: Delimiter;
  requiredColumns: readonly RequiredColumn[];
  /** Keep unknown columns in `extra` (for `--keep-columns`). */
  keepColumns?: boolean;
  /** Parser chunk size in bytes (tests). */
  chunkSize?: number;
}

export interface ReadResult {
  file: string;
  encoding: Encoding;
  bom: boolean;
  delimiter: Delimiter;
  header: HeaderMap & { line: number };
  /** Names under which unknown columns appear in `extra` (file order), with `keepColumns`. */
  extraColumns: string[];
  /** One-line warnings for the user (encoding guessed, unknown columns ignored). */
  notices: string[];
  /** The records in file order, in batches. Single pass: the file is parsed while this is iterated. */
  batches: AsyncIterable<InputRecord[]>;
}

/** What any reader (CSV or workbook) gives the checks: the header now, the records while iterated. */
export type RecordsRead = Pick<ReadResult, "file" | "header" | "extraColumns" | "notices" | "batches">;

const NO_PROBLEMS: readonly RecordProblem[] = Object.freeze([]);

/** No cell of a payment needs more: a longer one is a pasted blob, not an id, amount or reference. */
export const MAX_CELL_CHARS = 1_000;

function cellTooLong(column: string, value: string): RecordProblem {
  return {
    column,
    code: "cell_too_long",
    message: `${value.length} characters; a cell holds at most ${MAX_CELL_CHARS}`,
  };
}

/** Object keys from file content: define, never assign (a column named "__proto__"). */
function setOwn(target: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Unknown columns (unnamed ones too) get unique names: "nombre", "nombre_2", "column_7". */
export function extraNames(header: HeaderMap): Array<{ position: number; name: string }> {
  const used = new Set<string>();
  const extras: Array<{ position: number; name: string }> = [];
  header.columns.forEach((column, position) => {
    if (column !== null) return;
    const base = header.names[position] || `column_${position + 1}`;
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    extras.push({ position, name });
  });
  return extras;
}

/** `delimiter`: the CSV's, for the hint of a row longer than the header; null for a workbook. */
export function toRecord(
  line: number,
  values: readonly string[],
  header: HeaderMap,
  extras: ReadonlyArray<{ position: number; name: string }> | null,
  delimiter: Delimiter | null,
): InputRecord {
  const fields: Partial<Record<InputColumn, string>> = {};
  const { columns } = header;
  // Allocated only for a row that has one (a million rows read here).
  let tooLong: RecordProblem[] | undefined;
  for (let position = 0; position < columns.length; position++) {
    const column = columns[position];
    if (column === null || column === undefined) continue;
    const value = values[position] ?? "";
    fields[column] = trimsCell(column) ? value.trim() : value;
    if (value.length > MAX_CELL_CHARS) {
      tooLong ??= [];
      tooLong.push(cellTooLong(column, value));
    }
  }
  const record: InputRecord = { line, fields, problems: NO_PROBLEMS };
  if (extras) {
    const extra: Record<string, string> = {};
    for (const { position, name } of extras) {
      const value = values[position] ?? "";
      setOwn(extra, name, value);
      if (value.length > MAX_CELL_CHARS) {
        tooLong ??= [];
        tooLong.push(cellTooLong(name, value));
      }
    }
    record.extra = extra;
  }
  if (tooLong) record.problems = tooLong;
  // Trailing empty cells are Excel's doing (`a;b;c;;`), in the header as in a row; only text
  // beyond the header's last named cell is a problem (a row shifted by an unquoted delimiter).
  let width = columns.length;
  while (width > 0 && header.names[width - 1] === "") width--;
  const beyond = values.length > width ? values.slice(width) : null;
  if (beyond?.some((value) => value.trim() !== "")) {
    // Shifted cells are the row's last columns: an account number or tax id, in a file with them.
    const secret = [...SECRET_COLUMNS].some((name) => header.index[name as InputColumn] !== undefined);
    const shown = beyond
      .map((value) => (secret ? maskTail(value.trim()) : value))
      .map((value) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value))
      .join(", ");
    const message =
      delimiter === null
        ? `the row has ${values.length} cells but the header has ${width} (extra: ${shown}); give those columns a header or clear them`
        : `the row has ${values.length} fields but the header has ${width} (extra: ${shown}); quote any value that contains ${delimiterName(delimiter)}`;
    record.problems = [...(record.problems ?? NO_PROBLEMS), { column: "", code: "too_many_fields", message }];
  } else if (values.length > columns.length && delimiter === ",") {
    // Longer than the header's every cell, its blank trailing names too (helper-77: an amount
    // followed by a fee column of 150.00 is no split amount).
    const split = splitMoney(values, header, columns.length);
    if (split) record.problems = [...(record.problems ?? NO_PROBLEMS), split];
  }
  if (delimiter !== null) {
    const swallowed = rowsInCell(values, header, width, delimiter);
    if (swallowed) record.problems = [...(record.problems ?? NO_PROBLEMS), swallowed];
  }
  return record;
}

/**
 * A quote opened by mistake (`"Pepe Diaz`) and closed rows later makes those rows one cell's
 * text: silently lost when the cell is in a column that is not read. A record holding, in its
 * cells that run over several lines and between its cells, the delimiters of two rows or more
 * is such rows, wherever the quote opened and closed; it is refused, in every column (an
 * unknown one too). A text really written over several lines with that many delimiters is
 * refused too: on one line it is not (the message says so).
 */
function rowsInCell(
  values: readonly string[],
  header: HeaderMap,
  width: number,
  delimiter: Delimiter,
): RecordProblem | null {
  if (width < 2) return null;
  let inside = 0;
  let first = -1;
  for (let position = 0; position < values.length; position++) {
    const value = values[position] ?? "";
    if (!value.includes("\n") && !value.includes("\r")) continue;
    inside += value.split(delimiter).length - 1;
    if (first < 0) first = position;
  }
  if (first < 0 || inside + values.length - 1 < 2 * (width - 1)) return null;
  const name = header.names[first] || `column ${first + 1}`;
  const lines = (values[first] ?? "").split(/\r\n|\r|\n/).length;
  return {
    column: header.columns[first] ?? "",
    code: "rows_in_quoted_cell",
    message: `a quoted cell (${name}) runs over ${lines} lines, and this record holds the ${delimiterName(delimiter)} of two rows or more: a quote opened in it closes only lines later, and the rows between would be lost as its text; close or remove the stray quote (a text really written over lines with that many ${delimiterName(delimiter)}: write it on one line)`,
  };
}

/** The part of an amount before an unquoted comma: digits, or digits grouped by dot or space. */
const SPLIT_HEAD = /^(?:\d+|\d{1,3}(?:[. \u00A0\u202F]\d{3})+)$/;
/**
 * The part after it: 1-3 digits (a group, or decimals), decimals after a point, a currency after
 * them (`1,500 CLP`, which quoted is refused as amount_currency_symbol).
 */
const SPLIT_TAIL = /^\d{1,3}(?:\.\d+)?(?:\s*[^\d\s.,].*)?$/;

/**
 * A row longer than the header whose money cell and the cell after it read as one amount
 * split at a comma: an unquoted `1,500`, `12,50`, `1,585.25` or `44.328,50` split in two, every
 * later cell shifted right. The extra cell may be blank (an empty reference), so the row would
 * otherwise read as amount 1 (or 44.328).
 */
function splitMoney(values: readonly string[], header: HeaderMap, width: number): RecordProblem | null {
  for (const column of ["amount", "budget"] as const) {
    const position = header.index[column];
    if (position === undefined) continue;
    const value = (values[position] ?? "").trim();
    const next = (values[position + 1] ?? "").trim();
    // `1,500` → "1" "500"; `1,585.25` → "1" "585.25"; `44.328,50` → "44.328" "50".
    if (!SPLIT_HEAD.test(value) || !SPLIT_TAIL.test(next)) continue;
    const joined = `${value},${next}`;
    return {
      column,
      code: "too_many_fields",
      message: `the row has ${values.length} fields but the header has ${width}, and ${column} "${value}" then "${next}" look like ${joined} split by the delimiter; quote the ${column} ("${joined}") or write it without a comma`,
    };
  }
  return null;
}

/** The warning for unknown columns that are not kept, if any. */
export function ignoredColumnsNotice(file: string, header: HeaderMap, keepColumns?: boolean): string | null {
  if (keepColumns || header.unknown.length === 0) return null;
  const names = header.unknown.map((name) => `"${name}"`).join(", ");
  return `${file}: ignoring unknown column${header.unknown.length > 1 ? "s" : ""} ${names} (--keep-columns copies them into the report)`;
}

/** Reads the header now and the records while they are iterated (one pass over `source`). */
/** The one problem of a CSV's trailing totals row, whether or not it adds up. */
function csvTotalsProblem(verdict: TotalsVerdict): RecordProblem {
  if (!verdict.sums) return verdict.problem;
  return {
    column: "",
    code: "totals_row",
    message: `this looks like a totals row (${verdict.label}: ${verdict.figures}, the sum of the rows above), not a payment; delete it`,
  };
}

export async function readRecordsFrom(source: Source, options: ReadOptions): Promise<ReadResult> {
  const { file } = source;
  const notices = source.notice ? [source.notice] : [];
  const delimiter = options.delimiter ?? detectDelimiter(source.head);
  const csvOptions = {
    delimiter,
    file,
    onlyLf: source.onlyLf,
    noQuotes: source.noQuotes,
    ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
  };
  const rows = csvRows(() => source.chunks(), csvOptions);
  // The header is the first row of the first batch; the rest of that batch are records.
  const first = await rows.next();
  const headerRow = first.done ? undefined : first.value[0];
  if (!headerRow) {
    throw new BatchError(
      "input",
      `${file}: the file is empty; expected a header row and one row per payment`,
      {
        hint: "see `bitex-batch template` for the columns",
      },
    );
  }
  let header: HeaderMap;
  try {
    header = mapHeader(headerRow.values, {
      required: options.requiredColumns,
      file,
      line: headerRow.line,
    });
  } catch (error) {
    await rows.return(undefined);
    throw error;
  }
  const extras = options.keepColumns ? extraNames(header) : null;
  const ignored = ignoredColumnsNotice(file, header, options.keepColumns);
  if (ignored) notices.push(ignored);
  // A line of DOS's end-of-file mark alone (Ctrl-Z, U+001A, as old DOS programs end a file) is
  // no row: read as one, it was six errors on a row nobody wrote (helper-107).
  const toRecords = (batch: readonly CsvRow[]) =>
    batch
      .filter((row) => !(row.values.length === 1 && row.values[0] === "\u001a"))
      .map((row) => toRecord(row.line, row.values, header, extras, delimiter));
  /**
   * The sums of the first `count` records, read again: only a last row that looks like a
   * totals row needs them, and reading the file twice for that rare row costs less than
   * summing every row of every file.
   */
  async function totalsOf(count: number): Promise<TotalsWatch> {
    const totals = new TotalsWatch(header);
    let seen = -1; // the header is the first row
    for await (const batch of csvRows(() => source.chunks(), csvOptions)) {
      for (const row of batch) {
        if (seen >= 0 && seen < count) totals.add(toRecord(row.line, row.values, header, extras, delimiter));
        seen++;
      }
      if (seen >= count) break;
    }
    return totals;
  }
  async function* batches(): AsyncGenerator<InputRecord[]> {
    // The last record is held back until the file ends: it may be a totals row.
    let held: InputRecord | null = null;
    let before = 0;
    const take = (batch: readonly CsvRow[]): InputRecord[] => {
      const out: InputRecord[] = [];
      for (const record of toRecords(batch)) {
        if (held) {
          before++;
          out.push(held);
        }
        held = record;
      }
      return out;
    };
    const rest = take((first.value as CsvRow[]).slice(1));
    if (rest.length > 0) yield rest;
    for await (const batch of rows) {
      const out = take(batch);
      if (out.length > 0) yield out;
    }
    const last = held as InputRecord | null;
    if (last && mayBeTotalsRow(header, last)) {
      const verdict = (await totalsOf(before)).judge(last);
      // A CSV row is a payment: a totals row is one error naming it, not four about its empty cells.
      if (verdict) last.problems = [...(last.problems ?? []), csvTotalsProblem(verdict)];
    }
    if (last) yield [last];
    await source.verifyUnchanged();
  }
  return {
    file,
    encoding: source.encoding,
    bom: source.bom,
    delimiter,
    header: { ...header, line: headerRow.line },
    extraColumns: extras?.map((extra) => extra.name) ?? [],
    notices,
    batches: batches(),
  };
}
