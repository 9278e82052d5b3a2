/**
 * Brazil: CPF (people, 11 digits) and CNPJ (companies, 14 characters), both closed by two
 * mod-11 check digits, computed by cpf-cnpj-validator. From July 2026 the Receita Federal issues
 * alphanumeric CNPJs (Nota Técnica 49/2024): the first 12 characters may be 0-9 or A-Z (a
 * letter counts as its ASCII code - 48), the two check digits stay numeric. A number of one
 * repeated digit passes the CPF arithmetic but is a placeholder, never issued.
 */
import { cnpj, cpf } from "cpf-cnpj-validator";
import type { Failure } from "./problems.js";
import { DIGITS, type IdSpec } from "./spec.js";

function repeated(value: string): boolean {
  return /^(.)\1*$/.test(value);
}

export const brCpf: IdSpec = {
  kind: "br_cpf",
  label: "CPF",
  characters: DIGITS,
  charactersText: "digits",
  lengths: [11],
  leadingZeros: true,
  failures(value): Failure[] {
    if (repeated(value)) return ["repeated_digits"];
    return cpf.isValid(value) ? [] : ["check_digit"];
  },
};

export const brCnpj: IdSpec = {
  kind: "br_cnpj",
  label: "CNPJ",
  characters: /^[0-9A-Z]+$/,
  charactersText: "digits and letters A-Z, ending in two check digits",
  lengths: [14],
  leadingZeros: true,
  failures(value): Failure[] {
    if (!/\d\d$/.test(value)) return ["format"];
    if (repeated(value)) return ["repeated_digits"];
    return cnpj.isValid(value) ? [] : ["check_digit"];
  },
};
