/**
 * Exact amounts from accountants' text: `1234.56`, `1,234.56`, `1.234,56`, `1 234,56`,
 * `1234,56`, `1234`. No floats: the text is checked with regexes and rebuilt as canonical
 * decimal text ("1234.56"); src/decimal.ts does any arithmetic.
 *
 * Rules of `scanAmount` (after trimming outer whitespace):
 *  1. Empty → amount_empty. `0x…` → amount_hex. `1e3`, `1,5E+3` → amount_exponent.
 *     A leading `-`/`−`, a trailing `-` or `(…)` → amount_negative; a leading `+` →
 *     amount_sign. `$ € £ ¥` or a 3-letter code before/after → amount_currency_symbol.
 *  2. Otherwise the text must be digit groups joined by single separators: `.` `,` or a
 *     space (U+0020, no-break U+00A0, narrow no-break U+202F, thin U+2009), starting and
 *     ending with a digit; anything else → amount_not_a_number.
 *  3. A space is only ever a thousands separator. A decimal separator appears at most once
 *     and is the last separator. Thousands groups are well formed: the first group has 1–3
 *     digits and no leading zero, every later one exactly 3 digits. A value breaking these
 *     → amount_not_a_number (e.g. `1.2.3`, `12,34,567.00`, `1,234 567`).
 *  4. Which separator is decimal:
 *     - both `.` and `,`: the last one (used once) is decimal, the other groups
 *       (`1,234.56` → dot, `1.234.567,8` → comma);
 *     - one of them, twice or more: it groups, so the number is whole, and grouping by `.`
 *       proves a decimal comma, by `,` a decimal point (`1.234.567` → comma);
 *     - one of them once, after space groups: decimal (`1 234,5` → comma);
 *     - one of them once, alone: `A?B` is decimal unless it could be grouping, i.e. unless
 *       B has exactly 3 digits and A has 1–3 digits without a leading zero. So `12.5`,
 *       `1234,567`, `0.125` prove their convention; `1.234` and `1,234` are ambiguous.
 *     - none, or spaces only: whole number, same under both conventions ("either").
 *  5. Zero → amount_zero; more than 13 integer digits → amount_too_large (13 integer
 *     digits plus 2 decimals is 15 significant digits: what a double, hence any JSON
 *     reader and Excel, holds exactly).
 *
 * `decideConvention` then decides a file's convention: the declared one, else the one its
 * unambiguous amounts prove; it never guesses.
 */

import { shortestDecimal } from "../decimal.js";
import { invisibleCharacter } from "../invisible.js";
import { minorUnits } from "../ports.js";

export type Convention = "dot" | "comma";

export type AmountErrorCode =
  | "amount_empty"
  | "amount_not_a_number"
  | "amount_exponent"
  | "amount_hex"
  | "amount_sign"
  | "amount_negative"
  | "amount_dash"
  | "amount_currency_symbol"
  | "amount_zero"
  | "amount_too_large"
  | "amount_ambiguous"
  | "amount_convention_conflict"
  | "amount_too_many_decimals";

export interface AmountError {
  code: AmountErrorCode;
  message: string;
}

export type AmountScan =
  /** `convention`: what the value proves even though it is refused (`0,00` still shows a decimal comma). */
  | ({ kind: "error"; text: string; convention?: Convention } & AmountError)
  | { kind: "ok"; text: string; value: string; convention: Convention | "either" }
  | { kind: "ambiguous"; text: string; asDot: string; asComma: string };

export const MAX_INTEGER_DIGITS = 13;

const SPACE = "[ \\u00A0\\u202F\\u2009]";
const NUMBER = new RegExp(`^\\d+(?:(?:[.,]|${SPACE})\\d+)*$`);
const SEPARATOR = new RegExp(`[.,]|${SPACE}`, "g");
const IS_SPACE = new RegExp(`^${SPACE}$`);
const HEX = /^[+-]?0x[0-9a-f]+$/i;
const EXPONENT = /^[+-]?\d+(?:[.,]\d+)?e[+-]?\d+$/i;
const NEGATIVE = /^[-\u2212].*\d|\d.*-$|^\(.*\d.*\)$/;
const CODES = "usd|ars|clp|uyu|pyg|mxn|eur|brl";
const CURRENCY = new RegExp(`[$€£¥]|^(?:${CODES})(?![a-z])|(?<![a-z])(?:${CODES})$`, "i");

