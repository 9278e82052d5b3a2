/**
 * The emulator's mutable world: concierge requests and their outputs, what clients do to them
 * (creates, PATCH, the three actions), and the clock that moves them on (progress.ts applies the
 * server-side steps, machine.ts and timeline.ts decide them).
 *
 * Every mutation is synchronous, so interleaved HTTP handlers never see half a change. The world
 * is brought up to the clock lazily: `tick()` runs before every API call and every state read,
 * and applies what fell due since, each transition stamped with the time it was due.
 * Lookups are O(1) and lists are arrays kept in id order (ids are sequential), so a page is a slice.
 */
import { decimal } from "../decimal.js";
import type { PortCode } from "../ports.js";
import { iso, SandboxClock } from "./clock.js";
import { Directory, type UserRecord } from "./directory.js";
import type { ResourceInput } from "./inputs.js";
import { notFound, unprocessable, type Violation } from "./jsonapi.js";
import { applyAction, type RequestAction } from "./machine.js";
import { Progress } from "./progress.js";
import type { OutputCounts, OutputRecord, RequestRecord } from "./records.js";
import type { Seed } from "./seed.js";
import { MINUTE_MS, QUOTE_LATER_MS, quoteExpired } from "./timeline.js";
import { checkOutput, readOptionalText, readPort } from "./validate.js";
import { violations } from "./violations.js";

export type { OutputCounts, OutputRecord, RequestRecord } from "./records.js";

export interface AdvanceOptions {
  /** "final": repeat steps until one changes nothing. */
  until?: "final";
  /**
   * Emulator addition: the deadlines have passed. Drafts are pruned (draft_was_pruned), quotes
   * not accepted lapse (quote_not_accepted), accepted quotes that funding cannot cover lapse
   * (payment_not_received). Everything else moves as in a normal step.
   */
  expire?: boolean;
  /**
   * Emulator addition: move the clock forward N minutes and apply what fell due, as the clock
   * would have; no forced step. Not combined with `until` or `expire`.
   */
  minutes?: number;
}

/**
 * Forced steps: `steps` taken and request/output state `changes` (a cancel counts once). With
 * `minutes`: the timed steps the clock applied and their changes.
 */
export interface AdvanceResult {
  steps: number;
  changes: number;
}

/** Longer than any chain of transitions (draft to finished is eight steps). */
const MAX_STEPS = 100;

export class Store {
  /** The only key the API accepts, compared verbatim with the Authorization header. */
  readonly apiKey: string;
  readonly directory: Directory;
  readonly requestList: RequestRecord[] = [];
  readonly outputList: OutputRecord[] = [];
  private readonly requests = new Map<string, RequestRecord>();
  private readonly outputs = new Map<string, OutputRecord>();
  private readonly byExternalId = new Map<string, RequestRecord[]>();
  private readonly progress: Progress;
  private nextRequestId = 1;
  private nextOutputId = 1;

  /**
   * `advanceOnly`: reads never apply what the clock made due; only advance moves requests (a
   * forced step, or `minutes`). The emulator as it was before it had a clock, for tests that
   * look at every intermediate state, even one the clock would skip at once.
   */
  constructor(
    seed: Seed,
    readonly clock: SandboxClock = new SandboxClock(),
    readonly advanceOnly = false,
  ) {
    this.apiKey = seed.api_key;
    this.insertSeeded(seed.requests ?? []);
    this.directory = new Directory(seed);
    this.progress = new Progress(
      this.directory,
      seed.quote_later_minutes === undefined ? QUOTE_LATER_MS : seed.quote_later_minutes * MINUTE_MS,
    );
  }

  /** Brings the world up to the clock: applies every step due by now (none when advanceOnly). */
  tick(): void {
    if (this.advanceOnly) return;
    this.progress.catchUp(this.clock.nowMs());
    this.directory.reviewsDue(this.clock.nowMs());
  }

  request(id: string): RequestRecord | undefined {
    return this.requests.get(id);
  }

  output(id: string): OutputRecord | undefined {
    return this.outputs.get(id);
  }

  /** `filter[external_id]`; null = no filter. */
  listRequests(externalId: string | null): readonly RequestRecord[] {
    return externalId === null ? this.requestList : (this.byExternalId.get(externalId) ?? []);
  }

  /** `filter[request_id]`; an unknown request id filters down to nothing, it is not a 404. */
  listOutputs(requestId: string | null): readonly OutputRecord[] {
    return requestId === null ? this.outputList : (this.requests.get(requestId)?.outputs ?? []);
  }

