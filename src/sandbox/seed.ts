/**
 * The emulator's world file (docs/design.md section 9): the API key, users, withdrawal
 * instructions, balances, exchange rates and past requests (seed-history.ts). Its format is a
 * contract, so any test can bring its own world; `parseSeed` checks it up front and says
 * exactly what is wrong.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decimal, isCanonicalDecimal } from "../decimal.js";
import { UnusableFileError } from "../errors.js";
import { isPort, type PortCode } from "../ports.js";
import { parseSeedRequests, type SeedRequest } from "./seed-history.js";
import { DEFAULT_REVIEW, type ReviewPolicy } from "./users.js";

/**
 * The demo world that matches fixtures/demo/payroll.csv. Both src/sandbox/seed.ts (tsx) and
 * dist/sandbox/seed.js (built) sit two levels below the package root.
 */
export const DEFAULT_SEED_PATH = fileURLToPath(new URL("../../fixtures/demo/seed.json", import.meta.url));

export interface SeedUser {
  id: string;
  email: string;
  name?: string;
  /** "rejected" makes this payee's outputs end `rejected`; anything else passes compliance. */
  compliance_state: string;
}

export interface SeedWithdrawalInstruction {
  id: string;
  user_id: string;
  port_code: PortCode;
  label: string;
  body: Record<string, unknown>;
  /** How outputs paid to this instruction end when driven forward. */
  outcome: "settled" | "returned";
}

export interface SeedBalance {
  user_id: string;
  currency: string;
  /** Canonical decimal text, e.g. "50000000.00". */
  amount: string;
}

export interface SeedRate {
  from: PortCode;
  to: PortCode;
  /** Destination units per sender unit, canonical decimal text. */
  rate: string;
  /** Fraction of the budget kept as fee, canonical decimal text in [0, 1). */
  fee_rate: string;
}

export interface Seed {
  api_key: string;
  /** The user the API key belongs to: payer of requests sent without a `user`. Default: first user. */
  owner_user_id?: string;
  users: SeedUser[];
  withdrawal_instructions: SeedWithdrawalInstruction[];
  balances: SeedBalance[];
  rates: SeedRate[];
  /** Past requests with their outputs (docs/design.md section 13); absent when the seed has none. */
  requests?: SeedRequest[];
  /** How the review of a user created through the API ends (users.ts); default 30 minutes, none refused. */
  review?: ReviewPolicy;
  /**
   * Minutes from request_quote to `eta` for the ports Bitex quotes "later" (timeline.ts);
   * default 30, the emulator's choice, as Bitex gives no figure.
   */
  quote_later_minutes?: number;
}

/** A bad seed: the emulator's own error; the CLI's one mapper (stopFor) makes it an input error (exit 2). */
export class SeedError extends UnusableFileError {
  /** The BatchError code the CLI's mapper gives it. */
  readonly code = "input";
  constructor(message: string) {
    super(message, "see the seed format in docs/design.md section 9, or fixtures/demo/seed.json");
    this.name = "SeedError";
  }
}

