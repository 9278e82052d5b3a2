/**
 * Pure rendering of report rows into one of the three dialects. `reportChunks` yields the
 * file piece by piece so a million-row report never sits in memory as one string.
 */
import { ID_COLUMNS, MONEY_COLUMNS, REPORT_COLUMNS, type ReportRow } from "./columns.js";
import {
  DIALECTS,
  type Dialect,
  neutralizeFormula,
  numberCell,
  type ReportFormat,
  stringifyRecords,
} from "./dialect.js";

/** About 150 KB of text per chunk: few writes, bounded memory. */
export const ROWS_PER_CHUNK = 1000;

/** The header line, preceded by the BOM in the Excel dialects. */
export function reportHeader(format: ReportFormat, extraColumns: readonly string[] = []): string {
  // Kept column names come from the input file, so they are untrusted text too.
  const header = [...REPORT_COLUMNS, ...extraColumns.map(neutralizeFormula)];
  return stringifyRecords([header], DIALECTS[format], true);
}

/** The cells of one row. Total over any strings: the report is written after money moved. */
export function reportCells(
  row: ReportRow,
  dialect: Dialect,
  extraColumns: readonly string[] = [],
): string[] {
  const cells = REPORT_COLUMNS.map((column) => {
    if (column === "line") return String(row.line);
    const value = row[column];
    // Invalid rows echo the input's own text: converting "1.234" to "1,234" would assert a
    // reading that validation refused to make.
    if (MONEY_COLUMNS.has(column)) return numberCell(value, dialect, row.status !== "invalid");
    if (ID_COLUMNS.has(column)) return numberCell(value, dialect, false);
    return neutralizeFormula(value);
  });
  const extra = row.extra ?? {};
  // hasOwn: a kept column named "constructor" must not read Object.prototype.
  for (const name of extraColumns)
    cells.push(neutralizeFormula(Object.hasOwn(extra, name) ? (extra[name] ?? "") : ""));
  return cells;
}

/** Rows without header or BOM: the body of one chunk. */
export function reportLines(
  rows: Iterable<ReportRow>,
  format: ReportFormat,
  extraColumns: readonly string[] = [],
): string {
  const dialect = DIALECTS[format];
  const records: string[][] = [];
  for (const row of rows) records.push(reportCells(row, dialect, extraColumns));
  return records.length === 0 ? "" : stringifyRecords(records, dialect, false);
}

/** The report file as successive strings: header first, then up to `rowsPerChunk` rows each. */
export function* reportChunks(
  rows: Iterable<ReportRow>,
  format: ReportFormat,
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

/** `reportChunks` for rows that arrive asynchronously (e.g. rebuilt from a journal stream). */
export async function* reportChunksAsync(
  rows: Iterable<ReportRow> | AsyncIterable<ReportRow>,
  format: ReportFormat,
  extraColumns: readonly string[] = [],
  rowsPerChunk = ROWS_PER_CHUNK,
): AsyncGenerator<string> {
  yield reportHeader(format, extraColumns);
  let batch: ReportRow[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= rowsPerChunk) {
      yield reportLines(batch, format, extraColumns);
      batch = [];
    }
  }
  if (batch.length > 0) yield reportLines(batch, format, extraColumns);
}

export function renderReport(
  rows: Iterable<ReportRow>,
  format: ReportFormat,
  extraColumns: readonly string[] = [],
): string {
  return [...reportChunks(rows, format, extraColumns)].join("");
}
