/** `submit <csv>`: validate, plan, create requests and outputs exactly once, write the report. */
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchError, EXIT, exitCodeFor } from "../errors.js";
import type { ValidRow } from "../model.js";
import { plan } from "../plan/plan.js";
import type { ReportFormat } from "../report/dialect.js";
import { reportRows } from "../report/rows.js";
import { earlierBatchesOf, journalPathFor } from "../submit/batches.js";
import { submitPlan } from "../submit/engine.js";
import { foldJournal, readJournal } from "../submit/journal.js";
import { acquireLock } from "../submit/lock.js";
import { checkCallLimits, connect, resolveApi } from "./connect.js";
import { finish } from "./finish.js";
import { type FollowArgs, followPlan, followThrough, type Step } from "./follow.js";
import { type Loaded, loadBatch } from "./load.js";
import { reportCommandOutput } from "./output.js";
import { startProgress } from "./progress.js";
import { crashHook, watchSignals } from "./signals.js";

export interface SubmitArgs extends FollowArgs {
  reportFormat: ReportFormat;
  stateDir: string;
  json: boolean;
  quiet: boolean;
  /** How far to take the batch (DESIGN.md section 12); default "created". */
  until: Until;
  concurrency: number;
  rate: number;
  dryRun: boolean;
  skipInvalid: boolean;
}

/** An edited file is a new batch: refuse to pay it again silently while its old batch has payments. */
async function refuseSilentNewBatch(args: SubmitArgs, stateDir: string, loaded: Loaded): Promise<void> {
  if (args.batchId !== undefined) return; // an explicit batch id is the operator's decision
  // Resuming this batch: its own journal decides; the scan is only for a batch that is new.
  if (await stat(journalPathFor(stateDir, loaded.batchId)).catch(() => null)) return;
  const earlier = await earlierBatchesOf(stateDir, loaded.file, loaded.batchId);
  const last = earlier.sort((a, b) => (a.begunAt < b.begunAt ? 1 : -1))[0];
  if (!last) return;
  throw new BatchError(
    "input",
    `${loaded.file} changed since batch ${last.batchId} (begun ${last.begunAt}) paid ${last.created} row(s) from it; sending it as a new batch could pay them again`,
    {
      hint: "put only the rows still to pay in a new file, or pass --batch-id <new id> if this is a new payment run",
    },
  );
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

export async function submitCommand(args: SubmitArgs): Promise<void> {
  checkCallLimits(args);
  // --max-total and the waits are checked before anything is read or sent.
  const follow = followPlan(args, STEPS[args.until ?? "created"]);
  // Refuse a missing key or an insecure URL before reading anything (exit 2, nothing sent).
  const target = args.dryRun ? null : resolveApi(args);
  const out = reportCommandOutput(args, target?.apiKey);
  const loaded = await loadBatch(args, out);
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
  const stateDir = args.sandbox ? await mkdtemp(join(tmpdir(), "bitex-batch-sandbox-")) : args.stateDir;
  const dropSandboxState = () => args.sandbox && rmSync(stateDir, { recursive: true, force: true });
  const batchPlan = plan(loaded.batchId, valid);
  await mkdir(join(stateDir, loaded.batchId), { recursive: true, mode: 0o700 });
  const lock = await acquireLock(join(stateDir, loaded.batchId, "lock"), (line) => out.warn(line));
  const stop = new AbortController();
  let connection: Awaited<ReturnType<typeof connect>> | undefined;
  const unwatch = watchSignals(out, {
    stop: () => {
      stop.abort();
      connection?.client.gate.close();
    },
    drainTimeout: () => connection?.client.gate.abort(),
    exitNow: () => {
      lock.releaseSync();
      dropSandboxState();
    },
  });
  try {
    await refuseSilentNewBatch(args, stateDir, loaded);
    connection = await connect(args, out, {
      concurrency: args.concurrency,
      rate: args.rate,
      timeScale: SANDBOX_TIME_SCALE,
    });
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
        signal: stop.signal,
        say: (line) => out.info(line),
        onRowDone: () => progress.tick(),
        checkpoint: crashHook(),
      });
    } finally {
      progress.stop();
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
    const created = await finish(out, {
      ...base,
      rows,
      stoppedExit: stopped ? exitCodeFor(stopped) : undefined,
    });
    if (stopped) throw stopped;
    const allCreated = [...outcomes.values()].every((outcome) => outcome.status === "created");
    if (follow.steps.length === 0 || !(allCreated || args.allowPartial)) {
      if (created === EXIT.ok)
        out.summary([`nobody is paid yet: the requests are drafts. next: bitex-batch quote ${args.csv}`]);
      process.exitCode = created;
      return;
    }
    const journalPath = journalPathFor(stateDir, loaded.batchId);
    const batch = { loaded, plan: batchPlan, journalPath, past: foldJournal(await readJournal(journalPath)) };
    process.exitCode = await followThrough(
      { command: "submit", args, batch, out, connection, signal: stop.signal },
      follow,
    );
  } finally {
    unwatch();
    await connection?.close();
    await lock.release();
    dropSandboxState();
  }
}
