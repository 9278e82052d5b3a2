/**
 * The packed tarball carries the program and the demo's input, never what a run generated
 * beside them (`npm run demo` writes fixtures/demo/payroll.report.csv): packed in a copy of
 * the package where a demo has run.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { ROOT, tempDir } from "../helpers/cli.js";

const run = promisify(execFile);

describe("the packed tarball", function () {
  this.timeout(60_000);

  it("holds dist, the demo payroll and seed, and no report or remaining file of a demo run", async () => {
    const copy = await tempDir("bb-pack-");
    for (const name of ["package.json", "README.md"]) await cp(join(ROOT, name), join(copy, name));
    await cp(join(ROOT, "fixtures", "demo"), join(copy, "fixtures", "demo"), { recursive: true });
    await mkdir(join(copy, "dist"));
    await writeFile(join(copy, "dist", "cli.js"), "");
    // What `npm run demo` leaves beside its input.
    await writeFile(join(copy, "fixtures", "demo", "payroll.report.csv"), "line\n");
    await writeFile(join(copy, "fixtures", "demo", "payroll.remaining.csv"), "line\n");
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: copy });
    const [packed] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
    expect((packed?.files ?? []).map((file) => file.path).sort()).to.deep.equal([
      "README.md",
      "dist/cli.js",
      "fixtures/demo/payroll.csv",
      "fixtures/demo/seed.json",
      "package.json",
    ]);
  });
});
