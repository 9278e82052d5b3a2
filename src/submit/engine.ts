/**
 * Submit a plan exactly once (DESIGN.md section 6). The journal says what this batch did
 * before; the server says what exists. A row counts as created only once its output id is
 * in the journal. A create whose outcome is unknown is never simply sent again: after a
 * settle delay the request's outputs are listed and matched to the rows still unaccounted
 * for (reconcile.ts), and only the rows still missing go out in the next round.
 *
 * Another writer (a second run of the batch with its own state directory, on this host or
 * another) is noticed on the server: a request found there but unknown to the journal is
 * watched for a moment before anything is sent into it, a new request is looked up again
 * for a twin, and while a request is filled its `outputs_count` is compared, every few
 * creates and after every round, with what this run can account for (its journal, its rows
 * in flight or unclear). An output it cannot account for stops the run (exit 4), naming it.
 */
import { stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import type { BitexClient } from "../bitex/client.js";
import { ApiError } from "../bitex/errors.js";
import type { ConciergeOutput } from "../bitex/jsonapi.js";
import { apiIdentity } from "../bitex/url.js";
import { DiskError } from "../disk.js";
import { BatchError } from "../errors.js";
import type { Plan, PlannedRequest, RowOutcome, ValidRow } from "../model.js";
import { paymentsDigest } from "./batches.js";
import { foldJournal, type JournalState, JournalWriter, readJournal } from "./journal.js";
import { matchOutputs, type ServerOutput, toServerOutput } from "./reconcile.js";
import {
  DEFAULT_SETTLE,
  isRowRejection,
  RESUME_HINT,
  type SettlePolicy,
  settleDelayMs,
  stopFor,
} from "./steer.js";

export type SubmitApi = Pick<
  BitexClient,
  "findRequestsByExternalId" | "createRequest" | "getRequest" | "createOutput" | "listOutputs"
>;

export type { RowOutcome };

type Settled = RowOutcome & { status: "created" | "failed" };

export interface SubmitOptions {
  plan: Plan;
  journalPath: string;
  fileLabel: string;
  /** The API base URL: a journal belongs to one server (sandbox and production never mix). */
  apiLabel: string;
  api: SubmitApi;
  concurrency: number;
  /** Aborted on SIGINT/SIGTERM: no new rows start; calls in flight finish. */
  signal: AbortSignal;
  say: (line: string) => void;
  onRowDone?: (line: number, outcome: RowOutcome) => void;
  /** Send → reconcile rounds before unresolved rows are left pending. */
  maxRounds?: number;
  /** How long a create that got no answer may still land on the server; see settleDelayMs. */
  settle?: Partial<SettlePolicy>;
  /** Called at fixed points of the run; the crash tests kill the process there. */
  checkpoint?: (point: "requests-ready" | "outputs-done") => void;
  /** Creates into one request between two counts of its outputs (default 8). */
  watchEvery?: number;
  /** How long a request found on the server but not in the journal is watched before use (default 2 s; 0: not watched, for tests). */
  quietMs?: number;
}

export interface SubmitResult {
  outcomes: Map<number, RowOutcome>;
  /** Why the run stopped before every row was settled. */
  stopped: BatchError | null;
  /** What the journal held when this run started. */
  resumed: { begunAt: string; created: number } | null;
}

const now = () => new Date().toISOString();

const DEFAULT_WATCH_EVERY = 8;
const DEFAULT_QUIET_MS = 2_000;

/** What this run can account for in one request, to notice another writer there. */
interface Tally {
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

/** A request the run will fill; `adopted`: found on the server by external_id, unknown to the journal. */
interface Ensured {
  id: string;
  known: boolean;
  adopted?: { outputs: number; state: string; foundAt: number };
}

function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, 10).join(", ");
  return ids.length > 10 ? `${shown} and ${ids.length - 10} more` : shown;
}

const WRITER_HINT =
  "find the other run sending this batch (another --state-dir, another host, a copy of the journal) and let it finish; then run this command again: it reconciles and names any output paid twice (a request with an output too many must not be quoted)";

