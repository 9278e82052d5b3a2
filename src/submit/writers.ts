/**
 * Another writer in a batch's request (a second run with its own state directory, on this
 * host or another): what the engine counts to notice one, the count itself (`watchRequest`),
 * and how it says so.
 */

import { requestOutputs } from "../batch/lookup.js";
import { matchOutputs, type ServerOutput, toServerOutput } from "../batch/reconcile.js";
import type { BitexClient } from "../bitex/client.js";
import type { ConciergeOutput } from "../bitex/jsonapi.js";
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
  /** Rows of the request's current round not sent yet: its exact count comes after them. */
  unsent: number;
  checking: boolean;
  /** Set while a count that did not add up is looked into: no create starts into the request. */
  hold: Promise<void> | null;
}

export function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, 10).join(", ");
  return ids.length > 10 ? `${shown} and ${ids.length - 10} more` : shown;
}

export const WRITER_HINT =
  'find the other run sending this batch (another --state-dir, another host, a copy of the journal) and let it finish; then run this command again: it reconciles and names any output paid twice (a request with an output too many must not be quoted). If no other run is going and this stop comes again, the outputs are there for good: cancel the request(s) named at Bitex (not accepted, they hold no money), then bitex-batch status writes the remaining file with their rows (README: "A request with extra outputs")';

/** The outputs found are evidence that something else writes to the request. */
export function anotherWriter(requestId: string, ids: readonly string[]): BatchError {
  return new BatchError(
    "concurrent_writer",
    `request ${requestId} holds ${ids.length} output(s) that this run did not create and its journal cannot account for (${listIds(ids)}): another run may be sending this batch, or a create landed after its settle delay; this run stopped sending`,
    { hint: WRITER_HINT },
  );
}

/** What watching a request needs of the run (engine.ts). */
export interface WatchedRun {
  readonly api: Pick<BitexClient, "getRequest" | "listOutputs">;
  readonly halted: boolean;
  /** Output ids journaled to some row. */
  readonly accounted: ReadonlySet<string>;
  tally(requestId: string): Tally;
  stop(error: unknown): void;
}

/** Listed outputs that this run cannot account for: not journaled, and matching none of `rows`. */
function strangersIn(
  run: WatchedRun,
  listed: readonly ConciergeOutput[],
  rows: readonly ValidRow[],
): string[] {
  const usable: ServerOutput[] = [];
  const unusable: string[] = [];
  for (const output of listed) {
    if (run.accounted.has(output.id)) continue;
    const server = toServerOutput(output);
    if (server) usable.push(server);
    else unusable.push(output.id);
  }
  return [...unusable, ...matchOutputs(rows, usable, run.accounted).strangers.map((o) => o.id)];
}

/**
 * Counts the request's outputs against what this run accounts for (journaled, or a create
 * of its own in flight or unclear). More than that: no create starts into the request while
 * the listing names the strangers, and the run stops. Cheap (one GET) when nothing is wrong.
 * Its own creates in flight can hide as many foreign outputs at one count, so a writer that
 * keeps writing is caught within a few creates, a single stray output at the latest by the
 * exact count that ends the round (nothing of this run in flight then).
 */
export async function watchRequest(run: WatchedRun, requestId: string): Promise<void> {
  const tally = run.tally(requestId);
  if (tally.checking || run.halted) return;
  tally.checking = true;
  tally.sinceCheck = 0;
  let holding: (() => void) | undefined;
  try {
    const request = await run.api.getRequest(requestId);
    if (request.outputs_count <= tally.known.size + tally.maybe.size) return;
    tally.hold = new Promise<void>((resolve) => {
      holding = resolve;
    }).finally(() => {
      tally.hold = null;
    });
    const listed = await requestOutputs(run.api, requestId);
    const strangers = strangersIn(run, listed, [...tally.maybe.values()]);
    if (strangers.length > 0) run.stop(anotherWriter(requestId, strangers));
    else if (listed.length < request.outputs_count) {
      run.stop(
        new BatchError(
          "conflict",
          `request ${requestId} counts ${request.outputs_count} outputs but the listing showed ${listed.length}, and this run accounts for ${tally.known.size + tally.maybe.size}`,
          {
            hint: "an output may still be landing; run again in a minute (nothing is sent while they disagree)",
          },
        ),
      );
    }
  } catch (error) {
    run.stop(error);
  } finally {
    tally.checking = false;
    holding?.();
  }
}
