/**
 * A request's own count of its outputs in each state (`outputs_<state>`, beside
 * `outputs_count`), against a listing of those outputs. A listing older than the request (a
 * cache in front of the API, as Bitex's own JSON:API code keeps lists for 10 minutes, or
 * outputs that moved between the two reads) shows an output in a state the request no longer
 * counts: a payee since rejected still `accepting` in a finished request, whose spend would be
 * taken for charged.
 */
import type { OutputState } from "../wire/resources.js";
import { type ConciergeOutput, type ConciergeRequest, OUTPUT_STATES } from "./jsonapi.js";

/** Output states, each counted by the request's `outputs_<state>` attribute. */
export const COUNTED_STATES = [...OUTPUT_STATES] as OutputState[];

/** The request's count of outputs in `state`; null when the server gives none. */
export function stateCounter(request: ConciergeRequest, state: OutputState): number | null {
  const value = (request as unknown as Record<string, unknown>)[`outputs_${state}`];
  return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
}

/**
 * How a listing of all of the request's outputs (as many as it counts) differs from its
 * counters, as "listed 2 accepting; counted 1 rejected, 1 settled"; null when they agree, when
 * the listing holds another number of outputs (told apart elsewhere) or when the server gives
 * no counters.
 */
export function listingAgainstCounters(
  request: ConciergeRequest,
  outputs: readonly Pick<ConciergeOutput, "state">[],
): string | null {
  if (outputs.length !== request.outputs_count) return null;
  const listed = new Map<string, number>();
  for (const output of outputs) listed.set(output.state, (listed.get(output.state) ?? 0) + 1);
  const counted = new Map<string, number>();
  for (const state of COUNTED_STATES) {
    const count = stateCounter(request, state);
    if (count === null) return null;
    if (count > 0) counted.set(state, count);
  }
  const agree = COUNTED_STATES.every((state) => (listed.get(state) ?? 0) === (counted.get(state) ?? 0));
  if (agree) return null;
  const words = (counts: Map<string, number>) =>
    COUNTED_STATES.filter((state) => counts.has(state))
      .map((state) => `${counts.get(state)} ${state}`)
      .join(", ");
  return `listed ${words(listed)}; counted ${words(counted)}`;
}
