import { expect } from "chai";
import { stopFor } from "../../src/app/stop.js";
import { ARRIVAL_BOUND_MS, CallGate, type GateCall, GateClosedError } from "../../src/bitex/gate.js";
import { BatchError, exitCodeFor } from "../../src/errors.js";
import { FakeClock, settle } from "../helpers/bitex-server.js";

/** Runs `count` calls of `durationMs` virtual ms through the gate; records start times and peak in flight. */
function load(gate: CallGate, clock: FakeClock, count: number, durationMs: number) {
  const starts: number[] = [];
  let inFlight = 0;
  let peak = 0;
  const results = Array.from({ length: count }, (_, i) =>
    gate.run(async (_signal, call) => {
      starts.push(call.startedAtMs);
      peak = Math.max(peak, ++inFlight);
      await clock.sleep(durationMs);
      inFlight--;
      return i;
    }),
  );
  return { starts, peak: () => peak, results: Promise.allSettled(results) };
}

/** The largest number of starts in any closed window [t, t + windowMs]. */
function busiestWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  return Math.max(...sorted.map((t, i) => sorted.filter((u, j) => j >= i && u <= t + windowMs).length));
}

describe("bitex CallGate", () => {
  it("never has more than `concurrency` calls in flight, and reaches it", async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 3, rate: 1000, clock });
    const run = load(gate, clock, 20, 100);
    await clock.run();
    const settled = await run.results;
    expect(run.peak()).to.equal(3);
    expect(settled.map((r) => (r.status === "fulfilled" ? r.value : -1))).to.deep.equal([
      ...Array(20).keys(),
    ]);
  });

  it("starts at most `rate` calls in any second, with the safety margin between bursts", async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 10, rate: 5, clock });
    const run = load(gate, clock, 17, 10);
    await clock.run();
    await run.results;
    // 5 per window; the 6th start waits for the 1st + 1000 ms × 1.015.
    expect(run.starts).to.deep.equal([
      0, 0, 0, 0, 0, 1015, 1015, 1015, 1015, 1015, 2030, 2030, 2030, 2030, 2030, 3045, 3045,
    ]);
    expect(busiestWindow(run.starts, 1000)).to.equal(5);
  });

  it("spaces starts 1/rate apart when rate is below 1", async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 4, rate: 0.5, clock });
    const run = load(gate, clock, 3, 10);
    await clock.run();
    await run.results;
    expect(run.starts).to.deep.equal([0, 2030, 4060]);
  });

  it("a pause holds back every new start, and a shorter pause does not cut it", async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 2, rate: 100, clock });
    const first = load(gate, clock, 2, 100);
    await settle();
    expect(first.starts).to.deep.equal([0, 0]);
    await clock.advance(50);
    gate.pause(300); // until 350, while two calls are in flight
    gate.pause(10);
    const later = load(gate, clock, 4, 10);
    await clock.run();
    await Promise.all([first.results, later.results]);
    expect(later.starts).to.deep.equal([350, 350, 360, 360]);
  });

  it("a pause during a rate wait extends that wait", async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 4, rate: 1, clock });
    const run = load(gate, clock, 2, 10); // second start due at 1015
    await clock.advance(500);
    gate.pause(1000); // until 1500
    await clock.run();
    await run.results;
    expect(run.starts).to.deep.equal([0, 1500]);
  });

  it("close() rejects queued calls with GateClosedError and lets calls in flight finish", async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 1, rate: 1000, clock });
    const run = load(gate, clock, 4, 100);
    await settle();
    gate.close();
    const late = gate.run(async () => "never").catch((error: unknown) => error);
    await clock.run();
    const settled = await run.results;
    expect(settled.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "rejected", "rejected"]);
    for (const r of settled.slice(1))
      expect(r.status === "rejected" && r.reason).to.be.instanceOf(GateClosedError);
    const thrown = await late;
    // src/bitex throws its own errors; the one mapper (stopFor) makes the BatchError.
    expect(thrown).to.be.instanceOf(GateClosedError).and.not.instanceOf(BatchError);
    expect(exitCodeFor(thrown)).to.equal(3);
    const mapped = stopFor(thrown, true);
    expect(mapped).to.be.instanceOf(BatchError);
    expect([mapped.code, exitCodeFor(mapped)]).to.deep.equal(["interrupted", 3]);
    expect(run.starts).to.deep.equal([0]);
  });

  it("close() wakes calls waiting out a pause or a retry delay", async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 2, rate: 1000, clock });
    gate.pause(60_000);
    const waiting = gate
      .run(async () => "never")
      .then(
        () => "ran",
        (e: unknown) => (e instanceof GateClosedError ? "closed" : "other"),
      );
    const delaying = gate.delay(60_000).then(
      () => "slept",
      (e: unknown) => (e instanceof GateClosedError ? "closed" : "other"),
    );
    await clock.advance(10);
    gate.close();
    await settle();
    expect(await waiting).to.equal("closed");
    expect(await delaying).to.equal("closed");
    expect(clock.now()).to.equal(10);
  });

  it("abort() also fires the signal of calls in flight", async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 1, rate: 1000, clock });
    let seen: AbortSignal | undefined;
    const inFlight = gate.run(async (signal) => {
      seen = signal;
      await clock.sleep(1000, signal);
      return signal.aborted;
    });
    await settle();
    gate.abort();
    expect(await inFlight).to.equal(true);
    expect(seen?.aborted).to.equal(true);
    expect(gate.closed).to.equal(true);
  });

  /** Calls that report being sent after `send` ms and get their answer `answer` ms later. */
  function sending(gate: CallGate, clock: FakeClock, timings: [send: number, answer: number][]) {
    const starts: number[] = [];
    const calls = timings.map(([send, answer]) =>
      gate.run(async (_signal, call) => {
        starts.push(call.startedAtMs);
        await clock.sleep(send);
        call.sent();
        await clock.sleep(answer);
        return call;
      }),
    );
    return { starts, calls: Promise.all(calls) };
  }

  it("counts the window from a call's answer, not its admission (a cold connection sends late)", async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 10, rate: 2, clock });
    const run = sending(gate, clock, [
      [500, 10],
      [0, 10],
      [0, 10],
      [0, 10],
    ]);
    await clock.run();
    // Answered at 510 and 10: the third call waits for 10 + 1015, the fourth for 510 + 1015.
    expect(run.starts).to.deep.equal([0, 0, 1025, 1525]);
    expect((await run.calls).map((c) => c.anchorMs)).to.deep.equal([510, 10, 1035, 1535]);
  });

  it(`a slow answer: the server is taken to have it ${ARRIVAL_BOUND_MS} ms after it left`, async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 2, rate: 1, clock });
    const run = sending(gate, clock, [
      [0, 5000],
      [0, 5000],
    ]);
    await clock.run();
    expect(run.starts).to.deep.equal([0, ARRIVAL_BOUND_MS + 1015]);
    expect((await run.calls).map((c) => c.anchorMs)).to.deep.equal([
      ARRIVAL_BOUND_MS,
      2 * ARRIVAL_BOUND_MS + 1015,
    ]);
  });

  it("a call still connecting holds its place in the window until it has left and been answered", async () => {
    const clock = new FakeClock();
    const gate = new CallGate({ concurrency: 2, rate: 1, clock });
    const run = sending(gate, clock, [
      [1500, 10],
      [0, 10],
    ]);
    await clock.run();
    expect(run.starts).to.deep.equal([0, 1510 + 1015]);
  });

  describe("after a 429", () => {
    /** A gate on a virtual clock whose calls were sent at `times`; returns their GateCalls. */
    async function gateWithCalls(rate: number, times: number[]) {
      const clock = new FakeClock();
      const gate = new CallGate({ concurrency: 100, rate, clock });
      const calls: GateCall[] = [];
      for (const t of times) {
        await clock.advance(t - clock.now());
        void gate.run(async (_signal, call) => {
          calls.push(call);
        });
        await settle();
      }
      return { clock, gate, calls };
    }

    it("lowers the rate to the calls the server admitted in the second before", async () => {
      const { clock, gate, calls } = await gateWithCalls(50, [0, 10, 20, 30, 40, 50]);
      gate.rateLimited(1000, calls[5] as GateCall); // sent at 50 and refused: 5 calls before it
      expect(gate.rate).to.equal(5);
      await clock.advance(1);
      gate.rateLimited(1000, calls[4] as GateCall); // same episode: sent before the slowdown
      expect(gate.rate).to.equal(5);
    });

    it("lowers by at least a fifth", async () => {
      const { gate, calls } = await gateWithCalls(5, [0, 100, 200, 300, 400, 1050]);
      gate.rateLimited(1000, calls[5] as GateCall); // 4 calls in (50, 1050)
      expect(gate.rate).to.equal(4);
    });

    it("only pauses when no call went out in the second before (someone else used the limit)", async () => {
      const { clock, gate, calls } = await gateWithCalls(50, [0]);
      gate.rateLimited(700, calls[0] as GateCall);
      expect(gate.rate).to.equal(50);
      const run = load(gate, clock, 1, 1);
      await clock.run();
      expect(run.starts).to.deep.equal([700]);
    });

    it("climbs back one step per quiet 10 s", async () => {
      const { clock, gate, calls } = await gateWithCalls(8, [0, 10, 20, 30]);
      gate.rateLimited(0, calls[3] as GateCall);
      expect(gate.rate).to.equal(3);
      await clock.advance(10_000);
      await gate.run(async () => undefined);
      expect(gate.rate).to.equal(4);
      await clock.advance(5_000);
      await gate.run(async () => undefined);
      expect(gate.rate).to.equal(4);
    });
  });

  it("validates its options", () => {
    expect(() => new CallGate({ concurrency: 0, rate: 5 })).to.throw(
      RangeError,
      "concurrency: expected an integer >= 1, got 0",
    );
    expect(() => new CallGate({ concurrency: 1.5, rate: 5 })).to.throw(RangeError, "got 1.5");
    expect(() => new CallGate({ concurrency: 2, rate: 0 })).to.throw(
      RangeError,
      "rate: expected a number > 0, got 0",
    );
    expect(() => new CallGate({ concurrency: 2, rate: Number.NaN })).to.throw(RangeError, "got NaN");
  });
});
