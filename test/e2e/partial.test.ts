/**
 * A batch that only partly goes through: rows never created when someone else quoted the
 * draft, a request accepted while another one lapsed, a foreign output that lands while a
 * quote is in flight. Each through the built CLI against the emulator, asserting the
 * server's outputs and acceptances per request, the exit codes and the files written.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { makeWorld, type WorldRow } from "../helpers/world.js";

const FAST = ["--rate", "1000", "--concurrency", "4"];
const HEADER = "reference,payer_user_id,sender_port,recipient_user_id,port,amount,withdrawal_instruction_id";

const csvOf = (rows: readonly WorldRow[]) =>
  `${[
    HEADER,
    ...rows.map((r) =>
      [
        r.reference,
        r.payer_user_id,
        r.sender_port,
        r.recipient_user_id,
        r.port,
        r.amount,
        r.withdrawal_instruction_id,
      ].join(","),
    ),
  ].join("\n")}\n`;

function actionCalls(box: Sandbox): Record<string, { request_quote: number; accept_quote: number }> {
  return box.state().stats.per_request as Record<string, { request_quote: number; accept_quote: number }>;
}

const requestStates = (box: Sandbox) => box.state().requests.map((r) => `${r.id}:${r.attributes.state}`);

describe("a batch that only partly goes through", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  let dir: string;
  /** Rows paid at ports Bitex quotes at once, so that no test waits for a slow quote. */
  let rows: WorldRow[];

  async function world(count: number): Promise<void> {
    const made = makeWorld(count);
    box = await sandbox({}, made.seed);
    dir = await tempDir();
    rows = made.rows.filter((row) => row.port !== "us_usd");
    await writeFile(join(dir, "payroll.csv"), csvOf(rows));
  }

  const run = (args: string[], env: Record<string, string> = {}) =>
    runCli([...args, ...FAST], { cwd: dir, env: { ...apiEnv(box as Sandbox), ...env } });

  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  describe("rows never created", () => {
    it("a draft quoted by another hand with rows missing: accept, with or without --allow-partial, accepts nothing and names the missing lines", async () => {
      await world(12); // 9 rows: lines 2-10, in two requests (ar_ars, us_usd)
      // Another hand (its own state directory) created the first six rows of the batch and quoted it.
      await writeFile(join(dir, "part.csv"), csvOf(rows.slice(0, 6)));
      const other = ["--batch-id", "pay-2026-11", "--state-dir", "other"];
      const made = await run(["submit", "part.csv", ...other]);
      expect(made.code, made.stderr).to.equal(0);
      const quoted = await run(["quote", "part.csv", ...other, "--wait", "5"]);
      expect(quoted.code, quoted.stderr).to.equal(0);
      expect(requestStates(box as Sandbox)).to.deep.equal(["1:quoted", "2:quoted"]);
      const server = box as Sandbox;
      const outputsBefore = server.state().outputs.map((o) => o.id);
      expect(outputsBefore).to.have.length(6);
      // Lines 8, 9, 10 of payroll.csv: 8 and 10 pay from ar_ars (request 1), 9 from us_usd (request 2).
      for (const partial of [[], ["--allow-partial"]]) {
        const refused = await run([
          "accept",
          "payroll.csv",
          "--batch-id",
          "pay-2026-11",
          ...partial,
          ...maxTotals(server, "-1000"),
        ]);
        expect(refused.code, `${partial}: ${refused.stderr}`).to.equal(2);
        expect(refused.stderr).to.include(
          "request 1 is quoted without line(s) 8, 10, which were never created (a request that left draft takes no more outputs)",
        );
        expect(refused.stderr).to.include(
          "request 2 is quoted without line(s) 9, which were never created (a request that left draft takes no more outputs)",
        );
        expect(refused.stderr).to.match(/^nothing accepted: /m);
        expect(requestStates(server)).to.deep.equal(["1:quoted", "2:quoted"]);
        expect(Object.values(actionCalls(server)).map((c) => c.accept_quote)).to.deep.equal([0, 0]);
        expect(server.state().outputs.map((o) => o.id)).to.deep.equal(outputsBefore);
      }
    });
  });
});
