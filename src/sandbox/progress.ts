/**
 * Server-side progress of requests and their outputs: quotes, acceptance checks, funding, payout
 * and deadlines, applied to the store's records. machine.ts decides where a state goes and
 * timeline.ts when; this file applies both, stamping every transition with the emulated time it
 * happened at.
 *
 * Two drivers, one set of transitions:
 *   - the clock: `catchUp(now)` applies every step due by `now`, oldest first across requests
 *     (so funding order between requests follows time), each stamped with the time it was due;
 *   - POST /_sandbox/advance: `forcedStep` moves every request and output one step at once,
 *     whatever the clock says (the lever tests use). It runs acceptance checks as soon as a
 *     request has left draft, where the clock runs them after acceptance; either way they come
 *     before funding.
 *
 * total_to_spend is the sum of the budgets of the outputs not rejected. Outputs are quoted while
 * still `accepting`; an output rejected by its check before funding (always the case: funding
 * waits for every check) is taken out of the total, so the payer is debited only for what is paid
 * out. This is the emulator's choice: Bitex says only that a rejected output's funds come back.
 */
import type { Decimal } from "../decimal.js";
import { minorUnits, portCurrency } from "../ports.js";
import type { CancellationReason, OutputState, RequestState } from "../wire/resources.js";
import { iso } from "./clock.js";
import type { Directory } from "./directory.js";
import { expiryReason, isFinalOutputState, nextOutputState } from "./machine.js";
import { quoteOutput, sum } from "./money.js";
import type { OutputRecord, RequestRecord } from "./records.js";
import { nextTimedStep, quoteTimes, type TimedStep } from "./timeline.js";

export interface StepCount {
  steps: number;
  changes: number;
}

export class Progress {
  /** Requests not yet finished or cancelled: the only ones either driver looks at. */
  private readonly active = new Set<RequestRecord>();

  constructor(
    private readonly directory: Directory,
    /** When the ports Bitex quotes "later" get their quote, after request_quote (timeline.ts). */
    private readonly quoteLaterMs: number,
  ) {}

  track(request: RequestRecord): void {
    this.active.add(request);
  }

  /** request_quote, already judged legal: deadlines from the outputs' ports (timeline.ts). */
  requestQuote(request: RequestRecord, nowMs: number): void {
    const times = quoteTimes(
      nowMs,
      request.outputs.map((o) => o.portCode),
      this.quoteLaterMs,
    );
    request.quoteRequestedAt = iso(nowMs);
    request.eta = iso(times.etaMs);
    request.acceptQuoteBefore = iso(times.acceptBeforeMs);
    request.provisionFundsBefore = iso(times.fundsBeforeMs);
    this.setState(request, "quote_requested", nowMs);
  }

  acceptQuote(request: RequestRecord, nowMs: number): void {
    request.quoteAcceptedAt = iso(nowMs);
    this.setState(request, "quote_accepted", nowMs);
  }

  /** Client cancel (reason null) or a lapsed deadline; outputs not yet final are cancelled. */
  cancel(request: RequestRecord, reason: CancellationReason | null, atMs: number): void {
    const stamp = iso(atMs);
    for (const output of request.outputs) {
      if (!isFinalOutputState(output.state)) this.moveOutput(output, "cancelled", stamp);
    }
    request.cancellationReason = reason;
    this.setState(request, "cancelled", atMs);
  }

  /** Applies every timed step due at or before `nowMs`, oldest first. */
  catchUp(nowMs: number): StepCount {
    let steps = 0;
    let changes = 0;
    for (;;) {
      let due: { request: RequestRecord; step: TimedStep } | null = null;
      for (const request of this.active) {
        if (request.state === "draft") continue;
        const step = nextTimedStep(timeline(request));
        if (step !== null && step.at <= nowMs && (due === null || step.at < due.step.at)) {
          due = { request, step };
        }
      }
      if (due === null) return { steps, changes };
      changes += this.applyTimed(due.request, due.step);
      steps++;
    }
  }

  /**
   * One forced step: each request and output moves at most once, judged on the request's state
   * at the start of the step. With `expire`, deadlines count as passed (machine.expiryReason).
   */
  forcedStep(expire: boolean, nowMs: number): number {
    let changes = 0;
    for (const request of [...this.active]) {
      const start = request.state;
      if (start !== "draft") changes += this.moveOutputs(request, start, nowMs);
      const deadline = expire ? expiryReason(start) : null;
      if (start === "quote_requested") {
        this.quote(request);
        this.setState(request, "quoted", nowMs);
      } else if (start === "quote_accepted" && request.counts.accepting === 0 && this.fund(request)) {
        this.setState(request, "working", nowMs);
      } else if (deadline !== null) {
        this.cancel(request, deadline, nowMs);
      } else if (start === "working" && allFinal(request)) {
        this.setState(request, "finished", nowMs);
      } else {
        continue;
      }
      changes++;
    }
    return changes;
  }

