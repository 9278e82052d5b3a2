/**
 * The submit engine against readings that lag the server: a list and a request read answered
 * as they stood minutes ago, as a cache in front of Bitex answers (Bitex's own JSON:API code
 * caches every list and every read of a resource for 10 minutes). A reading that lacks an
 * output this batch created, with its id on record, is not the server's whole list, whatever
 * its count says: nothing is sent again on it.
 */
import { join } from "node:path";
import { expect } from "chai";
import { stopFor } from "../../src/app/stop.js";
import { type BitexClient, createBitexClient } from "../../src/bitex/client.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { exitCodeFor } from "../../src/errors.js";
import type { ValidRow } from "../../src/model.js";
import { plan } from "../../src/plan/plan.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type SubmitApi, submitPlan } from "../../src/submit/engine.js";
import { tempDir } from "../helpers/cli.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { journalLines, perInstruction, unclear, validRows } from "./rows.js";

describe("submit engine: a reading that lags the server", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let client: BitexClient;
  afterEach(async () => {
    client?.close();
    await box?.close();
  });

  for (const how of ["listed", "read by ids"] as const) {
    it(`a cached reading (${how}) without two outputs created with a clear answer: the unclear row is not sent again`, async () => {
      const made = makeWorld(12);
      box = await sandbox({}, made.seed);
      client = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency: 1, rate: 1000 });
      // Five rows of one request, the fifth sent last: every other create is answered before it.
      const rows = validRows(made.rows)
        .filter((row) => row.senderPort === "ar_ars")
        .slice(0, 5);
      const [, , third, , fifth] = rows as [ValidRow, ValidRow, ValidRow, ValidRow, ValidRow];
      // Every read of the request and of its outputs answers as the server stood when the third
      // row's create was sent: the outputs made so far, and a count that agrees with them.
      let cached: { request: ConciergeRequest; outputs: ConciergeOutput[] } | null = null;
      let creates = 0;
      // One create at a time, in the order sent, so the cached reading holds the first two.
      let chain: Promise<unknown> = Promise.resolve();
      const api: SubmitApi = {
        findRequestsByExternalId: (externalId) => client.findRequestsByExternalId(externalId),
        createRequest: (input) => client.createRequest(input),
        getRequest: async (id) => cached?.request ?? client.getRequest(id),
        listOutputs: async (id) => cached?.outputs ?? client.listOutputs(id),
        ...(how === "read by ids" ? { getOutput: (id: string) => client.getOutput(id) } : {}),
        createOutput: (args) => {
          const create = chain.then(() => createOne(args));
          chain = create.catch(() => undefined);
          return create;
        },
      };
      const createOne = async (args: Parameters<SubmitApi["createOutput"]>[0]) => {
        creates++;
        if (args.withdrawalInstructionId === third.withdrawalInstructionId && cached === null) {
          // One instant's reading: the request as its outputs then stood (another row's
          // create may be landing while they are read).
          const outputs = await client.listOutputs(args.requestId);
          const request = await client.getRequest(args.requestId);
          const ids = outputs.map((output) => output.id);
          cached = { request: { ...request, outputs_count: ids.length, outputs_ids: ids }, outputs };
        }
        const output = await client.createOutput(args);
        // The fifth row's create lands, and its answer is lost.
        if (args.withdrawalInstructionId === fifth.withdrawalInstructionId) throw unclear();
        return output;
      };
      const journalPath = join(await tempDir(), "journal.jsonl");
      const result = await submitPlan({
        plan: plan("stale", rows),
        journalPath,
        fileLabel: "stale.csv",
        apiLabel: box.url,
        api,
        concurrency: 1,
        signal: new AbortController().signal,
        stopFor,
        say: () => undefined,
        settle: { lateMs: 50 },
      });

      // Every row once on the server: the fifth row's output is not made a second time.
      expect(perInstruction(box)).to.deep.equal(rows.map((row) => [row.withdrawalInstructionId, 1]).sort());
      expect(creates).to.equal(rows.length);
      expect(result.stopped?.message).to.equal(
        "request 1: the reading of its outputs lacks 2 output(s) this batch created (3, 4); Bitex never deletes an output, so the reading is older than the server (a cache, or a copy that lags): nothing is sent again on it",
      );
      expect(exitCodeFor(result.stopped)).to.equal(3);
      const journal = await journalLines(journalPath);
      expect(journal.filter((entry) => entry.t === "intent" && entry.line === fifth.line)).to.have.length(1);
    });
  }
});
