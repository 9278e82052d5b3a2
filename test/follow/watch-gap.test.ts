/** `watch`'s wait between reads: `--interval` is a span of the server's time (onServerClock). */
import { expect } from "chai";
import type { ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { BatchFollow, type FollowOptions, onServerClock } from "../../src/follow/run.js";
import { journalOf, planned, request, row } from "../helpers/follow-fakes.js";

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

describe("follow/watch: what it does not wait for", () => {
  const NOW = new Date("2026-11-29T10:05:00Z");
  /** One request of three rows, read as `over` says; the server's clock at NOW. */
  function followOf(over: Partial<ConciergeRequest>) {
    const read = request({
      outputs_count: 3,
      outputs_accepting: 3,
      outputs_ids: ["71", "72", "73"],
      ...over,
    });
    const said: string[] = [];
    const follow = new BatchFollow({
      api: { getRequest: async () => ({ ...read }) } as unknown as FollowOptions["api"],
      file: "payroll.csv",
      plan: { batchId: "test", requests: [planned([row(2), row(3), row(4)])], fingerprint: "f" },
      past: journalOf([
        [2, "71"],
        [3, "72"],
        [4, "73"],
      ]),
      journal: null,
      signal: new AbortController().signal,
      settleMs: 0,
      allowPartial: false,
      say: (line) => said.push(line),
      tellTime: (iso) => iso,
      serverClock: { serverNow: () => NOW, serverPace: () => 1 },
    });
    return { follow, said };
  }

  it("a quote standing: only an accept moves it, so watch stops at once, before --timeout (helper-82)", async () => {
    const { follow, said } = followOf({ state: "quoted", accept_quote_before: "2026-11-29T10:10:00Z" });
    await follow.watch(1_000, 30_000);
    expect(said).to.deep.equal([
      "rows: 3 payee being checked by Bitex (accepting)",
      "nothing to wait for: request(s) 7 are quoted, and a quoted request changes only once its quote is accepted (or it lapses, which pays nobody)",
    ]);
  });

  it("a quote past its deadline that Bitex still shows quoted is waited for: Bitex cancels it", async () => {
    const { follow, said } = followOf({ state: "quoted", accept_quote_before: "2026-11-29T10:04:00Z" });
    const stopped = await follow.watch(0, 30_000).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(stopped).to.equal("3 row(s) are not in a final state yet");
    expect(said).to.deep.equal(["rows: 3 payee being checked by Bitex (accepting)"]);
  });
});
