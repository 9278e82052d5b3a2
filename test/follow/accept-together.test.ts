/**
 * The accepts of a batch of several requests go out together (BatchFollow.accept). When
 * Bitex refuses one of them, the others are already on the wire: the run must not stop (and
 * close the journal, and say what was accepted) before each of those has its answer, or it
 * says "refused" of a batch whose other request is being accepted as it speaks.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { JournalWriter, parseJournal } from "../../src/batch/journal.js";
import { ApiError } from "../../src/bitex/errors.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { decimal } from "../../src/decimal.js";
import { BatchError } from "../../src/errors.js";
import { BatchFollow } from "../../src/follow/run.js";
import { StepRefused } from "../../src/follow/steps.js";
import { request, TWO_PAYERS, twoPayersJournal } from "../helpers/follow-fakes.js";

const NOW = new Date("2026-11-29T10:05:00Z");
const AT = "2026-11-29T10:00:00Z";

const quoted = (id: string, output: string, total: string) =>
  request({
    id,
    state: "quoted",
    external_id: id === "7" ? "bb-test-1" : "bb-test-2",
    outputs_count: 1,
    outputs_accepting: 1,
    outputs_ids: [output],
    total_to_spend: total,
    eta: "2026-11-29T10:00:00Z",
    accept_quote_before: "2026-11-29T10:10:00Z",
  });

/** Request 7's quote lapses as its accept arrives (422); request 8's accept takes a while and lands. */
class Server {
  state = new Map<string, ConciergeRequest>([
    ["7", quoted("7", "71", "1000.00")],
    ["8", quoted("8", "81", "2000.00")],
  ]);

  getRequest = async (id: string): Promise<ConciergeRequest> => ({
    ...(this.state.get(id) as ConciergeRequest),
  });
  findRequestsByExternalId = async (): Promise<ConciergeRequest[]> => {
    throw new Error("the journal names every request");
  };
  listOutputs = async (): Promise<ConciergeOutput[]> => {
    throw new Error("the journal and the request prove the outputs: nothing to list");
  };
  requestQuote = async (): Promise<ConciergeRequest> => {
    throw new Error("quoted already");
  };
  acceptQuote = async (id: string): Promise<ConciergeRequest> => {
    const current = this.state.get(id) as ConciergeRequest;
    if (id === "7") {
      this.state.set(id, { ...current, state: "cancelled", cancellation_reason: "quote_not_accepted" });
      throw new ApiError({
        kind: "validation",
        code: "invalid_transition",
        detail: "no se puede aceptar la cotización",
        sent: "no",
        status: 422,
      });
    }
    await sleep(200);
    const accepted = { ...current, state: "quote_accepted" as const };
    this.state.set(id, accepted);
    return { ...accepted };
  };
}

const past = () =>
  twoPayersJournal([
    { t: "created", line: 2, request_id: "7", output_id: "71", state: "accepting", via: "response", at: AT },
    { t: "created", line: 3, request_id: "8", output_id: "81", state: "accepting", via: "response", at: AT },
  ]);

/** Request 8's accept never gets a clear answer (a gateway timeout each time), and is not seen landed. */
function unclearServer(): Server {
  const server = new Server();
  const refuseSeven = server.acceptQuote;
  server.acceptQuote = async (id: string): Promise<ConciergeRequest> => {
    if (id === "7") return refuseSeven(id);
    throw new ApiError({
      kind: "timeout",
      code: "api_timeout",
      detail: "gateway timeout",
      sent: "maybe",
      status: 504,
    });
  };
  return server;
}

async function acceptBoth(server: Server, path: string): Promise<unknown> {
  const journal = await JournalWriter.open(path);
  const follow = new BatchFollow({
    api: server,
    file: "payroll.csv",
    plan: { batchId: "test", requests: TWO_PAYERS, fingerprint: "f" },
    past: past(),
    journal,
    signal: new AbortController().signal,
    settleMs: 1,
    allowPartial: false,
    say: () => {},
    tellTime: (iso) => iso,
  });
  try {
    return await follow
      .accept([{ currency: "ARS", amount: decimal("5000") }], () => NOW)
      .then(
        () => null,
        (error: unknown) => error,
      );
  } finally {
    await journal.close();
  }
}

describe("follow/accept: a batch's accepts sent together are all answered before the run stops", () => {
  it("a refused accept stops the run only once the other accepts sent have their answer, journaled", async () => {
    const server = new Server();
    const path = join(await mkdtemp(join(tmpdir(), "bb-accept-together-")), "journal.jsonl");
    const stopped = await acceptBoth(server, path);
    // What the run knows when it stops is what it journals and reports: request 8 accepted.
    const steps = parseJournal(await readFile(path, "utf8")).flatMap((e) =>
      e.t === "step" ? [`${e.request_id}:${e.action}:${e.phase}:${e.state ?? ""}`] : [],
    );
    expect(stopped).to.be.instanceOf(StepRefused);
    expect((stopped as StepRefused).request.id).to.equal("7");
    expect(steps).to.have.members([
      "7:accept_quote:intent:",
      "8:accept_quote:intent:",
      "8:accept_quote:done:quote_accepted",
    ]);
  });

  it("a refused accept beside one left without a clear answer stops as unclear (it may have been accepted), never as refused", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "bb-accept-together-")), "journal.jsonl");
    const stopped = await acceptBoth(unclearServer(), path);
    // Refused says nothing was accepted (exit 2); request 8's accept may have landed: run again to settle it.
    expect(stopped).to.be.instanceOf(BatchError);
    expect((stopped as BatchError).code).to.equal("unreachable");
    expect((stopped as BatchError).message).to.equal("accept_quote on request 8 had no clear answer");
  });
});
