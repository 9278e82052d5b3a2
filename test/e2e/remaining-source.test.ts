/**
 * The remaining file is cut from the bytes the batch was submitted from (docs/design.md section
 * 7): a `status` (or quote, accept) of an unchanged file that is replaced while the run reads
 * the server (next month's figures saved over it during a `status --watch`, a drop folder's
 * export written again) must still put the batch's own rows in it, never the new file's rows
 * at those lines: "fix them there, then submit" would pay other people.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { runCli, spawnCli, tempDir } from "../helpers/cli.js";
import { holdingProxy } from "../helpers/proxy.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

describe("the remaining file of a status whose input is replaced meanwhile", function () {
  this.timeout(120_000);

  it("holds the batch's rows as submitted, not the rows now at those lines", async () => {
    const server = await stoppedSandbox(await demoSeed());
    // One gateway for every run; it holds the first call made after holdNext() until release().
    const proxy = await holdingProxy(server.url);
    try {
      const dir = await tempDir();
      const { pick, file } = await demoRows();
      const env = { ...apiEnv(server), BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "0" };
      const args = ["--rate", "1000", "--tz", "UTC"];
      const november = ["EMP-1002", "EMP-1008"].map(pick);
      await writeFile(join(dir, "payroll.csv"), file(november));
      const submitted = await runCli(
        ["submit", "payroll.csv", "--until", "quoted", "--wait", "30", ...args],
        {
          cwd: dir,
          env,
        },
      );
      expect(submitted.code, submitted.stderr).to.equal(0);
      server.advance({ minutes: 11 }); // the quote lapses: both rows go to the remaining file
      const seen = proxy.holdNext();
      const status = spawnCli(["status", "payroll.csv", ...args], { cwd: dir, env });
      await seen;
      // The file has been read; next month's figures are saved over it.
      await writeFile(join(dir, "payroll.csv"), file(["EMP-1014", "EMP-1026"].map(pick)));
      proxy.release();
      const read = await status.done;
      expect(read.code, read.stderr).to.equal(1);
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file(november));
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
