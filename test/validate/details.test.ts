/**
 * Rows that name their payee by details (email, name, tax id, bank account per country): every
 * error code as a table of one-liners, the exact payee of a good row per country, and the
 * rule between the two ways of naming a payee (ids, details, both, neither).
 */
import { expect } from "chai";
import type { CheckedRow, InputRecord, PayeeDetails } from "../../src/model.js";
import type { ValidateOptions } from "../../src/validate/rows.js";
import { validateRecords } from "../helpers/validate.js";

type Cells = NonNullable<InputRecord["fields"]>;

/** An Argentine payee by details: ARS 1000 to a CBU (vectors from fixtures/payee-ids). */
const AR: Cells = {
  reference: "",
  payer_user_id: "112",
  sender_port: "ar_ars",
  recipient_user_id: "",
  port: "ar_ars",
  amount: "1000",
  budget: "",
  withdrawal_instruction_id: "",
  recipient_email: "Ana.Perez@Example.com",
  recipient_name: "Ana Pérez",
  recipient_tax_id: "20-05536168-2",
  cbu: "2850590940090418135201",
};
const CL: Cells = {
  ...AR,
  port: "cl_clp",
  cbu: "",
  recipient_tax_id: "10.626.628-K",
  bank: "Santander_CH",
  account_type: "cuenta corriente",
  account_number: "0012-3456-78",
};
const MX: Cells = {
  ...AR,
  port: "mx_mxn",
  cbu: "",
  recipient_tax_id: "GODE561231GR8",
  clabe: "002000000000000008",
};
const US: Cells = {
  ...AR,
  port: "us_usd",
  cbu: "",
  recipient_tax_id: "123-45-6789",
  routing_number: "021000021",
  account_number: "1234567890",
  account_type: "savings",
};
const UY: Cells = {
  ...AR,
  port: "uy_uyu",
  cbu: "",
  recipient_tax_id: "1.234.567-2",
  bank: "BROU",
  account_number: "001234567",
};
const PY: Cells = {
  ...AR,
  port: "py_pyg",
  cbu: "",
  recipient_tax_id: "80028061-0",
  bank: "Itaú",
  account_number: "7654321",
};
const OTHER: Cells = {
  ...AR,
  port: "other_eur",
  cbu: "",
  recipient_tax_id: "X1234567",
  iban: "DE89 3704 0044 0532 0130 00",
  swift: "COBADEFFXXX",
};

type Found = [column: string, code: string];

function check(rows: readonly Cells[], options: ValidateOptions = { payeeColumns: true }): CheckedRow[] {
  return validateRecords(
    rows.map((fields, i) => ({ line: i + 2, fields })),
    options,
  );
}

function errorsOf(checked: readonly CheckedRow[]): Found[] {
  return checked.flatMap((item) => (item.ok ? [] : item.errors.map((e): Found => [e.column, e.code])));
}

