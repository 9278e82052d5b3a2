/**
 * validateRecords: every error code it can produce, as a table of
 * one-liners (records in → {line, column, code} out), then the exact ValidRow of a good row.
 */
import { expect } from "chai";
import type { CheckedRow, InputRecord } from "../../src/model.js";
import type { ValidateOptions } from "../../src/validate/rows.js";
import { validateRecords } from "../helpers/validate.js";

type Cells = NonNullable<InputRecord["fields"]>;

/** A valid row of the demo world: ARS payer 112 pays 1000 CLP to user 300 on instruction 2100. */
const BASE: Cells = {
  reference: "",
  payer_user_id: "112",
  sender_port: "ar_ars",
  recipient_user_id: "300",
  port: "cl_clp",
  amount: "1000",
  budget: "",
  withdrawal_instruction_id: "2100",
};

/** Records on lines 2, 3, … from overrides of BASE. */
function records(rows: readonly Cells[]): InputRecord[] {
  return rows.map((fields, i) => ({ line: i + 2, fields: { ...BASE, ...fields } }));
}

type Found = [line: number, column: string, code: string];

function errorsOf(checked: readonly CheckedRow[]): Found[] {
  return checked.flatMap((item) =>
    item.ok ? [] : item.errors.map((e): Found => [e.line, e.column, e.code]),
  );
}

const usd = { port: "us_usd", withdrawal_instruction_id: "2104", recipient_user_id: "304" };

