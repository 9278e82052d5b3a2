/**
 * The follow-through of a batch whose outputs were created (docs/design.md section 12): quote
 * behind the quote gate, accept behind the guard, then follow every row to a final state.
 * The API and the journal come in from outside; the decisions are in gate.ts, guard.ts and
 * steps.ts, and what the report shows of each row is `rowOutcomes`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { JournalAppender, JournalState, StepAction } from "../batch/journal.js";
import { ApiError } from "../bitex/errors.js";
import type { ConciergeRequest } from "../bitex/jsonapi.js";
import { compare, decimal } from "../decimal.js";
import { BatchError } from "../errors.js";
import type { OutcomeOf, Plan, PlannedRequest, RowOutcome } from "../model.js";
import { portCountry } from "../ports.js";
import { remainingPath } from "../report/remaining.js";
import { rowState, stateWords } from "../report/state-words.js";
import { batchCommand, NO_ROW_FLAGS, type RowFlags, remainingCommand } from "../shell-words.js";
import { latestTime, serverTime } from "../time.js";
import { FINAL_OUTPUT_STATES, type OutputState } from "../wire/resources.js";
import { checkGate, type GateProblem, olderVersionProblem } from "./gate.js";
import { checkGuard, type GuardResult, type MaxTotal } from "./guard.js";
import { ListingBudget } from "./listing.js";
import {
  type FollowApi,
  isListing,
  outputsSignature,
  type RequestView,
  readRequest,
  uniformState,
} from "./read.js";
import { cancelDraftsWords, UNPAID_FINAL } from "./remaining.js";
import { runStep, type StepApi, StepRefused, stepDone } from "./steps.js";

export interface FollowOptions {
  api: FollowApi & StepApi;
  /** The batch's input as the operator named it: the file of every command a refusal offers. */
  file: string;
  plan: Plan;
  /** The journal as this run found it: create outcomes and steps already taken. */
  past: JournalState;
  /** Where steps are journaled; null for the read-only `status`. */
  journal: JournalAppender | null;
  signal: AbortSignal;
  /** See StepContext.settleMs. */
  settleMs: number;
  /** `--allow-partial`: rows that failed to create are left out of the quote. */
  allowPartial: boolean;
  say(line: string): void;
  /** A server's time (an eta) as the operator reads it, counted down by the server's clock. */
  tellTime(iso: string): string;
  checkpoint?: (point: string) => void;
  /**
   * The server's clock, to sleep until a time it announced (a quote's `eta`) instead of
   * polling; without it, waits poll every `pollMs`.
   */
  serverClock?: { serverNow(): Date; serverPace(): number | null };
  /**
   * Lines the batch released to its remaining file (released.json), read again before each
   * money step (a read-only `status` may release rows meanwhile): that file pays them, so no
   * request holding one is ever quoted or accepted by this batch.
   */
  released?: () => Promise<ReadonlySet<number>>;
  /** Right before the accepts are sent: throws to send none (a batch begun since holds the rows). */
  beforeAccepts?: () => Promise<void>;
  /** The batch's remaining file, as the words name it (default: the pattern). */
  remainingFile?: string;
  /** The run's input options that change the rows: every command printed carries them (default: none). */
  rowFlags?: RowFlags;
}

/** Outputs read at once at most, unless one request holds more (listing.ts). */
const LISTED_AT_ONCE = 10_000;
/** `Date` has whole seconds: a wait for the server's time ends this much after it. */
const ETA_MARGIN_MS = 1_000;
/**
 * How far ahead of the server's clock a quote's `eta` must be for its quote to be surely not
 * in yet: far beyond the second the clock is good to (server-clock.ts).
 */
const QUOTE_LATER_MS = 60_000;
/** How long to wait before reading again while the server's pace is not known yet. */
const PACE_UNKNOWN_WAIT_MS = 2_000;
/** The longest sleep before the request is read again, should the server's clock or eta move. */
const MAX_ETA_SLEEP_MS = 300_000;
/** The shortest wait between two reads of `watch`, whatever the server's pace (--sandbox's interval). */
const MIN_READ_GAP_MS = 250;

/**
 * `ms` of the server's clock, in this machine's: `--interval` is a span of the server's time,
 * as a quote's `eta` is. Against Bitex (pace 1, or not known yet) it is unchanged; an emulator
 * whose clock runs 120 times faster is read as often in its time, down to MIN_READ_GAP_MS.
 */
export function onServerClock(ms: number, pace: number | null): number {
  return pace !== null && pace > 1 ? Math.max(Math.min(ms, MIN_READ_GAP_MS), ms / pace) : ms;
}

const isFinalRequest = (request: ConciergeRequest | null) =>
  request !== null && (request.state === "finished" || request.state === "cancelled");

/**
 * Read as finished or cancelled, its outputs listed in the states it counts: nothing of it
 * changes any more. A listing found behind the request (statesBehind) is listed again.
 */
const isSettledView = (view: RequestView) =>
  isFinalRequest(view.request) && view.source !== "journal" && view.statesBehind === undefined;

