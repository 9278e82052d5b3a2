import { expect } from "chai";
import type { JournalState } from "../../src/batch/journal.js";
import { foldJournal } from "../../src/batch/journal.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { checkGate } from "../../src/follow/gate.js";
import { matchView, type RequestView } from "../../src/follow/read.js";
import { journalOf, outputOf, planned, request, row } from "../helpers/follow-fakes.js";

const rows = [row(2), row(3), row(4, { amount: null, budget: "1250.50", port: "uy_uyu" })];

function view(
  outputs: ConciergeOutput[],
  server: ConciergeRequest | null,
  journal: JournalState,
): RequestView {
  const v: RequestView = {
    planned: planned(rows),
    request: server,
    outputs,
    byLine: new Map(),
    missing: [],
    extra: [],
    unlisted: [],
  };
  if (server) matchView(v, journal);
  else v.missing.push(...rows);
  return v;
}

const exact = () => rows.map((r, i) => outputOf(r, String(40 + i)));
const gate = (v: RequestView, journal: JournalState, allowPartial = false) =>
  checkGate(v, journal, { allowPartial }).map((p) => `${p.kind}: ${p.message}`);

describe("follow/gate: a request is quoted only when it holds exactly the batch's rows", () => {
  const journal = journalOf([
    [2, "40"],
    [3, "41"],
    [4, "42"],
  ]);

  it("passes when every journaled output is listed, nothing else, and the count agrees", () => {
    expect(gate(view(exact(), request({ outputs_count: 3 }), journal), journal)).to.deep.equal([]);
  });

  it("passes without a journal when the outputs match the rows as a multiset (the journal was deleted)", () => {
    const none = foldJournal([]);
    const v = view(exact(), request({ outputs_count: 3 }), none);
    expect(gate(v, none)).to.deep.equal([]);
    expect([...v.byLine].map(([line, o]) => [line, o.id])).to.deep.equal([
      [2, "40"],
      [3, "41"],
      [4, "42"],
    ]);
  });

  it("refuses a request with a second output for a row, naming the output and the line", () => {
    const outputs = [...exact(), outputOf(rows[0] as never, "43")];
    expect(gate(view(outputs, request({ outputs_count: 4 }), journal), journal)).to.deep.equal([
      "polluted: request 7 holds 1 output(s) that are not this batch's rows: 43 (a second output for line 2)",
    ]);
  });

  it("refuses a request with an output that is nobody's row", () => {
    const stranger = outputOf(row(9, { recipientUserId: "999" }), "77");
    expect(gate(view([...exact(), stranger], request({ outputs_count: 4 }), journal), journal)).to.deep.equal(
      ["polluted: request 7 holds 1 output(s) that are not this batch's rows: 77"],
    );
  });

  it("refuses when the server counts more outputs than it listed (a partial listing)", () => {
    expect(gate(view(exact(), request({ outputs_count: 5 }), journal), journal)).to.deep.equal([
      "polluted: request 7 counts 5 outputs but the listing showed 3",
    ]);
  });

  it("refuses when a journaled output is missing from the listing", () => {
    const outputs = exact().slice(1);
    expect(gate(view(outputs, request({ outputs_count: 2 }), journal), journal)).to.deep.equal([
      "polluted: request 7: the listing lacks journaled output(s) 40",
      "unfinished: request 7: line(s) 2 not created yet",
    ]);
  });

  it("rows not created yet must be finished by submit first", () => {
    const partial = journalOf([[2, "40"]]);
    const outputs = exact().slice(0, 1);
    expect(gate(view(outputs, request({ outputs_count: 1 }), partial), partial)).to.deep.equal([
      "unfinished: request 7: line(s) 3, 4 not created yet",
    ]);
  });

  it("rows never created in a request that left draft are stranded, with or without --allow-partial", () => {
    const partial = journalOf([[2, "40"]]);
    const outputs = exact().slice(0, 1);
    for (const allowPartial of [false, true]) {
      expect(
        gate(view(outputs, request({ outputs_count: 1, state: "quoted" }), partial), partial, allowPartial),
      ).to.deep.equal([
        "stranded: request 7 is quoted without line(s) 3, 4, which were never created (a request that left draft takes no more outputs)",
      ]);
    }
  });

  it("rows that failed to create need --allow-partial", () => {
    const failed = journalOf([
      [2, "40"],
      [3, null],
      [4, "42"],
    ]);
    const outputs = [exact()[0], exact()[2]] as ConciergeOutput[];
    const v = view(outputs, request({ outputs_count: 2 }), failed);
    expect(gate(v, failed)).to.deep.equal([
      "partial: request 7: line(s) 3 failed to create; a quoted request takes no more outputs",
    ]);
    expect(gate(v, failed, true)).to.deep.equal([]);
  });

  it("a group with no request on the server was never created", () => {
    const none = foldJournal([]);
    expect(gate(view([], null, none), none)).to.deep.equal([
      "unfinished: no request for 112 from ar_ars on the server: nothing of it was created",
    ]);
  });

  it("a budget row matches its output after the quote filled the other figure", () => {
    const none = foldJournal([]);
    const outputs = exact();
    (outputs[2] as ConciergeOutput).amount = "51234.5";
    const v = view(outputs, request({ outputs_count: 3, state: "quoted" }), none);
    expect(gate(v, none)).to.deep.equal([]);
  });
});