// [what, rows (overrides of BASE), options, expected errors]
const TABLE: Array<[string, Cells[], ValidateOptions, Found[]]> = [
  ["a valid row", [{}], {}, []],
  ["sender_port empty", [{ sender_port: "" }], {}, [[2, "sender_port", "sender_port_missing"]]],
  ["sender_port empty, --sender-port fills it", [{ sender_port: "" }], { senderPort: "ar_ars" }, []],
  [
    "--sender-port not a port",
    [{ sender_port: "" }],
    { senderPort: "ar" },
    [[2, "sender_port", "unknown_port"]],
  ],
  ["sender_port not a port", [{ sender_port: "ar_xyz" }], {}, [[2, "sender_port", "unknown_port"]]],
  ["port empty", [{ port: "" }], {}, [[2, "port", "port_missing"]]],
  ["port not a port", [{ port: "chile" }], {}, [[2, "port", "unknown_port"]]],
  [
    "recipient empty",
    [{ recipient_user_id: "" }],
    {},
    [[2, "recipient_user_id", "recipient_user_id_missing"]],
  ],
  [
    "instruction empty",
    [{ withdrawal_instruction_id: "  " }],
    {},
    [[2, "withdrawal_instruction_id", "withdrawal_instruction_id_missing"]],
  ],
  ["recipient not digits", [{ recipient_user_id: "Ana" }], {}, [[2, "recipient_user_id", "id_not_numeric"]]],
  ["payer not digits", [{ payer_user_id: "112.0" }], {}, [[2, "payer_user_id", "id_not_numeric"]]],
  ["--payer not digits", [{ payer_user_id: "" }], { payer: "x" }, [[2, "payer_user_id", "id_not_numeric"]]],
  [
    "instruction in scientific notation",
    [{ withdrawal_instruction_id: "2.1E+03" }],
    {},
    [[2, "withdrawal_instruction_id", "excel_damaged_number"]],
  ],
  [
    "recipient that lost digits",
    [{ recipient_user_id: "1234567890123450" }],
    {},
    [[2, "recipient_user_id", "excel_damaged_number"]],
  ],
  ["amount and budget both empty", [{ amount: "" }], {}, [[2, "amount", "amount_missing"]]],
  ["amount and budget both filled", [{ budget: "5000" }], {}, [[2, "budget", "amount_and_budget"]]],
  ["amount not a number", [{ amount: "mil" }], {}, [[2, "amount", "amount_not_a_number"]]],
  ["amount 1e3", [{ amount: "1e3" }], {}, [[2, "amount", "amount_exponent"]]],
  ["amount 0x10", [{ amount: "0x10" }], {}, [[2, "amount", "amount_hex"]]],
  ["amount +5", [{ amount: "+5" }], {}, [[2, "amount", "amount_sign"]]],
  ["amount -5", [{ amount: "-5" }], {}, [[2, "amount", "amount_negative"]]],
  ["amount $100", [{ amount: "$100" }], {}, [[2, "amount", "amount_currency_symbol"]]],
  ["amount 0", [{ amount: "0" }], {}, [[2, "amount", "amount_zero"]]],
  ["budget 0,00", [{ amount: "", budget: "0,00" }], {}, [[2, "budget", "amount_zero"]]],
  ["amount of 14 digits", [{ amount: "12345678901234" }], {}, [[2, "amount", "amount_too_large"]]],
  ["amount 1.234 alone", [{ amount: "1.234" }], {}, [[2, "amount", "amount_ambiguous"]]],
  ["amount 1.234 in a decimal-comma file", [{ amount: "1.234" }, { amount: "5,5", ...usd }], {}, []],
  [
    "USD 1.500 in a decimal-point file: thousands, not 1.5",
    [
      { amount: "12.50", ...usd },
      { amount: "1.500", ...usd },
    ],
    {},
    [[3, "amount", "amount_ambiguous"]],
  ],
  [
    "USD 1,500 in a decimal-comma file: thousands, not 1.5",
    [
      { amount: "12,50", ...usd },
      { amount: "1,500", ...usd },
    ],
    {},
    [[3, "amount", "amount_ambiguous"]],
  ],
  [
    "USD 1.234 in a decimal-point file: thousands, not a value to round",
    [
      { amount: "12.50", ...usd },
      { amount: "1.234", ...usd },
    ],
    {},
    [[3, "amount", "amount_ambiguous"]],
  ],
  [
    "USD 1.500 in a decimal-comma file is 1500",
    [
      { amount: "12,50", ...usd },
      { amount: "1.500", ...usd },
    ],
    {},
    [],
  ],
  [
    "a file mixing decimal separators",
    [{ amount: "1.234,5", ...usd }, { amount: "1,234.5", ...usd }, { amount: "2000" }],
    {},
    [
      [2, "amount", "amount_convention_conflict"],
      [3, "amount", "amount_convention_conflict"],
    ],
  ],
  [
    "a value against --decimal-separator",
    [{ amount: "12,5", ...usd }],
    { decimalSeparator: "." },
    [[2, "amount", "amount_convention_conflict"]],
  ],
  ["CLP amount with decimals", [{ amount: "1000.5" }], {}, [[2, "amount", "amount_too_many_decimals"]]],
  ["CLP amount with zero decimals", [{ amount: "1000,00" }], {}, []],
  [
    "PYG amount with decimals",
    [{ port: "py_pyg", amount: "10.5" }],
    {},
    [[2, "amount", "amount_too_many_decimals"]],
  ],
  ["USD amount with 2 decimals", [{ amount: "10.55", ...usd }], {}, []],
  [
    "USD amount with 4 decimals",
    [{ amount: "10.5555", ...usd }],
    {},
    [[2, "amount", "amount_too_many_decimals"]],
  ],
  ["ARS budget to CLP with 2 decimals", [{ amount: "", budget: "1000.55" }], {}, []],
  [
    "ARS budget with 3 decimals",
    [{ amount: "", budget: "1000.555" }],
    {},
    [[2, "budget", "amount_too_many_decimals"]],
  ],
  [
    "CLP budget (sender currency) with decimals",
    [{ sender_port: "cl_clp", amount: "", budget: "1000.5", ...usd }],
    {},
    [[2, "budget", "amount_too_many_decimals"]],
  ],
  [
    "reference used twice",
    [{ reference: "EMP-1" }, { reference: "EMP-2" }, { reference: "EMP-1", amount: "2000" }],
    {},
    [[4, "reference", "duplicate_reference"]],
  ],
  ["identical rows without references", [{}, {}], {}, [[3, "", "possible_duplicate"]]],
  ["identical rows, one reference", [{ reference: "A" }, {}], {}, [[3, "", "possible_duplicate"]]],
  [
    "identical rows with the same reference: one error, a copy",
    [{ reference: "A" }, { reference: "A" }],
    {},
    [[3, "", "possible_duplicate"]],
  ],
  ["identical rows with distinct references", [{ reference: "A" }, { reference: "B" }], {}, []],
  [
    "identical rows with distinct references, then one without",
    [{ reference: "A" }, { reference: "B" }, {}],
    {},
    [[4, "", "possible_duplicate"]],
  ],
  ["identical rows with --allow-duplicates", [{}, {}], { allowDuplicates: true }, []],
  ["1000 and 1000.00 are the same payment", [{}, { amount: "1000.00" }], {}, [[3, "", "possible_duplicate"]]],
  [
    "ids with leading zeros name the same payer, recipient and instruction (Bitex ids are numbers)",
    [{}, { payer_user_id: "0112", recipient_user_id: "00300", withdrawal_instruction_id: "02100" }],
    {},
    [[3, "", "possible_duplicate"]],
  ],
  [
    "--payer makes a row the same as one naming it",
    [{}, { payer_user_id: "" }],
    { payer: "112" },
    [[3, "", "possible_duplicate"]],
  ],
  ["same figure as amount and as budget differ", [{}, { amount: "", budget: "1000" }], {}, []],
  [
    "a row of several errors",
    [{ port: "", amount: "" }],
    {},
    [
      [2, "port", "port_missing"],
      [2, "amount", "amount_missing"],
    ],
  ],
];

