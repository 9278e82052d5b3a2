import { expect } from "chai";
import {
  add,
  compare,
  decimal,
  divide,
  format,
  groupDigits,
  multiply,
  normalize,
  padScale,
  rescale,
  shortestDecimal,
  trimScale,
} from "../src/decimal.js";

const d = decimal;

describe("decimal (exact money arithmetic)", () => {
  const cases: Array<[string, () => string, string]> = [
    ["0.1 + 0.2 is exactly 0.3", () => format(add(d("0.1"), d("0.2"))), "0.3"],
    [
      "a value beyond float precision keeps its digits",
      () => format(d("12345678901234567.89")),
      "12345678901234567.89",
    ],
    ["adding different scales", () => format(add(d("1200.5"), d("0.25"))), "1200.75"],
    ["multiply keeps every decimal", () => format(multiply(d("1500.00"), d("0.95"))), "1425.0000"],
    ["rescale rounds half to even (down)", () => format(rescale(d("2.125"), 2)), "2.12"],
    ["rescale rounds half to even (up)", () => format(rescale(d("2.135"), 2)), "2.14"],
    ["rescale rounds above half up", () => format(rescale(d("2.1251"), 2)), "2.13"],
    ["rescale of a negative rounds away at above half", () => format(rescale(d("-2.126"), 2)), "-2.13"],
    ["rescale pads", () => format(rescale(d("7"), 2)), "7.00"],
    ["divide rounds once", () => format(divide(d("1329000"), d("0.95"), 2)), "1398947.37"],
    ["divide by a rate with more decimals", () => format(divide(d("100"), d("0.000135"), 0)), "740741"],
    ["normalize drops trailing zeros", () => normalize(d("1200.50")), "1200.5"],
    ["normalize of a whole number with decimals", () => normalize(d("10.00")), "10"],
    ["small fractions keep leading zeros", () => format(d("0.05")), "0.05"],
    ["trimScale drops zeros beyond the scale only", () => format(trimScale(d("44328.000"), 0)), "44328"],
    ["trimScale keeps the scale's own zeros", () => format(trimScale(d("10.500"), 2)), "10.50"],
    ["trimScale keeps a digit that is not zero", () => format(trimScale(d("0.125"), 2)), "0.125"],
    ["trimScale of a negative", () => format(trimScale(d("-1500000.0000"), 2)), "-1500000.00"],
  ];
  for (const [name, run, expected] of cases) it(name, () => expect(run()).to.equal(expected));

  it("compares across scales", () => {
    expect(compare(d("1.50"), d("1.5"))).to.equal(0);
    expect(compare(d("1.49"), d("1.5"))).to.equal(-1);
    expect(compare(d("10"), d("9.999"))).to.equal(1);
  });

  for (const bad of ["1e3", "1,5", "", ".5", "1.", "+1", "0x10"]) {
    it(`refuses non-canonical text ${JSON.stringify(bad)}`, () => expect(() => d(bad)).to.throw(RangeError));
  }

  it("refuses division by zero", () => expect(() => divide(d("1"), d("0.00"), 2)).to.throw(RangeError));
});

/** Canonical text with and without sign, leading zeros and trailing zeros: the fast paths' edges. */
const CANONICAL_TEXTS = [
  "0",
  "00",
  "0.5",
  "0.50",
  "000.10",
  "10",
  "100",
  "10.00",
  "1200.50",
  "1200.05",
  "-0.50",
  "-007.10",
  "-100",
  "-0",
  "-0.00",
  "-000.0",
  "5.000",
];

describe("shortestDecimal", () => {
  it("equals normalize(decimal(text)) for canonical text", () => {
    for (const text of CANONICAL_TEXTS)
      expect(shortestDecimal(text), text).to.equal(normalize(decimal(text)));
  });
});

describe("padScale", () => {
  it("pads to the currency's decimals and never rounds", () => {
    expect(padScale("1200.5", 2)).to.equal("1200.50");
    expect(padScale("7", 2)).to.equal("7.00");
    expect(padScale("7", 0)).to.equal("7");
    expect(padScale("0.125", 2)).to.equal("0.125");
    expect(padScale("479000", 0)).to.equal("479000");
  });

  // Text without a sign or leading zero is padded as text; the rest goes through bigint.
  it("equals format(rescale(decimal(text))) at scales 0, 2 and 3", () => {
    for (const text of [...CANONICAL_TEXTS, "-0.5"])
      for (const scale of [0, 2, 3]) {
        const value = decimal(text);
        expect(padScale(text, scale), `${text} at ${scale}`).to.equal(
          format(rescale(value, Math.max(value.scale, scale))),
        );
      }
  });

  for (const bad of ["1e3", "1,5", "", ".5", "1.", "+1"]) {
    it(`refuses non-canonical text ${JSON.stringify(bad)}`, () =>
      expect(() => padScale(bad, 2)).to.throw(RangeError));
  }
});

describe("groupDigits: amounts written for people", () => {
  const table: Array<[string, string]> = [
    ["12499143.15", "12\u202f499\u202f143.15"],
    ["1000", "1\u202f000"],
    ["999.99", "999.99"],
    ["-1234567", "-1\u202f234\u202f567"],
    ["44496000", "44\u202f496\u202f000"],
    ["0.00", "0.00"],
    ["1e5", "1e5"],
    ["ARS=100", "ARS=100"],
  ];
  for (const [text, grouped] of table) {
    it(`${text} -> ${JSON.stringify(grouped)}`, () => {
      expect(groupDigits(text)).to.equal(grouped);
    });
  }
});
