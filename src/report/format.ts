/**
 * Pure rendering of report rows into one of the three dialects. `reportChunks` yields the
 * file piece by piece so a million-row report never sits in memory as one string.
 */

import {
  type CsvFormat,
  DIALECTS,
  type Dialect,
  idField,
  neutralizeFormula,
  numberField,
  stringifyRecords,
  textField,
} from "../writers/dialect.js";
import { ROWS_PER_CHUNK } from "../writers/table.js";
import {
  REPORT_COLUMNS,
  REPORT_TABLE,
  type ReportCellKind,
  type ReportColumn,
  type ReportRow,
} from "./columns.js";

/** The header line, preceded by the BOM in the Excel dialects. */
export function reportHeader(format: CsvFormat, extraColumns: readonly string[] = []): string {
  // Kept column names come from the input file, so they are untrusted text too.
  const header = [...REPORT_COLUMNS, ...extraColumns.map(neutralizeFormula)];
  return stringifyRecords([header], DIALECTS[format], true);
}

const NAMES: readonly ReportColumn[] = REPORT_TABLE.map((column) => column.name);
const KINDS: readonly ReportCellKind[] = REPORT_TABLE.map((column) => column.kind);

/** One cell as the column's kind writes it. */
function cell(kind: ReportCellKind, value: string | number, dialect: Dialect): string {
  switch (kind) {
    case "line":
      return String(value);
    case "id":
      return idField(value as string, dialect);
    case "money":
      return numberField(value as string, dialect, true);
    case "text":
    case "time":
      return textField(value as string, dialect);
  }
}

/**
 * One row as a line of the report, cells as REPORT_TABLE describes them. Ids and money are
 * plain numbers, never formula-prefixed (an id a spreadsheet would change is kept as text),
 * and only money takes a decimal comma. Total over any strings: the report is written after
 * money moved.
 */
export function reportLine(
  row: ReportRow,
  dialect: Dialect,
  extraColumns: readonly string[] = [],
  seen: SeenCells = seenCells(),
): string {
  const d = dialect.delimiter;
  // The first column is the line number, never empty.
  let line = cell(KINDS[0] as ReportCellKind, row[NAMES[0] as ReportColumn], dialect);
  for (let i = 1; i < NAMES.length; i++) {
    const value = row[NAMES[i] as ReportColumn];
    // An empty cell is empty in every kind and dialect; most of a row's cells are (one call per cell of a million-row report).
    line += value === "" ? d : d + seenCell(seen, i, value, dialect);
  }
  if (extraColumns.length > 0) {
    const extra = row.extra ?? {};
    // hasOwn: a kept column named "constructor" must not read Object.prototype.
    for (const name of extraColumns)
      line += d + textField(Object.hasOwn(extra, name) ? (extra[name] ?? "") : "", dialect);
  }
  return line + dialect.recordDelimiter;
}

/**
 * Per column, the cells written so far in one chunk: most columns repeat a few values (ports,
 * currencies, states, ids of payers, the time), each written once. A column past
 * SEEN_PER_COLUMN values (references, amounts) is written cell by cell (null).
 */
export type SeenCells = Array<Map<string, string> | null>;
const SEEN_PER_COLUMN = 64;

function seenCells(): SeenCells {
  return NAMES.map(() => new Map<string, string>());
}

function seenCell(seen: SeenCells, column: number, value: string | number, dialect: Dialect): string {
  const kind = KINDS[column] as ReportCellKind;
  const cells = seen[column];
  if (!cells || typeof value !== "string") return cell(kind, value, dialect);
  let written = cells.get(value);
  if (written === undefined) {
    written = cell(kind, value, dialect);
    if (cells.size < SEEN_PER_COLUMN) cells.set(value, written);
    else seen[column] = null;
  }
  return written;
}

/** Rows without header or BOM: the body of one chunk. */
export function reportLines(
  rows: Iterable<ReportRow>,
  format: CsvFormat,
  extraColumns: readonly string[] = [],
): string {
  const dialect = DIALECTS[format];
  const seen = seenCells();
  let text = "";
  for (const row of rows) text += reportLine(row, dialect, extraColumns, seen);
  return text;
}

/** The report file as successive strings: header first, then up to `rowsPerChunk` rows each. */
export function* reportChunks(
  rows: Iterable<ReportRow>,
  format: CsvFormat,
  extraColumns: readonly string[] = [],
  rowsPerChunk = ROWS_PER_CHUNK,
): Generator<string> {
  yield reportHeader(format, extraColumns);
  let batch: ReportRow[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length >= rowsPerChunk) {
      yield reportLines(batch, format, extraColumns);
      batch = [];
    }
  }
  if (batch.length > 0) yield reportLines(batch, format, extraColumns);
}
