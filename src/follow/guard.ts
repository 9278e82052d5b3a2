/**
 * The acceptance guard (pure, docs/design.md section 12). Accepting commits the payer's money, so
 * it happens only when every request of the batch is quoted and still inside its deadline,
 * and, per sender currency, the sum of `total_to_spend` is within the operator's
 * `--max-total`. A currency without a `--max-total` is refused: no limit is never implied.
 */
import type { ConciergeRequest } from "../bitex/jsonapi.js";
import {
  add,
  compare,
  type Decimal,
  decimal,
  format,
  groupDigits,
  isCanonicalDecimal,
  rescale,
} from "../decimal.js";
import { BatchError } from "../errors.js";
import { isPort, minorUnits, portCurrency } from "../ports.js";
import { serverTime } from "../time.js";
import { flagTotal } from "../validate/control.js";
import { stepDone } from "./steps.js";

export interface MaxTotal {
  /** ISO 4217, upper case. */
  currency: string;
  amount: Decimal;
}

export function parseMaxTotals(values: readonly string[] | undefined): MaxTotal[] {
  const totals = (values ?? []).map((text) =>
    flagTotal(
      "max-total",
      text,
      "write it in the sender currency, like --max-total ARS=25000000 --max-total USD=120000.50",
    ),
  );
  const seen = new Set<string>();
  for (const total of totals) {
    if (seen.has(total.currency))
      throw new BatchError("usage", `--max-total ${total.currency} is given twice`);
    seen.add(total.currency);
  }
  return totals;
}

export interface CurrencySpend {
  currency: string;
  requests: number;
  /** Sum of total_to_spend, in the currency's minor units. */
  total: string;
  /** The operator's limit, when given. */
  max: string | null;
}

export interface GuardResult {
  spend: CurrencySpend[];
  /** One sentence per failed check; empty when the batch may be accepted. */
  problems: string[];
}

export const senderCurrency = (request: ConciergeRequest) =>
  isPort(request.port_code) ? portCurrency(request.port_code).toUpperCase() : request.port_code.toUpperCase();

/**
 * What the batch's quotes spend per sender currency. Left out: requests with no total yet, and
 * cancelled ones, which keep their quote's total but are charged nothing (a lapsed quote, or
 * funds that never came).
 */
export function spendByCurrency(
  requests: readonly ConciergeRequest[],
): Map<string, { requests: number; total: Decimal }> {
  const sums = new Map<string, { requests: number; total: Decimal }>();
  for (const request of requests) {
    // A total that is no decimal amount is a problem of its own (checkGuard), never summed.
    if (
      request.total_to_spend === null ||
      request.state === "cancelled" ||
      !isCanonicalDecimal(request.total_to_spend)
    )
      continue;
    const currency = senderCurrency(request);
    const sum = sums.get(currency) ?? { requests: 0, total: { units: 0n, scale: minorUnits(currency) } };
    sums.set(currency, {
      requests: sum.requests + 1,
      total: add(sum.total, decimal(request.total_to_spend)),
    });
  }
  return sums;
}

/**
 * `now`: the server's clock, whose times the deadlines are; `tell`: a deadline in the
 * operator's words (deadlineWords: the zone's wall clock and a countdown), by default as sent.
 */
export function checkGuard(
  requests: readonly ConciergeRequest[],
  maxTotals: readonly MaxTotal[],
  now: Date,
  tell: (deadline: string) => string = (deadline) => deadline,
): GuardResult {
  const problems: string[] = [];
  for (const request of requests) {
    if (stepDone("accept_quote", request.state)) continue; // accepted by an earlier run: counted, not checked
    if (request.state !== "quoted") {
      const reason = request.cancellation_reason ? ` (${request.cancellation_reason})` : "";
      const lapsed =
        request.cancellation_reason === "quote_not_accepted" && request.accept_quote_before
          ? `: its quote had to be accepted before ${tell(request.accept_quote_before)}`
          : "";
      problems.push(`request ${request.id} is ${request.state}${reason}, not quoted${lapsed}`);
    } else if (request.accept_quote_before && !serverTime(request.accept_quote_before)) {
      problems.push(
        `request ${request.id}: its quote's deadline (accept_quote_before ${JSON.stringify(request.accept_quote_before)}) is not a time with a zone, so whether it is still open cannot be told`,
      );
    } else if (request.accept_quote_before && (serverTime(request.accept_quote_before) as Date) <= now) {
      problems.push(`request ${request.id}: its quote expired at ${tell(request.accept_quote_before)}`);
    } else if (request.total_to_spend === null) {
      problems.push(`request ${request.id} is quoted without a total_to_spend`);
    } else if (!isCanonicalDecimal(request.total_to_spend)) {
      // "1.5e6", "1,500,000.00": no figure this guard may read into an amount it compares.
      problems.push(
        `request ${request.id} is quoted with a total_to_spend that is not a decimal amount (${JSON.stringify(request.total_to_spend)}): it cannot be compared with --max-total`,
      );
    } else if (decimal(request.total_to_spend).units < 0n) {
      // Summed, it would lower what the other requests spend against the limit.
      problems.push(
        `request ${request.id} is quoted with a negative total_to_spend (${request.total_to_spend}): not a spend`,
      );
    }
  }
  const limits = new Map(maxTotals.map((max) => [max.currency, max.amount]));
  const spend: CurrencySpend[] = [];
  for (const [currency, sum] of [...spendByCurrency(requests)].sort(([a], [b]) => a.localeCompare(b))) {
    const max = limits.get(currency);
    const scale = Math.max(sum.total.scale, minorUnits(currency));
    const total = format(rescale(sum.total, scale));
    spend.push({
      currency,
      requests: sum.requests,
      total,
      max: max ? format(rescale(max, Math.max(max.scale, scale))) : null,
    });
    // Quotes that spend nothing (every payee of theirs rejected since) need no limit: --max-total
    // refuses zero as a typo, and a next line offering one could not be run (helper-109).
    if (!max) {
      if (sum.total.units !== 0n)
        problems.push(
          `${currency}: the quotes spend ${groupDigits(total)} ${currency} and no --max-total ${currency}=… was given`,
        );
    } else if (compare(sum.total, max) > 0)
      problems.push(
        `${currency}: the quotes spend ${groupDigits(total)}, above --max-total ${currency}=${format(max)}`,
      );
  }
  return { spend, problems };
}
