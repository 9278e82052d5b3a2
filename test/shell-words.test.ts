import { execFileSync } from "node:child_process";
import { expect } from "chai";
import { bitexCommand, shellWord } from "../src/shell-words.js";

describe("shell-words", () => {
  it("leaves plain words alone and single-quotes the rest", () => {
    expect(shellWord("payroll.csv")).to.equal("payroll.csv");
    expect(shellWord("dir/payroll-2026_12.csv")).to.equal("dir/payroll-2026_12.csv");
    expect(shellWord("Sueldos Diciembre 2026.csv")).to.equal("'Sueldos Diciembre 2026.csv'");
    expect(shellWord("")).to.equal("''");
  });

  it("a printed command pastes back into sh as the same words (spaces, quotes, accents, $)", () => {
    for (const name of [
      "Sueldos Diciembre 2026.csv",
      "Nóminas d'Año.csv",
      "a$HOME`x`*.csv",
      "-x.csv",
      "tab\there.csv",
    ]) {
      const line = bitexCommand("quote", name, "--watch");
      const words = execFileSync("sh", [
        "-c",
        `for w in ${line.replace(/^bitex-batch /, "")}; do printf '%s\\0' "$w"; done`,
      ])
        .toString()
        .split("\0")
        .slice(0, -1);
      expect(words, line).to.deep.equal(["quote", name, "--watch"]);
    }
  });
});
