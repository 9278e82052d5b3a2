/**
 * Submit a plan exactly once (docs/design.md section 6). The journal says what this batch did
 * before; the server says what exists. A row counts as created only once its output id is
 * in the journal. A create whose outcome is unknown is never simply sent again: after a
 * settle delay the request's outputs are listed and matched to the rows still unaccounted
 * for (reconcile.ts), and only the rows still missing go out again. Each unclear create's
 * delay runs while the other rows of its request are sent (fill).
 *
 * Another writer (a second run of the batch with its own state directory, on this host or
 * another) is noticed on the server: a request found there but unknown to the journal is
 * watched for a moment before anything is sent into it, a new request is looked up again
 * for a twin, and while a request is filled its `outputs_count` is compared, every few
 * hundred creates (watchPace) and after every round, with what this run can account for (its journal, its rows
 * in flight or unclear). An output it cannot account for stops the run (exit 4), naming it.
 *
 * Here: the run's rounds, its creates and their reconciling. Beside it: outcomes.ts (what
 * the journal says before a run), request.ts (a group's request found or created),
 * lookup.ts (a request by external_id and its outputs, shared with the follow-through),
 * writers.ts (a request's outputs counted for another writer), policy.ts (which errors
 * refuse, stop or settle).
 */
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { paymentsDigest } from "../batch/history.js";
import { foldJournal, type JournalState, JournalWriter, readJournal } from "../batch/journal.js";
import { planLines, refuseDamagedJournal } from "../batch/journal-check.js";
import { ownOutputs, requestOutputs } from "../batch/lookup.js";
import { paymentKeysOf, plannedEntries } from "../batch/near-copy.js";
import { matchOutputs, outputDifference, type ServerOutput, toServerOutput } from "../batch/reconcile.js";
import { ApiError } from "../bitex/errors.js";
import type { ConciergeOutput } from "../bitex/jsonapi.js";
import { DiskError } from "../disk.js";
import { BatchError } from "../errors.js";
import type { Plan, PlannedRequest, RowOutcome, ValidRow } from "../model.js";
import { MAX_PAGE_SIZE } from "../wire/resources.js";
import { Feeder } from "./feeder.js";
import { earlierLandingUntil, pendingOutcome, refuseOtherBatch, settledEarlier } from "./outcomes.js";
import {
  DEFAULT_SETTLE,
  isRowRejection,
  RESUME_HINT,
  runNow,
  type SettlePolicy,
  type StopMapper,
  settleDelayMs,
  staleReading,
} from "./policy.js";
import { type Ensured, ensureRequest, quiet, type RequestRun, type SubmitApi } from "./request.js";
import { anotherWriter, type Tally, type WatchedRun, watchRequest } from "./writers.js";

export type { RowOutcome, SubmitApi };

type Settled = RowOutcome & { status: "created" | "failed" };

const rowCount = (plan: Plan) => plan.requests.reduce((sum, request) => sum + request.rows.length, 0);

/**
 * The earliest `until` later than `after` (Infinity when none): a loop, since spreading every
 * waiting row into Math.min overflows the stack when a whole request's creates are unclear.
 */
export function earliestUntil(entries: Iterable<Waiting>, after: number): number {
  let earliest = Number.POSITIVE_INFINITY;
  for (const { until } of entries) if (until > after && until < earliest) earliest = until;
  return earliest;
}

/** A row whose create had no clear outcome. */
interface Waiting {
  /** Until when the create may still land on the server. */
  until: number;
  /** Whether a look (match only) was taken since it was sent. */
  looked: boolean;
}

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
  /** The one mapper (src/app/stop.ts): what stops the run, as the BatchError it stops with. */
  stopFor: StopMapper;
  say: (line: string) => void;
  onRowDone?: (line: number, outcome: RowOutcome) => void;
  /** Send → reconcile rounds before unresolved rows are left pending. */
  maxRounds?: number;
  /** How long a create that got no answer may still land on the server; see settleDelayMs. */
  settle?: Partial<SettlePolicy>;
  /** Called at fixed points of the run; the crash tests kill the process there. */
  checkpoint?: (point: "requests-ready" | "outputs-done") => void;
  /** Called once the batch's begin is in the journal (at once for a batch begun before), before any create. */
  begun?: () => Promise<void>;
  /**
   * Creates into one request between two counts of its outputs (default 256, and never fewer
   * than a sixteenth of the outputs the run knows there; see watchPace).
   */
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
  /** A request of the batch was found on the server by its external_id, not in the journal. */
  foundOnServer: boolean;
  /** Each request's state as this run last read it (id → state): the server's, newer than the journal's. */
  requestStates: ReadonlyMap<string, string>;
}

