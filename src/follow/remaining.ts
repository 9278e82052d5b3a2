/**
 * Which rows of a batch are not paid and are not being paid (pure): what goes into
 * `<input>.remaining.csv`. A row is in it when nothing this batch can still do will pay it
 * and nothing else on the server can: it was invalid, Bitex refused its create, its output
 * ended unpaid (rejected, returned, cancelled), its request was cancelled, or its request left
 * draft without it. A row still to be created in a draft, or on its way to being paid, is
 * not: this batch pays it. Nor is a row in a draft the batch will never quote (beside a
 * cancelled request): while that draft exists, whoever quotes and accepts it pays the row
 * (helper-114: released, submitted again, and paid twice once a hand at Bitex accepted the
 * draft); it is released once Bitex shows the draft cancelled.
 */
import type { CheckedRow, OutcomeOf } from "../model.js";

/** Final output states no accept pays: rejected, returned, cancelled. */
export const UNPAID_FINAL: ReadonlySet<string> = new Set(["rejected", "returned", "cancelled"]);

export function notPaidLines(
  checked: Iterable<CheckedRow>,
  outcomes: OutcomeOf,
  /** request id → its state as last read. */
  requestStates: ReadonlyMap<string, string>,
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
        requestState !== "draft");
    if (unpaid) lines.add(item.line);
  }
  return lines;
}

/**
 * The way out of a batch with a cancelled request and drafts: it never quotes them, and
 * whoever quotes and accepts one pays its rows, so they are released only once cancelled.
 */
export function cancelDraftsWords(
  drafts: readonly string[],
  cancelled: string,
  status: string,
  remaining: string,
): string {
  return `cancel draft request(s) ${drafts.join(", ")} at Bitex (the batch never quotes them beside cancelled request(s) ${cancelled}, and while a draft exists whoever quotes and accepts it pays its rows; Bitex may also prune it, draft_was_pruned), then ${status} writes ${remaining} with every row not paid`;
}

/**
 * The batch's other drafts, to cancel beside a request that must be: once one is cancelled,
 * the batch quotes none of them, and whoever quotes one pays its rows (helper-115: a second
 * trip to Bitex the first `next:` never announced).
 */
export function otherDraftsWords(others: readonly string[]): string {
  return others.length > 0
    ? `, and with them draft request(s) ${others.join(", ")} (a batch with a cancelled request is never quoted, and whoever quotes a draft pays its rows)`
    : "";
}
