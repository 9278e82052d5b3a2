/**
 * Two batches of one input name (next month's payroll saved at the same path and run with
 * --batch-id) never share a remaining file: the later batch's release must not overwrite the
 * file that holds the earlier batch's rows not paid, which the operator was told to pay
 * (docs/design.md section 7, the remaining file). It goes to a file named after its batch,
 * every message names that file, and each file pays its own rows once.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

describe("two batches of one input name", function () {
  this.timeout(120_000);

  it("the later batch's rows not paid go to a remaining file of its own; the earlier one's stays, and each pays its rows once", async () => {
    const server = await stoppedSandbox(await demoSeed());
    try {
      const dir = await tempDir();
      const { pick, file } = await demoRows();
      const run = (args: string[]) =>
        runCli([...args, "--rate", "1000", "--tz", "UTC"], {
          cwd: dir,
          env: { ...apiEnv(server), BITEX_BATCH_SETTLE_MS: "0" },
        });
      // November: one request (112's us_usd), quoted and never accepted: it lapses.
      const november = ["EMP-1002", "EMP-1008"].map(pick);
      await writeFile(join(dir, "payroll.csv"), file(november));
      const nov = ["--batch-id", "payroll-2026-11"];
      expect(
        (await run(["submit", "payroll.csv", ...nov, "--until", "quoted", "--wait", "30"])).code,
      ).to.equal(0);
      server.advance({ minutes: 11 });
      const first = await run(["status", "payroll.csv", ...nov]);
      expect(first.code, first.stderr).to.equal(1);
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file(november));

      // December's payroll saved at the same path, its own batch; its quote lapses too.
      const december = ["EMP-1014", "EMP-1026"].map(pick);
      await writeFile(join(dir, "payroll.csv"), file(december));
      const dec = ["--batch-id", "payroll-2026-12"];
      expect(
        (await run(["submit", "payroll.csv", ...dec, "--until", "quoted", "--wait", "30"])).code,
      ).to.equal(0);
      server.advance({ minutes: 11 });
      const second = await run(["status", "payroll.csv", ...dec]);
      expect(second.code, second.stderr).to.equal(1);
      // November's file is left as it was; December's rows go to a file named after its batch.
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file(november));
      const own = "payroll.payroll-2026-12.remaining.csv";
      expect(await readFile(join(dir, own), "utf8")).to.equal(file(december));
      expect(second.stderr).to.include(
        `payroll.remaining.csv is not this batch's (another batch's remaining file, or changed since this batch wrote it): left as it is; the rows of batch payroll-2026-12 not paid go to ${own}`,
      );
      expect(second.stdout).to.include(
        `2 row(s) not paid and not being paid: ${own} (fix them there if needed, then bitex-batch submit ${own})`,
      );
      // Each row not paid is named with the file that pays it.
      expect(second.stderr).to.include(`submit ${own}`);
      expect(second.stderr).to.not.include("submit payroll.remaining.csv");

      // Each batch keeps its own file, run after run: November's is still the plain name.
      const again = await run(["status", "payroll.csv", ...dec, "--json"]);
      expect(again.code, again.stderr).to.equal(1);
      expect((JSON.parse(again.stdout) as { remaining: unknown }).remaining).to.deep.equal({
        file: own,
        rows: 2,
      });
      const novAgain = await run(["status", "payroll.csv", ...nov, "--json"]);
      expect(novAgain.code, novAgain.stderr).to.equal(1);
      expect((JSON.parse(novAgain.stdout) as { remaining: unknown }).remaining).to.deep.equal({
        file: "payroll.remaining.csv",
        rows: 2,
      });
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file(november));
      expect(await readFile(join(dir, own), "utf8")).to.equal(file(december));

      // Each file is its batch's released rows (not a copy of what a batch pays): both are paid,
      // each row once.
      const usd = ["--until", "accepted", "--max-total", "USD=1000000"];
      const paidNov = await run(["submit", "payroll.remaining.csv", ...usd]);
      expect(paidNov.code, paidNov.stderr).to.equal(0);
      const paidDec = await run(["submit", own, ...usd]);
      expect(paidDec.code, paidDec.stderr).to.equal(0);
      const outputs = server
        .state()
        .outputs.map((o) => [
          o.relationships?.request?.data?.id,
          o.relationships?.withdrawal_instruction?.data?.id,
          o.attributes.state,
        ]);
      expect(outputs.filter(([, , state]) => state !== "cancelled")).to.deep.equal([
        ["3", "2101", "accepting"],
        ["3", "2107", "accepting"],
        ["4", "2113", "accepting"],
        ["4", "2125", "accepting"],
      ]);
      // The same file sent again is the same batch: nothing new.
      const twice = await run(["submit", own, ...usd]);
      expect(twice.code, twice.stderr).to.equal(0);
      expect(server.state().outputs).to.have.length(8);
    } finally {
      await server.close();
    }
  });
});
