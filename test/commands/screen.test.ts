/** The test's terminal (test/helpers/screen.ts): it must see an overwritten line to prove there is none. */
import { expect } from "chai";
import { renderScreen } from "../helpers/screen.js";

describe("the rendered screen of the pty tests", () => {
  it("a line written over a bar without clearing it is an overwrite; a cleared one is not", () => {
    const bar = "submit [████░░] 12/48 rows";
    expect(renderScreen(`${bar}\r\x1b[2Knotice\n${bar}\r\x1b[2K${bar}\n`, 60)).to.deep.equal({
      lines: ["notice", bar, ""],
      overwrites: [],
    });
    const garbled = renderScreen(`waiting: calls in flight\r140 pending\n`, 60);
    expect(garbled.lines[0]).to.equal("140 pendinglls in flight");
    // Every character but the one over a space.
    expect(garbled.overwrites).to.have.length(10);
  });

  it("joins the rows of a line that wrapped at the edge, spaces kept", () => {
    const line = "next: bitex-batch quote 'Sueldos Diciembre 2026 ñ.csv'";
    expect(renderScreen(`${line}\r\nreport: x\r\n`, 20).lines).to.deep.equal([line, "report: x", ""]);
    expect(renderScreen(`${"a".repeat(20)}\r\n`, 20).lines).to.deep.equal(["a".repeat(20), ""]);
  });
});
