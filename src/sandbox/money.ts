/**
 * Money on the emulator's side: reading amounts off the wire exactly, and the quote formula.
 * Everything is bigint decimals (src/decimal.ts); no float ever holds an amount.
 */
import { add, type Decimal, decimal, divide, isCanonicalDecimal, multiply, rescale } from "../decimal.js";

export type WireAmount =
  | { kind: "absent" }
  | { kind: "ok"; value: Decimal }
  | { kind: "malformed" }
  | { kind: "not_positive" };

/**
 * A JSON number is read through its shortest round-trip text (`String(n)`), which is the
 * exact decimal the client wrote for any amount a payment can have; results in exponent
 * notation (1e21, 1e-7) are refused as malformed rather than guessed. Canonical decimal
 * strings ("1500.50") are accepted too, as Rails would coerce them.
 */
export function parseWireAmount(value: unknown): WireAmount {
  if (value === undefined || value === null) return { kind: "absent" };
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return { kind: "malformed" };
    text = String(value);
  } else if (typeof value === "string") {
    text = value;
  } else {
    return { kind: "malformed" };
  }
  if (!isCanonicalDecimal(text)) return { kind: "malformed" };
  const parsed = decimal(text);
  return parsed.units > 0n ? { kind: "ok", value: parsed } : { kind: "not_positive" };
}

export interface Route {
  /** Destination units per sender unit. */
  rate: Decimal;
  /** Fraction of the budget Bitex keeps. */
  feeRate: Decimal;
}

export interface QuoteInput {
  route: Route;
  /** What the payee receives (destination currency), when the output was created with it. */
  amount: Decimal | null;
  /** What the payer spends (sender currency), when the output was created with it. */
  budget: Decimal | null;
  senderDecimals: number;
  destinationDecimals: number;
}

/**
 * The complementary side of an output, rounded half-even once, to the currency's minor units:
 *   amount = budget × (1 − fee_rate) × rate          (destination decimals)
 *   budget = amount ÷ (rate × (1 − fee_rate))        (sender decimals)
 * The fee is therefore included in the budget, and total_to_spend is the sum of budgets.
 */
export function quoteOutput(input: QuoteInput): { amount: Decimal; budget: Decimal } {
  const { route, senderDecimals, destinationDecimals } = input;
  const keptFraction = add(decimal("1"), { units: -route.feeRate.units, scale: route.feeRate.scale });
  if (input.amount !== null) {
    return {
      amount: rescale(input.amount, destinationDecimals),
      budget: divide(input.amount, multiply(route.rate, keptFraction), senderDecimals),
    };
  }
  if (input.budget === null) throw new RangeError("an output has neither amount nor budget");
  return {
    amount: rescale(multiply(multiply(input.budget, keptFraction), route.rate), destinationDecimals),
    budget: rescale(input.budget, senderDecimals),
  };
}

export function sum(values: Decimal[], decimals: number): Decimal {
  return values.reduce((total, value) => add(total, value), { units: 0n, scale: decimals });
}
