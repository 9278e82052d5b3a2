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
    // Rows without a figure (not quoted yet) are in no total; a figure without a currency (its
    // port names none) is in none either, and is said apart (unknownCurrencies).
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

/**
 * Figures whose currency is unknown (the output's port, or the request's for the spend, is
 * missing or names no currency), per side and state: no total can hold them (adding them to
 * any currency could be wrong), so they are counted apart and named, never dropped unsaid.
 */
export interface UnknownCurrency {
  side: Side;
  state: string;
  rows: number;
  /** The first outputs (at most 10), each with its figure as the server sent it. */
  outputs: Array<{ request_id: string; output_id: string; amount: string }>;
}

/** At most this many outputs are named per line; the report holds every one. */
const NAMED = 10;

/** Sorted as the totals: receive before spend, then state. */
export function unknownCurrencies(rows: Iterable<ExportRow>): UnknownCurrency[] {
  const found = new Map<string, UnknownCurrency>();
  const note = (row: ExportRow, side: Side, currency: string, amount: string) => {
    if (currency !== "" || amount === "") return;
    const key = `${side === "receive" ? "0" : "1"}|${row.state}`;
    const entry = found.get(key) ?? { side, state: row.state, rows: 0, outputs: [] };
    entry.rows++;
    if (entry.outputs.length < NAMED)
      entry.outputs.push({ request_id: row.request_id, output_id: row.output_id, amount });
    found.set(key, entry);
  };
  for (const row of rows) {
    note(row, "receive", row.receive_currency, row.receive_amount);
    note(row, "spend", row.spend_currency, row.spend_amount);
  }
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
}

/** "no known currency, receive settled: 1 output, in no total (output 100 of request 7: 19000)". */
export function unknownCurrencyLine(unknown: UnknownCurrency): string {
  const outputs = `${unknown.rows} output${unknown.rows === 1 ? "" : "s"}`;
  return `no known currency, ${unknown.side} ${unknown.state}: ${outputs}, ${unknownOutputs(unknown)}`;
}

/** "in no total (output 100 of request 7: 19000)": the outputs named, and how many more. */
export function unknownOutputs(unknown: UnknownCurrency): string {
  const named = unknown.outputs.map((o) => `output ${o.output_id} of request ${o.request_id}: ${o.amount}`);
  const more = unknown.rows > named.length ? `, and ${unknown.rows - named.length} more in the report` : "";
  return `in no total (${named.join("; ")}${more})`;
}

/**
 * The rows of requests placed in the period: the period's totals and money. A request no
 * evidence places is listed in every period's report, so its figures are in no period's
 * totals (or they would be counted in every month's books); they are summed apart.
 */
export function* placedRows(rows: Iterable<ExportRow>, placed = true): Generator<ExportRow> {
  for (const row of rows) if ((row.request_placed_by !== "unplaced") === placed) yield row;
}

/** "unplaced, in no period's totals: CLP receive settled: 1000 (1 output)". */
export function unplacedLine(total: ExportTotal): string {
  return `unplaced, in no period's totals: ${totalLine(total)}`;
}
