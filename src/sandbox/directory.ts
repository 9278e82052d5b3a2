/**
 * The part of the world the seed describes and requests only read: users, withdrawal
 * instructions (clients may add more), balances and exchange routes.
 */
import { add, compare, type Decimal, decimal } from "../decimal.js";
import { isPort, type PortCode } from "../ports.js";
import type { ResourceInput } from "./inputs.js";
import { notFound, unprocessable } from "./jsonapi.js";
import type { Route } from "./money.js";
import type { Seed } from "./seed.js";
import { DEFAULT_REVIEW, emailKey, Reviews, readNewUser } from "./users.js";
import { violations } from "./violations.js";

export interface UserRecord {
  id: string;
  email: string;
  name: string | null;
  complianceState: string;
}

export interface InstructionRecord {
  id: string;
  /** Private to the emulator, like portCode: Bitex shows no owner on an instruction. */
  userId: string;
  /**
   * Private to the emulator (Bitex shows no port on an instruction): the seed's `port_code`, or
   * inferInstructionPort for one created through the API; null when that finds none.
   */
  portCode: PortCode | null;
  label: string;
  body: Record<string, unknown>;
  outcome: "settled" | "returned";
}

/** One change of a balance: a request's funding (negative) or a returned payout's refund. */
export interface Movement {
  userId: string;
  currency: string;
  /** Never negative: `kind` says which way it went (funding out, refund in). */
  amount: Decimal;
  kind: "funding" | "refund";
  requestId: string;
  outputId?: string;
}

export class Directory {
  readonly ownerUserId: string;
  readonly userList: UserRecord[];
  readonly instructionList: InstructionRecord[];
  private readonly users = new Map<string, UserRecord>();
  private readonly instructions = new Map<string, InstructionRecord>();
  /** Key `${user_id}:${currency}`. */
  private readonly balances = new Map<string, Decimal>();
  private readonly movements: Movement[] = [];
  /** Key `${from}>${to}`. */
  private readonly routes = new Map<string, Route>();
  private nextInstructionId: number;
  private nextUserId: number;
  /** Emails of every user (lower-case), for `POST /users`'s refusal of a taken one. */
  private readonly emails = new Set<string>();
  private readonly reviews: Reviews;
  /** Outcomes of deleted instructions, for the outputs paid to them before. */
  private readonly deletedOutcomes = new Map<string, "settled" | "returned">();

