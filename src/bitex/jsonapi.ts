/**
 * JSON:API bodies for the two creates, and decoding of Bitex documents into plain objects:
 * the resource's attributes, its `id`, and one `<relationship>_id` string per relationship.
 * Money attributes come back as exact decimal text, never as floats.
 */
import { isCanonicalDecimal } from "../decimal.js";
import { idNumber } from "../model.js";
import { JsonNumber } from "../wire/json.js";
import type {
  ConciergeOutputAttributes,
  ConciergeRequestAttributes,
  ListLinks,
  ListMeta,
  OutputState,
  RequestState,
  ResourceIdentifier,
} from "../wire/resources.js";

/** Attributes parsed as exact decimal text (see parseJson). */
export const MONEY_ATTRIBUTES: ReadonlySet<string> = new Set(["amount", "budget", "total_to_spend"]);

export interface ConciergeRequest extends Omit<ConciergeRequestAttributes, "total_to_spend"> {
  id: string;
  /** Exact decimal text, normalized ("1200.5"). */
  total_to_spend: string | null;
  /** The payer (relationship `user`), when the server says. */
  user_id: string | null;
  /** Every output's id (the to-many relationship `outputs`, Bitex's guide), when the server says. */
  outputs_ids?: string[] | null;
  /**
   * Answered in Bitex's older version (`outputs_total` without `outputs_count`, or a
   * `cancellable_until`: the 2019 guide's document), in which a quote is accepted by itself at
   * `cancellable_until` unless cancelled: the quote gate never asks for one (follow/gate.ts).
   */
  older_version?: boolean;
  /** The older version's deadline to cancel a quote, which is accepted by itself after it. */
  cancellable_until?: string | null;
  /**
   * When its quote was accepted, where the server says (kept as sent): a request cancelled
   * after it (funds that never came) was accepted once, not lost.
   */
  quote_accepted_at?: string | null;
}

export interface ConciergeOutput extends Omit<ConciergeOutputAttributes, "amount" | "budget"> {
  id: string;
  /** Exact decimal text, normalized: "850000", "1200.5". */
  amount: string | null;
  budget: string | null;
  request_id: string | null;
  /** The recipient. */
  user_id: string | null;
  withdrawal_instruction_id: string | null;
}

/** Resources whose attributes the client does not rely on: every attribute is kept as sent. */
export type Loose = { id: string } & Record<string, unknown>;
export type Port = Loose & { code: string };
export type User = Loose;
export type WithdrawalInstruction = Loose & { user_id: string | null; port_code: string | null };

export interface Page<T> {
  items: T[];
  meta: Partial<ListMeta> | undefined;
  /** Each link a URL, or a JSON:API link object (`{"href": …}`): read by paging.ts. */
  links: Partial<Record<keyof ListLinks, unknown>> | undefined;
}

/** The document is well-formed JSON but not the JSON:API shape expected. */
export class DecodeError extends Error {
  override name = "DecodeError";
  /** A resource in a state this version does not know (the export says so apart: an update, not a retry, mends it). */
  unknownState?: { what: string; id: string; state: string; known: readonly string[] };
}

/**
 * Ids go out as the numbers they name, without leading zeros (`0300` → `300`): Bitex casts
 * them and answers `300`, which reconciliation compares as a number (batch/reconcile.ts). The
 * rows keep the text written: it is part of their group key, external id and fingerprint.
 */
const idOut = (type: string, id: string) => identifier(type, idNumber(id));

export function requestBody(input: { portCode: string; externalId: string; payerUserId?: string }): unknown {
  const user = input.payerUserId === undefined ? undefined : { data: idOut("users", input.payerUserId) };
  return {
    data: {
      type: "concierge_requests",
      attributes: { port_code: input.portCode, external_id: input.externalId },
      relationships: user && { user },
    },
  };
}

export interface OutputInput {
  requestId: string;
  portCode: string;
  /** Canonical decimal text; exactly one of amount/budget. */
  amount?: string;
  budget?: string;
  recipientUserId: string;
  withdrawalInstructionId: string;
}

export function outputBody(input: OutputInput): unknown {
  if ((input.amount === undefined) === (input.budget === undefined)) {
    throw new RangeError("createOutput: expected exactly one of amount and budget");
  }
  const money = (text: string | undefined) => (text === undefined ? null : new JsonNumber(text));
  return {
    data: {
      type: "concierge_request_outputs",
      attributes: { port_code: input.portCode, amount: money(input.amount), budget: money(input.budget) },
      relationships: {
        request: { data: identifier("concierge_requests", input.requestId) },
        user: { data: idOut("users", input.recipientUserId) },
        withdrawal_instruction: { data: idOut("withdrawal_instructions", input.withdrawalInstructionId) },
      },
    },
  };
}

function identifier(type: string, id: string): ResourceIdentifier {
  return { type, id };
}

export function decodeOne(document: unknown, type?: string): Loose {
  const data = isObject(document) ? document.data : undefined;
  if (!isObject(data)) throw new DecodeError("expected a document with one resource in `data`");
  return flatten(data, type);
}

/**
 * One element of a compound document's `included` list (JSON:API), flattened when it is a
 * resource of `type`; null for one of another type, which is not ours to read.
 */
export function includedResource(item: unknown, type: string): Loose | null {
  return isObject(item) && item.type === type ? flatten(item, type) : null;
}

export function decodePage(document: unknown, type?: string): Page<Loose> {
  const data = isObject(document) ? document.data : undefined;
  if (!Array.isArray(data) || !isObject(document))
    throw new DecodeError("expected a document with a list in `data`");
  const meta = isObject(document.meta) ? (document.meta as Partial<ListMeta>) : undefined;
  const links = isObject(document.links) ? document.links : undefined;
  return { items: data.map((item) => flatten(item, type)), meta, links };
}

