/**
 * A small run of the whole-cycle bench (test/bench/whole-cycle.ts), so that what it measures
 * cannot break unnoticed: `submit --until final` of a few hundred rows in 3 requests (one of
 * them quoted 30 minutes later), against the emulator's default lists of 10 a page, its
 * clock and the client's sped up together. Every row paid exactly once, no quote lapsed,
 * one create per row, each request's outputs read once (one call: the request read with
 * `?include=outputs`, which the emulator answers by default), one quote and one accept a
 * request, and a few reads a request more.
 */
import { expect } from "chai";
import { CYCLE_STYLES, wholeCycle } from "../bench/whole-cycle.js";
import { CLI, tempDir } from "../helpers/cli.js";
import { DEMO_SEED } from "../helpers/sandbox.js";

const ROWS = 300;
/** The calls a request costs besides its creates and its outputs' read: lookups (3 with data-only lists: one before creating, two pages for the twin), its create, its count, quote, accept, the reads around them and a refresh (10 to 12 at 300 rows). */
const PER_REQUEST = 12;

describe("whole cycle, counted in calls (a small run of the bench)", function () {
  this.timeout(120_000);

  it(`${ROWS} rows to final states: one create per row, each request's outputs read once in one call, a few calls a request more`, async () => {
    const style = CYCLE_STYLES.find(
      (s) => s.listStyle === "recorded" && s.pageCap === undefined && s.includes === undefined,
    );
    if (!style) throw new Error("the bench lists the emulator's default style");
    const run = await wholeCycle({
      cli: CLI,
      dir: await tempDir(),
      rows: ROWS,
      style,
      faulty: false,
      demoSeed: DEMO_SEED,
      timeScale: 240,
    });
    const context = JSON.stringify(run);
    expect(run.exitCode, context).to.equal(0);
    expect(run.wrongRows, context).to.equal(0);
    expect(run.lapsed, context).to.equal(0);
    expect(run.unfinished, context).to.equal(0);
    expect(run.requests, context).to.equal(3);
    expect(
      run.outputsPerRequest.reduce((a, b) => a + b, 0),
      context,
    ).to.equal(ROWS);
    expect(run.byKind["create output"], context).to.equal(ROWS);
    // Every request's outputs read once, for the report, after the accepts, and never listed.
    expect(run.byKind["list outputs page"], context).to.equal(undefined);
    expect(run.byKind["read request with outputs"], context).to.equal(3);
    expect(run.byPhase.report, context).to.deep.equal({ "read request with outputs": 3 });
    // From the last create to the last accept: a quote and an accept a request, and reads:
    // each request for the gate, the slow one at its eta (at least once; the answer to its
    // quote, due 30 minutes later, stands for the read after it), the two fast ones for the
    // gate after that wait and once quoted; none again before the accepts. (In a run this
    // short the slow one may be read three times: until two seconds of answers show the
    // server's pace, a wait for an eta is 2 s.) Each request's count once its creates are in
    // comes before (no other count at 300 rows: fewer than 256 creates a request).
    const quoting = run.byPhase["quote and accept"] ?? {};
    expect([quoting.request_quote, quoting.accept_quote], context).to.deep.equal([3, 3]);
    expect(Object.keys(quoting).sort(), context).to.deep.equal([
      "accept_quote",
      "read request",
      "request_quote",
    ]);
    const reads = (run.byPhase.create?.["read request"] ?? 0) + (quoting["read request"] ?? 0);
    expect(reads, context).to.be.within(11, 13);
    // After the accepts: reads of the requests only (the refreshes; each accept's answer is its read after accepting).
    expect(Object.keys(run.byPhase.follow ?? {}), context).to.deep.equal(["read request"]);
    expect((run.byPhase.follow?.["read request"] ?? 0) % 3, context).to.equal(0);
    const others = run.calls - ROWS - 3;
    expect(others, context).to.be.at.most(PER_REQUEST * run.requests);
  });
});
