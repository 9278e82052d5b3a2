/**
 * Another writer in a batch's request (a second run with its own state directory, on this
 * host or another): what the engine counts to notice one, and how it says so.
 */
import { BatchError } from "../errors.js";
import type { ValidRow } from "../model.js";

/** What this run can account for in one request, to notice another writer there. */
export interface Tally {
  /** Outputs of the request that this run has journaled or matched to a row. */
  known: Set<string>;
  /** Rows whose create may be on the server without this run knowing its output: in flight, or unclear. */
  maybe: Map<number, ValidRow>;
  /** Creates since the request's outputs were last counted. */
  sinceCheck: number;
  checking: boolean;
  /** Set while a count that did not add up is looked into: no create starts into the request. */
  hold: Promise<void> | null;
}

export function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, 10).join(", ");
  return ids.length > 10 ? `${shown} and ${ids.length - 10} more` : shown;
}

export const WRITER_HINT =
  "find the other run sending this batch (another --state-dir, another host, a copy of the journal) and let it finish; then run this command again: it reconciles and names any output paid twice (a request with an output too many must not be quoted)";

/** The outputs found are evidence that something else writes to the request. */
export function anotherWriter(requestId: string, ids: readonly string[]): BatchError {
  return new BatchError(
    "concurrent_writer",
    `request ${requestId} holds ${ids.length} output(s) that this run did not create and its journal cannot account for (${listIds(ids)}): another run may be sending this batch, or a create landed after its settle delay; this run stopped sending`,
    { hint: WRITER_HINT },
  );
}
