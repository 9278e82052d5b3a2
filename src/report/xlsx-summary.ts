/**
 * The Summary sheet of the xlsx report: what the report is (batch, input file, as of when, in
 * which zone) and its totals, computed while the rows streamed. Each table has a title row,
 * a header row, its rows, then a blank row; money is a number with its currency's decimals.
 */
import type ExcelJS from "exceljs";
import { exactNumber, moneyDecimals, moneyFormat, TIME_FORMAT, xmlSafe } from "../writers/xlsx-cells.js";
import { STATUSES } from "./columns.js";
import type { StateTotals } from "./states.js";
import type { ReportSummary } from "./summary.js";

export interface SummarySheet {
  batchId: string;
  file: string;
  /** Wall clock of `zone` (ZoneClock.wall). */
  asOf: Date;
  zone: string;
  summary: ReportSummary;
  states: StateTotals;
}

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

export const SUMMARY_TITLES = {
  status: "Rows by status",
  figures: "Figures of the file (amount: what the payee receives; budget: what the payer spends)",
  states: "Money by currency, status and state (receive_*, spend_* columns)",
  quoted: "Spend of requests that hold a quote",
} as const;

export function writeSummarySheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, data: SummarySheet): void {
  const sheet = workbook.addWorksheet("Summary");
  // Wide enough for a date ("As of"), a batch id, and totals with grouping marks.
  sheet.columns = [{ width: 20 }, { width: 22 }, { width: 12 }, { width: 16 }, { width: 14 }, { width: 20 }];
  const add = (cells: Cell[], bold = false) => addRow(sheet, cells, bold);
  const { summary, states } = data;
  add(["Batch id", data.batchId || null]);
  add(["Input file", data.file || null]);
  add(["As of", data.asOf]);
  add(["Time zone", data.zone]);
  add(["Rows", summary.rows]);
  add([]);
  add([SUMMARY_TITLES.status], true);
  add(["Status", "Rows"], true);
  for (const status of STATUSES) add([status, summary.byStatus[status]]);
  add([]);
  add([SUMMARY_TITLES.figures], true);
  add(["Currency", "Figure", "Rows", "In the file", "Rows created", "Created"], true);
  for (const t of summary.totals) {
    const money = (text: string): Money => ({ money: text, currency: t.currency });
    add([t.currency, t.column, t.rows, money(t.inFile), t.createdRows, money(t.created)]);
  }
  add(["Rows in no total", summary.notInTotals]);
  add([]);
  add([SUMMARY_TITLES.states], true);
  add(["Side", "Currency", "Status", "State", "Rows", "Total"], true);
  for (const t of states.byState) {
    add([t.side, t.currency, t.status, t.state || null, t.rows, { money: t.total, currency: t.currency }]);
  }
  add([]);
  add([SUMMARY_TITLES.quoted], true);
  add(["Currency", "Rows", "Quoted spend"], true);
  for (const t of states.quotedSpend) add([t.currency, t.rows, { money: t.total, currency: t.currency }]);
  sheet.commit();
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

function addRow(sheet: ExcelJS.Worksheet, cells: Cell[], bold: boolean): void {
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