export class BatchFollow {
  views: RequestView[] = [];
  /** A money step was sent (or may have been): a failure from here on is a stop, not "nothing sent". */
  stepped = false;
  /**
   * The gate found a request that must never be accepted as it stands (outputs that are not
   * the batch's, or rows that can never join it): no figure of its quote is advice.
   */
  unacceptable = false;
  /**
   * Requests whose accept this run sent (or an earlier run sent, journaled as intent) and then
   * failed before a read settled it: it may have landed, whatever the views still show.
   */
  readonly acceptUnclear = new Set<string>();
  /** A request left draft without rows of the batch (quoted by someone else): they can never join it. */
  stranded = false;
  /** A request still to be quoted or accepted holds rows the batch released to its remaining file. */
  heldReleased = false;
  /** The gate refused the accept for rows Bitex refused at create, which --allow-partial leaves out. */
  partialRefused = false;
  /** Each request's answer to this run's last step on it, while no read came after it. */
  private readonly unreadAnswers = new Map<string, ConciergeRequest>();
  /** The batch's released lines as last read (see FollowOptions.released). */
  private released: ReadonlySet<number> = new Set();
  /** The last full read came after every quote was in: it proves the outputs for `accept` too. */
  private readAfterQuotes = false;
  /** This run's waits so far (its sleeps, a step's settle delay included). */
  private waits = 0;
  /** Planned key → `waits` when its request was last read; a step sent on it deletes it. */
  private readAt = new Map<string, number>();
  /** Outputs listed at once (listing.ts). */
  private readonly budget = new ListingBudget(LISTED_AT_ONCE);
  /** See plannedOfLine. */
  private lineIndex: ReadonlyMap<number, PlannedRequest> | null = null;

  constructor(private readonly options: FollowOptions) {}

  /**
   * Reads every request of the batch; one read as finished or cancelled (and listed) is not
   * read again. `light` and `stale`: see readRequest (one GET a request when its outputs
   * need no listing); without them every request's outputs are listed.
   */
  async read(
    how: { light?: boolean; stale?: boolean } = {},
    which: (view: RequestView) => boolean = () => true,
  ): Promise<RequestView[]> {
    const { api, plan, past } = this.options;
    const before = new Map(this.views.map((view) => [view.planned.key, view]));
    this.views = await Promise.all(
      plan.requests.map(async (planned) => {
        const known = before.get(planned.key);
        if (known && (isSettledView(known) || !which(known))) return known;
        const view = await readRequest(api, planned, past, { ...how, before: known, budget: this.budget });
        this.readAt.set(planned.key, this.waits);
        return view;
      }),
    );
    return this.views;
  }

  /**
   * The view shows the request as a read now would: it was read since this run last waited
   * and no step was sent on it since (or it is finished or cancelled, and listed). Between
   * two money steps without a wait, a request is read once, not once per decision.
   */
  private fresh(view: RequestView): boolean {
    return isSettledView(view) || this.readAt.get(view.planned.key) === this.waits;
  }

  private readStale(how: { light?: boolean; stale?: boolean }): Promise<RequestView[]> {
    return this.read(how, (view) => !this.fresh(view));
  }

  /**
   * Lists the outputs of every request whose view does not show them as the server holds
   * them now (taken from the journal, or listed before their states changed): a report
   * shows each row's figures as Bitex quoted them and its state as last listed.
   */
  async listForReport(): Promise<void> {
    const { api, past } = this.options;
    this.views = await Promise.all(
      this.views.map(async (view) => {
        if (!view.request || isListing(view, outputsSignature(view.request))) return view;
        // Read since the last wait, or final: a new read of the request would show the same.
        const request = this.fresh(view) || isFinalRequest(view.request) ? view.request : undefined;
        return readRequest(api, view.planned, past, { request, budget: this.budget });
      }),
    );
  }

