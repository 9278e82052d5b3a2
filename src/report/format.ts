/**
 * Pure rendering of report rows into one of the three dialects. `reportChunks` yields the
 * file piece by piece so a million-row report never sits in memory as one string.
 */
import { REPORT_COLUMNS, type ReportRow } from "./columns.js";
import {
  csvRecord,
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

/**
 * The cells of one row, in REPORT_COLUMNS order (test/report/format.test.ts checks the two
 * agree). Ids and money are plain numbers, never formula-prefixed; only money takes a decimal comma.
 * Total over any strings: the report is written after money moved. Written out column by
 * column because it runs once per row of the file.
 */
export function reportCells(
  row: ReportRow,
  dialect: Dialect,
  extraColumns: readonly string[] = [],
): string[] {
  // Invalid rows echo the input's own text: converting "1.234" to "1,234" would assert a
  // reading that validation refused to make.
  const localize = row.status !== "invalid";
  const cells = [
    String(row.line),
    neutralizeFormula(row.reference),
    numberCell(row.payer_user_id, dialect, false),
    neutralizeFormula(row.sender_port),
    numberCell(row.recipient_user_id, dialect, false),
    neutralizeFormula(row.port),
    numberCell(row.amount, dialect, localize),
    numberCell(row.budget, dialect, localize),
    neutralizeFormula(row.currency),
    numberCell(row.withdrawal_instruction_id, dialect, false),
    neutralizeFormula(row.status),
    numberCell(row.request_id, dialect, false),
    numberCell(row.output_id, dialect, false),
    neutralizeFormula(row.state),
    neutralizeFormula(row.error_code),
    neutralizeFormula(row.error),
    neutralizeFormula(row.updated_at),
  ];
  if (extraColumns.length > 0) {
    const extra = row.extra ?? {};
    // hasOwn: a kept column named "constructor" must not read Object.prototype.
    for (const name of extraColumns)
      cells.push(neutralizeFormula(Object.hasOwn(extra, name) ? (extra[name] ?? "") : ""));
  }
  return cells;
}

/** Rows without header or BOM: the body of one chunk. */
export function reportLines(
  rows: Iterable<ReportRow>,
  format: ReportFormat,
  extraColumns: readonly string[] = [],
): string {
  const dialect = DIALECTS[format];
  let text = "";
  for (const row of rows) text += csvRecord(reportCells(row, dialect, extraColumns), dialect);
  return text;
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
