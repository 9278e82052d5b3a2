/**
 * The accepts of a batch (BatchFollow.accept, docs/design.md section 12): what is said after
 * accepting is the server's request as it stands after accepting. Bitex answers
 * `accept_quote` with the request; that answer is the read after accepting when it shows what
 * such a read would (the request accepted, its total, its outputs as counted before, every
 * attribute the earlier read had) and nothing was waited for meanwhile; otherwise the request
 * is read again.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { cancelledAfterAccept, cancelledAfterAcceptLine, lostRequests } from "../../src/app/follow-words.js";
import { type JournalEntry, JournalWriter } from "../../src/batch/journal.js";
import { ApiError } from "../../src/bitex/errors.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { decimal } from "../../src/decimal.js";
import type { RequestView } from "../../src/follow/read.js";
import { BatchFollow } from "../../src/follow/run.js";
import { journalOf, planned, request, row } from "../helpers/follow-fakes.js";

const NOW = new Date("2026-11-29T10:05:00Z");
const ROWS = [row(2), row(3), row(4)];
const QUOTED = request({
  state: "quoted",
  outputs_count: 3,
  outputs_accepting: 3,
  outputs_ids: ["71", "72", "73"],
  total_to_spend: "2550000.00",
  eta: "2026-11-29T10:00:00Z",
  accept_quote_before: "2026-11-29T10:10:00Z",
  provision_funds_before: "2026-11-29T22:10:00Z",
});

/** One quoted request of three rows; `answer` shapes what `accept_quote` answers. */
class Server {
  state: ConciergeRequest = { ...QUOTED, outputs_ids: [...(QUOTED.outputs_ids ?? [])] };
  calls: string[] = [];
  answer: "whole" | "lost" | ((accepted: ConciergeRequest) => ConciergeRequest) = "whole";

  getRequest = async (): Promise<ConciergeRequest> => {
    this.calls.push("get");
    return this.copy();
  };
  findRequestsByExternalId = async (): Promise<ConciergeRequest[]> => {
    this.calls.push("find");
    return [this.copy()];
  };
  listOutputs = async (): Promise<ConciergeOutput[]> => {
    this.calls.push("list");
    throw new Error("the journal and the request prove the outputs: nothing to list");
  };
  requestQuote = async (): Promise<ConciergeRequest> => {
    throw new Error("quoted already");
  };
  acceptQuote = async (): Promise<ConciergeRequest> => {
    this.calls.push("accept_quote");
    this.state = { ...this.state, state: "quote_accepted" };
    if (this.answer === "lost")
      throw new ApiError({ kind: "network", code: "api_no_response", detail: "reset", sent: "maybe" });
    return this.answer === "whole" ? this.copy() : this.answer(this.copy());
  };

  private copy(): ConciergeRequest {
    return { ...this.state, outputs_ids: [...(this.state.outputs_ids ?? [])] };
  }
}

async function accept(server: Server, max = "3000000", extra: JournalEntry[] = []) {
  const dir = await mkdtemp(join(tmpdir(), "bb-accept-"));
  const journal = await JournalWriter.open(join(dir, "journal.jsonl"));
  const said: string[] = [];
  const follow = new BatchFollow({
    api: server,
    file: "payroll.csv",
    plan: { batchId: "test", requests: [planned(ROWS)], fingerprint: "f" },
    past: journalOf(
      [
        [2, "71"],
        [3, "72"],
        [4, "73"],
      ],
      extra,
    ),
    journal,
    signal: new AbortController().signal,
    settleMs: 1,
    allowPartial: false,
    say: (line) => said.push(line),
    tellTime: (iso) => iso,
  });
  try {
    const guard = await follow.accept([{ currency: "ARS", amount: decimal(max) }], () => NOW);
    return { guard, follow, said };
  } finally {
    await journal.close();
  }
}

