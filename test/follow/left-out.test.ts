/**
 * With --allow-partial, a request whose every row Bitex refused holds no output: nothing of
 * the batch is in it, so it is never quoted or accepted, and the rest of the batch goes on,
 * whether it is still a draft or Bitex has since pruned it (cancelled, draft_was_pruned).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { JournalWriter } from "../../src/batch/journal.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { decimal } from "../../src/decimal.js";
import { BatchFollow } from "../../src/follow/run.js";
import { request, TWO_PAYERS, twoPayersJournal } from "../helpers/follow-fakes.js";

const NOW = new Date("2026-11-29T10:05:00Z");
const AT = "2026-11-29T10:00:00Z";

/** Request 7 holds line 2's output 71; request 8 (line 3 refused at create) holds none. */
class Server {
  calls: string[] = [];
  state: Map<string, ConciergeRequest>;

  constructor(empty: ConciergeRequest) {
    this.state = new Map([
      ["7", request({ id: "7", outputs_count: 1, outputs_accepting: 1, outputs_ids: ["71"] })],
      ["8", empty],
    ]);
  }

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
      eta: "2026-11-29T10:00:00Z",
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

const past = twoPayersJournal([
  { t: "created", line: 2, request_id: "7", output_id: "71", state: "accepting", via: "response", at: AT },
  { t: "failed", line: 3, request_id: "8", code: "api_not_found", error: "no such payee", at: AT },
]);

describe("follow: --allow-partial leaves out a request whose every row was refused", () => {
  for (const [what, empty] of [
    ["a draft", request({ id: "8", external_id: "bb-test-2" })],
    [
      "pruned by Bitex",
      request({
        id: "8",
        external_id: "bb-test-2",
        state: "cancelled",
        cancellation_reason: "draft_was_pruned",
      }),
    ],
  ] as const) {
    it(`${what}: the other request is quoted and accepted, nothing is asked of it`, async () => {
      const server = new Server(empty);
      const journal = await JournalWriter.open(
        join(await mkdtemp(join(tmpdir(), "bb-left-out-")), "j.jsonl"),
      );
      const follow = new BatchFollow({
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
      });
      try {
        await follow.quote(1_000, 1);
        const guard = await follow.accept([{ currency: "ARS", amount: decimal("1000") }], () => NOW);
        expect(guard.problems).to.deep.equal([]);
        expect(server.calls).to.deep.equal(["request_quote 7", "accept_quote 7"]);
        expect(server.state.get("8")?.state).to.equal(empty.state);
      } finally {
        await journal.close();
      }
    });
  }
});
