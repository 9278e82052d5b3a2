import { expect } from "chai";
import {
  type AmountCell,
  type AmountScan,
  type Convention,
  checkDecimals,
  scanAmount,
  scanByRules,
} from "../../src/read/amount.js";
import { fileConvention, resolveAmounts } from "../helpers/validate.js";

/** Compact expectations: "ok 1234.56 comma", "ambiguous 1.234|1234", "error amount_zero". */
function summary(scan: AmountScan): string {
  if (scan.kind === "ok") return `ok ${scan.value} ${scan.convention}`;
  if (scan.kind === "ambiguous") return `ambiguous ${scan.asDot}|${scan.asComma}`;
  return `error ${scan.code}${scan.convention ? ` ${scan.convention}` : ""}`;
}

describe("scanAmount", () => {
  const table: Array<[string, string]> = [
    // Whole numbers: the same under both conventions.
    ["1234", "ok 1234 either"],
    ["  1234  ", "ok 1234 either"],
    ["007", "ok 7 either"],
    ["1 234", "ok 1234 either"],
    ["1\u00A0234\u00A0567", "ok 1234567 either"],
    ["1\u202F234", "ok 1234 either"],
    // Decimal point proved.
    ["1234.56", "ok 1234.56 dot"],
    ["1,234.56", "ok 1234.56 dot"],
    ["1,234,567.8", "ok 1234567.8 dot"],
    ["1 234.56", "ok 1234.56 dot"],
    ["12.5", "ok 12.5 dot"],
    ["1.5", "ok 1.5 dot"],
    ["0.125", "ok 0.125 dot"],
    ["1234.567", "ok 1234.567 dot"],
    ["1,234,567", "ok 1234567 dot"],
    ["0.50", "ok 0.50 dot"],
    // Decimal comma proved.
    ["1234,56", "ok 1234.56 comma"],
    ["1.234,56", "ok 1234.56 comma"],
    ["1.234.567,89", "ok 1234567.89 comma"],
    ["1 234,56", "ok 1234.56 comma"],
    ["1\u00A0234,56", "ok 1234.56 comma"],
    ["1\u202F234\u202F567,5", "ok 1234567.5 comma"],
    ["1 234,567", "ok 1234.567 comma"],
    ["12,5", "ok 12.5 comma"],
    ["0,125", "ok 0.125 comma"],
    ["1.234.567", "ok 1234567 comma"],
    // Ambiguous: one separator, 1–3 digits before it without a leading zero, 3 after.
    ["1.234", "ambiguous 1.234|1234"],
    ["1,234", "ambiguous 1234|1.234"],
    ["12.345", "ambiguous 12.345|12345"],
    ["123,456", "ambiguous 123456|123.456"],
    ["100.000", "ambiguous 100.000|100000"],
    ["1.000", "ambiguous 1.000|1000"],
    // Refused, each with its own code.
    ["", "error amount_empty"],
    ["   ", "error amount_empty"],
    ["0", "error amount_zero"],
    ["0,00", "error amount_zero comma"],
    ["0.00", "error amount_zero dot"],
    ["000", "error amount_zero"],
    ["1e3", "error amount_exponent"],
    ["1,5E+3", "error amount_exponent"],
    ["1.23457E+15", "error amount_exponent"],
    ["0x10", "error amount_hex"],
    ["+5", "error amount_sign"],
    ["-5", "error amount_negative"],
    ["\u22125", "error amount_negative"],
    ["5-", "error amount_negative"],
    ["(1.234,56)", "error amount_negative"],
    ["1500.-", "error amount_dash"],
    ["1.500,-", "error amount_dash"],
    ["$ 1.234,56", "error amount_currency_symbol"],
    ["1234.56 USD", "error amount_currency_symbol"],
    ["€12", "error amount_currency_symbol"],
    ["CLP 5000", "error amount_currency_symbol"],
    ["12abc", "error amount_not_a_number"],
    ["abc", "error amount_not_a_number"],
    ["1.", "error amount_not_a_number"],
    [".5", "error amount_not_a_number"],
    ["1..2", "error amount_not_a_number"],
    ["1  234", "error amount_not_a_number"],
    ["12%", "error amount_not_a_number"],
    ["NaN", "error amount_not_a_number"],
    ["Infinity", "error amount_not_a_number"],
    ["1.2.3", "error amount_not_a_number"],
    ["1.234.56", "error amount_not_a_number"],
    ["12,34,567.00", "error amount_not_a_number"],
    ["1,234 567", "error amount_not_a_number"],
    ["1.234,567.8", "error amount_not_a_number"],
    ["1 234.567,8", "error amount_not_a_number"],
    ["0.123.456", "error amount_not_a_number"],
    ["1234.567,8", "error amount_not_a_number"],
    ["'1234", "error amount_not_a_number"],
    // Size: 13 integer digits is the most a double holds exactly with 2 decimals.
    ["9999999999999.99", "ok 9999999999999.99 dot"],
    ["9.999.999.999.999,99", "ok 9999999999999.99 comma"],
    ["10000000000000", "error amount_too_large"],
    ["10.000.000.000.000,00", "error amount_too_large comma"],
  ];
  for (const [text, expected] of table) {
    it(`${JSON.stringify(text)} → ${expected}`, () => expect(summary(scanAmount(text))).to.equal(expected));
  }

  it("says how to fix in one sentence", () => {
    const messages = [
      "",
      "1e3",
      "0x10",
      "+5",
      "-5",
      "1500.-",
      "0",
      "$5",
      "12abc",
      "10000000000000",
      "12.50\u200e",
      "\u200b1500",
      "1.500,-",
    ].map((text) => {
      const scan = scanAmount(text);
      return scan.kind === "error" ? scan.message : "";
    });
    expect(messages).to.deep.equal([
      "the amount is empty; write a positive number such as 1234.56 or 1234,56",
      '"1e3" is in scientific notation; write the number in full (format the column as Number in Excel)',
      '"0x10" is hexadecimal; write the amount in decimal digits',
      '"+5" has a "+" sign; write the number without it',
      '"-5" is negative; amounts to pay must be positive',
      '"1500.-" ends in ".-", a way of writing a whole amount, not a number; write it without them (1500)',
      '"0" is zero; remove the row or write the amount to pay',
      '"$5" has a currency sign or code; write only the number (the port sets the currency)',
      '"12abc" is not a number; write a positive number such as 1234.56 or 1234,56',
      '"10000000000000" has more than 13 digits before the decimals; check the column (it may hold an id or an account number)',
      // An invisible character: the amount looks like a number (helper-98).
      '"12.50\u200e" holds a character no screen shows (U+200E) at character 6; type the amount again',
      '"\u200b1500" holds a character no screen shows (U+200B) at character 1; type the amount again',
      // The suggestion is no ambiguous "1.500" (helper-98).
      '"1.500,-" ends in ",-", a way of writing a whole amount, not a number; write it without them (1500)',
    ]);
    for (const message of messages) expect(message).to.not.include("\n");
  });
});

