import { expect } from "chai";
import { createdRows, tallyLines, tallyRows } from "../../src/follow/tally.js";
import { reportRow } from "../helpers/report-rows.js";

const settled = (over = {}) =>
  reportRow({
    state: "settled",
    receive_amount: "1329000",
    spend_amount: "1658288.38",
    spend_currency: "ARS",
    ...over,
  });

describe("follow/tally: rows per state, settled totals, and the exit code of section 12", () => {
  it("every row settled: exit 0, exact totals per currency and side", () => {
    const tally = tallyRows([settled(), settled({ receive_amount: "1", spend_amount: "0.02" })]);
    expect(tally.finalExit).to.equal(0);
    expect(tally.byState).to.deep.equal({ settled: 2 });
    expect(tally.settled).to.deep.equal([
      { currency: "CLP", side: "receive", rows: 2, amount: "1329001" },
      { currency: "ARS", side: "spend", rows: 2, amount: "1658288.40" },
    ]);
    expect(tallyLines(tally)).to.deep.equal([
      "2 row(s): 2 paid (settled)",
      "  settled CLP: 1\u202f329\u202f001 received by payees (2 row(s))",
      "  settled ARS: 1\u202f658\u202f288.40 spent by payers (2 row(s))",
    ]);
  });

  it("every row final, some not settled (rejected, returned, cancelled, failed, invalid): exit 1", () => {
    for (const other of [
      reportRow({ state: "rejected" }),
      reportRow({ state: "returned" }),
      reportRow({ state: "cancelled" }),
      reportRow({ status: "failed", state: "" }),
      reportRow({ status: "invalid", state: "" }),
    ]) {
      const tally = tallyRows([settled(), other]);
      expect(tally.finalExit, JSON.stringify(other.state || other.status)).to.equal(1);
      expect(tally.settled.map((t) => t.rows)).to.deep.equal([1, 1]);
    }
  });

  it("a row still on its way or not created: exit 3", () => {
    for (const other of [
      reportRow({ state: "accepting" }),
      reportRow({ state: "settling" }),
      reportRow({ state: "failed" }), // a payout that bounced: Bitex retries or returns it
      reportRow({ status: "pending", state: "" }),
    ]) {
      expect(tallyRows([settled(), other]).finalExit).to.equal(3);
    }
  });

  it("an empty batch is not 'every row settled'", () => {
    expect(tallyRows([]).finalExit).to.equal(1);
  });

  it("rows created on the server: every row but those refused, invalid, blocked, valid or pending; none without a tally", () => {
    const tally = tallyRows([
      settled(),
      reportRow({ state: "draft" }),
      reportRow({ status: "created", state: "" }),
      reportRow({ status: "failed", state: "" }),
      reportRow({ status: "invalid", state: "" }),
      reportRow({ status: "blocked", state: "" }),
      reportRow({ status: "pending", state: "" }),
      reportRow({ status: "valid", state: "" }),
    ]);
    expect(tally.rows).to.equal(8);
    expect(createdRows(tally)).to.equal(3);
    expect(createdRows(null)).to.equal(0);
  });
});