const FIX = "write a positive number such as 1234.56 or 1234,56";

function fail(text: string, code: AmountErrorCode, message: string, convention?: Convention): AmountScan {
  return convention
    ? { kind: "error", text, code, message, convention }
    : { kind: "error", text, code, message };
}

/** "0012" → "12", "000" → "0". */
function stripZeros(digits: string): string {
  return digits.charCodeAt(0) === 0x30 ? digits.replace(/^0+(?=\d)/, "") : digits;
}

/** Thousands groups: first 1–3 digits without leading zero, the others exactly 3. */
function wellGrouped(groups: readonly string[]): boolean {
  return groups.every((group, i) => (i === 0 ? /^[1-9]\d{0,2}$/.test(group) : group.length === 3));
}

function other(convention: Convention): Convention {
  return convention === "dot" ? "comma" : "dot";
}

function conventionOf(decimalSeparator: string): Convention {
  return decimalSeparator === "." ? "dot" : "comma";
}

/** Builds the result for a well-formed number: zero and size checks, which keep the evidence. */
function finish(
  text: string,
  integer: string,
  fraction: string,
  convention: Convention | "either",
): AmountScan {
  const whole = stripZeros(integer);
  const value = fraction === "" ? whole : `${whole}.${fraction}`;
  const evidence = convention === "either" ? undefined : convention;
  if (whole === "0" && /^0*$/.test(fraction))
    return fail(
      text,
      "amount_zero",
      `"${text}" is zero; remove the row or write the amount to pay`,
      evidence,
    );
  if (whole.length > MAX_INTEGER_DIGITS) {
    return fail(
      text,
      "amount_too_large",
      `"${text}" has more than ${MAX_INTEGER_DIGITS} digits before the decimals; check the column (it may hold an id or an account number)`,
      evidence,
    );
  }
  return { kind: "ok", text, value, convention };
}

/** Reads one amount cell; see the rules at the top of this file. */
export function scanAmount(raw: string): AmountScan {
  const text = raw.trim();
  // The same answer the rules below give for these texts (amount.test.ts checks both ways).
  const simple = SIMPLE.exec(text);
  if (simple) {
    const [, whole, mark, decimals] = simple as unknown as [string, string, string?, string?];
    return mark === undefined
      ? finish(text, whole, "", "either")
      : oneMark(text, whole, mark, decimals as string);
  }
  return scanByRules(text);
}

