/**
 * Pure rendering of report rows into one of the three dialects. `reportChunks` yields the
 * file piece by piece so a million-row report never sits in memory as one string.
 */
import { REPORT_COLUMNS, type ReportRow } from "./columns.js";
import {
  type CsvFormat,
  DIALECTS,
  type Dialect,
  idField,
  neutralizeFormula,
  numberField,
  stringifyRecords,
  textField,
} from "./dialect.js";

/** About 75 KB of text per chunk: few writes, and few rows alive long enough to be promoted. */
export const ROWS_PER_CHUNK = 500;

/** The header line, preceded by the BOM in the Excel dialects. */
export function reportHeader(format: CsvFormat, extraColumns: readonly string[] = []): string {
  // Kept column names come from the input file, so they are untrusted text too.
  const header = [...REPORT_COLUMNS, ...extraColumns.map(neutralizeFormula)];
  return stringifyRecords([header], DIALECTS[format], true);
}

/**
 * One row as a line of the report, cells in REPORT_COLUMNS order (test/report/format.test.ts
 * checks the two agree). Ids and money are plain numbers, never formula-prefixed (an id a
 * spreadsheet would change is kept as text), and only money takes a decimal comma. Written
 * out cell by cell because it runs once per input row. Total over any strings: the report
 * is written after money moved.
 */
export function reportLine(row: ReportRow, dialect: Dialect, extraColumns: readonly string[] = []): string {
  const d = dialect.delimiter;
  let line =
    String(row.line) +
    d +
    textField(row.reference, dialect) +
    d +
    idField(row.payer_user_id, dialect) +
    d +
    textField(row.sender_port, dialect) +
    d +
    idField(row.recipient_user_id, dialect) +
    d +
    textField(row.port, dialect) +
    d +
    numberField(row.amount, dialect, true) +
    d +
    numberField(row.budget, dialect, true) +
    d +
    textField(row.currency, dialect) +
    d +
    idField(row.withdrawal_instruction_id, dialect) +
    d +
    textField(row.status, dialect) +
    d +
    idField(row.request_id, dialect) +
    d +
    idField(row.output_id, dialect) +
    d +
    textField(row.state, dialect) +
    d +
    textField(row.request_state, dialect) +
    d +
    numberField(row.receive_amount, dialect, true) +
    d +
    textField(row.receive_currency, dialect) +
    d +
    numberField(row.spend_amount, dialect, true) +
    d +
    textField(row.spend_currency, dialect) +
    d +
    textField(row.cancellation_reason, dialect) +
    d +
    textField(row.error_code, dialect) +
    d +
    textField(row.error, dialect) +
    d +
    textField(row.updated_at, dialect) +
    d +
    // The input's own text: converting "1.234" to "1,234" would assert a reading that
    // validation refused to make, so it is text, never a number (textField keeps it so).
    textField(row.raw_amount, dialect) +
    d +
    textField(row.raw_budget, dialect);
  if (extraColumns.length > 0) {
    const extra = row.extra ?? {};
    // hasOwn: a kept column named "constructor" must not read Object.prototype.
    for (const name of extraColumns)
      line += d + textField(Object.hasOwn(extra, name) ? (extra[name] ?? "") : "", dialect);
  }
  return line + dialect.recordDelimiter;
}

/** Rows without header or BOM: the body of one chunk. */
export function reportLines(
  rows: Iterable<ReportRow>,
  format: CsvFormat,
  extraColumns: readonly string[] = [],
): string {
  const dialect = DIALECTS[format];
  let text = "";
  for (const row of rows) text += reportLine(row, dialect, extraColumns);
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
