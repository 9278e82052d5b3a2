/**
 * A money step on a file edited since its batch began. `quote` and `accept` follow the batch
 * as submitted (README §8); named by the file alone, they are refused when a row the batch
 * created is no longer in the file as it is now: they would pay it as submitted while the
 * file says otherwise. `--batch-id` says that batch is meant as it was; an edit that leaves
 * every created row in place (a row added, a refused row fixed) is no matter.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { shortestDecimal } from "../../src/decimal.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { makeWorld, type WorldRow, worldCsv } from "../helpers/world.js";

describe("quote and accept of a file edited since its batch began", function () {
  this.timeout(60_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  async function submitted(rows: number) {
    const made = makeWorld(rows);
    const world = await sandbox({}, made.seed);
    box = world;
    const dir = await tempDir();
    const write = (of: readonly WorldRow[]) => writeFile(join(dir, "p.csv"), worldCsv(of));
    const run = (args: string[]) =>
      runCli([...args, "--rate", "1000"], {
        cwd: dir,
        env: { BITEX_BATCH_SETTLE_MS: "200", ...apiEnv(world) },
      });
    await write(made.rows.slice(0, 3));
    const submit = await run(["submit", "p.csv"]);
    expect(submit.code, submit.stderr).to.equal(0);
    return { made, world, write, run };
  }

  it("an amount corrected since: quote and accept refused naming the line, nothing sent; with --batch-id the batch as submitted goes on", async () => {
    const { made, world, write, run } = await submitted(3);
    const corrected = made.rows.slice(0, 3).map((row, i) => (i === 1 ? { ...row, amount: "16000.50" } : row));
    await write(corrected);
    const calls = world.state().stats.calls;
    const quote = await run(["quote", "p.csv"]);
    expect(quote.code, quote.stderr).to.equal(2);
    const id =
      /^bitex-batch: p\.csv changed since batch ([0-9a-f]{16}) began, and 1 row\(s\) the batch created are not in it as it is now \(line\(s\) 3 as submitted: an amount, payee or port edited, or the row taken out\); quote would take them on as submitted, not as the file says now; nothing was sent$/m.exec(
        quote.stderr,
      )?.[1];
    expect(id, quote.stderr).to.be.a("string");
    expect(quote.stderr).to.include(
      `  to quote batch ${id} as it was submitted, run the same command with --batch-id ${id}; to pay the file as it is now instead, cancel that batch's requests at Bitex (not accepted, they hold no money) and submit the file with a --batch-id of its own`,
    );
    expect(world.state().stats.calls, "nothing sent").to.equal(calls);
    // status reads only: it follows the batch and says the file changed.
    const status = await run(["status", "p.csv"]);
    expect(status.code, status.stderr).to.equal(3);
    expect(status.stderr).to.include("; following that batch as it was submitted");

    const quoted = await run(["quote", "p.csv", "--batch-id", id as string]);
    expect(quoted.code, quoted.stderr).to.equal(0);
    const limits = maxTotals(world);
    const accept = await run(["accept", "p.csv", ...limits]);
    expect(accept.code, accept.stderr).to.equal(2);
    expect(accept.stderr).to.include("accept would take them on as submitted, not as the file says now");
    // Nothing accepted: every request still quoted.
    expect([...new Set(world.state().requests.map((r) => r.attributes.state))]).to.deep.equal(["quoted"]);
    const accepted = await run(["accept", "p.csv", "--batch-id", id as string, ...limits]);
    expect(accepted.code, accepted.stderr).to.equal(0);
    // Paid as submitted: the amount the batch created, not the file's new one.
    expect(
      world
        .state()
        .outputs.map((o) => String(o.attributes.amount))
        .sort(),
    ).to.deep.equal(
      made.rows
        .slice(0, 3)
        .map((row) => shortestDecimal(row.amount))
        .sort(),
    );
  });

  it("a row added or the rows reordered leave every created row in the file: quote goes on, the file said changed", async () => {
    const { made, write, run } = await submitted(4);
    const [a, b, c, d] = made.rows as [WorldRow, WorldRow, WorldRow, WorldRow];
    await write([c, a, b, d]);
    const quote = await run(["quote", "p.csv"]);
    expect(quote.code, quote.stderr).to.equal(0);
    expect(quote.stderr).to.match(
      /p\.csv changed since batch [0-9a-f]{16} began .*; following that batch as it was submitted/,
    );
  });
});
