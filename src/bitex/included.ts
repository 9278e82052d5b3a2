/**
 * A request's outputs in one call: `GET /concierge_requests/:id?include=outputs`, JSON:API's
 * compound document (Bitex's guide: "JSON-API … efficient … retrieval of related resources";
 * its recorded dev server answered `GET /api/markets/btc_usd?include=asks` with an `included`
 * list). No Bitex source shows a request read this way, so the answer is trusted only when it
 * proves itself whole, and the client lists the outputs otherwise (docs/design.md, "A
 * request's outputs in one call").
 */
import type { ConciergeOutput, ConciergeRequest } from "./jsonapi.js";

/**
 * The request's outputs when the one document holds every one of them: its `outputs`
 * relationship names as many distinct ids as its `outputs_count`, and `included` holds an
 * output for each of those ids and no other. null otherwise (no `included`, or part of it: a
 * server that ignores `include`, or pages or trims what it includes): the caller lists.
 */
export function wholeOutputs(
  request: ConciergeRequest,
  included: ConciergeOutput[],
): ConciergeOutput[] | null {
  const ids = request.outputs_ids;
  if (!ids || ids.length !== request.outputs_count) return null;
  const named = new Set(ids);
  if (named.size !== ids.length || included.length !== named.size) return null;
  const seen = new Set<string>();
  for (const output of included) {
    if (!named.has(output.id) || seen.has(output.id)) return null;
    if (output.request_id !== null && output.request_id !== request.id) return null;
    seen.add(output.id);
  }
  return included;
}
