/**
 * Submit a plan exactly once (DESIGN.md section 6). The journal says what this batch did
 * before; the server says what exists. A row counts as created only once its output id is
 * in the journal. A create whose outcome is unknown is never simply sent again: the
 * request's outputs are listed and matched to the rows still unaccounted for (reconcile.ts),
 * and only the rows still missing go out in the next round.
 */
import pLimit from "p-limit";
import type { BitexClient } from "../bitex/client.js";
import { ApiError } from "../bitex/errors.js";
import type { ConciergeOutput as ApiOutput, ConciergeRequest as ApiRequest } from "../bitex/jsonapi.js";
import { BatchError } from "../errors.js";
import type { Plan, PlannedRequest, ValidRow } from "../model.js";
import { foldJournal, type JournalEntry, type JournalState, JournalWriter, readJournal } from "./journal.js";
import { matchOutputs, type ServerOutput } from "./reconcile.js";

export type SubmitApi = Pick<
  BitexClient,
  "findRequestsByExternalId" | "createRequest" | "createOutput" | "listOutputs"
>;

export type RowOutcome =
  | { status: "created"; requestId: string; outputId: string; state: string; at: string }
  | { status: "failed"; requestId: string; code: string; error: string; at: string }
  | { status: "pending"; requestId: string; code: string; error: string };

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
  /** Called at fixed points of the run; the crash tests kill the process there. */
  checkpoint?: (point: "requests-ready" | "outputs-done") => void;
}

export interface SubmitResult {
  outcomes: Map<number, RowOutcome>;
  /** Why the run stopped before every row was settled (exit 3, or 2 for a refused key). */
  stopped: BatchError | null;
}

const now = () => new Date().toISOString();

function toServerOutput(output: ApiOutput): ServerOutput {
  return {
    id: output.id,
    recipientUserId: output.user_id ?? "",
    portCode: output.port_code,
    withdrawalInstructionId: output.withdrawal_instruction_id ?? "",
    amount: output.amount,
    budget: output.budget,
  };
}

