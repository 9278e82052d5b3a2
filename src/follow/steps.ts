/**
 * The money steps on a whole request, `request_quote` and `accept_quote`, exactly once
 * (docs/design.md section 12). The journal holds the intent before the call and the outcome
 * after. An answer that may have been lost is settled by reading the request: the call is
 * sent again only when the server's state shows it surely did not happen.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { JournalAppender, JournalState, StepAction } from "../batch/journal.js";
import { ApiError } from "../bitex/errors.js";
import type { ConciergeRequest } from "../bitex/jsonapi.js";
import { BatchError, RERUN_HINT } from "../errors.js";
import type { RequestState } from "../wire/resources.js";

export interface StepApi {
  getRequest(id: string): Promise<ConciergeRequest>;
  requestQuote(id: string): Promise<ConciergeRequest>;
  acceptQuote(id: string): Promise<ConciergeRequest>;
}

/** The states in which a step has surely happened (cancelled is not one: it ends the request). */
const DONE_IN: Record<StepAction, readonly RequestState[]> = {
  request_quote: ["quote_requested", "quoted", "quote_accepted", "working", "finished"],
  accept_quote: ["quote_accepted", "working", "finished"],
};

export function stepDone(action: StepAction, state: string): boolean {
  return (DONE_IN[action] as readonly string[]).includes(state);
}

export interface StepContext {
  api: StepApi;
  journal: JournalAppender;
  past: JournalState;
  signal: AbortSignal;
  /** How long a call without a clear answer may take to land before the request is read. */
  settleMs: number;
  say(line: string): void;
  /** The crash tests kill the process at `<action>:intent` and `<action>:answered`. */
  checkpoint?: (point: string) => void;
  /** Told before every wait: what was read before it is no longer fresh. */
  waiting?: () => void;
}

const ATTEMPTS = 3;
/** How long a reading may lag the server: Bitex's own code caches reads 10 minutes (design section 9). */
export const READING_LAG_MS = 10 * 60_000;
const now = () => new Date().toISOString();

async function record(ctx: StepContext, action: StepAction, request: ConciergeRequest): Promise<void> {
  await ctx.journal.append({
    t: "step",
    action,
    phase: "done",
    request_id: request.id,
    state: request.state,
    at: now(),
  });
}

async function settle(ctx: StepContext): Promise<void> {
  ctx.waiting?.();
  await sleep(ctx.settleMs, undefined, { signal: ctx.signal }).catch(() => undefined);
}

/**
 * Brings `request` (as just read) through `action`; returns the request as the server shows
 * it afterwards. Throws a BatchError when the server refuses (an expired quote, a cancelled
 * request) or cannot be reached; the journal then says what may have been sent.
 */
