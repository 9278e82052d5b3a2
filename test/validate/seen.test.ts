/** The tables that answer "which earlier row had this key / text?" while a file is read. */
import { expect } from "chai";
import { FirstTexts } from "../../src/validate/seen.js";

describe("FirstTexts: each distinct text with the value it first came with, the texts kept compactly", () => {
  it("answers -1 for a new text and the first value for a repeat, across blocks of texts and table growth", () => {
    const texts = new FirstTexts();
    // 5,000 distinct texts fill four blocks of 1,024 and part of a fifth, and grow the table several times.
    for (let i = 0; i < 5000; i++) expect(texts.firstOf(`EMP-${i}`, i + 2)).to.equal(-1);
    for (let i = 0; i < 5000; i += 7) expect(texts.firstOf(`EMP-${i}`, 90_000)).to.equal(i + 2);
    // The repeats were not kept: the last text of a full block and the first of the next are intact.
    expect(texts.firstOf("EMP-1023", 0)).to.equal(1025);
    expect(texts.firstOf("EMP-1024", 0)).to.equal(1026);
    expect(texts.firstOf("EMP-4999", 0)).to.equal(5001);
  });

  it("tells apart texts that are prefixes of one another, empty, or not ASCII", () => {
    const texts = new FirstTexts();
    const values = ["A", "AB", "", "ñandú", "A B", "AB "];
    values.forEach((text, i) => {
      expect(texts.firstOf(text, i)).to.equal(-1);
    });
    values.forEach((text, i) => {
      expect(texts.firstOf(text, 100 + i)).to.equal(i);
    });
  });
});
