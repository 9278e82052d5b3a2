/**
 * The error and settle policy (pure): which API errors refuse a row, and how long a create
 * with no clear outcome may still land. What stops a run, and with what exit, is the one
 * mapper's (src/app/stop.ts), handed to the engine as `StopMapper`.
 */
import { ApiError } from "../bitex/errors.js";
import { BatchError } from "../errors.js";
import { listIds } from "./writers.js";

export const RESUME_HINT = "run the same command again to resume; nothing will be paid twice";

/**
 * A definite refusal of this row (the server did nothing), as opposed to a stop or an unknown
 * outcome: Bitex's own 404/422 document. The same status from a proxy's page may come after
 * the proxy passed the create on, so it is ambiguous like a 5xx.
 */
export function isRowRejection(error: unknown): error is ApiError {
  return (
    error instanceof ApiError &&
    error.sent === "no" &&
    (error.kind === "not_found" || error.kind === "validation")
  );
}

/**
 * How long a create without a clear outcome may still land on the server. Bitex has no
 * idempotency keys, so no wait can rule out a later commit; this is a cost trade-off. A
 * proxy or load balancer can answer 500, 503, 408 or reset the connection after it passed
 * the create on, and the application may commit it seconds later; the client's own timeout
 * leaves a create in the server's hands the same way. Every unclear create therefore waits
 * the same delay before a listing may decide that it did not happen.
 */
export interface SettlePolicy {
  lateMs: number;
}

export const DEFAULT_SETTLE: SettlePolicy = { lateMs: 30_000 };

/**
 * Now for a run's own deadlines (a settle delay, a watch): the wall clock as the process
 * began, then a monotonic one. A step of the wall clock while a delay runs (an NTP step, a
 * VM resumed) must not end it early: a row sent again before its create may land is paid
 * twice. Deadlines across runs (the journal's times) are the wall clock's, as they must be.
 */
export const runNow = (): number => Math.floor(performance.timeOrigin + performance.now());

/** How long to wait before a listing may decide that an ambiguous create did not happen (pure). */
export function settleDelayMs(error: ApiError, policy: SettlePolicy): number {
  return error.sent === "no" ? 0 : policy.lateMs;
}

/** The one mapper (src/app/stop.ts): any failure as the BatchError that stops a run. */
export type StopMapper = (error: unknown, sentAny: boolean, hint?: string) => BatchError;

/** The look for a twin did not show the request this run just created: older than the server. */
export function staleLookup(requestId: string, externalId: string): BatchError {
  return new BatchError(
    "conflict",
    `Bitex's list of requests with external_id ${externalId} does not show request ${requestId}, which this run just created: the list is older than the server (a cache, or a copy that lags), so it cannot show whether another run made a twin; no output was sent. Bitex may keep a list 10 minutes: run the same command again after that; it finds the request by its external_id and goes on with it`,
    {
      hint: "run the same command again in 10 minutes; it finds the request by its external_id and goes on with it",
    },
  );
}

/**
 * A reading of a request's outputs (a listing, or the request naming them) that lacks an
 * output this run knew of before it began is older than the server, whatever its count says:
 * Bitex never deletes an output. A cache in front of the API answers so (Bitex's own JSON:API
 * code caches every list and read for 10 minutes), as does a copy that lags; a row sent again
 * on its word may be paid twice.
 */
export function staleReading(requestId: string, lacking: readonly string[]): BatchError {
  return new BatchError(
    "conflict",
    `request ${requestId}: the reading of its outputs lacks ${lacking.length} output(s) this batch created (${listIds(lacking)}); Bitex never deletes an output, so the reading is older than the server (a cache, or a copy that lags): nothing is sent again on it`,
    {
      hint: "run again in a few minutes, once Bitex's answers show every output this batch created; the rows still unsettled are settled by that reading",
    },
  );
}
