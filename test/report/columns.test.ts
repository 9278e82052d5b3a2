import { expect } from "chai";
import { extraColumnConflicts, reportCurrency, reportTimestamp } from "../../src/report/columns.js";

describe("report/columns", () => {
  const currencyCases: Array<[string, string, string, string, string]> = [
    // port, sender_port, amount, budget → currency of the figure on the row
    ["cl_clp", "ar_ars", "1329000", "", "CLP"],
    ["mx_mxn", "us_usd", "", "1250.50", "USD"],
    ["mx_mxn", "us_usd", "5", "5", "MXN"],
    ["xx_xxx", "us_usd", "5", "", ""],
    ["cl_clp", "", "", "5", ""],
    ["cl_clp", "ar_ars", "", "", ""],
  ];
  for (const [port, sender_port, amount, budget, expected] of currencyCases) {
    it(`currency of ${JSON.stringify({ port, sender_port, amount, budget })} is ${JSON.stringify(expected)}`, () => {
      expect(reportCurrency({ port, sender_port, amount, budget })).to.equal(expected);
    });
  }

  it("timestamps are UTC to the second, whatever the local zone", () => {
    const previous = process.env.TZ;
    process.env.TZ = "America/Santiago";
    try {
      expect(reportTimestamp(new Date(Date.UTC(2026, 10, 22, 10, 15, 0, 987)))).to.equal(
        "2026-11-22T10:15:00Z",
      );
      expect(new Date(Date.UTC(2026, 10, 22, 10, 15)).getTimezoneOffset()).to.not.equal(0); // the zone took effect
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });

  it("names kept columns that would repeat a report column", () => {
    expect(extraColumnConflicts(["dept", "status", "error", "Status"])).to.deep.equal(["status", "error"]);
  });
});
