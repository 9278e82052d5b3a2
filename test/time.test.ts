/** The operator's times (src/time.ts): one human form, ISO 8601 with offset, countdowns, the zone. */
import { expect } from "chai";
import { countdown, deadlineWords, humanTime, isoTime, operatorZone, serverTime } from "../src/time.js";

const BA = "America/Argentina/Buenos_Aires";
const LATE_NOVEMBER = "2026-12-01T02:30:00Z"; // 23:30 on November 30 in Buenos Aires

describe("times as the operator reads them", () => {
  it("one human form, year first, the zone's wall clock and offset; ISO 8601 in files", () => {
    expect(humanTime(LATE_NOVEMBER, BA)).to.equal("2026-11-30 23:30:00 -03:00");
    expect(humanTime(Date.parse(LATE_NOVEMBER), "UTC")).to.equal("2026-12-01 02:30:00 +00:00");
    // Santiago keeps summer time in December: -03:00, and -04:00 in July.
    expect(humanTime("2026-07-01T12:00:00Z", "America/Santiago")).to.equal("2026-07-01 08:00:00 -04:00");
    expect(isoTime(new Date(LATE_NOVEMBER), BA)).to.equal("2026-11-30T23:30:00-03:00");
    expect(isoTime(LATE_NOVEMBER, "UTC")).to.equal("2026-12-01T02:30:00Z");
  });

  it("a countdown in whole minutes, seconds under a minute, 'ago' once past", () => {
    const now = new Date("2026-12-05T12:00:00Z");
    expect(countdown("2026-12-05T12:09:59Z", now)).to.equal("in 9 min");
    expect(countdown("2026-12-05T12:00:40Z", now)).to.equal("in 40 s");
    expect(countdown("2026-12-05T11:59:30Z", now)).to.equal("30 s ago");
    expect(countdown("2026-12-05T11:57:00Z", now)).to.equal("3 min ago");
    expect(deadlineWords("2026-12-05T12:10:00Z", now, BA)).to.equal("2026-12-05 09:10:00 -03:00 (in 10 min)");
    expect(deadlineWords(null, now, BA)).to.equal("no deadline given");
  });

  it("the zone: --tz checked, else TZ when it names a zone, else this machine's", () => {
    expect(operatorZone(BA, { TZ: "UTC" })).to.equal(BA);
    expect(operatorZone(undefined, { TZ: BA })).to.equal(BA);
    expect(operatorZone(undefined, { TZ: ":/etc/localtime" })).to.equal(
      Intl.DateTimeFormat().resolvedOptions().timeZone,
    );
    expect(() => operatorZone("-03:00", {}))
      .to.throw('--tz: expected an IANA time zone, got "-03:00"')
      .with.property("code", "usage");
  });

  it("the export's zone (strict): a TZ that names no IANA zone is refused, not read as this machine's or UTC (helper-97)", () => {
    for (const tz of ["ART3", "<-03>3", "America/Santiago "])
      expect(() => operatorZone(undefined, { TZ: tz }, true))
        .to.throw(`TZ=${JSON.stringify(tz)} names no IANA time zone, so the period's days cannot be told`)
        .with.property("code", "usage");
    expect(operatorZone(undefined, { TZ: BA }, true)).to.equal(BA);
    // glibc's forms of a zone name (helper-109).
    for (const tz of [":America/Santiago", ":/usr/share/zoneinfo/America/Santiago"])
      expect(operatorZone(undefined, { TZ: tz }, true)).to.equal("America/Santiago");
    expect(operatorZone(BA, { TZ: "ART3" }, true)).to.equal(BA);
    // Elsewhere a time printed with its offset is still right: this machine's zone.
    expect(operatorZone(undefined, { TZ: "ART3" })).to.equal(
      Intl.DateTimeFormat().resolvedOptions().timeZone,
    );
  });

  it("a server's time is read only with its offset: no machine's zone decides what it means", () => {
    expect(serverTime("2026-12-06T16:20:00Z")?.toISOString()).to.equal("2026-12-06T16:20:00.000Z");
    expect(serverTime("2026-12-06T16:20:00.435Z")?.toISOString()).to.equal("2026-12-06T16:20:00.435Z");
    expect(serverTime("2026-12-06T13:20:00.123456-03:00")?.toISOString()).to.equal(
      "2026-12-06T16:20:00.123Z",
    );
    // Without an offset, Date reads it in this machine's zone: one answer, two deadlines.
    for (const text of ["2026-12-06T13:20:00", "2026-12-06", "garbage", "1", "2026-02-30T10:00:00Z", ""])
      expect(serverTime(text), text).to.equal(null);
    expect(serverTime(null)).to.equal(null);
    expect(serverTime(1796563620000)).to.equal(null);
  });

  it("a deadline that is not a time is said as sent, never thrown on nor counted down", () => {
    const now = new Date("2026-12-06T16:00:00Z");
    expect(deadlineWords("2026-12-06T13:20:00", now, BA)).to.equal(
      '"2026-12-06T13:20:00" as the server sent it (no time with a zone to count down to)',
    );
    expect(deadlineWords("garbage", now, BA)).to.equal(
      '"garbage" as the server sent it (no time with a zone to count down to)',
    );
  });
});
