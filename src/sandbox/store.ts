/**
 * The emulator's mutable world: concierge requests and their outputs, the state machines that
 * move them (machine.ts decides, this file applies), quotes and funding.
 *
 * Every mutation is synchronous, so interleaved HTTP handlers never see half a change. Lookups
 * are O(1) and lists are arrays kept in id order (ids are sequential), so a page is a slice.
 */
import type { CancellationReason, OutputState, RequestState } from "../bitex/resources.js";
import { type Decimal, decimal } from "../decimal.js";
import { minorUnits, type PortCode, portCurrency } from "../ports.js";
import { Directory, type UserRecord } from "./directory.js";
import type { ResourceInput } from "./inputs.js";
import { notFound, unprocessable, type Violation } from "./jsonapi.js";
import {
  applyAction,
  expiryReason,
  isFinalOutputState,
  nextOutputState,
  type RequestAction,
} from "./machine.js";
import { quoteOutput, sum } from "./money.js";
import type { Seed } from "./seed.js";
import { checkOutput, readOptionalText, readPort } from "./validate.js";
import { violations } from "./violations.js";

export type OutputCounts = Record<OutputState, number>;

export interface RequestRecord {
  id: string;
  /** The payer. */
  userId: string;
  portCode: PortCode;
  externalId: string | null;
  state: RequestState;
  cancellationReason: CancellationReason | null;
  /** Kept in step with `outputs` by `moveOutput`, so the outputs_* counters are O(1). */
  counts: OutputCounts;
  outputs: OutputRecord[];
  totalToSpend: Decimal | null;
  eta: string | null;
  acceptQuoteBefore: string | null;
  provisionFundsBefore: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface OutputRecord {
  id: string;
  request: RequestRecord;
  /** The payee. */
  userId: string;
  instructionId: string;
  portCode: PortCode;
  /** What the payee receives; null until quoted when the output was created with a budget. */
  amount: Decimal | null;
  /** What the payer spends; null until quoted when the output was created with an amount. */
  budget: Decimal | null;
  state: OutputState;
  createdAt: string;
  updatedAt: string;
}

export interface AdvanceOptions {
  /** "final": repeat steps until one changes nothing. */
  until?: "final";
  /**
   * Emulator addition: the deadlines have passed. Drafts are pruned (draft_was_pruned), quotes
   * not accepted lapse (quote_not_accepted), accepted quotes that funding cannot cover lapse
   * (payment_not_received). Everything else moves as in a normal step.
   */
  expire?: boolean;
}

export interface AdvanceResult {
  steps: number;
  changes: number;
}

/** Longer than any chain of transitions (draft to finished is eight steps). */
const MAX_STEPS = 100;
const HOUR_MS = 3_600_000;

export class Store {
  /** The only key the API accepts, compared verbatim with the Authorization header. */
  readonly apiKey: string;
  readonly directory: Directory;
  readonly requestList: RequestRecord[] = [];
  readonly outputList: OutputRecord[] = [];
  private readonly requests = new Map<string, RequestRecord>();
  private readonly outputs = new Map<string, OutputRecord>();
  private readonly byExternalId = new Map<string, RequestRecord[]>();
  /** Requests not yet finished or cancelled: the only ones advance has to look at. */
  private readonly active = new Set<RequestRecord>();
  private nextRequestId = 1;
  private nextOutputId = 1;