  /**
   * The seed's past requests and outputs (docs/design.md section 13), as they were: ids, times and
   * states kept, then new ids numbered above the highest seeded one. They are listed and read
   * like created ones but not driven forward: a seeded past is history, and one left mid-way
   * simply stays there.
   */
  private insertSeeded(seeded: NonNullable<Seed["requests"]>): void {
    const byId = (a: { id: string }, b: { id: string }) => Number(a.id) - Number(b.id);
    for (const s of [...seeded].sort(byId)) {
      const request: RequestRecord = {
        id: s.id,
        userId: s.user_id,
        portCode: s.port_code,
        externalId: s.external_id,
        state: s.state,
        cancellationReason: s.cancellation_reason,
        counts: emptyCounts(),
        outputs: [],
        totalToSpend: s.total_to_spend === null ? null : decimal(s.total_to_spend),
        eta: null,
        acceptQuoteBefore: null,
        provisionFundsBefore: null,
        quoteRequestedAt: null,
        quoteAcceptedAt: null,
        fundingTried: false,
        createdAt: s.created_at,
        updatedAt: s.updated_at,
      };
      for (const o of [...s.outputs].sort(byId)) {
        const output: OutputRecord = {
          id: o.id,
          request,
          userId: o.user_id,
          instructionId: o.withdrawal_instruction_id,
          portCode: o.port_code,
          amount: o.amount === null ? null : decimal(o.amount),
          budget: o.budget === null ? null : decimal(o.budget),
          state: o.state,
          createdAt: o.created_at,
          updatedAt: o.updated_at,
        };
        request.outputs.push(output);
        request.counts[o.state]++;
        this.outputs.set(output.id, output);
        this.outputList.push(output);
        this.nextOutputId = Math.max(this.nextOutputId, Number(o.id) + 1);
      }
      this.requests.set(request.id, request);
      this.requestList.push(request);
      this.indexExternalId(request);
      this.nextRequestId = Math.max(this.nextRequestId, Number(s.id) + 1);
    }
    // Lists are slices of id-ordered arrays: outputs of different requests interleave by id.
    this.outputList.sort(byId);
  }

  /**
   * The payer is the `user` relationship, else the managed user the key acts as (Bitex's guide,
   * "Master User": a master key acts on behalf of its users on any endpoint), else the key's owner.
   */
  createRequest(input: ResourceInput, actingAs: string | null = null): RequestRecord {
    const acting = actingAs === null ? undefined : this.directory.user(actingAs);
    const payer =
      this.find(input.relationships.user, (id) => this.directory.user(id)) ?? acting ?? this.owner();
    const problems: Violation[] = [];
    const portCode = readPort(input.attributes.port_code, problems);
    const externalId = readOptionalText(input.attributes, "external_id", problems);
    const authorization = readOptionalText(input.attributes, "payment_authorization_code", problems);
    if (problems.length > 0 || portCode === null) throw unprocessable("concierge_requests", problems);
    const now = this.now();
    const request: RequestRecord = {
      id: String(this.nextRequestId++),
      userId: payer.id,
      portCode,
      externalId: externalId ?? null,
      paymentAuthorizationCode: authorization ?? null,
      state: "draft",
      cancellationReason: null,
      counts: emptyCounts(),
      outputs: [],
      totalToSpend: null,
      eta: null,
      acceptQuoteBefore: null,
      provisionFundsBefore: null,
      quoteRequestedAt: null,
      quoteAcceptedAt: null,
      fundingTried: false,
      createdAt: now,
      updatedAt: now,
    };
    this.requests.set(request.id, request);
    this.requestList.push(request);
    this.indexExternalId(request);
    this.progress.track(request);
    return request;
  }

  /**
   * PATCH: `external_id` and `payment_authorization_code` any time in draft; `port_code` too
   * while the request has no outputs.
   */
  patchRequest(id: string, input: ResourceInput): RequestRecord {
    const request = this.requests.get(id);
    if (request === undefined) throw notFound();
    const problems: Violation[] = [];
    if (request.state !== "draft") {
      problems.push({ ...violations.requestNotDraft(id, request.state), pointer: "/data/attributes/state" });
      throw unprocessable("concierge_requests", problems);
    }
    const externalId = readOptionalText(input.attributes, "external_id", problems);
    const authorization = readOptionalText(input.attributes, "payment_authorization_code", problems);
    const portCode =
      input.attributes.port_code === undefined ? null : readPort(input.attributes.port_code, problems);
    if (portCode !== null && portCode !== request.portCode && request.outputs.length > 0) {
      problems.push(violations.requestHasOutputs());
    }
    if (problems.length > 0) throw unprocessable("concierge_requests", problems);
    if (externalId !== undefined) {
      this.unindexExternalId(request);
      request.externalId = externalId;
      this.indexExternalId(request);
    }
    if (authorization !== undefined) request.paymentAuthorizationCode = authorization;
    if (portCode !== null) request.portCode = portCode;
    request.updatedAt = this.now();
    return request;
  }

