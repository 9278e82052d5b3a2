/**
 * The currency a money cell's number format shows (`[$€-2] #,##0.00`, `#,##0.00 "USD"`,
 * `"$"#,##0`), against the currency the row's port pays or spends. A CSV amount that carries a
 * currency is refused (the port sets it: read/amount.ts); a workbook's number format may show
 * one, and an accountant's sheet often shows `$`: that is fine when it is the port's, and a
 * mistake the sheet shows when it is another (a cell shown as "USD 500" paid as 500 CLP).
 */
import { sections, tokens } from "./number-format.js";

/** Signs that name a currency, and the port currencies each may be (`$` is the peso's too). */
const SIGNS = new Map<string, readonly string[]>([
  ["$", ["ARS", "CLP", "MXN", "UYU", "USD"]],
  ["US$", ["USD"]],
  ["U$S", ["USD"]],
  ["U$D", ["USD"]],
  ["USD$", ["USD"]],
  ["AR$", ["ARS"]],
  ["ARS$", ["ARS"]],
  ["CH$", ["CLP"]],
  ["CLP$", ["CLP"]],
  ["MX$", ["MXN"]],
  ["MEX$", ["MXN"]],
  ["$U", ["UYU"]],
  ["₲", ["PYG"]],
  ["GS", ["PYG"]],
  ["R$", []],
  ["S/", []],
  ["BS", []],
]);

const ISO_CODES = new Set(Intl.supportedValuesOf("currency"));

const MARKS = new Map<string, readonly string[]>();

/**
 * The currency signs or codes a format's first section (the one that shows a positive amount)
 * writes around the number, upper case without spaces or points ("Bs." is BS); none for a
 * plain number format or a locale only (`[$-409]`).
 */
export function formatCurrencies(numFmt: string | undefined): readonly string[] {
  if (numFmt === undefined) return [];
  let marks = MARKS.get(numFmt);
  if (!marks) {
    const found: string[] = [];
    for (const token of tokens(sections(numFmt)[0] ?? "")) {
      const text = token.startsWith('"')
        ? token.replace(/^"|"$/g, "")
        : token.startsWith("\\")
          ? token.slice(1)
          : token.startsWith("[$")
            ? token.slice(2).replace(/-[^\]]*\]?$|\]$/, "") // [$€-2], [$$-340A], [$$-es-CL]: the sign
            : /^\p{Sc}$/u.test(token)
              ? token
              : "";
      const mark = text.replace(/[\s.()+-]/g, "").toUpperCase();
      if (mark !== "") found.push(mark);
    }
    marks = found;
    MARKS.set(numFmt, marks);
  }
  return marks;
}

/**
 * The sign or code among `marks` that names another currency than `currency`, if any: an ISO
 * code, a sign of the table above, or any other currency symbol. Other text (`"Total "`) is
 * no currency and says nothing.
 */
export function otherCurrency(marks: readonly string[], currency: string): string | undefined {
  // Written in pieces (`"US"$`, `\U\S\$`), a sign is judged whole.
  const whole = marks.join("");
  if (marks.length > 1 && SIGNS.has(whole)) return names(whole, currency) ? undefined : whole;
  return marks.find((mark) => !names(mark, currency));
}

/** Whether `mark` may be `currency`'s, or is no currency at all. */
function names(mark: string, currency: string): boolean {
  const sign = SIGNS.get(mark);
  if (sign) return sign.includes(currency);
  if (ISO_CODES.has(mark)) return mark === currency;
  return !/\p{Sc}/u.test(mark);
}
