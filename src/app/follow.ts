/**
 * `quote`, `accept`, `status` and the follow-through of `submit --until` (docs/design.md section
 * 12): the batch from the file, its requests read from the server, one money step behind
 * its gate, then the report rewritten with what the server says of every row.
 */
import { dirname } from "node:path";
import { refuseResumeOverLaterBatch } from "../batch/history.js";
import { foundRequests, journalAtFirstEntry } from "../batch/journal.js";
import { acquireLock, type Lock } from "../batch/lock.js";
import { lockPathBeside } from "../batch/paths.js";
import { releasedLines } from "../batch/released.js";
import { recordReport } from "../batch/report-owner.js";
import { apiIdentity } from "../bitex/url.js";
import { groupDigits, padScale } from "../decimal.js";
import { removeIfEmpty, reportFailure } from "../disk.js";
import { BatchError, EXIT, exitCodeFor, RERUN_HINT } from "../errors.js";
import { type GuardResult, type MaxTotal, parseMaxTotals, senderCurrency } from "../follow/guard.js";
import { BatchFollow } from "../follow/run.js";
import { createdRows, type Tally, TallyCount, tallyLines } from "../follow/tally.js";
import { minorUnits } from "../ports.js";
import { containerOf } from "../read/container.js";
import type { ReportRow } from "../report/columns.js";
import {
  ChargedByRequest,
  type CurrencyMoney,
  MONEY_RULE,
  MoneyBuilder,
  moneyJson,
  moneyLines,
  unexplainedSpends,
} from "../report/money.js";
import { reportRows } from "../report/rows.js";
import { type RemainingOf, unpaidOf } from "../report/unpaid.js";
import { writeReport } from "../report/write.js";
import { batchCommand, rowFlags, sandboxCommand } from "../shell-words.js";
import { deadlineWords, humanTime } from "../time.js";
import { FINAL_OUTPUT_STATES, type OutputState } from "../wire/resources.js";
import type { ReportFormat } from "../writers/dialect.js";
import { type Batch, openBatch, refuseEditedAway } from "./batch.js";
import {
  type ApiArgs,
  type Connection,
  checkCallLimits,
  connect,
  resolveApi,
  shownNumber,
} from "./connect.js";
import { refuseFewerFacts } from "./finish.js";
import {
  acceptedAbove,
  acceptedElsewhereLine,
  acceptedRequests,
  acceptRefusedHint,
  acceptRefusedLines,
  acceptUnclearLine,
  alreadyAcceptedLine,
  cancelledAfterAccept,
  cancelledAfterAcceptLine,
  guardLines,
  lapsedQuotes,
  lostRequests,
  nextLine,
  partlyAccepted,
  refusedStillQuoted,
  requestLines,
  spendOf,
  stageLine,
  stageOf,
} from "./follow-words.js";
import type { LoadArgs } from "./load.js";
import { reviewedPayees } from "./payee-rows.js";
import { sandboxGoneLine } from "./plan-words.js";
import { Problems, problemLines, problemsJson } from "./problems.js";
import {
  anyInvalid,
  begunElsewhereWords,
  invalidKeptLine,
  releaseRows,
  remainingFor,
  remainingOf,
} from "./remaining.js";
import { type Console, type Outcome, outcomeOf, type Session } from "./session.js";
import { stopFor, withRerun } from "./stop.js";

export type Step = "quote" | "accept" | "watch" | "read";

/** Seconds `quote` waits for the quotes by default: a slow port's 30 minutes and a margin. */
export const DEFAULT_WAIT_S = 2_400;

export interface FollowArgs extends LoadArgs, ApiArgs {
  reportFormat: ReportFormat;
  stateDir: string;
  json: boolean;
  quiet: boolean;
  concurrency: number;
  rate: number;
  allowPartial?: boolean;
  /** submit: invalid rows passed by (a command printed to submit the file again carries it). */
  skipInvalid?: boolean;
  /** quote: seconds to wait for the quotes. */
  wait?: number;
  maxTotal?: string[];
  /** status: follow until final. */
  watch?: boolean;
  /** seconds; watch and submit --until final */
  timeout?: number;
  interval?: number;
  /** The inbox's own submit of a file of its folder: the inbox moves its remaining file with it. */
  inboxRun?: boolean;
}

