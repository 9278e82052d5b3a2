/**
 * The error and settle policy (pure): which API errors refuse a row, which ones stop the run
 * (and with what exit), and how long a create with no clear outcome may still land.
 */
import { ApiError } from "../bitex/errors.js";
import { ConfigError } from "../bitex/failure.js";
import { GateClosedError } from "../bitex/gate.js";
import { DiskError, diskFailure } from "../disk.js";
import { BatchError } from "../errors.js";
import { StepRefused } from "../follow/steps.js";

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
 * An API failure as the BatchError that stops a command. Exit 2 promises nothing was sent,
 * so a key refused after something was sent is a stop (exit 3) like any other. `hint` says
 * what to do next: resume a submit, or simply run a read-only command again.
 */
export function stopFor(error: unknown, sentAny: boolean, hint = RESUME_HINT): BatchError {
  if (error instanceof BatchError) return error;
  if (error instanceof GateClosedError) return new BatchError("interrupted", error.message, { cause: error });
  if (error instanceof ConfigError) return new BatchError(error.code, error.message, { hint: error.hint });
  if (error instanceof StepRefused) {
    const { action, request, refusal } = error;
    const what = action === "request_quote" ? "to give a quote" : "to accept the quote";
    const reason = request.cancellation_reason ? ` (${request.cancellation_reason})` : "";
    return new BatchError(
      "refused",
      `request ${request.id} is ${request.state}${reason}: Bitex refused ${what}: ${refusal.detail}`,
      { hint: "run bitex-batch status <csv> to see every row; a cancelled request's rows need a new batch" },
    );
  }
  if (error instanceof ApiError && error.kind === "not_found" && !sentAny) {
    // The first lookup found no such collection: the URL points at something else than Bitex.
    const path = /^\w+ \/([a-z_]+)/.exec(error.request ?? "")?.[1] ?? "such resource";
    return new BatchError("usage", `the API has no ${path.replace(/_/g, " ")} (404)`, {
      hint: "check --api-url",
      cause: error,
    });
  }
  // The emulator's seed, by name: the emulator's code stays out of a run against the real API.
  if (error instanceof Error && error.name === "SeedError") {
    return new BatchError("input", error.message, { hint: (error as { hint?: string }).hint, cause: error });
  }
  if (error instanceof DiskError)
    return diskFailure(error, { action: error.action, path: error.path, sentAny, hint });
  if (error instanceof ApiError && error.kind === "blocked") {
    return new BatchError("unreachable", `the API could not be reached: ${error.message}`, {
      hint: `wait a few minutes and run the same command again with a lower --rate; if it goes on, ask Bitex (developers@bitex.la) whether this machine's address is blocked${sentAny ? `; ${hint}` : ""}`,
      cause: error,
    });
  }
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

/** How long to wait before a listing may decide that an ambiguous create did not happen (pure). */
export function settleDelayMs(error: ApiError, policy: SettlePolicy): number {
  return error.sent === "no" ? 0 : policy.lateMs;
}
