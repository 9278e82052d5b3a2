import { expect } from "chai";
import {
  acceptedAbove,
  acceptRefusedHint,
  nextLine,
  partlyAccepted,
  requestLines,
  stageLine,
  stageOf,
} from "../../src/app/follow-words.js";
import type { Console } from "../../src/app/session.js";
import type { ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { groupDigits } from "../../src/decimal.js";
import type { RequestView } from "../../src/follow/read.js";
import { BatchFollow, type FollowOptions } from "../../src/follow/run.js";
import type { Plan } from "../../src/model.js";
import { journalOf, outputOf, planned, request, row } from "../helpers/follow-fakes.js";

/** Only what the words read of a follow: its requests as last read. */
function followOf(...requests: ConciergeRequest[]): BatchFollow {
  const views = requests.map((r, i) => ({
    planned: { ...planned([row(i + 2)]), key: `k${i}` },
    request: r,
    outputs: [],
    byLine: new Map(),
    missing: [],
    unlisted: [],
    extra: [],
  }));
  // No request holds nothing (every row of it refused at create), and every row is in its request.
  return {
    views,
    holdsNothing: () => false,
    leftOut: () => false,
    nothingLeft: () => false,
    rowsNotIn: () => ({ refused: [], uncreated: [] }),
    // No request holds outputs that are not the batch's rows.
    pollutedOpen: () => [],
  } as unknown as BatchFollow;
}

const NOW = new Date("2026-11-29T12:00:00Z");

describe("app/follow-words", () => {
  it("a cancelled request spends nothing: its lapsed quote's total is not said as spent", () => {
    const lapsed = request({
      id: "9",
      state: "cancelled",
      cancellation_reason: "quote_not_accepted",
      total_to_spend: "1234567.5",
      outputs_count: 1,
      outputs_cancelled: 1,
    });
    const [line] = requestLines(followOf(lapsed), NOW, "UTC");
    expect(line).to.equal(
      `request 9 (payer 112, ar_ars, 1 row(s)): cancelled, charged nothing (its quote was ${groupDigits("1234567.50")} ARS) (quote_not_accepted)`,
    );
  });

  it("a request's rows are the server's outputs of it: rows refused at create, or not created, are said apart", () => {
    const rows = [row(2), row(3), row(4), row(5)];
    const finished = request({
      id: "7",
      state: "finished",
      total_to_spend: "2000",
      outputs_count: 2,
      outputs_settled: 2,
    });
    const follow = new BatchFollow({
      api: {} as FollowOptions["api"],
      file: "payroll.csv",
      plan: { requests: [planned(rows)] } as Plan,
      // Lines 2 and 3 created, line 4 refused by Bitex, line 5 never sent.
      past: journalOf([
        [2, "21"],
        [3, "22"],
        [4, null],
      ]),
      journal: null,
      signal: new AbortController().signal,
      settleMs: 0,
      allowPartial: true,
      say: () => {},
      tellTime: (iso) => iso,
    });
    const byLine = new Map([
      [2, outputOf(row(2), "21", { state: "settled" })],
      [3, outputOf(row(3), "22", { state: "settled" })],
    ]);
    follow.views = [
      {
        planned: planned(rows),
        request: finished,
        outputs: [...byLine.values()],
        byLine,
        missing: [row(4), row(5)],
        extra: [],
        unlisted: [],
      } as RequestView,
    ];
    expect(requestLines(follow, NOW, "UTC")).to.deep.equal([
      `request 7 (payer 112, ar_ars, 2 row(s)): finished, spends ${groupDigits("2000.00")} ARS; not in it: 1 row(s) refused by Bitex at create (line 4), 1 row(s) not created (line 5)`,
    ]);
  });

  it("a quoted or funded request says what it spends, as Bitex's total_to_spend", () => {
    // One output each (the line counts the server's outputs of the request).
    const quoted = request({
      id: "5",
      state: "quoted",
      total_to_spend: "100",
      accept_quote_before: null,
      outputs_count: 1,
    });
    const working = request({ id: "6", state: "working", total_to_spend: "2500.5", outputs_count: 1 });
    expect(requestLines(followOf(quoted, working), NOW, "UTC")).to.deep.equal([
      "request 5 (payer 112, ar_ars, 1 row(s)): quoted, spends 100.00 ARS; accept before no deadline given",
      `request 6 (payer 112, ar_ars, 1 row(s)): working, spends ${groupDigits("2500.50")} ARS`,
    ]);
  });

  it("next: names the earliest deadline by its instant, whatever offset each is written with", () => {
    // 11:10 at -03:00 is 14:10 UTC, after 13:40 UTC, though its text sorts first.
    const later = request({
      id: "5",
      state: "quoted",
      total_to_spend: "100",
      accept_quote_before: "2026-11-29T11:10:00-03:00",
    });
    const earlier = request({
      id: "6",
      state: "quoted",
      total_to_spend: "200",
      accept_quote_before: "2026-11-29T13:40:00Z",
    });
    const guard = { spend: [{ currency: "ARS", requests: 2, total: "300.00", max: null }], problems: [] };
    expect(nextLine("pay.csv", followOf(later, earlier), guard, NOW, "UTC")).to.equal(
      "next: bitex-batch accept pay.csv --max-total ARS=300.00 (accept before 2026-11-29 13:40:00 +00:00, in 100 min)",
    );
    // Quotes spending nothing need no --max-total, and --max-total USD=0.00 would be refused (helper-109).
    const nothing = { currency: "USD", requests: 1, total: "0.00", max: null };
    expect(
      nextLine(
        "pay.csv",
        followOf(later, earlier),
        { ...guard, spend: [...guard.spend, nothing] },
        NOW,
        "UTC",
      ),
    ).to.equal(
      "next: bitex-batch accept pay.csv --max-total ARS=300.00 (accept before 2026-11-29 13:40:00 +00:00, in 100 min)",
    );
  });

  it("next: a guard that refused asks for the limits, its notes after the command in one pair of parentheses (pasteable whole)", () => {
    const quoted = request({
      id: "5",
      state: "quoted",
      total_to_spend: "300",
      accept_quote_before: "2026-11-29T13:40:00Z",
    });
    const guard = {
      spend: [{ currency: "ARS", requests: 1, total: "300.00", max: "200.00" }],
      problems: ["ARS: the quotes spend 300.00, above --max-total 200.00"],
    };
    expect(nextLine("pay.csv", followOf(quoted), guard, NOW, "UTC")).to.equal(
      "next: bitex-batch accept pay.csv --max-total CUR=AMOUNT (the most you mean to spend per currency; the quotes are above; accept before 2026-11-29 13:40:00 +00:00, in 100 min)",
    );
  });

  it("next: while a quote is not in, says when Bitex announced it (the last eta, by the server's clock)", () => {
    const waiting = request({ id: "5", state: "quote_requested", eta: "2026-11-29T09:25:00-03:00" });
    const sooner = request({ id: "6", state: "quote_requested", eta: "2026-11-29T12:10:00Z" });
    expect(nextLine("p.csv", followOf(waiting, sooner), null, NOW, "UTC")).to.equal(
      "next: bitex-batch quote p.csv (the quotes are not in yet; Bitex announced them for 2026-11-29 12:25:00 +00:00 (in 25 min))",
    );
    const silent = request({ id: "7", state: "quote_requested", eta: null });
    expect(nextLine("p.csv", followOf(silent), null, NOW, "UTC")).to.equal(
      "next: bitex-batch quote p.csv (the quotes are not in yet)",
    );
  });

  it("never NOT PAID while a request of the batch is accepted: the accepted ones are named", () => {
    const accepted = request({ id: "5", state: "working", total_to_spend: "100" });
    const quoted = request({ id: "6", state: "quoted", total_to_spend: "200" });
    const follow = followOf(accepted, quoted);
    const stage = stageOf(follow, false);
    expect(stage).to.equal("quoted");
    expect(stageLine(stage, 2, ["5"])).to.equal(
      "PARTLY ACCEPTED: request(s) 5 accepted (money committed for their rows); the other requests' rows are not paid until their quotes are accepted (before their deadline)",
    );
    // Nothing accepted: the words stand as they were.
    expect(stageLine("quoted", 2, [])).to.equal(
      "QUOTED, NOT PAID: nobody is paid until the quotes are accepted (before their deadline)",
    );
    // A quote past its deadline that Bitex still shows quoted: no deadline is promised (helper-109).
    expect(stageLine("quoted", 2, [], [], { lapsed: ["6"] })).to.equal(
      "QUOTED, NOT PAID: nobody is paid; the quote of request(s) 6 lapsed (Bitex may still show it quoted), and accept refuses a batch with a lapsed quote",
    );
    // Beside a cancelled request, PARTLY ACCEPTED promises no accept of the others either (helper-82).
    expect(stageLine(stage, 3, ["5"], ["3"])).to.equal(
      "PARTLY ACCEPTED: request(s) 5 accepted (money committed for their rows); request(s) 3 can no longer be accepted (cancelled), and accept refuses a batch with a cancelled request: the other requests' rows are not paid by this batch",
    );
    // A request cancelled (its quote lapsed): no accept will come, so none is promised.
    expect(stageLine("quoted", 2, [], ["3"])).to.equal(
      "QUOTED, NOT PAID: nobody is paid; request(s) 3 can no longer be accepted (cancelled), and accept refuses a batch with a cancelled request",
    );
  });

  it("a draft holding a row not created yet: next is submit, which resumes it; a row Bitex refused: quote --allow-partial; never a quote the gate refuses", () => {
    const draft = request({ id: "6", state: "draft" });
    const follow = followOf(draft);
    const nextOf = (uncreated: number[], refused: number[] = []) =>
      nextLine(
        "p.csv",
        { ...follow, rowsNotIn: () => ({ refused, uncreated }) } as unknown as BatchFollow,
        null,
        NOW,
        "UTC",
      );
    expect(nextOf([3])).to.equal("next: bitex-batch submit p.csv (rows not created yet)");
    expect(nextOf([3], [4])).to.equal("next: bitex-batch submit p.csv (rows not created yet)");
    // A row Bitex refused: quote the others without it, as submit's own next line says.
    expect(nextOf([], [4])).to.equal(
      "next: bitex-batch quote p.csv --allow-partial (quotes the other rows without them; they are in p.remaining.csv)",
    );
    expect(nextOf([])).to.equal("next: bitex-batch quote p.csv");
  });

  it("rows Bitex refused left out of the quote: the accept and quote printed carry --allow-partial, and a refused accept's hint is that accept (helper-82)", () => {
    const quoted = request({
      id: "6",
      state: "quoted",
      total_to_spend: "200",
      accept_quote_before: "2026-11-29T12:10:00Z",
    });
    const refused = (follow: BatchFollow) =>
      ({ ...follow, rowsNotIn: () => ({ refused: [4], uncreated: [] }) }) as unknown as BatchFollow;
    const guard = { spend: [{ currency: "ARS", requests: 1, total: "200.00", max: null }], problems: [] };
    expect(nextLine("p.csv", refused(followOf(quoted)), guard, NOW, "UTC")).to.equal(
      "next: bitex-batch accept p.csv --allow-partial --max-total ARS=200.00 (accept before 2026-11-29 12:10:00 +00:00, in 10 min)",
    );
    // Every row of the batch in its requests: no flag.
    expect(nextLine("p.csv", followOf(quoted), guard, NOW, "UTC")).to.equal(
      "next: bitex-batch accept p.csv --max-total ARS=200.00 (accept before 2026-11-29 12:10:00 +00:00, in 10 min)",
    );
    const waiting = request({ id: "6", state: "quote_requested", eta: null });
    expect(nextLine("p.csv", refused(followOf(waiting)), null, NOW, "UTC")).to.equal(
      "next: bitex-batch quote p.csv --allow-partial (the quotes are not in yet)",
    );
    // The gate refused the accept for those rows alone: never "nothing lapsed … decide the most to spend".
    const gated = { ...followOf(quoted), partialRefused: true } as unknown as BatchFollow;
    expect(
      acceptRefusedHint("p.csv", gated, NOW, "UTC", "p.remaining.csv", undefined, ["ARS=250", "USD=1 000"]),
    ).to.equal(
      "the rows Bitex refused at create are in no quote (a quoted request takes no more outputs): accept the quotes without them with --allow-partial (bitex-batch accept p.csv --allow-partial --max-total ARS=250 --max-total 'USD=1 000'); they are in p.remaining.csv, to fix and submit",
    );
  });

  it("staged beside a request quoted (by another hand) names it quoted, never 'created in draft requests'", () => {
    const quoted = request({ id: "3", state: "quoted" });
    const draft = request({ id: "1", state: "draft" });
    const stage = stageOf(followOf(draft, quoted), false);
    expect(stage).to.equal("staged");
    expect(stageLine(stage, 47, [], [], { quoted: ["3"] })).to.equal(
      "STAGED, NOT PAID: 47 row(s) created; request(s) 3 quoted; nobody is paid until the quotes are in and accepted",
    );
    expect(stageLine(stage, 47, [], [], { quoted: ["3"], requested: ["2"] })).to.equal(
      "STAGED, NOT PAID: 47 row(s) created; request(s) 3 quoted; the quote of request(s) 2 is requested, not in yet; nobody is paid until the quotes are in and accepted",
    );
  });

  it("staged with a quote asked for says it is requested, not that its requests are drafts; every row refused is said so", () => {
    const waiting = request({ id: "5", state: "quote_requested" });
    const draft = request({ id: "6", state: "draft" });
    const stage = stageOf(followOf(waiting, draft), false);
    expect(stage).to.equal("staged");
    expect(stageLine(stage, 3, [], [], { requested: ["5"] })).to.equal(
      "STAGED, NOT PAID: 3 row(s) created; the quote of request(s) 5 is requested, not in yet; nobody is paid until the quotes are in and accepted",
    );
    expect(stageLine(stage, 3)).to.equal(
      "STAGED, NOT PAID: 3 row(s) created in draft requests; nobody is paid until the quotes are requested and accepted",
    );
    expect(stageLine("none", 0, [], [], { noneCreated: true })).to.equal(
      "NOT PAID: no row was created (Bitex refused every row, see the report); nobody is paid",
    );
  });

  it("a lapsed request with rows never created is not 'accepted': nothing of it was", () => {
    // Quoted by another hand while a row was missing (stranded), then its quote lapsed.
    const lapsed = request({
      id: "9",
      state: "cancelled",
      cancellation_reason: "quote_not_accepted",
      total_to_spend: "100",
      outputs_count: 1,
      outputs_cancelled: 1,
    });
    const follow = followOf(lapsed);
    const [view] = follow.views;
    if (view) view.missing = [row(3)];
    expect(stageOf(follow, false)).to.equal("none");
    expect(stageLine(stageOf(follow, false), 2)).to.equal("NOT PAID: some rows are not created yet");
  });

  it("a finished request whose row an old listing lacks is 'accepted': the row was created", () => {
    const finished = request({ id: "9", state: "finished", total_to_spend: "100", outputs_count: 1 });
    const follow = followOf(finished);
    const [view] = follow.views;
    if (view) {
      view.missing = [row(2)];
      view.unlisted = ["31"];
    }
    expect(stageOf(follow, false)).to.equal("accepted");
    expect(stageLine("accepted", 1)).to.equal(null);
  });

  it("a run that read no request (the key refused, the API away) is at stage none, never 'accepted'", () => {
    // --json's stage of a status or quote that stopped before its first read: nothing says
    // any quote was accepted, so a cron script must not read money committed.
    expect(stageOf(followOf(), false)).to.equal("none");
    expect(stageOf(followOf(), true)).to.equal("none");
  });

  it("a guard refusing a batch accepted already never says its quotes stand until their deadline", () => {
    // Accepted above --max-total by an earlier run (exit 5), then the same accept again.
    const follow = followOf(
      request({ id: "5", state: "working", total_to_spend: "300" }),
      request({ id: "6", state: "quote_accepted", total_to_spend: "200" }),
    );
    expect(acceptRefusedHint("p.csv", follow, NOW, "UTC")).to.equal(
      "every request of the batch is accepted already (request(s) 5, 6): nothing is left to accept, and accepting cannot be undone; bitex-batch status p.csv shows every row",
    );
    // Partly accepted: the accepted request counts in the batch's total, the rest still stand.
    const partly = followOf(
      request({ id: "5", state: "working", total_to_spend: "300" }),
      request({ id: "6", state: "quoted", total_to_spend: "200" }),
    );
    expect(acceptRefusedHint("p.csv", partly, NOW, "UTC")).to.equal(
      "request(s) 5 of the batch are accepted already (that cannot be undone) and count in its total: --max-total is the most the whole batch spends; the other quotes stand until their deadline; check them (bitex-batch quote p.csv prints them) and decide the most to spend per currency",
    );
    // Quotes not accepted yet: they stand, and the operator decides.
    const quoted = followOf(request({ id: "7", state: "quoted", total_to_spend: "100" }));
    expect(acceptRefusedHint("p.csv", quoted, NOW, "UTC")).to.match(
      /^nothing lapsed: the quotes stand until their deadline/,
    );
  });

  it("a quote past its deadline that Bitex still shows quoted has lapsed: never 'the quotes stand', never accept", () => {
    // Bitex cancels a lapsed quote when it gets to it: until then the request reads quoted.
    const lapsed = request({
      id: "7",
      state: "quoted",
      total_to_spend: "100",
      accept_quote_before: "2026-11-29T11:58:00Z",
    });
    const standing = request({
      id: "8",
      state: "quoted",
      total_to_spend: "200",
      accept_quote_before: "2026-11-29T12:05:00Z",
    });
    const follow = followOf(lapsed, standing);
    const words =
      "the quote of request(s) 7 lapsed at 2026-11-29 11:58:00 +00:00 (2 min ago): accept refuses a batch with a lapsed quote; once Bitex shows it cancelled, bitex-batch status p.csv writes p.remaining.csv with its rows, to submit";
    expect(acceptRefusedHint("p.csv", follow, NOW, "UTC")).to.equal(words);
    const guard = { spend: [{ currency: "ARS", requests: 2, total: "300.00", max: null }], problems: [] };
    expect(nextLine("p.csv", follow, guard, NOW, "UTC")).to.equal(
      `next: bitex-batch status p.csv (${words})`,
    );
  });

  it("partly accepted: the rows accepted for payment are those of the accepted requests Bitex did not reject or refuse", () => {
    // Request 5 accepted: line 2 on its way, line 3's payee rejected, line 4 refused at create
    // (--allow-partial). Request 6 lapsed with lines 5 and 6.
    const rows = [row(2), row(3), row(4)];
    const accepted = request({ id: "5", state: "quote_accepted", total_to_spend: "100", outputs_count: 2 });
    const lost = request({ id: "6", state: "cancelled", cancellation_reason: "quote_not_accepted" });
    // A real follow-through (its rows' outcomes are what the report shows), holding these reads.
    const views = [
      {
        planned: { ...planned(rows), key: "a" },
        request: accepted,
        outputs: [],
        byLine: new Map([
          [2, outputOf(row(2), "21", { state: "accepted" })],
          [3, outputOf(row(3), "22", { state: "rejected" })],
        ]),
        missing: [row(4)],
        unlisted: [],
      },
      {
        planned: { ...planned([row(5), row(6)]), key: "b" },
        request: lost,
        outputs: [],
        byLine: new Map(),
        missing: [],
        unlisted: [],
      },
    ] as unknown as RequestView[];
    const follow = new BatchFollow({
      api: {} as FollowOptions["api"],
      file: "payroll.csv",
      plan: { requests: views.map((view) => view.planned) } as Plan,
      past: journalOf([]),
      journal: null,
      signal: new AbortController().signal,
      settleMs: 0,
      allowPartial: true,
      say: () => {},
      tellTime: (iso) => iso,
    });
    follow.views = views;
    const warned: string[] = [];
    const out = { warn: (line: string) => warned.push(line) } as unknown as Console;
    const error = partlyAccepted(out, "p.csv", "b1", follow, [accepted], [lost]);
    expect(warned).to.deep.equal([
      "partly accepted: request(s) 5 accepted, 1 row(s) accepted for payment; request(s) 6 (quote_not_accepted) can no longer be accepted, 2 row(s) not paid",
    ]);
    expect(error.message).to.equal(
      "batch b1 is partly accepted: 1 row(s) accepted for payment, 2 row(s) of cancelled request(s) 6 not paid",
    );
    const rest =
      "the rows not paid are in p.remaining.csv: bitex-batch submit p.remaining.csv pays them (and nobody else)";
    expect(error.hint).to.equal(`${rest}; bitex-batch status p.csv --watch follows the rest`);
    // Every row final since (an accept run again after the end): nothing left to follow (helper-109).
    const [paid, cancelled] = views as [RequestView, RequestView];
    paid.byLine.set(2, outputOf(row(2), "21", { state: "settled" }));
    paid.missing = [];
    paid.planned = { ...paid.planned, rows: [row(2), row(3)] };
    for (const line of [5, 6])
      cancelled.byLine.set(line, outputOf(row(line), `3${line}`, { state: "cancelled" }));
    expect(follow.openRows()).to.equal(0);
    const after = partlyAccepted(out, "p.csv", "b1", follow, [accepted], [lost]);
    expect(after.hint).to.equal(`${rest}; bitex-batch status p.csv shows where each row ended`);
  });

  it("ACCEPTED ABOVE names each request's total in its currency's decimals, as the report and the guard show it", () => {
    const follow = followOf(
      request({ id: "5", state: "quote_accepted", total_to_spend: "1000.5" }),
      request({ id: "6", state: "quote_accepted", total_to_spend: "20" }),
    );
    follow.acceptedAbove = [{ currency: "ARS", requests: 2, total: "1020.50", max: "1000.00" }];
    expect(acceptedAbove(follow, "p.csv").message).to.equal(
      `ACCEPTED ABOVE --max-total (read after accepting): ARS: the accepted quotes spend ${groupDigits("1020.50")}, above --max-total ARS=1000.00: request(s) 5 (${groupDigits("1000.50")}), 6 (20.00)`,
    );
  });
});
