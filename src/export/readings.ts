/**
 * Whether each request's outputs, as read, are that request's and all of them (pure): the
 * export writes nothing from a reading it cannot hold against the server's own words, the
 * request's `outputs_count` and its `outputs` relationship (docs/design.md section 13).
 *
 * Outputs are never deleted, so a request reads at least the count it had when listed; and it
 * reads at most the count of its reading made after its outputs (the one the export keeps: a
 * draft may take outputs meanwhile). More than that, an output its relationship does not name,
 * or one output under two requests, is another request's list: a server that ignores
 * `filter[request_id]` (or a cache in front of it keyed without the filter) whose outputs do
 * not name their request would otherwise put every output under every request.
 */
import { ownOutputs } from "../batch/lookup.js";
import { listingAgainstCounters } from "../bitex/counters.js";
import type { ConciergeOutput, ConciergeRequest } from "../bitex/jsonapi.js";
import { BatchError } from "../errors.js";
import { compareIds } from "./rows.js";

export interface Reading {
  /** The request as last read (after its outputs, unless it was final when listed). */
  request: ConciergeRequest;
  /** Its `outputs_count` when listed, before its outputs were read. */
  countBefore: number;
  /** Its outputs as read (readOutputs: those naming another request are already left out). */
  listed: readonly ConciergeOutput[];
}

const NOT_THEIRS_HINT =
  "this is the server's answer, not this machine's: ask Bitex (developers@bitex.la), or whoever runs a proxy or cache in front of the API, why /concierge_request_outputs?filter[request_id]= answers other requests' outputs; running the export again helps only once that is fixed";

/**
 * Each request's own outputs. Refused, naming the requests: a reading of more outputs than the
 * request counts that stays more once the outputs naming no request are left out (exit 2), an
 * output the request's `outputs` relationship does not name where it names them all (exit 2),
 * one output under two requests (exit 2), a reading of fewer than the count before it, or in
 * states the request does not count (exit 3).
 */
export function ownReadings(readings: readonly Reading[]): Map<string, ConciergeOutput[]> {
  const sorted = [...readings].sort((a, b) => compareIds(a.request.id, b.request.id));
  const kept = new Map<string, ConciergeOutput[]>();
  const over: string[] = [];
  const unnamed: string[] = [];
  for (const { request, listed } of sorted) {
    const count = request.outputs_count;
    const own = ownOutputs([...listed], request.id, count);
    if (own.length !== count && listed.length > count) {
      over.push(`${request.id}: ${listed.length} of ${count}`);
      continue;
    }
    const named = request.outputs_ids;
    if (Array.isArray(named) && named.length === count) {
      const names = new Set(named);
      const strangers = own.filter((output) => !names.has(output.id)).map((output) => output.id);
      if (strangers.length > 0) unnamed.push(`${request.id}: ${strangers.sort(compareIds).join(" ")}`);
    }
    kept.set(request.id, own);
  }
  if (over.length > 0)
    throw new BatchError(
      "unusable_answer",
      `the server answered more outputs than the request counts, not all naming their request (${over.join(", ")}): it ignored filter[request_id], or a cache in front of it answered another request's list; nothing was exported`,
      { hint: NOT_THEIRS_HINT },
    );
  if (unnamed.length > 0)
    throw new BatchError(
      "unusable_answer",
      `the server answered outputs that the request's outputs relationship does not name (${unnamed.join(", ")}): it ignored filter[request_id], or a cache in front of it answered another request's list; nothing was exported`,
      { hint: NOT_THEIRS_HINT },
    );
  refuseTwice(kept);
  refuseShort(sorted, kept);
  refuseBehind(sorted, kept);
  return kept;
}

/** One output under two requests: at least one of them was answered another's list. */
function refuseTwice(kept: ReadonlyMap<string, readonly ConciergeOutput[]>): void {
  const owner = new Map<string, string[]>();
  for (const [requestId, outputs] of kept)
    for (const output of outputs) {
      const requests = owner.get(output.id);
      if (requests) requests.push(requestId);
      else owner.set(output.id, [requestId]);
    }
  const twice = [...owner]
    .filter(([, requests]) => requests.length > 1)
    .sort(([a], [b]) => compareIds(a, b))
    .map(([output, requests]) => `output ${output} under requests ${requests.join(" and ")}`);
  if (twice.length === 0) return;
  throw new BatchError(
    "unusable_answer",
    `the server answered one output under two requests (${twice.join(", ")}): it ignored filter[request_id], or a cache in front of it answered another request's list; nothing was exported`,
    { hint: NOT_THEIRS_HINT },
  );
}

/**
 * A request whose outputs read fewer than it counted before they were read was answered by
 * something older than the server or cut (a cache keyed without the filter, as Bitex's own
 * JSON:API code keys its 10-minute cache): its rows and money would be written short.
 */
function refuseShort(readings: readonly Reading[], kept: ReadonlyMap<string, readonly unknown[]>): void {
  const short = readings
    .map(({ request, countBefore }) => ({
      id: request.id,
      count: countBefore,
      read: kept.get(request.id)?.length ?? 0,
    }))
    .filter(({ count, read }) => read < count);
  if (short.length === 0) return;
  throw new BatchError(
    "conflict",
    `the outputs read of request(s) ${short.map((r) => r.id).join(", ")} are fewer than the request counts (${short.map((r) => `${r.read} of ${r.count}`).join(", ")}): an answer older than the server (a cache) or cut; nothing was exported`,
    { hint: "run the export again in a few minutes; if it says so again, ask Bitex" },
  );
}

/**
 * A request whose outputs read in states it does not count: the reading is older than the
 * request, read after it (or final when listed). A payee since rejected would be written
 * `accepting` in a finished request, its spend charged; a payout since returned, not refunded.
 */
function refuseBehind(
  readings: readonly Reading[],
  kept: ReadonlyMap<string, readonly ConciergeOutput[]>,
): void {
  const behind = readings.flatMap(({ request }) => {
    const differences = listingAgainstCounters(request, kept.get(request.id) ?? []);
    return differences === null ? [] : [`${request.id} (${differences})`];
  });
  if (behind.length === 0) return;
  throw new BatchError(
    "conflict",
    `the outputs read of request(s) ${behind.join(", ")} are in other states than the request counts: an answer older than the server (a cache), or outputs that moved while read; nothing was exported`,
    { hint: "run the export again in a few minutes; if it says so again, ask Bitex" },
  );
}
