/**
 * The README's install steps and its cron line, as printed there: `npm pack`, `npm install -g
 * --prefix <tmp>` of the tarball (from the npm cache when it can), then the cron line run by
 * sh against the emulator with the installed bitex-batch: it must pay the payroll to final
 * states, not stage it. Only what the README says to substitute is substituted (the
 * directory, the key file under it, the path of bitex-batch); the API's URL comes from the
 * environment, as the README's "Pointing it at…" section says. A plain `submit`, the
 * README's first step of the manual cycle, only stages: exit 0, `"stage": "staged"`, and
 * words on stderr no log reader takes for "paid".
 */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { LOG_STAMP, ROOT, runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, everyonePaidSeed, fastSandbox } from "../helpers/sandbox.js";

const run = promisify(execFile);

/** The one command line of the README's cron block, and the manual cycle's first command. */
async function readmeLines(): Promise<{ cron: string; stage: string }> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const cronBlock = /```cron\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const entries = cronBlock.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
  expect(entries, "one cron entry in the README").to.have.length(1);
  const shBlock = /## Paying the batch to the end[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const stage = (shBlock.split("\n")[0] ?? "").replace(/\s+#.*$/, "");
  return { cron: entries[0] as string, stage };
}

/** A cron entry's command as cron runs it: after the five time fields, `\%` is a plain `%`. */
function cronCommand(entry: string): string {
  const fields = entry.trim().split(/\s+/);
  expect(fields.slice(0, 5), "the time fields").to.deep.equal(["0", "6", "1", "*", "*"]);
  const command = entry.trim().replace(/^(\S+\s+){5}/, "");
  return command.replaceAll("\\%", "%");
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    execFile("sh", ["-c", command], { cwd, env, timeout: 240_000 }, (error) =>
      resolve(error ? (typeof error.code === "number" ? error.code : -1) : 0),
    );
  });
}

describe("e2e: the README's cron line pays", function () {
  this.timeout(300_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("installed as the README says (npm pack, npm install -g --prefix), its cron line runs the whole cycle to final states, logs one JSON object and mails nothing", async () => {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    expect(readme).to.not.match(/npx bitex-batch (submit|validate|status|quote|accept)/);
    const home = await tempDir();
    // dist/ is built before the tests run; `prepack` would rebuild it in place while other
    // e2e files run it in parallel (one read a half-written module once). npm runs with this
    // environment: its cache makes the install offline where it can.
    await run("npm", ["pack", "--ignore-scripts", "--pack-destination", home], { cwd: ROOT });
    const [tarball] = (await readdir(home)).filter((name) => name.endsWith(".tgz"));
    expect(tarball).to.match(/^bitex-batch-.*\.tgz$/);
    const prefix = join(home, "prefix");
    const npmInstall = ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund"];
    const installed = await run("npm", [...npmInstall, join(home, tarball ?? "")], { cwd: home });
    // The package runs nothing when installed (dist/ is in the tarball): npm 11 warns of any
    // install script (a `prepare`) it has not been allowed to run.
    expect(installed.stderr).to.not.include("install-scripts");
    const bitexBatch = join(prefix, "bin", "bitex-batch");
    const { stdout: version } = await run(bitexBatch, ["--version"]);
    expect(version.trim()).to.match(/^\d+\.\d+\.\d+$/);

    // Everyone is paid in this world, so the line ends with exit 0 and sends no mail.
    box = await fastSandbox(await everyonePaidSeed());
    const { cron } = await readmeLines();
    expect(cron).to.include("--until final");
    const payroll = join(home, "srv", "payroll");
    const bin = join(home, "bin");
    await mkdir(payroll, { recursive: true });
    await mkdir(bin, { recursive: true });
    const { stdout: month } = await run("date", ["+%Y-%m"]);
    await copyFile(DEMO_CSV, join(payroll, `payroll-${month.trim()}.csv`));
    await writeFile(join(payroll, ".bitex-key"), box.apiKey, { mode: 0o600 });
    // A mail command that keeps what it was given, so a failure cannot pass unseen.
    await writeFile(join(bin, "mail"), `#!/bin/sh\ncat >> "${join(home, "mail.txt")}"\n`);
    await chmod(join(bin, "mail"), 0o755);

    const command = cronCommand(cron)
      .replaceAll("/srv/payroll", payroll)
      .replaceAll("/home/pay/.local/bin/bitex-batch", bitexBatch);
    expect(command).to.include(`BITEX_API_KEY_FILE=${payroll}/.bitex-key ${bitexBatch} submit`);
    // Cron's environment is nearly empty: a PATH (with the mail shim first), HOME, and the
    // API's URL and state directory the test points at.
    const env = {
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      HOME: home,
      BITEX_API_URL: box.url,
      XDG_STATE_HOME: join(home, ".state"),
    };
    const code = await sh(command, home, env);
    const log = await readFile(join(payroll, "submit.log"), "utf8").catch(() => "");
    expect(code, log).to.equal(0);
    expect(await readFile(join(home, "mail.txt"), "utf8").catch(() => "no mail")).to.equal("no mail");

    const json = await readFile(join(payroll, "submit.json"), "utf8");
    expect(json.split("\n"), "one JSON object, one line").to.have.length(2);
    expect(JSON.parse(json)).to.include({
      command: "submit",
      exit_code: 0,
      error: null,
      stage: "final",
      rows: 48,
    });
    expect(JSON.parse(json).by_state).to.deep.equal({ settled: 48 });
    const state = box.state();
    expect(state.outputs).to.have.length(48);
    expect(state.outputs.every((output) => output.attributes.state === "settled")).to.equal(true);
    expect(state.requests.map((request) => request.attributes.state)).to.deep.equal([
      "finished",
      "finished",
      "finished",
    ]);
    expect(log.split("\n")[0]).to.match(new RegExp(`${LOG_STAMP.source}state directory: `));
    expect(log).to.not.include(box.apiKey);
    expect(log).to.not.match(/NOT PAID/);
    expect(await readdir(payroll)).to.include(`payroll-${month.trim()}.report.csv`);
  });

  it("a plain submit, the manual cycle's first step, only stages, and says so", async () => {
    box = await fastSandbox(await everyonePaidSeed());
    const { stage } = await readmeLines();
    // The manual cycle's first step only stages: exit 0, stage "staged", and it says so.
    expect(stage).to.equal("bitex-batch submit payroll.csv");
    const dir = await tempDir();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    // --rate: the emulator here has no limit, and what this test reads is the words, not the pace.
    const staged = await runCli([...stage.split(" ").slice(1), "--json", "--rate", "1000"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(staged.code, staged.stderr).to.equal(0);
    expect(JSON.parse(staged.stdout)).to.include({ command: "submit", exit_code: 0, stage: "staged" });
    expect(staged.stderr).to.match(
      /STAGED, NOT PAID: 48 row\(s\) created in draft requests; nobody is paid until the quotes are requested and accepted/,
    );
    expect(staged.stderr).to.not.match(/already paid|were paid|was paid/);
    const drafts = box.state().requests.filter((request) => request.attributes.state === "draft");
    expect(drafts).to.have.length(3);
  });
});
