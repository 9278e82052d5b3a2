/**
 * Two batches of one input name (next month's payroll saved at the same path and run with
 * --batch-id) never replace each other's report: the CSV names no batch, and a `status` of
 * November's batch wrote over December's report, its failed row and its error gone from the
 * accountant's file (helper-72). A report another batch wrote stays; this batch's goes to a
 * file named after its batch, said so (docs/design.md section 7, batch/report-owner.ts).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

describe("two batches of one input name: their reports", function () {
  this.timeout(120_000);

  it("the later batch writes a report of its own; a status of either rewrites only its own", async () => {
    const server = await stoppedSandbox(await demoSeed());
    try {
      const dir = await tempDir();
      const { pick, file } = await demoRows();
      const run = (args: string[]) =>
        runCli([...args, "--rate", "1000", "--tz", "UTC", "--state-dir", "state"], {
          cwd: dir,
          env: apiEnv(server),
        });
      const read = (name: string) => readFile(join(dir, name), "utf8");
      const nov = ["--batch-id", "payroll-2026-11"];
      const dec = ["--batch-id", "payroll-2026-12"];
      await writeFile(join(dir, "payroll.csv"), file(["EMP-1001"].map(pick)));
      expect((await run(["submit", "payroll.csv", ...nov])).code).to.equal(0);
      const november = await read("payroll.report.csv");
      expect(november).to.include(",EMP-1001,");

      await writeFile(join(dir, "payroll.csv"), file(["EMP-1003", "EMP-1005"].map(pick)));
      const submitted = await run(["submit", "payroll.csv", ...dec]);
      expect(submitted.code, submitted.stderr).to.equal(0);
      expect(submitted.stderr).to.include(
        "payroll.report.csv is batch payroll-2026-11's report and stays; this batch's: payroll.payroll-2026-12.report.csv",
      );
      expect(submitted.stdout).to.match(/^report: payroll\.payroll-2026-12\.report\.csv$/m);
      expect(await read("payroll.report.csv")).to.equal(november);
      const december = await read("payroll.payroll-2026-12.report.csv");
      expect(december).to.include(",EMP-1003,").and.include(",EMP-1005,").and.not.include("EMP-1001");

      // November's status rewrites its own report only; December's stays byte for byte.
      const status = await run(["status", "payroll.csv", ...nov]);
      expect(status.stdout).to.match(/^report: payroll\.report\.csv$/m);
      expect(await read("payroll.report.csv"))
        .to.include(",EMP-1001,")
        .and.not.include("EMP-1003");
      expect(await read("payroll.payroll-2026-12.report.csv")).to.equal(december);
      // And December's goes on writing its own.
      const again = await run(["status", "payroll.csv", ...dec]);
      expect(again.stdout).to.match(/^report: payroll\.payroll-2026-12\.report\.csv$/m);
      expect(await read("payroll.report.csv"))
        .to.include(",EMP-1001,")
        .and.not.include("EMP-1003");
    } finally {
      await server.close();
    }
  });
});
