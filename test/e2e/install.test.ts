/**
 * The README's install steps put bitex-batch on a PATH, and its cron line
 * works when pasted: `npm pack`, `npm install -g --prefix <tmp>` of the tarball (from the
 * npm cache when it can), then the README's cron command itself (schedule fields dropped,
 * paths pointed at a temp directory) against an emulator on port 0.
 */
import { execFile } from "node:child_process";
import { copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { LOG_STAMP, ROOT, tempDir } from "../helpers/cli.js";
import { DEMO_CSV, everyonePaidSeed, fastSandbox } from "../helpers/sandbox.js";

const run = promisify(execFile);

describe("install and cron, as the README says", function () {
  this.timeout(300_000);
  let box: Sandbox | undefined;
  after(async () => {
    await box?.close();
  });

  it("npm pack, npm install -g --prefix, then the README's cron line pays the file and logs one JSON object", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    expect(readme).to.not.match(/npx bitex-batch (submit|validate|status|quote|accept)/);
    const cronLine = readme.split("\n").find((line) => line.startsWith("0 6 1 * *"));
    expect(cronLine, "the README's cron line").to.be.a("string");

    const work = await tempDir("bb-install-");
    // dist/ is built before the tests run; `prepare` would rebuild it in place while other
    // e2e files run it in parallel (one read a half-written module once).
    await run("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: ROOT });
    const [tarball] = (await readdir(work)).filter((name) => name.endsWith(".tgz"));
    expect(tarball).to.match(/^bitex-batch-.*\.tgz$/);
    const prefix = join(work, "prefix");
    await run(
      "npm",
      [
        "install",
        "-g",
        "--prefix",
        prefix,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        join(work, tarball ?? ""),
      ],
      { cwd: work },
    );
    const bin = join(prefix, "bin", "bitex-batch");
    const { stdout: version } = await run(bin, ["--version"]);
    expect(version.trim()).to.match(/^\d+\.\d+\.\d+$/);

    // The line pays to final states: a world where everyone is paid, on a fast clock.
    box = await fastSandbox(await everyonePaidSeed());
    const payroll = join(work, "payroll");
    await run("mkdir", ["-p", payroll]);
    const month = new Date().toISOString().slice(0, 7);
    await copyFile(DEMO_CSV, join(payroll, `payroll-${month}.csv`));
    await run("install", ["-m", "600", "/dev/null", join(payroll, ".bitex-key")]);
    await writeFile(join(payroll, ".bitex-key"), `${box.apiKey}\n`);
    // The README's line, as pasted into a crontab: schedule off, % unescaped, paths here.
    const command = (cronLine ?? "")
      .replace(/^(\S+\s+){5}/, "")
      .replaceAll("\\%", "%")
      .replaceAll("/srv/payroll", payroll)
      .replaceAll("/home/pay/.local/bin/bitex-batch", bin)
      .replace('mail -s "payroll" ops@example.com', `cat > ${join(payroll, "mail.txt")}`);
    expect(command).to.include(`BITEX_API_KEY_FILE=${payroll}/.bitex-key ${bin} submit`);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: work, BITEX_API_URL: box.url };
    env.XDG_STATE_HOME = join(work, "state");
    await run("sh", ["-c", command], { cwd: work, env });

    const files = await readdir(payroll);
    expect(files).to.not.include("mail.txt");
    const json = await readFile(join(payroll, "submit.json"), "utf8");
    expect(json.split("\n")).to.have.length(2);
    const summary = JSON.parse(json) as {
      exit_code: number;
      error: unknown;
      stage: string;
      by_state: Record<string, number>;
    };
    expect([summary.exit_code, summary.error, summary.stage, summary.by_state]).to.deep.equal([
      0,
      null,
      "final",
      { settled: 48 },
    ]);
    const log = await readFile(join(payroll, "submit.log"), "utf8");
    expect(log.split("\n")[0]).to.match(new RegExp(`${LOG_STAMP.source}state directory: `));
    expect(log).to.not.include(box.apiKey);
    expect(files).to.include(`payroll-${month}.report.csv`);
  });
});
