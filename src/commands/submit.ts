/** `submit <csv>`: validate, plan, create requests and outputs exactly once, write the report. */
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { ApiError } from "../bitex/errors.js";
import { diskFailure, isDiskFailure } from "../disk.js";
import { BatchError, EXIT, exitCodeFor } from "../errors.js";
import type { Plan, ValidRow } from "../model.js";
import { plan } from "../plan/plan.js";
import type { ReportFormat } from "../report/dialect.js";
import { reportRows } from "../report/rows.js";
import { earlierBatches, journalPathFor, paidWords, paymentsDigest } from "../submit/batches.js";
import { submitPlan } from "../submit/engine.js";
import { foldJournal, readJournal } from "../submit/journal.js";
import { acquireLock, type Lock } from "../submit/lock.js";
import type { SettlePolicy } from "../submit/policy.js";
import { checkCallLimits, connect, resolveApi } from "./connect.js";
import { type Console, reportCommandOutput } from "./console.js";
import { finish, refuseFewerFacts } from "./finish.js";
import { type FollowArgs, followPlan, followThrough, type Step } from "./follow.js";
import { type Loaded, loadBatch, validationReportPath } from "./load.js";
import { Problems } from "./problems.js";
import { startProgress } from "./progress.js";
import { crashHook, resumeHint, watchSignals, withRerun } from "./signals.js";

export interface SubmitArgs extends FollowArgs {
  reportFormat: ReportFormat;
  stateDir: string;
  json: boolean;
  quiet: boolean;
  dryRun: boolean;
  skipInvalid: boolean;
  /** How far to take the batch (DESIGN.md section 12); default "created". */
  until: Until;
}

/**
 * The embedded emulator's clock with --sandbox: 2 emulated minutes a second, so the slow
 * quote (30 min) comes in 15 s and the demo reaches final states in well under a minute,
 * while a quote's 10-minute acceptance window still lasts 5 s: at 5 calls a second the run
 * needs about 2 s from the last quote to the last accept.
 */
const SANDBOX_TIME_SCALE = 120;

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
function settleFromEnv(): Partial<SettlePolicy> | undefined {
  const text = process.env.BITEX_BATCH_SETTLE_MS;
  if (text === undefined || text === "") return undefined;
  if (!/^\d+$/.test(text)) {
    throw new BatchError(
      "usage",
      `BITEX_BATCH_SETTLE_MS expects a whole number of milliseconds, got ${JSON.stringify(text)}`,
    );
  }
  return { lateMs: Number(text) };
}

function checkNumbers(args: SubmitArgs): void {
  checkCallLimits(args);
  settleFromEnv();
}

/**
 * An edited file is a new batch, and so is the same file under another name: refuse to pay
 * it silently while an earlier batch of the state directory has sent rows (created, or sent
 * without an answer) from a file of that name, or holds exactly the same payments.
 */
async function refuseSilentNewBatch(
  args: SubmitArgs,
  stateDir: string,
  loaded: Loaded,
  batchPlan: Plan,
): Promise<void> {
  if (args.batchId !== undefined) return; // an explicit batch id is the operator's decision
  // Resuming this batch: its own journal decides; the scan is only for a batch that is new.
  if (await stat(journalPathFor(stateDir, loaded.batchId)).catch(() => null)) return;
  const earlier = await earlierBatches(stateDir, loaded.batchId);
  const last = earlier.find((batch) => basename(batch.file) === basename(loaded.file));
  if (last) {
    throw new BatchError(
      "input",
      `${loaded.file} changed since batch ${last.batchId} (begun ${last.begunAt}) ${paidWords(last)} from it; sending it as a new batch could pay them again`,
      {
        hint: "put only the rows still to pay in a new file, or pass --batch-id <new id> if this is a new payment run",
      },
    );
  }
  const payments = paymentsDigest(batchPlan);
  const copy = earlier.find((batch) => batch.payments === payments);
  if (copy) {
    throw new BatchError(
      "input",
      `${loaded.file} holds the same payments as batch ${copy.batchId} (file ${copy.file}, begun ${copy.begunAt}), which ${paidWords(copy)}; sending it as a new batch would pay them again`,
      {
        hint: "nothing was sent; if this is a new payment run of the same payments (next month's payroll), pass --batch-id <new id>",
      },
    );
  }
}

