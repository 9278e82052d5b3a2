/**
 * Identical rows (the same payee, port, instruction and amount) whose unclear creates have
 * different settle delays: an output found on the server may be either row's, so it must not
 * free a row whose delay has passed while the other row's create may still land.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { type BitexClient, createBitexClient } from "../../src/bitex/client.js";
import type { ValidRow } from "../../src/model.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { clientApi, perInstruction, submitRows, unclear, validRows } from "./rows.js";

const SETTLE = 3_000;
const CREATE_MS = 50;

describe("submit engine: identical rows whose unclear creates end their delays at different times", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let client: BitexClient;
  afterEach(async () => {
    client?.close();
    await box?.close();
  });

  it("the twin's output found first is not taken for the row whose create may still land: one output per row", async () => {
    const made = makeWorld(20);
    box = await sandbox({}, made.seed);
    client = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency: 2, rate: 1000 });
    const distinct = validRows(made.rows).filter((row) => row.senderPort === "ar_ars");
    const first = distinct[0] as ValidRow;
    // The ninth row pays the first row's payee the same amount (--allow-duplicates).
    const rows = distinct.map((row, i) =>
      i === 8 ? { ...first, line: row.line, reference: "EMP-again" } : row,
    );
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    let creates = 0;
    let firstDone = -1;
    let landedAt = -1;
    let landing: Promise<void> = Promise.resolve();
    const api = clientApi(client, {
      createOutput: async (args) => {
        const nth = creates++;
        if (nth === 0) {
          // The first row: no answer for 2 s (a client timeout), and the server commits it
          // 2 s later still: after the twin's delay has passed, within its own.
          await sleep(2_000);
          firstDone = elapsed();
          landing = sleep(2_000).then(async () => {
            await client.createOutput(args);
            landedAt = elapsed();
          });
          throw unclear();
        }
        await sleep(CREATE_MS);
        const output = await client.createOutput(args);
        // The twin: it reached the server, but a proxy answered 503 at once (its delay ends
        // first). The first row's look finds its output while both delays still run.
        if (nth === 8) throw unclear();
        return output;
      },
    });
    const result = await submitRows(api, box.url, "twins", rows, { settle: { lateMs: SETTLE } });
    await landing;

    // The first row's create landed within its own delay: the engine had to wait for it.
    expect(landedAt).to.be.above(firstDone);
    expect(landedAt).to.be.below(firstDone + SETTLE);
    expect(result.stopped).to.equal(null);
    // Two rows of that payment, two outputs; every other row one.
    expect(perInstruction(box)).to.deep.equal(
      distinct
        .filter((_, i) => i !== 8)
        .map((row) => [row.withdrawalInstructionId, row === first ? 2 : 1] as [string, number])
        .sort(),
    );
  });
});
