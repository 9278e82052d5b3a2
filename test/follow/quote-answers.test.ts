/**
 * What the follow-through reads around `request_quote` (BatchFollow.quote, docs/design.md
 * section 12): Bitex answers the step with the request; that answer is the read after it when a
 * read now would show the same (waiting for a quote due more than a minute later). Anything
 * else is read, a quote answered quoted too: the guard judges a read (helper-106).
 */
import { expect } from "chai";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { request, row, TWO_PAYERS, twoPayersFollow } from "../helpers/follow-fakes.js";

const T0 = Date.parse("2026-11-29T10:00:00Z");
/** Server ms per local ms: a 30-minute eta is a few ms away. */
const PACE = 100_000;

/** Request 7 pays a US port (quoted 30 minutes later); request 8 a Chilean one (quoted at once). */
const PLAN = [{ ...TWO_PAYERS[0], rows: [row(2, { port: "us_usd" })] }, TWO_PAYERS[1]] as typeof TWO_PAYERS;

class Server {
  calls: string[] = [];
  readonly started = Date.now();
  readonly requests = new Map<string, ConciergeRequest>([
    ["7", this.draft("7", "71", "bb-test-1")],
    ["8", this.draft("8", "81", "bb-test-2")],
  ]);
  /** How request_quote answers: as the emulator does (quote_requested), or quoted at once. */
  constructor(private readonly answersQuoted = false) {}

  now = () => new Date(T0 + (Date.now() - this.started) * PACE);

  getRequest = async (id: string): Promise<ConciergeRequest> => {
    this.calls.push(`get ${id}`);
    return { ...this.current(id) };
  };
  requestQuote = async (id: string): Promise<ConciergeRequest> => {
    this.calls.push(`quote ${id}`);
    const later = id === "7" ? 30 * 60_000 : 0;
    const eta = new Date(this.now().getTime() + later).toISOString();
    this.requests.set(id, { ...(this.requests.get(id) as ConciergeRequest), state: "quote_requested", eta });
    return {
      ...(this.answersQuoted && later === 0 ? this.current(id) : (this.requests.get(id) as ConciergeRequest)),
    };
  };
  findRequestsByExternalId = async (): Promise<ConciergeRequest[]> => {
    throw new Error("the journal names every request");
  };
  listOutputs = async (_requestId: string): Promise<ConciergeOutput[]> => {
    throw new Error("the journal and the request prove the outputs: nothing to list");
  };
  acceptQuote = async (): Promise<ConciergeRequest> => {
    throw new Error("not accepting");
  };

  /**
   * A quote is in 20 minutes before its eta on the server's clock (10 minutes after it was
   * asked): a timer that wakes a little early for the eta still finds it, and a read right
   * after the quote was asked does not.
   */
  private current(id: string): ConciergeRequest {
    const stored = this.requests.get(id) as ConciergeRequest;
    const due = Date.parse(stored.eta ?? "") - 20 * 60_000;
    if (stored.state !== "quote_requested" || due > this.now().getTime()) return stored;
    const quoted = {
      ...stored,
      state: "quoted" as const,
      total_to_spend: "10.00",
      // Far ahead: this clock runs so fast that the 10 minutes Bitex gives would pass at once.
      accept_quote_before: new Date(Date.parse(stored.eta ?? "") + 30 * 86_400_000).toISOString(),
    };
    this.requests.set(id, quoted);
    return quoted;
  }

  private draft(id: string, output: string, externalId: string): ConciergeRequest {
    return request({
      id,
      external_id: externalId,
      outputs_count: 1,
      outputs_accepting: 1,
      outputs_ids: [output],
    });
  }
}

function follow(server: Server) {
  return twoPayersFollow(server, {
    plan: { batchId: "test", requests: PLAN, fingerprint: "f" },
    serverClock: { serverNow: server.now, serverPace: () => PACE },
  });
}

describe("follow/quote: the reads around a quote", () => {
  it("the slow quote's answer (due 30 minutes later) is its read; it is read at its eta, then the fast one is gated, quoted and read", async () => {
    const server = new Server();
    const run = follow(server);
    await run.quote(60_000, 1);
    expect(server.calls).to.deep.equal([
      "get 7",
      "get 8",
      "quote 7",
      // no read of 7 here: its answer shows it waiting for a quote 30 minutes away
      "get 7",
      "get 8",
      "quote 8",
      // due at once: read at once, and quoted
      "get 8",
    ]);
    expect(run.views.map((view) => view.request?.state)).to.deep.equal(["quoted", "quoted"]);
  });

  it("a quote answered quoted, with its total: read again all the same (the guard judges a read, helper-106)", async () => {
    const server = new Server(true);
    const run = follow(server);
    await run.quote(60_000, 1);
    expect(server.calls).to.deep.equal(["get 7", "get 8", "quote 7", "get 7", "get 8", "quote 8", "get 8"]);
    expect(run.views.map((view) => view.request?.state)).to.deep.equal(["quoted", "quoted"]);
  });

  it("an answer lacking an attribute the read before had is not taken: the request is read", async () => {
    const server = new Server();
    const quote = server.requestQuote;
    server.requestQuote = async (id) => {
      const { eta: _dropped, ...answer } = await quote(id);
      return answer as ConciergeRequest;
    };
    const run = follow(server);
    await run.quote(60_000, 1);
    expect(server.calls.slice(0, 4)).to.deep.equal(["get 7", "get 8", "quote 7", "get 7"]);
  });
});
