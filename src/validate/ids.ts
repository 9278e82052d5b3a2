/**
 * Id cells (user ids, withdrawal instruction ids): Bitex ids are digit strings. Excel
 * damages long digit strings that it stores as numbers, and the damage must be reported,
 * never repaired (the lost digits are gone):
 *
 *  - Scientific notation (`1.23457E+15`, `1,23457E+15` with a decimal comma): Excel shows a
 *    long number this way in a General cell and saves what it shows.
 *  - Lost digits: Excel keeps 15 significant digits and replaces the rest with zeros, so a
 *    16+ digit id typed into a number cell comes back as its first 15 digits followed only
 *    by zeros. Heuristic: 16 or more digits, all zero after the 15th. A genuine id of that
 *    shape would be flagged too; Bitex ids are far shorter, so the false alarm is
 *    theoretical, while paying the wrong user id is not.
 *
 * The other shapes Excel gives numbers (thousands separators, `345.0`) lose nothing but are
 * not ids either; they get `id_not_numeric` with a message saying what to do.
 */
import { EXCEL_HINT } from "../read/cells.js";

export type IdErrorCode = "id_empty" | "id_not_numeric" | "excel_damaged_number";

export interface IdProblem {
  code: IdErrorCode;
  message: string;
}

const SHORT_ID = /^\d{1,15}$/;
const SCIENTIFIC = /^\d+(?:[.,]\d+)?e[+-]?\d+$/i;
const LOST_DIGITS = /^\d{15}0+$/;
const GROUPED = /^\d{1,3}(?:[.,\s\u00A0\u202F]\d{3})+$/;
const DECIMALS = /^\d+[.,]\d+$/;

/** Checks one id cell (trimmed here too); null when it is a plain digit string. */
export function checkId(raw: string): IdProblem | null {
  const text = raw.trim();
  if (text === "") return { code: "id_empty", message: "the id is empty" };
  // Up to 15 digits: a plain id, and the shape of nearly every cell (one regex instead of four).
  if (SHORT_ID.test(text)) return null;
  if (SCIENTIFIC.test(text)) {
    return {
      code: "excel_damaged_number",
      message: `"${text}" is in scientific notation: Excel turned the id into a number and dropped digits; ${EXCEL_HINT}`,
    };
  }
  if (/^\d+$/.test(text)) {
    if (LOST_DIGITS.test(text)) {
      return {
        code: "excel_damaged_number",
        message: `"${text}" has ${text.length} digits ending in zeros, as Excel leaves an id longer than 15 digits; ${EXCEL_HINT}`,
      };
    }
    return null;
  }
  if (GROUPED.test(text)) {
    return {
      code: "id_not_numeric",
      message: `"${text}" has thousands separators; write the id as plain digits (${EXCEL_HINT})`,
    };
  }
  if (DECIMALS.test(text)) {
    return {
      code: "id_not_numeric",
      message: `"${text}" has decimals; ids are whole numbers written as plain digits (${EXCEL_HINT})`,
    };
  }
  return { code: "id_not_numeric", message: `"${text}" is not a Bitex id; ids are digits only` };
}
