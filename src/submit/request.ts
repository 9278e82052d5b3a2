/**
 * The request of each group of a batch, found or made: from the journal, else found on the
 * server by its `external_id` (a run whose journal is lost, or another run filling it right
 * now: watched for a quiet moment first), else created and looked up again for a twin.
 */

import type { JournalState } from "../batch/journal.js";
import { requestsByExternalId } from "../batch/lookup.js";
import type { BitexClient } from "../bitex/client.js";
import { ApiError } from "../bitex/errors.js";
import { BatchError } from "../errors.js";
import type { PlannedRequest, ValidRow } from "../model.js";
import {
  isRowRejection,
  RESUME_HINT,
  runNow,
  type SettlePolicy,
  settleDelayMs,
  staleLookup,
} from "./policy.js";
import { listIds, WRITER_HINT } from "./writers.js";

export type SubmitApi = Pick<
  BitexClient,
  "findRequestsByExternalId" | "createRequest" | "getRequest" | "createOutput" | "listOutputs"
> &
  Partial<Pick<BitexClient, "getOutput" | "listPageSize" | "includedOutputs" | "serverNow">>;

/** A request the run will fill; `adopted`: found on the server by external_id, unknown to the journal. */
export interface Ensured {
  id: string;
  known: boolean;
  adopted?: { outputs: number; state: string; foundAt: number };
}

/** What finding a request needs of the run (engine.ts): its API, journal and ways to stop. */
export interface RequestRun {
  readonly api: SubmitApi;
  readonly apiLabel: string;
  readonly past: JournalState;
  readonly settlePolicy: SettlePolicy;
  /** How long a request found on the server but not in the journal is watched (0: not). */
  readonly quietMs: number;
  readonly halted: boolean;
  /** Set before the first call that may create something on the server. */
  sentAny: boolean;
  stop(error: unknown): void;
  pause(ms: number): Promise<void>;
  failRows(rows: readonly ValidRow[], requestId: string, code: string, error: string): Promise<void>;
  /** `found`: by its external_id, not made by this run (see Ensured.adopted). */
  recordRequest(planned: PlannedRequest, requestId: string, state: string, found?: boolean): Promise<void>;
  /** Set when a request of the batch was found on the server, not in the journal. */
  foundOnServer: boolean;
}

/**
 * The request of a group: from the journal, else found by external_id (journaled only once
 * it proved quiet, see `quiet`), else created (and looked up again for a twin made by
 * another run at the same moment).
 */
export async function ensureRequest(run: RequestRun, planned: PlannedRequest): Promise<Ensured | null> {
  const fromJournal = run.past.requests.get(planned.key);
  if (fromJournal) return { id: fromJournal.requestId, known: true };
  for (let attempt = 0; attempt < 3 && !run.halted; attempt++) {
    let found: Awaited<ReturnType<SubmitApi["findRequestsByExternalId"]>>;
    try {
      found = await requestsByExternalId(run.api, planned.externalId);
    } catch (error) {
      run.stop(error); // a 404 here means the URL is not Bitex's: the mapper says so
      return null;
    }
    if (found.length > 1) {
      // The message says what the operator does first: the rerun hint that replaces a hint
      // on every exit 3 (app/stop.ts withRerun) says what comes after.
      run.stop(
        new BatchError(
          "conflict",
          `${found.length} requests (${found.map((r) => r.id).join(", ")}) carry external_id ${planned.externalId}: cancel at Bitex the ones that hold no output (nothing more was sent for this sender)`,
        ),
      );
      return null;
    }
    const existing = found[0];
    if (existing) {
      run.foundOnServer = true;
      return {
        id: existing.id,
        known: true,
        adopted: { outputs: existing.outputs_count, state: existing.state, foundAt: runNow() },
      };
    }
    let created: Awaited<ReturnType<SubmitApi["createRequest"]>>;
    try {
      run.sentAny = true;
      created = await run.api.createRequest({
        portCode: planned.senderPort,
        externalId: planned.externalId,
        payerUserId: planned.payerUserId || undefined,
      });
    } catch (error) {
      if (isRowRejection(error)) {
        await run.failRows(planned.rows, "", error.code, error.detail);
        return null;
      }
      if (!(error instanceof ApiError && error.sent === "maybe")) {
        run.stop(error);
        return null;
      }
      // It may exist: look it up again (after it had time to land) rather than create another.
      await run.pause(settleDelayMs(error, run.settlePolicy));
      continue;
    }
    if (created.external_id !== planned.externalId) {
      run.stop(externalIdNotKept(created.id, planned.externalId, created.external_id));
      return null;
    }
    if (!(await aloneWith(run, planned, created.id))) return null;
    await run.recordRequest(planned, created.id, created.state);
    return { id: created.id, known: false };
  }
  if (!run.halted) {
    run.stop(
      new BatchError("unreachable", `creating the request for ${planned.key} kept failing`, {
        hint: RESUME_HINT,
      }),
    );
  }
  return null;
}

