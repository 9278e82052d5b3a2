/**
 * `quote`, `accept`, `status` and the follow-through of `submit --until` (DESIGN.md section
 * 12): the batch from the file, its requests read from the server, one money step behind
 * its gate, then the report rewritten with what the server says of every row.
 */
import { join } from "node:path";
import { differenceInMinutes, format as formatDate } from "date-fns";
import { padScale } from "../decimal.js";
import { BatchError, EXIT, exitCodeFor } from "../errors.js";
import {
  checkGuard,
  type GuardResult,
  type MaxTotal,
  parseMaxTotals,
  senderCurrency,
} from "../follow/guard.js";
import { BatchFollow } from "../follow/run.js";
import { type Tally, tallyLines, tallyRows } from "../follow/tally.js";
import { minorUnits } from "../ports.js";
import type { ReportRow } from "../report/columns.js";
import type { ReportFormat } from "../report/dialect.js";
import { reportRows } from "../report/rows.js";
import { writeReport } from "../report/write.js";
import { JournalWriter } from "../submit/journal.js";
import { acquireLock, type Lock } from "../submit/lock.js";
import { stopFor } from "../submit/policy.js";
import { type Batch, openBatch } from "./batch.js";
import {
  type ApiArgs,
  type Connection,
  checkCallLimits,
  connect,
  resolveApi,
  shownNumber,
} from "./connect.js";
import { type Console, reportCommandOutput } from "./console.js";
import type { LoadArgs } from "./load.js";
import { crashHook, watchSignals, withRerun } from "./signals.js";

export type Step = "quote" | "accept" | "watch" | "read";

export interface FollowArgs extends LoadArgs, ApiArgs {
  reportFormat: ReportFormat;
  stateDir: string;
  json: boolean;
  quiet: boolean;
  concurrency: number;
  rate: number;
  allowPartial?: boolean;
  /** quote: seconds to wait for the quotes. */
  wait?: number;
  maxTotal?: string[];
  /** status: follow until final. */
  watch?: boolean;
  /** seconds; watch and submit --until final */
  timeout?: number;
  interval?: number;
}

export interface FollowPlan {
  steps: Step[];
  maxTotals: MaxTotal[];
  waitMs: number;
  pollMs: number;
  timeoutMs: number;
  intervalMs: number;
}

/** Every option checked before any work (exit 2, nothing read or sent). */
export function followPlan(args: FollowArgs, steps: Step[]): FollowPlan {
  const seconds = (name: string, value: number | undefined, fallback: number) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < 0)
      throw new BatchError("usage", `--${name} expects seconds (0 or more), got ${shownNumber(value)}`);
    return v * 1000;
  };
  const maxTotals = parseMaxTotals(args.maxTotal);
  if (steps.includes("accept") && maxTotals.length === 0) {
    throw new BatchError(
      "usage",
      "accepting a quote commits the payer's money: --max-total CUR=AMOUNT is required",
      {
        hint: "give the most the batch may spend per sender currency, e.g. --max-total ARS=25000000 (see bitex-batch quote)",
      },
    );
  }
  // The embedded emulator runs on a fast clock (submit --sandbox): read it often.
  const intervalMs = seconds("interval", args.interval, args.sandbox ? 0.25 : 30);
  return {
    steps,
    maxTotals,
    waitMs: seconds("wait", args.wait, 600),
    // Quotes come at `eta`, within seconds for most ports: a short poll, one GET per request.
    pollMs: Math.min(intervalMs, 2_000),
    timeoutMs: seconds("timeout", args.timeout, steps.includes("watch") ? 3_600 : 0),
    intervalMs,
  };
}

const local = (iso: string | null) => (iso ? formatDate(new Date(iso), "yyyy-MM-dd HH:mm:ss") : "?");

function deadline(iso: string | null, now: Date): string {
  if (!iso) return "no deadline given";
  const minutes = differenceInMinutes(new Date(iso), now);
  return `${local(iso)} (${minutes >= 0 ? `in ${minutes} min` : `${-minutes} min ago`})`;
}

function requestLines(follow: BatchFollow, now: Date): string[] {
  return follow.views.flatMap(({ planned, request }) => {
    if (!request) return [];
    const who = `payer ${planned.payerUserId || "(key owner)"}, ${planned.senderPort}, ${planned.rows.length} row(s)`;
    const spend =
      request.total_to_spend === null
        ? ""
        : `, spends ${padScale(request.total_to_spend, minorUnits(senderCurrency(request)))} ${senderCurrency(request)}`;
    const when =
      request.state === "quoted"
        ? `; accept before ${deadline(request.accept_quote_before, now)}`
        : request.state === "quote_accepted"
          ? `; funds needed by ${deadline(request.provision_funds_before, now)}`
          : request.state === "cancelled"
            ? ` (${request.cancellation_reason ?? "no reason given"})`
            : "";
    return [`request ${request.id} (${who}): ${request.state}${spend}${when}`];
  });
}