export interface FollowPlan {
  steps: Step[];
  maxTotals: MaxTotal[];
  waitMs: number;
  pollMs: number;
  timeoutMs: number;
  intervalMs: number;
}

/** The longest wait a timer holds: 2^31 - 1 ms, in whole seconds. */
const MAX_SECONDS = 2_147_483;

/** Every option checked before any work (exit 2, nothing read or sent). */
export function followPlan(args: FollowArgs, steps: Step[]): FollowPlan {
  const seconds = (name: string, value: number | undefined, fallback: number) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < 0)
      throw new BatchError("usage", `--${name} expects seconds (0 or more), got ${shownNumber(value)}`);
    // A timer longer than this fires at once (Node's 32-bit delay): a wait of weeks would read
    // in a loop instead (helper-82).
    if (v > MAX_SECONDS)
      throw new BatchError(
        "usage",
        `--${name} expects at most ${MAX_SECONDS} seconds (24 days), got ${shownNumber(value)}`,
      );
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
    // Bitex quotes some ports 30 minutes after request_quote (docs/design.md section 12): the
    // default wait covers that, so `--until final` does not stop just because a quote is slow.
    waitMs: seconds("wait", args.wait, DEFAULT_WAIT_S),
    // Quotes come at `eta` (slept until); past it, or without one, a short poll.
    pollMs: Math.min(intervalMs, 2_000),
    timeoutMs: seconds("timeout", args.timeout, steps.includes("watch") ? 3_600 : 0),
    intervalMs,
  };
}

export interface FollowContext {
  /** For the `--json` object: "quote", "accept", "status" or "submit". */
  command: string;
  args: FollowArgs;
  batch: Batch;
  out: Console;
  connection: Connection;
  session: Session;
}