/** A file of amounts, one per line from line 2, as validation passes them. */
function file(...texts: string[]): AmountCell[] {
  return texts.map((text, i) => ({ line: i + 2, column: "amount", scan: scanAmount(text) }));
}

function resolved(cells: AmountCell[], declared?: Convention): string[] {
  const outcomes = resolveAmounts(cells, declared);
  return cells.map((cell) => {
    const outcome = outcomes.get(cell.line);
    if (!outcome) return "missing";
    return "value" in outcome ? outcome.value : outcome.error.code;
  });
}

describe("resolveAmounts", () => {
  it("reads ambiguous values by the convention one other row proves (comma)", () => {
    expect(resolved(file("1.234", "1,234", "1.234,56", "500"))).to.deep.equal([
      "1234",
      "1.234",
      "1234.56",
      "500",
    ]);
  });

  it("reads ambiguous values by the convention one other row proves (dot)", () => {
    expect(resolved(file("1.234", "1,234", "12.5"))).to.deep.equal(["1.234", "1234", "12.5"]);
  });

  it("takes grouping as proof: 1.234.567 means a decimal comma", () => {
    expect(resolved(file("1.500", "1.234.567"))).to.deep.equal(["1500", "1234567"]);
  });

  it("takes a refused value's separators as proof too (0,00 is still a decimal comma)", () => {
    expect(resolved(file("0,00", "2.500"))).to.deep.equal(["amount_zero", "2500"]);
  });

  it("refuses an ambiguous value in a file that gives no evidence, naming both readings", () => {
    const cells = file("1.234", "1 500", "700");
    expect(resolved(cells)).to.deep.equal(["amount_ambiguous", "1500", "700"]);
    expect(resolveAmounts(cells).get(2)).to.deep.equal({
      error: {
        code: "amount_ambiguous",
        message:
          '"1.234" could be 1234 or 1.234 and no other amount in the file says which; pass --decimal-separator . or ,',
      },
    });
    expect(resolveAmounts(file("1,234")).get(2)).to.deep.equal({
      error: {
        code: "amount_ambiguous",
        message:
          '"1,234" could be 1234 or 1.234 and no other amount in the file says which; pass --decimal-separator . or ,',
      },
    });
    // The decimal reading as a number reads, not with the grouping's zeros (helper-98).
    expect(resolveAmounts(file("1.500")).get(2)).to.deep.equal({
      error: {
        code: "amount_ambiguous",
        message:
          '"1.500" could be 1500 or 1.5 and no other amount in the file says which; pass --decimal-separator . or ,',
      },
    });
  });

  it("refuses a file that contradicts itself, naming a line of each convention", () => {
    const cells = file("1.234,56", "100", "1.500", "1,234.56", "12,5");
    expect(resolved(cells)).to.deep.equal([
      "amount_convention_conflict",
      "100",
      "amount_convention_conflict",
      "amount_convention_conflict",
      "amount_convention_conflict",
    ]);
    expect(resolveAmounts(cells).get(4)).to.deep.equal({
      error: {
        code: "amount_convention_conflict",
        message:
          'this file mixes decimal separators: line 2 has "1.234,56" (decimal comma) and line 5 has "1,234.56" (decimal point); make them agree or pass --decimal-separator',
      },
    });
  });

  it("refuses 12.5 next to 1.234.567 (a point as decimal and as grouping)", () => {
    expect(resolved(file("12.5", "1.234.567"))).to.deep.equal([
      "amount_convention_conflict",
      "amount_convention_conflict",
    ]);
  });

  it("follows a declared separator, and refuses values written the other way", () => {
    expect(resolved(file("1.234", "1,234", "1234", "1 234,5", "12.5"), "comma")).to.deep.equal([
      "1234",
      "1.234",
      "1234",
      "1234.5",
      "amount_convention_conflict",
    ]);
    expect(resolved(file("1.234", "1,234", "1,234.5", "12,5"), "dot")).to.deep.equal([
      "1.234",
      "1234",
      "1234.5",
      "amount_convention_conflict",
    ]);
    expect(resolveAmounts(file("12,5"), "dot").get(2)).to.deep.equal({
      error: {
        code: "amount_convention_conflict",
        message:
          '"12,5" is written with a decimal comma, but --decimal-separator . was given; fix the value or the option',
      },
    });
  });

  it("lets a declared separator settle a self-contradicting file", () => {
    expect(resolved(file("1.234,56", "1,234.56"), "comma")).to.deep.equal([
      "1234.56",
      "amount_convention_conflict",
    ]);
  });

  it("passes refusals through and resolves amount and budget cells together", () => {
    const cells: AmountCell[] = [
      { line: 2, column: "amount", scan: scanAmount("-5") },
      { line: 3, column: "budget", scan: scanAmount("1.234,5") },
      { line: 4, column: "amount", scan: scanAmount("2.000") },
    ];
    expect(resolved(cells)).to.deep.equal(["amount_negative", "1234.5", "2000"]);
    expect(fileConvention(cells).convention).to.equal("comma");
  });

  it("refuses a line given twice (one money cell per row)", () => {
    const cells = [...file("1"), ...file("2")];
    expect(() => resolveAmounts(cells)).to.throw(RangeError, "resolveAmounts: line 2 given twice");
  });
});

