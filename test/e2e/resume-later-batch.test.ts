/**
 * A batch taken up again after a batch begun later paid its rows (helper-89: the file edited,
 * paid under --batch-id, put back and run again paid every row twice). Through the built CLI.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

describe("e2e: a batch taken up again after a later batch paid its rows", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("quote refuses it (exit 2, nothing sent), with --batch-id naming it too (the cron line always names its batch)", async () => {
    box = await stoppedSandbox(await demoSeed());
    const world = box;
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    await writeFile(join(dir, "payroll.csv"), file([pick("EMP-1001"), pick("EMP-1003")]));
    const run = (args: string[]) =>
      runCli([...args, "--state-dir", "state", "--rate", "1000"], { cwd: dir, env: apiEnv(world) });
    const staged = await run(["submit", "payroll.csv", "--json"]);
    expect(staged.code, staged.stderr).to.equal(0);
    const batchId = (JSON.parse(staged.stdout) as { batch_id: string }).batch_id;
    // The same payments paid by a batch begun later, named by the operator.
    const paid = await run([
      "submit",
      "payroll.csv",
      "--batch-id",
      "run-2",
      "--until",
      "accepted",
      "--max-total",
      "ARS=999999999",
    ]);
    expect(paid.code, paid.stderr).to.equal(0);
    const before = world.state().stats.per_request;

    for (const named of [[], ["--batch-id", batchId]]) {
      const again = await run(["quote", "payroll.csv", "--wait", "0", ...named]);
      expect(again.code, again.stderr).to.equal(2);
      expect(again.stderr).to.match(
        new RegExp(
          `payroll\\.csv: 2 of the 2 row\\(s\\) batch ${batchId} \\(begun [^)]+\\) has not had accepted yet are payments batch run-2 \\(file payroll\\.csv, begun later, [^)]+\\) holds: accepted 2 row\\(s\\) for payment; going on could pay them again`,
        ),
      );
      expect(again.stderr).to.include(
        "nothing was sent; bitex-batch status payroll.csv --batch-id run-2 shows what that batch paid",
      );
    }
    expect(world.state().stats.per_request).to.deep.equal(before);
  });
});
