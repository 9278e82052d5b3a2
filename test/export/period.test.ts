import { expect } from "chai";
import { type PeriodArgs, periodOf } from "../../src/export/period.js";
import { checkZone, isoTime, operatorZone } from "../../src/time.js";

const BA = "America/Argentina/Buenos_Aires";

describe("export period", () => {
  const periods: [PeriodArgs, string, string, string, string, string][] = [
    // args → from, to, start (UTC), end (UTC, excluded), label
    [
      { month: "2026-11", tz: BA },
      "2026-11-01",
      "2026-11-30",
      "2026-11-01T03:00:00.000Z",
      "2026-12-01T03:00:00.000Z",
      "2026-11",
    ],
    [
      { month: "2026-11" },
      "2026-11-01",
      "2026-11-30",
      "2026-11-01T00:00:00.000Z",
      "2026-12-01T00:00:00.000Z",
      "2026-11",
    ],
    [
      { month: "2028-02" },
      "2028-02-01",
      "2028-02-29",
      "2028-02-01T00:00:00.000Z",
      "2028-03-01T00:00:00.000Z",
      "2028-02",
    ],
    [
      { month: "2026-12", tz: "Asia/Kolkata" },
      "2026-12-01",
      "2026-12-31",
      "2026-11-30T18:30:00.000Z",
      "2026-12-31T18:30:00.000Z",
      "2026-12",
    ],
    [
      { from: "2026-11-01", to: "2026-11-15", tz: BA },
      "2026-11-01",
      "2026-11-15",
      "2026-11-01T03:00:00.000Z",
      "2026-11-16T03:00:00.000Z",
      "2026-11-01_2026-11-15",
    ],
    [
      { from: "2026-11-29", to: "2026-11-29" },
      "2026-11-29",
      "2026-11-29",
      "2026-11-29T00:00:00.000Z",
      "2026-11-30T00:00:00.000Z",
      "2026-11-29_2026-11-29",
    ],
    // Chile springs forward at midnight: Sept 6 starts at 01:00 -03:00, and lasts 23 hours,
    // to Sept 7 00:00 -03:00 (not 01:00: that hour is Sept 7's).
    [
      { from: "2026-09-06", to: "2026-09-06", tz: "America/Santiago" },
      "2026-09-06",
      "2026-09-06",
      "2026-09-06T04:00:00.000Z",
      "2026-09-07T03:00:00.000Z",
      "2026-09-06_2026-09-06",
    ],
    // New York's March has a 23-hour day and its end is at -04:00, its start at -05:00.
    [
      { month: "2026-03", tz: "America/New_York" },
      "2026-03-01",
      "2026-03-31",
      "2026-03-01T05:00:00.000Z",
      "2026-04-01T04:00:00.000Z",
      "2026-03",
    ],
  ];
  // A day or month whose midnight does not exist (Chile springs forward at 00:00; Paraguay did
  // until 2024) starts at its first real instant; the next period must start where it ends, so
  // that no hour is in two exports (paid twice in the books) or in none.
  const tiles: Array<[string, PeriodArgs, PeriodArgs]> = [
    [
      "America/Santiago, the day clocks spring forward at midnight, then the next",
      { from: "2026-09-06", to: "2026-09-06", tz: "America/Santiago" },
      { from: "2026-09-07", to: "2026-09-07", tz: "America/Santiago" },
    ],
    [
      "America/Santiago, the half month that ends on that day, then the rest",
      { from: "2026-09-01", to: "2026-09-06", tz: "America/Santiago" },
      { from: "2026-09-07", to: "2026-09-30", tz: "America/Santiago" },
    ],
    [
      "America/Asuncion, a month that began at a missing midnight (2017-10-01), then the next",
      { month: "2017-10", tz: "America/Asuncion" },
      { month: "2017-11", tz: "America/Asuncion" },
    ],
    [
      "America/Santiago, the day clocks fall back at midnight, then the next",
      { from: "2026-04-04", to: "2026-04-04", tz: "America/Santiago" },
      { from: "2026-04-05", to: "2026-04-05", tz: "America/Santiago" },
    ],
  ];
  for (const [what, first, next] of tiles) {
    it(`periods tile: ${what}`, () => {
      expect(periodOf(first).end.toISOString()).to.equal(periodOf(next).start.toISOString());
    });
  }

  for (const [args, from, to, start, end, label] of periods) {
    it(`${JSON.stringify(args)} → [${start}, ${end})`, () => {
      const period = periodOf(args);
      expect({ ...period, start: period.start.toISOString(), end: period.end.toISOString() }).to.deep.equal({
        from,
        to,
        tz: args.tz ?? "UTC",
        start,
        end,
        label,
      });
    });
  }

  const refused: [PeriodArgs, string][] = [
    [{ month: "2026-13" }, '--month: expected YYYY-MM, got "2026-13"'],
    [{ month: "2026-00" }, '--month: expected YYYY-MM, got "2026-00"'],
    [{ month: "2026-1" }, '--month: expected YYYY-MM, got "2026-1"'],
    [{ month: "0099-01" }, '--month: expected YYYY-MM, got "0099-01"'],
    [{ month: "2026-11-01" }, '--month: expected YYYY-MM, got "2026-11-01"'],
    [{ from: "2026-02-29", to: "2026-03-01" }, '--from: expected YYYY-MM-DD, got "2026-02-29"'],
    [{ from: "2026-11-01", to: "2026-11-31" }, '--to: expected YYYY-MM-DD, got "2026-11-31"'],
    [{ from: "2026-11-1", to: "2026-11-30" }, '--from: expected YYYY-MM-DD, got "2026-11-1"'],
    [{ from: "2026-11-02", to: "2026-11-01" }, "--from 2026-11-02 is after --to 2026-11-01"],
    [{ to: "2026-11-01" }, "--from and --to go together"],
    [{ month: "2026-11", to: "2026-11-01" }, "--month and --from/--to both name a period; pick one"],
    [{}, "no period given"],
    [{ month: "2026-11", tz: "Mars/Olympus" }, '--tz: expected an IANA time zone, got "Mars/Olympus"'],
    [{ month: "2026-11", tz: "-03:00" }, '--tz: expected an IANA time zone, got "-03:00"'],
    [{ month: "2026-11", tz: "" }, '--tz: expected an IANA time zone, got ""'],
  ];
  for (const [args, message] of refused) {
    it(`${JSON.stringify(args)} → usage error: ${message}`, () => {
      expect(() => periodOf(args))
        .to.throw(message)
        .with.property("code", "usage");
    });
  }

  it("an unknown zone's error hints at the right spelling", () => {
    expect(() => checkZone("Buenos Aires"))
      .to.throw()
      .with.property("hint")
      .that.includes("America/Argentina/Buenos_Aires");
    expect(checkZone("Etc/GMT+3")).to.equal("Etc/GMT+3");
  });

  const stamps: [string, string, string][] = [
    ["2026-11-01T02:30:00Z", BA, "2026-10-31T23:30:00-03:00"],
    ["2026-11-01T02:30:00.999Z", "UTC", "2026-11-01T02:30:00Z"],
    ["2026-11-03T12:15:00Z", BA, "2026-11-03T09:15:00-03:00"],
    ["2026-07-01T12:00:00Z", "America/New_York", "2026-07-01T08:00:00-04:00"],
    ["2026-12-01T12:00:00Z", "Asia/Kolkata", "2026-12-01T17:30:00+05:30"],
  ];
  for (const [iso, zone, text] of stamps) {
    it(`isoTime ${iso} in ${zone} → ${text}`, () => {
      expect(isoTime(new Date(iso), zone)).to.equal(text);
    });
  }
});

describe("export period without --tz", () => {
  it("TZ=America/Argentina/Buenos_Aires: a request at 23:30 on November 30 there is November's", () => {
    const late = Date.parse("2026-12-01T02:30:00Z"); // 23:30 on November 30 in Buenos Aires
    const period = periodOf({
      month: "2026-11",
      tz: operatorZone(undefined, { TZ: "America/Argentina/Buenos_Aires" }),
    });
    expect(period.tz).to.equal("America/Argentina/Buenos_Aires");
    expect(late >= period.start.getTime() && late < period.end.getTime()).to.equal(true);
    // In UTC (the default before), it fell in December.
    const utc = periodOf({ month: "2026-11", tz: "UTC" });
    expect(late < utc.end.getTime()).to.equal(false);
  });
});
