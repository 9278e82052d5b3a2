/**
 * Where a batch stands on the server (docs/design.md section 12): each planned request found again
 * (from the journal, else by `external_id`), read, and its outputs listed and matched to the
 * batch's rows. Journaled output ids are matched first; the rest as a multiset (reconcile.ts),
 * so a batch whose journal is gone is still read correctly. Nothing here writes anything.
 */

import type { JournalState } from "../batch/journal.js";
import { requestOutputs, requestsByExternalId } from "../batch/lookup.js";
import { matchOutputs, type ServerOutput, toServerOutput } from "../batch/reconcile.js";
import type { ConciergeOutput, ConciergeRequest } from "../bitex/jsonapi.js";
import { BatchError } from "../errors.js";
import type { PlannedRequest, ValidRow } from "../model.js";

export interface FollowApi {
  findRequestsByExternalId(externalId: string): Promise<ConciergeRequest[]>;
  getRequest(id: string): Promise<ConciergeRequest>;
  listOutputs(requestId: string): Promise<ConciergeOutput[]>;
}

export interface RequestView {
  planned: PlannedRequest;
  /** null when the server has no request for this group (nothing of it was ever created). */
  request: ConciergeRequest | null;
  /** Every output the server listed for the request. */
  outputs: ConciergeOutput[];
  /** line → the row's output on the server. */
  byLine: Map<number, ConciergeOutput>;
  /** Rows with no output on the server. */
  missing: ValidRow[];
  /** Outputs no row of the batch accounts for: someone else added them, or a create landed twice. */
  extra: ConciergeOutput[];
  /** Journaled output ids the listing did not show (the listing is partial, or outputs vanished). */
  unlisted: string[];
}

/** Reads one planned request; `known` is the request as last read, when it cannot change any more. */
export async function readRequest(
  api: FollowApi,
  planned: PlannedRequest,
  journal: JournalState,
): Promise<RequestView> {
  const request = await findRequest(api, planned, journal);
  const view: RequestView = {
    planned,
    request,
    outputs: [],
    byLine: new Map(),
    missing: request ? [] : [...planned.rows],
    extra: [],
    unlisted: [],
  };
  if (!request) return view;
  view.outputs = await requestOutputs(api, request.id);
  matchView(view, journal);
  return view;
}

async function findRequest(
  api: FollowApi,
  planned: PlannedRequest,
  journal: JournalState,
): Promise<ConciergeRequest | null> {
  const known = journal.requests.get(planned.key);
  if (known) return api.getRequest(known.requestId);
  const found = await requestsByExternalId(api, planned.externalId);
  if (found.length > 1) {
    throw new BatchError(
      "conflict",
      `${found.length} requests (${found.map((r) => r.id).join(", ")}) carry external_id ${planned.externalId}`,
      { hint: "cancel the extra ones at Bitex, then run again" },
    );
  }
  // A list item may be abridged; the request itself is read for its current figures.
  return found[0] ? api.getRequest(found[0].id) : null;
}

/** Pure: rows ↔ outputs, journaled ids first, then the multiset match for the rest. */
export function matchView(view: RequestView, journal: JournalState): void {
  const byId = new Map(view.outputs.map((output) => [output.id, output]));
  const accounted = new Set<string>();
  const open: ValidRow[] = [];
  for (const row of view.planned.rows) {
    const record = journal.rows.get(row.line);
    if (record?.status === "created") {
      const output = byId.get(record.outputId);
      if (output) {
        view.byLine.set(row.line, output);
        accounted.add(output.id);
      } else {
        view.unlisted.push(record.outputId);
        view.missing.push(row);
      }
    } else {
      open.push(row);
    }
  }
  const usable: ServerOutput[] = [];
  for (const output of view.outputs) {
    const server = toServerOutput(output);
    if (server) usable.push(server);
    else if (!accounted.has(output.id)) view.extra.push(output);
  }
  const result = matchOutputs(open, usable, accounted);
  for (const row of open) {
    const id = result.matched.get(row.line);
    if (id) view.byLine.set(row.line, byId.get(id) as ConciergeOutput);
  }
  view.missing.push(...result.missing);
  view.missing.sort((a, b) => a.line - b.line);
  view.extra.push(...result.strangers.map((s) => byId.get(s.id) as ConciergeOutput));
}
