import { expect } from "chai";
import {
  EXPORT_TOTALS_TITLE,
  exportSummaryLines,
  UNPLACED_TOTALS_TITLE,
} from "../../src/export/summary-sheet.js";
import { MONEY_RULE } from "../../src/report/money.js";
import { MONEY_TITLE, ruleLines } from "../../src/report/money-sheet.js";
import { ZoneClock } from "../../src/writers/xlsx-cells.js";

describe("export/summary-sheet", () => {
  it("the period, the as-of wall clock in the zone, the payer, the counts, then the totals as money cells", () => {
    const lines = exportSummaryLines(
      {
        period: { from: "2026-11-01", to: "2026-11-30", tz: "America/Argentina/Buenos_Aires" },
        payer: "113",
        requests: 2,
        outputs: 3,
        totals: [
          { currency: "USD", side: "spend", state: "accepting", rows: 1, amount: "99.90" },
          { currency: "USD", side: "spend", state: "cancelled", rows: 2, amount: "250.00" },
        ],
        money: [],
        asOf: new Date("2026-12-01T02:30:00Z"),
      },
      new ZoneClock("America/Argentina/Buenos_Aires"),
    );
    // The rule, clause by clause, is the whole rule.
    expect(ruleLines().join("; ")).to.equal(`Rule: ${MONEY_RULE}`);
    expect(lines).to.deep.equal([
      { cells: ["From", "2026-11-01"] },
      { cells: ["To (included)", "2026-11-30"] },
      { cells: ["Time zone", "America/Argentina/Buenos_Aires"] },
      // Still November 30 in Buenos Aires: the cell shows 23:30.
      { cells: ["As of", new Date("2026-11-30T23:30:00Z")] },
      { cells: ["Payer", "113"] },
      { cells: ["Requests", 2] },
      { cells: ["Outputs", 3] },
      { cells: [] },
      { cells: [EXPORT_TOTALS_TITLE], bold: true },
      { cells: ["Currency", "Side", "State", "Outputs", "Total"], bold: true },
      { cells: ["USD", "spend", "accepting", 1, { money: "99.90", currency: "USD" }] },
      { cells: ["USD", "spend", "cancelled", 2, { money: "250.00", currency: "USD" }] },
      { cells: [] },
      { cells: [MONEY_TITLE], bold: true },
      // No "In the file" columns: an export has no file, and zeros there would say it was empty.
      { cells: ["Currency", "Quoted", "Charged", "Refunded", "Net", "Received by payees"], bold: true },
      ...ruleLines().map((line) => ({ cells: [line] })),
      { cells: [] },
    ]);
  });

  it("figures of no known currency under the totals, then the unplaced requests' totals under a title of their own", () => {
    const lines = exportSummaryLines(
      {
        period: { from: "2026-11-01", to: "2026-11-30", tz: "UTC" },
        requests: 2,
        outputs: 3,
        totals: [{ currency: "CLP", side: "receive", state: "settled", rows: 1, amount: "7000" }],
        unknown: [
          {
            side: "receive",
            state: "settled",
            rows: 1,
            outputs: [{ request_id: "7", output_id: "100", amount: "19000" }],
          },
        ],
        unplaced: [{ currency: "CLP", side: "receive", state: "settled", rows: 1, amount: "1000" }],
        money: [],
        asOf: new Date("2026-12-01T02:30:00Z"),
      },
      new ZoneClock("UTC"),
    );
    expect(lines.slice(8, 16)).to.deep.equal([
      { cells: [EXPORT_TOTALS_TITLE], bold: true },
      { cells: ["Currency", "Side", "State", "Outputs", "Total"], bold: true },
      { cells: ["CLP", "receive", "settled", 1, { money: "7000", currency: "CLP" }] },
      { cells: ["unknown", "receive", "settled", 1, "in no total (output 100 of request 7: 19000)"] },
      { cells: [] },
      { cells: [UNPLACED_TOTALS_TITLE], bold: true },
      { cells: ["Currency", "Side", "State", "Outputs", "Total"], bold: true },
      { cells: ["CLP", "receive", "settled", 1, { money: "1000", currency: "CLP" }] },
    ]);
    expect(UNPLACED_TOTALS_TITLE).to.equal(
      "Unplaced requests (no time in any evidence): in no period's totals",
    );
  });
});
