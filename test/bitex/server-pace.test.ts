import { expect } from "chai";
import { ServerPace } from "../../src/bitex/server-pace.js";

const at = (ms: number) => new Date(ms).toUTCString();

describe("server pace: how fast the server's clock runs, from its Date headers", () => {
  it("is unknown until two seconds of this machine's time were seen", () => {
    let local = 0;
    const pace = new ServerPace(() => local);
    expect(pace.pace).to.equal(null);
    pace.observe(at(1_700_000_000_000));
    local = 1_999;
    pace.observe(at(1_700_000_002_000));
    expect(pace.pace).to.equal(null);
  });

  it("a server on real time, its headers cut to the second, reads as 1", () => {
    let local = 0;
    const pace = new ServerPace(() => local);
    pace.observe(at(1_700_000_000_999));
    local = 2_000;
    pace.observe(at(1_700_000_003_000)); // 3 s of whole-second headers over 2 s
    expect(pace.pace).to.equal(1);
  });

  /** 600 s of the server's headers over 10 s of this machine's time. */
  function sixtyTimes(): ServerPace {
    let local = 0;
    const pace = new ServerPace(() => local);
    pace.observe(at(1_700_000_000_000));
    local = 10_000;
    pace.observe(at(1_700_000_600_000));
    return pace;
  }

  it("an emulator at 60 times real time reads as 60", () => {
    expect(sixtyTimes().pace).to.equal(60);
  });

  it("the slowest pace the headers allow: their span less the second each may have cut", () => {
    expect(sixtyTimes().slowest).to.equal(59.9);
    let local = 0;
    const real = new ServerPace(() => local);
    real.observe(at(1_700_000_000_999));
    local += 2_000;
    real.observe(at(1_700_000_003_000));
    expect(real.slowest).to.equal(1);
    expect(new ServerPace().slowest).to.equal(null);
  });

  it("a first answer a cache kept 5 minutes without an Age: real time again once the recent answers show it (helper-79)", () => {
    let local = 0;
    const pace = new ServerPace(() => local);
    const start = 1_700_000_000_000;
    pace.observe(at(start - 300_000)); // stale by 5 minutes
    local = 1_000;
    pace.observe(at(start + 1_000));
    local = 2_500;
    pace.observe(at(start + 2_500));
    // Since the first answer: 302.5 s over 2.5 s. Over the recent marks (1 s → 2.5 s): 1.5 s over 1.5 s, too short to tell yet.
    expect(pace.pace).to.be.greaterThan(2);
    for (local = 3_500; local <= 7_500; local += 1_000) pace.observe(at(start + local));
    // The stale answer is no longer a mark: the recent pace, 1, is the smaller.
    expect(pace.pace).to.equal(1);
    expect(pace.slowest).to.equal(1);
  });

  it("an emulator at 60 times stays 60 in both spans", () => {
    let local = 0;
    const pace = new ServerPace(() => local);
    for (; local <= 10_000; local += 1_000) pace.observe(at(1_700_000_000_000 + local * 60));
    expect(pace.pace).to.equal(60);
  });

  it("a header that cannot be read changes nothing", () => {
    let local = 0;
    const pace = new ServerPace(() => local);
    pace.observe(null);
    pace.observe("yesterday");
    local = 5_000;
    expect(pace.pace).to.equal(null);
  });
});