  /**
   * The three actions. An accept that comes too late is a 422 quote_expired, whether the quote
   * has already lapsed (cancelled, quote_not_accepted) or lapses at this very instant.
   */
  act(id: string, action: RequestAction): RequestRecord {
    const request = this.requests.get(id);
    if (request === undefined) throw notFound();
    const nowMs = this.clock.nowMs();
    if (action === "accept_quote" && this.lapsed(request, nowMs)) {
      throw unprocessable("concierge_requests", [
        violations.quoteExpired(id, request.acceptQuoteBefore ?? iso(nowMs)),
      ]);
    }
    const next = applyAction(request.state, action);
    if (next === null)
      throw unprocessable("concierge_requests", [violations.illegalTransition(action, request.state)]);
    if (action === "request_quote" && request.outputs.length === 0) {
      throw unprocessable("concierge_requests", [violations.noOutputs()]);
    }
    if (next === "cancelled") this.progress.cancel(request, null, nowMs);
    else if (action === "request_quote") this.progress.requestQuote(request, nowMs);
    else this.progress.acceptQuote(request, nowMs);
    return request;
  }

  private lapsed(request: RequestRecord, nowMs: number): boolean {
    if (request.state === "cancelled") return request.cancellationReason === "quote_not_accepted";
    const deadline = request.acceptQuoteBefore;
    return request.state === "quoted" && deadline !== null && quoteExpired(nowMs, Date.parse(deadline));
  }

  /**
   * Relationship ids that name nothing are a 404 (as Bitex does), checked before any 422;
   * then every validation problem is reported at once (validate.ts).
   */
  createOutput(input: ResourceInput): OutputRecord {
    const { relationships, attributes } = input;
    const request = this.find(relationships.request, (id) => this.requests.get(id));
    const payee = this.find(relationships.user, (id) => this.directory.user(id));
    const instruction = this.find(relationships.withdrawal_instruction, (id) =>
      this.directory.instruction(id),
    );
    const hasRoute = (from: PortCode, to: PortCode) => this.directory.route(from, to) !== undefined;
    const checked = checkOutput({ request, payee, instruction, attributes, hasRoute });
    const { problems, portCode } = checked;
    if (
      problems.length > 0 ||
      request === null ||
      payee === null ||
      instruction === null ||
      portCode === null
    ) {
      throw unprocessable("concierge_request_outputs", problems);
    }
    const now = this.now();
    const output: OutputRecord = {
      id: String(this.nextOutputId++),
      request,
      userId: payee.id,
      instructionId: instruction.id,
      portCode,
      amount: checked.amount,
      budget: checked.budget,
      state: "accepting",
      createdAt: now,
      updatedAt: now,
    };
    this.outputs.set(output.id, output);
    this.outputList.push(output);
    request.outputs.push(output);
    request.counts.accepting++;
    request.updatedAt = now;
    return output;
  }

  /**
   * POST /_sandbox/advance. `minutes`: the clock moves and what fell due is applied. Otherwise
   * the world is first brought up to the clock, then one forced step of every server-side
   * transition (progress.ts), or forced steps until one changes nothing (`until: "final"`).
   */
  advance(options: AdvanceOptions = {}): AdvanceResult {
    if (options.minutes !== undefined) {
      this.clock.forward(options.minutes * MINUTE_MS);
      this.directory.reviewsDue(this.clock.nowMs());
      return this.progress.catchUp(this.clock.nowMs());
    }
    this.tick();
    this.directory.reviewsDue(this.clock.nowMs());
    let steps = 0;
    let changes = 0;
    for (;;) {
      const changed = this.progress.forcedStep(options.expire === true, this.clock.nowMs());
      steps++;
      changes += changed;
      if (changed === 0 || options.until !== "final" || steps >= MAX_STEPS) return { steps, changes };
    }
  }

  /** null when the relationship was not sent; a 404 when it names nothing. */
  private find<T>(id: string | null | undefined, lookup: (id: string) => T | undefined): T | null {
    if (id === null || id === undefined) return null;
    const found = lookup(id);
    if (found === undefined) throw notFound();
    return found;
  }

  private owner(): UserRecord {
    return this.directory.user(this.directory.ownerUserId) as UserRecord;
  }

  private indexExternalId(request: RequestRecord): void {
    if (request.externalId === null) return;
    const bucket = this.byExternalId.get(request.externalId) ?? [];
    // Keep id order: a PATCH can move an older request into a bucket with newer ones.
    let at = bucket.length;
    while (at > 0 && Number((bucket[at - 1] as RequestRecord).id) > Number(request.id)) at--;
    bucket.splice(at, 0, request);
    this.byExternalId.set(request.externalId, bucket);
  }

  private unindexExternalId(request: RequestRecord): void {
    if (request.externalId === null) return;
    const bucket = this.byExternalId.get(request.externalId);
    if (bucket === undefined) return;
    bucket.splice(bucket.indexOf(request), 1);
    if (bucket.length === 0) this.byExternalId.delete(request.externalId);
  }

  private now(): string {
    return iso(this.clock.nowMs());
  }
}

function emptyCounts(): OutputCounts {
  return {
    accepting: 0,
    accepted: 0,
    rejected: 0,
    working: 0,
    settling: 0,
    settled: 0,
    failed: 0,
    returned: 0,
    cancelled: 0,
  };
}
