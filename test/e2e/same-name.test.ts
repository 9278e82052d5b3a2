/**
 * Two payrolls of one name in two folders (ar/payroll.csv, uy/payroll.csv). An earlier batch is
 * found by its file's name alone (the inbox moves files between folders), so the second is
 * taken for the first one edited: nothing of it is sent, and every line says which file that
 * batch was submitted as, and where the command it prints writes.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { makeWorld, worldCsv } from "../helpers/world.js";

describe("two payrolls of one name in two folders", function () {
  this.timeout(60_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("the second is refused, naming the file the batch was submitted as and the remaining file beside it; status of it says so", async () => {
    const made = makeWorld(8);
    box = await sandbox({}, made.seed);
    const dir = await tempDir();
    await mkdir(join(dir, "ar"));
    await mkdir(join(dir, "uy"));
    await writeFile(join(dir, "ar", "payroll.csv"), worldCsv(made.rows.slice(0, 3)));
    await writeFile(join(dir, "uy", "payroll.csv"), worldCsv(made.rows.slice(3, 6)));
    const run = (args: string[]) =>
      runCli([...args, "--rate", "1000"], { cwd: dir, env: apiEnv(box as Sandbox) });

    const first = await run(["submit", "ar/payroll.csv"]);
    expect(first.code, first.stderr).to.equal(0);
    const calls = (box as Sandbox).state().stats.calls;
    const second = await run(["submit", "uy/payroll.csv"]);
    expect(second.code, second.stderr).to.equal(2);
    expect(second.stderr).to.match(
      /^bitex-batch: uy\/payroll\.csv changed since batch [0-9a-f]{16} \(begun [^)]+, submitted as ar\/payroll\.csv\) staged 3 row\(s\) \(created in requests it never accepted: not paid by it\) from it; sending it as a new batch could pay them again$/m,
    );
    expect(second.stderr).to.include(
      "bitex-batch status ar/payroll.csv follows that batch and writes ar/payroll.remaining.csv with its rows not paid",
    );
    expect((box as Sandbox).state().stats.calls, "nothing sent").to.equal(calls);

    const status = await run(["status", "uy/payroll.csv"]);
    expect(status.stderr).to.match(
      /^uy\/payroll\.csv changed since batch [0-9a-f]{16} began \([^)]+, submitted as ar\/payroll\.csv\); following that batch as it was submitted$/m,
    );
    // The file's own name in its folder says nothing more.
    const again = await run(["status", "ar/payroll.csv"]);
    expect(again.stderr).to.not.include("submitted as");
    expect(again.stderr).to.not.include("changed since");
  });
});
