import { expect } from "chai";
import { BatchError } from "../../src/errors.js";
import { exactNumber, moneyDecimals, moneyFormat, xmlSafe, ZoneClock } from "../../src/writers/xlsx-cells.js";

describe("report/xlsx-cells: exactNumber", () => {
  // [decimal text, the number a spreadsheet cell gets, or null: written as text]
  const cases: Array<[string, number | null]> = [
    ["1329000", 1329000],
    ["1250.50", 1250.5],
    ["0.10", 0.1],
    ["0.01", 0.01],
    ["999999999999999", 999999999999999], // 15 digits
    ["1234567890123.45", 1234567890123.45], // 15 significant digits
    ["100000000000000000000", 1e20], // 1 significant digit: exact
    ["9999999999999999", null], // 16 digits: the nearest double is 10000000000000000
    ["9007199254740993", null], // 2^53 + 1
    ["12345678901234567890", null],
    ["0.1234567890123456", null], // 16 significant digits: a double keeps them, a spreadsheet shows 15
    ["1234567890123.456", null],
    ["-5", -5],
    ["1,5", null],
    ["", null],
    ["1e5", null],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected}`, () => {
      expect(exactNumber(text)).to.equal(expected);
    });
  }
});

describe("report/xlsx-cells: money formats", () => {
  it("the currency's decimals, more when the figure has more, never fewer", () => {
    expect(
      ["1329000|CLP", "1250.5|USD", "1250.505|USD", "7|", "7.125|", "10|PYG"].map((s) => {
        const [text = "", currency = ""] = s.split("|");
        return moneyFormat(moneyDecimals(text, currency));
      }),
    ).to.deep.equal(["#,##0", "#,##0.00", "#,##0.000", "#,##0", "#,##0.000", "#,##0"]);
  });
});

describe("report/xlsx-cells: ZoneClock", () => {
  it("shows an instant as the zone's wall clock, DST included", () => {
    const clock = new ZoneClock("America/Santiago");
    // Chile: -03:00 in (southern) summer, -04:00 in winter.
    expect(clock.wall(new Date("2026-01-15T12:00:00Z")).toISOString()).to.equal("2026-01-15T09:00:00.000Z");
    expect(clock.wall(new Date("2026-07-15T12:00:00Z")).toISOString()).to.equal("2026-07-15T08:00:00.000Z");
    expect(new ZoneClock("UTC").wall(new Date("2026-07-15T12:00:00Z")).toISOString()).to.equal(
      "2026-07-15T12:00:00.000Z",
    );
  });

  it("reads the report's own timestamps only; other text is not a time", () => {
    const clock = new ZoneClock("America/Mexico_City");
    expect(clock.fromReport("2026-11-22T10:15:00Z")?.toISOString()).to.equal("2026-11-22T04:15:00.000Z");
    expect(clock.fromReport("2026-11-22 10:15")).to.equal(null);
    expect(clock.fromReport("2026-13-40T10:15:00Z")).to.equal(null);
    expect(clock.fromReport("")).to.equal(null);
  });

  it("a zone that is not an IANA zone is a usage error", () => {
    try {
      new ZoneClock("Mars/Olympus");
      expect.fail("expected a usage error");
    } catch (error) {
      expect(error).to.be.instanceOf(BatchError);
      expect([(error as BatchError).code, (error as BatchError).message]).to.deep.equal([
        "usage",
        'the time zone "Mars/Olympus" is not an IANA zone',
      ]);
    }
  });
});

describe("report/xlsx-cells: xmlSafe", () => {
  it("keeps what XML carries, marks what it cannot with U+FFFD", () => {
    expect(xmlSafe("Pérez, Ana\ttab\nline €")).to.equal("Pérez, Ana\ttab\nline €");
    expect(xmlSafe("a\u0000b\u0008c\u000Bd\u001Fe\u007F")).to.equal("a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFD");
    expect(xmlSafe("x\uD800y\uDC00z 😀")).to.equal("x\uFFFDy\uFFFDz 😀");
  });
});
