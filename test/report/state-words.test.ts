/** The terminal's words for each state, and the README's table of them, one and the same. */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { stateWords, WORDED_STATES } from "../../src/report/state-words.js";
import { fromRoot } from "../helpers/root.js";

const README = readFileSync(fromRoot("README.md"), "utf8");

describe("states in plain words", () => {
  it("the words, then the name; a name without words as it is", () => {
    expect(stateWords("accepting")).to.equal("payee being checked by Bitex (accepting)");
    expect(stateWords("create_failed")).to.equal("refused by Bitex when created (create_failed)");
    expect(stateWords("something_new")).to.equal("something_new");
  });

  it("every state has a README row with its terminal words, and no word reads like a command", () => {
    for (const state of WORDED_STATES) {
      const words = stateWords(state).replace(` (${state})`, "");
      expect(README, state).to.include(`| \`${state}\` | ${words} |`);
      expect(words, state).to.not.match(/\b(accept|quote|submit|status)\b/);
    }
  });
});