/** Errors that mean "stop the run, resume later" rather than "this row failed". */
function stopFor(error: unknown): BatchError {
  if (error instanceof BatchError) return error;
  if (error instanceof ApiError && error.kind === "unauthorized") {
    return new BatchError("auth", "the API refused the key (401 Invalid Api Key)", {
      hint: "check BITEX_API_KEY and --api-url",
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new BatchError("unreachable", `the API could not be reached: ${detail}`, {
    hint: "run the same command again to resume; nothing will be paid twice",
    cause: error,
  });
}

/** A definite refusal of this row (the server did nothing), as opposed to a stop or an unknown outcome. */
function isRowRejection(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.kind === "not_found" || error.kind === "validation");
}

class Run {
  readonly outcomes = new Map<number, RowOutcome>();
  private readonly accounted = new Map<string, Set<string>>(); // request id → output ids journaled
  private stopped: BatchError | null = null;

  constructor(
    private readonly options: SubmitOptions,
    private readonly journal: JournalWriter,
    private readonly past: JournalState,
  ) {
    for (const [line, record] of past.rows) {
      if (record.status === "created") {
        this.outcomes.set(line, record);
        this.account(record.requestId, record.outputId);
      }
    }
  }

  get stopReason(): BatchError | null {
    return this.stopped ?? (this.options.signal.aborted ? interrupted() : null);
  }

  private get halted(): boolean {
    return this.stopped !== null || this.options.signal.aborted;
  }

  private stop(error: unknown): void {
    this.stopped ??= stopFor(error);
  }

  private account(requestId: string, outputId: string): void {
    const set = this.accounted.get(requestId) ?? new Set<string>();
    this.accounted.set(requestId, set.add(outputId));
  }

  private async record(entry: JournalEntry): Promise<void> {
    await this.journal.append(entry);
  }

  private async settle(
    line: number,
    outcome: RowOutcome & { status: "created" | "failed" },
    via: "response" | "reconciled" = "response",
  ): Promise<void> {
    if (outcome.status === "created") {
      this.account(outcome.requestId, outcome.outputId);
      await this.record({
        t: "created",
        line,
        output_id: outcome.outputId,
        state: outcome.state,
        via,
        at: outcome.at,
      });
    } else {
      await this.record({ t: "failed", line, code: outcome.code, error: outcome.error, at: outcome.at });
    }
    this.outcomes.set(line, outcome);
    this.options.onRowDone?.(line, outcome);
  }

  /** The request of a group: from the journal, else found by external_id, else created. */
  async ensureRequest(
    planned: PlannedRequest,
  ): Promise<{ request: ApiRequest | null; known: boolean; id: string } | null> {
    const fromJournal = this.past.requests.get(planned.key);
    if (fromJournal) return { request: null, known: true, id: fromJournal.requestId };
    for (let attempt = 0; attempt < 3 && !this.halted; attempt++) {
      try {
        const found = await this.options.api.findRequestsByExternalId(planned.externalId);
        const existing = found.sort((a, b) => Number(a.id) - Number(b.id))[0];
        if (existing) {
          if (found.length > 1)
            this.options.say(
              `warning: ${found.length} requests carry external_id ${planned.externalId}; using ${existing.id}`,
            );
          await this.recordRequest(planned, existing);
          return { request: existing, known: true, id: existing.id };
        }
        const created = await this.options.api.createRequest({
          portCode: planned.senderPort,
          externalId: planned.externalId,
          payerUserId: planned.payerUserId || undefined,
        });
        await this.recordRequest(planned, created);
        return { request: created, known: false, id: created.id };
      } catch (error) {
        if (error instanceof ApiError && error.sent === "maybe") continue; // look it up again
        if (isRowRejection(error)) {
          await this.failGroup(planned, error);
          return null;
        }
        this.stop(error);
      }
    }
    if (!this.halted) this.stop(new Error(`creating the request for ${planned.key} kept failing`));
    return null;
  }

  private async recordRequest(planned: PlannedRequest, request: ApiRequest): Promise<void> {
    await this.record({
      t: "request",
      key: planned.key,
      external_id: planned.externalId,
      request_id: request.id,
      state: request.state,
      at: now(),
    });
  }

  private async failGroup(planned: PlannedRequest, error: ApiError): Promise<void> {
    for (const row of planned.rows) {
      await this.settle(row.line, {
        status: "failed",
        requestId: "",
        code: error.code,
        error: error.detail,
        at: now(),
      });
    }
  }

  /**
   * Lists the request's outputs, refreshes the state of rows already created, and matches
   * the rest. Returns the rows still missing on the server, or null if the listing failed.
   */
  async reconcile(requestId: string, rows: readonly ValidRow[]): Promise<ValidRow[] | null> {
    let outputs: ApiOutput[];
    try {
      outputs = await this.options.api.listOutputs(requestId);
    } catch (error) {
      this.stop(error);
      return null;
    }
    const byId = new Map(outputs.map((output) => [output.id, output]));
    for (const [line, outcome] of this.outcomes) {
      const fresh =
        outcome.status === "created" && outcome.requestId === requestId
          ? byId.get(outcome.outputId)
          : undefined;
      if (fresh && outcome.status === "created") this.outcomes.set(line, { ...outcome, state: fresh.state });
    }
    // Rows settled in this run (created or failed) are out; rows that failed in an earlier
    // run are open again: a refused create paid nothing, so trying it again is safe.
    const open = rows.filter((row) => !this.outcomes.has(row.line));
    const result = matchOutputs(
      open,
      outputs.map(toServerOutput),
      this.accounted.get(requestId) ?? new Set(),
    );
    for (const [line, outputId] of result.matched) {
      const output = byId.get(outputId) as ApiOutput;
      await this.settle(
        line,
        { status: "created", requestId, outputId, state: output.state, at: now() },
        "reconciled",
      );
    }
    if (result.strangers.length > 0) {
      this.options.say(
        `note: request ${requestId} has ${result.strangers.length} output(s) that match no row of this file`,
      );
    }
    return result.missing;
  }

  /** Creates one output. Returns true when its outcome is unknown and needs reconciling. */
  async send(requestId: string, row: ValidRow): Promise<boolean> {
    if (this.halted) return false;
    await this.record({ t: "intent", line: row.line, request_id: requestId, at: now() });
    try {
      const output = await this.options.api.createOutput({
        requestId,
        portCode: row.port,
        amount: row.amount ?? undefined,
        budget: row.budget ?? undefined,
        recipientUserId: row.recipientUserId,
        withdrawalInstructionId: row.withdrawalInstructionId,
      });
      await this.settle(row.line, {
        status: "created",
        requestId,
        outputId: output.id,
        state: output.state,
        at: now(),
      });
      return false;
    } catch (error) {
      if (isRowRejection(error)) {
        await this.settle(row.line, {
          status: "failed",
          requestId,
          code: error.code,
          error: error.detail,
          at: now(),
        });
        return false;
      }
      if (error instanceof ApiError && error.sent === "maybe") {
        await this.record({ t: "ambiguous", line: row.line, code: error.code, at: now() });
        return true;
      }
      this.stop(error);
      return false;
    }
  }

  async run(): Promise<void> {
    const { plan, concurrency } = this.options;
    const limit = pLimit(concurrency);
    // Requests first: a handful of calls, one per sender.
    const work: Array<{ requestId: string; planned: PlannedRequest; missing: ValidRow[] }> = [];
    const ensured = await Promise.all(
      plan.requests.map((planned) => limit(() => this.ensureRequest(planned))),
    );
    for (const [index, planned] of plan.requests.entries()) {
      const request = ensured[index];
      if (!request || this.halted) continue;
      // Anything the journal does not show as created may exist on the server if this batch
      // ran before (the request was known) or a create was cut off mid-way.
      const open = planned.rows.filter((row) => this.outcomes.get(row.line)?.status !== "created");
      const missing = request.known ? await this.reconcile(request.id, planned.rows) : open;
      if (missing === null) continue;
      work.push({ requestId: request.id, planned, missing });
    }
    this.options.checkpoint?.("requests-ready");
    const maxRounds = this.options.maxRounds ?? 6;
    for (let round = 1; work.some((item) => item.missing.length > 0) && !this.halted; round++) {
      if (round > maxRounds) {
        this.stop(new Error(`some creates still had no clear outcome after ${maxRounds} rounds`));
        break;
      }
      await Promise.all(
        work.map(async (item) => {
          const unclear = await Promise.all(
            item.missing.map((row) => limit(() => this.send(item.requestId, row))),
          );
          const toCheck = item.missing.filter((_, i) => unclear[i]);
          item.missing = [];
          if (toCheck.length > 0) {
            // Every create of this request has returned, so the listing cannot race one.
            item.missing =
              (await this.reconcile(item.requestId, item.planned.rows))?.filter((row) =>
                toCheck.some((checked) => checked.line === row.line),
              ) ?? [];
          }
        }),
      );
    }
  }

  pendingFor(row: ValidRow): RowOutcome {
    const known = this.past.rows.get(row.line);
    return {
      status: "pending",
      requestId: known?.requestId ?? "",
      code: this.stopped?.code === "auth" ? "api_unauthorized" : "not_finished",
      error: "not finished; run the same command again to resume",
    };
  }
}

function interrupted(): BatchError {
  return new BatchError("interrupted", "stopped by a signal before every row was sent", {
    hint: "run the same command again to resume; nothing will be paid twice",
  });
}

export async function submitPlan(options: SubmitOptions): Promise<SubmitResult> {
  const past = foldJournal(await readJournal(options.journalPath));
  if (past.begin && past.begin.fingerprint !== options.plan.fingerprint) {
    throw new BatchError(
      "input",
      `${options.fileLabel}: the journal of batch ${options.plan.batchId} was written for different rows`,
      {
        hint: "the file changed since that batch started; pass a new --batch-id to start a new batch",
      },
    );
  }
  const journal = await JournalWriter.open(options.journalPath);
  const run = new Run(options, journal, past);
  try {
    if (!past.begin) {
      const rows = options.plan.requests.reduce((sum, request) => sum + request.rows.length, 0);
      await journal.append({
        t: "begin",
        v: 1,
        batch_id: options.plan.batchId,
        fingerprint: options.plan.fingerprint,
        api: options.apiLabel,
        file: options.fileLabel,
        rows,
        at: now(),
      });
    }
    await run.run();
    options.checkpoint?.("outputs-done");
    const stopped = run.stopReason;
    for (const request of options.plan.requests) {
      for (const row of request.rows)
        if (!run.outcomes.has(row.line)) run.outcomes.set(row.line, run.pendingFor(row));
    }
    await journal.append({ t: "end", outcome: stopped ? "stopped" : "finished", at: now() });
    return { outcomes: run.outcomes, stopped };
  } finally {
    await journal.close();
  }
}
