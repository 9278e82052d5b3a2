/**
 * The server's clock as the client keeps it: the offset from each answer's `Date`, named once
 * when over a minute, and followed when the server's clock runs at another rate (the emulator
 * at --time-scale 120).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { createBitexClient } from "../../src/bitex/client.js";
import { describeSkew, ServerClock } from "../../src/bitex/server-clock.js";
import { ServerPace } from "../../src/bitex/server-pace.js";
import { startSandbox } from "../../src/sandbox/index.js";
import { countdown } from "../../src/time.js";
import { TEST_SEED } from "../sandbox/helpers.js";

describe("the server's clock", () => {
  it("takes the offset from Date (the middle of its second), names a skew over a minute once", () => {
    let local = Date.parse("2026-12-05T12:00:00.000Z");
    const named: number[] = [];
    const clock = new ServerClock(
      () => local,
      (offset) => named.push(offset),
    );
    expect(clock.now().toISOString()).to.equal("2026-12-05T12:00:00.000Z");
    clock.observe("Sat, 05 Dec 2026 12:00:30 GMT");
    expect([clock.offset, named]).to.deep.equal([30_500, []]);
    clock.observe("Sat, 05 Dec 2026 12:20:00 GMT");
    clock.observe("Sat, 05 Dec 2026 12:20:01 GMT");
    clock.observe("not a date");
    clock.observe(null);
    // Not an HTTP-date: Date.parse reads the first in this machine's zone, the second as 2001.
    clock.observe("Sat, 05 Dec 2026 12:20:01");
    clock.observe("1");
    expect(clock.offset).to.equal(20 * 60_000 + 1500);
    expect(named).to.deep.equal([20 * 60_000 + 500]);
    local += 60_000;
    expect(clock.now().toISOString()).to.equal("2026-12-05T12:21:01.500Z");
    expect(describeSkew(-20 * 60_000)).to.equal(
      "this machine's clock is 20 min ahead of the server's; deadlines and countdowns are judged by the server's clock",
    );
    expect(describeSkew(90_000)).to.match(/^this machine's clock is 2 min behind/);
  });

  it("an answer from a cache (Age) is dated Date + Age: hours old, it does not set the server's clock back", () => {
    const local = Date.parse("2026-12-05T12:00:00.000Z");
    const named: number[] = [];
    const clock = new ServerClock(
      () => local,
      (offset) => named.push(offset),
    );
    // Made three hours ago by the server, kept by a cache since.
    clock.observe("Sat, 05 Dec 2026 09:00:00 GMT", "10800");
    expect([clock.offset, named]).to.deep.equal([500, []]);
    // An Age that is not delta-seconds is no age: Date alone, as without one.
    clock.observe("Sat, 05 Dec 2026 12:00:10 GMT", "soon");
    expect(clock.offset).to.equal(10_500);
    // Nor does it make a real-time server look three hours fast over 3 s.
    let paceLocal = local;
    const pace = new ServerPace(() => paceLocal);
    pace.observe("Sat, 05 Dec 2026 09:00:00 GMT", "10800");
    paceLocal += 3_000;
    pace.observe("Sat, 05 Dec 2026 12:00:03 GMT", null);
    expect(pace.pace).to.equal(1);
  });

  it("follows the emulator's clock at --time-scale 120, and a local clock skewed 20 minutes", async () => {
    const box = await startSandbox({ seed: TEST_SEED, timeScale: 120, faults: { rate_limit: 0 } });
    const skews: number[] = [];
    const client = createBitexClient({
      baseUrl: box.url,
      apiKey: box.apiKey,
      concurrency: 1,
      rate: 1000,
      // This machine's clock, 20 minutes slow.
      localNow: () => Date.now() - 20 * 60_000,
      onSkew: (offset) => skews.push(offset),
    });
    try {
      await client.listPorts();
      // How far the server's clock has run ahead of the real one since it started (× 120): at
      // least as far as when it answered, however long the start-up took on a loaded machine.
      const lead = Date.parse(box.state().clock.now) - Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1500)); // 3 emulated minutes
      await client.listPorts();
      const server = Date.parse(box.state().clock.now);
      // Within the Date header's second, plus the time between the answer and now (× 120).
      expect(Math.abs(client.serverNow().getTime() - server)).to.be.below(120_000 + 1000);
      expect(skews).to.have.length(1);
      // A deadline 10 minutes ahead on the server's clock: "in 9 min" or "in 10 min" by it,
      // where this machine's clock, 20 minutes slow, would count 30.
      const deadline = new Date(Date.parse(box.state().clock.now) + 10 * 60_000);
      expect(countdown(deadline, client.serverNow())).to.be.oneOf(["in 9 min", "in 10 min"]);
      expect(skews[0]).to.be.within(20 * 60_000 - 1000, 20 * 60_000 + lead + 1000);
    } finally {
      client.close();
      await box.close();
    }
  });

  it("takes Date when the answer's headers come, not when its body has ended (a long body is no skew)", async () => {
    const AHEAD_MS = 10 * 60_000;
    const BODY_MS = 3_000;
    // The server's clock 10 minutes ahead; its answer's body comes 3 s after its headers.
    const server = createServer((_request, response) => {
      response.writeHead(200, {
        "Content-Type": "application/vnd.api+json",
        Date: new Date(Date.now() + AHEAD_MS).toUTCString(),
      });
      response.write('{"data":[');
      setTimeout(() => response.end("]}"), BODY_MS);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const client = createBitexClient({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: "k",
      concurrency: 1,
      rate: 1000,
    });
    try {
      await client.listPorts();
      // Good to the header's second (and the loopback's latency); read at the body's end, the
      // server's clock would be taken as 3 s slower than it is.
      const error = client.serverNow().getTime() - (Date.now() + AHEAD_MS);
      expect(error).to.be.within(-1_000, 1_000);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
