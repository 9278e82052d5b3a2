/**
 * Rows a batch released to its remaining file are paid by that file, never by the batch: a
 * request still to be quoted or accepted that holds one is neither (gate problem `released`).
 * A released row Bitex refused at create has no output there, and one whose output Bitex
 * rejected is paid by no accept: neither holds the rest of the batch back.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type JournalState, JournalWriter } from "../../src/batch/journal.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { decimal } from "../../src/decimal.js";
import { BatchFollow } from "../../src/follow/run.js";
import { created, request, TWO_PAYERS, twoPayersJournal } from "../helpers/follow-fakes.js";

const NOW = new Date("2026-11-29T10:05:00Z");
const AT = "2026-11-29T10:00:00Z";

class Server {
  calls: string[] = [];
  constructor(readonly state: Map<string, ConciergeRequest>) {}
  getRequest = async (id: string): Promise<ConciergeRequest> => ({
    ...(this.state.get(id) as ConciergeRequest),
  });
  findRequestsByExternalId = async (): Promise<ConciergeRequest[]> => {
    throw new Error("the journal names every request");
  };
  listOutputs = async (): Promise<ConciergeOutput[]> => [];
  requestQuote = async (id: string): Promise<ConciergeRequest> => {
    this.calls.push(`request_quote ${id}`);
    const quoted = {
      ...(this.state.get(id) as ConciergeRequest),
      state: "quoted" as const,
      total_to_spend: "1000.00",
      eta: AT,
      accept_quote_before: "2026-11-29T10:10:00Z",
    };
    this.state.set(id, quoted);
    return { ...quoted };
  };
  acceptQuote = async (id: string): Promise<ConciergeRequest> => {
    this.calls.push(`accept_quote ${id}`);
    const accepted = { ...(this.state.get(id) as ConciergeRequest), state: "quote_accepted" as const };
    this.state.set(id, accepted);
    return { ...accepted };
  };
}

async function follow(
  server: Server,
  past: JournalState,
  released: number[] | (() => number[]),
  beforeAccepts?: () => Promise<void>,
) {
  const journal = await JournalWriter.open(join(await mkdtemp(join(tmpdir(), "bb-released-")), "j.jsonl"));
  const run = new BatchFollow({
    api: server,
    file: "payroll.csv",
    plan: { batchId: "test", requests: TWO_PAYERS, fingerprint: "f" },
    past,
    journal,
    signal: new AbortController().signal,
    settleMs: 1,
    allowPartial: true,
    say: () => {},
    tellTime: (iso) => iso,
    released: async () => new Set(typeof released === "function" ? released() : released),
    ...(beforeAccepts ? { beforeAccepts } : {}),
  });
  return { run, close: () => journal.close() };
}

/** Requests 7 and 8 (two payers), each quoted with one output; request 8 spending `spend8`. */
function twoQuoted(spend8 = "500.00"): Server {
  const quoted = {
    state: "quoted" as const,
    total_to_spend: "500.00",
    eta: AT,
    accept_quote_before: "2026-11-29T10:10:00Z",
  };
  return new Server(
    new Map([
      ["7", request({ id: "7", outputs_count: 1, outputs_accepting: 1, outputs_ids: ["71"], ...quoted })],
      [
        "8",
        request({
          id: "8",
          external_id: "bb-test-2",
          outputs_count: 1,
          outputs_accepting: 1,
          outputs_ids: ["81"],
          ...quoted,
          total_to_spend: spend8,
        }),
      ],
    ]),
  );
}

