/**
 * A small run of the whole-cycle bench (test/bench/whole-cycle.ts), so that what it measures
 * cannot break unnoticed: `submit --until final` of a few hundred rows in 3 requests (one of
 * them quoted 30 minutes later), against the emulator's default lists of 10 a page, its
 * clock and the client's sped up together. Every row paid exactly once, no quote lapsed,
 * one create per row, each request's outputs listed once, and a few other calls a request.
 */
import { expect } from "chai";
import { CYCLE_STYLES, wholeCycle } from "../bench/whole-cycle.js";
import { CLI, tempDir } from "../helpers/cli.js";
import { DEMO_SEED } from "../helpers/sandbox.js";

const ROWS = 300;
/** The calls a request costs besides its creates and one listing: lookups, quote, accept, reads. */
const PER_REQUEST = 20;

describe("whole cycle, counted in calls (a small run of the bench)", function () {
  this.timeout(120_000);

  it(`${ROWS} rows to final states: one create per row, each request's outputs listed once, a few calls a request more`, async () => {
    const style = CYCLE_STYLES.find((s) => s.listStyle === "recorded" && s.pageCap === undefined);
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
    expect(run.byKind["create output"], context).to.equal(ROWS);
    // One listing of every request: ⌈outputs / 10⌉ pages and the empty page that ends it.
    const onePerRequest = Math.ceil(ROWS / 10) + run.requests;
    expect(run.byKind["list outputs page"] ?? 0, context).to.be.at.most(onePerRequest);
    const others = run.calls - ROWS - (run.byKind["list outputs page"] ?? 0);
    expect(others, context).to.be.at.most(PER_REQUEST * run.requests);
  });
});