describe("validateRecords: every error code", () => {
  for (const [what, rows, options, expected] of TABLE) {
    it(`${what} → ${expected.map((e) => e.join(":")).join(", ") || "valid"}`, () => {
      const checked = validateRecords(records(rows), options);
      expect(checked.map((item) => item.line)).to.deep.equal(rows.map((_, i) => i + 2));
      expect(errorsOf(checked)).to.deep.equal(expected);
      for (const item of checked)
        if (!item.ok) for (const e of item.errors) expect(e.message).to.not.equal("");
    });
  }

  it("too_many_fields from the reader stays with its row", () => {
    const problem = { column: "", code: "too_many_fields", message: "the row has 9 fields" };
    const checked = validateRecords([{ line: 7, fields: BASE, problems: [problem] }]);
    expect(errorsOf(checked)).to.deep.equal([[7, "", "too_many_fields"]]);
  });

  it("an ambiguous 1.500 read as a decimal says which whole amount is meant, in any currency", () => {
    const checked = validateRecords(
      records([{ amount: "12.50", ...usd }, { amount: "1.500", ...usd }, { amount: "479.000" }]),
    );
    const messages = checked.map((item) => (item.ok ? [] : item.errors.map((e) => e.message)));
    expect(messages).to.deep.equal([
      [],
      [
        'read as 1.5 USD, but USD has at most 2 decimals and three digits after "." look like thousands; if 1500 is meant, write 1500; if 1.5 is meant, write 1.50',
      ],
      [
        'read as 479 CLP, but CLP has no decimals and three digits after "." look like thousands; if 479000 is meant, write 479000',
      ],
    ]);
  });

  it("duplicate_reference names the first line; possible_duplicate names the earlier row, deleting first", () => {
    const checked = validateRecords(
      records([{ reference: "EMP-9" }, { reference: "EMP-9" }, { reference: "EMP-9", amount: "5" }, {}]),
    );
    const messages = checked.map((item) => (item.ok ? [] : item.errors.map((e) => e.message)));
    expect(messages).to.deep.equal([
      [],
      [
        "a copy of line 2 (same reference, payer, ports, recipient, amount, instruction): delete the copy; if both payments are meant, give them distinct references",
      ],
      [
        'reference "EMP-9" is already used on line 2; references must be unique within a file (compared as they look: case, spaces and dashes aside)',
      ],
      [
        "the same payment as line 2 (payer, ports, recipient, amount, instruction): delete the copy; if both payments are meant, give them distinct references (or pass --allow-duplicates)",
      ],
    ]);
  });

  it("references are compared as they look: a zero-width space, a non-breaking space, a typographic dash or case do not make a second payment (helper-88)", () => {
    const checked = validateRecords(
      records([
        { reference: "EMP-1001" },
        { reference: "EMP-1001\u200b" },
        { reference: "EMP\u00a02", amount: "7" },
        { reference: "EMP 2", amount: "7" },
        { reference: "EMP-3", amount: "8" },
        { reference: "EMP\u20103", amount: "8" },
        { reference: "EMP-4", amount: "9" },
        { reference: "emp-4", amount: "9" },
        { reference: "EMP-5", amount: "10" },
        // Tabs and line breaks are spacing in a reference, not invisible (helper-92).
        { reference: "EMP-6\t", amount: "11" },
        { reference: "EMP 7\nmarzo", amount: "12" },
        { reference: "EMP 7 marzo", amount: "12" },
      ]),
    );
    expect(errorsOf(checked)).to.deep.equal([
      [3, "reference", "reference_invisible"],
      [3, "", "possible_duplicate"],
      [5, "", "possible_duplicate"],
      [7, "", "possible_duplicate"],
      [9, "", "possible_duplicate"],
      [13, "", "possible_duplicate"],
    ]);
    const second = checked[1];
    expect(second?.ok ? [] : second?.errors.map((e) => e.message)).to.deep.equal([
      "the reference holds a character no screen shows (U+200B) at character 9; type the reference again",
      "a copy of line 2 (same reference, payer, ports, recipient, amount, instruction): delete the copy; if both payments are meant, give them distinct references",
    ]);
  });

  it("a valid row is exactly this ValidRow (trimmed, lower-case ports, canonical amount)", () => {
    const [item] = validateRecords([
      {
        line: 5,
        fields: {
          ...BASE,
          reference: " EMP-1 ",
          sender_port: " AR_ARS ",
          port: "CL_CLP",
          amount: " 1.329.000 ",
        },
      },
    ]);
    expect(item).to.deep.equal({
      line: 5,
      ok: true,
      row: {
        line: 5,
        reference: " EMP-1 ",
        payerUserId: "112",
        senderPort: "ar_ars",
        recipientUserId: "300",
        port: "cl_clp",
        amount: "1329000",
        budget: null,
        withdrawalInstructionId: "2100",
      },
      raw: {
        ...BASE,
        reference: " EMP-1 ",
        sender_port: "AR_ARS",
        port: "CL_CLP",
        amount: "1.329.000",
        extra: {},
      },
    });
  });

  it("a budget row; --sender-port and --payer fill empty cells but never override filled ones", () => {
    const checked = validateRecords(
      records([
        { sender_port: "", payer_user_id: "", amount: "", budget: "1250.50" },
        { sender_port: "us_usd", payer_user_id: "113", ...usd, amount: "20" },
      ]),
      { senderPort: "ar_ars", payer: "112" },
    );
    expect(
      checked.map((item) =>
        item.ok ? [item.row.senderPort, item.row.payerUserId, item.row.amount, item.row.budget] : null,
      ),
    ).to.deep.equal([
      ["ar_ars", "112", null, "1250.50"],
      ["us_usd", "113", "20", null],
    ]);
  });

  it("never throws for bad rows: one checked row per record, in order", () => {
    const junk: InputRecord[] = [
      { line: 2, fields: {} },
      { line: 3, fields: { amount: "1.2.3", budget: "", port: "__proto__", sender_port: "constructor" } },
      {
        line: 4,
        fields: {
          reference: "=1+1",
          amount: "\u00a0",
          recipient_user_id: "1e999",
          withdrawal_instruction_id: "-",
        },
      },
      { line: 5, fields: { ...BASE, amount: "9".repeat(400) } },
      { line: 6, fields: { ...BASE, amount: "１０００" } },
      { line: 7, fields: { ...BASE, amount: "1,5E+3" }, extra: { "": "x" } },
    ];
    const checked = validateRecords(junk);
    expect(checked.map((item) => [item.line, item.ok])).to.deep.equal(junk.map((r) => [r.line, false]));
  });
});
