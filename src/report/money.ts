/**
 * Money you can reconcile (pure), per currency: what the file names, what the quotes spend,
 * what the payers were charged, what came back, and the net, from the rows' real states
 * (docs/design.md section 12, "Money"). One rule for every report of a batch (status, the end
 * of `submit --until`, the xlsx Summary, `export`, `--json`), so two of them never disagree:
 *
 * - quoted: the spend of every row whose request holds a quote (quoted or beyond);
 * - charged: the spend of rows whose request was funded (`working`, `finished`), except
 *   rejected payees and cancelled outputs, which Bitex does not charge (total_to_spend leaves
 *   rejected outputs out);
 * - refunded: the spend of returned payouts. Bitex's guide says a returned payout comes back
 *   "minus fees", but no Bitex answer shows a fee, so none is subtracted: said in the rule;
 * - net = charged − refunded.
 *
 * Built a row at a time, so it rides along while a report streams to disk.
 */
import {
  add,
  compare,
  type Decimal,
  decimalOrNull,
  format,
  groupDigits,
  rescale,
  trimScale,
} from "../decimal.js";
import { minorUnits } from "../ports.js";

/** The cells of a row the money is read from: a report row and an export row both have them. */
export interface MoneyRow {
  line?: number | string;
  amount?: string;
  budget?: string;
  /** The currency of the file's figure (amount: destination; budget: sender). */
  currency?: string;
  receive_amount: string;
  receive_currency: string;
  spend_amount: string;
  spend_currency: string;
  /** The output's state ("" when the server has no output, or no listing showed it yet). */
  state: string;
  /** The row's output id, when it has one (a listing may not show it yet: `not_listed`). */
  output_id?: string;
  request_state: string;
  cancellation_reason: string;
}

export const MONEY_RULE =
  "quoted: the spend of rows whose request holds a quote; charged: the spend of rows whose request was funded, except rejected payees and cancelled rows (Bitex does not charge them); refunded: the spend of returned payouts (Bitex's guide says minus fees, but Bitex shows no fee figure, so none is subtracted); net = charged - refunded";

const QUOTED: ReadonlySet<string> = new Set(["quoted", "quote_accepted", "working", "finished"]);
const FUNDED: ReadonlySet<string> = new Set(["working", "finished"]);

/** Why a quoted figure is not (or not yet) charged: one reason per kind of row. */
export type NotChargedWhy = "rejected" | "cancelled" | "awaiting_funds" | "not_accepted" | "returned";

export interface Figure {
  rows: number;
  total: string;
}

export interface NotCharged extends Figure {
  why: NotChargedWhy;
  /** The first input lines of those rows (at most 10), for the operator to find them. */
  lines: number[];
  /** cancelled: the requests' cancellation reasons. */
  reasons: string[];
}

export interface CurrencyMoney {
  currency: string;
  /** The file's own figures in this currency: amounts payees receive, budgets payers spend. */
  inFileReceive: Figure;
  inFileSpend: Figure;
  quoted: Figure;
  charged: Figure;
  refunded: Figure;
  net: string;
  /** What payees received: the receive side of settled rows. */
  received: Figure;
  /** Quoted spend not charged, or charged and refunded, by reason. */
  notCharged: NotCharged[];
  /** The file's amounts in this currency that payees did not receive (yet), by reason. */
  notReceived: NotReceived[];
}

/** Why an amount of the file is not received: its row's output state, or none. */
export type NotReceivedWhy = "rejected" | "returned" | "cancelled" | "not_final" | "not_created";

export interface NotReceived extends Figure {
  why: NotReceivedWhy;
  /** The first input lines of those rows (at most 10). */
  lines: number[];
}

/**
 * A row cancelled: its output, or its request while the output had not ended otherwise. What
 * an output says of itself comes first (helper-109: a settled row in a request cancelled since
 * was told "not paid, and not charged", and an operator might have paid it again by hand).
 */
export function cancelledRow(row: Pick<MoneyRow, "state" | "request_state">): boolean {
  if (row.state === "cancelled") return true;
  const ended = row.state === "settled" || row.state === "returned" || row.state === "rejected";
  return row.request_state === "cancelled" && !ended;
}

/** Its request funded, or the output paid or sent back (funded then, whatever its request says now). */
const funded = (row: Pick<MoneyRow, "state" | "request_state">) =>
  FUNDED.has(row.request_state) || row.state === "settled" || row.state === "returned";

/** A row's own money cells: charged (0 for rejected and cancelled), refunded ("" when not). */
export function rowMoney(row: MoneyRow): { charged: string; refunded: string } {
  const uncharged = row.state === "rejected" || cancelledRow(row);
  // Neither funded nor left uncharged (every row before its quote is accepted): nothing to read.
  if (!uncharged && !funded(row)) return { charged: "", refunded: "" };
  const spend = decimalOrNull(row.spend_amount);
  if (spend === null) return { charged: "", refunded: "" };
  if (uncharged)
    return { charged: format({ units: 0n, scale: minorUnits(row.spend_currency) }), refunded: "" };
  return { charged: row.spend_amount, refunded: row.state === "returned" ? row.spend_amount : "" };
}

