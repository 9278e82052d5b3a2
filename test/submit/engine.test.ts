/** The submit engine against an emulator behind a slow proxy: creates that land after the client gave up. */

import { mkdir, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { stopFor } from "../../src/app/stop.js";
import type { JournalEntry } from "../../src/batch/journal.js";
import { journalPathFor } from "../../src/batch/paths.js";
import { createBitexClient } from "../../src/bitex/client.js";
import { ApiError } from "../../src/bitex/errors.js";
import { readJournalIndex } from "../../src/export/journals.js";
import type { ValidRow } from "../../src/model.js";
import { plan } from "../../src/plan/plan.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { earliestUntil, submitPlan } from "../../src/submit/engine.js";
import { settleDelayMs } from "../../src/submit/policy.js";
import { tempDir } from "../helpers/cli.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { passOn, validRows } from "./rows.js";

const policy = { lateMs: 30000 };
const err = (kind: ApiError["kind"], status?: number, sent: ApiError["sent"] = "maybe") =>
  new ApiError({ kind, status, sent, code: "x", detail: "x" });

describe("settleDelayMs (how long an unclear create may still land)", () => {
  // A proxy may answer (or reset) before the application behind it commits: every unclear
  // create waits the same delay before a listing may say it did not happen.
  const cases: Array<[string, ApiError, number]> = [
    ["503: a proxy's answer may precede the commit", err("server", 503), 30000],
    ["500", err("server", 500), 30000],
    ["408 from a proxy", err("timeout", 408), 30000],
    ["502 from a gateway: the app may still commit", err("server", 502), 30000],
    ["504 from a gateway", err("server", 504), 30000],
    ["client timeout: the server may still be working", err("timeout"), 30000],
    ["connection reset, no answer", err("network"), 30000],
    ["Bitex's own refusal: nothing to wait for", err("validation", 422, "no"), 0],
  ];
  for (const [name, error, expected] of cases)
    it(name, () => expect(settleDelayMs(error, policy)).to.equal(expected));
});

describe("submit engine: a create that commits after the client timed out", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let proxy: http.Server;
  afterEach(async () => {
    proxy?.close();
    await box?.close();
  });

  it("waits for the late commit and reconciles it instead of paying twice", async () => {
    const made = makeWorld(2);
    box = await sandbox({}, made.seed);
    const upstream = new URL(box.url);
    let delayed = false;
    // Holds the first output create 400 ms before passing it on; the client gives up at 150 ms.
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const first = req.method === "POST" && req.url?.endsWith("/concierge_request_outputs") && !delayed;
        if (first) delayed = true;
        setTimeout(
          () => {
            passOn(upstream, req, res, Buffer.concat(chunks));
          },
          first ? 400 : 0,
        );
      });
      res.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api`;
    const client = createBitexClient({
      baseUrl: url,
      apiKey: box.apiKey,
      concurrency: 1,
      rate: 1000,
      timeoutMs: 150,
    });
    const rows = validRows(made.rows);
    const result = await submitPlan({
      plan: plan("late", rows),
      journalPath: join(await tempDir(), "journal.jsonl"),
      fileLabel: "late.csv",
      apiLabel: url,
      api: client,
      concurrency: 1,
      signal: new AbortController().signal,
      stopFor,
      say: () => undefined,
      settle: { lateMs: 800 },
    });
    client.close();
    expect(result.stopped).to.equal(null);
    expect([...result.outcomes.values()].map((o) => o.status)).to.deep.equal(["created", "created"]);
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything still in the proxy lands
    expect(box.state().outputs).to.have.length(2);
  });
});

describe("submit engine: resuming a run killed with a create in flight", function () {
  this.timeout(30_000);
  let box: Sandbox;
  afterEach(async () => {
    await box?.close();
  });

  it("waits out the settle delay after the journal's last write before asking the server what is missing", async () => {
    const made = makeWorld(3); // rows 0 and 2 share a sender port: one request
    box = await sandbox({}, made.seed);
    const client = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency: 4, rate: 1000 });
    const rows = validRows(made.rows.filter((_, i) => i !== 1));
    const batch = plan("killed", rows);
    const planned = batch.requests[0];
    if (!planned || batch.requests.length !== 1) throw new Error("the world should make one request");
    // The killed run: its request exists, and its journal says the first row's create was sent.
    const request = await client.createRequest({
      portCode: planned.senderPort,
      externalId: planned.externalId,
      payerUserId: planned.payerUserId,
    });
    const at = new Date().toISOString();
    const journalPath = join(await tempDir(), "journal.jsonl");
    const lines = [
      {
        t: "begin",
        v: 1,
        batch_id: "killed",
        fingerprint: batch.fingerprint,
        api: box.url,
        file: "k.csv",
        rows: 2,
        at,
      },
      {
        t: "request",
        key: planned.key,
        external_id: planned.externalId,
        request_id: request.id,
        state: "draft",
        at,
      },
      { t: "intent", line: 2, request_id: request.id, at },
    ];
    await writeFile(journalPath, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
    // That create lands 400 ms later, as one still in the server's hands when the process died.
    const first = rows[0] as ValidRow;
    const landing = new Promise((resolve) => setTimeout(resolve, 400)).then(() =>
      client.createOutput({
        requestId: request.id,
        portCode: first.port,
        amount: first.amount ?? undefined,
        recipientUserId: first.recipientUserId,
        withdrawalInstructionId: first.withdrawalInstructionId,
      }),
    );
    const result = await submitPlan({
      plan: batch,
      journalPath,
      fileLabel: "k.csv",
      apiLabel: box.url,
      api: client,
      concurrency: 2,
      signal: new AbortController().signal,
      stopFor,
      say: () => undefined,
      settle: { lateMs: 1000 },
    });
    await landing;
    client.close();
    expect(result.stopped).to.equal(null);
    expect([...result.outcomes.values()].map((o) => o.status)).to.deep.equal(["created", "created"]);
    expect(box.state().outputs).to.have.length(2);
  });
});

describe("submit engine: the earliest settle delay to wait for", () => {
  it("is the earliest end later than the given instant, Infinity when none, for any number of unclear rows", () => {
    const waiting = Array.from({ length: 200_000 }, (_, i) => ({ until: 1_000_000 - i, looked: false }));
    expect(earliestUntil(waiting, Number.NEGATIVE_INFINITY)).to.equal(800_001);
    expect(earliestUntil(waiting, 900_000)).to.equal(900_001);
    expect(earliestUntil(waiting, 1_000_000)).to.equal(Number.POSITIVE_INFINITY);
  });
});

describe("submit engine: a request's journal entry carries the server's time", function () {
  this.timeout(30_000);
  let box: Sandbox;
  afterEach(async () => {
    await box?.close();
  });

  it("journals server_at by the server's clock beside this machine's at, and the export's index places the request by it", async () => {
    const made = makeWorld(1);
    box = await sandbox({}, made.seed);
    const client = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency: 4, rate: 1000 });
    const batch = plan("clocked", validRows(made.rows));
    // The server's clock says 23:55 on November 30th while this machine's is ten minutes fast
    // (December 1st): the request was made in November.
    const serverNow = () => new Date("2026-11-30T23:55:00Z");
    const stateDir = await tempDir();
    const journalPath = journalPathFor(stateDir, "clocked");
    await mkdir(dirname(journalPath), { recursive: true });
    const result = await submitPlan({
      plan: batch,
      journalPath,
      fileLabel: "c.csv",
      apiLabel: box.url,
      api: { ...client, serverNow },
      concurrency: 2,
      signal: new AbortController().signal,
      stopFor,
      say: () => undefined,
    });
    client.close();
    expect(result.stopped).to.equal(null);
    const entries = (await readFile(journalPath, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as JournalEntry);
    const request = entries.find((entry) => entry.t === "request");
    expect(request).to.include({ t: "request", server_at: "2026-11-30T23:55:00.000Z" });
    expect(request?.at).to.match(/^\d{4}-\d\d-\d\dT/);
    const index = await readJournalIndex(stateDir, box.url, () => undefined);
    expect(index.requests.get(request?.t === "request" ? request.request_id : "")?.at).to.equal(
      "2026-11-30T23:55:00.000Z",
    );
  });
});