/** `scanAmount` without its shortcut for plain digits (exported so the tests can compare the two). */
export function scanByRules(text: string): AmountScan {
  if (text === "") return fail(text, "amount_empty", `the amount is empty; ${FIX}`);
  if (HEX.test(text))
    return fail(text, "amount_hex", `"${text}" is hexadecimal; write the amount in decimal digits`);
  if (EXPONENT.test(text)) {
    return fail(
      text,
      "amount_exponent",
      `"${text}" is in scientific notation; write the number in full (format the column as Number in Excel)`,
    );
  }
  // `1500.-` / `1.500,-`: a whole amount as Argentine and Swiss price tags write it, not negative.
  const dashed = /^(\d[\d.,\s\u00A0\u202F']*)([.,])-$/.exec(text);
  if (dashed)
    return fail(
      text,
      "amount_dash",
      // The suggestion without its group separators: "1.500" would itself be ambiguous.
      `"${text}" ends in "${dashed[2]}-", a way of writing a whole amount, not a number; write it without them (${(dashed[1] as string).replace(/[^\d]/g, "")})`,
    );
  if (NEGATIVE.test(text))
    return fail(text, "amount_negative", `"${text}" is negative; amounts to pay must be positive`);
  if (text.startsWith("+"))
    return fail(text, "amount_sign", `"${text}" has a "+" sign; write the number without it`);
  if (CURRENCY.test(text)) {
    return fail(
      text,
      "amount_currency_symbol",
      `"${text}" has a currency sign or code; write only the number (the port sets the currency)`,
    );
  }
  if (!NUMBER.test(text)) {
    // "12.50" with a left-to-right mark in it reads as a number to the person looking at it.
    const hidden = invisibleCharacter(text);
    const why = hidden
      ? `holds a character no screen shows (${hidden.code}) at character ${hidden.position}; type the amount again`
      : `is not a number; ${FIX}`;
    return fail(text, "amount_not_a_number", `"${text}" ${why}`);
  }

  const groups = text.split(SEPARATOR);
  const separators = (text.match(SEPARATOR) ?? []).map((s) => (IS_SPACE.test(s) ? " " : s));
  const notANumber = fail(
    text,
    "amount_not_a_number",
    `"${text}" is not a well-formed number (check its separators); ${FIX}`,
  );
  if (separators.length === 0) return finish(text, text, "", "either");

  const marks = [...new Set(separators.filter((s) => s !== " "))];
  const spaces = separators.includes(" ");
  const last = separators[separators.length - 1] as string;
  const integerGroups = groups.slice(0, -1);
  const fraction = groups[groups.length - 1] as string;

  if (marks.length === 0)
    return wellGrouped(groups) ? finish(text, groups.join(""), "", "either") : notANumber;

  if (marks.length === 2) {
    // `1,234.56`: the last mark is decimal and appears once; the other groups, alone.
    if (last === " " || separators.indexOf(last) !== separators.length - 1 || spaces) return notANumber;
    return wellGrouped(integerGroups)
      ? finish(text, integerGroups.join(""), fraction, conventionOf(last))
      : notANumber;
  }

  const mark = marks[0] as string;
  const count = separators.filter((s) => s === mark).length;
  if (count > 1) {
    // `1.234.567`: a mark used twice groups; grouping by "." is what decimal-comma locales do.
    if (spaces || !wellGrouped(groups)) return notANumber;
    return finish(text, groups.join(""), "", other(conventionOf(mark)));
  }
  if (last !== mark) return notANumber; // `1,234 567`: a decimal mark before a thousands space
  if (spaces)
    return wellGrouped(integerGroups)
      ? finish(text, integerGroups.join(""), fraction, conventionOf(mark))
      : notANumber;

  const [whole, decimals] = groups as [string, string];
  return oneMark(text, whole, mark, decimals);
}

/** "1500 or 1.5": an ambiguous amount's whole reading, then its decimal one without trailing zeros. */
export function bothReadings(scan: Extract<AmountScan, { kind: "ambiguous" }>): string {
  const [whole, decimal] = scan.asDot.includes(".") ? [scan.asComma, scan.asDot] : [scan.asDot, scan.asComma];
  return `${whole} or ${shortestDecimal(decimal)}`;
}

/** `A?B` with a single `.` or `,` and nothing else: decimal, unless it could be grouping. */
function oneMark(text: string, whole: string, mark: string, decimals: string): AmountScan {
  const couldGroup = decimals.length === 3 && wellGrouped([whole]);
  if (!couldGroup) return finish(text, whole, decimals, conventionOf(mark));
  // `1.234` / `1,234`: a decimal point or a thousands separator; the file has to say which.
  const asDecimal = `${whole}.${decimals}`;
  const asWhole = `${whole}${decimals}`;
  return mark === "."
    ? { kind: "ambiguous", text, asDot: asDecimal, asComma: asWhole }
    : { kind: "ambiguous", text, asDot: asWhole, asComma: asDecimal };
}

/** Digits, or digits, one `.` or `,` and digits: what nearly every cell is, read without the general rules. */
const SIMPLE = /^(\d+)(?:([.,])(\d+))?$/;

/** One amount (or budget) cell of a file, with its scan. */
export interface AmountCell {
  line: number;
  column: string;
  scan: AmountScan;
}

export type AmountOutcome = { value: string } | { error: AmountError };

export interface FileConvention {
  /** Declared, or proved by the file; undefined when the file proves nothing or both. */
  convention?: Convention;
  /** The convention came from --decimal-separator. */
  declared: boolean;
  /** First cell proving each convention. */
  evidence: Evidence;
}

/** First cell proving each convention: all a file's amounts need to be known of before any is read. */
export type Evidence = Partial<Record<Convention, AmountCell>>;

function provedBy(scan: AmountScan): Convention | undefined {
  if (scan.kind === "ok" && scan.convention !== "either") return scan.convention;
  if (scan.kind === "error") return scan.convention;
  return undefined;
}

/** Adds one cell to the evidence (the reader calls it for each money cell, in file order). */
export function noteEvidence(evidence: Evidence, cell: AmountCell): void {
  const proved = provedBy(cell.scan);
  if (proved && !evidence[proved]) evidence[proved] = cell;
}

/** The convention of a file: `declared`, else the one its amounts prove if they agree. */
export function decideConvention(evidence: Evidence, declared?: Convention): FileConvention {
  if (declared) return { convention: declared, declared: true, evidence };
  if (evidence.dot && evidence.comma) return { declared: false, evidence };
  const proved = evidence.dot ? "dot" : evidence.comma ? "comma" : undefined;
  return proved ? { convention: proved, declared: false, evidence } : { declared: false, evidence };
}

const SEPARATOR_OF: Record<Convention, string> = { dot: ".", comma: "," };
const NAME_OF: Record<Convention, string> = { dot: "a decimal point", comma: "a decimal comma" };

/** One amount (or budget) cell's value or error, once the file's convention is known. */
export function resolveAmount(scan: AmountScan, file: FileConvention): AmountOutcome {
  const { convention, evidence } = file;
  if (scan.kind === "error") return { error: { code: scan.code, message: scan.message } };
  if (scan.kind === "ok" && scan.convention === "either") return { value: scan.value };
  if (!file.declared && evidence.dot && evidence.comma) {
    // Every value whose meaning depends on the convention is suspect; whole numbers are not.
    return {
      error: {
        code: "amount_convention_conflict",
        message: `this file mixes decimal separators: line ${evidence.comma.line} has "${evidence.comma.scan.text}" (decimal comma) and line ${evidence.dot.line} has "${evidence.dot.scan.text}" (decimal point); make them agree or pass --decimal-separator`,
      },
    };
  }
  if (scan.kind === "ambiguous") {
    if (convention) return { value: convention === "dot" ? scan.asDot : scan.asComma };
    return {
      error: {
        code: "amount_ambiguous",
        message: `"${scan.text}" could be ${bothReadings(scan)} and no other amount in the file says which; pass --decimal-separator . or ,`,
      },
    };
  }
  if (convention && scan.convention !== convention) {
    // Only a declared convention can disagree with a proving value here.
    return {
      error: {
        code: "amount_convention_conflict",
        message: `"${scan.text}" is written with ${NAME_OF[scan.convention as Convention]}, but --decimal-separator ${SEPARATOR_OF[convention]} was given; fix the value or the option`,
      },
    };
  }
  return { value: scan.value };
}

/**
 * Checks a canonical amount against its currency's minor units (ISO 4217: 0 for CLP and
 * PYG, 2 for the others here). Trailing zeros do not count: `1234.00` CLP is exactly 1234.
 */
export function checkDecimals(value: string, currency: string): AmountError | null {
  const dot = value.indexOf(".");
  if (dot < 0) return null;
  const allowed = minorUnits(currency);
  if (value.length - dot - 1 <= allowed) return null;
  const fraction = value.slice(dot + 1).replace(/0+$/, "");
  if (fraction.length <= allowed) return null;
  const code = currency.toUpperCase();
  const has = `${fraction.length} decimal${fraction.length > 1 ? "s" : ""}`;
  return {
    code: "amount_too_many_decimals",
    message:
      allowed === 0
        ? `${value} has ${has}, but ${code} amounts are whole numbers; round it to a whole ${code} amount`
        : `${value} has ${has}, but ${code} allows at most ${allowed}; round it to ${allowed} decimals`,
  };
}