/**
 * Nothing reached the API (refused key, nothing listening, not a Bitex API): the batch is
 * not bound to that URL, the journal goes back to how it was, the report is not rewritten,
 * and the error points at --api-url / the key.
 */
async function refusedAtTheDoor(
  stopped: BatchError,
  apiUrl: string,
  journalPath: string,
  journalBefore: number | null,
): Promise<BatchError> {
  if (journalBefore === null) await rm(journalPath, { force: true });
  else await truncate(journalPath, journalBefore);
  // Bitex's edge blocking the call is neither the key nor the URL: its own hint says what to do.
  const blocked = stopped.cause instanceof ApiError && stopped.cause.kind === "blocked";
  const what =
    stopped.code === "auth"
      ? "check BITEX_API_KEY (or BITEX_API_KEY_FILE) is the key of this API"
      : blocked && stopped.hint !== undefined
        ? stopped.hint
        : "check --api-url (or BITEX_API_URL) points at the Bitex API";
  const hint = exitCodeFor(stopped) === EXIT.stopped ? `${what}; then ${resumeHint()}` : what;
  return new BatchError(
    stopped.code,
    `${stopped.message}; nothing reached the API at ${apiUrl}: the journal and the report are as they were`,
    { hint, cause: stopped },
  );
}

/** Where a batch's journal says the run starts: rows created before, and when it began (null: a new batch). */
async function startingPoint(journalPath: string): Promise<{ created: number; begunAt: string } | null> {
  // A journal that cannot be read now is the engine's to report (it reads it again, with words).
  const past = foldJournal(await readJournal(journalPath).catch(() => []));
  if (!past.begin) return null;
  let created = 0;
  for (const row of past.rows.values()) if (row.status === "created") created++;
  return { created, begunAt: past.begin.at };
}

/** What a run holds that a signal's handler must reach: the lock, the connection, a temporary state. */
interface Held {
  lock?: Lock;
  connection?: Awaited<ReturnType<typeof connect>>;
  dropState?: () => void;
}

export async function submitCommand(args: SubmitArgs): Promise<number> {
  checkNumbers(args);
  // --max-total and the waits too are checked before anything is read or sent.
  const follow = followPlan(args, STEPS[args.until ?? "created"]);
  // Refuse a missing key or an insecure URL before reading anything (exit 2, nothing sent).
  const target = args.dryRun ? null : resolveApi(args);
  const out = reportCommandOutput(args, target?.apiKey);
  if (!args.dryRun) {
    out.info(
      args.sandbox
        ? "state directory: a temporary one, removed at the end (the embedded emulator forgets everything too)"
        : `state directory: ${resolve(args.stateDir)} (journal and lock; --state-dir to change)`,
    );
  }
  const stop = new AbortController();
  const held: Held = {};
  const unwatch = watchSignals(out, {
    stop: () => {
      stop.abort();
      held.connection?.client.gate.close();
    },
    drainTimeout: () => held.connection?.client.gate.abort(),
    exitNow: () => {
      held.lock?.releaseSync();
      held.dropState?.();
    },
  });
  try {
    return await submitWatched(args, out, stop.signal, held, follow);
  } finally {
    unwatch();
  }
}

