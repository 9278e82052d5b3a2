/**
 * The words of the follow-through: each request's state, the guard's figures, the next
 * command, and what an accept refused, partly done or found above the guard says.
 */
import { readJournal } from "../batch/journal.js";
import type { ConciergeRequest } from "../bitex/jsonapi.js";
import { decimal, groupDigits, padScale } from "../decimal.js";
import { BatchError } from "../errors.js";
import { checkGuard, type GuardResult, senderCurrency } from "../follow/guard.js";
import type { RequestView } from "../follow/read.js";
import { cancelDraftsWords, otherDraftsWords } from "../follow/remaining.js";
import type { BatchFollow } from "../follow/run.js";
import { stepDone } from "../follow/steps.js";
import { minorUnits } from "../ports.js";
import { remainingPath } from "../report/remaining.js";
import { batchCommand, NO_ROW_FLAGS, type RowFlags, remainingCommand, shellWord } from "../shell-words.js";
import { countdown, deadlineWords, humanTime, inTimeOrder, latestTime, serverTime } from "../time.js";
import { linesWords } from "../words.js";
import type { Console } from "./session.js";

/**
 * One line per request: its rows are the server's outputs of it (`outputs_count`); the
 * batch's rows not in it (refused by Bitex at create, or not created) are said apart, never
 * counted as part of a request that finished. `now`: the server's clock, whose times the
 * deadlines are; `zone`: the operator's.
 */
export function requestLines(follow: BatchFollow, now: Date, zone: string): string[] {
  return follow.views.flatMap((view) => {
    const { planned, request } = view;
    if (!request) return [];
    const who = `payer ${planned.payerUserId || "(key owner)"}, ${planned.senderPort}, ${request.outputs_count} row(s)`;
    const total =
      request.total_to_spend === null
        ? null
        : `${groupDigits(padScale(request.total_to_spend, minorUnits(senderCurrency(request))))} ${senderCurrency(request)}`;
    // A cancelled request keeps its quote's total, but Bitex charges nothing for it.
    const spend =
      total === null
        ? ""
        : request.state === "cancelled"
          ? `, charged nothing (its quote was ${total})`
          : `, spends ${total}`;
    const when =
      request.state === "quoted"
        ? `; accept before ${deadlineWords(request.accept_quote_before, now, zone)}`
        : request.state === "quote_accepted"
          ? `; funds needed by ${deadlineWords(request.provision_funds_before, now, zone)}`
          : request.state === "cancelled"
            ? ` (${request.cancellation_reason ?? "no reason given"})`
            : "";
    const { refused, uncreated } = follow.rowsNotIn(view);
    const apart = [
      ...(refused.length > 0
        ? [`${refused.length} row(s) refused by Bitex at create (${linesWords(refused)})`]
        : []),
      ...(uncreated.length > 0 ? [`${uncreated.length} row(s) not created (${linesWords(uncreated)})`] : []),
    ];
    const notIn = apart.length > 0 ? `; not in it: ${apart.join(", ")}` : "";
    const behind =
      view.statesBehind !== undefined
        ? `; Bitex's listing of its outputs is older than it (${view.statesBehind}): their states are not told until a listing agrees, run status again later`
        : "";
    return [`request ${request.id} (${who}): ${request.state}${spend}${when}${notIn}${behind}`];
  });
}

export function guardLines(guard: GuardResult): string[] {
  return guard.spend.map(
    (s) =>
      `  ${s.currency}: ${groupDigits(s.total)} in ${s.requests} request(s)${s.max === null ? ", no --max-total" : `, --max-total ${groupDigits(s.max)}`}`,
  );
}

/**
 * The next command, when the batch is not final yet, shell-quoted so that it pastes. After a
 * guard refusal (`guard.problems`) no figure is offered: a ready-made --max-total equal to the
 * quotes would undo the guard by copy and paste. `now`: the server's clock, whose time the
 * deadline is; `zone`: the operator's.
 */
