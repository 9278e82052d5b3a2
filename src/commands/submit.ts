/** `submit <csv>`: validate, plan, create requests and outputs exactly once, write the report. */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchError, exitCodeFor } from "../errors.js";
import type { ReportFormat } from "../report/dialect.js";
import { buildReportRows } from "../report/rows.js";
import { type RowOutcome, submitPlan } from "../submit/engine.js";
import { acquireLock } from "../submit/lock.js";
import { type ApiArgs, connect, resolveApi } from "./connect.js";
import { finish } from "./finish.js";
import { type LoadArgs, loadBatch } from "./load.js";
import { createOutput, type Output } from "./output.js";
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

/** How long calls in flight may take to finish after SIGINT/SIGTERM before they are cut. */
const DRAIN_MS = 10_000;

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
}

/** First signal: stop taking rows, let calls in flight finish (bounded). Second: leave now. */
function watchSignals(out: Output, onStop: () => void, onDrainTimeout: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count > 1) {
      out.warn(`${signal} again: exiting now; the journal is consistent, run again to resume`);
      process.exit(3);
    }
    out.warn(
      `${signal}: no new rows; finishing calls in flight, then writing the report (press again to exit now)`,
    );
    onStop();
    timer = setTimeout(onDrainTimeout, DRAIN_MS);
    timer.unref();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    clearTimeout(timer);
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
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

export async function submitCommand(args: SubmitArgs): Promise<void> {
  checkNumbers(args);
  if (args.json && args.report === "-")
    throw new BatchError("usage", "--json and --report - both want stdout; pick one");
  // Refuse a missing key or an insecure URL before reading anything (exit 2, nothing sent).
  const target = args.dryRun ? null : resolveApi(args);
  const out = createOutput({
    json: args.json,
    quiet: args.quiet,
    stdoutTaken: args.report === "-",
    secrets: target ? [target.apiKey] : [],
  });
  const loaded = await loadBatch(args, out);
  const base = {
    command: "submit" as const,
    file: loaded.file,
    batchId: loaded.plan.batchId,
    reportPath: loaded.reportPath,
    format: args.reportFormat,
    extraColumns: loaded.extraColumns,
  };
  const now = new Date();
  if (args.dryRun) {
    process.exitCode = await finish(out, {
      ...base,
      rows: buildReportRows(loaded.checked, { kind: "checked" }, now),
      dryRun: true,
    });
    return;
  }
  if (loaded.invalidCount > 0 && !args.skipInvalid) {
    out.warn(
      `${loaded.invalidCount} invalid row(s): nothing sent (fix them, or pass --skip-invalid to send the valid rows)`,
    );
    const rows = buildReportRows(loaded.checked, { kind: "blocked", invalidCount: loaded.invalidCount }, now);
    process.exitCode = await finish(out, { ...base, rows });
    return;
  }

  // The embedded emulator's world ends with this process, so its journal must not outlive
  // it: a later --sandbox run would try to resume against a server that forgot everything.
  const stateDir = args.sandbox ? await mkdtemp(join(tmpdir(), "bitex-batch-sandbox-")) : args.stateDir;
  const batchDir = join(stateDir, loaded.plan.batchId);
  await mkdir(batchDir, { recursive: true, mode: 0o700 });
  const lock = await acquireLock(join(batchDir, "lock"), (line) => out.warn(line));
  try {
    const connection = await connect(args, out, { concurrency: args.concurrency, rate: args.rate });
    const stop = new AbortController();
    const unwatch = watchSignals(
      out,
      () => {
        stop.abort();
        connection.client.gate.close();
      },
      () => connection.client.gate.abort(),
    );
    const total = loaded.valid.length;
    out.info(
      `batch ${loaded.plan.batchId}: ${total} row(s) in ${loaded.plan.requests.length} request(s) to ${connection.label}`,
    );
    const progress = startProgress(out, total, "submit");
    let outcomes: Map<number, RowOutcome>;
    let stopped: BatchError | null;
    try {
      ({ outcomes, stopped } = await submitPlan({
        plan: loaded.plan,
        journalPath: join(batchDir, "journal.jsonl"),
        fileLabel: loaded.file,
        apiLabel: connection.apiUrl,
        api: connection.client,
        concurrency: args.concurrency,
        signal: stop.signal,
        say: (line) => out.info(line),
        onRowDone: () => progress.tick(),
        checkpoint: crashHook(),
      }));
    } finally {
      progress.stop();
      unwatch();
      await connection.close();
    }
    const rows = buildReportRows(loaded.checked, { kind: "submitted", outcomes }, new Date());
    process.exitCode = await finish(out, {
      ...base,
      rows,
      stoppedExit: stopped ? exitCodeFor(stopped) : undefined,
    });
    if (stopped) throw stopped;
  } finally {
    await lock.release();
    if (args.sandbox) await rm(stateDir, { recursive: true, force: true });
  }
}
