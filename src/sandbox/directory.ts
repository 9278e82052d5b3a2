/**
 * The part of the world the seed describes and requests only read: users, withdrawal
 * instructions (clients may add more), balances and exchange routes.
 */
import { add, compare, type Decimal, decimal } from "../decimal.js";
import { isPort, type PortCode } from "../ports.js";
import type { ResourceInput } from "./inputs.js";
import { notFound, unprocessable, type Violation } from "./jsonapi.js";
import type { Route } from "./money.js";
import type { Seed } from "./seed.js";
import { violations } from "./violations.js";

export interface UserRecord {
  id: string;
  email: string;
  name: string | null;
  complianceState: string;
}

export interface InstructionRecord {
  id: string;
  userId: string;
  /** null for an instruction created through the API whose body names no known port. */
  portCode: PortCode | null;
  label: string;
  body: Record<string, unknown>;
  outcome: "settled" | "returned";
}

export class Directory {
  readonly ownerUserId: string;
  readonly userList: UserRecord[];
  readonly instructionList: InstructionRecord[];
  private readonly users = new Map<string, UserRecord>();
  private readonly instructions = new Map<string, InstructionRecord>();
  /** Key `${user_id}:${currency}`. */
  private readonly balances = new Map<string, Decimal>();
  /** Key `${from}>${to}`. */
  private readonly routes = new Map<string, Route>();
  private nextInstructionId: number;

  constructor(seed: Seed) {
    this.userList = seed.users.map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name ?? null,
      complianceState: u.compliance_state,
    }));
    for (const user of this.userList) this.users.set(user.id, user);
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

  instruction(id: string): InstructionRecord | undefined {
    return this.instructions.get(id);
  }

  route(from: PortCode, to: PortCode): Route | undefined {
    return this.routes.get(`${from}>${to}`);
  }

  /** Debits `amount` if the user's balance covers it; says whether it did. */
  debit(userId: string, currency: string, amount: Decimal): boolean {
    const key = `${userId}:${currency}`;
    const balance = this.balances.get(key) ?? decimal("0");
    if (compare(balance, amount) < 0) return false;
    this.balances.set(key, add(balance, { units: -amount.units, scale: amount.scale }));
    return true;
  }

  /** Every balance, in seed order (new ones last): shown in GET /_sandbox/state. */
  balanceList(): { userId: string; currency: string; amount: Decimal }[] {
    return [...this.balances].map(([key, amount]) => {
      const [userId = "", currency = ""] = key.split(":");
      return { userId, currency, amount };
    });
  }

  /**
   * POST /withdrawal_instructions: `label` and `body` as Bitex records them; `user` defaults
   * to the key's owner. The port comes from the `port_code` attribute (an emulator addition)
   * or else from the body's country and currency ("AR" + "USD" → ar_usd) when that is a port.
   */
  createInstruction(input: ResourceInput): InstructionRecord {
    const userId = input.relationships.user ?? this.ownerUserId;
    if (!this.users.has(userId)) throw notFound();
    const { label, body, port_code } = input.attributes;
    const problems: Violation[] = [];
    if (label !== undefined && typeof label !== "string") problems.push(violations.notText("label"));
    let portCode: PortCode | null = null;
    if (port_code !== undefined && port_code !== null) {
      if (typeof port_code === "string" && isPort(port_code)) portCode = port_code;
      else problems.push(violations.unknownPort(port_code));
    }
    if (problems.length > 0) throw unprocessable("withdrawal_instructions", problems);
    const bodyObject =
      typeof body === "object" && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {};
    const instruction: InstructionRecord = {
      id: String(this.nextInstructionId++),
      userId,
      portCode: portCode ?? portFromBody(bodyObject),
      label: typeof label === "string" ? label : "",
      body: bodyObject,
      outcome: "settled",
    };
    this.instructions.set(instruction.id, instruction);
    this.instructionList.push(instruction);
    return instruction;
  }
}

function portFromBody(body: Record<string, unknown>): PortCode | null {
  const { country, currency } = body;
  if (typeof country !== "string" || typeof currency !== "string") return null;
  const code = `${country.toLowerCase()}_${currency.toLowerCase()}`;
  return isPort(code) ? code : null;
}
