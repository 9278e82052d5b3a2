import { expect } from "chai";
import {
  journalAccepts,
  journalCancelled,
  journalStage,
  refusedWords,
  stageWords,
} from "../../src/app/submit-stage.js";
import { foldJournal, type JournalEntry } from "../../src/batch/journal.js";

const at = "2026-12-01T06:00:00Z";
/** A request line of the journal: the request as read at Bitex, in `state`. */
const request = (key: string, id: string, state = "draft"): JournalEntry => ({
  t: "request",
  key,
  external_id: `bb-${key}`,
  request_id: id,
  state,
  at,
});
const step =
  (phase: "intent" | "done") =>
  (action: "request_quote" | "accept_quote", id: string): JournalEntry => ({
    t: "step",
    action,
    phase,
    request_id: id,
    at,
  });
const done = step("done");
const intent = step("intent");

describe("app/submit-stage", () => {
  it("a plain submit's stage is its least advanced request's, from the journal's steps", () => {
    const two = [request("a", "1"), request("b", "2")];
    expect(journalStage(foldJournal(two), true)).to.equal("staged");
    expect(journalStage(foldJournal([...two, done("request_quote", "1")]), true)).to.equal("staged");
    const quoted = [...two, done("request_quote", "1"), done("request_quote", "2")];
    expect(journalStage(foldJournal(quoted), true)).to.equal("quoted");
    expect(journalStage(foldJournal([...quoted, done("accept_quote", "1")]), true)).to.equal("quoted");
    expect(
      journalStage(foldJournal([...quoted, done("accept_quote", "1"), done("accept_quote", "2")]), true),
    ).to.equal("accepted");
    // Not every row created: no stage beyond none, whatever the steps.
    expect(journalStage(foldJournal(quoted), false)).to.equal("none");
  });

  it("the words: STAGED or QUOTED, NOT PAID with one next step that pastes; none once accepted", () => {
    const staged = stageWords("staged", 48, "Sueldos Diciembre 2026.csv");
    expect(staged.notice).to.match(
      /^STAGED, NOT PAID: 48 row\(s\) created in draft requests; nobody is paid/,
    );
    expect(staged.next).to.equal("next: bitex-batch quote 'Sueldos Diciembre 2026.csv'");
    expect(stageWords("quoted", 48, "p.csv").notice).to.match(/^QUOTED, NOT PAID: /);
    const accepted = stageWords("accepted", 48, "p.csv");
    expect(accepted.notice).to.equal(null);
    expect(accepted.next).to.match(/^next: bitex-batch status p\.csv \(the quotes were accepted/);
  });

  it("never NOT PAID once an earlier run accepted a request, or sent an accept that got no answer", () => {
    const quoted = [
      request("a", "1"),
      request("b", "2"),
      done("request_quote", "1"),
      done("request_quote", "2"),
    ];
    const partly = foldJournal([...quoted, done("accept_quote", "1")]);
    expect(journalStage(partly, true)).to.equal("quoted");
    expect(journalAccepts(partly)).to.deep.equal({ accepted: ["1"], unclear: [], found: [] });
    const words = stageWords("quoted", 48, "p.csv", journalAccepts(partly));
    expect(words.notice).to.equal(
      "PARTLY ACCEPTED: request(s) 1 accepted by an earlier run (money committed for their rows); the other requests' rows are not paid until their quotes are accepted",
    );
    expect(words.next).to.equal(
      "next: bitex-batch status p.csv (reads where each request and row is at Bitex)",
    );

    // An accept journaled as sent, its answer never recorded: it may have landed at Bitex.
    const lost = foldJournal([...quoted, intent("accept_quote", "2")]);
    expect(journalAccepts(lost)).to.deep.equal({ accepted: [], unclear: ["2"], found: [] });
    const unclear = stageWords(journalStage(lost, true), 48, "p.csv", journalAccepts(lost));
    expect(unclear.notice).to.equal(
      "ACCEPT UNCLEAR: an earlier run sent the accept of request(s) 2 and recorded no answer: it may have been accepted (money committed); the server says which",
    );
    expect(unclear.next).to.equal(
      "next: bitex-batch status p.csv (reads where each request and row is at Bitex)",
    );
  });

  it("requests found past draft (the journal gone): their server state lifts the stage, and the words send to status", () => {
    const past = foldJournal([request("a", "1", "finished"), request("b", "2", "quoted")]);
    expect(journalStage(past, true)).to.equal("quoted");
    expect(journalAccepts(past)).to.deep.equal({
      accepted: [],
      unclear: [],
      found: ["1 (finished)", "2 (quoted)"],
    });
    expect(stageWords("quoted", 48, "p.csv", journalAccepts(past))).to.deep.equal({
      notice:
        "FOUND PAST DRAFT: request(s) 1 (finished), 2 (quoted) had left draft at Bitex when this run found them; this machine's journal does not say how far they got",
      next: "next: bitex-batch status p.csv (reads where each request and row is at Bitex)",
    });
  });

  it("rows Bitex refused before any money step: NOT PAID, the others in drafts, next quote --allow-partial; nothing to quote when none was created (helper-82)", () => {
    const next =
      "next: bitex-batch quote 'Pay roll.csv' --allow-partial (quotes the other rows without them; they are in Pay roll.remaining.csv)";
    // A plain submit: the other rows are created, in draft requests.
    expect(refusedWords(1, 2, "Pay roll.csv", "Pay roll.remaining.csv", null)).to.deep.equal({
      notice:
        "NOT PAID: 1 row(s) refused by Bitex (see the report); the other 2 row(s) created in draft requests; nobody is paid",
      next,
    });
    // --until asked for more: those rows stopped it before any quote.
    expect(refusedWords(1, 2, "Pay roll.csv", "Pay roll.remaining.csv", "final")).to.deep.equal({
      notice:
        "NOT PAID: 1 row(s) refused by Bitex (see the report), so nothing was quoted: --until final quotes a batch only once every row is created; nobody is paid",
      next,
    });
    // Every row refused: no quote of nothing; the remaining file's own line says what pays them.
    for (const until of [null, "final"])
      expect(refusedWords(3, 0, "p.csv", "p.remaining.csv", until)).to.deep.equal({
        notice: "NOT PAID: no row was created (Bitex refused every row, see the report); nobody is paid",
        next: null,
      });
  });

  it("a request read cancelled is final: never 'quoted', no accept promised, no quote advised; next: status, which writes the remaining file (helper-82)", () => {
    // Quoted by an earlier run, then its quote lapsed: Bitex cancelled it (quote_not_accepted).
    const lapsed = foldJournal([
      request("a", "1", "draft"),
      done("request_quote", "1"),
      request("a", "1", "cancelled"),
    ]);
    expect(journalStage(lapsed, true)).to.equal("final");
    expect(journalCancelled(lapsed)).to.deep.equal(["1"]);
    expect(journalAccepts(lapsed)).to.deep.equal({ accepted: [], unclear: [], found: [] });
    const next =
      "next: bitex-batch status 'Pay roll.csv' (reads every request at Bitex and writes Pay roll.remaining.csv with the rows not paid, to submit)";
    const more = { cancelled: ["1"], remaining: "Pay roll.remaining.csv" };
    expect(stageWords("final", 2, "Pay roll.csv", journalAccepts(lapsed), undefined, more)).to.deep.equal({
      notice: "NOT PAID: request(s) 1 cancelled at Bitex (their rows not paid, and not charged)",
      next,
    });

    // Beside a request still quoted: the least advanced of the others, and no accept promised.
    const mixed = foldJournal([
      request("a", "1", "draft"),
      request("b", "2", "draft"),
      done("request_quote", "1"),
      done("request_quote", "2"),
      request("a", "1", "cancelled"),
    ]);
    expect(journalStage(mixed, true)).to.equal("quoted");
    expect(stageWords("quoted", 3, "Pay roll.csv", journalAccepts(mixed), undefined, more)).to.deep.equal({
      notice:
        "QUOTED, NOT PAID: nobody is paid; request(s) 1 cancelled at Bitex (their rows not paid, and not charged), and accept refuses a batch with a cancelled request",
      next,
    });

    // One accepted, one cancelled, one quoted: PARTLY ACCEPTED promises no accept of the others.
    const partly = foldJournal([
      request("a", "1", "draft"),
      request("b", "2", "draft"),
      request("c", "3", "draft"),
      done("request_quote", "1"),
      done("request_quote", "2"),
      done("request_quote", "3"),
      done("accept_quote", "3"),
      request("a", "1", "cancelled"),
    ]);
    expect(journalStage(partly, true)).to.equal("quoted");
    expect(
      stageWords("quoted", 3, "p.csv", journalAccepts(partly), undefined, { cancelled: ["1"] }),
    ).to.deep.equal({
      notice:
        "PARTLY ACCEPTED: request(s) 3 accepted by an earlier run (money committed for their rows); request(s) 1 cancelled at Bitex (their rows not paid, and not charged); the other requests' rows are not paid either: accept refuses a batch with a cancelled request",
      next: "next: bitex-batch status p.csv (reads where each request and row is at Bitex)",
    });

    // Accepted, then cancelled for want of funds: final, and not said as money committed.
    const unfunded = foldJournal([
      request("a", "1", "draft"),
      done("request_quote", "1"),
      done("accept_quote", "1"),
      request("a", "1", "cancelled"),
    ]);
    expect(journalStage(unfunded, true)).to.equal("final");
    expect(
      stageWords("final", 2, "p.csv", journalAccepts(unfunded), undefined, { cancelled: ["1"] }),
    ).to.deep.equal({
      notice: "NOT PAID: request(s) 1 cancelled at Bitex (their rows not paid, and not charged)",
      next: "next: bitex-batch status p.csv (reads every request at Bitex and writes p.remaining.csv with the rows not paid, to submit)",
    });
  });
});
