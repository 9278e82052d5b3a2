/**
 * The Summary sheet of the xlsx report: what the report is (batch, input file, as of when, in
 * which zone) and its totals, computed while the rows streamed. Each table has a title row,
 * a header row, its rows, then a blank row; money is a number with its currency's decimals.
 */
import type ExcelJS from "exceljs";
import { type Money, type SummaryCell, type SummaryLine, writeLinesSheet } from "../writers/xlsx-lines.js";
import { STATUSES } from "./columns.js";
import type { CurrencyMoney } from "./money.js";
import { moneySheetLines } from "./money-sheet.js";
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
  money: readonly CurrencyMoney[];
}

export const SUMMARY_TITLES = {
  status: "Rows by status",
  figures: "Figures of the file (amount: what the payee receives; budget: what the payer spends)",
  states: "Money by currency, status and state (receive_*, spend_* columns)",
  quoted: "Spend of requests that hold a quote",
} as const;

export function writeSummarySheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, data: SummarySheet): void {
  writeLinesSheet(workbook, "Summary", summarySheetLines(data));
}

export function summarySheetLines(data: SummarySheet): SummaryLine[] {
  const lines: SummaryLine[] = [];
  const add = (cells: SummaryCell[], bold = false) => lines.push({ cells, bold });
  const { summary, states } = data;
  add(["Batch id", data.batchId || null]);
  add(["Input file", data.file || null]);
  add(["As of", data.asOf]);
  add(["Time zone", data.zone]);
  add(["Rows", summary.rows]);
  add([]);
  // What an accountant reconciles first: right after what the report is.
  lines.push(...moneySheetLines(data.money, { inFile: true }));
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
  return lines;
}

export type { Money, SummaryCell, SummaryLine } from "../writers/xlsx-lines.js";
