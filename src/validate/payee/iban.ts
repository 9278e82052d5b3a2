/**
 * IBAN (ISO 13616), for payees outside the countries above: 2-letter country, 2 check digits,
 * and a national account number (BBAN) whose length and shape the country fixes. ibantools
 * holds the per-country lengths and shapes (SWIFT's IBAN registry) and checks mod 97 and, for
 * the countries that have one, the national check digits.
 */
import { countrySpecs, ValidationErrorsIBAN, validateIBAN } from "ibantools";
import type { Failure } from "./problems.js";
import { type IdSpec, range } from "./spec.js";

function ibanLength(value: string): number | null {
  return countrySpecs[value.slice(0, 2)]?.chars ?? null;
}

export const iban: IdSpec = {
  kind: "iban",
  label: "IBAN",
  characters: /^[A-Z0-9]+$/,
  charactersText: "letters and digits",
  // The shortest (Norway) and longest (Russia) IBANs of the registry; the country's own
  // length is checked with the rest.
  lengths: range(15, 33),
  leadingZeros: false,
  failures(value) {
    if (!/^[A-Z]{2}\d\d/.test(value)) return ["format"];
    const length = ibanLength(value);
    if (length === null) return ["component"];
    if (value.length !== length) return ["length"];
    const errors = new Set(validateIBAN(value).errorCodes);
    // A wrong shape stops the checks, as wrong characters do for the other kinds.
    if (errors.has(ValidationErrorsIBAN.WrongBBANFormat)) return ["format"];
    const failures: Failure[] = [];
    if (errors.has(ValidationErrorsIBAN.WrongIBANChecksum)) failures.push("check_digit_1");
    if (errors.has(ValidationErrorsIBAN.WrongAccountBankBranchChecksum)) failures.push("check_digit_2");
    return failures;
  },
  explain: {
    format:
      "it does not have the shape of an IBAN of its country (two letters, two check digits, then the account in the country's layout)",
    component: "its first two letters are not a country that issues IBANs",
    check_digit_1: "its check digits (3rd and 4th characters) do not match the rest (mod 97)",
    check_digit_2: "the national check digit inside the account number does not match it",
  },
  lengthText(value) {
    return `an IBAN of ${value.slice(0, 2)} has ${ibanLength(value)} characters`;
  },
};
