/**
 * Past requests in the emulator's seed (docs/design.md section 13), so that a period can be tested
 * without waiting for it: each request with its outputs, its `created_at` and the states it
 * ended in. They are checked like everything else in the seed, up front and naming the field,
 * and held to the rules the API enforces on live ones (the payee's own instruction, on its
 * port; no more decimals than the currency has), so a seeded past is one the API could have made.
 */
import { isValid } from "date-fns/isValid";
import { parseISO } from "date-fns/parseISO";
import { decimal, isCanonicalDecimal } from "../decimal.js";
import { minorUnits, type PortCode, portCurrency } from "../ports.js";
import {
  type CancellationReason,
  FINAL_OUTPUT_STATES,
  type OutputState,
  type RequestState,
} from "../wire/resources.js";

export interface SeedOutput {
  id: string;
  /** The payee. */
  user_id: string;
  port_code: PortCode;
  /** Canonical decimal text, or null; at least one of amount and budget is set. */
  amount: string | null;
  budget: string | null;
  withdrawal_instruction_id: string;
  state: OutputState;
  /** ISO 8601 UTC; default: the request's. */
  created_at: string;
  updated_at: string;
}

export interface SeedRequest {
  id: string;
  /** The payer. */
  user_id: string;
  port_code: PortCode;
  /** ISO 8601 UTC (normalised from any offset the seed used). */
  created_at: string;
  /** Default: created_at. */
  updated_at: string;
  state: RequestState;
  external_id: string | null;
  cancellation_reason: CancellationReason | null;
  total_to_spend: string | null;
  outputs: SeedOutput[];
}

/** What parseSeed already knows and checks, handed over so both report errors the same way. */
export interface SeedContext {
  at: (path: string, expected: string, got: unknown) => never;
  id: (path: string, value: unknown) => string;
  port: (path: string, value: unknown) => PortCode;
  knownUser: (path: string, value: unknown) => string;
  instructions: ReadonlyMap<string, { user_id: string; port_code: PortCode }>;
}