export function loadSeed(path: string): Seed {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SeedError(`cannot read seed file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SeedError(`seed file ${path} is not JSON: ${(error as Error).message}`);
  }
  return parseSeed(json, path);
}

/** Checks and normalises a seed (numeric ids become digit strings); throws SeedError naming the field. */
export function parseSeed(input: unknown, origin = "seed"): Seed {
  const at = (path: string, expected: string, got: unknown): never => {
    throw new SeedError(`${origin}: ${path}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  const root = isObject(input) ? input : at("(top level)", "an object", input);
  const apiKey = typeof root.api_key === "string" && root.api_key !== "" ? root.api_key : undefined;
  const api_key = apiKey ?? at("api_key", "a non-empty string", root.api_key);

  const list = (name: string): Record<string, unknown>[] => {
    const value = root[name] ?? [];
    if (!Array.isArray(value)) return at(name, "an array", value);
    return value.map((item, i) => (isObject(item) ? item : at(`${name}[${i}]`, "an object", item)));
  };
  const id = (path: string, value: unknown): string => {
    const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
    return typeof text === "string" && /^\d+$/.test(text) ? text : at(path, "a digit-string id", value);
  };
  const port = (path: string, value: unknown): PortCode =>
    typeof value === "string" && isPort(value) ? value : at(path, "a port code", value);
  const amount = (path: string, value: unknown, check: (text: string) => boolean, expected: string) =>
    typeof value === "string" && isCanonicalDecimal(value) && check(value)
      ? value
      : at(path, expected, value);

  const users = list("users").map((u, i) => {
    const user: SeedUser = {
      id: id(`users[${i}].id`, u.id),
      email: typeof u.email === "string" ? u.email : at(`users[${i}].email`, "a string", u.email),
      compliance_state: typeof u.compliance_state === "string" ? u.compliance_state : "enabled",
    };
    if (typeof u.name === "string") user.name = u.name;
    return user;
  });
  if (users.length === 0) at("users", "at least one user (the key's owner)", root.users);
  const userIds = uniqueIds("users", users, at);
  const knownUser = (path: string, value: unknown): string => {
    const userId = id(path, value);
    return userIds.has(userId) ? userId : at(path, "the id of a user in the seed", value);
  };

  const withdrawal_instructions = list("withdrawal_instructions").map((w, i): SeedWithdrawalInstruction => {
    const path = `withdrawal_instructions[${i}]`;
    const outcome = w.outcome ?? "settled";
    return {
      id: id(`${path}.id`, w.id),
      user_id: knownUser(`${path}.user_id`, w.user_id),
      port_code: port(`${path}.port_code`, w.port_code),
      label: typeof w.label === "string" ? w.label : "",
      body: isObject(w.body) ? w.body : {},
      outcome:
        outcome === "settled" || outcome === "returned"
          ? outcome
          : at(`${path}.outcome`, '"settled" or "returned"', outcome),
    };
  });

  uniqueIds("withdrawal_instructions", withdrawal_instructions, at);

  const nonNegative = (text: string) => decimal(text).units >= 0n;
  const positive = (text: string) => decimal(text).units > 0n;
  const fraction = (text: string) =>
    nonNegative(text) && decimal(text).units < 10n ** BigInt(decimal(text).scale);

  const balances = list("balances").map(
    (b, i): SeedBalance => ({
      user_id: knownUser(`balances[${i}].user_id`, b.user_id),
      currency:
        typeof b.currency === "string"
          ? b.currency.toLowerCase()
          : at(`balances[${i}].currency`, "a currency code", b.currency),
      amount: amount(`balances[${i}].amount`, b.amount, nonNegative, "a non-negative decimal string"),
    }),
  );

  const rates = list("rates").map(
    (r, i): SeedRate => ({
      from: port(`rates[${i}].from`, r.from),
      to: port(`rates[${i}].to`, r.to),
      rate: amount(`rates[${i}].rate`, r.rate, positive, "a positive decimal string"),
      fee_rate: amount(`rates[${i}].fee_rate`, r.fee_rate ?? "0", fraction, "a decimal string in [0, 1)"),
    }),
  );

  const seed: Seed = { api_key, users, withdrawal_instructions, balances, rates };
  if (root.owner_user_id !== undefined) seed.owner_user_id = knownUser("owner_user_id", root.owner_user_id);
  const instructions = new Map(withdrawal_instructions.map((w) => [w.id, w]));
  const requests = parseSeedRequests(list("requests"), { at, id, port, knownUser, instructions });
  if (requests.length > 0) seed.requests = requests;
  if (root.review !== undefined) seed.review = parseReview(root.review, at);
  if (root.quote_later_minutes !== undefined)
    seed.quote_later_minutes = minutes("quote_later_minutes", root.quote_later_minutes, at);
  return seed;
}

function parseReview(value: unknown, at: (p: string, e: string, g: unknown) => never): ReviewPolicy {
  const review = isObject(value) ? value : at("review", "an object", value);
  const refuse = review.refuse ?? [];
  return {
    minutes: minutes("review.minutes", review.minutes ?? DEFAULT_REVIEW.minutes, at),
    refuse:
      Array.isArray(refuse) && refuse.every((email) => typeof email === "string")
        ? (refuse as string[])
        : at("review.refuse", "an array of emails", refuse),
  };
}

/** At most a year: a delay beyond any date the clock can write would fail every step it times. */
const MAX_MINUTES = 365 * 24 * 60;

/** A delay in minutes, 0 to MAX_MINUTES. */
function minutes(path: string, value: unknown, at: (p: string, e: string, g: unknown) => never): number {
  return typeof value === "number" && value >= 0 && value <= MAX_MINUTES
    ? value
    : at(path, `a number of minutes from 0 to ${MAX_MINUTES}`, value);
}

function uniqueIds(name: string, items: { id: string }[], at: (p: string, e: string, g: unknown) => never) {
  const ids = new Set<string>();
  for (const [i, item] of items.entries()) {
    if (ids.has(item.id)) at(`${name}[${i}].id`, "an id not used before", item.id);
    ids.add(item.id);
  }
  return ids;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
