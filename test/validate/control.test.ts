/** Control totals (docs/design.md section 3): parsing `--expect-total CUR=AMOUNT`, and what a mismatch says. */
import { expect } from "chai";
import { format } from "../../src/decimal.js";
import type { InputRecord } from "../../src/model.js";
import { controlMismatches, type ExpectedTotal, parseExpectedTotal } from "../../src/validate/control.js";
import { validateRecords } from "../helpers/validate.js";

describe("parseExpectedTotal", () => {
  const table: Array<[string, string | null]> = [
    ["CLP=1329000", "CLP 1329000"],
    ["usd=1250.50", "USD 1250.50"],
    [" ars = 1,250.50 ", "ARS 1250.50"],
    ["UYU=44.328,00", "UYU 44328.00"],
    ["MXN=1 234,5", "MXN 1234.5"],
    ["PYG=7.695.000", "PYG 7695000"],
    ["CLP", null],
    ["CLP=", null],
    ["=100", null],
    ["CL=100", null],
    ["CLPX=100", null],
    ["CLP:100", null],
    ["CLP=abc", null],
    ["CLP=-5", null],
    ["CLP=+5", null],
    ["CLP=1e6", null],
    ["CLP=0", null],
    ["USD=1.234", null], // ambiguous: 1234 or 1.234
  ];
  for (const [text, expected] of table) {
    it(`${JSON.stringify(text)} → ${expected ?? "null"}`, () => {
      const total = parseExpectedTotal(text);
      expect(total && `${total.currency} ${format(total.amount)}`).to.equal(expected);
    });
  }
});

describe("controlMismatches", () => {
  const base = {
    reference: "",
    payer_user_id: "112",
    sender_port: "ar_ars",
    withdrawal_instruction_id: "2100",
  };
  const rows: InputRecord[] = [
    { line: 2, fields: { ...base, recipient_user_id: "300", port: "cl_clp", amount: "1000" } },
    { line: 3, fields: { ...base, recipient_user_id: "301", port: "cl_clp", amount: "2500" } },
    { line: 4, fields: { ...base, recipient_user_id: "302", port: "us_usd", amount: "10.50" } },
    { line: 5, fields: { ...base, recipient_user_id: "303", port: "us_usd", budget: "99.99" } }, // ARS budget
    { line: 6, fields: { ...base, recipient_user_id: "304", port: "us_usd", amount: "0.5" } },
  ];
  const checked = validateRecords(rows);
  const bad = validateRecords([
    ...rows,
    { line: 7, fields: { ...base, recipient_user_id: "305", port: "us_usd", amount: "x" } },
  ]);
  const total = (text: string): ExpectedTotal => parseExpectedTotal(text) as ExpectedTotal;

  const table: Array<[string, typeof checked, { rows?: number; totals?: string[] }, string[]]> = [
    ["nothing expected", checked, {}, []],
    ["row count matches", checked, { rows: 5 }, []],
    ["row count differs", checked, { rows: 6 }, ["rows: expected 6, found 5"]],
    ["invalid rows count as rows", bad, { rows: 6 }, []],
    ["totals match", checked, { totals: ["CLP=3500", "USD=11", "ARS=99.99"] }, []],
    ["trailing zeros do not matter", checked, { totals: ["CLP=3500.00", "USD=11.0"] }, []],
    ["a total differs", checked, { totals: ["CLP=3400"] }, ["CLP total: expected 3400, found 3500"]],
    [
      "USD shown with 2 decimals",
      checked,
      { totals: ["USD=11.5"] },
      ["USD total: expected 11.50, found 11.00"],
    ],
    [
      "CLP with decimals is not rounded away",
      checked,
      { totals: ["CLP=3500.4"] },
      ["CLP total: expected 3500.4, found 3500.0"],
    ],
    [
      "a currency absent from the file",
      checked,
      { totals: ["EUR=5"] },
      ["EUR total: expected 5.00, found 0.00"],
    ],
    [
      "count and totals together",
      checked,
      { rows: 4, totals: ["CLP=1", "USD=11"] },
      ["rows: expected 4, found 5", "CLP total: expected 1, found 3500"],
    ],
    [
      "invalid rows are not in the totals, and the message says so",
      bad,
      { totals: ["USD=11", "CLP=3400"] },
      ["CLP total: expected 3400, found 3500 (1 invalid row not counted)"],
    ],
  ];
  for (const [what, rowsIn, expected, mismatches] of table) {
    it(what, () => {
      const found = controlMismatches(rowsIn, { rows: expected.rows, totals: expected.totals?.map(total) });
      expect(found).to.deep.equal(mismatches);
    });
  }
});
