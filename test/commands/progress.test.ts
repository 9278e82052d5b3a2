/** The bar's line: always narrower than the terminal, so a carriage return can clear it. */
import { expect } from "chai";
import { barLine } from "../../src/commands/progress.js";

describe("the progress bar's line", () => {
  it("fits every width from 10 to 200 columns, the counts whole down to 40", () => {
    for (let columns = 10; columns <= 200; columns++) {
      const line = barLine("submit", 140, 199, "1m02s", columns);
      expect(line.length, `${columns}: ${line}`).to.be.below(columns);
      if (columns >= 40) expect(line, `${columns}`).to.include("140/199 rows");
    }
  });

  it("a bar of at most 40 cells, as full as the rows done; without room, plain words", () => {
    expect(barLine("submit", 12, 48, "30s", 100)).to.equal(
      `submit [${"█".repeat(10)}${"░".repeat(30)}] 12/48 rows | 30s left`,
    );
    expect(barLine("submit", 12, 48, "30s", 60)).to.equal(
      `submit [${"█".repeat(7)}${"░".repeat(21)}] 12/48 rows | 30s left`,
    );
    expect(barLine("submit", 12, 48, "30s", 40)).to.equal("submit [██░░░░░░] 12/48 rows | 30s left");
    expect(barLine("submit", 12, 48, "30s", 35)).to.equal("submit: 12/48 rows, 30s left");
  });
});
