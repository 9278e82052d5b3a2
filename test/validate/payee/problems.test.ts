import { expect } from "chai";
import { clabe } from "clabe-validator";
import {
  CLABE_BANKS,
  checkPayeeId,
  PAYEE_ID_HINTS,
  PAYEE_ID_SPECS,
  type PayeeIdCode,
  type PayeeIdKind,
} from "../../../src/validate/payee/index.js";

const AS_TEXT =
  "re-export the column as text (in Excel: format the column as Text, then paste the numbers again from their source)";
const RETYPE = "copy the number again from the payee's bank or tax document";

function problemOf(kind: PayeeIdKind, raw: string): { code: string; message: string } {
  const result = checkPayeeId(kind, raw);
  if (result.ok) throw new Error(`${raw} passed as a ${kind}`);
  return { code: result.code, message: result.message };
}

describe("payee-id problems", () => {
  it("has these stable codes, each with a one-line hint", () => {
    expect(Object.keys(PAYEE_ID_HINTS)).to.deep.equal([
      "id_empty",
      "id_bad_characters",
      "id_wrong_length",
      "id_wrong_check_digit",
      "id_unknown_bank_code",
      "id_not_a_cvu",
      "id_invalid_part",
      "id_repeated_digits",
      "excel_scientific_notation",
      "excel_precision_loss",
      "excel_leading_zero_lost",
    ]);
    for (const hint of Object.values(PAYEE_ID_HINTS)) expect(hint).to.match(/^[^\n]{5,}$/);
  });

  it("tells a CBU that lost a leading 0 from one of the wrong length", () => {
    expect(problemOf("cbu", "110012920000091344977")).to.deep.equal({
      code: "excel_leading_zero_lost",
      message: `this CBU has 21 digits; a spreadsheet probably dropped a leading 0 (with it restored it checks out); ${AS_TEXT}`,
    });
    expect(problemOf("cbu", "0110012920000091")).to.deep.equal({
      code: "id_wrong_length",
      message: `this CBU has 16 digits; a CBU has 22 digits; check that no digit is missing or doubled; ${RETYPE}`,
    });
  });

  it("says which of a CBU's two check digits is wrong", () => {
    expect(problemOf("cbu", "1940099324001313220028")).to.deep.equal({
      code: "id_wrong_check_digit",
      message: `this CBU is wrong: its 8th digit, the check digit of the bank and branch (digits 1 to 7), does not match them; a digit is mistyped or two are swapped; ${RETYPE}`,
    });
    expect(problemOf("cbu", "0940099324001313220038").message).to.equal(
      `this CBU is wrong: its last digit, the check digit of the account (digits 9 to 21), does not match them; a digit is mistyped or two are swapped; ${RETYPE}`,
    );
  });

  it("tells a CBU given as a CVU by its code", () => {
    // Check digits right, so the CVU rule is what fails.
    expect(problemOf("cvu", "2850590940090418135201")).to.deep.equal({
      code: "id_not_a_cvu",
      message:
        "this CVU is wrong: it does not start with 000 as every CVU does, so it is a bank account's CBU; give a bank account's CBU in the cbu column, and only a CVU in the cvu column",
    });
    expect(checkPayeeId("cbu", "0000003100062244154712")).to.include({ ok: true });
  });

  it("reports Excel's damage as Excel's, never as a plain check-digit error", () => {
    expect(problemOf("cbu", "2,85059E+21")).to.deep.equal({
      code: "excel_scientific_notation",
      message: `this CBU is in scientific notation (like 2.85059E+21): a spreadsheet stored it as a number and rounded it; the digits are lost; ${AS_TEXT}`,
    });
    expect(problemOf("cbu", "2850590940090410000000")).to.deep.equal({
      code: "excel_precision_loss",
      message: `this CBU has 22 digits and all after the 15th are 0, as a spreadsheet leaves a number longer than 15 digits; the digits are lost; ${AS_TEXT}`,
    });
    expect(problemOf("cvu", "3100062244154712").message).to.equal(
      `this CVU has 16 digits; a spreadsheet probably dropped 6 leading 0s (with them restored it checks out); ${AS_TEXT}`,
    );
  });

  it("names the dated CLABE bank table an unknown bank code was looked up in", () => {
    expect(CLABE_BANKS).to.deep.equal({ source: "clabe-validator 3.2.2", asOf: "2026-07-11" });
    // The date is that release's: a new release of the table must come with its own date.
    expect(clabe.version).to.equal("3.2.2");
    expect(problemOf("clabe", "000000000000000000")).to.deep.equal({
      code: "id_unknown_bank_code",
      message: `this CLABE is wrong: its first 3 digits are not a bank code in the CLABE bank table of 2026-07-11 (clabe-validator 3.2.2); if the bank is new, the table must be updated first; check the first digits; ${RETYPE}`,
    });
    expect(checkPayeeId("clabe", "002000000000000008")).to.deep.equal({
      ok: true,
      kind: "clabe",
      value: "002000000000000008",
      bank: "Banco Nacional de México",
    });
  });

  it("explains the other codes in one sentence and its hint", () => {
    const table: Array<[PayeeIdKind, string, PayeeIdCode, string]> = [
      ["cl_rut", "  ", "id_empty", "the RUT is empty"],
      [
        "cl_rut",
        "76086A285",
        "id_bad_characters",
        "this RUT has characters other than digits and a final check digit or K",
      ],
      ["br_cpf", "11111111111", "id_repeated_digits", "this CPF is one digit repeated"],
      [
        "pe_ruc",
        "30512333792",
        "id_invalid_part",
        "this RUC is wrong: a RUC starts with 10, 15 or 17 (people) or 20 (companies)",
      ],
      [
        "iban",
        "GB82WEST1234569876543",
        "id_wrong_length",
        "this IBAN has 21 characters; an IBAN of GB has 22 characters",
      ],
      [
        "co_nit",
        "2131234350",
        "id_wrong_check_digit",
        "the check digit of this NIT does not match its other digits",
      ],
    ];
    for (const [kind, raw, code, what] of table) {
      expect(problemOf(kind, raw), `${kind} ${raw}`).to.deep.equal({
        code,
        message: `${what}; ${PAYEE_ID_HINTS[code]}`,
      });
    }
  });

  it("never repeats the number in a message (it would reach logs unmasked)", () => {
    const wrong: Array<[PayeeIdKind, string]> = [
      ["cbu", "0110012020000091344970"],
      ["cvu", "1110003100062244154712"],
      ["clabe", "002000000000000007"],
      ["cl_rut", "125319093"],
      ["br_cnpj", "16727230000198"],
      ["pe_cci", "01136200010004650000"],
      ["uy_rut", "210303670014"],
      ["iban", "GB82WEST12345698765431"],
      ["cbu", "110012920000091344977"],
    ];
    for (const [kind, raw] of wrong) {
      const { message } = problemOf(kind, raw);
      expect(message).not.to.include(raw.slice(-6));
    }
  });

  it("checks every kind with a label and at least one length", () => {
    for (const [kind, spec] of Object.entries(PAYEE_ID_SPECS)) {
      expect(spec.kind).to.equal(kind);
      expect(spec.lengths.length).to.be.greaterThan(0);
    }
  });
});
