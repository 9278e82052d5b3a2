/**
 * A lookup by external_id answered from a cache (Bitex's own JSON:API code keeps a list 10
 * minutes, keyed by page and per page, not by filter: docs/design.md section 9). Two runs of
 * one batch with two state directories (or a journal lost) both read "no request" before
 * creating theirs; the look for a twin, as old, showed neither, and every row was paid twice.
 * Found by helper-62. A look that does not show the request just made proves nothing: the run
 * stops before any output, the request journaled unchecked; the run after takes it and looks
 * again (helper-66: it made another request each time before).
 */
import { join } from "node:path";
import { expect } from "chai";
import { stopFor } from "../../src/app/stop.js";
import { type BitexClient, createBitexClient } from "../../src/bitex/client.js";
import type { ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { exitCodeFor } from "../../src/errors.js";
import { plan } from "../../src/plan/plan.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { submitPlan } from "../../src/submit/engine.js";
import { tempDir } from "../helpers/cli.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { clientApi, perInstruction, validRows } from "./rows.js";

const STALE =
  /^Bitex's list of requests with external_id \S+ does not show request (\d+), which this batch created: the list is older than the server \(a cache, or a copy that lags\), so it cannot show whether another run made a twin; no output was sent into it\. Bitex may keep a list 10 minutes: run the same command again after that; it takes request \1 and looks again$/;

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
    // One cache in front of the API: the first answer of the lookup is every later one's,
    // until it expires.
    const cache: { answer: ConciergeRequest[] | null } = { answer: null };
    const api = clientApi(client, {
      findRequestsByExternalId: async (externalId) => {
        cache.answer ??= await client.findRequestsByExternalId(externalId);
        return cache.answer;
      },
    });
    const dir = await tempDir();
    const run = (journal: string) =>
      submitPlan({
        plan: plan("cached", rows),
        journalPath: join(dir, journal),
        fileLabel: "payroll.csv",
        apiLabel: box.url,
        api,
        concurrency: 2,
        signal: new AbortController().signal,
        stopFor,
        say: () => undefined,
        settle: { lateMs: 100 },
        quietMs: 0,
      });
    const requests = () => box.state().requests.map((r) => [r.id, r.attributes.outputs_count]);
    return { rows, run, expire: () => (cache.answer = null), requests };
  }

  it("two runs of one batch at once (two state directories): both stop before any output; after the cache, each takes its own request and finds the twin", async () => {
    const { run, expire, requests } = await setup();
    const [a, b] = await Promise.all([run("a.jsonl"), run("b.jsonl")]);
    for (const result of [a, b]) {
      expect(result.stopped?.message).to.match(STALE);
      expect(exitCodeFor(result.stopped)).to.equal(3);
    }
    expect(requests()).to.deep.equal([
      ["1", 0],
      ["2", 0],
    ]);
    expire();
    const again = await run("a.jsonl");
    // Its own request first: whichever of the two the first run made.
    expect(again.stopped?.message).to.match(
      /^requests (1, 2|2, 1) carry external_id \S+: another run created one at the same moment; this run sent no output into them$/,
    );
    expect(exitCodeFor(again.stopped)).to.equal(4);
    expect(requests()).to.deep.equal([
      ["1", 0],
      ["2", 0],
    ]);
  });

  it("a run that stopped so, run again once the list shows its request: no second request, every row once; a run with its journal lost then sends nothing", async () => {
    const { rows, run, expire, requests } = await setup();
    const first = await run("a.jsonl");
    expect(first.stopped?.message).to.match(STALE);
    expect(await run("a.jsonl").then((result) => result.stopped?.message)).to.match(STALE);
    expect(requests()).to.deep.equal([["1", 0]]);
    expire();
    const again = await run("a.jsonl");
    expect(again.stopped).to.equal(null);
    expect(requests()).to.deep.equal([["1", rows.length]]);
    const lost = await run("lost.jsonl");
    expect(lost.stopped).to.equal(null);
    expect(requests()).to.deep.equal([["1", rows.length]]);
    expect(perInstruction(box)).to.deep.equal(rows.map((row) => [row.withdrawalInstructionId, 1]).sort());
  });
});
