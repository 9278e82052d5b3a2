/**
 * A lookup by external_id answered from a cache (Bitex's own JSON:API code keeps a list 10
 * minutes, keyed by page and per page, not by filter: docs/design.md section 9). Two runs of
 * one batch with two state directories (or a journal lost) both read "no request" before
 * creating theirs; the look for a twin, as old, showed neither, and every row was paid twice.
 * Found by helper-62.
 */
import { expect } from "chai";
import { type BitexClient, createBitexClient } from "../../src/bitex/client.js";
import type { ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { exitCodeFor } from "../../src/errors.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { clientApi, perInstruction, submitRows, validRows } from "./rows.js";

describe("submit engine: a lookup by external_id answered from a cache", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let client: BitexClient;
  afterEach(async () => {
    client?.close();
    await box?.close();
  });

  async function setup() {
    const made = makeWorld(12);
    box = await sandbox({}, made.seed);
    client = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency: 2, rate: 1000 });
    const rows = validRows(made.rows)
      .filter((row) => row.senderPort === "ar_ars")
      .slice(0, 5);
    // One cache in front of the API: the first answer of the lookup is every later one's
    // (kept as it is asked, so that two runs asking at once both get it).
    let cached: Promise<ConciergeRequest[]> | null = null;
    const api = clientApi(client, {
      findRequestsByExternalId: (externalId) => {
        cached ??= client.findRequestsByExternalId(externalId);
        return cached;
      },
    });
    const run = () =>
      submitRows(api, box.url, "cached", rows, { concurrency: 2, settle: { lateMs: 100 }, quietMs: 0 });
    return { run, rows, expire: () => (cached = null) };
  }

  const STALE =
    /^Bitex's list of requests with external_id \S+ does not show request \d+, which this run just created: the list is older than the server \(a cache, or a copy that lags\), so it cannot show whether another run made a twin; no output was sent\. Bitex may keep a list 10 minutes: run the same command again after that; it finds the request by its external_id and goes on with it$/;

  for (const [title, together] of [
    ["two runs of one batch at once (two state directories)", true],
    ["a run with the journal lost, after the first finished", false],
  ] as const) {
    it(`${title}: a look for a twin that does not show the request just made stops the run before any output`, async () => {
      const { run } = await setup();
      const [a, b] = together ? await Promise.all([run(), run()]) : [await run(), await run()];
      // The cache's first answer (no request) is every look's, the look for a twin too: each
      // run made its request, found it missing from the list, and stopped before any output.
      for (const result of [a, b]) {
        expect(result.stopped?.message).to.match(STALE);
        expect(exitCodeFor(result.stopped)).to.equal(3);
      }
      expect(box.state().requests.map((r) => r.attributes.outputs_count)).to.deep.equal([0, 0]);
      expect(box.state().outputs).to.deep.equal([]);
    });
  }

  it("run again once the list shows the request: it finds it by its external_id and fills it, every row once", async () => {
    const { run, rows, expire } = await setup();
    expect((await run()).stopped?.message).to.match(STALE);
    expire();
    const again = await run();
    expect(again.stopped).to.equal(null);
    expect(box.state().requests.map((r) => [r.id, r.attributes.outputs_count])).to.deep.equal([
      ["1", rows.length],
    ]);
    expect(perInstruction(box)).to.deep.equal(rows.map((row) => [row.withdrawalInstructionId, 1]).sort());
  });
});