interface Sum {
  rows: number;
  total: Decimal;
}

interface Acc {
  inFileReceive: Sum;
  inFileSpend: Sum;
  quoted: Sum;
  charged: Sum;
  refunded: Sum;
  received: Sum;
  notCharged: Map<NotChargedWhy, Sum & { lines: number[]; reasons: Set<string> }>;
  notReceived: Map<NotReceivedWhy, Sum & { lines: number[] }>;
}

const CURRENCY = /^[A-Z]{3}$/;
const WHY_ORDER: readonly NotChargedWhy[] = [
  "rejected",
  "cancelled",
  "not_accepted",
  "awaiting_funds",
  "returned",
];

const NOT_RECEIVED_ORDER: readonly NotReceivedWhy[] = [
  "rejected",
  "returned",
  "cancelled",
  "not_final",
  "not_created",
];

function notReceivedWhy(row: MoneyRow): NotReceivedWhy {
  if (row.state === "rejected" || row.state === "returned") return row.state;
  if (cancelledRow(row)) return "cancelled";
  // Created, not in a listing yet (an old list): not final as far as anyone can tell (helper-113).
  return row.state === "" && !row.output_id ? "not_created" : "not_final";
}

/**
 * The file's amounts not received, said once something was received or a row ended unpaid:
 * before that (a batch only staged or quoted) every amount is simply not received yet.
 */
export function notReceivedShown(m: CurrencyMoney): NotReceived[] {
  const shown =
    m.received.rows > 0 || m.notReceived.some((n) => n.why !== "not_final" && n.why !== "not_created");
  return shown ? m.notReceived : [];
}

export const NOT_RECEIVED_WORDS: Record<NotReceivedWhy, string> = {
  rejected: "rejected payee(s)",
  returned: "returned payout(s)",
  cancelled: "row(s) of cancelled request(s)",
  not_final: "row(s) not in a final state yet",
  not_created: "row(s) with no output on the server (invalid, refused or not sent)",
};

export class MoneyBuilder {
  private readonly byCurrency = new Map<string, Acc>();

  add(row: MoneyRow): void {
    const line = typeof row.line === "number" ? row.line : Number(row.line ?? 0);
    // The file's own figure: an amount (destination) or a budget (sender).
    if (row.currency && CURRENCY.test(row.currency)) {
      const figure = row.amount ? row.amount : row.budget;
      const value = figure ? decimalOrNull(figure) : null;
      if (value) {
        const acc = this.acc(row.currency);
        bump(row.amount ? acc.inFileReceive : acc.inFileSpend, value);
        if (row.amount && row.state !== "settled") {
          const why = notReceivedWhy(row);
          const entry = acc.notReceived.get(why) ?? { rows: 0, total: zero(row.currency), lines: [] };
          bump(entry, value);
          if (entry.lines.length < 10 && line > 0) entry.lines.push(line);
          acc.notReceived.set(why, entry);
        }
      }
    }
    const receive = decimalOrNull(row.receive_amount);
    if (row.state === "settled" && receive && CURRENCY.test(row.receive_currency))
      bump(this.acc(row.receive_currency).received, receive);
    const spend = decimalOrNull(row.spend_amount);
    if (spend === null || !CURRENCY.test(row.spend_currency)) return;
    const acc = this.acc(row.spend_currency);
    const why = this.why(row);
    // A lapsed or cancelled quote is no quote: its rows are said as not charged, with the reason.
    if (QUOTED.has(row.request_state) || (funded(row) && !cancelledRow(row))) bump(acc.quoted, spend);
    if (why) {
      const entry = acc.notCharged.get(why) ?? {
        rows: 0,
        total: zero(row.spend_currency),
        lines: [],
        reasons: new Set(),
      };
      bump(entry, spend);
      if (entry.lines.length < 10 && line > 0) entry.lines.push(line);
      if (why === "cancelled" && row.cancellation_reason) entry.reasons.add(row.cancellation_reason);
      acc.notCharged.set(why, entry);
    }
    const { charged, refunded } = rowMoney(row);
    const chargedValue = decimalOrNull(charged);
    if (chargedValue && chargedValue.units !== 0n) bump(acc.charged, chargedValue);
    const refundedValue = decimalOrNull(refunded);
    if (refundedValue) bump(acc.refunded, refundedValue);
  }