/** Runs the steps on an open batch; writes the report whatever happens; returns the exit code. */
export async function followThrough(context: FollowContext, plan: FollowPlan): Promise<number> {
  const { args, batch, out, connection, session } = context;
  const signal = session.stops.signal;
  const readOnly = !plan.steps.some((step) => step === "quote" || step === "accept");
  // The input options this run was given that change the rows: every command printed carries them.
  const flags = rowFlags(args);
  // A batch taken up again to quote or accept rows a batch begun after it holds (helper-89):
  // checked now, and again right before the accepts (a quote may take 30 minutes, helper-93).
  // The state directory is the journal's folder's parent.
  const laterBatch = async () => {
    if (readOnly) return;
    await refuseResumeOverLaterBatch(dirname(dirname(batch.journalPath)), {
      batchId: batch.loaded.batchId,
      file: args.csv,
      plan: batch.plan,
      apiUrl: connection.apiUrl,
      journalPath: batch.journalPath,
      zone: out.zone,
      open: "unaccepted",
      flags,
      past: batch.past,
    });
  };
  await laterBatch();
  // Opened at its first entry: a batch that is not there leaves no journal behind.
  const journal = readOnly ? null : journalAtFirstEntry(batch.journalPath);
  // The batch's remaining file, as the words name it before (or without) writing it.
  // And the rows whose remaining file went out as a batch of its own: that batch pays them (helper-101).
  const {
    file: remainingFile,
    taken,
    homes,
  } = await remainingOf({
    csv: args.csv,
    journalPath: batch.journalPath,
    batchId: batch.loaded.batchId,
    inboxRun: args.inboxRun,
  });
  // A workbook gets no remaining file (app/remaining.ts): its rows are named, to put in a new file.
  const workbook =
    (await containerOf(batch.loaded.source, batch.loaded.source).catch(() => "text")) === "workbook";
  const remainingWords = (file: string) =>
    remainingFor({ taken, homes }, file, { workbook, inboxRun: args.inboxRun === true, csv: args.csv });
  const follow = new BatchFollow({
    api: connection.client,
    file: args.csv,
    plan: batch.plan,
    past: batch.past,
    journal,
    signal,
    settleMs: 1_000,
    allowPartial: args.allowPartial ?? false,
    say: (line) => out.info(line),
    tellTime: (iso) => deadlineWords(iso, connection.client.serverNow(), out.zone),
    checkpoint: session.checkpoint,
    serverClock: connection.client,
    // Rows released to the remaining file: that file pays them, this batch never does.
    released: () => releasedLines(batch.journalPath),
    beforeAccepts: laterBatch,
    remainingFile,
    rowFlags: flags,
  });
  let stopped: BatchError | null = null;
  let guard: GuardResult | null = null;
  let tally: Tally | null = null;
  // What the last report said: its rows are counted as they are written, not kept.
  let unpaidRows: ReportRow[] = [];
  let money: CurrencyMoney[] = [];
  /** The rows' charges by request, as the last report added them (unexplainedSpends). */
  let charged: ChargedByRequest | null = null;
  // A batch not on the server is known by nothing: a report of created rows is not replaced
  // by it, on any refresh (--watch writes at each) nor at the end.
  let kept = false;
  // A report that could not be written: said once (the stop it makes, or beside an earlier
  // stop), never written again this run, and never named as written.
  let reportFailed = false;
  /** No report this run: nothing an earlier refresh's report counted is said. */
  const forgetReport = () => {
    reportFailed = true;
    tally = null;
    money = [];
    unpaidRows = [];
    charged = null;
  };
  const writeOut = async () => {
    const known = follow.views.some((view) => view.request !== null);
    kept = !known && (await reportHoldsCreated(batch.loaded.reportPath));
    if (kept) return;
    try {
      ({
        tally,
        money,
        unpaid: unpaidRows,
        charged,
      } = await writeFollowReport(context, follow, remainingWords(remainingFile)));
    } catch (error) {
      // What an earlier refresh's report counted is not the rows now: nothing is said of it.
      forgetReport();
      throw reportFailure(error, batch.loaded.reportPath, session.resumeHint);
    }
  };
  try {
    for (const step of plan.steps) {
      if (step === "quote") {
        await follow.quote(plan.waitMs, plan.pollMs);
      } else if (step === "accept") {
        // A quote's deadline is the server's time: judged by the server's clock.
        const sentBefore = follow.stepped;
        follow.stepped = false;
        guard = await follow.accept(plan.maxTotals, () => connection.client.serverNow());
        const acceptSent = follow.stepped;
        follow.stepped ||= sentBefore;
        if (guard.problems.length > 0) {
          for (const line of acceptRefusedLines(follow, guard)) out.warn(line);
          throw new BatchError("refused", `accept refused: ${guard.problems.join("; ")}`, {
            // The embedded emulator ends with this run: no quote or status to run against it.
            hint: args.sandbox
              ? sandboxGoneLine(args.csv, flags, args.skipInvalid)
              : acceptRefusedHint(
                  args.csv,
                  follow,
                  connection.client.serverNow(),
                  out.zone,
                  remainingFile,
                  flags,
                  args.maxTotal,
                ),
          });
        }
        if (follow.acceptedAbove.length > 0) throw acceptedAbove(follow, args.csv, flags);
        // --allow-partial, every row refused: nothing to accept, so the rows failed, whatever
        // the steps asked (never "done", never "accepted").
        if (follow.nothingLeft()) {
          out.warn("nothing to accept: Bitex refused every row (--allow-partial left them all out)");
          continue;
        }
        // The server's figures, as read after the accepts.
        if (!acceptSent) out.info(await alreadyAcceptedLine(batch.journalPath, out.zone));
        else {
          const elsewhere = await acceptedElsewhereLine(batch.journalPath, follow);
          if (elsewhere) out.info(elsewhere);
        }
        const unfunded = cancelledAfterAccept(follow);
        if (unfunded.length > 0) out.warn(cancelledAfterAcceptLine(unfunded));
        // Never a heading with nothing under it (every accepted request cancelled since).
        const figures = guardLines(guard);
        if (figures.length > 0)
          out.info(acceptSent ? "accepted, within --max-total:" : "the accepted quotes, within --max-total:");
        for (const line of figures) out.info(line);
      } else if (step === "watch") {
        await follow.watch(plan.timeoutMs, plan.intervalMs, writeOut);
      } else {
        await follow.read();
        session.checkpoint?.("status-read");
      }
    }
  } catch (error) {
    // Exit 2 promises nothing was sent: a key refused after a step was sent is a stop (3).
    stopped = stopFor(error, follow.stepped, RERUN_HINT, {
      csv: args.csv,
      remaining: remainingFile,
      flags,
    });
    // A refused accept (a lapsed quote) may leave the views behind the server: read it again.
    if (stopped.code === "refused" && plan.steps.includes("accept"))
      await follow.read().catch(() => undefined);
    // Steps answered and never read after (the stop came first): words as their answers show.
    follow.takeUnreadAnswers();
  } finally {
    await journal?.close();
  }
  if (plan.steps.includes("accept") && stopped?.code === "refused") {
    const accepted = acceptedRequests(follow);
    const lost = lostRequests(follow);
    const refused = refusedStillQuoted(follow);
    if (accepted.length > 0 && lost.length + refused.length > 0)
      stopped = partlyAccepted(
        out,
        args.csv,
        batch.loaded.batchId,
        follow,
        accepted,
        lost,
        refused,
        remainingFile,
        flags,
      );
  }
  // --watch stops at its first read as "not created yet" (not_yet) when nothing is there.
  const unread = !stopped || stopped.code === "not_yet";
  if (unread && follow.views.length > 0 && follow.views.every((view) => view.request === null)) {
    // Section 12: a batch that does not exist is exit 2, not "not there yet".
    const { copyless } = batch;
    stopped = new BatchError(
      "input",
      `batch ${batch.loaded.batchId} of ${batch.loaded.file} is not on the server`,
      {
        // An edited file whose batch kept no copy: submitting it would be refused as that
        // batch's rows, so the way on is the file as it was submitted.
        hint: copyless
          ? `${batch.loaded.file} changed since batch ${copyless.batchId} began (${humanTime(copyless.begunAt, out.zone)}), which kept no copy of the file as submitted: put ${batch.loaded.file} back as it was submitted to follow that batch; nothing was sent`
          : `nothing of it was created: run ${batchCommand(rowFlags(args), "submit", args.csv)} first (or name the batch with --batch-id)`,
      },
    );
  }
  // Rows by payee details: their payees' compliance review as Bitex shows it now, in words; a
  // row whose output is final is left out (its payment's fate is known, nothing is deferred).
  if (batch.past.payees.size > 0) {
    const outcomes = follow.rowOutcomes(new Date());
    const final = new Set<number>();
    for (const { line } of batch.loaded.checked()) {
      const outcome = outcomes.get(line);
      if (outcome?.status === "created" && FINAL_OUTPUT_STATES.includes(outcome.state as OutputState))
        final.add(line);
    }
    batch.loaded = await reviewedPayees(batch.loaded, connection.client, out, final);
  }
  const known = follow.views.some((view) => view.request !== null);
  // The steps read the requests, listing outputs only where they must; the report lists them
  // (once) where those reads could not show the quote's figures or the rows' latest states.
  // Should that fail (a signal, an outage), no report is written: one from those reads would
  // have the quote's figures blank, over the last report's (helper-109), and its money too.
  if (known)
    await follow.listForReport().catch((error: unknown) => {
      // Nor the money of an earlier refresh's report, read without the quote's figures (helper-110).
      forgetReport();
      stopped ??= stopFor(error, follow.stepped, RERUN_HINT, {
        csv: args.csv,
        remaining: remainingFile,
        flags,
      });
      const why = error instanceof Error ? error.message : String(error);
      out.warn(
        `bitex-batch: ${batch.loaded.reportPath} not written: the rows' figures could not be read (${why}); it is as an earlier run left it`,
      );
    });
  if (follow.views.length > 0 && !reportFailed) {
    await writeOut().catch((failure: Error) => {
      // A stop before it (the journal's own failure, a signal, an outage) is what the run
      // ends on: the report's failure is said beside it, never instead of it.
      if (!stopped) throw failure;
      out.warn(`bitex-batch: ${failure.message}`);
    });
  }
  const journalless = !batch.past.begin;
  // Nor a row invalid as the file reads now: read with other input options than submit's (its
  // --sender-port, --allow-duplicates), a row the batch sent reads as invalid, its output a
  // stranger's or in a request of a group no valid row names now; only its journal tells. So
  // too for a batch begun elsewhere (its requests found by external id), and while outputs no
  // valid row accounts for are there (another run's, maybe with other options).
  const found = foundRequests(batch.past);
  const strangers = follow.views.flatMap((view) =>
    view.request && view.extra.length > 0 ? [view.request.id] : [],
  );
  const invalidMayBeSent =
    (journalless || found.length > 0 || strangers.length > 0) && known && anyInvalid(batch.loaded.checked());
  if (invalidMayBeSent)
    out.warn(
      invalidKeptLine(
        args.csv,
        journalless
          ? `no journal of batch ${batch.loaded.batchId} in ${args.stateDir}`
          : found.length > 0
            ? begunElsewhereWords(batch.loaded.batchId, found)
            : `request(s) ${strangers.join(", ")} of batch ${batch.loaded.batchId} hold output(s) no valid row accounts for`,
      ),
    );
  const remaining =
    follow.views.length > 0 && known
      ? await releaseRows(out, readOnly, {
          csv: args.csv,
          source: batch.loaded.source,
          checked: () => batch.loaded.checked(),
          outcomes: follow.rowOutcomes(new Date()),
          journalPath: batch.journalPath,
          batchId: batch.loaded.batchId,
          inboxRun: args.inboxRun,
          flags,
          invalidMayBeSent,
          requestStates: new Map(
            follow.views.flatMap((view) =>
              view.request ? [[view.request.id, view.request.state] as const] : [],
            ),
          ),
        })
      : null;
  // Every row not paid in the end, named like an invalid row, even with --quiet.
  const unpaid = new Problems();
  for (const row of unpaidRows) unpaid.addUnpaid(row, remainingWords(remaining?.file ?? remainingFile));
  for (const line of problemLines(unpaid, batch.loaded.reportPath)) out.warn(line);
  // Deadlines and countdowns are the server's: told by the server's clock.
  out.summary([
    ...requestLines(follow, connection.client.serverNow(), out.zone),
    ...(tally ? tallyLines(tally) : []),
    ...moneyLines(money, groupDigits, batch.changed ? "as submitted" : "in the file"),
  ]);
  if (charged)
    for (const line of unexplainedSpends(
      follow.views.flatMap(({ request }) =>
        request ? [{ ...request, currency: senderCurrency(request) }] : [],
      ),
      charged,
    ))
      out.warn(line);
  if (args.sandbox && tally) out.summary(demoWorldLine(tally as Tally));
  const allFinal = tally !== null && (tally as Tally).finalExit !== EXIT.stopped;
  const stage = stageOf(follow, allFinal);
  const notPaid = stageLine(
    stage,
    // The report's count, else (no report written) the rows' outcomes as read.
    tally ? createdRows(tally as Tally) : follow.createdRows(),
    acceptedRequests(follow).map((request) => request.id),
    lostRequests(follow).map((request) => request.id),
    {
      requested: follow.views.flatMap(({ request }) =>
        request?.state === "quote_requested" ? [request.id] : [],
      ),
      quoted: follow.views.flatMap(({ request }) => (request?.state === "quoted" ? [request.id] : [])),
      noneCreated: follow.nothingLeft(),
      lapsed: lapsedQuotes(follow, connection.client.serverNow()).map((request) => request.id),
    },
  );
  // An accept that may have landed is never said as not paid: the server says which.
  const staged = notPaid && (acceptUnclearLine(follow) ?? notPaid);
  // A notice, so a log line carries its time; --quiet leaves it to `stage` in --json.
  if (staged && known) out.info(staged);
  // One next step per run: a run that stops says its own (the error's hint), nothing else.
  if (!stopped) await follow.readHeldReleased();
  // What quote's gate would refuse, said by a status too, before its next step (helper-100).
  if (!stopped)
    for (const { messages } of follow.pollutedOpen()) for (const message of messages) out.warn(message);
  const next = stopped
    ? null
    : nextLine(
        args.csv,
        follow,
        guard ?? (follow.views.length ? spendOf(follow) : null),
        connection.client.serverNow(),
        out.zone,
        remaining?.file ?? remainingFile,
        flags,
      );
  // A submit named no report before going on: this line names it, even when nothing was read.
  if (!reportFailed && (follow.views.length > 0 || context.command === "submit"))
    out.summary([
      kept
        ? `report: ${batch.loaded.reportPath} kept as it was (it holds rows created on the server)`
        : `report: ${batch.loaded.reportPath}`,
    ]);
  const following = plan.steps.includes("watch") || plan.steps.includes("read");
  const exitCode = stopped
    ? exitCodeFor(stopped)
    : following
      ? ((tally as Tally | null)?.finalExit ?? EXIT.stopped)
      : follow.nothingLeft()
        ? EXIT.rowsFailed
        : // A request accepted and then cancelled (funds that never came): its rows are not paid.
          plan.steps.includes("accept") && cancelledAfterAccept(follow).length > 0
          ? EXIT.rowsFailed
          : EXIT.ok;
  // The embedded emulator ends with this run: a next step against it could not work.
  const last = next && (args.sandbox ? sandboxGoneLine(args.csv, flags, args.skipInvalid) : next);
  // An exit 3 ends with the command to run, --quiet or not (a stop's own is its error's hint).
  const unfinished = !stopped && exitCode === EXIT.stopped;
  if (unfinished && (out.quiet || !last)) out.warn(last || session.resumeHint);
  else if (last) out.summary([last]);
  out.json({
    ...jsonOf(context, follow, tally, exitCode, stopped, reportFailed),
    stage,
    money: moneyJson(money),
    money_rule: MONEY_RULE,
    problems_count: unpaid.count,
    problems: problemsJson(unpaid),
    remaining: remaining?.file ? { file: remaining.file, rows: remaining.rows } : null,
  });
  if (stopped) throw withRerun(stopped, session.resumeHint);
  return exitCode;
}

