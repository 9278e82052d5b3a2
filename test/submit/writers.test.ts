/**
 * Another writer in the batch's requests (docs/design.md section 6): a second run with its own journal, a
 * twin request created at the same moment, an output nobody in this run accounts for. The
 * engine runs in-process against the emulator; each run has its own journal.
 */
import { join } from "node:path";
import { expect } from "chai";
import { stopFor } from "../../src/app/stop.js";
import { type BitexClient, createBitexClient } from "../../src/bitex/client.js";
import { exitCodeFor } from "../../src/errors.js";
import type { Plan } from "../../src/model.js";
import { plan } from "../../src/plan/plan.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type SubmitOptions, type SubmitResult, submitPlan } from "../../src/submit/engine.js";
import { tempDir } from "../helpers/cli.js";
import { sandbox } from "../helpers/sandbox.js";
import { expectAtMostOnce, expectExactlyOnce, makeWorld, type WorldRow } from "../helpers/world.js";
import { Api } from "../sandbox/helpers.js";
import { validRows } from "./rows.js";

describe("submit engine: another writer in the batch's requests", function () {
  this.timeout(30_000);
  let box: Sandbox;
  const clients: BitexClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await box?.close();
  });

  function client(concurrency: number): BitexClient {
    const made = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency, rate: 1000 });
    clients.push(made);
    return made;
  }

  async function run(
    batch: Plan,
    extra: Partial<SubmitOptions> = {},
    concurrency = 2,
  ): Promise<SubmitResult> {
    return submitPlan({
      plan: batch,
      journalPath: join(await tempDir(), "journal.jsonl"),
      fileLabel: "payroll.csv",
      apiLabel: box.url,
      api: client(concurrency),
      concurrency,
      signal: new AbortController().signal,
      stopFor,
      say: () => undefined,
      settle: { lateMs: 300 },
      ...extra,
    });
  }

  it("two runs that create the request at the same moment: at least one stops before any output, naming both requests", async () => {
    // One sender, so one request per run; the latency makes both look before either creates.
    const made = makeWorld(20);
    const rows = made.rows.map((row) => ({ ...row, sender_port: "ar_ars" }));
    box = await sandbox({ latency_ms: 30 }, made.seed);
    const batch = plan("same-moment", validRows(rows));
    const results = await Promise.all([run(batch), run(batch)]);
    const stopped = results.filter((result) => result.stopped);
    expect(stopped.length).to.be.greaterThan(0);
    for (const result of stopped) {
      expect(result.stopped?.code).to.equal("concurrent_writer");
      expect(exitCodeFor(result.stopped)).to.equal(4);
      expect(result.stopped?.message).to.match(
        /^requests \d+, \d+ carry external_id bb-[0-9a-f]+: another run created one at the same moment; this run sent no output into them$/,
      );
    }
    expect(box.state().requests).to.have.length(2);
    expectAtMostOnce(box, rows);
    if (stopped.length === 1) expectExactlyOnce(box, rows);
    else expect(box.state().outputs).to.have.length(0);
  });

  it("a twin the operator cancelled empty at Bitex, as the stop asks: the next run takes the request left, every row once", async () => {
    const made = makeWorld(20);
    const rows = made.rows.map((row) => ({ ...row, sender_port: "ar_ars" }));
    box = await sandbox({ latency_ms: 30 }, made.seed);
    const batch = plan("same-moment", validRows(rows));
    await Promise.all([run(batch), run(batch)]);
    expect(box.state().requests).to.have.length(2);
    // Before anyone deals with them, a run names both and says what to do.
    const blocked = await run(batch);
    expect(blocked.stopped?.code).to.equal("conflict");
    expect(blocked.stopped?.message).to.match(
      /^2 requests \(\d+, \d+\) carry external_id bb-[0-9a-f]+: cancel at Bitex the ones that hold no output \(nothing more was sent for this sender\)$/,
    );
    const empty = box.state().requests.find((request) => request.attributes.outputs_count === 0);
    if (!empty) throw new Error("no twin without outputs");
    expect((await new Api(box).post(`/concierge_requests/${empty.id}/cancel`)).status).to.equal(200);
    const done = await run(batch);
    expect(done.stopped).to.equal(null);
    expectExactlyOnce(box, rows);
  });

  it("a request another run is filling is left alone: its outputs grew during the quiet moment", async () => {
    const made = makeWorld(40);
    const rows = made.rows.map((row) => ({ ...row, sender_port: "ar_ars" }));
    box = await sandbox({ latency_ms: 20 }, made.seed);
    const batch = plan("quiet", validRows(rows));
    const first = run(batch, {}, 1);
    while (box.counts().outputs < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await run(batch, { quietMs: 500 }, 4);
    expect(second.stopped?.code).to.equal("concurrent_writer");
    expect(second.stopped?.message).to.match(
      /^request \d+ \(external_id bb-[0-9a-f]+\) is being filled by another run: it held \d+ output\(s\), and \d+ a moment later; this run sent nothing into it$/,
    );
    // The second run looked (find, count) and sent nothing; the first run made the rest.
    expect([...second.outcomes.values()].every((outcome) => outcome.status === "pending")).to.equal(true);
    expect((await first).stopped).to.equal(null);
    expectExactlyOnce(box, rows);
  });

  /**
   * Runs the batch with another writer paying `count` rows from the end of the file once 5
   * outputs exist (`foreign`: payments that are in no row of the file).
   */
  async function withIntruder(name: string, count: number, foreign = false) {
    const made = makeWorld(60);
    const rows = made.rows.map((row) => ({ ...row, sender_port: "ar_ars" }));
    box = await sandbox({ latency_ms: 20 }, made.seed);
    const running = run(plan(name, validRows(rows)), { watchEvery: 4 }, 2);
    while (box.counts().outputs < 5) await new Promise((resolve) => setTimeout(resolve, 2));
    const requestId = box.state().requests[0]?.id as string;
    const other = client(count);
    const theirs = await Promise.all(
      rows.slice(-count).map((row) =>
        other.createOutput({
          requestId,
          portCode: row.port,
          amount: foreign ? String(Number.parseFloat(row.amount) + 7) : row.amount,
          recipientUserId: row.recipient_user_id,
          withdrawalInstructionId: row.withdrawal_instruction_id,
        }),
      ),
    );
    const seenAt = box.state().outputs.length;
    const result = await running;
    expect(result.stopped?.code, result.stopped?.message).to.equal("concurrent_writer");
    expect(exitCodeFor(result.stopped)).to.equal(4);
    const named = new RegExp(
      `^request ${requestId} holds ${count} output\\(s\\) that this run did not create and its journal cannot account for \\(([\\d, ]+)\\)`,
    ).exec(result.stopped?.message ?? "");
    expect(named, result.stopped?.message).to.not.equal(null);
    expect(named?.[1]?.split(", ").sort()).to.deep.equal(theirs.map((output) => output.id).sort());
    expectAtMostOnce(box, rows, new Set(foreign ? theirs.map((output) => output.id) : []));
    return { rows, seenAt };
  }

  it("outputs another writer keeps adding while the run fills the request are caught within a few creates, named", async () => {
    // More than the run's own creates that may be queued or in flight (2 x concurrency 2):
    // the count of the request's outputs, taken every 4 creates, cannot be explained.
    const { seenAt } = await withIntruder("intruder", 8);
    // Up to 4 creates until the count, and those in flight or queued (2 + 2) meanwhile.
    expect(box.state().outputs.length - seenAt, "creates after the intrusion").to.be.at.most(4 + 4);
  });

  it("a single output of someone else's is caught at the latest when the round ends (exit 4), named", async () => {
    // One output can hide behind this run's own creates in flight at a count; the count that
    // ends the round has none in flight.
    await withIntruder("one-intruder", 1, true);
  });

  it("counts a request's outputs every watchEvery creates, but not when the round's own exact count comes sooner", async () => {
    const made = makeWorld(11);
    const rows = made.rows.map((row) => ({ ...row, sender_port: "ar_ars" }));
    box = await sandbox({}, made.seed);
    const bitex = client(1);
    /** Creates made when each count of the request's outputs was taken. */
    const countedAt: number[] = [];
    let created = 0;
    const api = {
      ...bitex,
      createOutput: async (input: Parameters<BitexClient["createOutput"]>[0]) => {
        const output = await bitex.createOutput(input);
        created++;
        return output;
      },
      getRequest: async (id: string) => {
        countedAt.push(created);
        return bitex.getRequest(id);
      },
    };
    const result = await run(plan("paced", validRows(rows)), { api, watchEvery: 4 }, 1);
    expect(result.stopped).to.equal(null);
    expectExactlyOnce(box, rows);
    // At the 4th create 5 to 7 rows are left to send: counted. At the 8th, 1 to 3 are left:
    // the round ends within fewer than 4 creates, and its count (nothing in flight) follows.
    expect(countedAt).to.deep.equal([4, 11]);
  });

  it("an output in the batch's own request that no row of the file accounts for stops the run before it sends (exit 4), named", async () => {
    const made = makeWorld(6);
    const rows = made.rows.map((row) => ({ ...row, sender_port: "ar_ars" }));
    box = await sandbox({}, made.seed);
    const batch = plan("foreign", validRows(rows));
    const planned = batch.requests[0];
    if (!planned) throw new Error("one request expected");
    const api = client(1);
    const request = await api.createRequest({
      portCode: planned.senderPort,
      externalId: planned.externalId,
      payerUserId: planned.payerUserId,
    });
    // Someone put a payment into it that the file does not hold (a changed amount).
    const row = rows[0] as WorldRow;
    const foreign = await api.createOutput({
      requestId: request.id,
      portCode: row.port,
      amount: "123456",
      recipientUserId: row.recipient_user_id,
      withdrawalInstructionId: row.withdrawal_instruction_id,
    });
    const result = await run(batch, { quietMs: 50 });
    expect(result.stopped?.code).to.equal("concurrent_writer");
    expect(result.stopped?.message).to.include(
      `request ${request.id} holds 1 output(s) that this run did not create and its journal cannot account for (${foreign.id})`,
    );
    expect(box.state().outputs, "nothing sent").to.have.length(1);
  });

  it("a row paid twice is named at every later run, and nothing more is sent", async () => {
    const made = makeWorld(6);
    const rows = made.rows.map((row) => ({ ...row, sender_port: "ar_ars" }));
    box = await sandbox({}, made.seed);
    const batch = plan("twice", validRows(rows));
    const first = await run(batch);
    expect(first.stopped).to.equal(null);
    const original = first.outcomes.get(4);
    if (original?.status !== "created") throw new Error("row 2 (line 4) should be created");
    // A create that landed after its settle delay, or a proxy that sent it twice.
    const row = rows[2] as WorldRow;
    const requestId = box.state().requests[0]?.id as string;
    const api = client(1);
    const extra = await api.createOutput({
      requestId,
      portCode: row.port,
      amount: row.amount,
      recipientUserId: row.recipient_user_id,
      withdrawalInstructionId: row.withdrawal_instruction_id,
    });
    // The journal lost: every output is matched again, the one too many is left over.
    for (let attempt = 0; attempt < 2; attempt++) {
      const again = await run(batch, { quietMs: 50 });
      expect(again.stopped?.code).to.equal("concurrent_writer");
      expect(again.stopped?.message).to.match(/holds 1 output\(s\) .*\((\d+)\)/);
      const named = /\((\d+)\):/.exec(again.stopped?.message ?? "")?.[1];
      // Either of the two identical outputs: the other one pays the row.
      expect([original.outputId, extra.id]).to.include(named);
      // Stopped again and again with no other run: the way out, not "run again" alone (helper-100).
      expect(again.stopped?.hint).to.include(
        'If no other run is going and this stop comes again, the outputs are there for good: cancel the request(s) named at Bitex (not accepted, they hold no money), then bitex-batch status writes the remaining file with their rows (README: "A request with extra outputs")',
      );
    }
    expect(box.state().outputs).to.have.length(rows.length + 1);
  });
});
