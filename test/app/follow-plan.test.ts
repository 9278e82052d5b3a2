/** followPlan: the follow-through's options, checked before any work (exit 2, nothing read or sent). */
import { expect } from "chai";
import { type FollowArgs, followPlan } from "../../src/app/follow.js";
import { BatchError } from "../../src/errors.js";

const ARGS = { csv: "payroll.csv", sandbox: false } as unknown as FollowArgs;

function refusal(args: Partial<FollowArgs>): string {
  try {
    followPlan({ ...ARGS, ...args }, ["watch"]);
  } catch (error) {
    return error instanceof BatchError ? `${error.code}: ${error.message}` : String(error);
  }
  return "accepted";
}

describe("followPlan: the follow-through's seconds", () => {
  it("a wait longer than a timer holds (24 days) is refused: it would fire at once and read in a loop (helper-82)", () => {
    expect(refusal({ interval: 2_147_484 })).to.equal(
      "usage: --interval expects at most 2147483 seconds (24 days), got 2147484",
    );
    expect(refusal({ timeout: 1e10 })).to.equal(
      "usage: --timeout expects at most 2147483 seconds (24 days), got 10000000000",
    );
    expect(refusal({ interval: 2_147_483, timeout: 0 })).to.equal("accepted");
    expect(refusal({ interval: -1 })).to.equal("usage: --interval expects seconds (0 or more), got -1");
  });
});
