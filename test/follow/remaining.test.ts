/** Which rows go to the remaining file: not paid, and not being paid by this batch. */
import { expect } from "chai";
import { notPaidLines } from "../../src/follow/remaining.js";
import type { CheckedRow, RowOutcome, ValidRow } from "../../src/model.js";

const valid = (line: number): CheckedRow => ({ line, ok: true, row: { line } as ValidRow, raw: {} as never });
const invalid = (line: number): CheckedRow => ({ line, ok: false, errors: [], raw: {} as never });
const created = (requestId: string, state: string): RowOutcome => ({
  status: "created",
  requestId,
  outputId: "o",
  state,
  at: "t",
});

describe("notPaidLines", () => {
  it("takes invalid, refused, unpaid-final and cancelled-request rows, and rows a request left draft without", () => {
    const checked = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((line) =>
      line === 2 ? invalid(line) : valid(line),
    );
    const outcomes = new Map<number, RowOutcome>([
      [3, { status: "failed", requestId: "1", code: "api_not_found", error: "e", at: "t" }],
      [4, created("1", "rejected")],
      [5, created("1", "returned")],
      [6, created("2", "accepting")], // request 2 cancelled
      [7, created("1", "settled")],
      [8, created("1", "accepting")],
      [9, { status: "pending", requestId: "1", code: "not_created", error: "e" }], // request 1 quoted
      [10, { status: "pending", requestId: "3", code: "not_created", error: "e" }], // request 3 a draft
      [11, { status: "pending", requestId: "", code: "not_created", error: "e" }], // no request yet
      [12, created("2", "settled")], // settled before its request was cancelled
    ]);
    const states = new Map([
      ["1", "quoted"],
      ["2", "cancelled"],
      ["3", "draft"],
    ]);
    expect([...notPaidLines(checked, outcomes, states)].sort((a, b) => a - b)).to.deep.equal([
      2, 3, 4, 5, 6, 9,
    ]);
  });

  it("in a batch with a cancelled request, not a row of a draft, created or not: whoever accepts the draft pays it (helper-114)", () => {
    const checked = [2, 3, 4, 5, 6, 7].map(valid);
    const outcomes = new Map<number, RowOutcome>([
      [2, created("1", "accepting")], // request 1 a draft
      [3, { status: "pending", requestId: "1", code: "not_created", error: "e" }],
      [4, created("2", "accepting")], // request 2 cancelled
      [5, created("3", "accepting")], // request 3 quoted: released once its quote lapses
      [6, created("4", "accepted")], // request 4 accepted before: being paid
      [7, { status: "pending", requestId: "", code: "not_created", error: "e" }], // no request found
    ]);
    const states = new Map([
      ["1", "draft"],
      ["2", "cancelled"],
      ["3", "quoted"],
      ["4", "quote_accepted"],
    ]);
    expect([...notPaidLines(checked, outcomes, states)].sort((a, b) => a - b)).to.deep.equal([4]);
    // Once Bitex shows the draft cancelled, its rows are released.
    states.set("1", "cancelled");
    expect([...notPaidLines(checked, outcomes, states)].sort((a, b) => a - b)).to.deep.equal([2, 3, 4]);
  });

  it("not a row a listing lacks (an old list) in a request that left draft: the request may pay it", () => {
    const checked = [2, 3, 4].map(valid);
    const outcomes = new Map<number, RowOutcome>([
      [2, { status: "pending", requestId: "1", code: "not_listed", error: "e" }], // request 1 accepted
      [3, { status: "pending", requestId: "2", code: "not_listed", error: "e" }], // request 2 quoted
      [4, { status: "pending", requestId: "2", code: "not_created", error: "e" }], // listed complete, no output
    ]);
    const states = new Map([
      ["1", "quote_accepted"],
      ["2", "quoted"],
    ]);
    expect([...notPaidLines(checked, outcomes, states)]).to.deep.equal([4]);
  });

  it("not an invalid row that may have been sent (no journal tells with which input options); the others still", () => {
    const checked = [invalid(2), valid(3), valid(4)];
    const outcomes = new Map<number, RowOutcome>([
      [3, created("1", "accepting")],
      [4, created("1", "rejected")],
    ]);
    const states = new Map([["1", "quote_accepted"]]);
    const lines = (invalidMayBeSent: boolean) =>
      [...notPaidLines(checked, outcomes, states, invalidMayBeSent)].sort((a, b) => a - b);
    expect(lines(false)).to.deep.equal([2, 4]);
    expect(lines(true)).to.deep.equal([4]);
  });
});