  result(): CurrencyMoney[] {
    return [...this.byCurrency.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, acc]) => ({
        currency,
        inFileReceive: figure(acc.inFileReceive, currency),
        inFileSpend: figure(acc.inFileSpend, currency),
        quoted: figure(acc.quoted, currency),
        charged: figure(acc.charged, currency),
        refunded: figure(acc.refunded, currency),
        net: format(trimScale(add(acc.charged.total, negate(acc.refunded.total)), minorUnits(currency))),
        received: figure(acc.received, currency),
        notReceived: NOT_RECEIVED_ORDER.flatMap((why) => {
          const entry = acc.notReceived.get(why);
          return entry ? [{ why, ...figure(entry, currency), lines: [...entry.lines] }] : [];
        }),
        notCharged: WHY_ORDER.flatMap((why) => {
          const entry = acc.notCharged.get(why);
          return entry
            ? [
                {
                  why,
                  ...figure(entry, currency),
                  lines: [...entry.lines],
                  reasons: [...entry.reasons].sort(),
                },
              ]
            : [];
        }),
      }));
  }

  /** Why a row's spend is not (yet) charged, or comes back; null when it is simply charged or unknown. */
  private why(row: MoneyRow): NotChargedWhy | null {
    if (row.state === "rejected") return "rejected";
    if (cancelledRow(row)) return "cancelled";
    if (row.state === "returned") return "returned";
    if (row.request_state === "quoted") return "not_accepted";
    if (row.request_state === "quote_accepted") return "awaiting_funds";
    return null;
  }

  private acc(currency: string): Acc {
    let acc = this.byCurrency.get(currency);
    if (!acc) {
      const z = () => ({ rows: 0, total: zero(currency) });
      acc = {
        inFileReceive: z(),
        inFileSpend: z(),
        quoted: z(),
        charged: z(),
        refunded: z(),
        received: z(),
        notCharged: new Map(),
        notReceived: new Map(),
      };
      this.byCurrency.set(currency, acc);
    }
    return acc;
  }
}

/**
 * What each funded request's rows are charged (rowMoney), summed by request id, for
 * `unexplainedSpends`.
 */
export class ChargedByRequest {
  readonly sums = new Map<string, Decimal>();
  /** Requests with a row whose charge is not known (its figures not read): no sum is theirs. */
  readonly unknown = new Set<string>();

  add(row: MoneyRow & { request_id: string }): void {
    if (row.request_id === "") return;
    const charged = decimalOrNull(rowMoney(row).charged);
    if (!charged) {
      // An output whose spend was not read (listed or not yet); a row with no output (refused
      // at create) has none.
      if (row.state !== "" || row.output_id) this.unknown.add(row.request_id);
      return;
    }
    const sum = this.sums.get(row.request_id);
    this.sums.set(row.request_id, sum ? add(sum, charged) : charged);
  }
}

/**
 * A funded request whose quote spends another figure than its rows are charged: `charged`
 * (and net) add the rows' spends, the payer's balance loses the request's `total_to_spend`;
 * what differs is in no row (a fee of the request's own, a rounding of the total), and is
 * said, never left for the accountant to find (helper-109). Bitex's guides do not say the two
 * are equal; the emulator keeps them so.
 */
export function unexplainedSpends(
  requests: ReadonlyArray<{ id: string; state: string; total_to_spend: string | null; currency: string }>,
  charged: ChargedByRequest,
): string[] {
  return requests.flatMap((request) => {
    const total = request.total_to_spend === null ? null : decimalOrNull(request.total_to_spend);
    // A row's charge unknown (a report of reads without the quote's figures): nothing to compare.
    if (!FUNDED.has(request.state) || total === null || charged.unknown.has(request.id)) return [];
    const rows = charged.sums.get(request.id) ?? { units: 0n, scale: total.scale };
    const order = compare(total, rows);
    if (order === 0) return [];
    const scale = Math.max(total.scale, rows.scale, minorUnits(request.currency));
    const show = (value: Decimal) => groupDigits(format(rescale(value, scale)));
    const gap =
      order > 0 ? add(total, { ...rows, units: -rows.units }) : add(rows, { ...total, units: -total.units });
    return [
      `request ${request.id} spends ${show(total)} ${request.currency} by its quote (total_to_spend), ${show(gap)} ${order > 0 ? "more" : "less"} than its rows are charged (${show(rows)}): that ${show(gap)} is in no row (a fee of the request, a rounding?); charged and net add the rows, the payer's balance says which`,
    ];
  });
}

export function moneyOf(rows: Iterable<MoneyRow>): CurrencyMoney[] {
  const builder = new MoneyBuilder();
  for (const row of rows) builder.add(row);
  return builder.result();
}

function bump(sum: Sum, value: Decimal): void {
  sum.rows++;
  sum.total = add(sum.total, value);
}

/** In the currency's look where that is exact (a file's "44328.000" CLP reads 44328). */
function figure(sum: Sum, currency: string): Figure {
  return { rows: sum.rows, total: format(trimScale(sum.total, minorUnits(currency))) };
}

