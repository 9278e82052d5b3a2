/**
 * Which rows of a batch are not paid and are not being paid (pure): what goes into
 * `<input>.remaining.csv`. A row is in it when nothing this batch can still do will pay it:
 * it was invalid, Bitex refused its create, its output ended unpaid (rejected, returned,
 * cancelled), its request was cancelled, or its request left draft without it; or, in a
 * batch with a cancelled request (`lost`: quote and accept refuse it for good), its request
 * is a draft, which this batch can never quote. A row still to be
 * created in a draft, or on its way to being paid, is not: this batch pays it.
 */
import type { CheckedRow, OutcomeOf } from "../model.js";

/** Final output states no accept pays: rejected, returned, cancelled. */
export const UNPAID_FINAL: ReadonlySet<string> = new Set(["rejected", "returned", "cancelled"]);

export function notPaidLines(
  checked: Iterable<CheckedRow>,
  outcomes: OutcomeOf,
  /** request id → its state as last read. */
  requestStates: ReadonlyMap<string, string>,
  /** The batch holds a cancelled request: it quotes and accepts none of its requests again. */
  lost = false,
  /**
   * Requests the journal shows past draft (a quote answered, or an accept sent): one read as a
   * draft is a reading older than the server (a cache), and may be accepted and paying its rows.
   */
  pastDraft: ReadonlySet<string> = new Set(),
  /**
   * A row invalid as read now may have been sent: no journal says with which input options the
   * batch was submitted (a row the submit's `--sender-port` filled in reads as invalid without
   * it). Such rows stay out.
   */
  invalidMayBeSent = false,
): Set<number> {
  const lines = new Set<number>();
  for (const item of checked) {
    if (!item.ok) {
      if (!invalidMayBeSent) lines.add(item.line);
      continue;
    }
    const outcome = outcomes.get(item.line);
    if (!outcome) continue;
    const requestState = requestStates.get(outcome.requestId);
    const unpaid =
      outcome.status === "failed" ||
      (outcome.status === "created" &&
        (UNPAID_FINAL.has(outcome.state) || (requestState === "cancelled" && outcome.state !== "settled"))) ||
      // Only a row the request's listing proves without an output ("not_created": the listing
      // complete); one a listing lacks ("not_listed", an old list) may be paid by the request.
      (outcome.status === "pending" &&
        outcome.code === "not_created" &&
        requestState !== undefined &&
        requestState !== "draft") ||
      (lost && requestState === "draft" && !pastDraft.has(outcome.requestId));
    if (unpaid) lines.add(item.line);
  }
  return lines;
}
