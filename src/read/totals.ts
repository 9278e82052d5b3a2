/**
 * A trailing totals row, as accountants end a payroll sheet: a label ("Total", "Totales",
 * "Suma"), no recipient, no instruction, no port, and the sum of the money column. It is
 * not a payment; it is left out only when it is exactly that (every money figure on it equals
 * the exact sum of the rows above), and then said so. A row that looks like one but does not
 * add up is invalid (`totals_row`): which of its figures is wrong is not guessed.
 */
import { add, compare, type Decimal, decimal, decimalOrNull, normalize } from "../decimal.js";
import type { InputRecord, MoneyColumn, RecordProblem } from "../model.js";
import { scanAmount } from "./amount.js";
import { type HeaderMap, normalizeHeader } from "./headers.js";

const LABEL = /^(?:sub_?)?total(?:es|s)?(?:_|$)|^suma(?:_|$)|^sum(?:_|$)|^gran_total/;
const MONEY: readonly MoneyColumn[] = ["amount", "budget"];

export type TotalsVerdict =
  | { sums: true; label: string; figures: string }
  | { sums: false; label: string; problem: RecordProblem };

/** The exact value of a money cell, or null when it is not a plain amount (ambiguous, invalid). */
function moneyValue(record: InputRecord, column: MoneyColumn): Decimal | null {
  const text = (record.fields[column] ?? "").trim();
  if (record.exact?.includes(column)) return decimalOrNull(text);
  const scan = scanAmount(text);
  return scan.kind === "ok" ? decimal(scan.value) : null;
}

/**
 * What makes `record` look like a totals row (a label, no recipient, instruction or port, a
 * money figure), or null: only such a row needs the sums of the rows above it.
 */
function totalsShape(
  header: HeaderMap,
  record: InputRecord,
): { label: string; filled: MoneyColumn[] } | null {
  const { fields } = record;
  const empty = (column: "recipient_user_id" | "withdrawal_instruction_id" | "port") =>
    (fields[column] ?? "").trim() === "";
  if (!(empty("recipient_user_id") && empty("withdrawal_instruction_id") && empty("port"))) return null;
  const cells = [...Object.values(fields), ...Object.values(record.extra ?? {})];
  const label = cells.find((text) => LABEL.test(normalizeHeader(text)));
  const filled = MONEY.filter(
    (column) => header.index[column] !== undefined && (fields[column] ?? "").trim() !== "",
  );
  if (label === undefined || filled.length === 0) return null;
  return { label, filled };
}

/** `record` could be a totals row: TotalsWatch.judge needs the sums of the rows above it. */
export function mayBeTotalsRow(header: HeaderMap, record: InputRecord): boolean {
  return totalsShape(header, record) !== null;
}

export class TotalsWatch {
  /** Per money column: the exact sum so far, or null once a cell could not be read as a plain amount. */
  private readonly sums = new Map<MoneyColumn, Decimal | null>();

  constructor(private readonly header: HeaderMap) {}

  add(record: InputRecord): void {
    for (const column of MONEY) {
      if ((record.fields[column] ?? "").trim() === "") continue;
      const sum = this.sums.has(column) ? this.sums.get(column) : decimal("0");
      const value = moneyValue(record, column);
      this.sums.set(column, sum && value ? add(sum, value) : null);
    }
  }

  /** null when `record` does not look like a totals row at all. */
  judge(record: InputRecord): TotalsVerdict | null {
    const looks = totalsShape(this.header, record);
    if (!looks) return null;
    const { fields } = record;
    const { label, filled } = looks;
    const shown = `"${label.trim()}"`;
    const mismatches: string[] = [];
    const figures: string[] = [];
    for (const column of filled) {
      const value = moneyValue(record, column);
      const sum = this.sums.get(column);
      const text = (fields[column] ?? "").trim();
      figures.push(`${column} ${text}`);
      if (sum === undefined) mismatches.push(`no row above has a ${column}`);
      else if (sum === null)
        mismatches.push(`the ${column}s above are not all plain numbers, so their sum is unknown`);
      else if (value === null || compare(value, sum) !== 0)
        mismatches.push(`${column} ${text} is not the sum of the rows above (${normalize(sum)})`);
    }
    if (mismatches.length === 0) return { sums: true, label: shown, figures: figures.join(", ") };
    return {
      sums: false,
      label: shown,
      problem: {
        column: "",
        code: "totals_row",
        message: `this looks like a totals row (${shown}, no recipient) but ${mismatches.join("; ")}; delete the row, or fill it in if it is a payment`,
      },
    };
  }
}
