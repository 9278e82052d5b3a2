/**
 * Tables other than the report (`export`), described by a column spec rather than a row type,
 * rendered with the report's dialects and cell rules (dialect.ts): text neutralised against
 * formulas, ids as plain numbers (kept as text where a spreadsheet would change them), money
 * with the dialect's decimal mark. The spec says what
 * each cell is, so the workbook writer (xlsx.ts, `tableColumns`) types its cells from the same spec.
 */

import { DIALECTS, type Dialect, idField, numberField, stringifyRecords, textField } from "./dialect.js";

/** About 75 KB of text per chunk: few writes, and few rows alive long enough to be promoted. */
export const ROWS_PER_CHUNK = 500;

/**
 * `id`: digits, never localised (text in a workbook, so a long id stays whole); `line`: a
 * line number (a number in a workbook); `money`: exact decimal text, localised; `time`: an
 * ISO 8601 timestamp (text in CSV, a date in a workbook).
 */
export type CellKind = "text" | "id" | "line" | "money" | "time";

export interface TableColumn {
  name: string;
  kind: CellKind;
  /** money: the column whose cell in the same row names the figure's currency (its decimals). */
  currency?: string;
}

/** The text formats a table renders to: the report's CSV dialects. */
export type TableFormat = keyof typeof DIALECTS;

/** One row: one cell per column, in column order; "" when unknown. */
export type TableRow = readonly string[];

function cellField(text: string, kind: CellKind, dialect: Dialect): string {
  if (kind === "money") return numberField(text, dialect, true);
  // Ids as the report writes them: a spreadsheet dialect keeps "00300" or a 20-digit id as text.
  if (kind === "id" || kind === "line") return idField(text, dialect);
  return textField(text, dialect);
}

export function tableLine(columns: readonly TableColumn[], row: TableRow, dialect: Dialect): string {
  const cells = columns.map((column, i) => cellField(row[i] ?? "", column.kind, dialect));
  return cells.join(dialect.delimiter) + dialect.recordDelimiter;
}

/** Header first (with the BOM of the Excel dialects), then up to `rowsPerChunk` rows a string. */
export function* tableChunks(
  columns: readonly TableColumn[],
  rows: Iterable<TableRow>,
  format: TableFormat,
  rowsPerChunk = ROWS_PER_CHUNK,
): Generator<string> {
  const dialect = DIALECTS[format];
  yield stringifyRecords([columns.map((column) => column.name)], dialect, true);
  let text = "";
  let count = 0;
  for (const row of rows) {
    text += tableLine(columns, row, dialect);
    if (++count >= rowsPerChunk) {
      yield text;
      text = "";
      count = 0;
    }
  }
  if (text !== "") yield text;
}
