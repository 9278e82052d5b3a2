/**
 * The submit engine against readings that lag the server: a list and a request read answered
 * as they stood minutes ago, as a cache in front of Bitex answers (Bitex's own JSON:API code
 * caches every list and every read of a resource for 10 minutes). A reading that lacks an
 * output this batch created, with its id on record, is not the server's whole list, whatever
 * its count says: nothing is sent again on it.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { type BitexClient, createBitexClient } from "../../src/bitex/client.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { exitCodeFor } from "../../src/errors.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import type { SubmitApi } from "../../src/submit/engine.js";
import { tempDir } from "../helpers/cli.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { journalLines, perInstruction, submitRows, unclear, validRows } from "./rows.js";

describe("submit engine: a reading that lags the server", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let client: BitexClient;
  afterEach(async () => {
    client?.close();
    await box?.close();
  });

  /**
   * Five rows of one request, sent one at a time in order; every read of the request and of
   * its outputs answers as the server stood when the third row was sent (its outputs then,
   * and a count that agrees with them). Each row in `unclearRows` lands, and its answer is
   * lost after `slowMs` (0 unless said); `lateMs` is the settle delay.
   */
  async function lagging(
    how: "listed" | "read by ids",
    unclearRows: number[],
    slowMs: Record<number, number> = {},
    lateMs = 100,
  ) {
    const made = makeWorld(12);
    box = await sandbox({}, made.seed);
    client = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency: 1, rate: 1000 });
    const rows = validRows(made.rows)
      .filter((row) => row.senderPort === "ar_ars")
      .slice(0, 5);
    const nth = (args: Parameters<SubmitApi["createOutput"]>[0]) =>
      rows.findIndex((row) => row.withdrawalInstructionId === args.withdrawalInstructionId);
    let cached: { request: ConciergeRequest; outputs: ConciergeOutput[] } | null = null;
    const seen = { creates: 0, listings: 0 };
    let chain: Promise<unknown> = Promise.resolve();
    const createOne = async (args: Parameters<SubmitApi["createOutput"]>[0]) => {
      seen.creates++;
      if (nth(args) === 2 && cached === null) {
        // One instant's reading: the request as its outputs then stood.
        const outputs = await client.listOutputs(args.requestId);
        const request = await client.getRequest(args.requestId);
        const ids = outputs.map((output) => output.id);
        cached = { request: { ...request, outputs_count: ids.length, outputs_ids: ids }, outputs };
      }
      const output = await client.createOutput(args);
      await sleep(slowMs[nth(args)] ?? 0);
      if (unclearRows.includes(nth(args))) throw unclear();
      return output;
    };
    const api: SubmitApi = {
      findRequestsByExternalId: (externalId) => client.findRequestsByExternalId(externalId),
      createRequest: (input) => client.createRequest(input),
      getRequest: async (id) => cached?.request ?? client.getRequest(id),
      listOutputs: async (id) => {
        if (cached) seen.listings++;
        return cached?.outputs ?? client.listOutputs(id);
      },
      ...(how === "read by ids" ? { getOutput: (id: string) => client.getOutput(id) } : {}),
      createOutput: (args) => {
        const create = chain.then(() => createOne(args));
        chain = create.catch(() => undefined);
        return create;
      },
    };
    const journalPath = join(await tempDir(), "journal.jsonl");
    const result = await submitRows(api, box.url, "stale", rows, { journalPath, settle: { lateMs } });
    const journal = await journalLines(journalPath);
    const intents = unclearRows.map(
      (n) => journal.filter((entry) => entry.t === "intent" && entry.line === rows[n]?.line).length,
    );
    return { rows, result, seen, intents };
  }

  const stale = (ids: string[]) =>
    `request 1: the reading of its outputs lacks ${ids.length} output(s) this batch created (${ids.join(", ")}); Bitex never deletes an output, so the reading is older than the server (a cache, or a copy that lags): nothing is sent again on it`;

  for (const how of ["listed", "read by ids"] as const) {
    it(`a cached reading (${how}) without two outputs created with a clear answer: the unclear row is not sent again`, async () => {
      const { rows, result, seen, intents } = await lagging(how, [4]);
      // Every row once on the server: the fifth row's output is not made a second time.
      expect(perInstruction(box)).to.deep.equal(rows.map((row) => [row.withdrawalInstructionId, 1]).sort());
      expect(seen.creates).to.equal(rows.length);
      expect(result.stopped?.message).to.equal(stale(["3", "4"]));
      expect(exitCodeFor(result.stopped)).to.equal(3);
      expect(intents).to.deep.equal([1]);
    });
  }

  it("the same while another unclear row's delay still runs: read again at its delay, then stopped, nothing sent again", async () => {
    // The fourth row's answer is lost at once, the fifth's 1.5 s later: the readings once the
    // round is over (the fourth's delay of 1 s passed) may not decide while the fifth may
    // still land; the one at the fifth's delay does.
    const { rows, result, seen, intents } = await lagging("listed", [3, 4], { 4: 1500 }, 1000);
    expect(perInstruction(box)).to.deep.equal(rows.map((row) => [row.withdrawalInstructionId, 1]).sort());
    expect(seen.creates).to.equal(rows.length);
    expect(seen.listings).to.equal(3);
    expect(result.stopped?.message).to.equal(stale(["3"]));
    expect(intents).to.deep.equal([1, 1]);
  });
});