  /**
   * Requests a quote for every draft request and waits up to `waitMs` for every quote. Bitex
   * quotes Argentina, Chile, Mexico, Paraguay and Uruguay at once and other ports later
   * (`eta`), and a quote lapses 10 minutes after its `eta`: quoted all at once, the fast
   * requests would lapse before the slow ones arrive. So the slow ones are asked first and
   * the fast ones only once no quote is outstanding: then every quote of the batch can be
   * accepted together.
   */
  async quote(waitMs: number, pollMs: number): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      // Each decision below stands on a read made after the last wait and the last step sent.
      await this.readStale({ light: true });
      await this.readReleased();
      const problems = this.views.flatMap((view) => {
        if (this.leftOut(view)) return [];
        if (view.request && view.request.state !== "draft") {
          // An output that landed while the quote was in flight is in the quote: refused the same.
          const gate = checkGate(view, this.options.past, { allowPartial: true });
          const polluted = gate.filter((problem) => problem.kind === "polluted");
          // Quoted by someone else while rows were still missing: they can never join it.
          const lacking = gate.filter((problem) => problem.kind === "stranded");
          return [
            ...olderVersionProblem(view.request),
            // Accepted once, then cancelled (funds that never came), with nothing of the batch
            // left to quote or accept: nothing to refuse (passedBy).
            ...(this.passedBy(view.request) ? [] : cancelledProblem(view.request, this.holdsNothing(view))),
            ...this.releasedProblem(view),
            ...polluted.map((problem) => ({
              ...problem,
              message: `${problem.message}; request ${view.request?.id} is ${view.request?.state} with them in its quote`,
            })),
            ...lacking,
          ];
        }
        return [
          ...this.releasedProblem(view),
          ...checkGate(view, this.options.past, { allowPartial: this.options.allowPartial }),
        ];
      });
      if (
        problems.some(
          (problem) =>
            problem.kind === "polluted" ||
            problem.kind === "cancelled" ||
            problem.kind === "older_version" ||
            problem.kind === "released" ||
            problem.message.includes("never created"),
        )
      )
        this.unacceptable = true;
      if (problems.length > 0)
        throw gateRefusal(
          problems,
          "quoted",
          this.options.file,
          this.options.remainingFile,
          this.options.rowFlags,
          this.draftsHoldingRows(),
        );
      const drafts = this.views.filter((view) => view.request?.state === "draft" && !this.leftOut(view));
      const slow = drafts.filter((view) => quotedLater(view));
      const outstanding = this.views.some((view) => view.request?.state === "quote_requested");
      const now = slow.length > 0 ? slow : outstanding ? [] : drafts;
      // A quote past its deadline (Bitex shows it quoted until it cancels it) can never be
      // accepted with the others: theirs are not asked for, as its lapse ends the batch's accept.
      const lapsed = now.length > 0 ? this.lapsedQuotes() : [];
      if (lapsed.length > 0) {
        throw new BatchError(
          "refused",
          `the quote of request(s) ${ids(lapsed)} lapsed at ${this.options.tellTime(lapsed[0]?.request?.accept_quote_before ?? "")}, so request(s) ${ids(now)} were not quoted: the batch's quotes can no longer be accepted together`,
          {
            hint: `once Bitex shows it cancelled, ${batchCommand(this.options.rowFlags ?? NO_ROW_FLAGS, "status", this.options.file)} writes ${this.options.remainingFile ?? remainingPath(this.options.file)} with the batch's rows, to submit`,
          },
        );
      }
      if (now.length > 0) this.options.say(`asking Bitex for a quote: request(s) ${ids(now)}`);
      const waited = this.waits;
      const answers = await everyStep(
        now.map((view) => this.step("request_quote", view.request as ConciergeRequest)),
      );
      if (this.waits === waited) await this.takeAnswers("request_quote", answers);
      if (now.length > 0) continue; // read what the quotes did before deciding anything else
      if (drafts.length === 0 && !outstanding) {
        this.readAfterQuotes = true;
        return;
      }
      if (await this.waitForQuotes(deadline, pollMs)) continue;
      const waiting = this.views.filter((view) => view.request?.state === "quote_requested");
      const held =
        drafts.length > 0
          ? `; ${drafts.length} held as draft(s) until then, so that all can be accepted together`
          : "";
      throw new BatchError(
        "not_yet",
        `${waiting.length} request(s) still wait for their quote (${waiting.map((v) => v.request?.id).join(", ")})${held}`,
        { hint: "run the same command again later; it goes on waiting and sends nothing twice" },
      );
    }
  }

  /** Requests Bitex shows quoted whose `accept_quote_before` has passed on the server's clock. */
  private lapsedQuotes(): RequestView[] {
    const clock = this.options.serverClock;
    if (!clock) return [];
    const now = clock.serverNow();
    return this.views.filter((view) => {
      const deadline = view.request?.state === "quoted" ? serverTime(view.request.accept_quote_before) : null;
      return deadline !== null && deadline <= now;
    });
  }

  /**
   * Reads only the requests waiting for a quote (one GET each, their outputs listed only
   * where the request does not prove them), until none waits; false when the deadline or a
   * signal came first. Between reads it sleeps until the earliest `eta` announced (see
   * untilEta).
   */
  private async waitForQuotes(deadline: number, pollMs: number): Promise<boolean> {
    const first = this.views.filter((view) => view.request?.state === "quote_requested");
    const eta = first.map((view) => view.request?.eta).filter((at): at is string => typeof at === "string");
    // The last eta by its instant (a text that is not a time is said only when none is).
    const last = latestTime(eta) ?? eta[0];
    if (first.length > 0)
      this.options.say(
        `waiting for the quote of request(s) ${ids(first)}${last ? ` (eta ${this.options.tellTime(last)})` : ""}`,
      );
    for (;;) {
      const waiting = this.views.filter((view) => view.request?.state === "quote_requested");
      if (waiting.length === 0) return true;
      if (Date.now() >= deadline || this.options.signal.aborted) return false;
      await this.pause(Math.min(this.untilEta(waiting, pollMs), deadline - Date.now()));
      await this.read({ light: true }, (view) => waiting.includes(view));
    }
  }

  /**
   * How long to sleep before reading `waiting` again: until the earliest `eta` they announced
   * has passed on the server's clock (its pace followed, so an emulator's fast clock is too),
   * at most MAX_ETA_SLEEP_MS; `pollMs` once it has passed or without an eta; 2 s while the
   * server's pace is not known yet.
   */
  private untilEta(waiting: readonly RequestView[], pollMs: number): number {
    const clock = this.options.serverClock;
    if (!clock) return pollMs;
    const pace = clock.serverPace();
    // The pace needs two seconds of answers (server-pace.ts): look again once it can be known.
    if (!pace) return Math.max(pollMs, PACE_UNKNOWN_WAIT_MS);
    // An eta with no offset could mean any hour: polled for, never slept until.
    const etas = waiting.flatMap((view) => serverTime(view.request?.eta)?.getTime() ?? []);
    if (etas.length === 0) return pollMs;
    const aheadMs = Math.min(...etas) + ETA_MARGIN_MS - clock.serverNow().getTime();
    if (aheadMs <= 0) return pollMs;
    return Math.min(MAX_ETA_SLEEP_MS, Math.max(pollMs, aheadMs / pace));
  }

  /**
   * Accepts every quoted request, only when the gate and the guard hold for the whole batch.
   * Returns the guard's figures (for printing) whether or not it held.
   */
  async accept(maxTotals: readonly MaxTotal[], now: () => Date): Promise<GuardResult> {
    // A quoted request takes no more outputs: a read made once every quote was in still holds.
    if (!this.readAfterQuotes) await this.read({ light: true });
    await this.readReleased();
    // --allow-partial leaves out rows Bitex refused, never rows still to be sent: a request
    // accepted while some of its rows are missing can never take them any more.
    const gate = this.views.flatMap((view) => [
      ...this.releasedProblem(view),
      ...checkGate(view, this.options.past, { allowPartial: this.options.allowPartial }),
    ]);
    // A request accepted once and cancelled since, with nothing else left to accept (passedBy):
    // neither checked as "not quoted" nor sent an accept.
    const requests = this.views.flatMap((view) =>
      view.request && !this.leftOut(view) && !this.passedBy(view.request) ? [view.request] : [],
    );
    const guard = checkGuard(requests, maxTotals, now(), this.options.tellTime);
    if (gate.some((problem) => problem.kind === "stranded")) this.stranded = true;
    this.partialRefused = gate.some((problem) => problem.kind === "partial");
    if (
      gate.some(
        (problem) =>
          problem.kind === "polluted" ||
          problem.kind === "stranded" ||
          problem.kind === "released" ||
          problem.kind === "older_version",
      )
    )
      this.unacceptable = true;
    if (gate.length > 0) guard.problems.unshift(...gate.map((problem) => problem.message));
    if (guard.problems.length > 0) return guard;
    if (requests.every((request) => stepDone("accept_quote", request.state))) return guard;
    // The figures compared are read right before the accepts: a read made earlier may be stale.
    const fresh = await this.readTotalsAgain(requests);
    const checked = checkGuard(fresh, maxTotals, now(), this.options.tellTime);
    if (checked.problems.length > 0) return checked;
    // Released since the gate above (a status run meanwhile): refused the same, right before the accepts.
    await this.readReleased();
    const late = this.views.flatMap((view) => this.releasedProblem(view));
    if (late.length > 0) {
      this.unacceptable = true;
      return { ...checked, problems: late.map((problem) => problem.message) };
    }
    await this.options.beforeAccepts?.();
    const open = fresh.filter((request) => !stepDone("accept_quote", request.state));
    if (open.length > 0)
      this.options.say(`accepting the quote of request(s) ${open.map((r) => r.id).join(", ")}`);
    const waited = this.waits;
    const answers = await everyStep(open.map((request) => this.step("accept_quote", request)));
    // Each request's answer, read after any settle delay within its step, shows it accepted;
    // with no wait since the others were sent, it stands for the read after accepting.
    if (this.waits === waited) await this.takeAnswers("accept_quote", answers);
    await this.readStale({ light: true });
    // What was accepted cannot be undone: figures above the guard found now are said, never hidden.
    const after = checkGuard(
      this.views.flatMap((view) => (view.request ? [view.request] : [])),
      maxTotals,
      now(),
      this.options.tellTime,
    );
    this.acceptedAbove = after.spend.filter((s) => s.max !== null && compareText(s.total, s.max) > 0);
    return { spend: after.spend, problems: [] };
  }

  /**
   * Bitex answers a step with the request as it stands after it. Such an answer is taken as the
   * request's read when it shows what a read would (answerStands), as many outputs as the read
   * before it counted (a request that left draft takes no more) and every attribute that read
   * had (an abridged answer is not taken: the request is read then).
   */
  private async takeAnswers(action: StepAction, answers: readonly ConciergeRequest[]): Promise<void> {
    const { api, past } = this.options;
    await Promise.all(
      answers.map(async (answer) => {
        const index = this.views.findIndex((view) => view.request?.id === answer.id);
        const before = this.views[index];
        const read = before?.request;
        if (!before || !read || !this.answerStands(action, answer)) return;
        if (answer.outputs_count !== read.outputs_count) return;
        if (Object.keys(read).some((attribute) => !Object.hasOwn(answer, attribute))) return;
        this.views[index] = await readRequest(api, before.planned, past, {
          light: true,
          before,
          request: answer,
          budget: this.budget,
        });
        this.readAt.set(before.planned.key, this.waits);
      }),
    );
  }

  /**
   * An accept's answer: accepted, with a total. A quote's: waiting for a quote whose `eta` is
   * more than a minute ahead on the server's clock (a port Bitex quotes later), so a read now
   * would show it waiting too (the read at its eta follows); a quote due now (`eta` the moment
   * it was asked, as for the ports quoted at once) is read at once: it may be in. A quote's
   * answer that shows it quoted is read again all the same: the guard's figure is a read's,
   * never a step's answer (helper-106: an answer's total below the read's let a quote above
   * --max-total be accepted).
   */
  private answerStands(action: StepAction, answer: ConciergeRequest): boolean {
    if (action === "accept_quote") return stepDone(action, answer.state) && answer.total_to_spend !== null;
    const eta = serverTime(answer.eta)?.getTime();
    const now = this.options.serverClock?.serverNow().getTime();
    return (
      answer.state === "quote_requested" &&
      eta !== undefined &&
      now !== undefined &&
      eta - now > QUOTE_LATER_MS
    );
  }

  /**
   * Accepted once, whatever it reads now: this machine's journal holds its accept done, or
   * the server says when its quote was accepted (`quote_accepted_at`), or it reads accepted.
   */
  acceptedOnce(request: ConciergeRequest): boolean {
    return (
      stepDone("accept_quote", request.state) ||
      this.options.past.steps.get(request.id)?.accept_quote === "done" ||
      typeof request.quote_accepted_at === "string"
    );
  }

  /**
   * Accepted once and cancelled since (funds that never came, `payment_not_received`): its
   * rows are not paid and not charged, and nothing of it is left to accept. Not a request
   * that "can no longer be accepted" (lost): it was.
   */
  cancelledAfterAccept(request: ConciergeRequest): boolean {
    return request.state === "cancelled" && this.acceptedOnce(request);
  }

  /**
   * Cancelled after its accept, in a batch whose every other request is accepted (or left out):
   * nothing of the batch is left to quote or accept, so the gate and the guard pass it by
   * (nothing is sent on it). Beside a request still to quote or accept it is a cancelled
   * request as any other: the batch is never quoted nor accepted beside one.
   */
  passedBy(request: ConciergeRequest): boolean {
    return (
      this.cancelledAfterAccept(request) &&
      this.views.every(
        (view) =>
          this.leftOut(view) ||
          (view.request !== null &&
            (stepDone("accept_quote", view.request.state) || this.cancelledAfterAccept(view.request))),
      )
    );
  }

  /**
   * A request holding no output, every row of it refused at create, under --allow-partial: it
   * has nothing to quote or accept (Bitex quotes no request without outputs), so it is left
   * a draft (or as Bitex pruned it, cancelled), and no step of the batch waits for it.
   */
  leftOut(view: RequestView): boolean {
    return this.options.allowPartial && this.holdsNothing(view);
  }

  /** The ids of the batch's drafts that hold a row of it. */
  draftsHoldingRows(): string[] {
    return this.views.flatMap((view) =>
      view.request?.state === "draft" && !this.holdsNothing(view) ? [view.request.id] : [],
    );
  }

  /**
   * A request that holds no row: none of its outputs exist and Bitex refused every one of its
   * rows. Words leave it out with --allow-partial or without (a batch paid but for it is not
   * "partly accepted"); only leftOut lets a money step pass it by.
   */
  holdsNothing(view: RequestView): boolean {
    const { request } = view;
    return (
      request !== null &&
      (request.state === "draft" || request.state === "cancelled") &&
      request.outputs_count === 0 &&
      view.planned.rows.every((row) => this.options.past.rows.get(row.line)?.status === "failed")
    );
  }

  /**
   * A request a money step may still be sent on (draft, waiting for its quote, quoted) holding
   * rows the batch released to its remaining file: never quoted nor accepted, or those rows,
   * which the remaining file pays, would be paid twice. A row Bitex refused, or never sent,
   * has no output there.
   */
  private async readReleased(): Promise<void> {
    this.released = (await this.options.released?.()) ?? new Set();
  }

  /**
   * For the words of a run that sends no step (status): whether a request a money step may
   * still be sent on holds rows released to the remaining file (`heldReleased`), as the gate
   * of `quote` and `accept` would find. Reads the batch's record only, never the server.
   */
  async readHeldReleased(): Promise<void> {
    await this.readReleased();
    for (const view of this.views) this.releasedProblem(view);
  }

  private releasedProblem(view: RequestView): GateProblem[] {
    const { released } = this;
    const { past } = this.options;
    const { request } = view;
    if (!released || released.size === 0 || !request || !MONEY_STEP_STATES.has(request.state)) return [];
    // A row this batch sent (or that the request shows) may have an output in it that an
    // accept pays; one never sent has none (the gate says so), nor has one Bitex refused, and
    // an output rejected or cancelled is paid by no accept.
    const mayBePaid = (line: number) => {
      const output = view.byLine.get(line);
      if (output) return !UNPAID_FINAL.has(output.state);
      const status = past.rows.get(line)?.status;
      return status !== undefined && status !== "failed";
    };
    const lines = view.planned.rows.flatMap((row) =>
      released.has(row.line) && mayBePaid(row.line) ? [String(row.line)] : [],
    );
    if (lines.length === 0) return [];
    this.heldReleased = true;
    const shown =
      lines.length > 10 ? `${lines.slice(0, 10).join(", ")} and ${lines.length - 10} more` : lines.join(", ");
    return [
      {
        kind: "released",
        message: `request ${request.id} holds line(s) ${shown}, which this batch released to its remaining file (that file pays them)`,
      },
    ];
  }

  /**
   * The lines of the view's rows that are not in its request on the server: refused by Bitex
   * at create (journaled failed), or not created. A row journaled as created that a listing
   * lacks is the request's still: its count holds it.
   */
  rowsNotIn(view: RequestView): { refused: number[]; uncreated: number[] } {
    const refused: number[] = [];
    const uncreated: number[] = [];
    for (const row of view.missing) {
      const status = this.options.past.rows.get(row.line)?.status;
      if (status === "failed") refused.push(row.line);
      else if (status !== "created") uncreated.push(row.line);
    }
    return { refused, uncreated };
  }

  /**
   * Requests still open (a draft, a quote asked for or in) holding outputs that are not the
   * batch's rows, each with the gate's words: quote and accept refuse them, and only a cancel
   * at Bitex gets the batch's rows paid (README, "A request with extra outputs").
   */
  pollutedOpen(): Array<{ id: string; messages: string[] }> {
    return this.views.flatMap((view) => {
      const state = view.request?.state;
      if (!view.request || (state !== "draft" && state !== "quote_requested" && state !== "quoted"))
        return [];
      const messages = checkGate(view, this.options.past, { allowPartial: true })
        .filter((problem) => problem.kind === "polluted")
        .map((problem) => problem.message);
      return messages.length > 0 ? [{ id: view.request.id, messages }] : [];
    });
  }

  /** Every request read, and each holding no row (every row refused): nothing to quote or accept. */
  nothingLeft(): boolean {
    return this.views.length > 0 && this.views.every((view) => this.holdsNothing(view));
  }

  /** Spend per currency found above --max-total after the accepts (empty when within). */
  acceptedAbove: GuardResult["spend"] = [];

  /** Requests whose accept Bitex refused in this run (each read again after the refusal). */
  readonly acceptRefused = new Set<string>();

  /**
   * Each request read again (one GET each), its view updated; says which totals moved. Not
   * read again: a request whose quote's read was the last read of `quote` in this run,
   * with no wait and no listing since (its figures are as fresh as a read now).
   */
  private async readTotalsAgain(requests: readonly ConciergeRequest[]): Promise<ConciergeRequest[]> {
    return Promise.all(
      requests.map(async (request) => {
        if (stepDone("accept_quote", request.state)) return request;
        const read = this.views.find((v) => v.request?.id === request.id);
        if (this.readAfterQuotes && read && this.fresh(read) && !read.listedOnRead) return request;
        const fresh = await this.options.api.getRequest(request.id);
        if (fresh.total_to_spend !== request.total_to_spend)
          this.options.say(
            `request ${fresh.id}: total_to_spend is ${fresh.total_to_spend ?? "none"} as read just now (an earlier read said ${request.total_to_spend ?? "none"})`,
          );
        const view = this.views.find((v) => v.request?.id === fresh.id);
        if (view) view.request = fresh;
        return fresh;
      }),
    );
  }

  /**
   * Reads until every row is final, or until every row still open is in a draft or a quoted
   * request (nothing moves a draft until its quote is requested, nor a quote standing until it
   * is accepted), or `timeoutMs` passes (then throws not_yet). Reads are `intervalMs` apart on
   * the server's clock (onServerClock).
   */
  async watch(timeoutMs: number, intervalMs: number, onRead?: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let said = "";
    // Requests read after the accepts, with no wait since, are not read again at once.
    let skip = this.views.length > 0 && this.views.every((view) => this.fresh(view));
    for (;;) {
      if (!skip) await this.read({ light: true, stale: true });
      skip = false;
      this.options.checkpoint?.("status-read");
      await onRead?.();
      const { states, open, uncreated } = outcomeCounts(this.eachOutcome(new Date()));
      if (states !== said) this.options.say(`rows: ${states}`);
      said = states;
      if (open === 0) return;
      if (uncreated > 0) {
        // Waiting cannot help these: only submit creates them.
        throw new BatchError("not_yet", `${uncreated} row(s) of the batch are not created yet`, {
          hint: `run ${batchCommand(this.options.rowFlags ?? NO_ROW_FLAGS, "submit", this.options.file)} to finish creating them (it resumes)`,
        });
      }
      // Nor these: a draft moves only once someone asks for its quote, a quoted request only
      // once its quote is accepted (its lapse pays nobody; a quote past its deadline is waited
      // for, Bitex cancels it). Said now, not after --timeout: waiting again would loop. The
      // run ends not final (exit 3) with the next step (`quote`, or `accept … before …`).
      const drafts = this.views.filter((view) => view.request?.state === "draft" && !this.leftOut(view));
      const lapsed = this.lapsedQuotes();
      const quoted = this.views.filter((view) => view.request?.state === "quoted" && !lapsed.includes(view));
      const still = [...drafts, ...quoted];
      if (still.length > 0 && outcomeCounts(this.eachOutcome(new Date(), still)).open === open) {
        this.options.say(`nothing to wait for: ${stillWords(drafts, quoted)}`);
        return;
      }
      if (Date.now() >= deadline || this.options.signal.aborted) {
        throw new BatchError("not_yet", `${open} row(s) are not in a final state yet`, {
          hint: `run ${batchCommand(this.options.rowFlags ?? NO_ROW_FLAGS, "status", this.options.file)} later (with --watch to wait); nothing is sent by it`,
        });
      }
      const gapMs = onServerClock(intervalMs, this.options.serverClock?.serverPace() ?? null);
      await this.pause(Math.min(gapMs, deadline - Date.now()));
    }
  }

  /** Rows with an output on the server, as last read. */
  createdRows(): number {
    let created = 0;
    for (const outcome of this.eachOutcome(new Date())) if (outcome.status === "created") created++;
    return created;
  }

  /** Rows that may still change: not yet created, or with an output not in a final state. */
  openRows(): number {
    return outcomeCounts(this.eachOutcome(new Date())).open;
  }

  /**
   * What each planned row is on the server, as last read, made when asked for: a report of
   * 100,000 rows asks once per row, and holding every row's outcome at once cost ~30 MB.
   */
  rowOutcomes(at: Date): OutcomeOf {
    const stamp = at.toISOString();
    const viewOf = new Map(this.views.map((view) => [view.planned, view]));
    const uniform = new Map<RequestView, OutputState | null>();
    const plannedOf = this.plannedOfLine();
    return {
      get: (line) => {
        const planned = plannedOf.get(line);
        const view = planned && viewOf.get(planned);
        if (!view) return undefined;
        if (!uniform.has(view)) uniform.set(view, uniformState(view.request));
        return this.outcomeOf(view, line, stamp, uniform.get(view) ?? null);
      },
    };
  }

  /** Every planned row's outcome (of `views`, default all), request by request (see rowOutcomes). */
  private *eachOutcome(at: Date, views: readonly RequestView[] = this.views): Generator<RowOutcome> {
    const stamp = at.toISOString();
    for (const view of views) {
      const uniform = uniformState(view.request);
      for (const row of view.planned.rows) yield this.outcomeOf(view, row.line, stamp, uniform);
    }
  }

  /** Each planned row's request, by its line; made once, the plan does not change. */
  private plannedOfLine(): ReadonlyMap<number, PlannedRequest> {
    if (this.lineIndex) return this.lineIndex;
    const index = new Map<number, PlannedRequest>();
    for (const planned of this.options.plan.requests)
      for (const row of planned.rows) index.set(row.line, planned);
    this.lineIndex = index;
    return index;
  }

  /** `uniform`: every output in one state by the request's counters: that is each row's state now. */
  private outcomeOf(view: RequestView, line: number, stamp: string, uniform: OutputState | null): RowOutcome {
    const requestId = view.request?.id ?? "";
    const output = view.byLine.get(line);
    if (output && view.request && view.statesBehind !== undefined) {
      // Created (its output is listed), but in a state the request no longer counts: neither
      // charged nor paid can be said of it until a listing agrees with the request.
      return {
        status: "pending",
        requestId,
        code: "states_behind",
        error: `Bitex's listing of request ${requestId} shows its outputs in other states than the request counts (${view.statesBehind}: an old list, as a cache keeps): this row's output ${output.id} is there, its state cannot be told yet; run status again later`,
      };
    }
    if (output && view.request) {
      return {
        status: "created",
        requestId,
        outputId: output.id,
        state: uniform ?? output.state,
        at: stamp,
        server: {
          requestState: view.request.state,
          amount: output.amount,
          budget: output.budget,
          cancellationReason: view.request.cancellation_reason,
        },
      };
    }
    const record = this.options.past.rows.get(line);
    if (record?.status === "failed") return record;
    // A listing that lacks outputs the request counts, or outputs the journal holds, is older
    // than the server (a cache keeps lists for 10 minutes): the row's output may be there, and
    // paid by the request. Never released (follow/remaining.ts releases only "not_created"):
    // `not_listed` when the journal holds its output (created), `listing_behind` otherwise
    // (its create unclear, or never sent: whether it is there cannot be told yet).
    if (view.request && (view.unlisted.length > 0 || view.outputs.length !== view.request.outputs_count)) {
      const created = record?.status === "created";
      return {
        status: "pending",
        requestId,
        code: created ? "not_listed" : "listing_behind",
        error: `Bitex's listing of request ${requestId} shows ${view.outputs.length} of its ${view.request.outputs_count} output(s)${view.unlisted.length > 0 ? ` and lacks output(s) ${view.unlisted.slice(0, 10).join(", ")} this batch created` : ""} (an old list, as a cache keeps): ${created ? "this row's output may be there" : "whether this row's output is there cannot be told yet"}; run status again later`,
      };
    }
    return {
      status: "pending",
      requestId,
      code: "not_created",
      error: "no output on the server for this row; run submit again to create it",
    };
  }

  private stepContext() {
    const { api, journal, past, signal, settleMs, say, checkpoint } = this.options;
    if (!journal) throw new Error("a read-only follow takes no steps");
    this.stepped = true;
    const waiting = () => {
      this.waits++;
    };
    return { api, journal, past, signal, settleMs, say, checkpoint, waiting };
  }

  /** A money step on one request: what was read of it before no longer stands. */
  private step(
    action: "request_quote" | "accept_quote",
    request: ConciergeRequest,
  ): Promise<ConciergeRequest> {
    const view = this.views.find((v) => v.request?.id === request.id);
    if (view) this.readAt.delete(view.planned.key);
    return runStep(this.stepContext(), action, request).then(
      (answer) => {
        if (answer.id === request.id) this.unreadAnswers.set(request.id, answer);
        return answer;
      },
      (error: unknown) => {
        if (error instanceof StepRefused && action === "accept_quote") this.acceptRefused.add(request.id);
        // An answer saying it was surely not acted on (runStep: no earlier call unclear) is no accept.
        else if (action === "accept_quote" && !(error instanceof ApiError && error.sent === "no"))
          this.acceptUnclear.add(request.id);
        throw error;
      },
    );
  }

  /**
   * A run stopped (a signal, an outage) after steps whose answers no read followed: each such
   * request as its answer shows it, so that the words and the stage say where the server is
   * (helper-109: a quote interrupted once Bitex had quoted said "draft", "STAGED"). Nothing is
   * decided from them any more: the run is over.
   */
  takeUnreadAnswers(): void {
    this.views = this.views.map((view) => {
      const answer = view.request && this.unreadAnswers.get(view.request.id);
      return answer && !this.readAt.has(view.planned.key) ? { ...view, request: answer } : view;
    });
  }

  private async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    this.waits++;
    await sleep(ms, undefined, { signal: this.options.signal }).catch(() => undefined);
  }
}

