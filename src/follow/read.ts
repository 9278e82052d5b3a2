/**
 * Where a batch stands on the server (docs/design.md section 12): each planned request found again
 * (from the journal, else by `external_id`), read, and its outputs listed and matched to the
 * batch's rows. Journaled output ids are matched first; the rest as a multiset (reconcile.ts),
 * so a batch whose journal is gone is still read correctly. Nothing here writes anything.
 */

import type { JournalState } from "../batch/journal.js";
import { readOutputs, requestsByExternalId } from "../batch/lookup.js";
import { matchOutputs, type ServerOutput, toServerOutput } from "../batch/reconcile.js";
import { COUNTED_STATES, listingAgainstCounters, stateCounter } from "../bitex/counters.js";
import type { ConciergeOutput, ConciergeRequest } from "../bitex/jsonapi.js";
import { BatchError } from "../errors.js";
import type { PlannedRequest, ValidRow } from "../model.js";
import { FINAL_OUTPUT_STATES, type OutputState } from "../wire/resources.js";
import type { ListingBudget } from "./listing.js";

export interface FollowApi {
  findRequestsByExternalId(externalId: string): Promise<ConciergeRequest[]>;
  getRequest(id: string): Promise<ConciergeRequest>;
  listOutputs(requestId: string): Promise<ConciergeOutput[]>;
  includedOutputs?(requestId: string): Promise<ConciergeOutput[] | null>;
}

/**
 * What a view keeps of an output: what matching, the gate and the report read. The decoded
 * output carries every attribute the server sent (timestamps, anything else), and a view
 * holds one for each row of the batch until the report is written: at 100,000 rows those
 * attributes were more than half of `status`'s heap.
 */
export type OutputFacts = Pick<
  ConciergeOutput,
  "id" | "state" | "port_code" | "amount" | "budget" | "request_id" | "user_id" | "withdrawal_instruction_id"
>;

export interface RequestView {
  planned: PlannedRequest;
  /** null when the server has no request for this group (nothing of it was ever created). */
  request: ConciergeRequest | null;
  /** Every output the server listed for the request. */
  outputs: OutputFacts[];
  /** line → the row's output on the server. */
  byLine: Map<number, OutputFacts>;
  /** Rows with no output on the server. */
  missing: ValidRow[];
  /** Outputs no row of the batch accounts for: someone else added them, or a create landed twice. */
  extra: OutputFacts[];
  /** Journaled output ids the listing did not show (the listing is partial, or outputs vanished). */
  unlisted: string[];
  /**
   * The listing shows its outputs in states the request, read again after it, does not count
   * (listingAgainstCounters): an old list, as a cache keeps. The rows' states are not told.
   * Never set when the counters put every output in one state (that state is the rows').
   */
  statesBehind?: string;
  /**
   * Where `outputs` came from: "listed" from the server (the default), or "journal": the
   * request itself proved them (proveByIds), without a listing, so they carry the file's
   * figures and no quote's.
   */
  source?: "listed" | "journal";
  /** The request's summary (outputsSignature) when the outputs were listed. */
  listedAs?: string;
  /** This read listed the outputs: the request was read before the listing, maybe long before. */
  listedOnRead?: boolean;
}

/** The state every output of the request is in, when its counters say they all share one. */
export function uniformState(request: ConciergeRequest | null): OutputState | null {
  if (!request || request.outputs_count === 0) return null;
  for (const state of COUNTED_STATES)
    if (stateCounter(request, state) === request.outputs_count) return state;
  return null;
}

/** Every output of the request is in a final state, by its counters. */
export function allFinal(request: ConciergeRequest): boolean {
  let final = 0;
  for (const state of FINAL_OUTPUT_STATES) final += stateCounter(request, state) ?? 0;
  return request.outputs_count > 0 && final === request.outputs_count;
}

/**
 * What of a request can change its outputs' contents: how many there are, how many are in
 * each state, and whether it has a quote (which fills each output's amount and budget). Two
 * reads with the same summary show outputs with the same contents; null when the server
 * gives no counters to tell.
 */
export function outputsSignature(request: ConciergeRequest): string | null {
  const counts = COUNTED_STATES.map((state) => stateCounter(request, state));
  if (counts.some((count) => count === null)) return null;
  return [request.outputs_count, request.total_to_spend !== null, ...counts].join(",");
}

/**
 * Reads one planned request and its outputs. `light`: the outputs are not listed when the
 * request proves them without a listing: the same summary as when `before` listed them
 * (its outputs are taken again), or an `outputs` relationship naming exactly the outputs
 * the journal holds for the request's rows, all in the one state its counters show
 * (proveByIds). `stale` (refreshes while following): `before`'s outputs are taken again
 * while the request's outputs are not all final, their states as the counters show when
 * they all share one (rowOutcomes). Otherwise, and always without `light`, they are listed.
 */