function zero(currency: string): Decimal {
  return { units: 0n, scale: minorUnits(currency) };
}

function negate(value: Decimal): Decimal {
  return { units: -value.units, scale: value.scale };
}

export const WHY_WORDS: Record<NotChargedWhy, string> = {
  rejected: "rejected payee(s), not charged",
  cancelled: "row(s) of cancelled request(s), not charged",
  not_accepted: "row(s) quoted, not accepted: nothing charged yet",
  awaiting_funds: "row(s) accepted, waiting for the payer's funds: not charged yet",
  returned: "returned payout(s), refunded",
};

/**
 * The terminal's words: one line per currency, then one line per reason a figure differs
 * (rejected, cancelled, not accepted, waiting for funds, returned), then the rule.
 * `grouped` writes a figure for people (digit grouping is the terminal's business). `source`:
 * where the rows' figures come from, "in the file", or "as submitted" when the file changed
 * since its batch began and the batch is followed from its copy (the file says otherwise now).
 */
export function moneyLines(
  money: readonly CurrencyMoney[],
  grouped: (amount: string) => string = (a) => a,
  source: "in the file" | "as submitted" = "in the file",
): string[] {
  const lines: string[] = [];
  let anySpend = false;
  const rows = (n: number) => `${n} row${n === 1 ? "" : "s"}`;
  for (const m of money) {
    const file: string[] = [];
    if (m.inFileReceive.rows > 0)
      file.push(`${source} ${grouped(m.inFileReceive.total)} to receive (${rows(m.inFileReceive.rows)})`);
    if (m.inFileSpend.rows > 0)
      file.push(`${source} ${grouped(m.inFileSpend.total)} to spend (${rows(m.inFileSpend.rows)})`);
    if (m.received.rows > 0)
      file.push(`received by payees ${grouped(m.received.total)} (${rows(m.received.rows)})`);
    // A reason counts too: a request cancelled after its quote holds no quote, and its rows
    // (charged nothing, and why) must not vanish from the terminal while --json and xlsx say them.
    const spends = m.quoted.rows + m.charged.rows + m.refunded.rows + m.notCharged.length > 0;
    // Whenever payees received less than the file's amounts, which rows and why (helper-101).
    const short = notReceivedShown(m).map((n) => {
      const more = n.rows > n.lines.length ? ", …" : "";
      const where = n.lines.length > 0 ? `; line(s) ${n.lines.join(", ")}${more}` : "";
      return `  ${m.currency} ${grouped(n.total)}: ${n.rows} ${NOT_RECEIVED_WORDS[n.why]}, not received${where}`;
    });
    if (!spends) {
      if (file.length > 0) lines.push(`money ${m.currency}: ${file.join("; ")}`, ...short);
      continue;
    }
    anySpend = true;
    // The figures to reconcile first, each reason they differ under them, then the file's.
    lines.push(
      `money ${m.currency}: quoted ${grouped(m.quoted.total)} (${rows(m.quoted.rows)}); charged ${grouped(m.charged.total)} (${rows(m.charged.rows)}); refunded ${grouped(m.refunded.total)} (${rows(m.refunded.rows)}); net ${grouped(m.net)}`,
    );
    for (const n of m.notCharged) {
      const reasons = n.reasons.length > 0 ? ` (${n.reasons.join(", ")})` : "";
      const more = n.rows > n.lines.length ? ", …" : "";
      const where = n.lines.length > 0 ? `; line(s) ${n.lines.join(", ")}${more}` : "";
      lines.push(`  ${m.currency} ${grouped(n.total)}: ${n.rows} ${WHY_WORDS[n.why]}${reasons}${where}`);
    }
    if (file.length > 0) lines.push(`  ${m.currency} ${file.join("; ")}`, ...short);
  }
  // The rule explains quoted, charged, refunded and net: said once some are shown.
  if (anySpend) lines.push(`  (${MONEY_RULE})`);
  return lines;
}

/** The `money` of a `--json` object: exact decimal strings, snake_case. */
export function moneyJson(money: readonly CurrencyMoney[]) {
  const fig = (f: Figure) => ({ rows: f.rows, total: f.total });
  return money.map((m) => ({
    currency: m.currency,
    in_file_receive: fig(m.inFileReceive),
    in_file_spend: fig(m.inFileSpend),
    quoted: fig(m.quoted),
    charged: fig(m.charged),
    refunded: fig(m.refunded),
    net: m.net,
    received: fig(m.received),
    not_received: m.notReceived.map((n) => ({ why: n.why, rows: n.rows, total: n.total, lines: n.lines })),
    not_charged: m.notCharged.map((n) => ({
      why: n.why,
      rows: n.rows,
      total: n.total,
      lines: n.lines,
      reasons: n.reasons,
    })),
  }));
}
