/**
 * `quote`, `accept`, `status` and the follow-through of `submit --until` (DESIGN.md section
 * 12): the batch from the file, its requests read from the server, one money step behind
 * its gate, then the report rewritten with what the server says of every row.
 */
import { dirname, join } from "node:path";
import { differenceInMinutes, format as formatDate } from "date-fns";
import type { ConciergeRequest } from "../bitex/jsonapi.js";
import { apiIdentity } from "../bitex/url.js";
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
import { stepDone } from "../follow/steps.js";
import { type Tally, tallyLines, tallyRows } from "../follow/tally.js";
import { minorUnits } from "../ports.js";
import type { ReportRow } from "../report/columns.js";
import type { ReportFormat } from "../report/dialect.js";
import { remainingPath } from "../report/remaining.js";
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
import { refuseFewerFacts } from "./finish.js";
import type { LoadArgs } from "./load.js";
import { writeRemainingFile } from "./remaining.js";
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
  // A request that must never be accepted as it stands: no figures to advise.
  if (follow.unacceptable) return null;
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
        guard = await follow.accept(plan.maxTotals, () => new Date());
        if (guard.problems.length > 0) {
          const earlier = acceptedRequests(follow);
          out.warn(
            earlier.length > 0
              ? `no further request accepted (request(s) ${earlier.map((r) => r.id).join(", ")} accepted before); the batch's quotes against --max-total:`
              : "nothing accepted: the batch's quotes against --max-total:",
          );
          for (const line of guardLines(guard)) out.warn(line);
          throw new BatchError("refused", `accept refused: ${guard.problems.join("; ")}`, {
            hint: lostRequests(follow).length
              ? `the rows of a cancelled request are not paid: they go to ${remainingPath(args.csv)}; submit that file to pay them`
              : follow.stranded
                ? `those rows can never join their request: once its quote lapses (or it is cancelled at Bitex), bitex-batch status ${args.csv} writes ${remainingPath(args.csv)} with the batch's rows, to submit`
                : `check the quotes (bitex-batch quote ${args.csv} prints them) and --max-total`,
          });
        }
        if (follow.acceptedAbove.length > 0) throw acceptedAbove(follow);
        // The server's figures, as read after the accepts.
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
    // A refused accept (a lapsed quote) may leave the views behind the server: read it again.
    if (stopped.code === "refused" && plan.steps.includes("accept"))
      await follow.read().catch(() => undefined);
  } finally {
    await journal?.close();
  }
  if (plan.steps.includes("accept") && stopped?.code === "refused") {
    const accepted = acceptedRequests(follow);
    const lost = lostRequests(follow);
    if (accepted.length > 0 && lost.length > 0) stopped = partlyAccepted(context, follow, accepted, lost);
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
  // A batch not on the server is known by nothing: a report of created rows is not replaced by it.
  const known = follow.views.some((view) => view.request !== null);
  if (follow.views.length > 0 && (known || !(await reportHoldsCreated(batch.loaded.reportPath))))
    await writeOut();
  const remaining =
    follow.views.length > 0 && known
      ? await writeRemainingFile(out, {
          csv: args.csv,
          source: batch.loaded.source,
          checked: () => batch.loaded.checked(),
          outcomes: follow.rowOutcomes(new Date()),
          journalPath: batch.journalPath,
          requestStates: new Map(
            follow.views.flatMap((view) =>
              view.request ? [[view.request.id, view.request.state] as const] : [],
            ),
          ),
        })
      : 0;
  const now = new Date();
  out.summary([...requestLines(follow, now), ...(tally ? tallyLines(tally) : [])]);
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
  out.json({
    ...jsonOf(context, follow, tally, exitCode, stopped),
    remaining: remaining > 0 ? { file: remainingPath(args.csv), rows: remaining } : null,
  });
  if (stopped) throw withRerun(stopped);
  return exitCode;
}

/** Totals above the guard found after accepting (it cannot be undone): loud, named, not exit 0. */
function acceptedAbove(follow: BatchFollow): BatchError {
  const words = follow.acceptedAbove.map((spend) => {
    const ids = acceptedRequests(follow)
      .filter((request) => senderCurrency(request) === spend.currency)
      .map((request) => `${request.id} (${request.total_to_spend})`);
    return `${spend.currency}: the accepted quotes spend ${spend.total}, above --max-total ${spend.currency}=${spend.max}: request(s) ${ids.join(", ")}`;
  });
  return new BatchError(
    "over_guard",
    `ACCEPTED ABOVE --max-total (read after accepting): ${words.join("; ")}`,
    {
      hint: "the quotes were within --max-total when read just before accepting; accepting cannot be undone: check the requests at Bitex now (bitex-batch status <csv> shows every row)",
    },
  );
}

const acceptedRequests = (follow: BatchFollow): ConciergeRequest[] =>
  follow.views.flatMap((view) =>
    view.request && stepDone("accept_quote", view.request.state) ? [view.request] : [],
  );

/** Requests that can no longer be accepted: cancelled (a lapsed quote, or at Bitex). */
const lostRequests = (follow: BatchFollow): ConciergeRequest[] =>
  follow.views.flatMap((view) => (view.request?.state === "cancelled" ? [view.request] : []));

/** Some requests accepted (their money moves), others lost: said as such, never as "nothing accepted". */
function partlyAccepted(
  { args, batch, out }: FollowContext,
  follow: BatchFollow,
  accepted: readonly ConciergeRequest[],
  lost: readonly ConciergeRequest[],
): BatchError {
  const rowsOf = (requests: readonly ConciergeRequest[]) =>
    follow.views
      .filter((view) => view.request && requests.includes(view.request))
      .reduce((sum, view) => sum + view.planned.rows.length, 0);
  const lostWords = lost.map((r) => `${r.id} (${r.cancellation_reason ?? "cancelled"})`).join(", ");
  out.warn(
    `partly accepted: request(s) ${accepted.map((r) => r.id).join(", ")} accepted, ${rowsOf(accepted)} row(s) being paid; request(s) ${lostWords} can no longer be accepted, ${rowsOf(lost)} row(s) not paid`,
  );
  return new BatchError(
    "partial",
    `batch ${batch.loaded.batchId} is partly accepted: ${rowsOf(accepted)} row(s) being paid, ${rowsOf(lost)} row(s) of cancelled request(s) ${lost.map((r) => r.id).join(", ")} not paid`,
    {
      hint: `the rows not paid are in ${remainingPath(args.csv)}: bitex-batch submit ${remainingPath(args.csv)} pays them (and nobody else); bitex-batch status ${args.csv} --watch follows the rest`,
    },
  );
}

async function reportHoldsCreated(reportPath: string): Promise<boolean> {
  return refuseFewerFacts(reportPath).then(
    () => false,
    () => true,
  );
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
  const readOnly = !steps.some((step) => step === "quote" || step === "accept");
  const batch = await openBatch(args, args.stateDir, out, target?.url ?? null, { readOnly });
  let lock: Lock | null = null;
  if (!readOnly) lock = await acquireLock(join(dirname(batch.journalPath), "lock"), (line) => out.warn(line));
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
    if (batch.past.begin && apiIdentity(batch.past.begin.api) !== apiIdentity(connection.apiUrl)) {
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
