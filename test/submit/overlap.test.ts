/**
 * The submit engine behind a proxy that answers two creates 503 without passing them on: each
 * unclear create's settle delay runs while the request's other rows are sent, and a row is
 * sent again once its own delay has passed, not the latest one's.
 */

import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import { stopFor } from "../../src/app/stop.js";
import { createBitexClient } from "../../src/bitex/client.js";
import type { ValidRow } from "../../src/model.js";
import { plan } from "../../src/plan/plan.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { submitPlan } from "../../src/submit/engine.js";
import { tempDir } from "../helpers/cli.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { journalLines, passOn, perInstruction, validRows } from "./rows.js";

const SETTLE_MS = 2_000;
/** Every create is held this long before it is passed on (or refused): the round takes time. */
const CREATE_MS = 100;

interface Arrival {
  /** ms since the run started */
  at: number;
  instruction: string;
  refused: boolean;
}

describe("submit engine: an unclear create settles while the round goes on", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let proxy: http.Server;
  afterEach(async () => {
    proxy?.close();
    await box?.close();
  });

  it("sends the other rows within the settle delay, and each unclear row again after its own delay: each created once", async () => {
    const made = makeWorld(20);
    box = await sandbox({}, made.seed);
    const upstream = new URL(box.url);
    // Rows of one sender port (one request), sent one at a time in file order.
    const rows = validRows(made.rows.filter((r) => r.sender_port === "ar_ars"));
    expect(rows).to.have.length(10);
    const first = rows[0] as ValidRow; // refused at once: its delay ends first
    const later = rows[8] as ValidRow; // refused about 0.8 s later
    const refuse = new Set([first.withdrawalInstructionId, later.withdrawalInstructionId]);
    const arrivals: Arrival[] = [];
    let started = 0;
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const isCreate = req.method === "POST" && req.url?.endsWith("/concierge_request_outputs") === true;
        const instruction = isCreate
          ? ([...refuse, ...rows.map((row) => row.withdrawalInstructionId)].find((id) =>
              body.toString().includes(`"${id}"`),
            ) ?? "?")
          : "";
        // The first create of each of the two rows is refused before it reaches the server.
        const refused = isCreate && refuse.delete(instruction);
        if (isCreate) arrivals.push({ at: Date.now() - started, instruction, refused });
        setTimeout(
          () => {
            if (refused) {
              res.writeHead(503, { "content-type": "text/html" });
              res.end("<html><body>503 Service Unavailable</body></html>");
              return;
            }
            passOn(upstream, req, res, body);
          },
          isCreate ? CREATE_MS : 0,
        );
      });
      res.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api`;
    const client = createBitexClient({ baseUrl: url, apiKey: box.apiKey, concurrency: 1, rate: 1000 });
    const journalPath = join(await tempDir(), "journal.jsonl");
    started = Date.now();
    const result = await submitPlan({
      plan: plan("overlap", rows),
      journalPath,
      fileLabel: "overlap.csv",
      apiLabel: url,
      api: client,
      concurrency: 1,
      signal: new AbortController().signal,
      stopFor,
      say: () => undefined,
      settle: { lateMs: SETTLE_MS },
    });
    client.close();

    expect(result.stopped).to.equal(null);
    expect([...result.outcomes.values()].map((o) => o.status)).to.deep.equal(Array(10).fill("created"));
    // The server: exactly one output per row.
    expect(perInstruction(box)).to.deep.equal(rows.map((row) => [row.withdrawalInstructionId, 1]).sort());

    // The calls: every row once, then the two refused rows once more.
    const sent = arrivals.map((a) => a.instruction);
    expect(sent).to.deep.equal([
      ...rows.map((row) => row.withdrawalInstructionId),
      first.withdrawalInstructionId,
      later.withdrawalInstructionId,
    ]);
    const [firstRefused, laterRefused] = arrivals.filter((a) => a.refused) as [Arrival, Arrival];
    const [firstAgain, laterAgain] = arrivals.slice(10) as [Arrival, Arrival];
    const lastOfRound = arrivals[9] as Arrival;
    // The round went on while the first refused row's delay ran: all sent before it ended.
    expect(lastOfRound.at).to.be.below(firstRefused.at + CREATE_MS + SETTLE_MS);
    // Never sent again before its own delay, counted from its answer.
    expect(firstAgain.at).to.be.at.least(firstRefused.at + CREATE_MS + SETTLE_MS);
    expect(laterAgain.at).to.be.at.least(laterRefused.at + CREATE_MS + SETTLE_MS);
    // The first row went again before the later row's delay had ended: its wait overlapped.
    expect(firstAgain.at).to.be.below(laterRefused.at + CREATE_MS + SETTLE_MS);

    // The journal: an intent before each of the twelve calls, each refused create unclear,
    // each row created once.
    const journal = await journalLines(journalPath);
    const of = (t: string) => journal.filter((entry) => entry.t === t).map((entry) => entry.line);
    expect(of("intent")).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 2, 10]);
    expect(of("ambiguous")).to.deep.equal([2, 10]);
    expect(of("created").sort((a, b) => (a ?? 0) - (b ?? 0))).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const via = journal.filter((entry) => entry.t === "created").map((entry) => entry.via);
    expect(via).to.deep.equal(Array(10).fill("response"));
  });
});