/** The states in which a request may still be quoted or accepted. */
const MONEY_STEP_STATES = new Set(["draft", "quote_requested", "quoted"]);

const compareText = (a: string, b: string) => compare(decimal(a), decimal(b));

/**
 * Every step's answer, once each step sent has settled; then a failure, if any. A refusal of
 * one request must not stop the run while the others' calls are still on the wire: it would
 * close the journal before their outcome and say "refused" of requests being accepted as it
 * speaks. For the same reason a step that may have happened (no clear answer, an outage)
 * is raised before a refusal: "refused" says nothing moved, and that one may have.
 */
async function everyStep(steps: readonly Promise<ConciergeRequest>[]): Promise<ConciergeRequest[]> {
  const settled = await Promise.allSettled(steps);
  const failures = settled.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
  if (failures.length > 0) throw failures.find((reason) => !(reason instanceof StepRefused)) ?? failures[0];
  return settled.map((result) => (result as PromiseFulfilledResult<ConciergeRequest>).value);
}

/**
 * The rows' output states as last read, for the log ("32 accepting, 16 settled"); the rows
 * that may still change (not yet created, or not in a final state); those not created.
 */
function outcomeCounts(outcomes: Iterable<RowOutcome>): { states: string; open: number; uncreated: number } {
  const final = FINAL_OUTPUT_STATES as readonly string[];
  const counts = new Map<string, number>();
  let open = 0;
  let uncreated = 0;
  for (const outcome of outcomes) {
    const state = rowState(outcome);
    counts.set(state, (counts.get(state) ?? 0) + 1);
    if (state === "pending") uncreated++;
    if (outcome.status === "pending" || (outcome.status === "created" && !final.includes(outcome.state)))
      open++;
  }
  const states = [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([state, n]) => `${n} ${stateWords(state)}`)
    .join(", ");
  return { states, open, uncreated };
}