function guardLines(guard: GuardResult): string[] {
  return guard.spend.map(
    (s) =>
      `  ${s.currency}: ${s.total} in ${s.requests} request(s)${s.max === null ? ", no --max-total" : `, --max-total ${s.max}`}`,
  );
}

/** The next command, when the batch is not final yet. */
function nextLine(args: FollowArgs, follow: BatchFollow, guard: GuardResult | null): string | null {
  const states = new Set(follow.views.map((view) => view.request?.state ?? "none"));
  const csv = args.csv;
  if (states.has("none")) return `next: bitex-batch submit ${csv} (rows not created yet)`;
  if (states.has("draft")) return `next: bitex-batch quote ${csv}`;
  if (states.has("quote_requested")) return `next: bitex-batch quote ${csv} (the quotes are not in yet)`;
  if (states.has("quoted")) {
    const spend = (guard?.spend ?? []).map((s) => `--max-total ${s.currency}=${s.total}`).join(" ");
    const first = follow.views
      .map((view) => view.request?.accept_quote_before)
      .filter((at): at is string => typeof at === "string")
      .sort()[0];
    return `next: bitex-batch accept ${csv} ${spend || "--max-total CUR=AMOUNT"}${first ? ` before ${local(first)}` : ""}`;
  }
  if (follow.openRows() > 0) return `next: bitex-batch status ${csv} --watch`;
  return null;
}

export interface FollowContext {
  /** For the `--json` object: "quote", "accept", "status" or "submit". */
  command: string;
  args: FollowArgs;
  batch: Batch;
  out: Console;
  connection: Connection;
  signal: AbortSignal;
}

/** Runs the steps on an open batch; writes the report whatever happens; returns the exit code. */
export async function followThrough(context: FollowContext, plan: FollowPlan): Promise<number> {
  const { args, batch, out, connection, signal } = context;
  const readOnly = !plan.steps.some((step) => step === "quote" || step === "accept");
  const journal = readOnly ? null : await JournalWriter.open(batch.journalPath);
  const follow = new BatchFollow({
    api: connection.client,
    plan: batch.plan,
    past: batch.past,
    journal,
    signal,
    settleMs: 1_000,
    allowPartial: args.allowPartial ?? false,
    say: (line) => out.info(line),
    checkpoint: crashHook(),
  });
  let stopped: BatchError | null = null;
  let guard: GuardResult | null = null;
  let tally: Tally | null = null;
  const writeOut = async () => {
    tally = await writeFollowReport(context, follow);
  };
  try {
    for (const step of plan.steps) {
      if (step === "quote") {
        await follow.quote(plan.waitMs, plan.pollMs);
      } else if (step === "accept") {
        // A quote's deadline is the server's time: judged by the server's clock.
        guard = await follow.accept(plan.maxTotals, () => connection.client.serverNow());
        if (guard.problems.length > 0) {
          out.warn("nothing accepted: the batch's quotes against --max-total:");
          for (const line of guardLines(guard)) out.warn(line);
          throw new BatchError("refused", `accept refused: ${guard.problems.join("; ")}`, {
            hint: `check the quotes (bitex-batch quote ${args.csv} prints them) and --max-total; the rows of a lapsed or cancelled request need a new batch: bitex-batch submit ${args.csv} --batch-id <new id>`,
          });
        }
        out.info("accepted, within --max-total:");
        for (const line of guardLines(guard)) out.info(line);
      } else if (step === "watch") {
        await follow.watch(plan.timeoutMs, plan.intervalMs, writeOut);
      } else {
        await follow.read();
        crashHook()?.("status-read");
      }
    }
  } catch (error) {
    // Exit 2 promises nothing was sent: a key refused after a step was sent is a stop (3).
    stopped = stopFor(error, follow.stepped, "run the same command again; nothing is sent twice");
  } finally {
    await journal?.close();
  }
  if (!stopped && follow.views.length > 0 && follow.views.every((view) => view.request === null)) {
    // Section 12: a batch that does not exist is exit 2, not "not there yet".
    stopped = new BatchError(
      "input",
      `batch ${batch.loaded.batchId} of ${batch.loaded.file} is not on the server`,
      {
        hint: `nothing of it was created: run bitex-batch submit ${args.csv} first (or name the batch with --batch-id)`,
      },
    );
  }
  if (follow.views.length > 0) await writeOut();
  out.summary([...requestLines(follow, connection.client.serverNow()), ...(tally ? tallyLines(tally) : [])]);
  if (args.sandbox && tally && ((tally as Tally).byState.rejected || (tally as Tally).byState.returned)) {
    out.summary([
      "(the demo world rejects one payee and returns one payout on purpose, to show what those look like; see fixtures/demo/seed.json)",
    ]);
  }
  const next = nextLine(args, follow, guard ?? (follow.views.length ? spendOf(follow) : null));
  if (follow.views.length > 0) out.summary([`report: ${batch.loaded.reportPath}`]);
  if (next) out.summary([next]);
  const following = plan.steps.includes("watch") || plan.steps.includes("read");
  const exitCode = stopped
    ? exitCodeFor(stopped)
    : following
      ? ((tally as Tally | null)?.finalExit ?? EXIT.stopped)
      : EXIT.ok;
  out.json(jsonOf(context, follow, tally, exitCode, stopped));
  if (stopped) throw withRerun(stopped);
  return exitCode;
}

