/**
 * The end-of-run summary: rows by status, and per currency the total in the file against
 * the total created. Sums are exact (src/decimal.ts); the object is plain JSON
 * with amounts as strings, and is the core of the `--json` output.
 */
import { add, type Decimal, decimalOrNull, format, groupDigits, trimScale } from "../decimal.js";
import { minorUnits } from "../ports.js";
import { type ReportRow, STATUSES, type Status } from "./columns.js";

export type MoneyColumn = "amount" | "budget";

export interface CurrencyTotal {
  /** ISO 4217 upper-case: the row's `currency` cell, i.e. the currency of the summed figure. */
  currency: string;
  /** Amounts (what payees receive) and budgets (what payers spend) are never added together. */
  column: MoneyColumn;
  /** Rows that passed validation with this currency and column, and their exact sum. */
  rows: number;
  inFile: string;
  /** The same for rows whose status is `created`. */
  createdRows: number;
  created: string;
}

export interface ReportSummary {
  rows: number;
  /** Every status is present, zero included, so consumers need no defaults. */
  byStatus: Record<Status, number>;
  /** Sorted by currency, then amount before budget. */
  totals: CurrencyTotal[];
  /**
   * Rows in no total: `invalid` rows (their cells are the raw input, whose value is exactly
   * what validation could not establish) and rows without a usable figure or currency.
   */
  notInTotals: number;
}

interface Accumulator {
  currency: string;
  column: MoneyColumn;
  rows: number;
  inFile: Decimal;
  createdRows: number;
  created: Decimal;
}

const CURRENCY = /^[A-Z]{3}$/;

/** Builds the summary one row at a time, so it can ride along while the report streams to disk. */
export class SummaryBuilder {
  private readonly byStatus = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<
    Status,
    number
  >;
  private readonly totals = new Map<string, Accumulator>();
  private count = 0;
  private notInTotals = 0;

  add(row: ReportRow): void {
    this.count++;
    this.byStatus[row.status]++;
    // A row carries one figure: amount when given, else budget (see ReportRow.currency).
    const column: MoneyColumn = row.amount !== "" ? "amount" : "budget";
    const value = row[column];
    const amount = row.status === "invalid" || value.startsWith("-") ? null : decimalOrNull(value);
    if (amount === null || !CURRENCY.test(row.currency)) {
      this.notInTotals++;
      return;
    }
    const key = `${row.currency}|${column}`;
    let total = this.totals.get(key);
    if (!total) {
      // Starting at the currency's minor units makes USD sums read "0.30", not "0.3".
      const zero: Decimal = { units: 0n, scale: minorUnits(row.currency) };
      total = { currency: row.currency, column, rows: 0, inFile: zero, createdRows: 0, created: zero };
      this.totals.set(key, total);
    }
    total.rows++;
    total.inFile = add(total.inFile, amount);
    if (row.status === "created") {
      total.createdRows++;
      total.created = add(total.created, amount);
    }
  }

  result(): ReportSummary {
    const sorted = [...this.totals.values()].sort((a, b) =>
      a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : a.column === "amount" ? -1 : 1,
    );
    return {
      rows: this.count,
      byStatus: { ...this.byStatus },
      totals: sorted.map((t) => ({
        currency: t.currency,
        column: t.column,
        rows: t.rows,
        inFile: format(trimScale(t.inFile, minorUnits(t.currency))),
        createdRows: t.createdRows,
        created: format(trimScale(t.created, minorUnits(t.currency))),
      })),
      notInTotals: this.notInTotals,
    };
  }
}

export function summarize(rows: Iterable<ReportRow>): ReportSummary {
  const builder = new SummaryBuilder();
  for (const row of rows) builder.add(row);
  return builder.result();
}

/**
 * Lines for the end of a run, e.g. "48 rows: 45 created, 2 failed, 1 invalid". Totals show
 * what was created only after a submit (`validate` and `--dry-run` create nothing).
 */
export function formatSummaryLines(
  summary: ReportSummary,
  options: { submitted: boolean } = { submitted: true },
): string[] {
  const parts = STATUSES.filter((status) => summary.byStatus[status] > 0).map(
    (status) => `${summary.byStatus[status]} ${status}`,
  );
  const lines = [`${plural(summary.rows, "row")}${parts.length > 0 ? `: ${parts.join(", ")}` : ""}`];
  for (const t of summary.totals) {
    const inFile = `${t.currency} ${t.column}: ${groupDigits(t.inFile)} in the file (${plural(t.rows, "row")})`;
    const created = `${groupDigits(t.created)} created (${plural(t.createdRows, "row")})`;
    lines.push(options.submitted ? `${inFile}, ${created}` : inFile);
  }
  if (summary.notInTotals > 0) {
    lines.push(`${plural(summary.notInTotals, "row")} in no total (invalid, or no usable amount or budget)`);
  }
  return lines;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
