/**
 * A row's payee given by details (docs/design.md, "Input modes"): email, name, tax id and the
 * bank account for the destination port's country, each checked offline. Problems are
 * pushed as row errors with the same shape as every other cell's, and no message holds an
 * account number or a tax id (the terminal and --json show those cells masked).
 */

import { invisibleCharacter } from "../../invisible.js";
import type { PayeeDetails, RawCells, RowError } from "../../model.js";
import { type PortCode, portCountry } from "../../ports.js";
import { DETAIL_GROUP_COLUMNS, ID_GROUP_COLUMNS } from "../../read/headers.js";
import { compactId } from "../payee/index.js";
import { checkAccount } from "./account.js";
import { checkNumber } from "./numbers.js";
import { taxIdRule } from "./tax.js";

export { ACCOUNT_COLUMNS, CL_BANKS } from "./account.js";
export type { TaxIdKind } from "./tax.js";

/** The row fills a cell of the ids group (recipient_user_id, withdrawal_instruction_id). */
export function givesIds(raw: RawCells): boolean {
  return fillsAny(raw, ID_GROUP_COLUMNS);
}

/** The row fills a cell of the payee-details group. */
export function givesDetails(raw: RawCells): boolean {
  return fillsAny(raw, DETAIL_GROUP_COLUMNS);
}

/** A plain loop that trims only a cell that has text: it runs for every row, over some 30 columns. */
function fillsAny(raw: RawCells, columns: readonly (keyof RawCells)[]): boolean {
  for (let i = 0; i < columns.length; i++) {
    const cell = raw[columns[i] as keyof RawCells];
    if (typeof cell === "string" && cell !== "" && cell.trim() !== "") return true;
  }
  return false;
}

/** The row names its payee neither way: one error that says both. */
export function neitherError(line: number): RowError {
  return {
    line,
    column: "",
    code: "payee_missing",
    message:
      "the row names no payee; give recipient_user_id and withdrawal_instruction_id, or the payee's details (recipient_email, recipient_name, recipient_tax_id and the bank account for the port's country)",
  };
}

/**
 * An address: letters (any script, with their accents), digits and the few marks an address
 * holds before the @, letters, digits and inner hyphens in each part of the domain. Anything
 * else is another text than an address (helper-108: `mailto:ana@x.com` and `<ana@x.com>` passed,
 * and made a second Bitex user for a payee Bitex has).
 */
const LETTER = "\\p{L}\\p{M}\\p{N}";
const LABEL = `[${LETTER}](?:[${LETTER}-]*[${LETTER}])?`;
const EMAIL = new RegExp(`^[${LETTER}.!#$%&'*+/=?^_\`{|}~-]+@${LABEL}(?:\\.${LABEL})+$`, "u");

function text(raw: RawCells, column: keyof RawCells): string {
  const value = raw[column];
  return typeof value === "string" ? value.trim() : "";
}

/** The payee's details, or null with every problem pushed onto `errors`. */
export function checkDetails(
  errors: RowError[],
  line: number,
  raw: RawCells,
  port: PortCode | null,
): PayeeDetails | null {
  const before = errors.length;
  const email = text(raw, "recipient_email");
  const hidden = invisibleCharacter(email);
  if (email === "") {
    errors.push({
      line,
      column: "recipient_email",
      code: "recipient_email_missing",
      message: "the payee's email is empty; fill it in (it is how the payee is found at Bitex again)",
    });
  } else if (hidden) {
    errors.push({
      line,
      column: "recipient_email",
      code: "recipient_email_invisible",
      message: `the email holds a character no screen shows (${hidden.code}) at character ${hidden.position}; type the address again`,
    });
  } else if (email.normalize("NFKC") !== email.normalize("NFC")) {
    // ａｎａ@… is ana@… to a mail server, another text to the email check (helper-110).
    errors.push({
      line,
      column: "recipient_email",
      code: "recipient_email_invalid",
      message:
        "the email holds full-width or other look-alike characters (ａ for a); type the address again in plain letters",
    });
  } else if (!EMAIL.test(email) || email.length > 254) {
    errors.push({
      line,
      column: "recipient_email",
      code: "recipient_email_invalid",
      message: "this is not an email address; write it as name@domain.com",
    });
  }
  const name = text(raw, "recipient_name");
  const firstName = text(raw, "recipient_first_name");
  const lastName = text(raw, "recipient_last_name");
  if (name === "" && (firstName === "") !== (lastName === "")) {
    const missing = firstName === "" ? "recipient_first_name" : "recipient_last_name";
    errors.push({
      line,
      column: missing,
      code: `${missing}_missing`,
      message: `${missing} is empty; fill it in, or give the whole name in recipient_name`,
    });
  } else if (name === "" && firstName === "") {
    errors.push({
      line,
      column: "recipient_name",
      code: "recipient_name_missing",
      message:
        "the payee's name is empty; fill recipient_name, or recipient_first_name and recipient_last_name",
    });
  }
  const country = port ? portCountry(port) : null;
  const taxCell = text(raw, "recipient_tax_id");
  let taxId = "";
  let taxIdKind = "";
  if (taxCell === "") {
    errors.push({
      line,
      column: "recipient_tax_id",
      code: "recipient_tax_id_missing",
      message: "the payee's tax id is empty; fill it in (CUIT/CUIL, RUT, RFC, CI, RUC, SSN/EIN, …)",
    });
  } else if (country) {
    const choice = taxIdRule(country, text(raw, "recipient_tax_id_kind"), compactId(taxCell));
    if ("error" in choice) {
      errors.push({
        line,
        column: "recipient_tax_id_kind",
        code: "tax_id_kind_unknown",
        message: choice.error,
      });
    } else {
      const result = checkNumber(choice.rule, taxCell);
      if (result.ok) {
        taxId = result.value;
        taxIdKind = choice.kind;
      } else errors.push({ line, column: "recipient_tax_id", code: result.code, message: result.message });
    }
  }
  // Without a known port the account's columns cannot be chosen; the port's own error says so.
  const account = port && country ? checkAccount(errors, line, raw, country, port) : null;
  if (errors.length > before || !account) return null;
  return {
    email,
    name: name !== "" ? name : `${firstName} ${lastName}`,
    firstName,
    lastName,
    taxId,
    taxIdKind,
    account,
  };
}