export async function readRequest(
  api: FollowApi,
  planned: PlannedRequest,
  journal: JournalState,
  options: {
    light?: boolean;
    stale?: boolean;
    before?: RequestView;
    request?: ConciergeRequest;
    /** Where listings wait their turn (listing.ts); without it the outputs are listed at once. */
    budget?: ListingBudget;
  } = {},
): Promise<RequestView> {
  // A request read just now (nothing waited for since) is not read again.
  const request = options.request ?? (await findRequest(api, planned, journal));
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
  const signature = outputsSignature(request);
  const before = options.before?.request?.id === request.id ? options.before : undefined;
  const proven = options.light ? proveByIds(request, planned, journal) : null;
  if (options.light && before && signature !== null && isListing(before, signature)) {
    view.outputs = before.outputs;
    view.listedAs = signature;
  } else if (proven) {
    view.outputs = proven;
    view.source = "journal";
  } else if (
    options.stale &&
    before &&
    before.statesBehind === undefined &&
    !allFinal(request) &&
    before.outputs.length === request.outputs_count
  ) {
    // Outputs are only added to a draft: the same count names the same outputs, some of
    // them in states not known until they are all final (then they are listed).
    view.outputs = before.outputs;
    view.source = before.source;
    view.listedAs = before.listedAs;
  } else {
    const list = () => readOutputs(api, request.id, namedOutputs(request));
    view.outputs = factsOf(await (options.budget ? options.budget.run(request.outputs_count, list) : list()));
    view.listedOnRead = true;
    if (listingAgainstCounters(request, view.outputs) === null) {
      if (signature !== null) view.listedAs = signature;
    } else {
      // Read before the listing, the request may be the older of the two (its outputs moved
      // meanwhile): read again, it agrees with a listing that is not behind.
      const again = await api.getRequest(request.id);
      const behind = listingAgainstCounters(again, view.outputs);
      view.request = again;
      const againSignature = outputsSignature(again);
      // Behind, but the counters put every output in one state: that is each row's
      // (rowOutcomes), whatever the listing says.
      if (behind !== null) {
        if (uniformState(again) === null) view.statesBehind = behind;
      }
      // Only a listing of as many outputs as the request counts now is its listing.
      else if (againSignature !== null && again.outputs_count === view.outputs.length)
        view.listedAs = againSignature;
    }
  }
  matchView(view, journal);
  return view;
}

/** Each output as a view keeps it, all of one shape (see OutputFacts). */
function factsOf(outputs: readonly ConciergeOutput[]): OutputFacts[] {
  return outputs.map((output) => ({
    id: output.id,
    state: output.state,
    port_code: output.port_code,
    amount: output.amount,
    budget: output.budget,
    request_id: output.request_id,
    user_id: output.user_id,
    withdrawal_instruction_id: output.withdrawal_instruction_id,
  }));
}

/**
 * Every output the request can hold, by its `outputs` relationship: only once it left draft
 * (it takes no more), and only when the relationship names as many outputs as its count.
 */
function namedOutputs(request: ConciergeRequest): ReadonlySet<string> | undefined {
  const ids = request.outputs_ids;
  if (request.state === "draft" || !ids || ids.length !== request.outputs_count) return undefined;
  const named = new Set(ids);
  return named.size === ids.length ? named : undefined;
}

/** The view's outputs were listed when the request showed `signature`: they are its outputs still. */
export function isListing(view: RequestView, signature: string | null): boolean {
  return view.source !== "journal" && signature !== null && view.listedAs === signature;
}

/**
 * The request's outputs without listing them, when the request itself proves them: its
 * `outputs` relationship (every output's id, Bitex's guide) holds as many ids as its count,
 * exactly the ids the journal holds for the request's rows, and its counters show every
 * output in one state. Each is then the row's journaled output with the file's figures (a
 * quote's are not known). null when anything differs: the caller lists.
 */
export function proveByIds(
  request: ConciergeRequest,
  planned: PlannedRequest,
  journal: JournalState,
): OutputFacts[] | null {
  const ids = request.outputs_ids;
  const state = uniformState(request);
  if (!ids || ids.length !== request.outputs_count || state === null) return null;
  const onServer = new Set(ids);
  if (onServer.size !== ids.length) return null;
  const outputs: OutputFacts[] = [];
  const journaled = new Set<string>();
  for (const row of planned.rows) {
    const record = journal.rows.get(row.line);
    if (record?.status !== "created") continue;
    if (record.requestId !== request.id || !onServer.has(record.outputId)) return null;
    journaled.add(record.outputId);
    outputs.push({
      id: record.outputId,
      state,
      port_code: row.port,
      amount: row.amount,
      budget: row.budget,
      request_id: request.id,
      user_id: row.recipientUserId,
      withdrawal_instruction_id: row.withdrawalInstructionId,
    });
  }
  return outputs.length === onServer.size && journaled.size === onServer.size ? outputs : null;
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
      { hint: "cancel at Bitex the ones that hold no output, then run again" }, // the command follows (withRerun)
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
    if (id) view.byLine.set(row.line, byId.get(id) as OutputFacts);
  }
  view.missing.push(...result.missing);
  view.missing.sort((a, b) => a.line - b.line);
  view.extra.push(...result.strangers.map((s) => byId.get(s.id) as OutputFacts));
}