// [what, row, expected errors]
const TABLE: Array<[string, Cells, Found[]]> = [
  ["AR by CBU", AR, []],
  ["AR by CVU", { ...AR, cbu: "", cvu: "0000003100062244154712" }, []],
  ["CL: RUT, bank code, account type, number", CL, []],
  ["MX: CLABE and RFC", MX, []],
  ["US: routing, number, type; SSN", US, []],
  ["UY: bank and number; CI by its length", UY, []],
  ["UY: a 12-digit tax id is a RUT", { ...UY, recipient_tax_id: "211003420017" }, []],
  ["PY: RUC", PY, []],
  ["PY: a CI with its kind", { ...PY, recipient_tax_id: "1234567", recipient_tax_id_kind: "CI" }, []],
  ["other: IBAN and SWIFT", OTHER, []],
  [
    "other: a Peruvian CCI, RUC by kind",
    {
      ...OTHER,
      iban: "",
      swift: "",
      cci: "01136600010003254221",
      recipient_tax_id: "20512333797",
      recipient_tax_id_kind: "ruc",
    },
    [],
  ],
  [
    "first and last name instead of the whole",
    { ...AR, recipient_name: "", recipient_first_name: "Ana", recipient_last_name: "Pérez" },
    [],
  ],
  ["email empty", { ...AR, recipient_email: " " }, [["recipient_email", "recipient_email_missing"]]],
  // The last ones (helper-108): default-ignorable code points and the blank Braille pattern.
  ...[
    "\u200b",
    "\u200d",
    "\u2060",
    "\u00ad",
    "\u200e",
    "\ufeff",
    "\u0007",
    "\u034f",
    "\ufe0f",
    "\u3164",
    "\u115f",
    "\u1160",
    "\uffa0",
    "\u2800",
    "\u17b4",
  ].map((mark): [string, Record<string, string>, [string, string][]] => [
    `email with U+${(mark.codePointAt(0) ?? 0).toString(16)} no screen shows`,
    { ...AR, recipient_email: `ana.perez${mark}@example.com` },
    [["recipient_email", "recipient_email_invisible"]],
  ]),
  [
    "email without a domain",
    { ...AR, recipient_email: "ana@example" },
    [["recipient_email", "recipient_email_invalid"]],
  ],
  [
    "full-width letters (helper-110)",
    { ...AR, recipient_email: "ａｎａ@example.com" },
    [["recipient_email", "recipient_email_invalid"]],
  ],
  // helper-108: another text around the address was taken for another address (a second user).
  ...[
    "mailto:ana@example.com",
    "<ana@example.com>",
    "Ana <ana@example.com>",
    "ana@exam_ple.com",
    "ana@-example.com",
  ].map((email): [string, Record<string, string>, [string, string][]] => [
    `"${email}": not an address`,
    { ...AR, recipient_email: email },
    [["recipient_email", "recipient_email_invalid"]],
  ]),
  ...["ana+nov@example.com", "josé.pérez@empresa.com.ar", "o'brien@example.co.uk"].map(
    (email): [string, Record<string, string>, [string, string][]] => [
      `"${email}": an address`,
      { ...AR, recipient_email: email },
      [],
    ],
  ),
  ["no name", { ...AR, recipient_name: "" }, [["recipient_name", "recipient_name_missing"]]],
  [
    "first name without last",
    { ...AR, recipient_name: "", recipient_first_name: "Ana" },
    [["recipient_last_name", "recipient_last_name_missing"]],
  ],
  ["tax id empty", { ...AR, recipient_tax_id: "" }, [["recipient_tax_id", "recipient_tax_id_missing"]]],
  [
    "CUIT with a wrong check digit",
    { ...AR, recipient_tax_id: "20267565392" },
    [["recipient_tax_id", "id_wrong_check_digit"]],
  ],
  [
    "CUIT in scientific notation",
    { ...AR, recipient_tax_id: "2,00554E+10" },
    [["recipient_tax_id", "excel_scientific_notation"]],
  ],
  [
    "a tax id kind the country has not",
    { ...AR, recipient_tax_id_kind: "rfc" },
    [["recipient_tax_id_kind", "tax_id_kind_unknown"]],
  ],
  [
    "RFC badly laid out",
    { ...MX, recipient_tax_id: "123456789012" },
    [["recipient_tax_id", "id_invalid_part"]],
  ],
  [
    "CBU that lost its leading 0",
    { ...AR, cbu: "110012920000091344977" },
    [["cbu", "excel_leading_zero_lost"]],
  ],
  [
    "CBU zeroed after the 15th digit",
    { ...AR, cbu: "2850590940090410000000" },
    [["cbu", "excel_precision_loss"]],
  ],
  ["CBU and CVU both", { ...AR, cvu: "0000003100062244154712" }, [["cvu", "account_twice"]]],
  ["AR without an account", { ...AR, cbu: "" }, [["cbu", "account_missing"]]],
  [
    "a CLABE on an Argentine port",
    { ...AR, clabe: "002000000000000008" },
    [["clabe", "account_column_not_for_port"]],
  ],
  [
    "CLABE with a wrong check digit",
    { ...MX, clabe: "002000000000000009" },
    [["clabe", "id_wrong_check_digit"]],
  ],
  ["CL without bank", { ...CL, bank: "" }, [["bank", "bank_missing"]]],
  ["CL bank not a Bitex code", { ...CL, bank: "Banco de Chile" }, [["bank", "bank_unknown"]]],
  ["CL account type unknown", { ...CL, account_type: "vista" }, [["account_type", "account_type_unknown"]]],
  [
    "CL RUT with a wrong check digit",
    { ...CL, recipient_tax_id: "10626628-1" },
    [["recipient_tax_id", "id_wrong_check_digit"]],
  ],
  [
    "account number with letters",
    { ...CL, account_number: "12A45" },
    [["account_number", "id_bad_characters"]],
  ],
  [
    "account number zeroed after the 15th digit",
    { ...CL, account_number: "1234567890123450000" },
    [["account_number", "excel_precision_loss"]],
  ],
  [
    "US routing with a wrong check digit",
    { ...US, routing_number: "021000022" },
    [["routing_number", "id_wrong_check_digit"]],
  ],
  ["US without routing", { ...US, routing_number: "" }, [["routing_number", "routing_number_missing"]]],
  [
    "IBAN with a wrong check",
    { ...OTHER, iban: "DE89370400440532013001" },
    [["iban", "id_wrong_check_digit"]],
  ],
  [
    "other by account number needs SWIFT",
    { ...OTHER, iban: "", swift: "", account_number: "123456789" },
    [["swift", "swift_missing"]],
  ],
  ["SWIFT badly laid out", { ...OTHER, swift: "12345678" }, [["swift", "id_invalid_part"]]],
];

