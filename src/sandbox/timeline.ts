/**
 * When the server-side steps of a request happen on the emulator's clock (docs/design.md section 12,
 * "The emulator's clock"), as pure decisions; machine.ts says where a state goes, this file says
 * when, and the store applies both.
 *
 * Bitex's guides fix: quotes at `eta` (at once for the ports of Argentina, Chile, Mexico,
 * Paraguay and Uruguay, later for others), `accept_quote_before` 10 minutes after `eta`,
 * `provision_funds_before` 12 hours after that. Where Bitex is silent these are the emulator's
 * choices, in emulated time:
 *   - "later" is 30 minutes after request_quote (a seed's `quote_later_minutes` sets it);
 *   - each output's acceptance check runs 5 s after the quote is accepted (all of a request's
 *     outputs at once), and funding is attempted right after the checks, so an output rejected
 *     by its check is never charged (see Progress.recomputeTotal);
 *   - funding is attempted once: balances grow in the emulator only by a returned payout's
 *     refund (its budget in full: Bitex's guide says "minus fees" and shows no fee; no
 *     deposits), so a balance that does not cover the total then never will, and the request
 *     waits for `provision_funds_before` to be cancelled with payment_not_received;
 *   - payout steps (accepted → working → settling → settled, or settling → failed → returned)
 *     come 10 s apart, the first 10 s after funding; the request is finished at the instant its
 *     last output becomes final;
 *   - drafts are never pruned by the clock (Bitex does not say when it prunes); only
 *     `POST /_sandbox/advance {"expire": true}` prunes them.
 */
import { type PortCode, portCountry } from "../ports.js";
import type { RequestState } from "../wire/resources.js";

export const MINUTE_MS = 60_000;
export const QUOTE_LATER_MS = 30 * MINUTE_MS;
export const ACCEPT_WINDOW_MS = 10 * MINUTE_MS;
export const FUNDING_WINDOW_MS = 12 * 60 * MINUTE_MS;
export const CHECK_DELAY_MS = 5_000;
export const PAYOUT_STEP_MS = 10_000;

/** Countries whose ports Bitex quotes at once. */
const QUOTED_AT_ONCE = new Set(["ar", "cl", "mx", "py", "uy"]);

export interface QuoteTimes {
  etaMs: number;
  acceptBeforeMs: number;
  fundsBeforeMs: number;
}

/**
 * The deadlines a request gets when its quote is requested at `nowMs`, paying to `ports`;
 * `laterMs` is "later" (a seed's quote_later_minutes).
 */
export function quoteTimes(nowMs: number, ports: Iterable<PortCode>, laterMs = QUOTE_LATER_MS): QuoteTimes {
  let atOnce = true;
  for (const port of ports) if (!QUOTED_AT_ONCE.has(portCountry(port))) atOnce = false;
  const etaMs = atOnce ? nowMs : nowMs + laterMs;
  const acceptBeforeMs = etaMs + ACCEPT_WINDOW_MS;
  return { etaMs, acceptBeforeMs, fundsBeforeMs: acceptBeforeMs + FUNDING_WINDOW_MS };
}

/** What the clock needs to know of a request to say what it does next. */
export interface Timeline {
  state: RequestState;
  /** Its last transition (its own or an output's); outside draft nothing else touches it. */
  updatedMs: number;
  etaMs: number | null;
  acceptBeforeMs: number | null;
  fundsBeforeMs: number | null;
  quoteAcceptedMs: number | null;
  /** Some output still waits for its acceptance check. */
  awaitingChecks: boolean;
  fundingTried: boolean;
}

export type TimedStepKind =
  /** quote_requested → quoted: amounts, budgets and total_to_spend filled. */
  | "quote"
  /** Every output still `accepting` → accepted | rejected. */
  | "check"
  /** quote_accepted → working if the payer's balance covers total_to_spend (debited). */
  | "fund"
  /** Every output not final moves one payout step; finished when all are final. */
  | "payout"
  /** A deadline passed: cancelled with expiryReason(state). */
  | "lapse";

export interface TimedStep {
  kind: TimedStepKind;
  /** Emulated ms at which it is due. */
  at: number;
}

/** The next step the clock takes for a request, or null when only the client can move it. */
export function nextTimedStep(t: Timeline): TimedStep | null {
  switch (t.state) {
    case "quote_requested":
      return { kind: "quote", at: t.etaMs ?? t.updatedMs };
    case "quoted":
      return t.acceptBeforeMs === null ? null : { kind: "lapse", at: t.acceptBeforeMs };
    case "quote_accepted":
      if (t.awaitingChecks) return { kind: "check", at: (t.quoteAcceptedMs ?? t.updatedMs) + CHECK_DELAY_MS };
      if (!t.fundingTried) return { kind: "fund", at: t.updatedMs };
      return t.fundsBeforeMs === null ? null : { kind: "lapse", at: t.fundsBeforeMs };
    case "working":
      return { kind: "payout", at: t.updatedMs + PAYOUT_STEP_MS };
    default:
      return null;
  }
}

/** Whether an accept at `nowMs` is too late for a quote to be accepted before `acceptBeforeMs`. */
export function quoteExpired(nowMs: number, acceptBeforeMs: number): boolean {
  return nowMs >= acceptBeforeMs;
}
