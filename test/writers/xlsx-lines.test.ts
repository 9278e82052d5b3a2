import { expect } from "chai";
import { lineWidths } from "../../src/writers/xlsx-lines.js";

describe("writers/xlsx-lines: a summary sheet's widths", () => {
  it("fit each figure whole with its group marks and its currency's decimals, at least 10", () => {
    expect(
      lineWidths([
        { cells: ["USD", { money: "21472.85", currency: "USD" }, { money: "-1234567", currency: "CLP" }] },
        { cells: ["PYG", { money: "47138000", currency: "PYG" }, null, 12] },
      ]),
    ).to.deep.equal([10, 12, 12, 10]);
  });

  it("fit every text of a table's line (a header), never a line of one text (a title runs on), at most 60", () => {
    const header = "In the file (receive)";
    expect(
      lineWidths([
        { cells: ["Money per currency: quoted, charged, refunded, net (a title runs on)"] },
        { cells: ["Currency", "Received by payees", header] },
        { cells: ["x".repeat(80), 1] },
      ]),
    ).to.deep.equal([60, 20, 23]);
  });

  it("fit a wall-clock date, and a total no double holds, shown as its text", () => {
    expect(
      lineWidths([
        { cells: [new Date(0), { money: "98765432109876543.21", currency: "ARS" }] },
        { cells: [null, "x"] },
      ]),
    ).to.deep.equal([21, 22]);
  });
});
