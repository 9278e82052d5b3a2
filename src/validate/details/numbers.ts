/**
 * Checks of the cells that identify a payee or an account but have no check digit to verify
 * offline (a plain bank account number, a US SSN/EIN, a Mexican RFC, a SWIFT/BIC): the same
 * cleaning, the same Excel-damage codes and the same "what is wrong; hint" messages as the
 * payee-id checks (validate/payee/), and never the number itself in a message.
 */

import { excelZeroRun, isScientific } from "../payee/clean.js";
import {
  checkPayeeId,
  compactId,
  PAYEE_ID_HINTS,
  type PayeeIdCode,
  type PayeeIdKind,
} from "../payee/index.js";

/** A number this module checks by shape only. */
export interface ShapeSpec {
  /** As operators call it: "account number", "RFC". */
  label: string;
  characters: RegExp;
  charactersText: string;
  min: number;
  max: number;
  /** A stricter layout, checked once the characters and length are right. */
  layout?: RegExp;
  layoutText?: string;
}

export type NumberCheck = { ok: true; value: string } | { ok: false; code: PayeeIdCode; message: string };

function failed(code: PayeeIdCode, what: string): NumberCheck {
  return { ok: false, code, message: `${what}; ${PAYEE_ID_HINTS[code]}` };
}

export function checkShape(spec: ShapeSpec, raw: string): NumberCheck {
  const { label } = spec;
  if (raw.trim() === "") return failed("id_empty", `the ${label} is empty`);
  const value = compactId(raw);
  if (isScientific(raw) && !spec.characters.test(value)) {
    return failed(
      "excel_scientific_notation",
      `this ${label} is in scientific notation (like 2.85059E+21): a spreadsheet stored it as a number and rounded it`,
    );
  }
  if (value === "" || !spec.characters.test(value)) {
    return failed("id_bad_characters", `this ${label} has characters other than ${spec.charactersText}`);
  }
  // With no check digit, a run of zeros after the 15th digit is the one sign of Excel's rounding.
  if (excelZeroRun(value) > 0) {
    return failed(
      "excel_precision_loss",
      `this ${label} has ${value.length} digits and all after the 15th are 0, as a spreadsheet leaves a number longer than 15 digits`,
    );
  }
  if (value.length < spec.min || value.length > spec.max) {
    const should = spec.min === spec.max ? `${spec.min}` : `${spec.min} to ${spec.max}`;
    // With no check digit to confirm it, a number short of its length may have lost its
    // leading zeros to a spreadsheet (a US SSN may begin with 0): said as a possibility.
    const zeros =
      /^\d+$/.test(value) && value.length < spec.min
        ? " (a spreadsheet drops a number's leading 0s: if it began with 0, write it as text with them)"
        : "";
    return failed(
      "id_wrong_length",
      `this ${label} has ${value.length} characters; it should have ${should}${zeros}`,
    );
  }
  if (spec.layout && !spec.layout.test(value)) {
    return failed("id_invalid_part", `this ${label} is not laid out as ${spec.layoutText ?? "expected"}`);
  }
  return { ok: true, value };
}

export const ACCOUNT_NUMBER: ShapeSpec = {
  label: "account number",
  characters: /^\d+$/,
  charactersText: "digits",
  min: 4,
  max: 20,
};

export const SWIFT: ShapeSpec = {
  label: "SWIFT/BIC",
  characters: /^[A-Z0-9]+$/,
  charactersText: "letters and digits",
  min: 8,
  max: 11,
  // 4 bank letters, 2 country letters, 2 location characters, an optional 3-character branch.
  layout: /^[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/,
  layoutText: "4 letters of bank, 2 of country, 2 of location and an optional 3 of branch",
};

/** Any check that either a payee-id kind or a shape does: what a tax id or account needs. */
export type NumberRule = { kind: PayeeIdKind } | { shape: ShapeSpec };

export function checkNumber(rule: NumberRule, raw: string): NumberCheck {
  if ("shape" in rule) return checkShape(rule.shape, raw);
  const result = checkPayeeId(rule.kind, raw);
  return result.ok
    ? { ok: true, value: result.value }
    : { ok: false, code: result.code, message: result.message };
}
