/**
 * What the server says the money is doing, from the columns of docs/design.md section 12: per
 * currency, status and output state, the sum of what payees receive (`receive_*`) and of
 * what payers are charged (`spend_*`), and per sender currency the spend of rows whose
 * request holds a quote. Sums are exact (src/decimal.ts), amounts are strings. Built a row at
 * a time, like SummaryBuilder, so it rides along while a report streams to disk.
 */
import { add, type Decimal, decimalOrNull, format } from "../decimal.js";
import { minorUnits } from "../ports.js";
import { type ReportRow, STATUSES, type Status } from "./columns.js";

export type MoneySide = "receive" | "spend";

export interface StateTotal {
  side: MoneySide;
  currency: string;
  status: Status;
  /** The output's server state; "" for rows the server does not have. */
  state: string;
  rows: number;
  total: string;
}

export interface QuotedSpend {
  currency: string;
  rows: number;
  total: string;
}

export interface StateTotals {
  /** Sorted by side (receive first), currency, status (as STATUSES), state (as its lifecycle). */
  byState: StateTotal[];
  /** Sorted by currency. */
  quotedSpend: QuotedSpend[];
}

/** A request in one of these states holds a quote: its outputs' spend is what Bitex charges. */
const QUOTED_REQUEST_STATES: ReadonlySet<string> = new Set([
  "quoted",
  "quote_accepted",
  "working",
  "finished",
]);

/** Output states in the order a payment goes through them (docs/design.md section 12). */
const STATE_ORDER = [
  "",
  "accepting",
  "accepted",
  "working",
  "settling",
  "settled",
  "failed",
  "returned",
  "rejected",
  "cancelled",
];

const CURRENCY = /^[A-Z]{3}$/;

interface Sum {
  rows: number;
  total: Decimal;
}

export class StateTotalsBuilder {
  private readonly byState = new Map<string, StateTotal & { sum: Sum }>();
  private readonly quoted = new Map<string, Sum>();

  add(row: ReportRow): void {
    this.addSide(row, "receive", row.receive_amount, row.receive_currency);
    const spend = this.addSide(row, "spend", row.spend_amount, row.spend_currency);
    if (spend && QUOTED_REQUEST_STATES.has(row.request_state)) {
      const sum = this.quoted.get(row.spend_currency) ?? { rows: 0, total: zero(row.spend_currency) };
      sum.rows++;
      sum.total = add(sum.total, spend);
      this.quoted.set(row.spend_currency, sum);
    }
  }

  result(): StateTotals {
    const byState = [...this.byState.values()].sort(compareTotals).map(({ sum, ...total }) => ({
      ...total,
      rows: sum.rows,
      total: format(sum.total),
    }));
    const quotedSpend = [...this.quoted.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, sum]) => ({ currency, rows: sum.rows, total: format(sum.total) }));
    return { byState, quotedSpend };
  }

  /** Adds one side of a row; returns its amount, or null when the row has none on that side. */
  private addSide(row: ReportRow, side: MoneySide, text: string, currency: string): Decimal | null {
    const amount = decimalOrNull(text);
    if (amount === null || !CURRENCY.test(currency)) return null;
    const key = `${side}|${currency}|${row.status}|${row.state}`;
    let entry = this.byState.get(key);
    if (!entry) {
      entry = {
        side,
        currency,
        status: row.status,
        state: row.state,
        rows: 0,
        total: "",
        sum: { rows: 0, total: zero(currency) },
      };
      this.byState.set(key, entry);
    }
    entry.sum.rows++;
    entry.sum.total = add(entry.sum.total, amount);
    return amount;
  }
}

export function stateTotals(rows: Iterable<ReportRow>): StateTotals {
  const builder = new StateTotalsBuilder();
  for (const row of rows) builder.add(row);
  return builder.result();
}

/** Starting at the currency's minor units makes USD sums read "0.30", not "0.3". */
function zero(currency: string): Decimal {
  return { units: 0n, scale: minorUnits(currency) };
}

function rank(list: readonly string[], value: string): number {
  const index = list.indexOf(value);
  return index < 0 ? list.length : index;
}

function compareTotals(a: StateTotal, b: StateTotal): number {
  if (a.side !== b.side) return a.side === "receive" ? -1 : 1;
  if (a.currency !== b.currency) return a.currency < b.currency ? -1 : 1;
  if (a.status !== b.status) return rank(STATUSES, a.status) - rank(STATUSES, b.status);
  const byOrder = rank(STATE_ORDER, a.state) - rank(STATE_ORDER, b.state);
  if (byOrder !== 0) return byOrder;
  return a.state < b.state ? -1 : a.state > b.state ? 1 : 0;
}