const now = () => new Date().toISOString();

/**
 * A count of a request's outputs reads the request, whose `outputs` relationship names every
 * output: its size grows with the request. Every 256 creates keeps those reads under 0.4% of
 * the calls, and never more often than every sixteenth of the outputs known keeps their bytes
 * linear in the request's size (geometric spacing). A foreign output is harmless until a quote
 * is accepted, and the quote gate refuses a request holding one; the count only stops the run
 * sooner, and the exact count that ends every round catches a single one. A count falling due
 * with fewer rows of the round left to send than the pace is not read: the round's count
 * follows once those (and the creates in flight) have returned, and shows all it would
 * (outputs are never deleted).
 */
const DEFAULT_WATCH_EVERY = 256;
/** Items a page of Bitex's lists holds by default (its JSON:API code): the fewest a listing reads a call. */
const BITEX_PAGE_SIZE = 10;
/**
 * A request read with its outputs included carries every output in one call: taken for many
 * unknown outputs only where a listing of the client's page size (500) would be, so that it
 * moves no more bytes than a server that pages by 500 makes the listing move.
 */
const INCLUDED_PAGE = MAX_PAGE_SIZE;

/** A request's outputs this run could not account for, read one by one (readByIds). */
interface ReadByIds {
  /** The request as read for these outputs; undefined when its count must be read after them. */
  request?: Awaited<ReturnType<SubmitApi["getRequest"]>>;
  unknown: ConciergeOutput[];
  /** The outputs a listing would have shown: every output the request names. */
  listedCount: number;
}

/** Creates into a request before its outputs are counted again. */
export function watchPace(every: number, known: number): number {
  return Math.max(every, Math.floor(known / 16));
}
const DEFAULT_QUIET_MS = 2_000;

class Run implements RequestRun, WatchedRun {
  readonly outcomes = new Map<number, RowOutcome>();
  /** Output ids journaled to some row: never matched to another. */
  readonly accounted = new Set<string>();
  private stopped: BatchError | null = null;
  sentAny = false;
  foundOnServer = false;
  private readonly limit: ReturnType<typeof pLimit>;
  /** The creates, in the plan's order of requests and rows, as many at once as `limit` runs. */
  private readonly feeder: Feeder<ValidRow>;
  readonly settlePolicy: SettlePolicy;
  /** By request id. */
  private readonly tallies = new Map<string, Tally>();
  readonly requestStates = new Map<string, string>();
  readonly api: SubmitApi;

  constructor(
    private readonly options: SubmitOptions,
    private readonly journal: JournalWriter,
    readonly past: JournalState,
    /** Until when a create of an earlier run, cut off without an outcome, may still land. */
    private readonly earlierLandingUntil: number,
  ) {
    // Twice the HTTP concurrency: a row's intent line is synced while the calls ahead of it
    // are still in flight, so the gate (which alone bounds calls in flight) never waits on disk.
    this.limit = pLimit(options.concurrency * 2);
    this.feeder = new Feeder(this.limit.concurrency);
    this.settlePolicy = { ...DEFAULT_SETTLE, ...options.settle };
    this.api = readingStates(options.api, this.requestStates);
    // Rows settled by an earlier run stay settled: a finished batch run again sends nothing.
    for (const [line, record] of settledEarlier(past)) {
      this.outcomes.set(line, record);
      if (record.status === "created") {
        this.accounted.add(record.outputId);
        this.tally(record.requestId).known.add(record.outputId);
      }
    }
  }

  get apiLabel(): string {
    return this.options.apiLabel;
  }

  get quietMs(): number {
    return this.options.quietMs ?? DEFAULT_QUIET_MS;
  }

