/**
 * The checks every kind shares, in this order: empty; Excel's scientific notation (seen before
 * cleaning); the characters; the length, where a numeric cell that lost leading zeros or
 * digits after the 15th is told apart from a number simply mistyped; then the kind's own
 * checks. Nothing is repaired: a damaged number is reported, and only the operator's source
 * has the real one.
 */
import { compactId, excelZeroRun, isScientific } from "./clean.js";
import { CODE_OF_FAILURE, type Failure, type PayeeIdCode, phrase } from "./problems.js";
import { type IdSpec, lengthsText, type PayeeIdKind } from "./spec.js";

export interface PayeeIdValid {
  ok: true;
  kind: PayeeIdKind;
  /** Compact form: no separators, letters upper-case. */
  value: string;
  /** The bank the number names, where a table says it (CLABE). */
  bank?: string;
}

export interface PayeeIdInvalid {
  ok: false;
  kind: PayeeIdKind;
  code: PayeeIdCode;
  /** "what is wrong; hint", without the number itself. */
  message: string;
  /** Every check that failed, in order (empty for scientific notation and an empty cell). */
  failures: readonly Failure[];
}

export type PayeeIdResult = PayeeIdValid | PayeeIdInvalid;

/**
 * Digits zeroed after the 15th are reported as Excel damage when a check digit fails (zeroed
 * digits make it fail; an unknown bank code they cannot cause), or when so many trailing zeros
 * would be a one-in-100,000 coincidence for a genuine number (CBU: 7, CCI: 5). A CLABE ending
 * in 000 that passes every check is accepted: one genuine CLABE in a thousand ends so.
 */
const CERTAIN_ZERO_RUN = 5;

function failed(
  spec: IdSpec,
  code: PayeeIdCode,
  what: string,
  failures: readonly Failure[] = [],
): PayeeIdResult {
  return { ok: false, kind: spec.kind, code, message: phrase(code, what), failures };
}

/** How many leading zeros, restored, make `value` a valid number of this kind (0: none do). */
function lostLeadingZeros(spec: IdSpec, value: string): number {
  if (!spec.leadingZeros || !/^\d+$/.test(value)) return 0;
  for (const length of spec.lengths) {
    if (length <= value.length) continue;
    const padded = value.padStart(length, "0");
    if (spec.characters.test(padded) && spec.failures(padded).length === 0) return length - value.length;
  }
  return 0;
}

function explain(spec: IdSpec, failure: Failure, value: string): string {
  const own = spec.explain?.[failure];
  if (own) return `this ${spec.label} is wrong: ${own}`;
  switch (failure) {
    case "format":
      return `this ${spec.label} has characters other than ${spec.charactersText}`;
    case "length":
      return `this ${spec.label} has ${value.length} characters; ${spec.lengthText?.(value) ?? `a ${spec.label} has ${lengthsText(spec.lengths)}`}`;
    case "repeated_digits":
      return `this ${spec.label} is one digit repeated`;
    case "unknown_bank_code":
      return `the bank code of this ${spec.label} is unknown`;
    default:
      return `the check digit of this ${spec.label} does not match its other digits`;
  }
}

export function checkWith(spec: IdSpec, raw: string): PayeeIdResult {
  const { label } = spec;
  if (raw.trim() === "") return failed(spec, "id_empty", `the ${label} is empty`);
  const value = compactId(raw);
  // An alphanumeric CNPJ such as 1234E678000188 has the shape of scientific notation too; a
  // value made only of its kind's characters is that kind's, not Excel's.
  if (isScientific(raw) && !spec.characters.test(value)) {
    return failed(
      spec,
      "excel_scientific_notation",
      `this ${label} is in scientific notation (like 2.85059E+21): a spreadsheet stored it as a number and rounded it`,
    );
  }
  if (value === "" || !spec.characters.test(value)) {
    return failed(spec, "id_bad_characters", explain(spec, "format", value), ["format"]);
  }
  const zeros = excelZeroRun(value);
  const unit = /^\d+$/.test(value) ? "digits" : "characters";
  const zeroed = `this ${label} has ${value.length} digits and all after the 15th are 0, as a spreadsheet leaves a number longer than 15 digits`;
  if (!spec.lengths.includes(value.length)) {
    if (zeros > 0) return failed(spec, "excel_precision_loss", zeroed, ["length"]);
    const lost = lostLeadingZeros(spec, value);
    if (lost > 0) {
      const which = lost === 1 ? "a leading 0" : `${lost} leading 0s`;
      return failed(
        spec,
        "excel_leading_zero_lost",
        `this ${label} has ${value.length} digits; a spreadsheet probably dropped ${which} (with ${lost === 1 ? "it" : "them"} restored it checks out)`,
        ["length"],
      );
    }
    const expected = `a ${label} has ${lengthsText(spec.lengths)} ${unit}`;
    return failed(spec, "id_wrong_length", `this ${label} has ${value.length} ${unit}; ${expected}`, [
      "length",
    ]);
  }
  const failures = spec.failures(value);
  const zeroable = failures.some((failure) => failure.startsWith("check_digit"));
  if (zeros > 0 && (zeroable || zeros >= CERTAIN_ZERO_RUN)) {
    return failed(spec, "excel_precision_loss", zeroed, failures);
  }
  const first = failures[0];
  if (first !== undefined) {
    return failed(spec, CODE_OF_FAILURE[first], explain(spec, first, value), failures);
  }
  const bank = spec.bank?.(value);
  return bank === undefined
    ? { ok: true, kind: spec.kind, value }
    : { ok: true, kind: spec.kind, value, bank };
}
