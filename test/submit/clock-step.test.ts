/**
 * The wall clock steps forward (an NTP step, a VM resumed) while a create's settle delay
 * runs: the delay is the run's own and must not end early, or the row is sent again while
 * its first create may still land. Measured on Date.now(), a minute's step ended it at once
 * and the row was created twice. Found by helper-62.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { type BitexClient, createBitexClient } from "../../src/bitex/client.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { clientApi, perInstruction, submitRows, unclear, validRows } from "./rows.js";

describe("submit engine: a step of the wall clock during a settle delay", function () {
  this.timeout(30_000);
  let box: Sandbox;
  let client: BitexClient;
  const wallClock = Date.now;
  afterEach(async () => {
    Date.now = wallClock;
    client?.close();
    await box?.close();
  });

  it("the clock steps a minute forward while a 4 s delay runs; the create lands after 3 s: sent once", async () => {
    const made = makeWorld(12);
    box = await sandbox({}, made.seed);
    client = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency: 1, rate: 1000 });
    const rows = validRows(made.rows)
      .filter((row) => row.senderPort === "ar_ars")
      .slice(0, 3);
    let creates = 0;
    let landing: Promise<unknown> = Promise.resolve();
    const api = clientApi(client, {
      createOutput: async (args) => {
        if (creates++ === 0) {
          // A gateway answers 503 and passes the create on 3 s later; the clock steps just after.
          landing = sleep(3_000).then(() => client.createOutput(args));
          setTimeout(() => {
            Date.now = () => wallClock() + 60_000;
          }, 100);
          throw unclear();
        }
        // The rest of the round takes 2 s: it ends while the first create's delay runs.
        await sleep(1_000);
        return client.createOutput(args);
      },
    });
    const result = await submitRows(api, box.url, "clock", rows, { settle: { lateMs: 4_000 }, quietMs: 0 });
    await landing;
    expect(result.stopped).to.equal(null);
    expect(creates).to.equal(3);
    expect(perInstruction(box)).to.deep.equal(rows.map((row) => [row.withdrawalInstructionId, 1]).sort());
  });
});
