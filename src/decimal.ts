/**
 * Exact decimal arithmetic on bigint. Money never passes through a JavaScript float:
 * amounts are parsed from canonical text ("1234.56": digits, optional "." and fraction)
 * into an integer count of 10^-scale units.
 */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const CANONICAL = /^-?\d+(\.\d+)?$/;
/** Canonical text that `format` writes back unchanged: no sign, no leading zero. */
const PLAIN_UNSIGNED = /^(0|[1-9]\d*)(\.\d+)?$/;

export function isCanonicalDecimal(text: string): boolean {
  return CANONICAL.test(text);
}

/** Parses canonical text; throws on anything else (callers validate user input first). */
export function decimal(text: string): Decimal {
  const value = decimalOrNull(text);
  if (value === null) throw new RangeError(`not a canonical decimal: ${JSON.stringify(text)}`);
  return value;
}

/** `decimal`, or null for text that is not canonical. */
export function decimalOrNull(text: string): Decimal | null {
  if (!CANONICAL.test(text)) return null;
  // BigInt reads "-123" too, so only the point has to go.
  const dot = text.indexOf(".");
  if (dot < 0) return { units: BigInt(text), scale: 0 };
  return { units: BigInt(text.slice(0, dot) + text.slice(dot + 1)), scale: text.length - dot - 1 };
}

/** 10^0 … 10^38, made once: a bigint power per call showed in every summed row. */
const POWERS_OF_TEN: readonly bigint[] = Array.from({ length: 39 }, (_, k) => 10n ** BigInt(k));

function tenTo(exponent: number): bigint {
  return POWERS_OF_TEN[exponent] ?? 10n ** BigInt(exponent);
}

export function rescale(value: Decimal, scale: number): Decimal {
  if (scale >= value.scale) return { units: value.units * tenTo(scale - value.scale), scale };
  return { units: roundHalfEven(value.units, tenTo(value.scale - scale)), scale };
}

/** Banker's rounding of units / divisor, as payment systems round conversions. */
function roundHalfEven(units: bigint, divisor: bigint): bigint {
  const quotient = units / divisor;
  const remainder = units % divisor;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice < divisor) return quotient;
  const away = units < 0n ? quotient - 1n : quotient + 1n;
  if (twice > divisor) return away;
  return quotient % 2n === 0n ? quotient : away;
}

export function add(a: Decimal, b: Decimal): Decimal {
  if (a.scale === b.scale) return { units: a.units + b.units, scale: a.scale };
  // Only the operand with fewer decimals is scaled up (one bigint product, not two).
  if (a.scale > b.scale) return { units: a.units + b.units * tenTo(a.scale - b.scale), scale: a.scale };
  return { units: a.units * tenTo(b.scale - a.scale) + b.units, scale: b.scale };
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** a / b rounded half-even to `scale` decimals. */
export function divide(a: Decimal, b: Decimal, scale: number): Decimal {
  if (b.units === 0n) throw new RangeError("division by zero");
  // a/b = (a.units / 10^a.scale) / (b.units / 10^b.scale); express both as integers so the
  // quotient has `scale` decimals, then round once.
  const shift = scale + b.scale - a.scale;
  let numerator = shift >= 0 ? a.units * 10n ** BigInt(shift) : a.units;
  let denominator = shift >= 0 ? b.units : b.units * 10n ** BigInt(-shift);
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  return { units: roundHalfEven(numerator, denominator), scale };
}

export function compare(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale).units;
  const y = rescale(b, scale).units;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Canonical text with exactly `value.scale` decimals: {units: 123456n, scale: 2} → "1234.56". */
export function format(value: Decimal): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, "0");
  const whole = digits.slice(0, digits.length - value.scale);
  const fraction = digits.slice(digits.length - value.scale);
  return (negative ? "-" : "") + (value.scale > 0 ? `${whole}.${fraction}` : whole);
}

/**
 * The same value with its trailing fractional zeros beyond `scale` dropped: a sum of CLP amounts
 * written "44328.000" reads "44328" (the currency's look), one of "0.125" USD stays "0.125" (exact).
 */
export function trimScale(value: Decimal, scale: number): Decimal {
  let { units, scale: at } = value;
  while (at > scale && units % 10n === 0n) {
    units /= 10n;
    at--;
  }
  return { units, scale: at };
}

/** Shortest canonical text: trailing fractional zeros removed ("1200.50" → "1200.5", "10.00" → "10"). */
export function normalize(value: Decimal): string {
  const text = format(value);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** `normalize(decimal(text))` without bigint, for canonical text (a hot path: one call per row). */
export function shortestDecimal(text: string): string {
  const whole =
    text.charCodeAt(0) === 0x30 || text.startsWith("-0") ? text.replace(/^(-?)0+(?=\d)/, "$1") : text;
  const shortest = whole.includes(".") && whole.endsWith("0") ? whole.replace(/\.?0+$/, "") : whole;
  // A zero has no sign, as normalize writes it.
  return shortest === "-0" ? "0" : shortest;
}

/** Canonical text with at least `scale` decimals, never rounded: ("1200.5", 2) → "1200.50". */
export function padScale(text: string, scale: number): string {
  // Already canonical (no sign, no leading zero): only zeros to append, no bigint (one call per row).
  if (PLAIN_UNSIGNED.test(text)) {
    const dot = text.indexOf(".");
    const missing = scale - (dot < 0 ? 0 : text.length - dot - 1);
    if (missing <= 0) return text;
    return `${text}${dot < 0 ? "." : ""}${"0".repeat(missing)}`;
  }
  const value = decimal(text);
  return format(rescale(value, Math.max(value.scale, scale)));
}

/**
 * A decimal amount written for people: the integer digits in groups of three, separated by a
 * narrow no-break space (U+202F), the decimal point kept: "12 499 143.15". Neither a comma
 * nor a point separates groups, so no reader takes a group for decimals, whatever the locale
 * (ISO 80000-1 writes numbers so). Only for terminal words: files, JSON and every command a
 * line offers to paste keep the plain decimal text. Text that is not a plain decimal is
 * returned as it is.
 */
export function groupDigits(text: string): string {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (match === null) return text;
  const [, sign, digits, fraction = ""] = match as unknown as [string, string, string, string?];
  if (digits.length < 4) return text;
  return `${sign}${digits.replace(/\B(?=(\d{3})+$)/g, "\u202f")}${fraction}`;
}