/** What the quotes spend per currency, as `accept` would compare it (no limits given). */
function spendOf(follow: BatchFollow): GuardResult {
  const requests = follow.views.flatMap((view) => (view.request ? [view.request] : []));
  return { spend: checkGuard(requests, [], new Date()).spend, problems: [] };
}

async function writeFollowReport({ args, batch }: FollowContext, follow: BatchFollow): Promise<Tally> {
  const now = new Date();
  const outcomes = follow.rowOutcomes(now);
  const seen: ReportRow[] = [];
  function* counted(): Generator<ReportRow> {
    for (const row of reportRows(batch.loaded.checked(), { kind: "submitted", outcomes }, now)) {
      seen.push(row);
      yield row;
    }
  }
  await writeReport(batch.loaded.reportPath, counted(), {
    format: args.reportFormat,
    extraColumns: batch.loaded.extraColumns,
    batchId: batch.loaded.batchId,
    file: batch.loaded.file,
    asOf: now,
  });
  return tallyRows(seen);
}

function jsonOf(
  { command, batch }: FollowContext,
  follow: BatchFollow,
  tally: Tally | null,
  exitCode: number,
  stopped: BatchError | null,
) {
  return {
    command,
    file: batch.loaded.file,
    batch_id: batch.loaded.batchId,
    report: batch.loaded.reportPath,
    exit_code: exitCode,
    rows: tally?.rows ?? 0,
    by_state: tally?.byState ?? {},
    settled: tally?.settled ?? [],
    requests: follow.views.map(({ request, planned }) => ({
      key: planned.key,
      id: request?.id ?? null,
      state: request?.state ?? null,
      total_to_spend: request?.total_to_spend ?? null,
      currency: request ? senderCurrency(request) : null,
      accept_quote_before: request?.accept_quote_before ?? null,
      provision_funds_before: request?.provision_funds_before ?? null,
      cancellation_reason: request?.cancellation_reason ?? null,
    })),
    error: stopped ? { code: stopped.code, message: stopped.message, hint: stopped.hint ?? null } : null,
  };
}

/** `quote`, `accept` and `status` as commands of their own. */
export async function followCommand(command: string, args: FollowArgs, steps: Step[]): Promise<number> {
  const plan = followPlan(args, steps);
  checkCallLimits(args);
  if (args.sandbox) {
    throw new BatchError("usage", "the embedded emulator lives only as long as one command", {
      hint: "try the whole cycle with bitex-batch submit <csv> --sandbox --until final --max-total CUR=AMOUNT",
    });
  }
  const target = resolveApi(args);
  const out = reportCommandOutput(args, target?.apiKey);
  const batch = await openBatch(args, args.stateDir, out);
  const readOnly = !steps.some((step) => step === "quote" || step === "accept");
  let lock: Lock | null = null;
  if (!readOnly)
    lock = await acquireLock(join(args.stateDir, batch.loaded.batchId, "lock"), (line) => out.warn(line));
  const stop = new AbortController();
  let connection: Connection | undefined;
  const unwatch = watchSignals(out, {
    stop: () => {
      stop.abort();
      connection?.client.gate.close();
    },
    drainTimeout: () => connection?.client.gate.abort(),
    exitNow: () => lock?.releaseSync(),
  });
  try {
    connection = await connect(args, out, { concurrency: args.concurrency, rate: args.rate });
    if (batch.past.begin && batch.past.begin.api !== connection.apiUrl) {
      throw new BatchError(
        "input",
        `batch ${batch.loaded.batchId} was started against ${batch.past.begin.api}, not ${connection.apiUrl}`,
        {
          hint: "point --api-url at the API the batch was submitted to",
        },
      );
    }
    return await followThrough({ command, args, batch, out, connection, signal: stop.signal }, plan);
  } finally {
    unwatch();
    await connection?.close();
    await lock?.release();
  }
}
