/**
 * How the report's reads and the export take a request's outputs: with the request in one
 * answer (`?include=outputs`, lookup.ts readOutputs) while the request is small, listed a
 * page at a time above INCLUDED_AT_MOST. The one answer is held whole while it is read, and
 * every output of the request decoded beside it: the 50,001 outputs of a 100,000-row batch's
 * largest request took `status` from 255-268 to 304-306 MB of peak RSS. A page of 500 holds
 * little, and listing them costs one call per page (a 50,000-output request: 100 calls at
 * 500 a page, 2,000 at 25).
 */
import type { BitexClient } from "../bitex/client.js";
import type { ConciergeOutput } from "../bitex/jsonapi.js";
import { readOutputs, requestOutputs } from "./lookup.js";

/** The most outputs read in one answer with their request. */
export const INCLUDED_AT_MOST = 10_000;

export function outputsOf(
  api: Pick<BitexClient, "listOutputs"> & Partial<Pick<BitexClient, "includedOutputs">>,
  request: { id: string; outputs_count: number },
  named?: ReadonlySet<string>,
): Promise<ConciergeOutput[]> {
  return request.outputs_count > INCLUDED_AT_MOST
    ? requestOutputs(api, request.id, named)
    : readOutputs(api, request.id, named);
}