/** The outputs found are evidence that something else writes to the request. */
function anotherWriter(requestId: string, ids: readonly string[]): BatchError {
  return new BatchError(
    "concurrent_writer",
    `request ${requestId} holds ${ids.length} output(s) that this run did not create and its journal cannot account for (${listIds(ids)}): another run may be sending this batch, or a create landed after its settle delay; this run stopped sending`,
    { hint: WRITER_HINT },
  );
}

class Run {
  readonly outcomes = new Map<number, RowOutcome>();
  /** Output ids journaled to some row: never matched to another. */
  private readonly accounted = new Set<string>();
  private stopped: BatchError | null = null;
  private sentAny = false;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly settlePolicy: SettlePolicy;
  /** By request id. */
  private readonly tallies = new Map<string, Tally>();

  constructor(
    private readonly options: SubmitOptions,
    private readonly journal: JournalWriter,
    private readonly past: JournalState,
    /** Until when a create of an earlier run, cut off without an outcome, may still land. */
    private readonly earlierLandingUntil: number,
  ) {
    // Twice the HTTP concurrency: a row's intent line is synced while the calls ahead of it
    // are still in flight, so the gate (which alone bounds calls in flight) never waits on disk.
    this.limit = pLimit(options.concurrency * 2);
    this.settlePolicy = { ...DEFAULT_SETTLE, ...options.settle };
    // Rows settled by an earlier run stay settled: a finished batch run again sends nothing.
    for (const [line, record] of past.rows) {
      if (record.status === "created" || record.status === "failed") this.outcomes.set(line, record);
      if (record.status === "created") {
        this.accounted.add(record.outputId);
        this.tally(record.requestId).known.add(record.outputId);
      }
    }
  }

  private tally(requestId: string): Tally {
    let tally = this.tallies.get(requestId);
    if (!tally) {
      tally = { known: new Set(), maybe: new Map(), sinceCheck: 0, checking: false, hold: null };
      this.tallies.set(requestId, tally);
    }
    return tally;
  }

  get stopReason(): BatchError | null {
    if (this.stopped) return this.stopped;
    if (!this.options.signal.aborted) return null;
    return new BatchError("interrupted", "stopped by a signal before every row was sent", {
      hint: RESUME_HINT,
    });
  }

  private get halted(): boolean {
    return this.stopped !== null || this.options.signal.aborted;
  }

  /** Stops the run (no new rows); the report shows the rest as pending. */
  private stop(error: unknown): void {
    this.stopped ??= stopFor(error, this.sentAny);
  }

  private async settle(
    line: number,
    outcome: Settled,
    via: "response" | "reconciled" = "response",
  ): Promise<void> {
    const { requestId, at } = outcome;
    // Counted at once (before the journal write), so that a count of the request's outputs
    // taken meanwhile finds this one accounted for.
    const tally = this.tally(requestId);
    tally.maybe.delete(line);
    if (outcome.status === "created") {
      this.accounted.add(outcome.outputId);
      tally.known.add(outcome.outputId);
      await this.journal.append({
        t: "created",
        line,
        request_id: requestId,
        output_id: outcome.outputId,
        state: outcome.state,
        via,
        at,
      });
    } else {
      await this.journal.append({
        t: "failed",
        line,
        request_id: requestId,
        code: outcome.code,
        error: outcome.error,
        at,
      });
    }
    this.outcomes.set(line, outcome);
    this.options.onRowDone?.(line, outcome);
  }

  private async failRows(
    rows: readonly ValidRow[],
    requestId: string,
    code: string,
    error: string,
  ): Promise<void> {
    for (const row of rows) {
      if (!this.outcomes.has(row.line))
        await this.settle(row.line, { status: "failed", requestId, code, error, at: now() });
    }
  }

