/**
 * Submit one file: validate, plan, create requests and outputs exactly once, write the
 * report, and go on through the cycle as far as `--until` asks. A use case: options and a
 * session in, an outcome out; two files submitted in one process share nothing.
 */
import { rmSync } from "node:fs";
import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { apiReportPath, batchDirName } from "../batch/batch-dir.js";
import { refuseNewBatchOfOldPayments, refuseResumeOverLaterBatch } from "../batch/history.js";
import { keepInputCopy } from "../batch/input-copy.js";
import { foundRequests, readJournalState } from "../batch/journal.js";
import { acquireLock, type Lock } from "../batch/lock.js";
import {
  batchDirFor,
  inputCopyPath,
  journalPathFor,
  lockPathFor,
  SANDBOX_STATE_PREFIX,
} from "../batch/paths.js";
import { recordReport } from "../batch/report-owner.js";
import { removeDeadSandboxStates } from "../batch/sandbox-state.js";
import { diskFailure, isDiskFailure, makeDirectories, removeIfEmpty, reportFailure } from "../disk.js";
import { BatchError, EXIT, exitCodeFor } from "../errors.js";
import type { ValidRow } from "../model.js";
import { plan } from "../plan/plan.js";
import { remainingPath } from "../report/remaining.js";
import { reportRows } from "../report/rows.js";
import { rowFlags } from "../shell-words.js";
import { submitPlan } from "../submit/engine.js";
import { DEFAULT_SETTLE, type SettlePolicy } from "../submit/policy.js";
import { humanTime } from "../time.js";
import type { ReportFormat } from "../writers/dialect.js";
import { withOwnReport } from "./batch.js";
import { checkCallLimits, connect, resolveApi } from "./connect.js";
import { finish, refuseFewerFacts } from "./finish.js";
import { type FollowArgs, type FollowPlan, followPlan, followThrough, type Step } from "./follow.js";
import { contentIdOf, loadBatch, validationReportPath } from "./load.js";
import { readOnlyFailure } from "./online.js";
import { dryRunPayees } from "./payees.js";
import { planLines, planOfRows, sandboxGoneLine } from "./plan-words.js";
import { Problems } from "./problems.js";
import {
  anyInvalid,
  begunElsewhereWords,
  invalidKeptLine,
  remainingFileOf,
  writeRemainingFile,
} from "./remaining.js";
import { movedFile } from "./remaining-home.js";
import { type Outcome, outcomeOf, type Session } from "./session.js";
import { stopFor, withRerun } from "./stop.js";
import {
  differingNext,
  journalAccepts,
  journalCancelled,
  journalStage,
  readUnread,
  refusedWords,
  stageWords,
  withReadStates,
} from "./submit-stage.js";
import {
  admitNewBatch,
  payeesAtStart,
  refusedAtTheDoor,
  refuseOwnerWrittenTwoWays,
  startingPoint,
} from "./submit-start.js";

export interface SubmitArgs extends FollowArgs {
  reportFormat: ReportFormat;
  stateDir: string;
  json: boolean;
  quiet: boolean;
  dryRun: boolean;
  skipInvalid: boolean;
  /** How far to take the batch (docs/design.md section 12); default "created". */
  until: Until;
  /**
   * The inbox's --month-in-name: a file whose name carries a month is not refused as a copy
   * or near copy of an earlier batch whose file names another month (near-copy.ts).
   */
  monthInName?: boolean;
}

/**
 * The embedded emulator's clock with --sandbox: 1 emulated minute a second, so the slow
 * quote (30 min) comes in 30 s and the demo reaches final states in about a minute, while a
 * quote's 10-minute acceptance window lasts 10 s. The emulator lists 10 items a page, as
 * Bitex's own list code does, so the reads between the last quote and the last accept (quote
 * gate, guard, fresh totals) take a few seconds at 5 calls a second: at 120 times real time
 * (a 5 s window) the demo's slow quote lapsed before it was accepted.
 */
const SANDBOX_TIME_SCALE = 60;

export type Until = "created" | "quoted" | "accepted" | "final";

