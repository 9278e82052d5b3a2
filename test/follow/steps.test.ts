import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { stopFor } from "../../src/app/stop.js";
import { foldJournal, type JournalState, JournalWriter, parseJournal } from "../../src/batch/journal.js";
import { ApiError } from "../../src/bitex/errors.js";
import type { ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { runStep, type StepApi, StepRefused } from "../../src/follow/steps.js";
import { request } from "../helpers/follow-fakes.js";

/** A server holding one request, whose answers a test can lose after acting. */
class FakeServer implements StepApi {
  state: ConciergeRequest = request({ state: "quoted" });
  calls: string[] = [];
  /** What the next action call does instead of answering. */
  next: "answer" | "lose" | "refuse" | "refuse-after-acting" | "unreachable" | "answer-before-acting" =
    "answer";

  /** A reading that lags (a cache in front of Bitex): what every read shows instead of the state. */
  stale: ConciergeRequest | null = null;

  async getRequest(): Promise<ConciergeRequest> {
    this.calls.push("get");
    return { ...(this.stale ?? this.state) };
  }
  requestQuote = async () => this.act("request_quote", "draft", "quote_requested");
  acceptQuote = async () => this.act("accept_quote", "quoted", "quote_accepted");

  private act(name: string, from: string, to: ConciergeRequest["state"]): ConciergeRequest {
    this.calls.push(name);
    const mode = this.next;
    this.next = "answer";
    if (mode === "unreachable")
      throw new ApiError({ kind: "network", code: "api_unreachable", detail: "refused", sent: "no" });
    if (mode === "refuse" || this.state.state !== from)
      throw new ApiError({
        kind: "validation",
        code: "invalid_transition",
        detail: `no se puede`,
        sent: "no",
        status: 422,
      });
    const before = { ...this.state };
    this.state = { ...this.state, state: to };
    // Acted on, and answered with the request as it was (an accept Bitex takes up after answering).
    if (mode === "answer-before-acting") return before;
    if (mode === "lose")
      throw new ApiError({ kind: "network", code: "api_no_response", detail: "reset", sent: "maybe" });
    if (mode === "refuse-after-acting")
      throw new ApiError({
        kind: "validation",
        code: "invalid_transition",
        detail: "ya aceptada",
        sent: "no",
        status: 422,
      });
    return { ...this.state };
  }
}

/** What a step that must fail threw; a step that succeeded fails the test. */
async function failureOf(step: Promise<unknown>): Promise<unknown> {
  return step.then(
    () => expect.fail("the step succeeded"),
    (error: unknown) => error,
  );
}

/** Every journal a test opened: closed after it, as a run closes its own (no handle left to the GC). */
const opened: JournalWriter[] = [];

async function context(server: FakeServer, past: JournalState = foldJournal([])) {
  const path = join(await mkdtemp(join(tmpdir(), "bb-steps-")), "journal.jsonl");
  const journal = await JournalWriter.open(path);
  opened.push(journal);
  const ctx = {
    api: server,
    journal,
    past,
    signal: new AbortController().signal,
    settleMs: 1,
    say: () => {},
  };
  const entries = async () => {
    await journal.close();
    return parseJournal(await readFile(path, "utf8")).map((e) =>
      e.t === "step" ? `${e.action}:${e.phase}:${e.state ?? ""}` : e.t,
    );
  };
  return { ctx, entries };
}

describe("follow/steps: a money step is sent once, and a lost answer is settled by reading", () => {
  afterEach(async () => {
    for (const journal of opened.splice(0)) await journal.close();
  });

  it("accepts once and journals intent before the call and the outcome after", async () => {
    const server = new FakeServer();
    const { ctx, entries } = await context(server);
    const after = await runStep(ctx, "accept_quote", server.state);
    expect(after.state).to.equal("quote_accepted");
    expect(server.calls).to.deep.equal(["accept_quote"]);
    expect(await entries()).to.deep.equal(["accept_quote:intent:", "accept_quote:done:quote_accepted"]);
  });

  it("a lost answer after the server accepted: read, not a second accept", async () => {
    const server = new FakeServer();
    server.next = "lose";
    const { ctx, entries } = await context(server);
    const after = await runStep(ctx, "accept_quote", server.state);
    expect(after.state).to.equal("quote_accepted");
    expect(server.calls).to.deep.equal(["accept_quote", "get"]);
    expect(await entries()).to.deep.equal(["accept_quote:intent:", "accept_quote:done:quote_accepted"]);
  });

  it("an answer of 200 showing the request still quoted: read after the settle delay, never a second accept on the answer alone (helper-113)", async () => {
    const server = new FakeServer();
    server.next = "answer-before-acting";
    const { ctx, entries } = await context(server);
    const after = await runStep(ctx, "accept_quote", server.state);
    expect(after.state).to.equal("quote_accepted");
    expect(server.calls).to.deep.equal(["accept_quote", "get"]);
    expect(await entries()).to.deep.equal(["accept_quote:intent:", "accept_quote:done:quote_accepted"]);
  });

  it("an answer of 200 showing it still quoted, and reads that lag: never a second accept in this run, stopped as unclear (helper-115)", async () => {
    const server = new FakeServer();
    server.next = "answer-before-acting";
    server.stale = { ...server.state }; // the reads keep showing it quoted
    const { ctx } = await context(server);
    const error = await failureOf(runStep(ctx, "accept_quote", server.state));
    expect(server.calls).to.deep.equal(["accept_quote", "get"]);
    expect(server.state.state).to.equal("quote_accepted");
    const mapped = stopFor(error, true);
    expect(mapped).to.include({ code: "unreachable" });
    expect(mapped.message).to.equal(
      "accept_quote on request 7 was answered, yet the request still reads quoted: Bitex may be taking it up (not sent again)",
    );
  });

  it("an accept answered 200 with a body that cannot be read, and reads that lag: taken, never sent again (helper-116)", async () => {
    const server = new FakeServer();
    server.stale = { ...server.state };
    server.acceptQuote = async () => {
      server.calls.push("accept_quote");
      server.state = { ...server.state, state: "quote_accepted" };
      throw new ApiError({
        kind: "bad_response",
        code: "api_bad_response",
        detail: "not JSON",
        sent: "maybe",
        status: 200,
      });
    };
    const { ctx } = await context(server);
    const error = await failureOf(runStep(ctx, "accept_quote", server.state));
    expect(server.calls).to.deep.equal(["accept_quote", "get"]);
    expect(stopFor(error, true)).to.include({ code: "unreachable" });
  });

  it("an accept answered 2xx showing the request cancelled: refused once, never sent again (helper-116)", async () => {
    const server = new FakeServer();
    server.acceptQuote = async () => {
      server.calls.push("accept_quote");
      server.state = { ...server.state, state: "cancelled", cancellation_reason: "quote_not_accepted" };
      return { ...server.state };
    };
    const { ctx } = await context(server);
    const error = await failureOf(runStep(ctx, "accept_quote", server.state));
    expect(server.calls).to.deep.equal(["accept_quote", "get"]);
    expect(error).to.be.instanceOf(StepRefused);
    expect((error as StepRefused).message).to.equal(
      "accept_quote on request 7: the request is cancelled (quote_not_accepted)",
    );
  });

  it("a lost answer, then the read refused at the door (the API down): unclear, never an error of a call surely not acted on (helper-115)", async () => {
    const server = new FakeServer();
    server.next = "lose";
    server.getRequest = async () => {
      server.calls.push("get");
      throw new ApiError({ kind: "network", code: "api_unreachable", detail: "refused", sent: "no" });
    };
    const { ctx } = await context(server);
    const error = await failureOf(runStep(ctx, "accept_quote", server.state));
    expect(server.calls).to.deep.equal(["accept_quote", "get"]);
    expect(error).to.not.be.instanceOf(ApiError);
    const mapped = stopFor(error, true);
    expect(mapped).to.include({ code: "unreachable" });
    expect(mapped.message).to.equal(
      "accept_quote on request 7 was sent and may have landed, and the request could not be read since (refused)",
    );
  });

  it("a 422 because an earlier call had already accepted is success, read from the server", async () => {
    const server = new FakeServer();
    server.next = "refuse-after-acting";
    const { ctx } = await context(server);
    expect((await runStep(ctx, "accept_quote", server.state)).state).to.equal("quote_accepted");
    expect(server.calls).to.deep.equal(["accept_quote", "get"]);
  });

  it("a real refusal (the request is not quoted any more) becomes a BatchError 'refused' naming the request", async () => {
    const server = new FakeServer();
    server.state = request({ state: "cancelled", cancellation_reason: "quote_not_accepted" });
    const { ctx, entries } = await context(server);
    const error = await failureOf(runStep(ctx, "accept_quote", request({ state: "quoted" })));
    expect(error).to.be.instanceOf(StepRefused);
    // The one mapper makes it the CLI's refusal (exit 2), naming the request and its state.
    const mapped = stopFor(error, true);
    expect(mapped).to.include({ code: "refused" });
    expect(mapped.message).to.match(
      /^request 7 is cancelled \(quote_not_accepted\): Bitex refused to accept/,
    );
    expect(await entries()).to.deep.equal(["accept_quote:intent:"]);
  });

  it("a request an earlier run already took through the step is only journaled, never sent", async () => {
    const server = new FakeServer();
    server.state = request({ state: "working" });
    const { ctx, entries } = await context(server);
    await runStep(ctx, "accept_quote", server.state);
    expect(server.calls).to.deep.equal([]);
    expect(await entries()).to.deep.equal(["accept_quote:done:working"]);
  });

  it("after a run cut off with the intent journaled, the request is read again before anything is sent", async () => {
    const server = new FakeServer();
    const past = foldJournal([
      { t: "step", action: "accept_quote", phase: "intent", request_id: "7", at: "x" },
    ]);
    const stale = { ...server.state };
    server.state = { ...server.state, state: "quote_accepted" }; // the cut-off call had landed
    const { ctx } = await context(server, past);
    expect((await runStep(ctx, "accept_quote", stale)).state).to.equal("quote_accepted");
    expect(server.calls).to.deep.equal(["get"]);
  });

  it("an accept without a clear answer, sent again on a lagging read and refused, stops as unclear (exit 3), never as refused (helper-89)", async () => {
    const server = new FakeServer();
    server.next = "lose";
    server.stale = { ...server.state }; // the reads keep showing it quoted
    const { ctx, entries } = await context(server);
    const error = await failureOf(runStep(ctx, "accept_quote", server.state));
    expect(server.calls).to.deep.equal(["accept_quote", "get", "accept_quote", "get"]);
    expect(server.state.state).to.equal("quote_accepted");
    expect(error).to.not.be.instanceOf(StepRefused);
    const mapped = stopFor(error, true);
    expect(mapped).to.include({ code: "unreachable" });
    expect(mapped.message).to.equal(
      "accept_quote on request 7 had no clear answer, and sent again it was refused (no se puede) while the request reads quoted: the first call may have landed and the reading lag",
    );
    expect(await entries()).to.deep.equal(["accept_quote:intent:", "accept_quote:intent:"]);
  });

  it("an accept without a clear answer, sent again on a lagging read and answered 'surely not acted on' (a 429): still unclear, the first may have landed", async () => {
    const server = new FakeServer();
    server.next = "lose";
    server.stale = { ...server.state }; // the reads keep showing it quoted
    const read = server.getRequest.bind(server);
    server.getRequest = async () => {
      server.next = "unreachable"; // the second call is refused at the door
      return read();
    };
    const { ctx } = await context(server);
    const error = await failureOf(runStep(ctx, "accept_quote", server.state));
    expect(server.calls).to.deep.equal(["accept_quote", "get", "accept_quote"]);
    expect(error).to.not.be.instanceOf(ApiError);
    const mapped = stopFor(error, true);
    expect(mapped).to.include({ code: "unreachable" });
    expect(mapped.message).to.equal(
      "accept_quote on request 7 had no clear answer, and sent again it was refused (refused) while the request reads quoted: the first call may have landed",
    );
  });

  it("so after an earlier run's accept left without an answer: a refusal of this run's is unclear too", async () => {
    const server = new FakeServer();
    const past = foldJournal([
      { t: "step", action: "accept_quote", phase: "intent", request_id: "7", at: new Date().toISOString() },
    ]);
    server.stale = { ...server.state };
    server.state = { ...server.state, state: "working" };
    const { ctx } = await context(server, past);
    const error = await failureOf(runStep(ctx, "accept_quote", server.stale));
    expect(stopFor(error, true)).to.include({ code: "unreachable" });
  });

  it("a cache's lifetime after the unclear call was first sent, a refusal is Bitex's again, not unclear for ever (helper-92)", async () => {
    const server = new FakeServer();
    server.state = request({ state: "draft" });
    server.next = "refuse";
    const sent = new Date(Date.now() - 11 * 60_000).toISOString();
    const past = foldJournal([
      { t: "step", action: "request_quote", phase: "intent", request_id: "7", at: sent },
      { t: "step", action: "request_quote", phase: "intent", request_id: "7", at: new Date().toISOString() },
    ]);
    expect(past.stepsSentAt.get("7")).to.deep.equal({ request_quote: sent });
    const { ctx } = await context(server, past);
    const error = await failureOf(runStep(ctx, "request_quote", server.state));
    expect(error).to.be.instanceOf(StepRefused);
  });

  it("a call the server surely never got (refused connection) stops the step with the API error", async () => {
    const server = new FakeServer();
    server.next = "unreachable";
    const { ctx } = await context(server);
    const error = await failureOf(runStep(ctx, "accept_quote", server.state));
    expect(error).to.be.instanceOf(ApiError);
    expect(server.state.state).to.equal("quoted");
  });

  it("request_quote: draft → quote_requested once", async () => {
    const server = new FakeServer();
    server.state = request({ state: "draft" });
    const { ctx } = await context(server);
    expect((await runStep(ctx, "request_quote", server.state)).state).to.equal("quote_requested");
    expect(server.calls).to.deep.equal(["request_quote"]);
  });
});
