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
});
