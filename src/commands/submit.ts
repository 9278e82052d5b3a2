/** `submit <csv>`: validate, plan, create requests and outputs exactly once, write the report. */
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { diskFailure, isDiskFailure } from "../disk.js";
import { BatchError, EXIT, exitCodeFor } from "../errors.js";
import type { Plan, ValidRow } from "../model.js";
import { plan } from "../plan/plan.js";
import type { ReportFormat } from "../report/dialect.js";
import { reportRows } from "../report/rows.js";
import { earlierBatches, journalPathFor, paidWords, paymentsDigest } from "../submit/batches.js";
import { submitPlan } from "../submit/engine.js";
import { acquireLock, type Lock } from "../submit/lock.js";
import { RESUME_HINT, type SettlePolicy } from "../submit/steer.js";
import { type ApiArgs, connect, resolveApi } from "./connect.js";
import { finish } from "./finish.js";
import { type LoadArgs, type Loaded, loadBatch } from "./load.js";
import { type Output, reportCommandOutput } from "./output.js";
import { startProgress } from "./progress.js";

export interface SubmitArgs extends LoadArgs, ApiArgs {
  reportFormat: ReportFormat;
  stateDir: string;
  json: boolean;
  quiet: boolean;
  concurrency: number;
  rate: number;
  dryRun: boolean;
  skipInvalid: boolean;
}

/** How long calls in flight may take to finish after SIGINT/SIGTERM/SIGHUP before they are cut. */
const DRAIN_MS = 10_000;

/** The signals that stop a run the same way: no new rows, calls in flight finish, report, exit 3. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** The command line of this run, to run it again (the key is never on it: env only). */
function rerunCommand(): string {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);
  return ["bitex-batch", ...process.argv.slice(2)].map(quote).join(" ");
}

const resumeHint = () => `${RESUME_HINT}: ${rerunCommand()}`;

/** A stop that means "run again" (exit 3) ends with the command to run. */
function withRerun(error: BatchError): BatchError {
  if (exitCodeFor(error) !== EXIT.stopped) return error;
  return new BatchError(error.code, error.message, { hint: resumeHint(), cause: error.cause });
}

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
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 64) {
    throw new BatchError(
      "usage",
      `--concurrency expects a whole number from 1 to 64, got ${args.concurrency}`,
    );
  }
  if (!Number.isFinite(args.rate) || args.rate <= 0) {
    throw new BatchError("usage", `--rate expects calls per second above 0, got ${args.rate}`);
  }
  settleFromEnv();
}

interface SignalActions {
  stop(): void;
  drainTimeout(): void;
  /** Synchronous cleanup before exiting at once. */
  exitNow(): void;
}

/**
 * First signal: stop taking rows, let calls in flight finish (bounded). Second: leave now.
 * Installed before the file is read, so that a signal at any moment ends with the report
 * and the command to run again (the actions see what exists by then).
 */
function watchSignals(out: Output, actions: SignalActions): () => void {
  let timer: NodeJS.Timeout | undefined;
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (++count > 1) {
      out.warn(`${signal} again: exiting now; the journal is consistent`);
      out.warn(`  ${resumeHint()}`);
      actions.exitNow();
      process.exit(EXIT.stopped);
    }
    out.warn(
      `${signal}: no new rows; finishing calls in flight, then writing the report (press again to exit now)`,
    );
    actions.stop();
    timer = setTimeout(actions.drainTimeout, DRAIN_MS);
    timer.unref();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return () => {
    clearTimeout(timer);
    for (const signal of STOP_SIGNALS) process.off(signal, handler);
  };
}

/**
 * Fault injection for the crash tests: BITEX_BATCH_CRASH_AT=requests-ready|outputs-done
 * makes the process SIGKILL itself at that point, the way an OOM killer or a power cut would.
 */
function crashHook(): ((point: string) => void) | undefined {
  const at = process.env.BITEX_BATCH_CRASH_AT;
  return at ? (point) => point === at && process.kill(process.pid, "SIGKILL") : undefined;
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

/** What a run holds that a signal's handler must reach: the lock, the connection, a temporary state. */
interface Held {
  lock?: Lock;
  connection?: Awaited<ReturnType<typeof connect>>;
  dropState?: () => void;
}

export async function submitCommand(args: SubmitArgs): Promise<void> {
  checkNumbers(args);
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
    await submitWatched(args, out, stop.signal, held);
  } finally {
    unwatch();
  }
}

async function submitWatched(args: SubmitArgs, out: Output, signal: AbortSignal, held: Held): Promise<void> {
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
  if (args.dryRun) {
    process.exitCode = await finish(out, {
      ...base,
      rows: reportRows(loaded.checked(), { kind: "checked" }, new Date()),
      dryRun: true,
    });
    return;
  }
  const valid: ValidRow[] = [];
  for (const item of loaded.checked()) if (item.ok) valid.push(item.row);
  const invalidCount = loaded.rowCount - valid.length;
  if (invalidCount > 0 && !args.skipInvalid) {
    out.warn(
      `${invalidCount} invalid row(s): nothing sent (fix them, or pass --skip-invalid to send the valid rows)`,
    );
    const rows = reportRows(loaded.checked(), { kind: "blocked", invalidCount }, new Date());
    process.exitCode = await finish(out, { ...base, rows });
    return;
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
    const connection = await connect(args, out, { concurrency: args.concurrency, rate: args.rate });
    held.connection = connection;
    const total = valid.length;
    out.info(
      `batch ${loaded.batchId}: ${total} row(s) in ${batchPlan.requests.length} request(s) to ${connection.label}`,
    );
    const progress = startProgress(out, total, "submit");
    let result: Awaited<ReturnType<typeof submitPlan>>;
    try {
      result = await submitPlan({
        plan: batchPlan,
        journalPath: journalPathFor(stateDir, loaded.batchId),
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
      await connection.close();
    }
    const { outcomes, stopped, resumed } = result;
    if (resumed && resumed.created === total) {
      out.warn(
        `batch ${loaded.batchId} was already paid (begun ${resumed.begunAt}): nothing new was sent. ` +
          "For a new payment run of the same file, pass --batch-id <new id>.",
      );
    } else if (resumed) {
      out.info(
        `resumed batch ${loaded.batchId} (begun ${resumed.begunAt}; ${resumed.created} row(s) were already created)`,
      );
    }
    const rows = reportRows(loaded.checked(), { kind: "submitted", outcomes }, new Date());
    try {
      process.exitCode = await finish(out, {
        ...base,
        rows,
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
  } finally {
    await lock.release();
    dropSandboxState();
  }
}