  tally(requestId: string): Tally {
    let tally = this.tallies.get(requestId);
    if (!tally) {
      tally = { known: new Set(), maybe: new Map(), sinceCheck: 0, unsent: 0, checking: false, hold: null };
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

  get halted(): boolean {
    return this.stopped !== null || this.options.signal.aborted;
  }

  /** Stops the run (no new rows); the report shows the rest as pending. */
  stop(error: unknown): void {
    this.stopped ??= this.options.stopFor(error, this.sentAny);
  }

  private async settle(
    line: number,
    outcome: Settled,
    via: "response" | "reconciled" = "response",
    /** How the create's answer differs from the row (outputDifference). */
    differs: string | null = null,
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
        ...(differs ? { differs } : {}),
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

  async failRows(rows: readonly ValidRow[], requestId: string, code: string, error: string): Promise<void> {
    for (const row of rows) {
      if (!this.outcomes.has(row.line))
        await this.settle(row.line, { status: "failed", requestId, code, error, at: now() });
    }
  }

  async recordRequest(
    planned: PlannedRequest,
    requestId: string,
    state: string,
    found = false,
  ): Promise<void> {
    await this.journal.append({
      t: "request",
      key: planned.key,
      external_id: planned.externalId,
      request_id: requestId,
      state,
      ...(found ? { found: true as const } : {}),
      at: now(),
      // Journaled after an answer of the server (the create, or the look that found it), so
      // its clock is known: a machine ten minutes fast must not move the request to next month.
      ...(this.api.serverNow ? { server_at: this.api.serverNow().toISOString() } : {}),
    });
  }

  async pause(ms: number): Promise<void> {
    // A timer counts whole milliseconds on a clock of its own and may end up to 1 ms before
    // runNow() reaches the deadline waited for: a pause that ends before it reads the server
    // once more for nothing. So rounded up, and 1 ms more.
    if (ms > 0 && !this.halted)
      await sleep(Math.ceil(ms) + 1, undefined, { signal: this.options.signal }).catch(() => undefined);
  }

  /**
   * Lists the request's outputs, refreshes the state of rows already created, and matches
   * the rows not yet settled. Returns the rows still missing on the server, or null when
   * the run had to stop. Before anything is sent again, the listing must be complete
   * (as many outputs as the request counts) and the request must still take outputs;
   * `byIds`: the outputs it cannot account for may be read one by one instead (readByIds),
   * leaving the states of rows already created as they were; `matchOnly` skips those checks, for a look taken while a create may still be landing
   * (whatever it finds is settled; what it does not find is never sent on its word).
   * `due`: the rows whose settle delay has passed, the only ones the reading may decide (by
   * default every row); "later" when the count disagreed while the others may still land.
   */
  private async reconcile(
    requestId: string,
    rows: readonly ValidRow[],
    how: { matchOnly?: boolean; byIds?: boolean; due?: ReadonlySet<number> } = {},
  ): Promise<ValidRow[] | null | "later"> {
    const matchOnly = how.matchOnly === true;
    let listed: ConciergeOutput[];
    let read: ReadByIds | null = null;
    // Outputs this run knew of before the reading began: any reading of the server shows them.
    const knownBefore = [...this.tally(requestId).known];
    try {
      if (how.byIds) read = await this.readByIds(requestId);
      listed = read?.unknown ?? (await requestOutputs(this.api, requestId));
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
    if (matchOnly) return result.missing;
    const { due } = how;
    const decided = due ? result.missing.filter((row) => due.has(row.line)) : result.missing;
    if (decided.length === 0) return decided;
    // Read by ids, the request's relationship names every output; else the reading holds them.
    const shown = new Set(read?.request?.outputs_ids ?? listed.map((output) => output.id));
    const lacking = knownBefore.filter((id) => !shown.has(id));
    // Other rows' creates may still land: read again at the next delay, as for a count.
    const landing = decided.length < result.missing.length;
    if (lacking.length > 0) {
      if (landing) return "later";
      this.stop(staleReading(requestId, lacking));
      return null;
    }
    const checked = await this.checkBeforeResend(
      requestId,
      read?.listedCount ?? listed.length,
      decided,
      read?.request,
      landing,
    );
    // After the settle delay the reading decides: what it lacks did not land (should it land
    // later still, the next count of the request's outputs finds it).
    if (Array.isArray(checked)) {
      const tally = this.tally(requestId);
      for (const row of decided) tally.maybe.delete(row.line);
    }
    return checked;
  }

  /**
   * The outputs of the request this run cannot account for, read one by one: the request
   * names every output (its `outputs` relationship, as many as its count), so those it does
   * not know are all a listing could add. Taken when that costs fewer calls than listing
   * every output (a few unclear creates in a large request). Many unknown: every output in
   * one call where the server includes them in the request's answer (included.ts; its count
   * is then read again after them, as after a listing). null otherwise, or when the request
   * does not name its outputs: then the caller lists.
   */
  private async readByIds(requestId: string): Promise<ReadByIds | null> {
    const { api } = this;
    if (!api.getOutput) return null;
    const request = await api.getRequest(requestId);
    const ids = request.outputs_ids;
    if (!ids || ids.length !== request.outputs_count || new Set(ids).size !== ids.length) return null;
    const unknownIds = ids.filter((id) => !this.accounted.has(id));
    // A listing: its pages, the empty page that may end it, and the request read after it.
    const cheaper = (pageSize: number) => unknownIds.length <= Math.ceil(ids.length / pageSize) + 1;
    if (!cheaper(INCLUDED_PAGE) && api.includedOutputs) {
      const included = await api.includedOutputs(requestId);
      if (included) {
        const own = ownOutputs(included, requestId);
        return { unknown: own, listedCount: own.length };
      }
    }
    if (!cheaper(Math.max(api.listPageSize?.() ?? 0, BITEX_PAGE_SIZE))) return null;
    const getOutput = api.getOutput;
    const unknown = ownOutputs(await Promise.all(unknownIds.map((id) => getOutput(id))), requestId);
    return { request, unknown, listedCount: ids.length - unknownIds.length + unknown.length };
  }

  /** Guards the one step that can pay twice: sending rows that the listing did not show. */
  private async checkBeforeResend(
    requestId: string,
    listedCount: number,
    missing: ValidRow[],
    /** The request as read for the listing (readByIds), or read now. */
    known: Awaited<ReturnType<SubmitApi["getRequest"]>> | undefined,
    /** Other rows' creates may still land: a count that disagrees is read again later. */
    landing: boolean,
  ): Promise<ValidRow[] | null | "later"> {
    let request: Awaited<ReturnType<SubmitApi["getRequest"]>>;
    try {
      request = known ?? (await this.api.getRequest(requestId));
    } catch (error) {
      this.stop(error);
      return null;
    }
    if (request.outputs_count !== listedCount) {
      if (landing) return "later";
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
    const tally = this.tally(requestId);
    tally.unsent--;
    if (this.halted) return null;
    const unclear = await this.create(requestId, row);
    const pace = watchPace(this.options.watchEvery ?? DEFAULT_WATCH_EVERY, tally.known.size);
    // Fewer rows left to send than the pace: the round's own count comes before the next one would.
    if (++tally.sinceCheck >= pace && tally.unsent >= pace) await watchRequest(this, requestId);
    return unclear;
  }

  private async create(requestId: string, row: ValidRow): Promise<ApiError | null> {
    const tally = this.tally(requestId);
    while (tally.hold) await tally.hold;
    if (this.halted) return null;
    try {
      const { line, reference } = row; // the reference is for `export`, which joins rows by line
      await this.journal.append({
        t: "intent",
        line,
        request_id: requestId,
        reference,
        payment: paymentKeysOf(row),
        at: now(),
      });
      // The run may have stopped while the intent was synced (another writer seen): send nothing more.
      if (this.halted) return null;
      this.sentAny = true;
      tally.maybe.set(row.line, row);
      const output = await this.api.createOutput({
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
      // Bitex holding something else than was sent (another amount, another account): the
      // output is the batch's, and its request is never quoted (gate: polluted) (helper-113).
      const server = toServerOutput(output);
      const differs = server && outputDifference(server, row);
      if (differs)
        this.options.say(
          `line ${row.line}: Bitex holds output ${output.id} with ${differs}: request ${requestId} is not quoted`,
        );
      this.track(this.settle(row.line, created, "response", differs));
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

  /**
   * Before any listing is matched, every outcome received must be journaled and counted. A
   * create tracks its write before it returns, so the writes pending now hold every outcome
   * of the creates that have returned; those another request's creates add meanwhile are not
   * waited for (a steady stream of them would hold this request's reading).
   */
  private async drainWrites(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  /**
   * Fills one request: sends its missing rows, and settles those whose create had no clear
   * outcome while the rest go out. Each unclear create has its own settle delay; once every
   * create sent has returned, the server is read when the earliest delay has passed, the
   * rows whose delay has passed and that it lacks are sent again, and the rows still within
   * their delay keep waiting (a look taken while they may land only settles what it finds).
   * A row is sent at most `maxRounds` times.
   */
  private async fill(
    requestId: string,
    planned: PlannedRequest,
    missing: readonly ValidRow[],
  ): Promise<void> {
    const maxRounds = this.options.maxRounds ?? 6;
    const sends = new Map<number, number>();
    /** Rows whose create had no clear outcome → until when it may still land on the server. */
    const waiting = new Map<number, Waiting>();
    let queue = missing;
    while (!this.halted) {
      if (queue.some((row) => (sends.get(row.line) ?? 0) >= maxRounds)) {
        this.stop(new Error(`some creates still had no clear outcome after ${maxRounds} rounds`));
        return;
      }
      this.tally(requestId).unsent = queue.length;
      await this.feeder.each(queue, (row) =>
        this.limit(async () => {
          sends.set(row.line, (sends.get(row.line) ?? 0) + 1);
          const error = await this.send(requestId, row);
          if (!error) return;
          const until = runNow() + settleDelayMs(error, this.settlePolicy);
          waiting.set(row.line, { until, looked: false });
        }),
      );
      await this.drainWrites();
      if (this.halted) return;
      if (waiting.size === 0) {
        await watchRequest(this, requestId);
        return;
      }
      queue = await this.settleDue(requestId, planned, waiting);
    }
  }

  /**
   * Every create of this request has returned, so the reading races none of ours but the
   * unclear ones. Only a reading begun after a row's settle delay decides that it is sent
   * again. A create without an answer has usually landed, though: when some may still land,
   * look first (match only), then wait for the earliest delay and decide the rows it covers.
   * Only unclear creates are unknown: reading those alone is cheaper than a listing.
   */
  private async settleDue(
    requestId: string,
    planned: PlannedRequest,
    waiting: Map<number, Waiting>,
  ): Promise<ValidRow[]> {
    const forgetSettled = () => {
      for (const line of waiting.keys()) if (this.outcomes.has(line)) waiting.delete(line);
    };
    const entries = () => [...waiting.values()];
    // An output found may be any identical row's: it goes to the row whose delay ends first,
    // so that a row left missing is one whose twins' creates can no longer land either.
    const byDelay = () =>
      [...planned.rows].sort(
        (a, b) => (waiting.get(a.line)?.until ?? 0) - (waiting.get(b.line)?.until ?? 0) || a.line - b.line,
      );
    const earliest = () => earliestUntil(waiting.values(), Number.NEGATIVE_INFINITY);
    // A look pays only while every delay still runs: once one has passed, the deciding reading
    // comes at once and settles whatever landed just as the look would.
    if (earliest() > runNow() && entries().some((entry) => !entry.looked)) {
      for (const entry of waiting.values()) entry.looked = true;
      await this.reconcile(requestId, byDelay(), { matchOnly: true, byIds: true });
      forgetSettled();
      if (waiting.size === 0 || this.halted) return [];
    }
    await this.pause(earliest() - runNow());
    if (this.halted) return [];
    const at = runNow();
    const due = new Set([...waiting].filter(([, entry]) => entry.until <= at).map(([line]) => line));
    const decided = await this.reconcile(requestId, byDelay(), { byIds: true, due });
    forgetSettled();
    if (decided === null) return [];
    if (decided === "later") {
      // The request's count and the reading disagreed while a create may still land: read
      // again when the next delay has passed (once every delay has, a disagreement stops the run).
      const next = earliestUntil(waiting.values(), at);
      if (!Number.isFinite(next)) {
        this.stop(new Error(`request ${requestId}: its count and the reading of its outputs disagree`));
        return [];
      }
      for (const line of due) {
        const entry = waiting.get(line);
        if (entry) entry.until = next;
      }
      return [];
    }
    for (const row of decided) waiting.delete(row.line);
    return decided.sort((a, b) => a.line - b.line);
  }

  async run(): Promise<void> {
    const { plan } = this.options;
    const ensured = await Promise.all(
      plan.requests.map((planned) => this.limit(() => ensureRequest(this, planned))),
    );
    // Anything the journal does not show as settled may exist on the server when this batch
    // ran before (the request was known) or a create was cut off mid-way.
    type Work = { requestId: string; planned: PlannedRequest; missing: ValidRow[] };
    // A draft found on the server that the journal does not know was made by a run whose
    // journal this is not (lost, another state directory): its creates may still be landing,
    // up to the settle delay after the run that sent them ended, as this run's own would.
    // Nothing lands in a request past draft.
    const watchMs = ({ state }: NonNullable<Ensured["adopted"]>) =>
      state === "draft" && this.quietMs > 0 ? Math.max(this.quietMs, this.settlePolicy.lateMs) : this.quietMs;
    const quietUntil = ensured.reduce(
      (until, request) =>
        Math.max(until, request?.adopted ? request.adopted.foundAt + watchMs(request.adopted) : 0),
      0,
    );
    if (ensured.some((request) => request?.known)) {
      const waitMs = Math.max(this.earlierLandingUntil, quietUntil) - runNow();
      // A silent wait reads as a hang: said, with why.
      if (waitMs >= 1000)
        this.options.say(
          this.earlierLandingUntil >= quietUntil
            ? `waiting ${Math.ceil(waitMs / 1000)} s for calls the last run may have left in flight (so that nothing is sent twice)`
            : `waiting ${Math.ceil(waitMs / 1000)} s: watching a request found on the server before adding to it`,
        );
      await this.pause(waitMs);
    }
    const first = await Promise.all(
      plan.requests.map(async (planned, index) => {
        const request = ensured[index];
        if (!request || this.halted) return null;
        if (!(await quiet(this, planned, request)) || this.halted) return null;
        const missing = request.known
          ? await this.reconcile(request.id, planned.rows)
          : planned.rows.filter((row) => !this.outcomes.has(row.line));
        // Every row decided at once ("later" comes only from a reading that decides some rows).
        return Array.isArray(missing) ? { requestId: request.id, planned, missing } : null;
      }),
    );
    const work = first.filter((item): item is Work => item !== null);
    this.options.checkpoint?.("requests-ready");
    // Each request is filled on its own: one request's settle delay holds up no other's creates.
    await Promise.all(
      work
        .filter((item) => item.missing.length > 0)
        .map((item) => this.fill(item.requestId, item.planned, item.missing)),
    );
    await this.drainWrites();
  }
}

/** `api`, keeping the state of each request it reads in `states` (a request read later wins). */
function readingStates(api: SubmitApi, states: Map<string, string>): SubmitApi {
  return new Proxy(api, {
    get(target, key) {
      if (key === "getRequest")
        return async (id: string) => {
          const request = await target.getRequest(id);
          states.set(request.id, request.state);
          return request;
        };
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export async function submitPlan(options: SubmitOptions): Promise<SubmitResult> {
  // Nothing is sent before the journal is read and its first line written: a disk failure
  // until then is exit 2.
  const beforeSending = (error: unknown) =>
    error instanceof DiskError ? options.stopFor(error, false) : error;
  const past = foldJournal(
    await readJournal(options.journalPath).catch((error: unknown) => {
      throw beforeSending(error);
    }),
  );
  const batch = options.plan.batchId;
  refuseOtherBatch(past, options);
  refuseDamagedJournal(options.journalPath, past, planLines(options.plan));
  const landingUntil = await earlierLandingUntil(past, options.journalPath, {
    ...DEFAULT_SETTLE,
    ...options.settle,
  });
  const journal = await JournalWriter.open(options.journalPath).catch((error: unknown) => {
    throw beforeSending(error);
  });
  const run = new Run(options, journal, past, landingUntil);
  try {
    if (!past.begin) {
      const rows = rowCount(options.plan);
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
    // Every row it means to pay, before the first create and before a new batch may look
    // (`begun` lets the next one in): again on a resume when a kill tore them, or the batch
    // began before they were written.
    if (past.planned.size < rowCount(options.plan)) {
      for (const entry of plannedEntries(options.plan, now())) {
        await journal.append(entry).catch((error: unknown) => {
          throw beforeSending(error);
        });
      }
    }
    await options.begun?.();
    await run.run();
    options.checkpoint?.("outputs-done");
    const stopped = run.stopReason;
    for (const request of options.plan.requests) {
      for (const row of request.rows)
        if (!run.outcomes.has(row.line)) run.outcomes.set(row.line, pendingOutcome(past, row));
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
      foundOnServer: run.foundOnServer,
      requestStates: run.requestStates,
    };
  } finally {
    await journal.close();
  }
}
