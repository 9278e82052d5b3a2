/** `watch`'s wait between reads: `--interval` is a span of the server's time (onServerClock). */
import { expect } from "chai";
import { onServerClock } from "../../src/follow/run.js";

describe("follow/watch: the wait between two reads", () => {
  it("against a real-time server, or before its pace is known, is --interval as given", () => {
    expect(onServerClock(30_000, 1)).to.equal(30_000);
    expect(onServerClock(30_000, null)).to.equal(30_000);
    expect(onServerClock(100, 1)).to.equal(100);
  });

  it("against a clock 120 times faster is the same span of its time, never under 250 ms nor longer than asked", () => {
    expect(onServerClock(30_000, 120)).to.equal(250);
    expect(onServerClock(60_000, 120)).to.equal(500);
    expect(onServerClock(30_000, 60)).to.equal(500);
    // Asked for less than the floor: as asked, not slower.
    expect(onServerClock(100, 120)).to.equal(100);
    expect(onServerClock(1_000, 2)).to.equal(500);
  });
});