  constructor(
    seed: Seed,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.apiKey = seed.api_key;
    this.insertSeeded(seed.requests ?? []);
    this.directory = new Directory(seed);
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
   * The seed's past requests and outputs (DESIGN.md section 13), as they were: ids, times and
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

  createRequest(input: ResourceInput): RequestRecord {
    const payer = this.find(input.relationships.user, (id) => this.directory.user(id)) ?? this.owner();
    const problems: Violation[] = [];
    const portCode = readPort(input.attributes.port_code, problems);
    const externalId = readOptionalText(input.attributes, "external_id", problems);
    if (problems.length > 0 || portCode === null) throw unprocessable("concierge_requests", problems);
    const now = this.now();
    const request: RequestRecord = {
      id: String(this.nextRequestId++),
      userId: payer.id,
      portCode,
      externalId: externalId ?? null,
      state: "draft",
      cancellationReason: null,
      counts: emptyCounts(),
      outputs: [],
      totalToSpend: null,
      eta: null,
      acceptQuoteBefore: null,
      provisionFundsBefore: null,
      createdAt: now,
      updatedAt: now,
    };
    this.requests.set(request.id, request);
    this.requestList.push(request);
    this.indexExternalId(request);
    this.active.add(request);
    return request;
  }

  /** PATCH: `external_id` any time in draft; `port_code` too while the request has no outputs. */
  patchRequest(id: string, input: ResourceInput): RequestRecord {
    const request = this.requests.get(id);
    if (request === undefined) throw notFound();
    const problems: Violation[] = [];
    if (request.state !== "draft") {
      problems.push({ ...violations.requestNotDraft(id, request.state), pointer: "/data/attributes/state" });
      throw unprocessable("concierge_requests", problems);
    }
    const externalId = readOptionalText(input.attributes, "external_id", problems);
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
    if (portCode !== null) request.portCode = portCode;
    request.updatedAt = this.now();
    return request;
  }

  act(id: string, action: RequestAction): RequestRecord {
    const request = this.requests.get(id);
    if (request === undefined) throw notFound();
    const next = applyAction(request.state, action);
    if (next === null)
      throw unprocessable("concierge_requests", [violations.illegalTransition(action, request.state)]);
    if (action === "request_quote" && request.outputs.length === 0) {
      throw unprocessable("concierge_requests", [violations.noOutputs()]);
    }
    if (next === "cancelled") this.cancel(request, null);
    else this.setState(request, next);
    return request;
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

  /** POST /_sandbox/advance: one step of every server-side transition, or steps until quiet. */
  advance(options: AdvanceOptions = {}): AdvanceResult {
    let steps = 0;
    let changes = 0;
    for (;;) {
      const changed = this.step(options.expire === true);
      steps++;
      changes += changed;
      if (changed === 0 || options.until !== "final" || steps >= MAX_STEPS) return { steps, changes };
    }
  }

  /** Each request and output moves at most once, judged on the states the step started with. */
  private step(expire: boolean): number {
    let changes = 0;
    for (const request of [...this.active]) {
      const start = request.state;
      if (start !== "draft") {
        for (const output of request.outputs) {
          const next = nextOutputState(output.state, {
            requestState: start,
            payeeRejected: this.directory.user(output.userId)?.complianceState === "rejected",
            outcome: this.directory.instruction(output.instructionId)?.outcome ?? "settled",
          });
          if (next !== null) {
            this.moveOutput(output, next);
            changes++;
          }
        }
      }
      const deadline = expire ? expiryReason(start) : null;
      if (start === "quote_requested") {
        this.quote(request);
        this.setState(request, "quoted");
      } else if (start === "quote_accepted" && this.fund(request)) {
        this.setState(request, "working");
      } else if (deadline !== null) {
        this.cancel(request, deadline);
      } else if (start === "working" && finalCount(request.counts) === request.outputs.length) {
        this.setState(request, "finished");
      } else {
        continue;
      }
      changes++;
    }
    return changes;
  }

  /** Fills each output's other side and the request's totals; rejected outputs are not paid. */
  private quote(request: RequestRecord): void {
    const senderDecimals = minorUnits(portCurrency(request.portCode));
    for (const output of request.outputs) {
      const route = this.directory.route(request.portCode, output.portCode);
      if (route === undefined) continue; // routes are checked at create and never removed
      const quoted = quoteOutput({
        route,
        amount: output.amount,
        budget: output.amount === null ? output.budget : null,
        senderDecimals,
        destinationDecimals: minorUnits(portCurrency(output.portCode)),
      });
      output.amount = quoted.amount;
      output.budget = quoted.budget;
    }
    const paid = request.outputs.filter((o) => o.state !== "rejected" && o.budget !== null);
    request.totalToSpend = sum(
      paid.map((o) => o.budget as Decimal),
      senderDecimals,
    );
    const now = this.clock().getTime();
    request.acceptQuoteBefore = new Date(now + HOUR_MS).toISOString();
    request.provisionFundsBefore = new Date(now + 24 * HOUR_MS).toISOString();
    request.eta = new Date(now + 72 * HOUR_MS).toISOString();
  }

  /** Funding from the payer's seeded balance in the sender currency; debits it when it covers. */
  private fund(request: RequestRecord): boolean {
    if (request.totalToSpend === null) return false;
    return this.directory.debit(request.userId, portCurrency(request.portCode), request.totalToSpend);
  }

  /** Client cancel (reason null) or a lapsed deadline; outputs not yet final are cancelled. */
  private cancel(request: RequestRecord, reason: CancellationReason | null): void {
    for (const output of request.outputs) {
      if (!isFinalOutputState(output.state)) this.moveOutput(output, "cancelled");
    }
    request.cancellationReason = reason;
    this.setState(request, "cancelled");
  }

  private setState(request: RequestRecord, state: RequestState): void {
    request.state = state;
    request.updatedAt = this.now();
    if (state === "finished" || state === "cancelled") this.active.delete(request);
  }

  private moveOutput(output: OutputRecord, state: OutputState): void {
    const counts = output.request.counts;
    counts[output.state]--;
    counts[state]++;
    output.state = state;
    output.updatedAt = this.now();
    output.request.updatedAt = output.updatedAt;
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
    return this.clock().toISOString();
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

function finalCount(counts: OutputCounts): number {
  return counts.rejected + counts.settled + counts.returned + counts.cancelled;
}
