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

  it("a header that cannot be read changes nothing", () => {
    let local = 0;
    const pace = new ServerPace(() => local);
    pace.observe(null);
    pace.observe("yesterday");
    local = 5_000;
    expect(pace.pace).to.equal(null);
  });
});