const STEPS: Record<Until, Step[]> = {
  created: [],
  quoted: ["quote"],
  accepted: ["quote", "accept"],
  final: ["quote", "accept", "watch"],
};

/**
 * For tests against the emulator only: BITEX_BATCH_SETTLE_MS shortens how long a create
 * without a clear outcome may still land (default 30 s; see README, exactly once).
 */
function settleFromEnv(env: NodeJS.ProcessEnv): Partial<SettlePolicy> | undefined {
  const text = env.BITEX_BATCH_SETTLE_MS;
  if (text === undefined || text === "") return undefined;
  if (!/^\d+$/.test(text)) {
    throw new BatchError(
      "usage",
      `BITEX_BATCH_SETTLE_MS expects a whole number of milliseconds, got ${JSON.stringify(text)}`,
    );
  }
  return { lateMs: Number(text) };
}

/** What `submit` needs settled before any work: every option checked (exit 2, nothing read or sent). */
export interface SubmitPlan {
  follow: FollowPlan;
  settle: Partial<SettlePolicy> | undefined;
}

/** Every option checked before anything is read or sent; `env` for the settle delay of emulator tests. */
export function prepareSubmit(args: SubmitArgs, env: NodeJS.ProcessEnv): SubmitPlan {
  checkCallLimits(args);
  const settle = settleFromEnv(env);
  // --max-total and the waits too are checked before anything is read or sent.
  return { settle, follow: followPlan(args, STEPS[args.until ?? "created"]) };
}

/** What a run holds that a signal's handler must reach: the lock, the connection, a temporary state. */
interface Held {
  lock?: Lock;
  /** The new-batch lock, while a new batch checks earlier ones and journals its begin. */
  admission?: Lock;
  connection?: Awaited<ReturnType<typeof connect>>;
  dropState?: () => void;
}

/** Submits one file (`prepared`: from prepareSubmit); the outcome's exit code is the command's. */
export function submitFile(args: SubmitArgs, prepared: SubmitPlan, session: Session): Promise<Outcome> {
  return outcomeOf(session.out, (out) => submitArmed(args, prepared, { ...session, out }));
}

async function submitArmed(args: SubmitArgs, prepared: SubmitPlan, session: Session): Promise<number> {
  const { out } = session;
  if (!args.dryRun) {
    out.info(
      args.sandbox
        ? "state directory: a temporary one, removed at the end (the embedded emulator forgets everything too)"
        : `state directory: ${resolve(args.stateDir)} (journal and lock; --state-dir to change)`,
    );
  }
  const held: Held = {};
  const forget = session.stops.hold({
    stop: () => held.connection?.client.gate.close(),
    drainTimeout: () => held.connection?.client.gate.abort(),
    exitNow: () => {
      held.lock?.releaseSync();
      held.admission?.releaseSync();
      held.dropState?.();
    },
  });
  const disarm = session.stops.arm();
  try {
    return await submitWatched(args, prepared, session, held);
  } finally {
    disarm();
    forget();
  }
}

