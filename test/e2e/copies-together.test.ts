/**
 * Two copies of one payroll under two names, submitted at the same moment (two operators, a
 * cron job beside the drop folder): each is a new batch whose check of earlier batches may
 * run before the other has created anything. The payments must still be sent once.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { makeWorld, worldCsv } from "../helpers/world.js";

describe("submit: two copies of one payroll under two names, at the same moment", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => box?.close());

  it("one is paid, the other is refused as the same payments (exit 2); each row has one output", async () => {
    const made = makeWorld(8);
    box = await sandbox({ latency_ms: 100 }, made.seed);
    const dir = await tempDir();
    const csv = worldCsv(made.rows);
    await writeFile(join(dir, "a.csv"), csv);
    await writeFile(join(dir, "b.csv"), csv);
    const env = apiEnv(box);
    const run = (file: string) => runCli(["submit", file, "--rate", "1000"], { cwd: dir, env });
    const [a, b] = await Promise.all([run("a.csv"), run("b.csv")]);
    expect([a.code, b.code].sort(), `${a.stderr}\n${b.stderr}`).to.deep.equal([0, 2]);
    expect((a.code === 2 ? a : b).stderr).to.match(/holds the same payments as batch \w{16}/);
    expect(box.state().outputs).to.have.length(made.rows.length);
  });

  it("a near copy (one amount corrected) started together is refused as well: each row has one output", async () => {
    const made = makeWorld(8);
    box = await sandbox({ latency_ms: 100 }, made.seed);
    const dir = await tempDir();
    await writeFile(join(dir, "a.csv"), worldCsv(made.rows));
    const corrected = made.rows.map((row, i) =>
      i === 7 ? { ...row, amount: String(Number.parseInt(row.amount, 10) + 1) } : row,
    );
    await writeFile(join(dir, "b.csv"), worldCsv(corrected));
    const env = apiEnv(box);
    const run = (file: string) => runCli(["submit", file, "--rate", "1000"], { cwd: dir, env });
    const [a, b] = await Promise.all([run("a.csv"), run("b.csv")]);
    expect([a.code, b.code].sort(), `${a.stderr}\n${b.stderr}`).to.deep.equal([0, 2]);
    expect((a.code === 2 ? a : b).stderr).to.match(
      /: 7 of its 8 row\(s\) are payments batch \w{16} \(file [ab]\.csv, begun [^)]+\) holds: /,
    );
    expect(box.state().outputs).to.have.length(made.rows.length);
  });

  it("a near copy started while the first run is still creating is refused: the rows it has still to create count", async () => {
    const made = makeWorld(40);
    // 40 rows two at a time at 400 ms each: 8 s, longer than a loaded machine takes to start
    // the second run (at 150 ms the first was done first once, with 8 test files at a time).
    box = await sandbox({ latency_ms: 400 }, made.seed);
    const dir = await tempDir();
    await writeFile(join(dir, "a.csv"), worldCsv(made.rows));
    const corrected = made.rows.map((row, i) =>
      i === 0 ? { ...row, amount: String(Number.parseInt(row.amount, 10) + 1) } : row,
    );
    await writeFile(join(dir, "b.csv"), worldCsv(corrected));
    const env = apiEnv(box);
    const first = runCli(["submit", "a.csv", "--rate", "1000", "--concurrency", "2"], { cwd: dir, env });
    const sandboxed = box;
    while (sandboxed.counts().outputs < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await runCli(["submit", "b.csv", "--rate", "1000"], { cwd: dir, env });
    const created = sandboxed.state().outputs.length;
    expect(second.code, second.stderr).to.equal(2);
    expect(second.stderr).to.match(
      /: 39 of its 40 row\(s\) are payments batch \w{16} \(file a\.csv, begun [^)]+\) holds: .*has still to create \d+ row\(s\)/,
    );
    expect(created, "the first run was still creating when the second was refused").to.be.lessThan(40);
    expect((await first).code).to.equal(0);
    expect(sandboxed.state().outputs).to.have.length(made.rows.length);
  });
});