/** Whether the report at `reportPath` holds rows created on the server (refuseFewerFacts says so). */
async function reportHoldsCreated(reportPath: string): Promise<boolean> {
  // Only whether it refuses counts here, not its words (the file named in its hint).
  return refuseFewerFacts(reportPath, "").then(
    () => false,
    () => true,
  );
}

async function writeFollowReport(
  { args, batch, out }: FollowContext,
  follow: BatchFollow,
  /** What a row not paid is to be submitted in: the batch's remaining file. */
  remaining: RemainingOf,
): Promise<{ tally: Tally; money: CurrencyMoney[]; unpaid: ReportRow[]; charged: ChargedByRequest }> {
  const now = new Date();
  const outcomes = follow.rowOutcomes(now);
  const tally = new TallyCount();
  const money = new MoneyBuilder();
  const charged = new ChargedByRequest();
  const unpaid: ReportRow[] = [];
  function* counted(): Generator<ReportRow> {
    for (const row of reportRows(batch.loaded.checked(), { kind: "submitted", outcomes, remaining }, now)) {
      tally.add(row);
      money.add(row);
      charged.add(row);
      if (unpaidOf(row)) unpaid.push(row);
      yield row;
    }
  }
  await writeReport(batch.loaded.reportPath, counted(), {
    format: args.reportFormat,
    extraColumns: batch.loaded.extraColumns,
    batchId: batch.loaded.batchId,
    file: batch.loaded.file,
    asOf: now,
    tz: out.zone,
  });
  await recordReport(batch.journalPath, batch.loaded.reportPath);
  return { tally: tally.result(), money: money.result(), unpaid, charged };
}

