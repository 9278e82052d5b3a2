import { expect } from "chai";
import { Feeder } from "../../src/submit/feeder.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("submit/feeder: each row's call, a few at once, in the order handed in", () => {
  it("runs at most `width` calls at once, every row of the first list before the second's", async () => {
    const feeder = new Feeder<string>(3);
    const started: string[] = [];
    let running = 0;
    let peak = 0;
    const call = async (row: string) => {
      started.push(row);
      peak = Math.max(peak, ++running);
      await tick();
      running--;
    };
    await Promise.all([
      feeder.each(["a1", "a2", "a3", "a4", "a5"], call),
      feeder.each(["b1", "b2"], call),
      feeder.each([], call),
    ]);
    expect(started).to.deep.equal(["a1", "a2", "a3", "a4", "a5", "b1", "b2"]);
    expect(peak).to.equal(3);
  });

  it("a list handed in while another runs is fed once the first list's rows have all started; each settles when its own calls have", async () => {
    const feeder = new Feeder<number>(2);
    const ended: string[] = [];
    const first = feeder.each([1, 2, 3], async () => {
      await tick();
      await tick();
    });
    const second = feeder.each([4], async () => {});
    await Promise.all([first.then(() => ended.push("first")), second.then(() => ended.push("second"))]);
    // 4 starts when 2 ends, as 3 (started when 1 ended) still runs: the second list ends first.
    expect(ended).to.deep.equal(["second", "first"]);
  });

  it("a failing call rejects its list at once with its error, none of its rows starts after it; other lists go on", async () => {
    const feeder = new Feeder<number>(2);
    const started: number[] = [];
    const failing = feeder.each([1, 2, 3, 4], async (row) => {
      started.push(row);
      await tick();
      if (row === 1) throw new Error(`row ${row}`);
    });
    const other = feeder.each([10], async (row) => {
      started.push(row);
    });
    const error = await failing.then(
      () => null,
      (caught: Error) => caught.message,
    );
    await other;
    expect(error).to.equal("row 1");
    expect(started).to.deep.equal([1, 2, 10]);
  });
});

describe("submit/feeder: many lists", () => {
  it("3,000 lists of 30 rows each (a batch of 3,000 payers): every row once, in the order handed in", async () => {
    const feeder = new Feeder<number>(8);
    const started: number[] = [];
    const lists = Array.from({ length: 3000 }, (_, i) => Array.from({ length: 30 }, (_, j) => i * 30 + j));
    await Promise.all(
      lists.map((rows) =>
        feeder.each(rows, async (row) => {
          started.push(row);
          await tick();
        }),
      ),
    );
    expect(started).to.deep.equal(lists.flat());
  });

  it("a call that throws before returning a promise fails its list, not the process", async () => {
    const feeder = new Feeder<number>(2);
    const error = await feeder
      .each([1, 2], (row) => {
        if (row === 1) throw new Error("thrown at once");
        return Promise.resolve();
      })
      .then(
        () => null,
        (caught: Error) => caught.message,
      );
    expect(error).to.equal("thrown at once");
  });
});
