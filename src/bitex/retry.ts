/**
 * The retry policy as pure functions (no clock, no randomness of their own), so every
 * decision is a table row in the tests: attempt, error, idempotency → retry and delay.
 */
import type { ApiErrorKind, Sent } from "./failure.js";

export interface RetryPolicy {
  /** Total HTTP attempts per call, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server's Retry-After is honoured up to this much. */
  retryAfterCapMs: number;
}

/** About 8 s of backoff in total before giving up on an unreachable API. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  retryAfterCapMs: 30_000,
};

export interface RetryInput {
  /** 1-based number of the attempt that just failed. */
  attempt: number;
  error: { kind: ApiErrorKind; status?: number | undefined; retryAfterMs?: number | undefined; sent: Sent };
  /** GET, or a POST known to be safe to repeat. Bitex creates are not: it has no idempotency keys. */
  idempotent: boolean;
  policy: RetryPolicy;
  /** Uniform in [0, 1). */
  random: () => number;
}

export type RetryReason = "not_retryable" | "ambiguous" | "attempts_exhausted";

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: RetryReason };

const RETRYABLE_STATUS = new Set([408, 425, 429]);

export function isRetryable(error: RetryInput["error"]): boolean {
  if (error.kind === "network" || error.kind === "timeout") return true;
  // Retrying into an edge block keeps the block on: the operator slows down or asks Bitex.
  if (error.kind === "blocked") return false;
  if (error.status === undefined) return false;
  return RETRYABLE_STATUS.has(error.status) || error.status >= 500;
}

export function retryDecision({ attempt, error, idempotent, policy, random }: RetryInput): RetryDecision {
  if (!isRetryable(error)) return { retry: false, reason: "not_retryable" };
  // Re-sending a create the server may have performed could pay someone twice; the caller
  // must list what exists first (docs/design.md section 6).
  if (!idempotent && error.sent === "maybe") return { retry: false, reason: "ambiguous" };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: "attempts_exhausted" };
  if (error.retryAfterMs !== undefined) {
    return { retry: true, delayMs: Math.min(Math.max(0, error.retryAfterMs), policy.retryAfterCapMs) };
  }
  return { retry: true, delayMs: Math.floor(random() * backoffCeilingMs(attempt, policy)) };
}

/** Full-jitter ceiling: min(maxDelay, base × 2^(attempt−1)). */
export function backoffCeilingMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

const DELAY_SECONDS = /^\s*(\d+(?:\.\d+)?)\s*$/;
// RFC 9110 section 5.6.7: IMF-fixdate, plus the obsolete RFC 850 and asctime forms recipients must accept.
const HTTP_DATES = [
  /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/**
 * `Retry-After` (delay-seconds or HTTP-date) → milliseconds; a date in the past gives 0;
 * anything unparseable gives undefined (the caller falls back to backoff). A date is measured
 * from the answer's own `Date` when it has one (the server's clock, as the date is), else
 * from `nowMs`: a machine whose clock is minutes off would otherwise wait minutes, or not at all.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
  answeredAt?: string | null,
): number | undefined {
  if (value == null) return undefined;
  const seconds = DELAY_SECONDS.exec(value);
  if (seconds) return Math.round(Number(seconds[1]) * 1000);
  const at = httpDate(value);
  if (at === undefined) return undefined;
  return Math.max(0, at - (httpDate(answeredAt) ?? nowMs));
}

/** An HTTP-date (RFC 9110, always GMT) in ms, or undefined: Date.parse alone reads "1" as 2001, and a date without "GMT" in this machine's zone. */
export function httpDate(value: string | null | undefined): number | undefined {
  const text = value?.trim() ?? "";
  if (!HTTP_DATES.some((pattern) => pattern.test(text))) return undefined;
  // asctime has no zone; HTTP dates are always GMT.
  const at = Date.parse(text.endsWith("GMT") ? text : `${text} GMT`);
  return Number.isNaN(at) ? undefined : at;
}