const REQUEST_STATES: ReadonlySet<string> = new Set<RequestState>([
  "draft",
  "quote_requested",
  "quoted",
  "quote_accepted",
  "working",
  "finished",
  "cancelled",
]);
/** Every output state the client knows (Bitex's guide). */
export const OUTPUT_STATES: ReadonlySet<string> = new Set<OutputState>([
  "accepting",
  "accepted",
  "rejected",
  "working",
  "settling",
  "settled",
  "failed",
  "returned",
  "cancelled",
]);

/**
 * A request as the client relies on it (the decoded resource itself, completed): a known `state` and a whole-number output count. The
 * count is `outputs_count` (version 2.0, which the client asks for), or `outputs_total` in the
 * older shape Bitex answers when no version is asked for (the 2019 guide's request document);
 * either is refused, naming attribute and request, when absent or not a count. The older shape
 * is read so that a batch can be told what happened, and marked `older_version`: in that
 * version a quote needs no accept, so the quote gate refuses to ask for one.
 */
export function asRequest(resource: Loose): ConciergeRequest {
  const count = resource.outputs_count ?? resource.outputs_total;
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
    const shown = count === undefined ? "absent" : JSON.stringify(count);
    throw new DecodeError(
      `request ${resource.id}: attribute outputs_count (or outputs_total) is ${shown}; expected a whole number of outputs`,
    );
  }
  knownState(resource, "request", REQUEST_STATES);
  // In place: a decoded resource is the caller's alone, and a listing of many need not be copied.
  moneyOrNull(resource, "request", "total_to_spend");
  if (resource.outputs_count === undefined || resource.cancellable_until != null)
    resource.older_version = true;
  resource.outputs_count = count;
  resource.user_id = idOrNull(resource.user_id);
  return resource as unknown as ConciergeRequest;
}

function knownState(resource: Loose, what: string, states: ReadonlySet<string>): void {
  const { state } = resource;
  if (typeof state === "string" && states.has(state)) return;
  const shown = state === undefined ? "absent" : JSON.stringify(state);
  const error = new DecodeError(
    `${what} ${resource.id}: attribute state is ${shown}; expected one of ${[...states].join(", ")}`,
  );
  if (typeof state === "string" && state !== "")
    error.unknownState = { what, id: String(resource.id), state, known: [...states] };
  throw error;
}

/**
 * A money attribute as decimal text (a JSON number is made that by the parser, exactly), or
 * null when absent. Any other text ("1.5e3", "1,500.00") is refused, naming attribute and
 * resource: no guard, sum or report may read it into an amount it is not.
 */
function moneyOrNull(resource: Loose, what: string, name: string): void {
  const value = resource[name];
  if (value === undefined || value === null) resource[name] = null;
  else if (typeof value !== "string" || !isCanonicalDecimal(value))
    throw new DecodeError(
      `${what} ${resource.id}: attribute ${name} is ${JSON.stringify(value)}; expected a decimal amount (digits, a point) or null`,
    );
}

/** In place, as asRequest. */
export function asOutput(resource: Loose): ConciergeOutput {
  knownState(resource, "output", OUTPUT_STATES);
  moneyOrNull(resource, "output", "amount");
  moneyOrNull(resource, "output", "budget");
  resource.request_id = idOrNull(resource.request_id);
  resource.user_id = idOrNull(resource.user_id);
  resource.withdrawal_instruction_id = idOrNull(resource.withdrawal_instruction_id);
  return resource as unknown as ConciergeOutput;
}

export function asPort(resource: Loose): Port {
  const code = typeof resource.code === "string" ? resource.code : resource.id;
  return { ...resource, code };
}

export function asWithdrawalInstruction(resource: Loose): WithdrawalInstruction {
  const port = resource.port_code;
  return {
    ...resource,
    user_id: idOrNull(resource.user_id),
    port_code: typeof port === "string" ? port : null,
  };
}

/** `{id, attributes, relationships}` → `{...attributes, id, <name>_id}`; relationship ids win over attributes. */
function flatten(resource: unknown, type: string | undefined): Loose {
  if (!isObject(resource)) throw new DecodeError("expected a resource object");
  const id = idOrNull(resource.id);
  if (id === null) throw new DecodeError("resource without an id");
  if (type !== undefined && resource.type !== type) {
    throw new DecodeError(`expected a resource of type ${type}, got ${JSON.stringify(resource.type)}`);
  }
  const attributes = resource.attributes ?? {};
  if (!isObject(attributes)) throw new DecodeError(`resource ${id}: attributes is not an object`);
  const result: Loose = { ...attributes, id };
  const relationships = isObject(resource.relationships) ? resource.relationships : {};
  for (const [name, relationship] of Object.entries(relationships)) {
    const data = isObject(relationship) ? relationship.data : undefined;
    if (data === null || isObject(data)) result[`${name}_id`] = data === null ? null : idOrNull(data.id);
    else if (Array.isArray(data)) result[`${name}_ids`] = idsOf(data);
  }
  return result;
}

/** A to-many relationship's ids (a request names every output: tens of thousands), in one array. */
function idsOf(data: readonly unknown[]): string[] {
  const ids: string[] = [];
  for (const item of data) {
    const itemId = isObject(item) ? idOrNull(item.id) : null;
    if (itemId !== null) ids.push(itemId);
  }
  return ids;
}

function idOrNull(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