/**
 * No Bitex guide shows `external_id` on a request (docs/design.md section 6b): the tool relies
 * on the server keeping it, to find a batch's requests again and to tell two runs apart. A
 * create answered without it is a server that does not keep it, where no look for the request
 * can ever find it: said so, and nothing is sent into it.
 */
function externalIdNotKept(requestId: string, sent: string, answered: unknown): BatchError {
  const got = answered === undefined || answered === null ? "none" : JSON.stringify(answered);
  return new BatchError(
    "refused",
    `Bitex answered the creation of request ${requestId} with external_id ${got}, not the ${sent} sent: this Bitex does not keep it, and bitex-batch finds a batch's requests again by it (after a lost journal, and to tell two runs apart); no output was sent into request ${requestId}`,
    {
      hint: `cancel request ${requestId} at Bitex (a draft holds no money) and ask Bitex whether its API keeps external_id on concierge requests; until then each run makes another empty request`,
    },
  );
}

/**
 * A run that found no request and created one looks again: another run that looked at the
 * same moment has created a twin. Of two runs, the one that looks last sees both, so at
 * least one of them stops here, before any output is sent into either request. A look that
 * does not show the request just created is older than it (a cache: Bitex's own JSON:API
 * code keeps a list 10 minutes, keyed without its filter, so the look before creating may
 * have been as old), and cannot show a twin either: the run stops, nothing sent into it.
 */
async function aloneWith(run: RequestRun, planned: PlannedRequest, requestId: string): Promise<boolean> {
  try {
    const found = await requestsByExternalId(run.api, planned.externalId);
    if (!found.some((request) => request.id === requestId)) {
      run.stop(staleLookup(requestId, planned.externalId));
      return false;
    }
    const twins = found.filter((request) => request.id !== requestId).map((request) => request.id);
    if (twins.length === 0) return true;
    run.stop(
      new BatchError(
        "concurrent_writer",
        `requests ${listIds([requestId, ...twins])} carry external_id ${planned.externalId}: another run created one at the same moment; this run sent no output into them`,
        { hint: WRITER_HINT },
      ),
    );
  } catch (error) {
    run.stop(error);
  }
  return false;
}

/**
 * A request found on the server that the journal does not know is either this batch's from
 * a run whose journal is lost, or one another run is filling right now. Its outputs are
 * counted once more after a quiet moment; if they changed, someone is writing to it.
 */
export async function quiet(run: RequestRun, planned: PlannedRequest, request: Ensured): Promise<boolean> {
  const adopted = request.adopted;
  if (!adopted) return true;
  try {
    if (run.quietMs <= 0) {
      await run.recordRequest(planned, request.id, adopted.state, true);
      return true;
    }
    const again = await run.api.getRequest(request.id);
    if (again.outputs_count !== adopted.outputs) {
      run.stop(
        new BatchError(
          "concurrent_writer",
          `request ${request.id} (external_id ${planned.externalId}) is being filled by another run: it held ${adopted.outputs} output(s), and ${again.outputs_count} a moment later; this run sent nothing into it`,
          { hint: WRITER_HINT },
        ),
      );
      return false;
    }
    await run.recordRequest(planned, request.id, again.state, true);
    return true;
  } catch (error) {
    run.stop(error);
    return false;
  }
}
