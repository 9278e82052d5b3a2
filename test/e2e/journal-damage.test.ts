/**
 * A journal damaged on disk or by hand is refused before anything is sent (helper-90: an
 * output journaled under line 20 for line 2, or `"line":"2"`, made the row be sent again; a
 * begin line that no longer parsed made an edited file a new batch). Through the built CLI.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

describe("e2e: a damaged journal", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  for (const [name, damage, why] of [
    [
      "a line number changed",
      (line: string) => line.replace('"line":2,', '"line":20,'),
      "journal.jsonl: the batch's journal is damaged (an output journaled for line 20, no row of the batch)",
    ],
    [
      "a line number as text",
      (line: string) => line.replace('"line":2,', '"line":"2",'),
      "journal.jsonl:6: the batch's journal is damaged (a created entry without its row)",
    ],
  ] as const) {
    it(`${name}: refused, exit 2, nothing sent`, async () => {
      box = await stoppedSandbox(await demoSeed());
      const world = box;
      const dir = await tempDir();
      const { pick, file } = await demoRows();
      await writeFile(join(dir, "payroll.csv"), file([pick("EMP-1001"), pick("EMP-1003")]));
      const run = (args: string[]) =>
        runCli([...args, "--state-dir", "state", "--rate", "1000"], { cwd: dir, env: apiEnv(world) });
      expect((await run(["submit", "payroll.csv"])).code).to.equal(0);
      const [batch] = await readdir(join(dir, "state"));
      const path = join(dir, "state", batch as string, "journal.jsonl");
      const lines = (await readFile(path, "utf8")).split("\n");
      const at = lines.findIndex((line) => line.startsWith('{"t":"created","line":2,'));
      expect(at).to.equal(5);
      lines[at] = damage(lines[at] as string);
      await writeFile(path, lines.join("\n"));
      const calls = world.state().stats.calls;

      const again = await run(["submit", "payroll.csv"]);
      expect(again.code, again.stderr).to.equal(2);
      expect(again.stderr).to.include(`${why}; nothing is sent on it`);
      expect(world.state().outputs).to.have.length(2);
      expect(world.state().stats.calls).to.equal(calls);
    });
  }
});
