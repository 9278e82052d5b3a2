/**
 * Another hand adds, into the batch's own request, an output identical to a row this batch
 * never sent (a run killed once its requests were made, before any create). The journal
 * proves the output is not the row's: every create is journaled before it is sent. Taken as
 * the row's payment, it was quoted and accepted as line 3, and the other hand's payment merged
 * into the batch's. Found by helper-70.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { makeWorld, worldCsv } from "../helpers/world.js";

const FLAGS = ["--rate", "1000", "--concurrency", "1", "--state-dir", "state"];

describe("e2e: an output identical to a row never sent, in the batch's own request", function () {
  this.timeout(60_000);
  let box: Sandbox | undefined;
  afterEach(() => box?.close());

  it("is another writer's: submit stops (exit 4), quote refuses (exit 2), nothing quoted", async () => {
    const made = makeWorld(6);
    box = await sandbox({}, made.seed);
    const server = box;
    const dir = await tempDir();
    const rows = made.rows.filter((row) => row.sender_port === "ar_ars");
    await writeFile(join(dir, "payroll.csv"), worldCsv(rows));
    const run = (args: string[], env: Record<string, string> = {}) =>
      runCli([...args, ...FLAGS], { cwd: dir, env: { ...apiEnv(server), ...env } });
    const killed = await run(["submit", "payroll.csv"], { BITEX_BATCH_CRASH_AT: "requests-ready" });
    expect(killed.signal).to.equal("SIGKILL");
    expect(server.state().outputs).to.have.length(0);
    // Another hand: an output identical to line 3's payment, into request 1.
    const row = rows[1] as (typeof rows)[number];
    const posted = await fetch(`${server.url}/concierge_request_outputs`, {
      method: "POST",
      headers: { Authorization: server.apiKey, "Content-Type": "application/vnd.api+json", Version: "2.0" },
      body: JSON.stringify({
        data: {
          type: "concierge_request_outputs",
          attributes: { port_code: row.port, amount: row.amount },
          relationships: {
            request: { data: { type: "concierge_requests", id: "1" } },
            user: { data: { type: "users", id: row.recipient_user_id } },
            withdrawal_instruction: {
              data: { type: "withdrawal_instructions", id: row.withdrawal_instruction_id },
            },
          },
        },
      }),
    });
    expect(posted.status).to.equal(200);

    const again = await run(["submit", "payroll.csv"]);
    expect(again.code, again.stderr).to.equal(4);
    expect(again.stderr).to.include(
      "request 1 holds 1 output(s) that this run did not create and its journal cannot account for (1)",
    );
    const quote = await run(["quote", "payroll.csv", "--wait", "0"]);
    expect(quote.code, quote.stderr).to.equal(2);
    expect(quote.stderr).to.include(
      "request 1 holds 1 output(s) that are not this batch's rows: 1 (a second output for line 3)",
    );
    const state = server.state();
    expect(state.requests.map((r) => [r.id, r.attributes.state, r.attributes.outputs_count])).to.deep.equal([
      ["1", "draft", 1],
    ]);
    expect(state.stats.per_request["1"] ?? {}).to.deep.equal({});
  });
});
