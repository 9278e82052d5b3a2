/**
 * Sheets of lines (a workbook's Summary): text, counts, wall-clock dates and money, each
 * cell typed like the rows sheet's (money a number with its currency's decimals, or exact
 * text when no double holds it).
 */
import type ExcelJS from "exceljs";
import { exactNumber, moneyDecimals, moneyFormat, TIME_FORMAT, xmlSafe } from "./xlsx-cells.js";

type Cell = string | number | Date | Money | null;

/** A cell of a summary sheet: text, a count, a wall-clock date, or money. */
export type SummaryCell = Cell;

/** A row of a summary sheet; [] is a blank row. */
export interface SummaryLine {
  cells: SummaryCell[];
  bold?: boolean;
}

/** A money cell: its exact text and the currency that sets its decimals. */
export interface Money {
  money: string;
  currency: string;
}

/**
 * A summary sheet (the report's, an export's): its rows as given, with the cell rules above,
 * each column as wide as what it must show whole.
 */
export function writeLinesSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  lines: readonly SummaryLine[],
): void {
  const sheet = workbook.addWorksheet(name);
  sheet.columns = lineWidths(lines).map((width) => ({ width }));
  for (const line of lines) addRow(sheet, line.cells, line.bold ?? false);
  sheet.commit();
}

/**
 * Widths in characters that show every cell of a table whole (a figure too wide shows as ###,
 * a text is cut at the next cell, and a printed page ends at the last column): a line of one
 * text (a title, a clause of the rule) runs on into the empty cells, so it sets no width. At
 * least 10, at most 60.
 */
export function lineWidths(lines: readonly SummaryLine[]): number[] {
  const widths: number[] = [];
  for (const { cells } of lines) {
    const alone = cells.filter((cell) => cell !== null).length === 1;
    cells.forEach((cell, i) => {
      const runsOn = typeof cell === "string" && alone;
      const shown = cell === null || runsOn ? 0 : shownLength(cell);
      widths[i] = Math.max(widths[i] ?? 10, Math.min(shown + 2, 60));
    });
  }
  return widths;
}

/** Characters a cell shows: a figure with a group mark every three digits and its decimals. */
function shownLength(cell: Exclude<Cell, null>): number {
  if (cell instanceof Date) return TIME_FORMAT.length;
  if (typeof cell === "string") return cell.length;
  if (typeof cell === "number") return String(cell).length;
  if (exactNumber(cell.money) === null) return cell.money.length;
  const negative = cell.money.startsWith("-") ? 1 : 0;
  const whole = cell.money.slice(negative).split(".")[0] ?? "";
  const decimals = moneyDecimals(cell.money, cell.currency);
  return negative + whole.length + Math.floor((whole.length - 1) / 3) + (decimals > 0 ? decimals + 1 : 0);
}

export function addRow(sheet: ExcelJS.Worksheet, cells: Cell[], bold: boolean): void {
  const row = sheet.addRow(cells.map(summaryValue));
  cells.forEach((cell, i) => {
    const format = formatOf(cell);
    if (format !== undefined) row.getCell(i + 1).numFmt = format;
  });
  if (bold) row.font = { bold: true };
  row.commit();
}

function summaryValue(cell: Cell): string | number | Date | null {
  if (cell === null || typeof cell === "number" || cell instanceof Date) return cell;
  if (typeof cell === "string") return xmlSafe(cell);
  return exactNumber(cell.money) ?? cell.money;
}

function formatOf(cell: Cell): string | undefined {
  if (cell instanceof Date) return TIME_FORMAT;
  if (typeof cell === "string") return "@";
  if (cell === null || typeof cell === "number") return undefined;
  // A total no double shows exactly stays text, like a money cell of the rows sheet.
  return exactNumber(cell.money) === null ? "@" : moneyFormat(moneyDecimals(cell.money, cell.currency));
}
