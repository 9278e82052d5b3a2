/**
 * The 422 rules for what clients send, as functions that append Violations: the store decides
 * what to look up (and 404s on unknown ids) and these decide what is acceptable.
 */
import type { Decimal } from "../decimal.js";
import { isPort, minorUnits, type PortCode, portCurrency } from "../ports.js";
import type { RequestState } from "../wire/resources.js";
import type { InstructionRecord, UserRecord } from "./directory.js";
import type { Violation } from "./jsonapi.js";
import { parseWireAmount, type WireAmount } from "./money.js";
import { violations } from "./violations.js";

export function readPort(value: unknown, problems: Violation[]): PortCode | null {
  if (value === undefined || value === null) {
    problems.push(violations.portRequired());
    return null;
  }
  if (typeof value === "string" && isPort(value)) return value;
  problems.push(violations.unknownPort(value));
  return null;
}

/** undefined = not sent; null = explicitly cleared. */
export function readOptionalText(
  attributes: Record<string, unknown>,
  name: string,
  problems: Violation[],
): string | null | undefined {
  const value = attributes[name];
  if (value === undefined || value === null || typeof value === "string") return value;
  problems.push(violations.notText(name));
  return undefined;
}

/** An output create, with its relationships already looked up (null = not sent). */
export interface OutputCandidate {
  request: { id: string; state: RequestState; portCode: PortCode } | null;
  payee: UserRecord | null;
  instruction: InstructionRecord | null;
  attributes: Record<string, unknown>;
  hasRoute: (from: PortCode, to: PortCode) => boolean;
}

export interface CheckedOutput {
  problems: Violation[];
  portCode: PortCode | null;
  amount: Decimal | null;
  budget: Decimal | null;
}

/** Every rule of docs/design.md section 9 for a new output; all problems are reported at once. */
export function checkOutput(candidate: OutputCandidate): CheckedOutput {
  const { request, payee, instruction, attributes } = candidate;
  const problems: Violation[] = [];
  if (request === null) problems.push(violations.relationshipRequired("request"));
  if (payee === null) problems.push(violations.relationshipRequired("user"));
  if (instruction === null) problems.push(violations.relationshipRequired("withdrawal_instruction"));
  if (request !== null && request.state !== "draft") {
    problems.push(violations.requestNotDraft(request.id, request.state));
  }
  const portCode = readPort(attributes.port_code, problems);
  if (request !== null && portCode !== null && !candidate.hasRoute(request.portCode, portCode)) {
    problems.push(violations.unsupportedRoute(request.portCode, portCode));
  }
  const amount = parseWireAmount(attributes.amount);
  const budget = parseWireAmount(attributes.budget);
  if (amount.kind === "absent" && budget.kind === "absent")
    problems.push(violations.amountOrBudgetRequired());
  if (amount.kind !== "absent" && budget.kind !== "absent") problems.push(violations.amountAndBudget());
  // The amount is in the destination currency, the budget in the sender's.
  checkMoney("amount", amount, portCode, problems);
  checkMoney("budget", budget, request?.portCode ?? null, problems);
  if (instruction !== null && payee !== null && instruction.userId !== payee.id) {
    problems.push(violations.instructionOfAnotherUser(instruction.id, payee.id));
  }
  if (instruction !== null && portCode !== null && instruction.portCode !== portCode) {
    problems.push(violations.instructionOfAnotherPort(instruction.id, instruction.portCode, portCode));
  }
  return {
    problems,
    portCode,
    amount: amount.kind === "ok" ? amount.value : null,
    budget: budget.kind === "ok" ? budget.value : null,
  };
}

/** Positive, and no more decimals than the currency has (trailing zeros do not count). */
function checkMoney(
  field: "amount" | "budget",
  wire: WireAmount,
  port: PortCode | null,
  problems: Violation[],
) {
  if (wire.kind === "malformed" || wire.kind === "not_positive") {
    problems.push(violations.invalidMoney(field));
    return;
  }
  if (wire.kind !== "ok" || port === null) return;
  const currency = portCurrency(port);
  const allowed = minorUnits(currency);
  if (significantDecimals(wire.value) > allowed)
    problems.push(violations.tooManyDecimals(field, currency, allowed));
}

function significantDecimals(value: Decimal): number {
  let { units, scale } = value;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  return scale;
}
