/**
 * Which tax id a row's `recipient_tax_id` is, from the destination port's country and, where
 * one country has two (Uruguay: RUT or CI; Paraguay: RUC or CI; a port of "other" countries),
 * the `recipient_tax_id_kind` cell. README, "Paying by payee details", lists them.
 */
import { normalizeHeader } from "../../read/headers.js";
import { shownWord } from "../../redact.js";
import type { NumberRule, ShapeSpec } from "./numbers.js";

/** The kinds of tax id a row may give, by the word operators write in the kind column. */
export type TaxIdKind = "cuit" | "rut" | "rfc" | "ssn_ein" | "ruc" | "ci" | "cpf" | "cnpj" | "nit" | "other";

const WORDS: Readonly<Record<string, TaxIdKind>> = {
  cuit: "cuit",
  cuil: "cuit",
  cuit_cuil: "cuit",
  rut: "rut",
  run: "rut",
  rfc: "rfc",
  ssn: "ssn_ein",
  ein: "ssn_ein",
  itin: "ssn_ein",
  ruc: "ruc",
  ci: "ci",
  cedula: "ci",
  cedula_de_identidad: "ci",
  cpf: "cpf",
  cnpj: "cnpj",
  nit: "nit",
  other: "other",
  otro: "other",
  outro: "other",
};

const RFC: ShapeSpec = {
  label: "RFC",
  characters: /^[A-Z0-9Ñ&]+$/,
  charactersText: "letters and digits",
  min: 12,
  max: 13,
  // 3 letters (a company) or 4 (a person), the date yymmdd, a 3-character homoclave.
  layout: /^[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}$/,
  layoutText: "3 or 4 letters, 6 digits of date and 3 characters",
};
const SSN_EIN: ShapeSpec = {
  label: "SSN/EIN",
  characters: /^\d+$/,
  charactersText: "digits",
  min: 9,
  max: 9,
};
const PY_CI: ShapeSpec = { label: "CI", characters: /^\d+$/, charactersText: "digits", min: 5, max: 8 };
const OTHER: ShapeSpec = {
  label: "tax id",
  characters: /^[A-Z0-9]+$/,
  charactersText: "letters and digits",
  min: 4,
  max: 20,
};

/** The kinds each country's ports take, the first the one a row without a kind gives. */
const KINDS: Readonly<Record<string, readonly TaxIdKind[]>> = {
  ar: ["cuit"],
  cl: ["rut"],
  mx: ["rfc"],
  us: ["ssn_ein"],
  uy: ["rut", "ci"],
  py: ["ruc", "ci"],
  other: ["other", "cuit", "rut", "rfc", "ssn_ein", "ruc", "ci", "cpf", "cnpj", "nit"],
};

function ruleOf(country: string, kind: TaxIdKind): NumberRule {
  switch (kind) {
    case "cuit":
      return { kind: "ar_cuit" };
    case "rut":
      return { kind: country === "uy" ? "uy_rut" : "cl_rut" };
    case "rfc":
      return { shape: RFC };
    case "ssn_ein":
      return { shape: SSN_EIN };
    case "ruc":
      return { kind: country === "py" ? "py_ruc" : "pe_ruc" };
    case "ci":
      return country === "py" ? { shape: PY_CI } : { kind: "uy_ci" };
    case "cpf":
      return { kind: "br_cpf" };
    case "cnpj":
      return { kind: "br_cnpj" };
    case "nit":
      return { kind: "co_nit" };
    default:
      return { shape: OTHER };
  }
}

export type TaxIdChoice = { kind: TaxIdKind; rule: NumberRule } | { error: string };

/**
 * The tax id kind and its check for a row paying into `country` ("ar", "other", …). Without
 * a kind cell: the country's own; in Uruguay a 12-digit number is a RUT, a shorter one a CI.
 */
export function taxIdRule(country: string, kindCell: string, compactValue: string): TaxIdChoice {
  const allowed = KINDS[country] ?? (KINDS.other as readonly TaxIdKind[]);
  const word = normalizeHeader(kindCell);
  if (word === "") {
    const kind = country === "uy" ? (compactValue.length === 12 ? "rut" : "ci") : (allowed[0] as TaxIdKind);
    return { kind, rule: ruleOf(country, kind) };
  }
  const kind = WORDS[word];
  if (kind === undefined || !allowed.includes(kind)) {
    const words = Object.keys(WORDS).filter((w) => allowed.includes(WORDS[w] as TaxIdKind));
    return {
      error: `"${shownWord(kindCell.trim())}" is not a tax id kind for this port's country; write one of ${words.join(", ")} (or leave it empty for ${allowed[0]})`,
    };
  }
  return { kind, rule: ruleOf(country, kind) };
}