const REQUEST_STATES: readonly RequestState[] = [
  "draft",
  "quote_requested",
  "quoted",
  "quote_accepted",
  "working",
  "finished",
  "cancelled",
];
const OUTPUT_STATES: readonly OutputState[] = [
  "accepting",
  "accepted",
  "rejected",
  "working",
  "settling",
  "settled",
  "failed",
  "returned",
  "cancelled",
];
const REASONS: readonly CancellationReason[] = [
  "draft_was_pruned",
  "quote_not_accepted",
  "payment_not_received",
];
/** With an explicit offset: a time without one would mean the host's zone, and differ by host. */
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseSeedRequests(items: Record<string, unknown>[], ctx: SeedContext): SeedRequest[] {
  const { at } = ctx;
  const oneOf = <T extends string>(path: string, value: unknown, allowed: readonly T[]): T =>
    allowed.includes(value as T) ? (value as T) : at(path, `one of ${allowed.join(", ")}`, value);
  const time = (path: string, value: unknown): string => {
    // parseISO, unlike Date.parse, refuses a day the month does not have (2026-02-30).
    const date = typeof value === "string" && TIME.test(value) ? parseISO(value) : null;
    return date && isValid(date)
      ? date.toISOString()
      : at(path, "an ISO 8601 time with Z or an offset", value);
  };
  const timeOr = (path: string, value: unknown, fallback: string) =>
    value === undefined ? fallback : time(path, value);
  const money = (path: string, value: unknown, port: PortCode, sign: "positive" | "non-negative") => {
    if (value === undefined || value === null) return null;
    const places = minorUnits(portCurrency(port));
    const fits = (text: string) =>
      !text.startsWith("-") &&
      (sign === "non-negative" || decimal(text).units > 0n) &&
      decimals(text) <= places;
    return typeof value === "string" && isCanonicalDecimal(value) && fits(value)
      ? value
      : at(path, `a ${sign} decimal string with at most ${places} decimals, or null`, value);
  };
  const requestIds = new Set<string>();
  const outputIds = new Set<string>();
  // Kept as numbers by the store, which numbers new resources above the highest seeded id.
  const unique = (ids: Set<string>, path: string, id: string) => {
    if (!Number.isSafeInteger(Number(id))) at(path, "an id below 2^53", id);
    if (ids.has(id)) at(path, "an id not used before", id);
    ids.add(id);
    return id;
  };

  const readOutput = (o: unknown, path: string, request: Omit<SeedRequest, "outputs">): SeedOutput => {
    if (typeof o !== "object" || o === null || Array.isArray(o)) return at(path, "an object", o);
    const output = o as Record<string, unknown>;
    const id = unique(outputIds, `${path}.id`, ctx.id(`${path}.id`, output.id));
    const user_id = ctx.knownUser(`${path}.user_id`, output.user_id);
    const port_code = ctx.port(`${path}.port_code`, output.port_code);
    const instructionPath = `${path}.withdrawal_instruction_id`;
    const withdrawal_instruction_id = ctx.id(instructionPath, output.withdrawal_instruction_id);
    const instruction = ctx.instructions.get(withdrawal_instruction_id);
    if (instruction?.user_id !== user_id || instruction.port_code !== port_code)
      at(instructionPath, `an instruction of user ${user_id} on ${port_code}`, withdrawal_instruction_id);
    const amount = money(`${path}.amount`, output.amount, port_code, "positive");
    const budget = money(`${path}.budget`, output.budget, request.port_code, "positive");
    if (amount === null && budget === null) at(`${path}.amount`, "an amount or a budget", output.amount);
    const state = oneOf(`${path}.state`, output.state, OUTPUT_STATES);
    // The request's state says what its outputs can be, as the state machines would have left them.
    if (
      (request.state === "finished" || request.state === "cancelled") &&
      !FINAL_OUTPUT_STATES.includes(state)
    )
      at(`${path}.state`, `a final state (the request is ${request.state})`, output.state);
    if (request.state === "draft" && state !== "accepting")
      at(`${path}.state`, '"accepting" (the request is a draft)', output.state);
    const created_at = timeOr(`${path}.created_at`, output.created_at, request.created_at);
    const updated_at = timeOr(`${path}.updated_at`, output.updated_at, created_at);
    return {
      id,
      user_id,
      port_code,
      amount,
      budget,
      withdrawal_instruction_id,
      state,
      created_at,
      updated_at,
    };
  };

  return items.map((r, i): SeedRequest => {
    const path = `requests[${i}]`;
    const state = oneOf(`${path}.state`, r.state, REQUEST_STATES);
    const reason = r.cancellation_reason ?? null;
    if (reason !== null && state !== "cancelled")
      at(`${path}.cancellation_reason`, "null unless the request is cancelled", reason);
    const external = r.external_id ?? null;
    const created_at = time(`${path}.created_at`, r.created_at);
    const port_code = ctx.port(`${path}.port_code`, r.port_code);
    const request = {
      id: unique(requestIds, `${path}.id`, ctx.id(`${path}.id`, r.id)),
      user_id: ctx.knownUser(`${path}.user_id`, r.user_id),
      port_code,
      created_at,
      updated_at: timeOr(`${path}.updated_at`, r.updated_at, created_at),
      state,
      external_id:
        external === null || typeof external === "string"
          ? external
          : at(`${path}.external_id`, "a string or null", external),
      cancellation_reason: reason === null ? null : oneOf(`${path}.cancellation_reason`, reason, REASONS),
      total_to_spend: money(`${path}.total_to_spend`, r.total_to_spend, port_code, "non-negative"),
    };
    const outputs = r.outputs ?? [];
    if (!Array.isArray(outputs)) return at(`${path}.outputs`, "an array", outputs);
    return { ...request, outputs: outputs.map((o, j) => readOutput(o, `${path}.outputs[${j}]`, request)) };
  });
}

/** "1200.50" has 1 significant decimal: trailing zeros do not count, as for live outputs. */
function decimals(text: string): number {
  const fraction = text.split(".")[1] ?? "";
  return fraction.replace(/0+$/, "").length;
}