export function nextLine(
  csv: string,
  follow: BatchFollow,
  guard: GuardResult | null,
  now: Date,
  zone: string,
  /** The batch's remaining file (app/remaining.ts remainingFileOf). */
  remaining = remainingPath(csv),
  /** The run's input options that change the rows: every command printed carries them. */
  flags: RowFlags = NO_ROW_FLAGS,
): string | null {
  // A request that must never be accepted as it stands: no figures to advise.
  if (follow.unacceptable) return null;
  // Read so by a status (the gate of quote and accept would refuse it): the way out, not a quote (helper-100).
  const polluted = follow.pollutedOpen().map((request) => request.id);
  if (polluted.length > 0) {
    const others = follow.draftsHoldingRows().filter((id) => !polluted.includes(id));
    return `next: cancel request(s) ${polluted.join(", ")} at Bitex (they hold outputs that are not this batch's rows; nothing is paid from a request not accepted)${otherDraftsWords(others)}, then ${batchCommand(flags, "status", csv)} writes ${remaining} with their rows (README: "A request with extra outputs")`;
  }
  const states = new Set(
    follow.views.filter((view) => !follow.holdsNothing(view)).map((view) => view.request?.state ?? "none"),
  );
  if (states.has("none")) return `next: ${batchCommand(flags, "submit", csv)} (rows not created yet)`;
  // The guard accepts only a batch whose every request is quoted: with one cancelled, quoting
  // or accepting the others can never pay them. Said as accept's refusal says it.
  const lost = lostRequests(follow);
  if (
    lost.length > 0 &&
    (["draft", "quote_requested", "quoted"] as const).some((state) => states.has(state))
  ) {
    // Its drafts are never quoted, and never released while they exist (follow/remaining.ts).
    const drafts = follow.draftsHoldingRows();
    const cancelled = lost.map((r) => r.id).join(", ");
    if (drafts.length > 0)
      return `next: ${cancelDraftsWords(drafts, cancelled, batchCommand(flags, "status", csv), remaining)}`;
    return `next: ${remainingCommand(flags, remaining)} (the rows of cancelled request(s) ${cancelled}; accept refuses a batch with a cancelled request, so the batch's other quotes cannot be accepted)`;
  }
  // Rows released to the remaining file in a request still open: that file pays them, and
  // quote and accept refuse this batch (helper-77: `quote --allow-partial` was advised).
  if (follow.heldReleased)
    return `next: ${remainingCommand(flags, remaining)} (rows of this batch were released to it; this batch never quotes nor accepts their request)`;
  // A draft holding rows not created yet is not quoted (the gate refuses it): submit resumes
  // them; one holding rows Bitex refused is quoted without them, as submit's next line says.
  const drafts = follow.views.filter((view) => !follow.holdsNothing(view) && view.request?.state === "draft");
  if (drafts.some((view) => follow.rowsNotIn(view).uncreated.length > 0))
    return `next: ${batchCommand(flags, "submit", csv)} (rows not created yet)`;
  // So is a batch beside a request holding no row (every row refused): the gate refuses it without the flag.
  const empty = follow.views.some((view) => follow.holdsNothing(view));
  if (drafts.some((view) => follow.rowsNotIn(view).refused.length > 0) || (drafts.length > 0 && empty))
    return `next: ${batchCommand(flags, "quote", csv, "--allow-partial")} (quotes the other rows without them; they are in ${remaining})`;
  // Rows Bitex refused are in no quote (left out by quote --allow-partial): the gate of quote
  // and accept refuses the batch without the flag, so every command from here carries it.
  const partial = follow.views.some((view) => follow.rowsNotIn(view).refused.length > 0)
    ? ["--allow-partial"]
    : [];
  if (states.has("draft")) return `next: ${batchCommand(flags, "quote", csv, ...partial)}`;
  if (states.has("quote_requested")) {
    const eta = latestTime(
      follow.views.flatMap(({ request }) =>
        request?.state === "quote_requested" && request.eta ? [request.eta] : [],
      ),
    );
    const when = eta ? `; Bitex announced them for ${deadlineWords(eta, now, zone)}` : "";
    return `next: ${batchCommand(flags, "quote", csv, ...partial)} (the quotes are not in yet${when})`;
  }
  if (states.has("quoted")) {
    // Past its deadline it is lapsed, though Bitex may show it quoted until it cancels it.
    const lapsed = lapsedQuotes(follow, now);
    if (lapsed.length > 0)
      return `next: ${batchCommand(flags, "status", csv)} (${lapsedWords(csv, lapsed, now, zone, remaining, flags)})`;
    const refused = (guard?.problems.length ?? 0) > 0;
    // A currency whose quotes spend nothing needs no --max-total (guard.ts), and takes none.
    const spend = refused
      ? []
      : (guard?.spend ?? []).flatMap((s) =>
          decimal(s.total).units === 0n ? [] : [`--max-total ${s.currency}=${s.total}`],
        );
    const first = inTimeOrder(
      follow.views
        .map((view) => view.request?.accept_quote_before)
        .filter((at): at is string => typeof at === "string"),
    )[0];
    const limits = spend.length > 0 ? spend : ["--max-total CUR=AMOUNT"];
    // In parentheses after the command, so that the line pastes whole up to them.
    const notes = [
      ...(refused ? ["the most you mean to spend per currency; the quotes are above"] : []),
      ...(first ? [acceptBefore(first, now, zone)] : []),
    ];
    return `next: ${batchCommand(flags, "accept", csv, ...partial, ...limits)}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
  }
  if (follow.openRows() > 0) return `next: ${batchCommand(flags, "status", csv, "--watch")}`;
  return null;
}

/** "accept before 2026-11-29 13:40:00 -03:00, in 100 min" (deadlineWords, without its parentheses). */
function acceptBefore(deadline: string, now: Date, zone: string): string {
  const at = serverTime(deadline);
  return at
    ? `accept before ${humanTime(at, zone)}, ${countdown(at, now)}`
    : `accept before ${deadlineWords(deadline, now, zone)}`;
}

/**
 * How far a batch got, from its requests' and rows' states as just read: `staged` (outputs
 * created, requests draft or waiting for their quote: nobody is paid), `quoted`, `accepted`
 * (money committed, rows on their way), `final` (every row in a final state), or `none`
 * (some row not created yet). The lowest request decides: a batch is as far as its last request.
 */
export type Stage = "none" | "staged" | "quoted" | "accepted" | "final";

const STAGE_OF_REQUEST: Record<string, Stage> = {
  draft: "staged",
  quote_requested: "staged",
  quoted: "quoted",
  quote_accepted: "accepted",
  working: "accepted",
  finished: "final",
  cancelled: "final",
};
const STAGES: readonly Stage[] = ["none", "staged", "quoted", "accepted", "final"];

export function stageOf(follow: BatchFollow, allRowsFinal: boolean): Stage {
  // Nothing read (the key refused, the API away before the first read): nothing shows any
  // request past draft, so no stage that says money was committed.
  if (follow.views.length === 0) return "none";
  // Every request holding no row (every row refused): no row was created.
  if (follow.nothingLeft()) return "none";
  if (allRowsFinal) return "final";
  let lowest: Stage = "final";
  for (const view of follow.views) {
    if (follow.holdsNothing(view)) continue;
    const stage = view.request ? (STAGE_OF_REQUEST[view.request.state] ?? "none") : "none";
    if (STAGES.indexOf(stage) < STAGES.indexOf(lowest)) lowest = stage;
  }
  if (lowest !== "final") return lowest;
  // Every request final, rows not: rows never created (stranded in a request that lapsed or
  // was cancelled) are not paid, and nothing says a request of them was accepted. A row whose
  // output an old listing lacks (one of `unlisted`, each also in `missing`) was created.
  const stranded = (view: RequestView) => view.missing.length > view.unlisted.length;
  return follow.views.some((view) => !follow.holdsNothing(view) && stranded(view)) ? "none" : "accepted";
}

/**
 * The words a log reader cannot take for "paid": what the stage means for the payees.
 * `accepted`: the requests of the batch accepted already (money committed), which a stage
 * below `accepted` (the least advanced request's) must not hide behind "nobody is paid".
 */
export function stageLine(
  stage: Stage,
  rows: number,
  accepted: readonly string[] = [],
  lost: readonly string[] = [],
  /**
   * Requests waiting for their quote (quote_requested), and quoted (a stage below quoted has
   * drafts beside them); `noneCreated`: Bitex refused every row.
   */
  more: {
    requested?: readonly string[];
    quoted?: readonly string[];
    noneCreated?: boolean;
    /** Quoted requests past their deadline by the server's clock (Bitex cancels them soon). */
    lapsed?: readonly string[];
  } = {},
): string | null {
  const line = notPaidLine(stage, rows, more, more.noneCreated === true);
  if (line === null) return line;
  // Never "until accepted (before their deadline)" past a deadline (helper-109).
  const lapsed = more.lapsed ?? [];
  if (accepted.length === 0 && lost.length === 0 && stage === "quoted" && lapsed.length > 0)
    return `QUOTED, NOT PAID: nobody is paid; the quote of request(s) ${lapsed.join(", ")} lapsed (Bitex may still show it quoted), and accept refuses a batch with a lapsed quote`;
  // A cancelled request (a lapsed quote) keeps the batch from any accept: "until accepted" would promise one.
  if (accepted.length === 0 && lost.length > 0 && (stage === "quoted" || stage === "staged")) {
    return `${stage === "quoted" ? "QUOTED" : "STAGED"}, NOT PAID: nobody is paid; request(s) ${lost.join(", ")} can no longer be accepted (cancelled), and accept refuses a batch with a cancelled request`;
  }
  if (accepted.length === 0) return line;
  // Beside a cancelled request no accept of the others will come: none is promised.
  if (lost.length > 0)
    return `PARTLY ACCEPTED: request(s) ${accepted.join(", ")} accepted (money committed for their rows); request(s) ${lost.join(", ")} can no longer be accepted (cancelled), and accept refuses a batch with a cancelled request: the other requests' rows are not paid by this batch`;
  const rest =
    stage === "staged"
      ? "their quotes are requested and accepted"
      : stage === "quoted"
        ? "their quotes are accepted (before their deadline)"
        : "they are created, quoted and accepted";
  return `PARTLY ACCEPTED: request(s) ${accepted.join(", ")} accepted (money committed for their rows); the other requests' rows are not paid until ${rest}`;
}

function notPaidLine(
  stage: Stage,
  rows: number,
  { requested = [], quoted = [] }: { requested?: readonly string[]; quoted?: readonly string[] },
  noneCreated: boolean,
): string | null {
  switch (stage) {
    case "staged": {
      // A request whose quote was asked for, or is in, is no draft any more: said as Bitex shows it.
      const past = [
        ...(quoted.length > 0 ? [`request(s) ${quoted.join(", ")} quoted`] : []),
        ...(requested.length > 0
          ? [`the quote of request(s) ${requested.join(", ")} is requested, not in yet`]
          : []),
      ];
      return past.length > 0
        ? `STAGED, NOT PAID: ${rows} row(s) created; ${past.join("; ")}; nobody is paid until the quotes are in and accepted`
        : `STAGED, NOT PAID: ${rows} row(s) created in draft requests; nobody is paid until the quotes are requested and accepted`;
    }
    case "quoted":
      return `QUOTED, NOT PAID: nobody is paid until the quotes are accepted (before their deadline)`;
    case "none":
      return noneCreated
        ? "NOT PAID: no row was created (Bitex refused every row, see the report); nobody is paid"
        : "NOT PAID: some rows are not created yet";
    default:
      return null;
  }
}

/**
 * Said instead of a NOT PAID line when an accept of this run got no clear answer and no read
 * settled it (follow.acceptUnclear): the views still show the request quoted, but it may
 * have been accepted. null when every such request reads accepted.
 */
export function acceptUnclearLine(follow: BatchFollow): string | null {
  const ids = [...follow.acceptUnclear].filter((id) => {
    const view = follow.views.find((v) => v.request?.id === id);
    return !view?.request || !stepDone("accept_quote", view.request.state);
  });
  if (ids.length === 0) return null;
  ids.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return `ACCEPT UNCLEAR: the accept of request(s) ${ids.join(", ")} was sent and got no clear answer: it may have been accepted (money committed); the server says which`;
}

/** What the quotes spend per currency, as `accept` would compare it (no limits given). */
export function spendOf(follow: BatchFollow): GuardResult {
  const requests = follow.views.flatMap((view) => (view.request ? [view.request] : []));
  return { spend: checkGuard(requests, [], new Date()).spend, problems: [] };
}

export const acceptedRequests = (follow: BatchFollow): ConciergeRequest[] =>
  follow.views.flatMap((view) =>
    view.request && stepDone("accept_quote", view.request.state) ? [view.request] : [],
  );

/** Requests that can no longer be accepted: cancelled (a lapsed quote, or at Bitex). */
export const lostRequests = (follow: BatchFollow): ConciergeRequest[] =>
  follow.views.flatMap((view) =>
    // Not one holding no row (every one refused, then pruned): the others are quoted without
    // it under --allow-partial, as the gate says.
    view.request?.state === "cancelled" && !follow.holdsNothing(view) ? [view.request] : [],
  );

/**
 * Requests accepted once and cancelled since (funds that never came): their rows are not paid,
 * and they were accepted (BatchFollow.passedBy: no step refuses a batch for them when nothing
 * else of it is left to accept).
 */
export const cancelledAfterAccept = (follow: BatchFollow): ConciergeRequest[] =>
  follow.views.flatMap((view) =>
    view.request && follow.cancelledAfterAccept(view.request) ? [view.request] : [],
  );

/** What an accept that found such requests says of them: accepted, then cancelled, not paid. */
export function cancelledAfterAcceptLine(requests: readonly ConciergeRequest[]): string {
  const named = requests.map((r) => `${r.id} (${r.cancellation_reason ?? "no reason given"})`).join(", ");
  return `request(s) ${named} were accepted and then cancelled at Bitex: their rows are not paid, and not charged; nothing of them is left to accept`;
}

/**
 * Requests whose accept Bitex refused in this run and that still read quoted, as if their
 * quote had not lapsed (Bitex may apply the deadline after refusing): not accepted, and not
 * cancelled yet, so their rows are not in the remaining file until Bitex cancels them.
 */
export const refusedStillQuoted = (follow: BatchFollow): ConciergeRequest[] =>
  follow.views.flatMap((view) =>
    view.request &&
    follow.acceptRefused.has(view.request.id) &&
    !stepDone("accept_quote", view.request.state) &&
    view.request.state !== "cancelled"
      ? [view.request]
      : [],
  );

/**
 * What an accept the guard refused says before its error: never "nothing accepted" when some
 * request was, and never a heading with nothing under it: with no quote to hold against
 * --max-total (every quote lapsed, none in yet), why there is none.
 */
export function acceptRefusedLines(follow: BatchFollow, guard: GuardResult): string[] {
  const earlier = acceptedRequests(follow);
  const nothing =
    earlier.length > 0
      ? `no further request accepted (request(s) ${earlier.map((r) => r.id).join(", ")} accepted before)`
      : "nothing accepted";
  const figures = guardLines(guard);
  if (figures.length > 0) return [`${nothing}: the batch's quotes against --max-total:`, ...figures];
  // Each request without a quote that counts, grouped by what keeps its quote out.
  const why = new Map<string, string[]>();
  for (const view of follow.views) {
    const { request } = view;
    if (!request || follow.holdsNothing(view)) continue;
    const words =
      request.state === "cancelled"
        ? request.cancellation_reason === "quote_not_accepted"
          ? "cancelled (quote_not_accepted: the quote lapsed before it was accepted)"
          : `cancelled (${request.cancellation_reason ?? "no reason given"})`
        : request.state === "draft"
          ? "draft (no quote requested)"
          : request.state === "quote_requested"
            ? "waiting for its quote"
            : `${request.state} without a total_to_spend`;
    why.set(words, [...(why.get(words) ?? []), request.id]);
  }
  const reasons = [...why].map(
    ([words, ids]) => `request${ids.length > 1 ? "s" : ""} ${ids.join(", ")} ${words}`,
  );
  return [
    `${nothing}: no quote of the batch stands against --max-total${reasons.length > 0 ? `: ${reasons.join("; ")}` : ""}`,
  ];
}

/** What to do after an accept the guard refused: never a new --batch-id for created rows. */
export function acceptRefusedHint(
  csv: string,
  follow: BatchFollow,
  now: Date,
  zone: string,
  /** The batch's remaining file (app/remaining.ts remainingFileOf). */
  remaining = remainingPath(csv),
  flags: RowFlags = NO_ROW_FLAGS,
  /** The run's --max-total values, as given: the accept offered with --allow-partial repeats them. */
  maxTotals: readonly string[] = [],
): string {
  const lost = lostRequests(follow);
  if (lost.length > 0) {
    const drafts = follow.draftsHoldingRows();
    return drafts.length > 0
      ? cancelDraftsWords(
          drafts,
          lost.map((r) => r.id).join(", "),
          batchCommand(flags, "status", csv),
          remaining,
        )
      : `the rows of a cancelled request are not paid: they go to ${remaining}; submit that file to pay them (${remainingCommand(flags, remaining)})`;
  }
  if (follow.heldReleased)
    return `rows of this batch were released to ${remaining}, which pays them: this batch never accepts their request`;
  const accepted = acceptedRequests(follow);
  // Accepted above --max-total by an earlier run: the guard refuses again, but nothing is quoted.
  if (accepted.length > 0 && accepted.length === follow.views.length)
    return `every request of the batch is accepted already (request(s) ${accepted.map((r) => r.id).join(", ")}): nothing is left to accept, and accepting cannot be undone; ${batchCommand(flags, "status", csv)} shows every row`;
  const lapsed = lapsedQuotes(follow, now);
  if (lapsed.length > 0) return lapsedWords(csv, lapsed, now, zone, remaining, flags);
  if (follow.stranded)
    return `those rows can never join their request: once its quote lapses (or it is cancelled at Bitex), ${batchCommand(flags, "status", csv)} writes ${remaining} with the batch's rows, to submit`;
  // No quote yet: none stands, none lapsed.
  const unquoted = follow.views.some(
    (view) =>
      !follow.holdsNothing(view) &&
      (view.request?.state === "draft" || view.request?.state === "quote_requested"),
  );
  if (unquoted)
    return `the batch is not quoted yet: ${batchCommand(flags, "quote", csv)} gets its quotes and prints what they spend and the accept command`;
  // The gate refused rows Bitex refused at create (quote --allow-partial left them out): the
  // same accept with the flag accepts the quotes without them, within the operator's own limits.
  if (follow.partialRefused) {
    const limits = maxTotals.flatMap((max) => ["--max-total", shellWord(max)]);
    return `the rows Bitex refused at create are in no quote (a quoted request takes no more outputs): accept the quotes without them with --allow-partial (${batchCommand(flags, "accept", csv, "--allow-partial", ...limits)}); they are in ${remaining}, to fix and submit`;
  }
  const check = `check them (${batchCommand(flags, "quote", csv)} prints them) and decide the most to spend per currency`;
  // Partly accepted: the guard is the batch's, so the accepted request's spend counts in it.
  if (accepted.length > 0)
    return `request(s) ${accepted.map((r) => r.id).join(", ")} of the batch are accepted already (that cannot be undone) and count in its total: --max-total is the most the whole batch spends; the other quotes stand until their deadline; ${check}`;
  return `nothing lapsed: the quotes stand until their deadline; ${check}`;
}

/** Requests read quoted whose deadline has passed on the server's clock (`now`). */
export function lapsedQuotes(follow: BatchFollow, now: Date): ConciergeRequest[] {
  return follow.views.flatMap(({ request }) => {
    const deadline = request?.state === "quoted" ? serverTime(request.accept_quote_before) : null;
    return request && deadline && deadline <= now ? [request] : [];
  });
}

/** What a lapsed quote means for the batch: the guard refuses it, and its rows wait for the remaining file. */
function lapsedWords(
  csv: string,
  lapsed: readonly ConciergeRequest[],
  now: Date,
  zone: string,
  remaining: string,
  flags: RowFlags,
): string {
  const first = inTimeOrder(lapsed.map((request) => request.accept_quote_before as string))[0] as string;
  return `the quote of request(s) ${lapsed.map((r) => r.id).join(", ")} lapsed at ${deadlineWords(first, now, zone)}: accept refuses a batch with a lapsed quote; once Bitex shows it cancelled, ${batchCommand(flags, "status", csv)} writes ${remaining} with its rows, to submit`;
}

/** Totals above the guard found after accepting (it cannot be undone): loud, named, not exit 0. */
export function acceptedAbove(follow: BatchFollow, csv: string, flags: RowFlags = NO_ROW_FLAGS): BatchError {
  const words = follow.acceptedAbove.map((spend) => {
    const ids = acceptedRequests(follow)
      .filter((request) => senderCurrency(request) === spend.currency)
      .map((request) => {
        const total = request.total_to_spend;
        return `${request.id} (${total === null ? "no total" : groupDigits(padScale(total, minorUnits(spend.currency)))})`;
      });
    return `${spend.currency}: the accepted quotes spend ${groupDigits(spend.total)}, above --max-total ${spend.currency}=${spend.max}: request(s) ${ids.join(", ")}`;
  });
  return new BatchError(
    "over_guard",
    `ACCEPTED ABOVE --max-total (read after accepting): ${words.join("; ")}`,
    {
      hint: `the quotes were within --max-total when read just before accepting; accepting cannot be undone: check the requests at Bitex now (${batchCommand(flags, "status", csv)} shows every row)`,
    },
  );
}

/**
 * Some requests accepted (their money moves), others lost or refused: said as such, never as
 * "nothing accepted". `refused`: see refusedStillQuoted.
 */
export function partlyAccepted(
  out: Console,
  csv: string,
  batchId: string,
  follow: BatchFollow,
  accepted: readonly ConciergeRequest[],
  lost: readonly ConciergeRequest[],
  refused: readonly ConciergeRequest[] = [],
  /** The batch's remaining file (app/remaining.ts remainingFileOf). */
  remainingFile = remainingPath(csv),
  flags: RowFlags = NO_ROW_FLAGS,
): BatchError {
  const viewsOf = (requests: readonly ConciergeRequest[]) =>
    follow.views.filter((view) => view.request && requests.includes(view.request));
  const rowsOf = (requests: readonly ConciergeRequest[]) =>
    viewsOf(requests).reduce((sum, view) => sum + view.planned.rows.length, 0);
  // Accepted for payment: rows with an output Bitex did not reject (nor cancel), as the report
  // shows them. Not "being paid": an accepted request waits for its funds, and may still be
  // cancelled (payment_not_received) if they never arrive.
  const outcomes = follow.rowOutcomes(new Date());
  const paying = (line: number) => {
    const outcome = outcomes.get(line);
    return outcome?.status === "created" && outcome.state !== "rejected" && outcome.state !== "cancelled";
  };
  const forPayment = viewsOf(accepted).reduce(
    (sum, view) => sum + view.planned.rows.filter((row) => paying(row.line)).length,
    0,
  );
  const ids = (requests: readonly ConciergeRequest[]) => requests.map((r) => r.id).join(", ");
  const remaining = `${remainingFile}: ${remainingCommand(flags, remainingFile)} pays them (and nobody else)`;
  // Each kind of request not accepted, as the warning, the error and the hint say it.
  const kinds = [
    lost.length > 0 && {
      warn: `request(s) ${lost.map((r) => `${r.id} (${r.cancellation_reason ?? "cancelled"})`).join(", ")} can no longer be accepted, ${rowsOf(lost)} row(s) not paid`,
      error: `${rowsOf(lost)} row(s) of cancelled request(s) ${ids(lost)} not paid`,
      hint: `the rows not paid are in ${remaining}`,
    },
    // Their quote's deadline is Bitex's to apply: until it cancels them, their rows may not be paid again.
    refused.length > 0 && {
      warn: `Bitex refused to accept request(s) ${refused.map((r) => `${r.id} (it still reads ${r.state})`).join(", ")}, ${rowsOf(refused)} row(s) not accepted`,
      error: `${rowsOf(refused)} row(s) of refused request(s) ${ids(refused)} not accepted`,
      hint: `once Bitex shows request(s) ${ids(refused)} cancelled, ${batchCommand(flags, "status", csv)} writes their rows to ${remaining}`,
    },
  ].filter((kind) => kind !== false);
  out.warn(
    `partly accepted: request(s) ${ids(accepted)} accepted, ${forPayment} row(s) accepted for payment; ${kinds.map((k) => k.warn).join("; ")}`,
  );
  return new BatchError(
    "partial",
    `batch ${batchId} is partly accepted: ${forPayment} row(s) accepted for payment, ${kinds.map((k) => k.error).join(", ")}`,
    {
      hint: [
        ...kinds.map((k) => k.hint),
        // Every accepted row final already (an accept run again after the end): nothing to follow.
        follow.openRows() > 0
          ? `${batchCommand(flags, "status", csv, "--watch")} follows the rest`
          : `${batchCommand(flags, "status", csv)} shows where each row ended`,
      ].join("; "),
    },
  );
}

/**
 * Accepted requests no accept from this machine's journal went to (another hand's, at Bitex):
 * counted in the figures said after the accepts, so named apart from this run's (helper-114).
 */
export async function acceptedElsewhereLine(
  journalPath: string,
  follow: BatchFollow,
): Promise<string | null> {
  // By intents, never by "done": a run records as done a request it found accepted.
  const sent = new Set((await acceptSteps(journalPath, "intent")).map((step) => step.request_id));
  const elsewhere = acceptedRequests(follow).flatMap((request) => (sent.has(request.id) ? [] : [request.id]));
  return elsewhere.length > 0
    ? `request(s) ${elsewhere.join(", ")} were accepted before this run, by another hand (no accept of them is in this machine's journal): counted in the figures below`
    : null;
}

/** This machine's journaled accept steps of one phase (none when it cannot be read). */
async function acceptSteps(journalPath: string, phase: "intent" | "done") {
  const entries = await readJournal(journalPath).catch(() => []);
  return entries.flatMap((entry) =>
    entry.t === "step" && entry.action === "accept_quote" && entry.phase === phase ? [entry] : [],
  );
}

/**
 * An accept that found every request accepted already sends nothing and says so, with when
 * (the last accept this machine's journal recorded as done), never "accepted" as if it had.
 */
export async function alreadyAcceptedLine(journalPath: string, zone: string): Promise<string> {
  const latest = async (phase: "intent" | "done") =>
    (await acceptSteps(journalPath, phase))
      .map((step) => step.at)
      .sort()
      .at(-1);
  const at = await latest("done");
  if (at) return `Already accepted at ${humanTime(at, zone)}; nothing sent`;
  // A run stopped (a kill, a lost answer) after sending its accept and before recording the answer.
  const sent = await latest("intent");
  return sent
    ? `Already accepted (the accept sent from this machine at ${humanTime(sent, zone)} had no answer on record: it landed, or another hand's did); nothing sent`
    : "Already accepted (no accept of it is in this machine's journal); nothing sent";
}
