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

/** A summary sheet of any table (`export`'s): its rows as given, with the cell rules above. */
export function writeLinesSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  widths: readonly number[],
  lines: readonly SummaryLine[],
): void {
  const sheet = workbook.addWorksheet(name);
  sheet.columns = widths.map((width) => ({ width }));
  for (const line of lines) addRow(sheet, line.cells, line.bold ?? false);
  sheet.commit();
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
