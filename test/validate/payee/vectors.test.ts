import { readFileSync } from "node:fs";
import { expect } from "chai";
import {
  checkPayeeId,
  compactId,
  type Failure,
  PAYEE_ID_SPECS,
  type PayeeIdKind,
} from "../../../src/validate/payee/index.js";
import { CODE_OF_FAILURE } from "../../../src/validate/payee/problems.js";
import { fromRoot } from "../../helpers/root.js";

interface Section {
  valid?: string[];
  valid_formatted?: string[];
  valid_alphanumeric_2026?: string[];
  invalid?: string[];
  invalid_reasons?: Record<string, Failure[]>;
  excel_damaged?: Array<{ input: string; expected_error: string }>;
}
interface Case {
  kind: PayeeIdKind;
  input: string;
  compact?: string;
  expected_error?: string;
}

function load(name: string): Record<string, unknown> {
  const path = fromRoot("fixtures", "payee-ids", name);
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

const shared = load("bank-ids.json");
const more = load("more-ids.json");
/** Keys of the files that are notes or case lists, not one kind's vectors. */
const NOT_KINDS = new Set(["_about", "conventions", "sources", "unverified", "cleaning", "excel_damaged"]);
const kindsOf = (file: Record<string, unknown>) => Object.keys(file).filter((key) => !NOT_KINDS.has(key));
const isKind = (key: string): key is PayeeIdKind => key in PAYEE_ID_SPECS;

/** The conformance file's own rule for its formatted values. */
const published = (formatted: string) => formatted.replace(/[\s.\-/\u2013\u2014]/g, "").toUpperCase();

function tableFor(file: string, key: string, section: Section): void {
  if (!isKind(key)) throw new Error(`${file}: "${key}" is no kind of payee id`);
  const kind = key;
  describe(`${kind} (${file})`, () => {
    for (const value of [...(section.valid ?? []), ...(section.valid_alphanumeric_2026 ?? [])]) {
      it(`${value} is valid`, () => {
        const result = checkPayeeId(kind, value);
        expect(result).to.include({ ok: true, kind, value });
      });
    }
    for (const formatted of section.valid_formatted ?? []) {
      it(`${JSON.stringify(formatted)} is valid, as ${published(formatted)}`, () => {
        expect(checkPayeeId(kind, formatted)).to.include({ ok: true, kind, value: published(formatted) });
      });
    }
    for (const value of section.invalid ?? []) {
      const reasons = section.invalid_reasons?.[value];
      it(`${value} is invalid: ${reasons?.join(", ")}`, () => {
        expect(reasons, "every invalid vector states its reasons").to.be.an("array").that.is.not.empty;
        const result = checkPayeeId(kind, value);
        if (result.ok) expect.fail(`${value} passed`);
        expect(result.failures).to.deep.equal(reasons);
        expect(result.code).to.equal(CODE_OF_FAILURE[(reasons ?? [])[0] as Failure]);
      });
    }
    for (const { input, expected_error } of section.excel_damaged ?? []) {
      it(`${input} is Excel damage: ${expected_error}`, () => {
        expect(checkPayeeId(kind, input)).to.include({ ok: false, code: expected_error });
      });
    }
  });
}

describe("payee-id vectors", () => {
  it("covers every kind of the shared conformance file, and those it lacks", () => {
    expect(kindsOf(shared)).to.deep.equal([
      "cbu",
      "cvu",
      "clabe",
      "cl_rut",
      "br_cpf",
      "br_cnpj",
      "co_nit",
      "pe_ruc",
      "pe_cci",
      "uy_rut",
      "us_aba",
    ]);
    expect(kindsOf(more)).to.deep.equal(["ar_cuit", "uy_ci", "py_ruc", "us_aba", "br_cnpj", "iban"]);
  });

  for (const key of kindsOf(shared)) tableFor("bank-ids.json", key, shared[key] as Section);
  for (const key of kindsOf(more)) tableFor("more-ids.json", key, more[key] as Section);

  // The shared file marks two vectors unverified; they are not facts, so they are not tested
  // as passing or failing. The 11-digit NIT 11185342480: the file's NIT layout has 10 digits,
  // while a person's NIT (cédula + check digit) varies in length and our check takes 8 to 16
  // digits, as python-stdnum does. The CI 8.741.777-1: the file's authors had no published CI
  // algorithm at hand; more-ids.json has CI vectors with their sources instead.
  it("leaves out exactly the vectors marked unverified", () => {
    const unverified = shared.unverified as Array<{ type: string; value: string }>;
    expect(unverified.map(({ type, value }) => `${type} ${value}`)).to.deep.equal([
      "co_nit 11185342480",
      "uy_ci 8.741.777-1",
    ]);
  });

  describe("cleaning", () => {
    for (const { kind, input, compact } of (more.cleaning as { cases: Case[] }).cases) {
      it(`${JSON.stringify(input)} is the ${kind} ${compact}`, () => {
        expect(compactId(input)).to.equal(compact);
        expect(checkPayeeId(kind, input)).to.include({ ok: true, value: compact });
      });
    }
  });

  describe("Excel damage", () => {
    const { cases, not_damaged } = more.excel_damaged as { cases: Case[]; not_damaged: Case[] };
    for (const { kind, input, expected_error } of cases) {
      it(`${kind} ${JSON.stringify(input)} → ${expected_error}`, () => {
        expect(checkPayeeId(kind, input)).to.include({ ok: false, code: expected_error });
      });
    }
    for (const { kind, input } of not_damaged) {
      it(`${kind} ${input} is a genuine number`, () => {
        expect(checkPayeeId(kind, input)).to.include({ ok: true, value: input });
      });
    }
  });
});