function jsonOf(
  { command, batch }: FollowContext,
  follow: BatchFollow,
  tally: Tally | null,
  exitCode: number,
  stopped: BatchError | null,
  reportFailed: boolean,
) {
  return {
    command,
    file: batch.loaded.file,
    batch_id: batch.loaded.batchId,
    // null: the report could not be written (the error, or a warning, says why).
    report: reportFailed ? null : batch.loaded.reportPath,
    exit_code: exitCode,
    rows: tally?.rows ?? 0,
    by_state: tally?.byState ?? {},
    settled: tally?.settled ?? [],
    requests: follow.views.map(({ request, planned }) => ({
      key: planned.key,
      id: request?.id ?? null,
      state: request?.state ?? null,
      // The server's figure with its currency's decimals (a JSON number 1356853.4 is 1356853.40 UYU).
      total_to_spend:
        request?.total_to_spend == null
          ? null
          : padScale(request.total_to_spend, minorUnits(senderCurrency(request))),
      currency: request ? senderCurrency(request) : null,
      accept_quote_before: request?.accept_quote_before ?? null,
      provision_funds_before: request?.provision_funds_before ?? null,
      cancellation_reason: request?.cancellation_reason ?? null,
    })),
    error: stopped ? { code: stopped.code, message: stopped.message, hint: stopped.hint ?? null } : null,
  };
}

