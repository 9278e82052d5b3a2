/**
 * The export's totals (pure): per currency, side and output state, the rows and their exact
 * sum. What payees receive and what payers spend are never added together, nor are states:
 * a `returned` payout is money that came back, not money paid.
 */
import { add, type Decimal, decimal, format } from "../decimal.js";
import { minorUnits } from "../ports.js";
import type { ExportRow } from "./rows.js";

export type Side = "receive" | "spend";

export interface ExportTotal {
  /** ISO 4217, upper-case. */
  currency: string;
  side: Side;
  /** The outputs' state. */
  state: string;
  rows: number;
  /** Exact decimal text in the currency's minor units. */
  amount: string;
}

/** Sorted by currency, then receive before spend, then state. */
export function exportTotals(rows: Iterable<ExportRow>): ExportTotal[] {
  const totals = new Map<string, { total: ExportTotal; sum: Decimal }>();
  const count = (currency: string, side: Side, state: string, amount: string) => {
    // Rows without a figure (not quoted yet) or with one that is not a decimal (money() left
    // its currency empty) are in no total.
    if (currency === "" || amount === "") return;
    const key = `${currency}|${side}|${state}`;
    let entry = totals.get(key);
    if (!entry) {
      const zero: Decimal = { units: 0n, scale: minorUnits(currency) };
      entry = { total: { currency, side, state, rows: 0, amount: "" }, sum: zero };
      totals.set(key, entry);
    }
    entry.total.rows++;
    entry.sum = add(entry.sum, decimal(amount));
  };
  for (const row of rows) {
    count(row.receive_currency, "receive", row.state, row.receive_amount);
    count(row.spend_currency, "spend", row.state, row.spend_amount);
  }
  const order = (t: ExportTotal) => [t.currency, t.side === "receive" ? "0" : "1", t.state].join("|");
  return [...totals.values()]
    .map(({ total, sum }) => ({ ...total, amount: format(sum) }))
    .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** "CLP receive settled: 19000 (1 output)". */
export function totalLine(total: ExportTotal): string {
  const outputs = `${total.rows} output${total.rows === 1 ? "" : "s"}`;
  return `${total.currency} ${total.side} ${total.state}: ${total.amount} (${outputs})`;
}