describe("follow/accept: the figures after accepting are the server's", () => {
  it("takes accept_quote's answer as the read after accepting: no GET after the accept", async () => {
    const server = new Server();
    server.answer = (accepted) => ({ ...accepted, total_to_spend: "2549000.00" });
    const { guard, follow } = await accept(server);
    // The gate's read, the read right before accepting (a first read is not fresh), the accept.
    expect(server.calls).to.deep.equal(["get", "get", "accept_quote"]);
    expect(guard.problems).to.deep.equal([]);
    expect(guard.spend).to.deep.equal([
      { currency: "ARS", requests: 1, total: "2549000.00", max: "3000000.00" },
    ]);
    expect(follow.views[0]?.request?.state).to.equal("quote_accepted");
    expect(follow.views[0]?.byLine.get(3)?.id).to.equal("72");
    expect(follow.acceptedAbove).to.deep.equal([]);
  });

  it("a total above --max-total in accept_quote's answer is said as accepted above it", async () => {
    const server = new Server();
    server.answer = (accepted) => ({ ...accepted, total_to_spend: "3000000.01" });
    const { follow } = await accept(server);
    expect(server.calls).to.deep.equal(["get", "get", "accept_quote"]);
    expect(follow.acceptedAbove).to.deep.equal([
      { currency: "ARS", requests: 1, total: "3000000.01", max: "3000000.00" },
    ]);
  });

  for (const [what, shape] of [
    ["without a total", (accepted: ConciergeRequest) => ({ ...accepted, total_to_spend: null })],
    ["with another count of outputs", (accepted: ConciergeRequest) => ({ ...accepted, outputs_count: 4 })],
    [
      "without the outputs relationship the earlier read had",
      (accepted: ConciergeRequest) => {
        const { outputs_ids: _, ...rest } = accepted;
        return rest;
      },
    ],
  ] as const) {
    it(`an answer ${what} is not taken: the request is read after accepting`, async () => {
      const server = new Server();
      server.answer = shape;
      const { guard, follow } = await accept(server);
      expect(server.calls).to.deep.equal(["get", "get", "accept_quote", "get"]);
      expect(guard.spend).to.deep.equal([
        { currency: "ARS", requests: 1, total: "2550000.00", max: "3000000.00" },
      ]);
      expect(follow.views[0]?.request?.outputs_count).to.equal(3);
      expect(follow.views[0]?.request?.state).to.equal("quote_accepted");
    });
  }

  it("an accept without a clear answer is settled by reading the request, after its settle delay, and read again after accepting", async () => {
    const server = new Server();
    server.answer = "lost";
    const { guard, follow, said } = await accept(server);
    // The settle's read, then (a wait came between) every request read after accepting, as before.
    expect(server.calls).to.deep.equal(["get", "get", "accept_quote", "get", "get"]);
    expect(
      said.some((line) => line.includes("no clear answer (api_no_response); reading the request")),
    ).to.equal(true);
    expect(guard.spend).to.deep.equal([
      { currency: "ARS", requests: 1, total: "2550000.00", max: "3000000.00" },
    ]);
    expect(follow.views[0]?.request?.state).to.equal("quote_accepted");
  });

  describe("a request accepted once and cancelled since (funds that never came), nothing else to accept: passed by (helper-82)", () => {
    const unfunded = { state: "cancelled", cancellation_reason: "payment_not_received" } as const;
    it("accepted by this machine (its journal): no guard problem, no accept sent", async () => {
      const server = new Server();
      server.state = { ...server.state, ...unfunded };
      const done: JournalEntry = {
        t: "step",
        action: "accept_quote",
        phase: "done",
        request_id: "7",
        at: "2026-11-29T10:01:00Z",
      };
      const { guard, follow } = await accept(server, "3000000", [done]);
      expect(guard.problems).to.deep.equal([]);
      expect(server.calls).to.not.include("accept_quote");
      const request = follow.views[0]?.request as ConciergeRequest;
      expect([
        follow.acceptedOnce(request),
        follow.cancelledAfterAccept(request),
        follow.passedBy(request),
      ]).to.deep.equal([true, true, true]);
      expect(cancelledAfterAccept(follow).map((r) => r.id)).to.deep.equal(["7"]);
      expect(cancelledAfterAcceptLine(cancelledAfterAccept(follow))).to.equal(
        "request(s) 7 (payment_not_received) were accepted and then cancelled at Bitex: their rows are not paid, and not charged; nothing of them is left to accept",
      );
    });

    it("no journal of the accept, but the server says when its quote was accepted: the same", async () => {
      const server = new Server();
      server.state = { ...server.state, ...unfunded, quote_accepted_at: "2026-11-29T10:01:00Z" };
      const { guard, follow } = await accept(server);
      expect(guard.problems).to.deep.equal([]);
      expect(server.calls).to.not.include("accept_quote");
      expect(cancelledAfterAccept(follow).map((r) => r.id)).to.deep.equal(["7"]);
    });

    it("beside a request still to accept it is a cancelled request as any other: not passed by", () => {
      const follow = new BatchFollow({
        api: new Server(),
        file: "payroll.csv",
        plan: { batchId: "test", requests: [planned(ROWS)], fingerprint: "f" },
        past: journalOf([]),
        journal: null,
        signal: new AbortController().signal,
        settleMs: 1,
        allowPartial: false,
        say: () => {},
        tellTime: (iso) => iso,
      });
      const unfundedRequest = request({ id: "8", ...unfunded, quote_accepted_at: "2026-11-29T10:01:00Z" });
      const viewOf = (r: ConciergeRequest) =>
        ({
          planned: planned(ROWS),
          request: r,
          outputs: [],
          byLine: new Map(),
          missing: [],
          unlisted: [],
          extra: [],
        }) as unknown as RequestView;
      follow.views = [viewOf(unfundedRequest), viewOf({ ...QUOTED })];
      expect([follow.cancelledAfterAccept(unfundedRequest), follow.passedBy(unfundedRequest)]).to.deep.equal([
        true,
        false,
      ]);
      follow.views = [viewOf(unfundedRequest), viewOf({ ...QUOTED, state: "working" })];
      expect(follow.passedBy(unfundedRequest)).to.equal(true);
    });

    it("cancelled before any accept (a lapsed quote) is lost, and refused as not quoted", async () => {
      const server = new Server();
      server.state = { ...server.state, state: "cancelled", cancellation_reason: "quote_not_accepted" };
      const { guard, follow } = await accept(server);
      expect(guard.problems).to.deep.equal([
        "request 7 is cancelled (quote_not_accepted), not quoted: its quote had to be accepted before 2026-11-29T10:10:00Z",
      ]);
      expect(lostRequests(follow).map((r) => r.id)).to.deep.equal(["7"]);
      expect(cancelledAfterAccept(follow)).to.deep.equal([]);
      expect(follow.passedBy(follow.views[0]?.request as ConciergeRequest)).to.equal(false);
    });
  });
});