describe("validate: payee by details", () => {
  for (const [what, row, expected] of TABLE) {
    it(`${what} → ${expected.length === 0 ? "valid" : expected.map((e) => e[1]).join(", ")}`, () => {
      expect(errorsOf(check([row]))).to.deep.equal(expected);
    });
  }

  it("gives the payee compact and canonical: email as written, name, tax id kind, account", () => {
    const [item] = check([CL]);
    expect(item?.ok && item.row).to.deep.include({ recipientUserId: "", withdrawalInstructionId: "" });
    const payee: PayeeDetails | undefined = item?.ok ? item.row.payee : undefined;
    expect(payee).to.deep.equal({
      email: "Ana.Perez@Example.com",
      name: "Ana Pérez",
      firstName: "",
      lastName: "",
      taxId: "10626628K",
      taxIdKind: "rut",
      account: {
        kind: "account_number",
        number: "0012345678",
        bank: "santander_ch",
        accountType: "checking",
        routingNumber: "",
        swift: "",
      },
    });
  });

  it("names both ways when a row gives neither ids nor details", () => {
    const neither = { ...AR, recipient_email: "", recipient_name: "", recipient_tax_id: "", cbu: "" };
    const [item] = check([neither]);
    expect(item?.ok).to.equal(false);
    if (item?.ok !== false) return;
    expect(item.errors).to.deep.equal([
      {
        line: 2,
        column: "",
        code: "payee_missing",
        message:
          "the row names no payee; give recipient_user_id and withdrawal_instruction_id, or the payee's details (recipient_email, recipient_name, recipient_tax_id and the bank account for the port's country)",
      },
    ]);
  });

  it("a file whose header has no details column: a row without ids gets the id errors as always", () => {
    const neither = { ...AR, recipient_email: "", recipient_name: "", recipient_tax_id: "", cbu: "" };
    expect(errorsOf(check([neither], {}))).to.deep.equal([
      ["recipient_user_id", "recipient_user_id_missing"],
      ["withdrawal_instruction_id", "withdrawal_instruction_id_missing"],
    ]);
  });

  it("a row with ids and details: both checked, the ids kept for resolution to compare", () => {
    const [item] = check([{ ...AR, recipient_user_id: "300", withdrawal_instruction_id: "2100" }]);
    expect(item?.ok).to.equal(true);
    if (!item?.ok) return;
    expect([
      item.row.recipientUserId,
      item.row.withdrawalInstructionId,
      item.row.payee?.account.number,
    ]).to.deep.equal(["300", "2100", "2850590940090418135201"]);
    const bad = check([{ ...AR, recipient_user_id: "300", withdrawal_instruction_id: "", cbu: "1" }]);
    expect(errorsOf(bad)).to.deep.equal([
      ["withdrawal_instruction_id", "withdrawal_instruction_id_missing"],
      ["cbu", "id_wrong_length"],
    ]);
  });

  it("two rows to one payee and account with one amount and no references are a possible duplicate", () => {
    const rows = check([
      AR,
      { ...AR, recipient_email: "ana.perez@example.com" },
      { ...AR, cbu: "", cvu: "0000003100062244154712" },
    ]);
    expect(rows.map((item) => (item.ok ? "ok" : item.errors.map((e) => e.code).join()))).to.deep.equal([
      "ok",
      "possible_duplicate",
      "ok",
    ]);
  });

  it("two rows paying one account the same amount are a possible duplicate whatever emails they give", () => {
    const rows = check([AR, { ...AR, recipient_email: "ana.p@example.org" }]);
    expect(rows.map((item) => (item.ok ? "ok" : item.errors.map((e) => e.code).join()))).to.deep.equal([
      "ok",
      "possible_duplicate",
    ]);
  });

  it("a plain account number with and without its leading zeros is one account (as resolution finds it): the second row is a possible duplicate", () => {
    const rows = check([
      CL,
      { ...CL, account_number: "12345678" },
      UY,
      { ...UY, account_number: "1234567" },
      // The same digits at another bank: another account, as resolution holds.
      { ...CL, bank: "bco_chile" },
    ]);
    expect(rows.map((item) => (item.ok ? "ok" : item.errors.map((e) => e.code).join()))).to.deep.equal([
      "ok",
      "possible_duplicate",
      "ok",
      "possible_duplicate",
      "ok",
    ]);
  });

  it("a plain number's bank as resolution tells it: its name in any case is one bank, another routing number or SWIFT bank another account", () => {
    const rows = check([
      UY,
      { ...UY, bank: "brou" },
      US,
      { ...US, routing_number: "011000015" },
      { ...OTHER, iban: "", account_number: "998877", swift: "DEUTDEFF" },
      { ...OTHER, iban: "", account_number: "998877", swift: "DEUTDEFFXXX" },
      { ...OTHER, iban: "", account_number: "998877", swift: "COBADEFFXXX" },
    ]);
    expect(rows.map((item) => (item.ok ? "ok" : item.errors.map((e) => e.code).join()))).to.deep.equal([
      "ok",
      "possible_duplicate",
      "ok",
      "ok",
      "ok",
      "possible_duplicate",
      "ok",
    ]);
  });

  it("a bank's name typed two ways outside Chile (free text there) is no other account: the same digits and amount are a possible duplicate (helper-81)", () => {
    const rows = check([
      { ...PY, bank: "Itaú" },
      { ...PY, bank: "Banco Itaú", account_number: "0007654321" },
      { ...UY, bank: "BROU" },
      { ...UY, bank: "Banco República" },
    ]);
    expect(rows.map((item) => (item.ok ? "ok" : item.errors.map((e) => e.code).join()))).to.deep.equal([
      "ok",
      "possible_duplicate",
      "ok",
      "possible_duplicate",
    ]);
  });

  it("an SSN a spreadsheet cut to 8 digits (its leading 0 dropped): the length it should have, and that a 0 may be lost (helper-81)", () => {
    const [item] = check([{ ...US, recipient_tax_id: "12345678" }]);
    expect(item && !item.ok && item.errors.map((e) => `${e.code}: ${e.message}`)).to.deep.equal([
      "id_wrong_length: this SSN/EIN has 8 characters; it should have 9 (a spreadsheet drops a number's leading 0s: if it began with 0, write it as text with them); check that no digit is missing or doubled; copy the number again from the payee's bank or tax document",
    ]);
  });

  it("no message holds the account number or the tax id", () => {
    const rows = check([
      { ...AR, cbu: "2850590940090418135202", recipient_tax_id: "20267565392" },
      { ...CL, account_number: "1234567890123450000" },
    ]);
    const messages = rows.flatMap((item) => (item.ok ? [] : item.errors.map((e) => e.message)));
    expect(messages).to.have.length(3);
    for (const message of messages) {
      for (const secret of [
        "2850590940090418135202",
        "20267565392",
        "1234567890123450000",
        "4135202",
        "5392",
      ])
        expect(message).not.to.include(secret);
    }
  });
});
