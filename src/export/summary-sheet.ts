/**
 * The Summary sheet of an xlsx export (pure): the period (first and last day, the zone), when
 * the API was read, the payer when one was asked for, the counts, and the totals per currency,
 * side and state exactly as `export` prints them (totals.ts).
 */

import { type CurrencyMoney, moneyOf } from "../report/money.js";
import { moneySheetLines } from "../report/money-sheet.js";
import type { XlsxTableOptions } from "../writers/xlsx.js";
import type { ZoneClock } from "../writers/xlsx-cells.js";
import type { SummaryLine } from "../writers/xlsx-lines.js";
import type { Period } from "./period.js";
import type { ExportRow } from "./rows.js";
import {
  type ExportTotal,
  exportTotals,
  placedRows,
  type UnknownCurrency,
  unknownCurrencies,
  unknownOutputs,
} from "./totals.js";

export const EXPORT_TOTALS_TITLE = "Totals by currency, side and output state";

export interface ExportSummary {
  period: Pick<Period, "from" | "to" | "tz">;
  payer?: string;
  requests: number;
  outputs: number;
  totals: readonly ExportTotal[];
  /** The totals of requests no evidence places: in no period's totals (totals.ts `placedRows`). */
  unplaced?: readonly ExportTotal[];
  /** Figures of no known currency, in no total (totals.ts `unknownCurrencies`). */
  unknown?: readonly UnknownCurrency[];
  money: readonly CurrencyMoney[];
  /** When the API was read. */
  asOf: Date;
}

export function exportSummaryLines(summary: ExportSummary, clock: ZoneClock): SummaryLine[] {
  const line = (...cells: SummaryLine["cells"]): SummaryLine => ({ cells });
  return [
    // The days are text: "2026-11-01" is a day of the zone, not an instant.
    line("From", summary.period.from),
    line("To (included)", summary.period.to),
    line("Time zone", summary.period.tz),
    line("As of", clock.wall(summary.asOf)),
    line("Payer", summary.payer ?? "all"),
    line("Requests", summary.requests),
    line("Outputs", summary.outputs),
    line(),
    { cells: [EXPORT_TOTALS_TITLE], bold: true },
    { cells: ["Currency", "Side", "State", "Outputs", "Total"], bold: true },
    ...summary.totals.map((t) =>
      line(t.currency, t.side, t.state, t.rows, { money: t.amount, currency: t.currency }),
    ),
    // Figures whose currency is unknown: in no total, so their outputs are named instead.
    ...(summary.unknown ?? []).map((u) => line("unknown", u.side, u.state, u.rows, unknownOutputs(u))),
    line(),
    ...unplacedLines(summary.unplaced ?? []),
    ...moneySheetLines(summary.money, { inFile: false }),
  ];
}

export const UNPLACED_TOTALS_TITLE = "Unplaced requests (no time in any evidence): in no period's totals";

/** The unplaced requests' totals, under a title of their own; nothing when there are none. */
function unplacedLines(totals: readonly ExportTotal[]): SummaryLine[] {
  if (totals.length === 0) return [];
  return [
    { cells: [UNPLACED_TOTALS_TITLE], bold: true },
    { cells: ["Currency", "Side", "State", "Outputs", "Total"], bold: true },
    ...totals.map((t) => ({
      cells: [t.currency, t.side, t.state, t.rows, { money: t.amount, currency: t.currency }],
    })),
    { cells: [] },
  ];
}

/**
 * What `--report-format xlsx` needs beyond the rows: the rows sheet "Export", times in the
 * period's zone, and the Summary sheet. The API was read just before: that is the "as of".
 */
export function exportWorkbook(input: {
  period: Pick<Period, "from" | "to" | "tz">;
  payer?: string;
  requests: number;
  rows: readonly ExportRow[];
}): XlsxTableOptions {
  const asOf = new Date();
  const { period, payer, requests, rows } = input;
  return {
    sheet: "Export",
    tz: period.tz,
    summary: (clock) =>
      exportSummaryLines(
        {
          period,
          payer,
          requests,
          outputs: rows.length,
          totals: exportTotals(placedRows(rows)),
          unplaced: exportTotals(placedRows(rows, false)),
          unknown: unknownCurrencies(rows),
          money: exportMoney(placedRows(rows)),
          asOf,
        },
        clock,
      ),
  };
}

/** The money of an export: lines are a batch's, not the export's, so none is named. */
export function exportMoney(rows: Iterable<ExportRow>): CurrencyMoney[] {
  return moneyOf(withoutLines(rows));
}

/** Each row without its line, one at a time: a copy of every row at once would double the export. */
function* withoutLines(rows: Iterable<ExportRow>): Generator<Omit<ExportRow, "line"> & { line: undefined }> {
  for (const row of rows) yield { ...row, line: undefined };
}
