import { expect } from "chai";
import { formatSummaryLines, summarize } from "../../src/report/summary.js";
import { reportRow } from "../helpers/report-rows.js";

const usd = (amount: string, status: "created" | "failed" | "blocked" = "created") =>
  reportRow({ port: "us_usd", currency: "USD", amount, status });

describe("report/summary", () => {
  it("sums exactly: 0.1 + 0.2 = 0.30 USD", () => {
    const summary = summarize([usd("0.1"), usd("0.2")]);
    expect(summary.totals).to.deep.equal([
      { currency: "USD", column: "amount", rows: 2, inFile: "0.30", createdRows: 2, created: "0.30" },
    ]);
  });

  it("a file's extra zeros are not the currency's look: CLP 44328.000 sums to 44328; a digit that is not zero stays (helper-98)", () => {
    const clp = (amount: string) => reportRow({ amount });
    expect(summarize([clp("44328.000"), clp("1000.00")]).totals).to.deep.equal([
      { currency: "CLP", column: "amount", rows: 2, inFile: "45328", createdRows: 2, created: "45328" },
    ]);
    expect(summarize([usd("1500000.0000"), usd("0.125")]).totals[0]).to.include({
      inFile: "1500000.125",
      created: "1500000.125",
    });
  });

  it("keeps precision a float would lose", () => {
    const summary = summarize([usd("9007199254740993.01"), usd("0.01"), usd("0.01", "failed")]);
    expect([summary.totals[0]?.inFile, summary.totals[0]?.created]).to.deep.equal([
      "9007199254740993.03",
      "9007199254740993.02",
    ]);
  });

  it("counts every status, totals in the file against created, budgets apart from amounts", () => {
    const rows = [
      reportRow({ amount: "1329000" }),
      reportRow({ amount: "500", status: "failed" }),
      reportRow({ amount: "", budget: "1250.50", currency: "USD", status: "pending" }),
      reportRow({ amount: "", budget: "10", currency: "USD" }),
      usd("3.5", "blocked"),
      reportRow({ amount: "1.234", status: "invalid" }),
      reportRow({ amount: "", budget: "", currency: "", status: "invalid" }),
    ];
    const summary = summarize(rows);
    expect(summary).to.deep.equal({
      rows: 7,
      byStatus: { valid: 0, invalid: 2, blocked: 1, created: 2, failed: 1, pending: 1 },
      totals: [
        { currency: "CLP", column: "amount", rows: 2, inFile: "1329500", createdRows: 1, created: "1329000" },
        { currency: "USD", column: "amount", rows: 1, inFile: "3.50", createdRows: 0, created: "0.00" },
        { currency: "USD", column: "budget", rows: 2, inFile: "1260.50", createdRows: 1, created: "10.00" },
      ],
      notInTotals: 2,
    });
    expect(JSON.parse(JSON.stringify(summary))).to.deep.equal(summary);
    expect(formatSummaryLines(summary)).to.deep.equal([
      "7 rows: 2 invalid, 1 blocked, 2 created, 1 failed, 1 pending",
      "CLP amount: 1\u202f329\u202f500 in the file (2 rows), 1\u202f329\u202f000 created (1 row)",
      "USD amount: 3.50 in the file (1 row), 0.00 created (0 rows)",
      "USD budget: 1\u202f260.50 in the file (2 rows), 10.00 created (1 row)",
      "2 rows in no total (invalid, or no usable amount or budget)",
    ]);
    expect(formatSummaryLines(summary, { submitted: false }).slice(1, 2)).to.deep.equal([
      "CLP amount: 1\u202f329\u202f500 in the file (2 rows)",
    ]);
  });

  it("an empty report", () => {
    const summary = summarize([]);
    expect(summary.totals).to.deep.equal([]);
    expect(formatSummaryLines(summary)).to.deep.equal(["0 rows"]);
  });
});
