/** The operator's times (src/time.ts): one human form, ISO 8601 with offset, countdowns, the zone. */
import { expect } from "chai";
import { countdown, deadlineWords, humanTime, isoTime, operatorZone } from "../src/time.js";

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
});