async function submitWatched(
  args: SubmitArgs,
  out: Console,
  signal: AbortSignal,
  held: Held,
  follow: ReturnType<typeof followPlan>,
): Promise<number> {
  const loaded = await loadBatch(args, out);
  if (signal.aborted) {
    throw new BatchError("interrupted", "stopped by a signal while reading the file; nothing was sent", {
      hint: resumeHint(),
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
    await refuseFewerFacts(loaded.reportPath);
    return await finish(out, {
      ...base,
      rows: reportRows(problems.tapChecked(loaded.checked()), { kind: "checked" }, new Date()),
      dryRun: true,
      problems,
    });
  }
  const valid: ValidRow[] = [];
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
    const reportPath = await refuseFewerFacts(loaded.reportPath).then(
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
  const batchPlan = plan(loaded.batchId, valid);
  let lock: Lock;
  try {
    if (args.sandbox) {
      sandboxDir = await mkdtemp(join(tmpdir(), "bitex-batch-sandbox-"));
      stateDir = sandboxDir;
    }
    held.dropState = dropSandboxState;
    await mkdir(join(stateDir, loaded.batchId), { recursive: true, mode: 0o700 });
    lock = await acquireLock(join(stateDir, loaded.batchId, "lock"), (line) => out.warn(line));
    held.lock = lock;
  } catch (error) {
    dropSandboxState();
    if (!isDiskFailure(error)) throw error;
    const path = args.sandbox ? tmpdir() : stateDir;
    throw diskFailure(error, { action: "use the state directory", path, sentAny: false, hint: "" });
  }
  try {
    await refuseSilentNewBatch(args, stateDir, loaded, batchPlan);
    const connection = await connect(args, out, {
      concurrency: args.concurrency,
      rate: args.rate,
      timeScale: SANDBOX_TIME_SCALE,
    });
    held.connection = connection;
    const total = valid.length;
    const journalPath = journalPathFor(stateDir, loaded.batchId);
    // How the journal stood: a run refused at the door puts it back exactly (append-only file).
    const journalBefore = (await stat(journalPath).catch(() => null))?.size ?? null;
    // What the run starts from comes first, before the bar, which starts at the rows already done.
    const already = await startingPoint(journalPath);
    if (!already) {
      out.info(
        `batch ${loaded.batchId}: ${total} row(s) in ${batchPlan.requests.length} request(s) to ${connection.label}`,
      );
    }
    if (already && already.created >= total) {
      out.info(
        `batch ${loaded.batchId}: all ${total} row(s) already created on ${connection.label} (begun ${already.begunAt}): nothing to send; checking the server`,
      );
    } else if (already) {
      out.info(
        `resuming batch ${loaded.batchId} (begun ${already.begunAt}): ${already.created} of ${total} row(s) already created on ${connection.label}`,
      );
    }
    const progress = startProgress(out, total, "submit", already?.created ?? 0);
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
        say: (line) => out.info(line),
        onRowDone: () => progress.tick(),
        checkpoint: crashHook(),
        settle: settleFromEnv(),
      });
    } finally {
      progress.stop();
    }
    const { outcomes, stopped, resumed } = result;
    // Refused at the door: the key, nothing listening, no Bitex API there (a signal is not that).
    const door = ["auth", "unreachable", "usage"];
    if (stopped && door.includes(stopped.code) && !connection.reach.answered && !connection.reach.wrote) {
      throw await refusedAtTheDoor(stopped, connection.apiUrl, journalPath, journalBefore);
    }
    const allFound = [...outcomes.values()].every((outcome) => outcome.status === "created");
    if (!stopped && !resumed && !connection.reach.wrote && allFound && total > 0) {
      // No journal here (another state directory, another machine), but the server has them all.
      out.warn(
        `all ${total} row(s) of batch ${loaded.batchId} were already created on the server (found by their external ids): nothing was sent`,
      );
    }
    if (resumed && resumed.created === total) {
      out.warn(
        `batch ${loaded.batchId} was already paid (begun ${resumed.begunAt}): nothing new was sent. ` +
          "For a new payment run of the same file, pass --batch-id <new id>.",
      );
    }
    const rows = reportRows(
      problems.tapChecked(loaded.checked()),
      { kind: "submitted", outcomes },
      new Date(),
    );
    let created: number = EXIT.stopped;
    try {
      created = await finish(out, {
        ...base,
        rows,
        problems,
        stoppedExit: stopped ? exitCodeFor(stopped) : undefined,
      });
    } catch (error) {
      if (!isDiskFailure(error)) throw error;
      const failure = diskFailure(error, {
        action: "write the report",
        path: loaded.reportPath,
        sentAny: true,
        hint: resumeHint(),
      });
      if (!stopped) throw failure;
      out.warn(`bitex-batch: ${failure.message}`);
    }
    if (stopped) throw withRerun(stopped);
    const allCreated = [...outcomes.values()].every((outcome) => outcome.status === "created");
    if (follow.steps.length === 0 || !(allCreated || args.allowPartial)) {
      if (created === EXIT.ok)
        out.summary([`nobody is paid yet: the requests are drafts. next: bitex-batch quote ${args.csv}`]);
      return created;
    }
    const batch = { loaded, plan: batchPlan, journalPath, past: foldJournal(await readJournal(journalPath)) };
    return await followThrough({ command: "submit", args, batch, out, connection, signal }, follow);
  } finally {
    await held.connection?.close();
    await lock.release();
    dropSandboxState();
  }
}
