/**
 * Reading a batch's requests on the server, as the submit engine and the follow-through
 * (follow/read.ts) both do: a request found by the batch's `external_id`, and a request's
 * outputs. Both filter what the server's filter already should: it costs nothing and
 * guards every match made on the answer.
 */
import type { BitexClient } from "../bitex/client.js";
import type { ConciergeOutput, ConciergeRequest } from "../bitex/jsonapi.js";

/**
 * The requests carrying exactly `externalId` (more than one is a conflict for the caller). A
 * cancelled one without outputs is left out: it holds nothing and can never hold anything, and
 * cancelling it at Bitex is how an operator ends a twin (two runs that created the batch's
 * request at the same moment).
 */
export async function requestsByExternalId(
  api: Pick<BitexClient, "findRequestsByExternalId">,
  externalId: string,
): Promise<ConciergeRequest[]> {
  return (await api.findRequestsByExternalId(externalId)).filter(
    (request) =>
      request.external_id === externalId && !(request.state === "cancelled" && request.outputs_count === 0),
  );
}

/**
 * Every output of the request, in one call where the server includes them whole in the
 * request's answer (BitexClient.includedOutputs; read as it arrives, so its size does not
 * matter), else listed. For reads that want the outputs' contents (the quote's
 * figures, the final states). The submit engine, settling what landed, lists, or asks
 * includedOutputs itself where many outputs are unknown (readByIds), then reads the request's
 * count again after that answer.
 */
export async function readOutputs(
  api: Pick<BitexClient, "listOutputs"> & Partial<Pick<BitexClient, "includedOutputs">>,
  requestId: string,
  named?: ReadonlySet<string>,
): Promise<ConciergeOutput[]> {
  const included = await api.includedOutputs?.(requestId);
  return included ? ownOutputs(included, requestId) : requestOutputs(api, requestId, named);
}

/** Every output of the request; an output of another request is never this batch's. */
export async function requestOutputs(
  api: Pick<BitexClient, "listOutputs">,
  requestId: string,
  named?: ReadonlySet<string>,
): Promise<ConciergeOutput[]> {
  return ownOutputs(await api.listOutputs(requestId, named), requestId);
}

/**
 * The outputs of the request among `outputs`: one of another request is never this batch's.
 * One that names no request is kept, unless `count` (the request's `outputs_count`) is given
 * and `outputs` hold more than it: then the list is not the request's alone (a server that
 * ignored the filter), and only the outputs naming the request are (the export's reading).
 */
export function ownOutputs(outputs: ConciergeOutput[], requestId: string, count?: number): ConciergeOutput[] {
  const strict = count !== undefined && outputs.length > count;
  return outputs.filter(
    (output) => output.request_id === requestId || (!strict && output.request_id === null),
  );
}