async function submitWatched(
  args: SubmitArgs,
  prepared: SubmitPlan,
  session: Session,
  held: Held,
): Promise<number> {
  const { out } = session;
  const signal = session.stops.signal;
  const follow = prepared.follow;
  let loaded = await loadBatch(args, out);
  // Batches are per API: the same batch id on another API has its own journal and report.
  const apiUrl = args.dryRun || args.sandbox ? null : (resolveApi(args)?.url ?? null);
  const dirName = await batchDirName(args.stateDir, loaded.batchId, apiUrl);
  if (apiUrl && dirName !== loaded.batchId && args.report === undefined)
    loaded = { ...loaded, reportPath: apiReportPath(loaded.file, apiUrl, args.reportFormat === "xlsx") };
  // A --sandbox run's batch is the emulator's, never one of the state directory's (a batch of
  // the same file on the real API holds the default report it would otherwise write over).
  if (args.report === undefined)
    loaded = args.sandbox
      ? await withOwnReport(loaded, args.stateDir, "sandbox", out, null)
      : await withOwnReport(loaded, args.stateDir, dirName, out);
  if (signal.aborted) {
    throw new BatchError("interrupted", "stopped by a signal while reading the file; nothing was sent", {
      hint: session.resumeHint,
    });
  }
  const base = {
    command: "submit" as const,
    file: loaded.file,
    batchId: loaded.batchId,
    reportPath: loaded.reportPath,
    format: args.reportFormat,
    extraColumns: loaded.extraColumns,
  };
  // A payroll with a header and no rows is the wrong file, or an export that went wrong.
  if (loaded.rowCount === 0) {
    throw new BatchError("input", `${loaded.file}: no payment rows after the header; nothing to submit`, {
      hint: "check that this is the right file (bitex-batch template shows the expected layout)",
    });
  }
  const problems = new Problems();
  if (args.dryRun) {
    await refuseFewerFacts(loaded.reportPath, args.csv, rowFlags(args));
    // Rows by payee details are resolved against Bitex, read-only; a file by ids sends nothing.
    const { rows, payees } = await dryRunPayees(
      () => loaded.checked(),
      async () => {
        const connection = await connect(args, out, { concurrency: 2, rate: 5 });
        held.connection = connection;
        return connection;
      },
      out,
      args.allowDuplicates,
    ).catch((error) => {
      throw error instanceof BatchError ? error : readOnlyFailure(error);
    });
    const exitCode = await finish(out, {
      ...base,
      rows: reportRows(problems.tapChecked(rows()), { kind: "checked" }, new Date()),
      dryRun: true,
      ...(payees ? { payees } : {}),
      problems,
    });
    // What a submit would send (rows resolution refused left out): without it, --dry-run
    // reads exactly like validate.
    const requests = planOfRows(rows());
    out.summary(planLines(requests));
    out.json({
      plan: requests.map((r) => ({ payer_user_id: r.payer, sender_port: r.senderPort, rows: r.rows })),
    });
    return exitCode;
  }
  let valid: ValidRow[] = [];
  for (const item of loaded.checked()) if (item.ok) valid.push(item.row);
  const invalidCount = loaded.rowCount - valid.length;
  if (invalidCount > 0 && !args.skipInvalid) {
    out.warn(
      `${invalidCount} invalid row(s): nothing sent (fix them, or pass --skip-invalid to send the valid rows)`,
    );
    const rows = reportRows(
      problems.tapChecked(loaded.checked()),
      { kind: "blocked", invalidCount },
      new Date(),
    );
    // A report of created rows stays: this one, of rows not sent, goes beside it.
    const reportPath = await refuseFewerFacts(loaded.reportPath, args.csv, rowFlags(args)).then(
      () => loaded.reportPath,
      () => validationReportPath(loaded.file, args.reportFormat),
    );
    if (reportPath !== loaded.reportPath)
      out.warn(`${loaded.reportPath} holds rows created on the server and stays; this report: ${reportPath}`);
    return await finish(out, { ...base, reportPath, rows, problems });
  }

  // The embedded emulator's world ends with this process, so its journal must not outlive
  // it: a later --sandbox run would try to resume against a server that forgot everything.
  let stateDir = args.stateDir;
  let sandboxDir: string | undefined;
  const dropSandboxState = () =>
    sandboxDir !== undefined && rmSync(sandboxDir, { recursive: true, force: true });
  let lock: Lock;
  try {
    if (args.sandbox) {
      const left = await removeDeadSandboxStates(tmpdir());
      if (left.length > 0)
        out.info(`removed ${left.length} state folder(s) that killed --sandbox runs left in ${tmpdir()}`);
      sandboxDir = await mkdtemp(join(tmpdir(), SANDBOX_STATE_PREFIX));
      stateDir = sandboxDir;
    }
    held.dropState = dropSandboxState;
    await makeDirectories(batchDirFor(stateDir, dirName));
    lock = await acquireLock(lockPathFor(stateDir, dirName), (line) => out.warn(line));
    held.lock = lock;
  } catch (error) {
    dropSandboxState();
    if (!isDiskFailure(error)) throw error;
    const path = args.sandbox ? tmpdir() : stateDir;
    throw diskFailure(error, { action: "use the state directory", path, sentAny: false, hint: "" });
  }
  try {
    const connection = await connect(args, out, {
      concurrency: args.concurrency,
      rate: args.rate,
      timeScale: SANDBOX_TIME_SCALE,
    });
    held.connection = connection;
    const journalPath = journalPathFor(stateDir, dirName);
    // How the journal stood: a run refused at the door puts it back exactly (append-only file).
    const journalBefore = (await stat(journalPath).catch(() => null))?.size ?? null;
    // Rows by payee details: each payee found or created once, then planned with its ids.
    ({ loaded, valid } = await payeesAtStart({
      loaded,
      valid,
      api: connection.client,
      journalPath,
      settleMs: prepared.settle?.lateMs ?? DEFAULT_SETTLE.lateMs,
      concurrency: args.concurrency,
      signal,
      say: (line) => out.info(line),
      checkpoint: session.checkpoint,
      resumeHint: session.resumeHint,
      allowDuplicates: args.allowDuplicates,
    }));
    const batchPlan = plan(loaded.batchId, valid);
    // What the run starts from (this batch's lock is held: the journal stays as read).
    const already = await startingPoint(journalPath, batchPlan);
    if (!already && !args.allowDuplicates)
      await refuseOwnerWrittenTwoWays(loaded.file, valid, connection.client, session.resumeHint);
    // A new batch is checked against the others and begun while no other new batch is.
    if (!args.sandbox && !already)
      held.admission = await admitNewBatch(stateDir, (line) => out.warn(line), signal);
    const admitted = async () => {
      await held.admission?.release();
      held.admission = undefined;
    };
    // An explicit batch id is the operator's decision; otherwise an edited file, the same
    // payments under another name, or a near copy is refused while an earlier batch of the
    // same API may have paid them. The embedded emulator's batches die with their state dir.
    if (args.batchId === undefined && apiUrl !== null && !already)
      await refuseNewBatchOfOldPayments(stateDir, {
        batchId: loaded.batchId,
        dir: dirName,
        file: loaded.file,
        plan: batchPlan,
        apiUrl,
        // The earlier batch's remaining file, which `status` of this file writes.
        remainingFileOf: (journalPath, batchId) =>
          remainingFileOf({ csv: loaded.file, journalPath, batchId }),
        monthInName: args.monthInName === true,
        zone: out.zone,
        flags: rowFlags(args),
        inbox: args.inboxRun
          ? { whereIs: async (file, batchId) => (await movedFile(file, batchId).catch(() => null)) ?? file }
          : undefined,
      });
    // So is a batch resumed to send rows that a batch begun after it holds, named or not.
    else if (already && apiUrl !== null)
      await refuseResumeOverLaterBatch(stateDir, {
        batchId: loaded.batchId,
        file: loaded.file,
        plan: batchPlan,
        apiUrl,
        journalPath,
        zone: out.zone,
        open: "unsent",
        flags: rowFlags(args),
      });
    const total = valid.length;
    // What the run starts from comes first, before the bar, which starts at the rows already done.
    if (!already) {
      out.info(
        `batch ${loaded.batchId}: ${total} row(s) in ${batchPlan.requests.length} request(s) to ${connection.label}`,
      );
    }
    if (already && already.created >= total) {
      out.info(
        `batch ${loaded.batchId}: all ${total} row(s) already created on ${connection.label} (begun ${humanTime(already.begunAt, out.zone)}): nothing to send; checking the server`,
      );
    } else if (already) {
      out.info(
        `resuming batch ${loaded.batchId} (begun ${humanTime(already.begunAt, out.zone)}): ${already.created} of ${total} row(s) already created on ${connection.label}`,
      );
    }
    const sameBytes = async (copy: string) =>
      (await contentIdOf(copy, basename(loaded.file))) === loaded.contentId;
    // Standard input can be read only once: no copy of it (quote, accept, status need the file).
    const copied =
      loaded.file === "-"
        ? null
        : await keepInputCopy(loaded.file, stateDir, dirName, sameBytes).catch((error: unknown) => {
            if (!isDiskFailure(error)) throw error;
            throw diskFailure(error, {
              action: "keep a copy of the input",
              path: stateDir,
              sentAny: already !== null,
              hint: session.resumeHint,
            });
          });
    if (copied === "changed")
      out.warn(
        `${loaded.file} changed while it was read; its copy for the batch was not kept (quote, accept and status need the file unchanged)`,
      );
    // The remaining file is cut from the bytes this batch read, as quote, accept and status
    // cut it: the input may be replaced while the batch runs (a drop folder's file exported
    // again under its name), and its lines would then be other rows.
    const copy = inputCopyPath(stateDir, dirName);
    if (copied === "made" || (copied === "kept" && (await sameBytes(copy))))
      loaded = { ...loaded, source: copy };
    const progress = session.progress?.(total, "submit", already?.created ?? 0) ?? { tick() {}, stop() {} };
    let result: Awaited<ReturnType<typeof submitPlan>>;
    try {
      result = await submitPlan({
        plan: batchPlan,
        journalPath,
        fileLabel: loaded.file,
        apiLabel: connection.apiUrl,
        api: connection.client,
        concurrency: args.concurrency,
        signal,
        stopFor,
        say: (line) => out.info(line),
        onRowDone: () => progress.tick(),
        checkpoint: session.checkpoint,
        settle: prepared.settle,
        begun: admitted,
      });
    } finally {
      progress.stop();
      await admitted();
    }
    const { outcomes, stopped, resumed } = result;
    // Refused at the door: the key, nothing listening, no Bitex API there (a signal is not that).
    const door = ["auth", "unreachable", "usage"];
    if (stopped && door.includes(stopped.code) && !connection.reach.answered && !connection.reach.wrote) {
      throw await refusedAtTheDoor(
        stopped,
        connection.apiUrl,
        journalPath,
        journalBefore,
        session.resumeHint,
      );
    }
    const allCreated = [...outcomes.values()].every((outcome) => outcome.status === "created");
    if (!stopped && !resumed && !connection.reach.wrote && allCreated && total > 0) {
      // No journal here (another state directory, another machine), but the server has them all.
      out.warn(
        `all ${total} row(s) of batch ${loaded.batchId} were already created on the server (found by their external ids): nothing was sent`,
      );
    }
    if (resumed && resumed.created === total) {
      // Created is not paid: how far the batch went is said below, from the journal's steps.
      out.warn(
        `all ${total} row(s) of batch ${loaded.batchId} were already created (begun ${humanTime(resumed.begunAt, out.zone)}): nothing new was sent`,
      );
    }
    const journaled = await readJournalState(journalPath);
    const refused = [...outcomes.values()].filter((outcome) => outcome.status === "failed").length;
    // Only a batch whose rows are all created has a stage its requests' states decide; so has
    // one whose other rows Bitex refused once it took a money step without them (quote
    // --allow-partial): its requests are quoted or accepted, never "none".
    const hasStage =
      allCreated ||
      (journaled.steps.size > 0 &&
        [...outcomes.values()].every((o) => o.status === "created" || o.status === "failed"));
    const allDone = !stopped && hasStage;
    const past = withReadStates(
      journaled,
      allDone && follow.steps.length === 0
        ? await readUnread(connection.client, journaled, result.requestStates)
        : result.requestStates,
    );
    const stage = journalStage(past, allDone && outcomes.size === total);
    const rows = reportRows(
      problems.tapChecked(loaded.checked()),
      { kind: "submitted", outcomes },
      new Date(),
    );
    const followed = !stopped && follow.steps.length > 0 && (allCreated || args.allowPartial === true);
    let created: number = EXIT.stopped;
    try {
      created = await finish(out, {
        ...base,
        rows,
        problems,
        stoppedExit: stopped ? exitCodeFor(stopped) : undefined,
        stage,
        followed,
      });
      await recordReport(journalPath, loaded.reportPath);
    } catch (error) {
      const failure = reportFailure(error, loaded.reportPath, session.resumeHint);
      // A stop before it (the journal's own failure, a signal, an outage) is what the run
      // ends on: the report's failure is said beside it, never instead of it.
      if (!stopped) throw failure;
      out.warn(`bitex-batch: ${failure.message}`);
    }
    // A batch begun elsewhere (its requests found by external id), or another writer's outputs
    // in its requests, may hold rows this run reads as invalid (other input options): only that
    // run's journal tells, so none is released.
    const found = foundRequests(past);
    const elsewhere = result.foundOnServer || found.length > 0;
    const invalidMayBeSent =
      (elsewhere || stopped?.code === "concurrent_writer") && anyInvalid(loaded.checked());
    if (invalidMayBeSent)
      out.warn(
        invalidKeptLine(
          args.csv,
          elsewhere
            ? begunElsewhereWords(loaded.batchId, found)
            : `another writer's outputs are in batch ${loaded.batchId}'s requests`,
        ),
      );
    const remaining = await writeRemainingFile(out, {
      csv: args.csv,
      source: loaded.source,
      checked: () => loaded.checked(),
      outcomes,
      requestStates: new Map(),
      journalPath,
      invalidMayBeSent,
      batchId: loaded.batchId,
      inboxRun: args.inboxRun,
      flags: rowFlags(args),
      silent: followed,
    });
    if (stopped) throw withRerun(stopped, session.resumeHint);
    if (!followed) {
      const accepts = journalAccepts(past);
      let next: string | null = null;
      // Every row it was to create is created (exit 1 for invalid rows --skip-invalid passed
      // by alone): the stage's words, so no one reads the created rows as paid.
      if (created === EXIT.ok || stage !== "none") {
        // A cancelled request's rows are in the batch's remaining file, which `status` writes.
        const cancelled = journalCancelled(past);
        const file =
          remaining.file ??
          (cancelled.length > 0
            ? await remainingFileOf({
                csv: args.csv,
                journalPath,
                batchId: loaded.batchId,
                inboxRun: args.inboxRun,
              })
            : undefined);
        const words = stageWords(stage, total - refused, args.csv, accepts, rowFlags(args), {
          cancelled,
          remaining: file,
          refused,
        });
        if (words.notice) out.info(words.notice);
        next = words.next;
        // An output Bitex holds otherwise than sent: its request is never quoted (the gate).
        if (stage === "staged")
          next = differingNext(past, args.csv, rowFlags(args), file ?? remainingPath(args.csv)) ?? next;
      } else if (past.steps.size === 0 && accepts.found.length === 0) {
        // Rows Bitex refused and no money step on the batch yet: the other rows sit in draft
        // requests, said so that no one reads them as being paid (with --until, those rows
        // stopped it before any quote, as quote's own gate would).
        const made = [...outcomes.values()].filter((outcome) => outcome.status === "created").length;
        if (refused > 0) {
          const until = follow.steps.length > 0 ? args.until : null;
          const words = refusedWords(
            refused,
            made,
            args.csv,
            remaining.file ?? remainingPath(args.csv),
            until,
            rowFlags(args),
          );
          // With --until it did not do what it was asked: said even with --quiet, as a problem.
          // A plain submit's is the stage's notice (not with --quiet; `stage` in --json).
          if (until === null) out.info(words.notice);
          else out.warn(words.notice);
          next = words.next;
        }
      }
      // The embedded emulator ends with this run: no next step against it.
      if (next)
        out.summary([args.sandbox ? sandboxGoneLine(args.csv, rowFlags(args), args.skipInvalid) : next]);
      return created;
    }
    // The creates' outcomes are in the journal (`past`) now; the follow-through reads the server.
    // Let them go rather than hold every row's a second time while it follows (100k rows: ~20 MB).
    outcomes.clear();
    const batch = { loaded, plan: batchPlan, journalPath, past };
    return await followThrough({ command: "submit", args, batch, out, connection, session }, follow);
  } finally {
    await held.admission?.release();
    await held.connection?.close();
    await lock.release();
    // A batch that never began (refused at the door, or as a copy of paid payments) leaves no folder.
    await removeIfEmpty(batchDirFor(stateDir, dirName));
    dropSandboxState();
  }
}