  constructor(seed: Seed) {
    this.userList = seed.users.map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name ?? null,
      complianceState: u.compliance_state,
    }));
    for (const user of this.userList) {
      this.users.set(user.id, user);
      if (user.email !== "") this.emails.add(emailKey(user.email));
    }
    this.nextUserId = 1 + Math.max(0, ...this.userList.map((u) => Number(u.id)));
    this.reviews = new Reviews(seed.review ?? DEFAULT_REVIEW);
    // Seed users are non-empty (parseSeed checks it), so the first one always exists.
    this.ownerUserId = seed.owner_user_id ?? (this.userList[0] as UserRecord).id;

    this.instructionList = seed.withdrawal_instructions
      .map((w) => ({
        id: w.id,
        userId: w.user_id,
        portCode: w.port_code,
        label: w.label,
        body: w.body,
        outcome: w.outcome,
      }))
      .sort((a, b) => Number(a.id) - Number(b.id));
    for (const instruction of this.instructionList) this.instructions.set(instruction.id, instruction);
    this.nextInstructionId = 1 + Math.max(0, ...this.instructionList.map((w) => Number(w.id)));

    for (const b of seed.balances) this.balances.set(`${b.user_id}:${b.currency}`, decimal(b.amount));
    for (const r of seed.rates) {
      this.routes.set(`${r.from}>${r.to}`, { rate: decimal(r.rate), feeRate: decimal(r.fee_rate) });
    }
  }

  /** `me` is the key's owner, as on Bitex. */
  user(id: string): UserRecord | undefined {
    return this.users.get(id === "me" ? this.ownerUserId : id);
  }

  /** Whether the key may act as this user (`Authorization: <key>; user=<id>`): any seeded user. */
  manages(userId: string): boolean {
    return this.users.has(userId);
  }

  /**
   * POST /users (users.ts): a user the key manages from now on, `new` until its review ends on
   * the clock (reviewsDue). Kept in id order: ids are above every seeded one.
   */
  createUser(input: ResourceInput, nowMs: number): UserRecord {
    const { email, name } = readNewUser(input, (key) => this.emails.has(key));
    const user: UserRecord = { id: String(this.nextUserId++), email, name, complianceState: "new" };
    this.users.set(user.id, user);
    this.userList.push(user);
    if (email !== "") this.emails.add(emailKey(email));
    this.reviews.start(user.id, email, nowMs);
    return user;
  }

  /** Ends the reviews of created users that are due by `nowMs` (run before every call). */
  reviewsDue(nowMs: number): void {
    this.reviews.due(nowMs, (userId, outcome) => {
      const user = this.users.get(userId);
      if (user) user.complianceState = outcome;
    });
  }

  /** A live instruction (not deleted), whoever owns it. */
  instruction(id: string): InstructionRecord | undefined {
    return this.instructions.get(id);
  }

  route(from: PortCode, to: PortCode): Route | undefined {
    return this.routes.get(`${from}>${to}`);
  }

  /** Debits `amount` if the user's balance covers it; says whether it did. `why`: for `movements`. */
  debit(
    userId: string,
    currency: string,
    amount: Decimal,
    why: Omit<Movement, "userId" | "currency" | "amount"> = { kind: "funding", requestId: "" },
  ): boolean {
    const key = `${userId}:${currency}`;
    const balance = this.balances.get(key) ?? decimal("0");
    if (compare(balance, amount) < 0) return false;
    const debit = { units: -amount.units, scale: amount.scale };
    this.balances.set(key, add(balance, debit));
    this.movements.push({ userId, currency, amount, ...why });
    return true;
  }

  /** Credits `amount` back (a returned payout's refund), recorded in `movements`. */
  credit(
    userId: string,
    currency: string,
    amount: Decimal,
    why: Omit<Movement, "userId" | "currency" | "amount">,
  ): void {
    const key = `${userId}:${currency}`;
    this.balances.set(key, add(this.balances.get(key) ?? decimal("0"), amount));
    this.movements.push({ userId, currency, amount, ...why });
  }

  /** Every debit and credit of a balance, in order: shown in GET /_sandbox/state. */
  movementList(): readonly Movement[] {
    return this.movements;
  }

  /** Every balance, in seed order (new ones last): shown in GET /_sandbox/state. */
  balanceList(): { userId: string; currency: string; amount: Decimal }[] {
    return [...this.balances].map(([key, amount]) => {
      const [userId = "", currency = ""] = key.split(":");
      return { userId, currency, amount };
    });
  }

  /**
   * POST /withdrawal_instructions: `label` and `body` as Bitex records them. The owner is the
   * `user` relationship (Bitex's Postman collection sends one), else the user the key acts as.
   * The port is the emulator's inference from the body (inferInstructionPort); Bitex shows no
   * port on an instruction, so a client can never rely on it. Other attributes are ignored.
   */
  createInstruction(input: ResourceInput, actingUserId: string): InstructionRecord {
    const userId = input.relationships.user ?? actingUserId;
    if (!this.users.has(userId)) throw notFound();
    const { label, body, payment_method_type } = input.attributes;
    if (label !== undefined && typeof label !== "string") {
      throw unprocessable("withdrawal_instructions", [violations.notText("label")]);
    }
    const bodyObject =
      typeof body === "object" && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {};
    const instruction: InstructionRecord = {
      id: String(this.nextInstructionId++),
      userId,
      portCode: inferInstructionPort(bodyObject, payment_method_type),
      label: typeof label === "string" ? label : "",
      body: bodyObject,
      outcome: "settled",
    };
    this.instructions.set(instruction.id, instruction);
    this.instructionList.push(instruction);
    return instruction;
  }

  /**
   * The instructions a call may see: every one for the key itself, only the user's own when the
   * key acts as a managed user (`Authorization: <key>; user=<id>`).
   */
  visibleInstructions(actingAs: string | null): readonly InstructionRecord[] {
    return actingAs === null
      ? this.instructionList
      : this.instructionList.filter((w) => w.userId === actingAs);
  }

  /** One instruction as a call may see it (see visibleInstructions); undefined is a 404. */
  visibleInstruction(id: string, actingAs: string | null): InstructionRecord | undefined {
    const instruction = this.instructions.get(id);
    return instruction !== undefined && (actingAs === null || instruction.userId === actingAs)
      ? instruction
      : undefined;
  }

  /**
   * DELETE /withdrawal_instructions/:id (recorded 204). The instruction leaves the API (lists,
   * reads, new outputs: 404), but outputs already paid to it still end as its outcome says.
   */
  deleteInstruction(id: string, actingAs: string | null): void {
    const instruction = this.visibleInstruction(id, actingAs);
    if (instruction === undefined) throw notFound();
    this.instructions.delete(id);
    this.instructionList.splice(this.instructionList.indexOf(instruction), 1);
    this.deletedOutcomes.set(id, instruction.outcome);
  }

  /** How payouts to this instruction end, deleted or not. */
  payoutOutcome(instructionId: string): "settled" | "returned" {
    return (
      this.instructions.get(instructionId)?.outcome ?? this.deletedOutcomes.get(instructionId) ?? "settled"
    );
  }
}

/** The currency a domestic bank account of this country holds (for `<country>_domestic_bank`). */
const LOCAL_CURRENCY: Record<string, string> = {
  ar: "ars",
  cl: "clp",
  mx: "mxn",
  py: "pyg",
  us: "usd",
  uy: "uyu",
};

/**
 * The emulator's inference of the port an instruction pays out on (README, "Emulator
 * choices"): Bitex records no port on an instruction. Country: the body's `country`, else the
 * prefix of a Postman-style `payment_method_type` ("ar_domestic_bank" → ar). Currency: the
 * body's `currency`, else that country's own. `<country>_<currency>` when that is a port, else
 * `other_<currency>` when that is one (an account abroad, e.g. CL in USD), else none: then
 * every output to the instruction is refused with withdrawal_instruction_port_mismatch.
 */
export function inferInstructionPort(
  body: Record<string, unknown>,
  paymentMethodType?: unknown,
): PortCode | null {
  const lower = (value: unknown) => (typeof value === "string" ? value.trim().toLowerCase() : undefined);
  const typeCountry = /^([a-z]{2})_/.exec(lower(paymentMethodType) ?? "")?.[1];
  const country = lower(body.country) ?? typeCountry;
  const currency = lower(body.currency) ?? (country === undefined ? undefined : LOCAL_CURRENCY[country]);
  if (currency === undefined) return null;
  const domestic = `${country}_${currency}`;
  if (country !== undefined && isPort(domestic)) return domestic;
  const abroad = `other_${currency}`;
  return isPort(abroad) ? abroad : null;
}