const ids = (views: readonly RequestView[]) => views.map((view) => view.request?.id ?? "?").join(", ");

/** Why requests that only a money step moves are not waited for (watch). */
function stillWords(drafts: readonly RequestView[], quoted: readonly RequestView[]): string {
  const draft = "a draft changes only once its quote is requested";
  const lapse = "once its quote is accepted (or it lapses, which pays nobody)";
  if (quoted.length === 0) return `request(s) ${ids(drafts)} are drafts, and ${draft}`;
  if (drafts.length === 0)
    return `request(s) ${ids(quoted)} are quoted, and a quoted request changes only ${lapse}`;
  return `request(s) ${ids(drafts)} are drafts and request(s) ${ids(quoted)} quoted; ${draft}, a quoted request only ${lapse}`;
}

/** Ports Bitex quotes at once (docs/design.md section 12, from Bitex's guide "Get a quote"). */
const QUOTED_AT_ONCE = new Set(["ar", "cl", "mx", "py", "uy"]);

function quotedLater(view: RequestView): boolean {
  return view.planned.rows.some((row) => !QUOTED_AT_ONCE.has(portCountry(row.port)));
}

/**
 * A request holding no row (every one refused at create), cancelled (pruned): what --allow-partial
 * leaves out, not a batch lost (its drafts are quoted without it).
 */
