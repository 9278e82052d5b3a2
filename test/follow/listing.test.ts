import { expect } from "chai";
import { ListingBudget } from "../../src/follow/listing.js";

/** A listing that ends when the test says, noting when it started and ended. */
function listing(log: string[], name: string) {
  let end: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  return {
    run: async () => {
      log.push(`start ${name}`);
      await ended;
      log.push(`end ${name}`);
      return name;
    },
    end,
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("follow/listing: how many outputs are listed at once", () => {
  it("small listings run together while their outputs fit", async () => {
    const log: string[] = [];
    const budget = new ListingBudget(100);
    const a = listing(log, "a");
    const b = listing(log, "b");
    const runs = [budget.run(40, a.run), budget.run(60, b.run)];
    await turn();
    expect(log).to.deep.equal(["start a", "start b"]);
    a.end();
    b.end();
    expect(await Promise.all(runs)).to.deep.equal(["a", "b"]);
  });

  it("a listing that would not fit waits for one running to end", async () => {
    const log: string[] = [];
    const budget = new ListingBudget(100);
    const a = listing(log, "a");
    const b = listing(log, "b");
    const c = listing(log, "c");
    const runs = [budget.run(70, a.run), budget.run(70, b.run), budget.run(30, c.run)];
    await turn();
    // c fits beside a; b does not
    expect(log).to.deep.equal(["start a", "start c"]);
    a.end();
    await turn();
    expect(log).to.deep.equal(["start a", "start c", "end a", "start b"]);
    b.end();
    c.end();
    expect(await Promise.all(runs)).to.deep.equal(["a", "b", "c"]);
  });

  it("a listing larger than the budget runs alone, once every other ended, a failed one included", async () => {
    const log: string[] = [];
    const budget = new ListingBudget(100);
    let fail: (error: Error) => void = () => undefined;
    const failing = budget.run(10, async () => {
      log.push("start failing");
      await new Promise<void>((_resolve, reject) => {
        fail = reject;
      });
    });
    const small = listing(log, "small");
    const big = listing(log, "big");
    const runs = [budget.run(500, big.run), budget.run(10, small.run)];
    await turn();
    expect(log).to.deep.equal(["start failing", "start small"]);
    small.end();
    await turn();
    expect(log).to.deep.equal(["start failing", "start small", "end small"]);
    fail(new Error("listing failed"));
    await failing.catch((error: Error) => log.push(error.message));
    await turn();
    expect(log.slice(3)).to.have.members(["listing failed", "start big"]);
    big.end();
    expect(await Promise.all(runs)).to.deep.equal(["big", "small"]);
  });
});
