/** The clock's pure decisions (timeline.ts): deadlines from the ports, and the next timed step. */
import { expect } from "chai";
import type { PortCode } from "../../src/ports.js";
import { nextTimedStep, quoteTimes, type Timeline } from "../../src/sandbox/timeline.js";

const MIN = 60_000;

describe("sandbox timeline", () => {
  describe("quoteTimes", () => {
    const table: [string, PortCode[], number][] = [
      ["the five countries are quoted at once", ["ar_ars", "cl_clp", "mx_mxn", "py_pyg", "uy_uyu"], 0],
      ["their dollar ports too", ["ar_usd", "py_usd", "uy_usd"], 0],
      ["us_usd 30 minutes later", ["us_usd"], 30 * MIN],
      ["other_* 30 minutes later", ["other_usd", "other_eur"], 30 * MIN],
      ["one slow output makes the whole request slow", ["cl_clp", "us_usd", "mx_mxn"], 30 * MIN],
    ];
    for (const [label, ports, delay] of table) {
      it(label, () => {
        expect(quoteTimes(1_000, ports)).to.deep.equal({
          etaMs: 1_000 + delay,
          acceptBeforeMs: 1_000 + delay + 10 * MIN,
          fundsBeforeMs: 1_000 + delay + 10 * MIN + 12 * 60 * MIN,
        });
      });
    }
  });

  describe("nextTimedStep", () => {
    const base: Timeline = {
      state: "draft",
      updatedMs: 100,
      etaMs: 50,
      acceptBeforeMs: 600_050,
      fundsBeforeMs: 43_800_050,
      quoteAcceptedMs: 90,
      awaitingChecks: false,
      fundingTried: false,
    };
    const table: [string, Partial<Timeline>, ReturnType<typeof nextTimedStep>][] = [
      ["a draft waits for the client", {}, null],
      ["quote_requested is quoted at eta", { state: "quote_requested" }, { kind: "quote", at: 50 }],
      ["quoted lapses at accept_quote_before", { state: "quoted" }, { kind: "lapse", at: 600_050 }],
      [
        "accepted: checks 5 s after acceptance",
        { state: "quote_accepted", awaitingChecks: true },
        { kind: "check", at: 5_090 },
      ],
      ["checked: funded at once", { state: "quote_accepted" }, { kind: "fund", at: 100 }],
      [
        "unfunded: lapses at provision_funds_before",
        { state: "quote_accepted", fundingTried: true },
        { kind: "lapse", at: 43_800_050 },
      ],
      ["working: a payout step 10 s after the last", { state: "working" }, { kind: "payout", at: 10_100 }],
      ["finished is final", { state: "finished" }, null],
      ["cancelled is final", { state: "cancelled" }, null],
    ];
    for (const [label, change, expected] of table) {
      it(label, () => expect(nextTimedStep({ ...base, ...change })).to.deep.equal(expected));
    }
  });
});