function cancelledProblem(request: ConciergeRequest, holdsNothing: boolean): GateProblem[] {
  if (request.state !== "cancelled") return [];
  const reason = request.cancellation_reason ?? "no reason given";
  if (holdsNothing)
    return [
      {
        kind: "partial",
        message: `request ${request.id} is cancelled (${reason}), holding none of its rows: Bitex refused every one`,
      },
    ];
  return [
    { kind: "cancelled", message: `request ${request.id} is cancelled (${reason})`, requestId: request.id },
  ];
}

/**
 * The gate's refusal; its hint names `file` (the batch's input) and `remaining` (its remaining
 * file, as the batch names it), to paste.
 */
export function gateRefusal(
  problems: readonly GateProblem[],
  goal: string,
  file: string,
  remaining = remainingPath(file),
  flags: RowFlags = NO_ROW_FLAGS,
  /** The batch's drafts holding rows: beside a cancelled request, cancelled before released. */
  drafts: readonly string[] = [],
): BatchError {
  const kinds = new Set(problems.map((problem) => problem.kind));
  const cancelled = problems.flatMap((problem) => (problem.kind === "cancelled" ? [problem.requestId] : []));
  const quoted = problems.some((problem) => problem.message.includes("in its quote"));
  const submitRemaining = remainingCommand(flags, remaining);
  const hint = kinds.has("older_version")
    ? `nothing was quoted: find what answers without Version 2.0 (a proxy or gateway that drops the Version header, or an old deployment) and ask Bitex; then ${batchCommand(flags, "status", file)} shows where each request stands`
    : kinds.has("polluted")
      ? quoted
        ? "never accept that quote (accept refuses it too); see the README's 'A request with extra outputs' for how to recover"
        : "nothing was quoted; see the README's 'A request with extra outputs' for how to recover"
      : kinds.has("cancelled")
        ? drafts.length > 0
          ? `nothing was quoted: a batch with a cancelled request is never quoted nor accepted; ${cancelDraftsWords(drafts, cancelled.join(", "), batchCommand(flags, "status", file), remaining)}`
          : `nothing was quoted: a batch with a cancelled request is never quoted nor accepted; its rows not paid are in ${remaining}: ${submitRemaining} pays them`
        : kinds.has("released")
          ? `nothing was quoted: rows of this batch are in its remaining file (${remaining}), which pays them (${submitRemaining}); this batch never quotes nor accepts their request`
          : kinds.has("stranded")
            ? `those rows can never join their request: accept nothing; once its quote lapses (or it is cancelled at Bitex), ${batchCommand(flags, "status", file)} writes ${remaining} with the batch's rows, to submit (${submitRemaining})`
            : kinds.has("unfinished")
              ? `run ${batchCommand(flags, "submit", file)} first to finish creating the rows (it resumes)`
              : `pass --allow-partial to leave the failed rows out of the quote (${batchCommand(flags, "quote", file, "--allow-partial")}; they are in ${remaining}), or fix them first`;
  return new BatchError(
    "refused",
    `the batch cannot be ${goal}: ${problems.map((problem) => problem.message).join("; ")}`,
    { hint },
  );
}