/** `quote`, `accept` and `status`: every option checked before any work (exit 2, nothing read or sent). */
export function prepareFollow(args: FollowArgs, steps: Step[]): FollowPlan {
  const plan = followPlan(args, steps);
  checkCallLimits(args);
  if (args.sandbox) {
    throw new BatchError("usage", "the embedded emulator lives only as long as one command", {
      hint: `try the whole cycle with ${sandboxCommand(rowFlags(args), args.csv, "--until", "final", "--max-total", "CUR=AMOUNT")}`,
    });
  }
  return plan;
}

/** `quote`, `accept` and `status` as use cases of their own: the file's batch, taken `plan.steps` further. */
export function followBatch(
  command: string,
  args: FollowArgs,
  plan: FollowPlan,
  session: Session,
): Promise<Outcome> {
  return outcomeOf(session.out, (out) => followOpened(command, args, plan, { ...session, out }));
}

async function followOpened(
  command: string,
  args: FollowArgs,
  plan: FollowPlan,
  session: Session,
): Promise<number> {
  const { out } = session;
  const readOnly = !plan.steps.some((step) => step === "quote" || step === "accept");
  // Batches are per API (batch/batch-dir.ts): the API the command points at picks the batch.
  const apiUrl = resolveApi(args)?.url ?? null;
  const batch = await openBatch(args, args.stateDir, out, apiUrl, { readOnly });
  if (!readOnly) refuseEditedAway(batch, command, args.batchId !== undefined);
  let lock: Lock | null = null;
  if (!readOnly) lock = await acquireLock(lockPathBeside(batch.journalPath), (line) => out.warn(line));
  let connection: Connection | undefined;
  const forget = session.stops.hold({
    stop: () => connection?.client.gate.close(),
    drainTimeout: () => connection?.client.gate.abort(),
    exitNow: () => lock?.releaseSync(),
  });
  const disarm = session.stops.arm();
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
    return await followThrough({ command, args, batch, out, connection, session }, plan);
  } finally {
    disarm();
    forget();
    await connection?.close();
    await lock?.release();
    // A batch that was never there (a quote of a file never submitted) leaves no folder.
    if (lock) await removeIfEmpty(dirname(batch.journalPath));
  }
}

/** On the embedded emulator, names what its world planted and this run met: the payees demo returns no payout. */
function demoWorldLine(tally: Tally): string[] {
  const { rejected = 0, returned = 0 } = tally.byState;
  const planted = [
    ...(rejected > 0 ? [rejected === 1 ? "rejects one payee" : `rejects ${rejected} payees`] : []),
    ...(returned > 0 ? [returned === 1 ? "returns one payout" : `returns ${returned} payouts`] : []),
  ];
  if (planted.length === 0) return [];
  const what = rejected + returned === 1 ? "what that looks like" : "what those look like";
  return [
    `(the demo world ${planted.join(" and ")} on purpose, to show ${what}; see fixtures/demo/seed.json)`,
  ];
}