  /** Returns the number of state changes (a cancel counts once, as in a forced step). */
  private applyTimed(request: RequestRecord, step: TimedStep): number {
    // Never stamp before the request's last change (a forced step may have run ahead of the clock).
    const at = Math.max(step.at, Date.parse(request.updatedAt));
    switch (step.kind) {
      case "quote":
        this.quote(request);
        this.setState(request, "quoted", at);
        return 1;
      case "check":
      case "payout": {
        let changes = this.moveOutputs(request, request.state, at);
        if (request.state === "working" && allFinal(request)) {
          this.setState(request, "finished", at);
          changes++;
        }
        return changes;
      }
      case "fund": {
        if (!this.fund(request)) return 0;
        this.setState(request, "working", at);
        if (!allFinal(request)) return 1;
        this.setState(request, "finished", at); // every output was rejected: nothing to pay out
        return 2;
      }
      case "lapse":
        this.cancel(request, expiryReason(request.state), at);
        return 1;
    }
  }

  /** Each output not final takes its next step (machine.nextOutputState); returns how many moved. */
  private moveOutputs(request: RequestRecord, requestState: RequestState, atMs: number): number {
    let moved = 0;
    let rejected = false;
    const stamp = iso(atMs); // once: a payout step may move thousands of outputs
    for (const output of request.outputs) {
      const next = nextOutputState(output.state, {
        requestState,
        payeeRejected: this.directory.user(output.userId)?.complianceState === "rejected",
        outcome: this.directory.payoutOutcome(output.instructionId),
      });
      if (next === null) continue;
      this.moveOutput(output, next, stamp);
      moved++;
      if (next === "rejected") rejected = true;
      if (next === "returned" && output.budget !== null) {
        // The emulator's choice: a returned payout's budget back in full. Bitex's guide says
        // "minus fees" but no Bitex answer shows a fee, so the emulator keeps none.
        this.directory.credit(request.userId, portCurrency(request.portCode), output.budget, {
          kind: "refund",
          requestId: request.id,
          outputId: output.id,
        });
      }
    }
    if (rejected && (request.state === "quoted" || request.state === "quote_accepted")) {
      this.recomputeTotal(request);
    }
    return moved;
  }

  /** Fills each output's other side, then the total. Routes are checked at create, never removed. */
  private quote(request: RequestRecord): void {
    for (const output of request.outputs) {
      const route = this.directory.route(request.portCode, output.portCode);
      if (route === undefined) continue;
      const quoted = quoteOutput({
        route,
        amount: output.amount,
        budget: output.amount === null ? output.budget : null,
        senderDecimals: minorUnits(portCurrency(request.portCode)),
        destinationDecimals: minorUnits(portCurrency(output.portCode)),
      });
      output.amount = quoted.amount;
      output.budget = quoted.budget;
    }
    this.recomputeTotal(request);
  }

  /** total_to_spend: the budgets of the outputs that will be paid (not rejected). */
  private recomputeTotal(request: RequestRecord): void {
    const paid = request.outputs.filter((o) => o.state !== "rejected" && o.budget !== null);
    request.totalToSpend = sum(
      paid.map((o) => o.budget as Decimal),
      minorUnits(portCurrency(request.portCode)),
    );
  }

  /** One attempt from the payer's seeded balance in the sender currency; debits it when it covers. */
  private fund(request: RequestRecord): boolean {
    request.fundingTried = true;
    if (request.totalToSpend === null) return false;
    return this.directory.debit(request.userId, portCurrency(request.portCode), request.totalToSpend, {
      kind: "funding",
      requestId: request.id,
    });
  }

  private setState(request: RequestRecord, state: RequestState, atMs: number): void {
    request.state = state;
    request.updatedAt = iso(atMs);
    if (state === "finished" || state === "cancelled") this.active.delete(request);
  }

  /** `stamp`: the ISO time of the transition. */
  private moveOutput(output: OutputRecord, state: OutputState, stamp: string): void {
    const counts = output.request.counts;
    counts[output.state]--;
    counts[state]++;
    output.state = state;
    output.updatedAt = stamp;
    output.request.updatedAt = stamp;
  }
}

function timeline(request: RequestRecord) {
  const ms = (text: string | null) => (text === null ? null : Date.parse(text));
  return {
    state: request.state,
    updatedMs: Date.parse(request.updatedAt),
    etaMs: ms(request.eta),
    acceptBeforeMs: ms(request.acceptQuoteBefore),
    fundsBeforeMs: ms(request.provisionFundsBefore),
    quoteAcceptedMs: ms(request.quoteAcceptedAt),
    awaitingChecks: request.counts.accepting > 0,
    fundingTried: request.fundingTried,
  };
}

function allFinal(request: RequestRecord): boolean {
  const c = request.counts;
  return c.rejected + c.settled + c.returned + c.cancelled === request.outputs.length;
}