  /**
   * The request of a group: from the journal, else found by external_id (journaled only once
   * it proved quiet, see `quiet`), else created (and looked up again for a twin made by
   * another run at the same moment).
   */
  private async ensureRequest(planned: PlannedRequest): Promise<Ensured | null> {
    const fromJournal = this.past.requests.get(planned.key);
    if (fromJournal) return { id: fromJournal.requestId, known: true };
    for (let attempt = 0; attempt < 3 && !this.halted; attempt++) {
      let found: Awaited<ReturnType<SubmitApi["findRequestsByExternalId"]>>;
      try {
        // The filter is the server's; checking it here costs nothing and guards the match.
        found = (await this.options.api.findRequestsByExternalId(planned.externalId)).filter(
          (request) => request.external_id === planned.externalId,
        );
      } catch (error) {
        if (error instanceof ApiError && error.kind === "not_found") {
          this.stop(
            new BatchError("usage", `the API at ${this.options.apiLabel} has no concierge requests (404)`, {
              hint: "check --api-url",
            }),
          );
        } else this.stop(error);
        return null;
      }
      if (found.length > 1) {
        this.stop(
          new BatchError(
            "conflict",
            `${found.length} requests (${found.map((r) => r.id).join(", ")}) carry external_id ${planned.externalId}`,
            {
              hint: "cancel the extra ones at Bitex, then run again; nothing more was sent for this sender",
            },
          ),
        );
        return null;
      }
      const existing = found[0];
      if (existing) {
        return {
          id: existing.id,
          known: true,
          adopted: { outputs: existing.outputs_count, state: existing.state, foundAt: Date.now() },
        };
      }
      let created: Awaited<ReturnType<SubmitApi["createRequest"]>>;
      try {
        this.sentAny = true;
        created = await this.options.api.createRequest({
          portCode: planned.senderPort,
          externalId: planned.externalId,
          payerUserId: planned.payerUserId || undefined,
        });
      } catch (error) {
        if (isRowRejection(error)) {
          await this.failRows(planned.rows, "", error.code, error.detail);
          return null;
        }
        if (!(error instanceof ApiError && error.sent === "maybe")) {
          this.stop(error);
          return null;
        }
        // It may exist: look it up again (after it had time to land) rather than create another.
        await this.pause(settleDelayMs(error, this.settlePolicy));
        continue;
      }
      if (!(await this.aloneWith(planned, created.id))) return null;
      await this.recordRequest(planned, created.id, created.state);
      return { id: created.id, known: false };
    }
    if (!this.halted) {
      this.stop(
        new BatchError("unreachable", `creating the request for ${planned.key} kept failing`, {
          hint: RESUME_HINT,
        }),
      );
    }
    return null;
  }

  /**
   * A run that found no request and created one looks again: another run that looked at the
   * same moment has created a twin. Of two runs, the one that looks last sees both, so at
   * least one of them stops here, before any output is sent into either request.
   */
  private async aloneWith(planned: PlannedRequest, requestId: string): Promise<boolean> {
    try {
      const twins = (await this.options.api.findRequestsByExternalId(planned.externalId))
        .filter((request) => request.external_id === planned.externalId && request.id !== requestId)
        .map((request) => request.id);
      if (twins.length === 0) return true;
      this.stop(
        new BatchError(
          "concurrent_writer",
          `requests ${listIds([requestId, ...twins])} carry external_id ${planned.externalId}: another run created one at the same moment; this run sent no output into them`,
          { hint: WRITER_HINT },
        ),
      );
    } catch (error) {
      this.stop(error);
    }
    return false;
  }

  /**
   * A request found on the server that the journal does not know is either this batch's from
   * a run whose journal is lost, or one another run is filling right now. Its outputs are
   * counted once more after a quiet moment; if they changed, someone is writing to it.
   */
  private async quiet(planned: PlannedRequest, request: Ensured): Promise<boolean> {
    const adopted = request.adopted;
    if (!adopted) return true;
    try {
      if ((this.options.quietMs ?? DEFAULT_QUIET_MS) <= 0) {
        await this.recordRequest(planned, request.id, adopted.state);
        return true;
      }
      const again = await this.options.api.getRequest(request.id);
      if (again.outputs_count !== adopted.outputs) {
        this.stop(
          new BatchError(
            "concurrent_writer",
            `request ${request.id} (external_id ${planned.externalId}) is being filled by another run: it held ${adopted.outputs} output(s), and ${again.outputs_count} a moment later; this run sent nothing into it`,
            { hint: WRITER_HINT },
          ),
        );
        return false;
      }
      await this.recordRequest(planned, request.id, again.state);
      return true;
    } catch (error) {
      this.stop(error);
      return false;
    }
  }

