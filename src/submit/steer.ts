/**
 * How API errors steer a command (pure): which ones refuse a row, which ones stop the run
 * (and with what exit), and how long a create with no clear outcome may still land.
 */
import { ApiError } from "../bitex/errors.js";
import { BatchError } from "../errors.js";

export const RESUME_HINT = "run the same command again to resume; nothing will be paid twice";

/** A definite refusal of this row (the server did nothing), as opposed to a stop or an unknown outcome. */
export function isRowRejection(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.kind === "not_found" || error.kind === "validation");
}

/**
 * An API failure as the BatchError that stops a command. Exit 2 promises nothing was sent,
 * so a key refused after something was sent is a stop (exit 3) like any other. `hint` says
 * what to do next: resume a submit, or simply run a read-only command again.
 */
export function stopFor(error: unknown, sentAny: boolean, hint = RESUME_HINT): BatchError {
  if (error instanceof BatchError) return error;
  if (error instanceof ApiError && error.kind === "unauthorized") {
    return sentAny
      ? new BatchError("unreachable", `the API refused the key mid-run: ${error.detail}`, { hint })
      : new BatchError("auth", `the API refused the key: ${error.detail}`, {
          hint: "check BITEX_API_KEY and --api-url",
        });
  }
  const unreachable =
    error instanceof ApiError && ["network", "timeout", "server", "rate_limited"].includes(error.kind);
  const detail = error instanceof Error ? error.message : String(error);
  const message = unreachable ? `the API could not be reached: ${detail}` : `the API failed: ${detail}`;
  return new BatchError("unreachable", message, { hint, cause: error });
}

export interface SettlePolicy {
  /** The connection died without an answer: the server may be finishing the create. */
  noAnswerMs: number;
  /** A timeout or a gateway's 502/504: the server may still be working on it. */
  lateMs: number;
}

export const DEFAULT_SETTLE: SettlePolicy = { noAnswerMs: 1_000, lateMs: 30_000 };

/**
 * How long to wait before listing after an ambiguous create (pure). A server that answered
 * (500, 503) has finished with the call, so the listing can come at once; without an
 * answer, the create may still be committed after we gave up on it.
 */
export function settleDelayMs(error: ApiError, policy: SettlePolicy): number {
  if (error.kind === "timeout" || error.status === 502 || error.status === 504) return policy.lateMs;
  if (error.status !== undefined) return 0;
  return policy.noAnswerMs;
}
