import { expect } from "chai";
import { editedAway } from "../../src/app/batch.js";
import { foldJournal, type JournalEntry } from "../../src/batch/journal.js";
import { makeWorld } from "../helpers/world.js";
import { validRows } from "../submit/rows.js";

describe("app/batch editedAway: the created rows a file edited since no longer holds", () => {
  const at = "2026-12-07T00:00:00Z";
  const created = (line: number): JournalEntry => ({
    t: "created",
    line,
    request_id: "1",
    output_id: String(line),
    state: "accepting",
    via: "response",
    at,
  });

  it("compares payments as a multiset, counts only rows the journal shows created, and ignores order and added rows", () => {
    const { rows } = makeWorld(3);
    const batch = validRows(rows);
    const [a, b, c] = batch;
    if (!a || !b || !c) throw new Error("three rows");
    const past = foldJournal([created(a.line), created(b.line)]);
    // Reordered, one more row: nothing taken away.
    expect(editedAway(batch, past, [c, b, a, c])).to.deep.equal([]);
    // Row b's payment gone: its line, as submitted. Row c was never created: no matter.
    expect(editedAway(batch, past, [a])).to.deep.equal([b.line]);
    // The same payment twice in the batch, once in the file: one of them is away.
    const twice = [a, { ...a, line: 9 }];
    expect(editedAway(twice, foldJournal([created(a.line), created(9)]), [a])).to.deep.equal([9]);
  });
});