export async function runStep(
  ctx: StepContext,
  action: StepAction,
  request: ConciergeRequest,
): Promise<ConciergeRequest> {
  let current = request;
  const earlier = ctx.past.steps.get(current.id)?.[action] === "intent";
  // A call of this step was sent and got no clear answer (here, or by a run cut off after
  // sending): a later refusal may be Bitex refusing a step already done, read from a reading
  // that lags (Bitex's code caches reads), never proof that nothing moved (helper-89); once a
  // cache's lifetime has passed since it was first sent, a reading shows it, and a refusal is
  // Bitex's (helper-92: a lasting refusal was said as unclear at every run).
  const firstSent = Date.parse(ctx.past.stepsSentAt.get(current.id)?.[action] ?? "");
  let unclear = earlier && Date.now() - firstSent < READING_LAG_MS;
  // A read after a call that may have landed: failing, what the call did is unknown, and said
  // so, never as a call surely not acted on (helper-115: "QUOTED, NOT PAID" of an accepted request).
  const readAfter = (id: string) =>
    ctx.api.getRequest(id).catch((error: unknown) => {
      if (!(unclear || earlier) || !(error instanceof ApiError)) throw error;
      throw new BatchError(
        "unreachable",
        `${action} on request ${id} was sent and may have landed, and the request could not be read since (${error.detail})`,
        { hint: "run the same command again; the request is read before anything is sent again" },
      );
    });
  if (earlier && !stepDone(action, current.state)) {
    // An earlier run was cut off after sending: its call may still be landing.
    await settle(ctx);
    current = await readAfter(current.id);
  }
  for (let attempt = 1; ; attempt++) {
    if (stepDone(action, current.state)) {
      if (ctx.past.steps.get(current.id)?.[action] !== "done") await record(ctx, action, current);
      return current;
    }
    if (ctx.signal.aborted) throw interrupted();
    if (attempt > ATTEMPTS) {
      throw new BatchError("unreachable", `${action} on request ${current.id} had no clear answer`, {
        hint: "run the same command again; the request is read before anything is sent again",
      });
    }
    await ctx.journal.append({ t: "step", action, phase: "intent", request_id: current.id, at: now() });
    ctx.checkpoint?.(`${action}:intent`);
    let answer: ConciergeRequest | null = null;
    let unread = false;
    try {
      answer = await (action === "request_quote" ? ctx.api.requestQuote : ctx.api.acceptQuote)(current.id);
      ctx.checkpoint?.(`${action}:answered`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // A 2xx whose body could not be read: taken all the same (helper-116), as below.
      if (error.status !== undefined && error.status >= 200 && error.status < 300) unread = true;
      else if (error.sent === "maybe") {
        ctx.say(`${action} on request ${current.id}: no clear answer (${error.code}); reading the request`);
        unclear = true;
        await settle(ctx);
      } else if (error.kind !== "validation") {
        // Surely not acted on (a 429, a refused connection): said so, unless an earlier call
        // of the step got no clear answer and may have landed.
        if (unclear) throw refusedAfterUnclear(action, current, error);
        throw error;
      }
      if (!unread) {
        // A refusal may only mean an earlier call already did it: the request's state says.
        const read = await readAfter(current.id);
        if (error.kind === "validation" && !stepDone(action, read.state)) {
          // Cancelled, the request is final whichever call landed: nothing it holds is paid.
          if (unclear && read.state !== "cancelled") throw refusedAfterUnclear(action, read, error);
          throw new StepRefused(action, read, error);
        }
        current = read;
        continue;
      }
    }
    if (answer !== null && stepDone(action, answer.state)) {
      current = answer;
      continue;
    }
    // Answered without the step showing (a server that takes it up after answering, a body
    // not read): taken, so never sent again by this run; a read after the settle delay says
    // whether it shows (helper-113: a second accept_quote a second after the first;
    // helper-115: a read that lags; helper-116: a cancelled answer sent again).
    ctx.say(
      `${action} on request ${current.id}: answered, yet it reads ${answer?.state ?? "as nothing this client reads"}; reading the request`,
    );
    unclear = true;
    await settle(ctx);
    current = await readAfter(current.id);
    // Cancelled, the request is final: refused as any step on a cancelled request is.
    if (current.state === "cancelled")
      throw new StepRefused(
        action,
        current,
        new ApiError({
          kind: "validation",
          code: "request_cancelled",
          detail: `the request is cancelled (${current.cancellation_reason ?? "no reason given"})`,
          sent: "no",
        }),
      );
    if (!stepDone(action, current.state))
      throw new BatchError(
        "unreachable",
        `${action} on request ${current.id} was answered, yet the request still reads ${current.state}: Bitex may be taking it up (not sent again)`,
        {
          hint: "run the same command again in a few minutes; the request is read before anything is sent again",
        },
      );
  }
}

function refusedAfterUnclear(action: StepAction, read: ConciergeRequest, refusal: ApiError): BatchError {
  return new BatchError(
    "unreachable",
    `${action} on request ${read.id} had no clear answer, and sent again it was refused (${refusal.detail}) while the request reads ${read.state}: the first call may have landed${refusal.kind === "validation" ? " and the reading lag" : ""}`,
    {
      hint: "run the same command again in a few minutes; the request is read before anything is sent again",
    },
  );
}

function interrupted(): BatchError {
  return new BatchError("interrupted", "stopped by a signal", {
    hint: RERUN_HINT,
  });
}

/** Bitex refused a step, and the request as read again shows it was not done before (policy.ts maps it). */
export class StepRefused extends Error {
  override name = "StepRefused";

  constructor(
    readonly action: StepAction,
    readonly request: ConciergeRequest,
    readonly refusal: ApiError,
  ) {
    super(`${action} on request ${request.id}: ${refusal.detail}`);
  }
}