describe("follow: a request holding rows the batch released to its remaining file", () => {
  it("a draft holding a released row is never quoted, the others neither (exit 2, nothing asked)", async () => {
    const server = new Server(
      new Map([
        ["7", request({ id: "7", outputs_count: 1, outputs_accepting: 1, outputs_ids: ["71"] })],
        [
          "8",
          request({
            id: "8",
            external_id: "bb-test-2",
            outputs_count: 1,
            outputs_accepting: 1,
            outputs_ids: ["81"],
          }),
        ],
      ]),
    );
    const { run, close } = await follow(
      server,
      twoPayersJournal([created(2, "7", "71"), created(3, "8", "81")]),
      [2],
    );
    try {
      const refused = await run.quote(1_000, 1).then(
        () => null,
        (error: Error & { code?: string; hint?: string }) => error,
      );
      expect(refused?.message).to.equal(
        "the batch cannot be quoted: request 7 holds line(s) 2, which this batch released to its remaining file (that file pays them)",
      );
      expect(refused?.code).to.equal("refused");
      expect(run.unacceptable).to.equal(true);
      expect(server.calls).to.deep.equal([]);
    } finally {
      await close();
    }
  });

  it("a quoted request holding a released row is never accepted", async () => {
    const server = twoQuoted();
    const { run, close } = await follow(
      server,
      twoPayersJournal([created(2, "7", "71"), created(3, "8", "81")]),
      [3],
    );
    try {
      const guard = await run.accept([{ currency: "ARS", amount: decimal("1000000") }], () => NOW);
      expect(guard.problems).to.deep.equal([
        "request 8 holds line(s) 3, which this batch released to its remaining file (that file pays them)",
      ]);
      expect(run.heldReleased).to.equal(true);
      expect(server.calls).to.deep.equal([]);
    } finally {
      await close();
    }
  });

  it("a batch begun since, found right before the accepts, stops them all: none is sent (helper-93)", async () => {
    const server = twoQuoted();
    let checks = 0;
    const later = async () => {
      checks++;
      throw new Error("a batch begun later holds these rows");
    };
    const { run, close } = await follow(
      server,
      twoPayersJournal([created(2, "7", "71"), created(3, "8", "81")]),
      [],
      later,
    );
    try {
      let error: unknown;
      await run
        .accept([{ currency: "ARS", amount: decimal("1000000") }], () => NOW)
        .catch((e) => {
          error = e;
        });
      expect((error as Error).message).to.equal("a batch begun later holds these rows");
      expect(checks).to.equal(1);
      expect(server.calls).to.deep.equal([]);
    } finally {
      await close();
    }
  });

  it("a released row Bitex refused at create holds nothing back: the other request is quoted and accepted", async () => {
    const server = new Server(
      new Map([
        ["7", request({ id: "7", outputs_count: 1, outputs_accepting: 1, outputs_ids: ["71"] })],
        ["8", request({ id: "8", external_id: "bb-test-2" })],
      ]),
    );
    const past = twoPayersJournal([
      created(2, "7", "71"),
      { t: "failed", line: 3, request_id: "8", code: "api_not_found", error: "no such payee", at: AT },
    ]);
    const { run, close } = await follow(server, past, [3]);
    try {
      await run.quote(1_000, 1);
      const guard = await run.accept([{ currency: "ARS", amount: decimal("1000") }], () => NOW);
      expect(guard.problems).to.deep.equal([]);
      expect(server.calls).to.deep.equal(["request_quote 7", "accept_quote 7"]);
    } finally {
      await close();
    }
  });

  it("a released row whose output Bitex rejected is paid by no accept: its request is accepted with the others", async () => {
    const quoted = {
      state: "quoted" as const,
      total_to_spend: "500.00",
      eta: AT,
      accept_quote_before: "2026-11-29T10:10:00Z",
    };
    const server = new Server(
      new Map([
        ["7", request({ id: "7", outputs_count: 1, outputs_accepting: 1, outputs_ids: ["71"], ...quoted })],
        [
          "8",
          request({
            id: "8",
            external_id: "bb-test-2",
            outputs_count: 1,
            outputs_rejected: 1,
            outputs_ids: ["81"],
            ...quoted,
            total_to_spend: "0.00",
          }),
        ],
      ]),
    );
    const { run, close } = await follow(
      server,
      twoPayersJournal([created(2, "7", "71"), created(3, "8", "81")]),
      [3],
    );
    try {
      const guard = await run.accept([{ currency: "ARS", amount: decimal("1000") }], () => NOW);
      expect(guard.problems).to.deep.equal([]);
      expect(server.calls).to.deep.equal(["accept_quote 7", "accept_quote 8"]);
    } finally {
      await close();
    }
  });

  it("a row released while the accept was being decided (a status run meanwhile): nothing is accepted", async () => {
    const server = twoQuoted();
    let reads = 0;
    // Nothing released when the gate is checked; line 3 released by the time the accepts go.
    const released = () => (reads++ === 0 ? [] : [3]);
    const { run, close } = await follow(
      server,
      twoPayersJournal([created(2, "7", "71"), created(3, "8", "81")]),
      released,
    );
    try {
      const guard = await run.accept([{ currency: "ARS", amount: decimal("1000000") }], () => NOW);
      expect(guard.problems).to.deep.equal([
        "request 8 holds line(s) 3, which this batch released to its remaining file (that file pays them)",
      ]);
      expect(reads).to.equal(2);
      expect(server.calls).to.deep.equal([]);
    } finally {
      await close();
    }
  });
});