  /** Listed outputs that this run cannot account for: not journaled, and matching none of `rows`. */
  private strangersIn(listed: readonly ConciergeOutput[], rows: readonly ValidRow[]): string[] {
    const usable: ServerOutput[] = [];
    const unusable: string[] = [];
    for (const output of listed) {
      if (this.accounted.has(output.id)) continue;
      const server = toServerOutput(output);
      if (server) usable.push(server);
      else unusable.push(output.id);
    }
    return [...unusable, ...matchOutputs(rows, usable, this.accounted).strangers.map((o) => o.id)];
  }

  /**
   * Counts the request's outputs against what this run accounts for (journaled, or a create
   * of its own in flight or unclear). More than that: no create starts into the request while
   * the listing names the strangers, and the run stops. Cheap (one GET) when nothing is wrong.
   * Its own creates in flight can hide as many foreign outputs at one count, so a writer that
   * keeps writing is caught within a few creates, a single stray output at the latest by the
   * exact count that ends the round (nothing of this run in flight then).
   */
  private async watch(requestId: string): Promise<void> {
    const tally = this.tally(requestId);
    if (tally.checking || this.halted) return;
    tally.checking = true;
    tally.sinceCheck = 0;
    let holding: (() => void) | undefined;
    try {
      const request = await this.options.api.getRequest(requestId);
      if (request.outputs_count <= tally.known.size + tally.maybe.size) return;
      tally.hold = new Promise<void>((resolve) => {
        holding = resolve;
      }).finally(() => {
        tally.hold = null;
      });
      const listed = await this.listed(requestId);
      const strangers = this.strangersIn(listed, [...tally.maybe.values()]);
      if (strangers.length > 0) this.stop(anotherWriter(requestId, strangers));
      else if (listed.length < request.outputs_count) {
        this.stop(
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
      this.stop(error);
    } finally {
      tally.checking = false;
      holding?.();
    }
  }

  private async listed(requestId: string): Promise<ConciergeOutput[]> {
    return (await this.options.api.listOutputs(requestId)).filter(
      (o) => o.request_id === null || o.request_id === requestId,
    );
  }

  private async recordRequest(planned: PlannedRequest, requestId: string, state: string): Promise<void> {
    await this.journal.append({
      t: "request",
      key: planned.key,
      external_id: planned.externalId,
      request_id: requestId,
      state,
      at: now(),
    });
  }

  private async pause(ms: number): Promise<void> {
    if (ms > 0 && !this.halted)
      await sleep(ms, undefined, { signal: this.options.signal }).catch(() => undefined);
  }

  /**
   * Lists the request's outputs, refreshes the state of rows already created, and matches
   * the rows not yet settled. Returns the rows still missing on the server, or null when
   * the run had to stop. Before anything is sent again, the listing must be complete
   * (as many outputs as the request counts) and the request must still take outputs;
   * `matchOnly` skips those checks, for a look taken while a create may still be landing
   * (whatever it finds is settled; what it does not find is never sent on its word).
   */
  private async reconcile(
    requestId: string,
    rows: readonly ValidRow[],
    matchOnly = false,
  ): Promise<ValidRow[] | null> {
    let listed: ConciergeOutput[];
    try {
      listed = await this.listed(requestId);
    } catch (error) {
      this.stop(error);
      return null;
    }
    const outputs: ServerOutput[] = [];
    for (const output of listed) {
      const usable = toServerOutput(output);
      // One this run journaled needs no matching; anything else must be matchable.
      if (!usable && !this.accounted.has(output.id)) {
        this.stop(
          new BatchError(
            "conflict",
            `the API listed output ${output.id} without recipient, port, instruction or amount; cannot match it safely`,
            { hint: RESUME_HINT },
          ),
        );
        return null;
      }
      if (usable) outputs.push(usable);
    }
    const byId = new Map(listed.map((output) => [output.id, output]));
    for (const row of rows) {
      const outcome = this.outcomes.get(row.line);
      const fresh = outcome?.status === "created" ? byId.get(outcome.outputId) : undefined;
      if (outcome?.status === "created" && fresh)
        this.outcomes.set(row.line, { ...outcome, state: fresh.state });
    }
    const open = rows.filter((row) => !this.outcomes.has(row.line));
    const result = matchOutputs(open, outputs, this.accounted);
    for (const [line, outputId] of result.matched) {
      const state = (byId.get(outputId) as ConciergeOutput).state;
      await this.settle(line, { status: "created", requestId, outputId, state, at: now() }, "reconciled");
    }
    // In the batch's own request (its external_id is this batch's), an output that neither the
    // journal nor a row still open accounts for was made by someone else.
    if (result.strangers.length > 0) {
      this.stop(
        anotherWriter(
          requestId,
          result.strangers.map((output) => output.id),
        ),
      );
      return null;
    }
    if (!matchOnly) {
      // After the settle delay the listing decides: what it lacks did not land (should it land
      // later still, the next count of the request's outputs finds it).
      const tally = this.tally(requestId);
      for (const row of result.missing) tally.maybe.delete(row.line);
    }
    if (result.missing.length === 0 || matchOnly) return result.missing;
    return this.checkBeforeResend(requestId, listed.length, result.missing);
  }

  /** Guards the one step that can pay twice: sending rows that the listing did not show. */
  private async checkBeforeResend(
    requestId: string,
    listedCount: number,
    missing: ValidRow[],
  ): Promise<ValidRow[] | null> {
    let request: Awaited<ReturnType<SubmitApi["getRequest"]>>;
    try {
      request = await this.options.api.getRequest(requestId);
    } catch (error) {
      this.stop(error);
      return null;
    }
    if (request.outputs_count !== listedCount) {
      this.stop(
        new BatchError(
          "conflict",
          `request ${requestId} counts ${request.outputs_count} outputs but the listing showed ${listedCount}`,
          {
            hint: "an output may still be landing; run again in a minute (nothing is sent while the two disagree)",
          },
        ),
      );
      return null;
    }
    if (request.state !== "draft") {
      const why = `request ${requestId} is ${request.state}: Bitex adds outputs only to a draft request; put these rows in a file of their own to pay them`;
      await this.failRows(missing, requestId, "request_not_draft", why);
      return [];
    }
    return missing;
  }

  /**
   * Creates one output, then counts the request's outputs if enough creates went in since the
   * last count. Returns the error when its outcome is unknown and needs reconciling.
   */
  private async send(requestId: string, row: ValidRow): Promise<ApiError | null> {
    if (this.halted) return null;
    const unclear = await this.create(requestId, row);
    const tally = this.tally(requestId);
    if (++tally.sinceCheck >= (this.options.watchEvery ?? DEFAULT_WATCH_EVERY)) await this.watch(requestId);
    return unclear;
  }

  private async create(requestId: string, row: ValidRow): Promise<ApiError | null> {
    const tally = this.tally(requestId);
    while (tally.hold) await tally.hold;
    if (this.halted) return null;
    try {
      const { line, reference } = row; // the reference is for `export`, which joins rows by line
      await this.journal.append({ t: "intent", line, request_id: requestId, reference, at: now() });
      // The run may have stopped while the intent was synced (another writer seen): send nothing more.
      if (this.halted) return null;
      this.sentAny = true;
      tally.maybe.set(row.line, row);
      const output = await this.options.api.createOutput({
        requestId,
        portCode: row.port,
        amount: row.amount ?? undefined,
        budget: row.budget ?? undefined,
        recipientUserId: row.recipientUserId,
        withdrawalInstructionId: row.withdrawalInstructionId,
      });
      // The worker moves on while the outcome is synced (group commit); the row counts as
      // done only once it is on disk, and every round waits for those writes (drainWrites).
      const created = {
        status: "created" as const,
        requestId,
        outputId: output.id,
        state: output.state,
        at: now(),
      };
      this.track(this.settle(row.line, created));
      return null;
    } catch (error) {
      try {
        if (isRowRejection(error)) {
          await this.settle(row.line, {
            status: "failed",
            requestId,
            code: error.code,
            error: error.detail,
            at: now(),
          });
        } else if (error instanceof ApiError && error.sent === "maybe") {
          await this.journal.append({ t: "ambiguous", line: row.line, code: error.code, at: now() });
          return error;
        } else {
          if (error instanceof ApiError) tally.maybe.delete(row.line); // surely not created
          this.stop(error);
        }
      } catch (journalError) {
        this.stop(journalError); // the disk failed: stop cleanly, the next run reconciles
      }
      return null;
    }
  }

  private readonly writes = new Set<Promise<void>>();

  private track(write: Promise<void>): void {
    const tracked: Promise<void> = write
      .catch((error: unknown) => this.stop(error))
      .finally(() => this.writes.delete(tracked));
    this.writes.add(tracked);
  }

  /** Before any listing is matched, every outcome received must be journaled and counted. */
  private async drainWrites(): Promise<void> {
    while (this.writes.size > 0) await Promise.all(this.writes);
  }

  /** One round for one request: send its missing rows, then reconcile those with no clear outcome. */
  private async round(
    requestId: string,
    planned: PlannedRequest,
    missing: readonly ValidRow[],
  ): Promise<ValidRow[]> {
    /** Rows whose create had no clear outcome → until when it may still land on the server. */
    const unclear = new Map<number, number>();
    await Promise.all(
      missing.map((row) =>
        this.limit(async () => {
          const error = await this.send(requestId, row);
          if (!error) return;
          unclear.set(row.line, Date.now() + settleDelayMs(error, this.settlePolicy));
        }),
      ),
    );
    await this.drainWrites();
    if (this.halted) return [];
    if (unclear.size === 0) {
      await this.watch(requestId);
      return [];
    }
    // Every create of this request has returned, so the listing races none of ours. Only a
    // listing begun after every unclear create's settle delay decides what is sent again. A
    // create without an answer has usually landed, though: while some may still land, look
    // first (match only), then wait for the rows still missing and look again.
    const stillMissing = async (matchOnly: boolean) =>
      (await this.reconcile(requestId, planned.rows, matchOnly))?.filter((row) => unclear.has(row.line)) ??
      [];
    const latest = (rows: readonly ValidRow[]) =>
      rows.reduce((until, row) => Math.max(until, unclear.get(row.line) ?? 0), 0);
    if (latest(missing) <= Date.now()) return stillMissing(false);
    const early = await stillMissing(true);
    if (early.length === 0 || this.halted) return [];
    await this.pause(latest(early) - Date.now());
    return stillMissing(false);
  }

  async run(): Promise<void> {
    const { plan } = this.options;
    const ensured = await Promise.all(
      plan.requests.map((planned) => this.limit(() => this.ensureRequest(planned))),
    );
    // Anything the journal does not show as settled may exist on the server when this batch
    // ran before (the request was known) or a create was cut off mid-way.
    type Work = { requestId: string; planned: PlannedRequest; missing: ValidRow[] };
    const quietMs = this.options.quietMs ?? DEFAULT_QUIET_MS;
    const quietUntil = ensured.reduce(
      (until, request) => Math.max(until, request?.adopted ? request.adopted.foundAt + quietMs : 0),
      0,
    );
    if (ensured.some((request) => request?.known))
      await this.pause(Math.max(this.earlierLandingUntil, quietUntil) - Date.now());
    const first = await Promise.all(
      plan.requests.map(async (planned, index) => {
        const request = ensured[index];
        if (!request || this.halted) return null;
        if (!(await this.quiet(planned, request)) || this.halted) return null;
        const missing = request.known
          ? await this.reconcile(request.id, planned.rows)
          : planned.rows.filter((row) => !this.outcomes.has(row.line));
        return missing ? { requestId: request.id, planned, missing } : null;
      }),
    );
    let work = first.filter((item): item is Work => item !== null);
    this.options.checkpoint?.("requests-ready");
    const maxRounds = this.options.maxRounds ?? 6;
    for (let round = 1; !this.halted; round++) {
      const pending = work.filter((item) => item.missing.length > 0);
      if (pending.length === 0) break;
      if (round > maxRounds) {
        this.stop(new Error(`some creates still had no clear outcome after ${maxRounds} rounds`));
        break;
      }
      work = await Promise.all(
        pending.map(async (item) => ({
          ...item,
          missing: await this.round(item.requestId, item.planned, item.missing),
        })),
      );
    }
    await this.drainWrites();
  }

  pendingFor(row: ValidRow): RowOutcome {
    return {
      status: "pending",
      requestId: this.past.rows.get(row.line)?.requestId ?? "",
      code: "not_finished",
      error: "not finished; run the same command again to resume",
    };
  }
}

/**
 * Creates an earlier run left without an outcome may still land, so the server is not asked
 * what is missing before their settle delays have passed: a create cut off by the end of the
 * process (intent only) counts from the journal's last write, the latest that run can have
 * sent anything; an ambiguous one from when it failed.
 */
async function earlierLandingUntil(past: JournalState, options: SubmitOptions): Promise<number> {
  const settle = { ...DEFAULT_SETTLE, ...options.settle };
  let until = 0;
  let cutOff = false;
  for (const row of past.rows.values()) {
    if (row.status === "intent") cutOff = true;
    if (row.status === "ambiguous") until = Math.max(until, Date.parse(row.at) + settle.lateMs);
  }
  if (cutOff) {
    const lastWrite = (await stat(options.journalPath).catch(() => null))?.mtimeMs ?? Date.now();
    until = Math.max(until, lastWrite + settle.lateMs);
  }
  return until;
}

export async function submitPlan(options: SubmitOptions): Promise<SubmitResult> {
  // Nothing is sent before the journal is read and its first line written: a disk failure
  // until then is exit 2.
  const beforeSending = (error: unknown) => (error instanceof DiskError ? stopFor(error, false) : error);
  const past = foldJournal(
    await readJournal(options.journalPath).catch((error: unknown) => {
      throw beforeSending(error);
    }),
  );
  const batch = options.plan.batchId;
  if (past.begin && past.begin.fingerprint !== options.plan.fingerprint) {
    throw new BatchError(
      "input",
      `${options.fileLabel}: the journal of batch ${batch} was written for different rows`,
      {
        hint: "the file changed since that batch started; pass a new --batch-id to start a new batch",
      },
    );
  }
  if (past.begin && apiIdentity(past.begin.api) !== apiIdentity(options.apiLabel)) {
    throw new BatchError(
      "input",
      `${options.fileLabel}: batch ${batch} was started against ${past.begin.api}, not ${options.apiLabel}`,
      {
        hint: "point --api-url at the same API to resume it, or pass a new --batch-id to start a new batch there",
      },
    );
  }
  const landingUntil = await earlierLandingUntil(past, options);
  const journal = await JournalWriter.open(options.journalPath).catch((error: unknown) => {
    throw beforeSending(error);
  });
  const run = new Run(options, journal, past, landingUntil);
  try {
    if (!past.begin) {
      const rows = options.plan.requests.reduce((sum, request) => sum + request.rows.length, 0);
      await journal
        .append({
          t: "begin",
          v: 1,
          batch_id: batch,
          fingerprint: options.plan.fingerprint,
          payments: paymentsDigest(options.plan),
          api: options.apiLabel,
          file: options.fileLabel,
          rows,
          at: now(),
        })
        .catch((error: unknown) => {
          throw beforeSending(error);
        });
    }
    await run.run();
    options.checkpoint?.("outputs-done");
    const stopped = run.stopReason;
    for (const request of options.plan.requests) {
      for (const row of request.rows)
        if (!run.outcomes.has(row.line)) run.outcomes.set(row.line, run.pendingFor(row));
    }
    // The last line only says the run ended; every row's fate is on disk already (or the run
    // stopped because the disk failed), so failing to write it loses nothing.
    await journal
      .append({ t: "end", outcome: stopped ? "stopped" : "finished", at: now() })
      .catch(() => undefined);
    const created = [...past.rows.values()].filter((record) => record.status === "created").length;
    return {
      outcomes: run.outcomes,
      stopped,
      resumed: past.begin ? { begunAt: past.begin.at, created } : null,
    };
  } finally {
    await journal.close();
  }
}