describe("fileConvention", () => {
  it("reports the first evidence of each convention", () => {
    const cells = file("7", "1.234", "12,5", "3,25", "1.5");
    const result = fileConvention(cells);
    expect(result.convention).to.equal(undefined);
    expect([result.evidence.comma?.line, result.evidence.dot?.line]).to.deep.equal([4, 6]);
    expect(fileConvention(file("7", "1.234")).convention).to.equal(undefined);
    expect(fileConvention(file("7", "1.234"), "dot").convention).to.equal("dot");
  });
});

describe("checkDecimals", () => {
  const table: Array<[string, string, string | null]> = [
    ["1329000", "clp", null],
    ["1329000.00", "clp", null],
    [
      "1329000.5",
      "clp",
      "1329000.5 has 1 decimal, but CLP amounts are whole numbers; round it to a whole CLP amount",
    ],
    ["7695000", "PYG", null],
    [
      "7695000.25",
      "pyg",
      "7695000.25 has 2 decimals, but PYG amounts are whole numbers; round it to a whole PYG amount",
    ],
    ["23886.75", "mxn", null],
    ["23886.7", "mxn", null],
    ["44328.00", "uyu", null],
    ["1.234", "usd", "1.234 has 3 decimals, but USD allows at most 2; round it to 2 decimals"],
    ["1.230", "usd", null],
    ["10.999", "ars", "10.999 has 3 decimals, but ARS allows at most 2; round it to 2 decimals"],
    ["0.01", "eur", null],
  ];
  for (const [value, currency, message] of table) {
    it(`${value} ${currency} → ${message === null ? "ok" : "amount_too_many_decimals"}`, () => {
      expect(checkDecimals(value, currency)).to.deep.equal(
        message === null ? null : { code: "amount_too_many_decimals", message },
      );
    });
  }
});

describe("scanAmount: the shortcut for plain digits agrees with the rules", () => {
  const texts: string[] = [];
  for (const whole of ["0", "00", "1", "01", "12", "123", "1234", "0012", "999", "1000", "12345678901234"])
    for (const tail of ["", ".5", ",5", ".50", ",50", ".123", ",123", ".1234", ",000", ".000", ".0"])
      texts.push(whole + tail);
  it(`gives the same scan for ${texts.length} texts`, () => {
    for (const text of texts) expect(scanAmount(text), text).to.deep.equal(scanByRules(text));
  });
});
