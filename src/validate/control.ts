/**
 * Control totals (pure): the accountant's own row count and sums, checked against the file
 * before anything is sent. A mismatch usually means a row was added, lost or mistyped.
 */
import { add, compare, type Decimal, decimal, format, rescale } from "../decimal.js";
import { BatchError } from "../errors.js";
import type { CheckedRow } from "../model.js";
import { minorUnits, portCurrency } from "../ports.js";
import { bothReadings, scanAmount } from "../read/amount.js";

export interface ExpectedTotal {
  currency: string;
  amount: Decimal;
}

/** `CLP=1329000` or `usd=1,250.50` → {currency: "CLP", amount}; null when unreadable. */
export function parseExpectedTotal(text: string): ExpectedTotal | null {
  const match = /^\s*([A-Za-z]{3})\s*=\s*(.+)$/.exec(text);
  if (!match) return null;
  const scan = scanAmount(match[2] as string);
  if (scan.kind !== "ok") return null;
  return { currency: (match[1] as string).toUpperCase(), amount: decimal(scan.value) };
}

/** `--flag CUR=AMOUNT`'s value, or a usage error that says why it is not one. */
export function flagTotal(flag: "max-total" | "expect-total", text: string, hint: string): ExpectedTotal {
  const total = parseExpectedTotal(text);
  if (total) return total;
  const why = expectedTotalProblem(text);
  throw new BatchError("usage", `--${flag} ${JSON.stringify(text)} is not CUR=AMOUNT (${why})`, { hint });
}

/**
 * Why `parseExpectedTotal` refuses `text`: the amount's own reason (its first clause: the
 * rest speaks of a file's cells), or the form's.
 */
function expectedTotalProblem(text: string): string {
  const match = /^\s*([A-Za-z]{3})\s*=\s*(.+)$/.exec(text);
  if (!match) return "a 3-letter currency code, =, then the amount";
  const scan = scanAmount(match[2] as string);
  if (scan.kind === "error") return scan.message.split(";")[0] as string;
  if (scan.kind === "ambiguous") return `"${scan.text}" could be ${bothReadings(scan)}`;
  return "CUR=AMOUNT";
}

/**
 * Sums the valid rows per currency of their figure (amounts in the destination currency,
 * budgets in the sender's), and counts the rows and the invalid ones: one pass.
 */
export function fileTotals(checked: Iterable<CheckedRow>): {
  totals: Map<string, Decimal>;
  rows: number;
  invalid: number;
} {
  const totals = new Map<string, Decimal>();
  let rows = 0;
  let invalid = 0;
  for (const item of checked) {
    rows++;
    if (!item.ok) {
      invalid++;
      continue;
    }
    const { row } = item;
    const currency = portCurrency(row.amount !== null ? row.port : row.senderPort).toUpperCase();
    const value = decimal((row.amount ?? row.budget) as string);
    totals.set(currency, add(totals.get(currency) ?? { units: 0n, scale: 0 }, value));
  }
  return { totals, rows, invalid };
}

/** Lines like "rows: expected 48, found 47"; empty when everything matches. */
export function controlMismatches(
  checked: Iterable<CheckedRow>,
  expected: { rows?: number; totals?: readonly ExpectedTotal[]; rowCount?: number },
): string[] {
  const mismatches: string[] = [];
  const { totals, rows: checkedRows, invalid } = fileTotals(checked);
  // `rowCount`: the file's row count when `checked` is not every row (only sums need them checked).
  const rows = expected.rowCount ?? checkedRows;
  if (expected.rows !== undefined && expected.rows !== rows) {
    mismatches.push(`rows: expected ${expected.rows}, found ${rows}`);
  }
  // The invalid rows' amounts are exactly what could not be read: say they are left out.
  const note = invalid === 0 ? "" : ` (${invalid} invalid row${invalid > 1 ? "s" : ""} not counted)`;
  for (const { currency, amount } of expected.totals ?? []) {
    const found = totals.get(currency) ?? { units: 0n, scale: 0 };
    if (compare(found, amount) !== 0) {
      // At least the currency's decimals, and never fewer than the expected value has: 3500.4 CLP must not print as 3500.
      const scale = Math.max(minorUnits(currency), amount.scale - trailingZeros(amount));
      mismatches.push(
        `${currency} total: expected ${format(rescale(amount, scale))}, found ${format(rescale(found, scale))}${note}`,
      );
    }
  }
  return mismatches;
}

/** Decimal places that are only zeros: 2 for 11.500 (scale 3 → 1 significant). */
function trailingZeros(value: Decimal): number {
  let zeros = 0;
  for (let units = value.units; zeros < value.scale && units % 10n === 0n; units /= 10n) zeros++;
  return zeros;
}
