/**
 * What `quote`, `accept`, `status` and `submit --until` say at the end (pure): rows per
 * state, and per currency what was settled, counted from the report rows as written.
 */
import { add, type Decimal, decimal, format, groupDigits } from "../decimal.js";
import { EXIT } from "../errors.js";
import { minorUnits } from "../ports.js";
import type { ReportRow } from "../report/columns.js";
import { rowState, stateWords } from "../report/state-words.js";

export interface SettledTotal {
  currency: string;
  /** receive: what payees got (destination currency); spend: what payers were charged. */
  side: "receive" | "spend";
  rows: number;
  amount: string;
}

export interface Tally {
  rows: number;
  /**
   * The output's state for created rows, else the row's status (invalid, pending…), with a
   * create Bitex refused as `create_failed`: an output `failed` is a payout that bounced.
   */
  byState: Record<string, number>;
  settled: SettledTotal[];
  /** Every row settled (0), every row final but some not settled (1), or not there yet (3). */
  finalExit: number;
}

const FINAL = new Set([
  "settled",
  "rejected",
  "returned",
  "cancelled",
  "invalid",
  "create_failed",
  "blocked",
]);

/** The tallied states of rows never created on the server (their report status, as rowState gives it). */
const NOT_CREATED = ["valid", "invalid", "blocked", "create_failed", "pending"];

/** How many rows of a tally were created on the server (a refused or invalid row was not); 0 for none. */
export function createdRows(tally: Tally | null): number {
  if (!tally) return 0;
  return NOT_CREATED.reduce((rows, state) => rows - (tally.byState[state] ?? 0), tally.rows);
}

export function tallyRows(rows: Iterable<ReportRow>): Tally {
  const count = new TallyCount();
  for (const row of rows) count.add(row);
  return count.result();
}

/** tallyRows one row at a time, so that a report's rows are counted as they are written, not kept. */
export class TallyCount {
  private readonly byState: Record<string, number> = {};
  private readonly sums = new Map<
    string,
    { currency: string; side: "receive" | "spend"; rows: number; total: Decimal }
  >();
  private count = 0;

  add(row: ReportRow): void {
    this.count++;
    const state = rowState({ status: row.status, state: row.state, code: row.error_code });
    this.byState[state] = (this.byState[state] ?? 0) + 1;
    if (state === "settled") {
      this.addTo("receive", row.receive_currency, row.receive_amount);
      this.addTo("spend", row.spend_currency, row.spend_amount);
    }
  }

  result(): Tally {
    const { byState, count } = this;
    const settled = [...this.sums.values()]
      .sort((a, b) => a.side.localeCompare(b.side) || a.currency.localeCompare(b.currency))
      .map((sum) => ({ currency: sum.currency, side: sum.side, rows: sum.rows, amount: format(sum.total) }));
    const states = Object.keys(byState);
    const finalExit =
      count > 0 && states.every((state) => state === "settled")
        ? EXIT.ok
        : states.every((state) => FINAL.has(state))
          ? EXIT.rowsFailed
          : EXIT.stopped;
    return { rows: count, byState: { ...byState }, settled, finalExit };
  }

  private addTo(side: "receive" | "spend", currency: string, amount: string): void {
    if (amount === "" || currency === "") return;
    const key = `${side}|${currency}`;
    const sum = this.sums.get(key) ?? {
      currency,
      side,
      rows: 0,
      total: { units: 0n, scale: minorUnits(currency) },
    };
    this.sums.set(key, { ...sum, rows: sum.rows + 1, total: add(sum.total, decimal(amount)) });
  }
}

/** "48 row(s): 1 payee rejected by Bitex (rejected), …, 46 paid (settled)" (states by name) and one line per settled total. */
export function tallyLines(tally: Tally): string[] {
  const states = Object.entries(tally.byState)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([state, rows]) => `${rows} ${stateWords(state)}`);
  const lines = [`${tally.rows} row(s): ${states.join(", ")}`];
  for (const total of tally.settled) {
    const verb = total.side === "receive" ? "received by payees" : "spent by payers";
    lines.push(`  settled ${total.currency}: ${groupDigits(total.amount)} ${verb} (${total.rows} row(s))`);
  }
  return lines;
}
