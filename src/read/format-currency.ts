/**
 * The currency a money cell's number format shows (`[$€-2] #,##0.00`, `#,##0.00 "USD"`,
 * `"$"#,##0`), against the currency the row's port pays or spends. A CSV amount that carries a
 * currency is refused (the port sets it: read/amount.ts); a workbook's number format may show
 * one, and an accountant's sheet often shows `$`: that is fine when it is the port's, and a
 * mistake the sheet shows when it is another (a cell shown as "USD 500" paid as 500 CLP).
 */
import { sections, tokens } from "./number-format.js";

/**
 * Signs and words that name a currency, and the port currencies each may be (`$` is the
 * peso's too; `$U` Uruguay's peso, `U$S` its dollar), upper case without spaces.
 */
const SIGNS = new Map<string, readonly string[]>([
  ["$", ["ARS", "CLP", "MXN", "UYU", "USD"]],
  ["PESOS", ["ARS", "CLP", "MXN", "UYU"]],
  ...["US$", "U$S", "U$D", "USD$", "U$", "$US", "DLLS", "DLS", "DOLARES", "DÓLARES", "DOLLARS"].map(
    (sign) => [sign, ["USD"]] as const,
  ),
  ...["AR$", "ARS$", "$AR"].map((sign) => [sign, ["ARS"]] as const),
  ...["CH$", "CL$", "CLP$", "$CL"].map((sign) => [sign, ["CLP"]] as const),
  ...["MX$", "MEX$", "$MX"].map((sign) => [sign, ["MXN"]] as const),
  ...["$U", "$UY"].map((sign) => [sign, ["UYU"]] as const),
  ...["₲", "GS", "G"].map((sign) => [sign, ["PYG"]] as const),
  ...["€", "EURO", "EUROS", "R$", "S/", "BS", "UF"].map((sign) => [sign, []] as const),
]);

/** The currency of `$` in a locale (`[$$-409]` is the US dollar, `[$$-2C0A]` Argentina's peso). */
const DOLLAR_LOCALES = new Map<string, string>([
  ...["409", "300A", "440A", "500A", "EN-US", "ES-EC", "ES-SV", "ES-PR"].map((id) => [id, "USD"] as const),
  ...["2C0A", "ES-AR"].map((id) => [id, "ARS"] as const),
  ...["340A", "ES-CL"].map((id) => [id, "CLP"] as const),
  ...["80A", "ES-MX"].map((id) => [id, "MXN"] as const),
  ...["380A", "ES-UY"].map((id) => [id, "UYU"] as const),
]);

/**
 * ISO 4217 codes, the runtime's list and the units of account and funds it may lack (Node 20's
 * lacks these): Chile's UF (CLF), Uruguay's UI and UR (UYI, UYW), Mexico's UDI (MXV), and the
 * like elsewhere. A salary in UF is common in Chile; shown so, it is not pesos.
 */
const ISO_CODES = new Set([
  ...Intl.supportedValuesOf("currency"),
  ...["CLF", "UYI", "UYW", "MXV", "COU", "BOV", "USN", "CHE", "CHW", "VED"],
]);

const MARKS = new Map<string, readonly string[]>();

/**
 * The currency signs, codes or words a format writes around a positive number, upper case,
 * points and brackets as spaces ("Bs." is BS): its first section's, or every section's but
 * text's when a condition picks the section (`[<1000]"$"#,##0;"US$"#,##0`); none for a plain
 * number format or a locale only (`[$-409]`).
 */
export function formatCurrencies(numFmt: string | undefined): readonly string[] {
  if (numFmt === undefined) return [];
  let marks = MARKS.get(numFmt);
  if (!marks) {
    const all = sections(numFmt);
    const shown = /\[[<>=]/.test(numFmt) ? all.filter((section) => !section.includes("@")) : all.slice(0, 1);
    const found: string[] = [];
    for (const token of shown.flatMap(tokens)) {
      const mark = markOf(token)
        .replace(/[.()+-]/g, " ")
        .trim()
        .toUpperCase();
      if (mark !== "") found.push(mark);
    }
    marks = found;
    MARKS.set(numFmt, marks);
  }
  return marks;
}

/** What a token writes of a currency: quoted or escaped text, a [$sign-locale], a bare sign. */
function markOf(token: string): string {
  if (token.startsWith('"')) return token.replace(/^"|"$/g, "");
  if (token.startsWith("\\")) return token.slice(1);
  if (token.startsWith("[$")) {
    const [sign = "", locale = ""] = token.replace(/^\[\$|\]$/g, "").split(/-(.*)/s);
    return (sign === "$" && DOLLAR_LOCALES.get(locale.toUpperCase())) || sign;
  }
  return /^\p{Sc}$/u.test(token) ? token : "";
}

/**
 * The sign, code or word among `marks` that names another currency than `currency`, if any.
 * Text that names no currency (`"Total "`) says nothing.
 */
export function otherCurrency(marks: readonly string[], currency: string): string | undefined {
  // Written in pieces (`"US"$`, `\U\S\D`), a sign or code is judged whole.
  const whole = marks.join("").replace(/\s/g, "");
  if (marks.length > 1 && (SIGNS.has(whole) || ISO_CODES.has(whole)))
    return names(whole, currency) ? undefined : whole;
  return marks.find((mark) => !names(mark, currency))?.replace(/\s/g, "");
}

/** Whether `mark` may be `currency`'s, or is no currency at all. */
function names(mark: string, currency: string): boolean {
  const compact = mark.replace(/\s/g, "");
  const sign = SIGNS.get(compact);
  if (sign) return sign.includes(currency);
  if (ISO_CODES.has(compact)) return compact === currency;
  // Words and signs together ("MXN $", "$ USD", "Total $"): each judged.
  const parts = compact.match(/\p{L}+|[^\p{L}]+/gu) ?? [];
  if (parts.length > 1) return parts.every((part) => names(part, currency));
  return !/\p{Sc}/u.test(compact);
}
