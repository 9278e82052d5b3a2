/**
 * The drop folder at its edges, end to end against the emulator: a file named like standard
 * input, files named like the tool's own outputs that it did not write, a file changed while
 * its run holds it, a kill while error.txt is written, a batch gone on by hand, and a move
 * that cannot finish.
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { CLI, type CliResult, cleanEnv, runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

const today = () => new Date().toISOString().slice(0, 10);

/** The payroll's header and its rows `from` to `from + count`. */
async function payroll(count: number, from = 0): Promise<string> {
  const [header, ...rows] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
  return `${header}\n${rows.slice(from, from + count).join("\n")}\n`;
}

function lines(result: { stdout: string }): Array<Record<string, unknown>> {
  return result.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const ls = async (path: string) => (await readdir(path).catch(() => [])).sort();

/** The server's outputs as `recipient|instruction`, sorted. */
const held = (box: Sandbox) =>
  box
    .state()
    .outputs.map(
      (o) => `${o.relationships?.user?.data?.id}|${o.relationships?.withdrawal_instruction?.data?.id}`,
    )
    .sort();

/** CSV rows of the demo layout as `recipient|instruction`, sorted: what `held` shows once each is created. */
const payees = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .slice(1)
    .map((row) => {
      const cells = row.split(",");
      return `${cells[3]}|${cells[7]}`;
    })
    .sort();

describe("inbox: a drop folder at its edges", function () {
  this.timeout(120_000);
  let box: Sandbox;
  let dir: string;
  let inbox: string;
  let env: Record<string, string>;
  const inboxRun = (...extra: string[]) =>
    runCli(["inbox", inbox, "--settle", "0", "--tz", "UTC", "--json", "--rate", "1000", ...extra], {
      cwd: dir,
      env: { ...env, BITEX_BATCH_SETTLE_MS: "0" },
    });

  beforeEach(async () => {
    box = await sandbox();
    dir = await tempDir();
    inbox = join(dir, "in");
    await mkdir(inbox);
    env = apiEnv(box);
  });
  afterEach(async () => box.close());

  /** `inbox .` run from inside the folder, `stdin` its standard input. */
  const dotRun = (stdin: string) =>
    new Promise<CliResult>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [CLI, "inbox", ".", "--settle", "0", "--tz", "UTC", "--json", "--rate", "1000"],
        {
          cwd: inbox,
          env: cleanEnv(dir, { ...env, BITEX_BATCH_SETTLE_MS: "0" }),
          stdio: ["pipe", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr } as CliResult));
      child.stdin.end(stdin);
    });

  it("a file named '-' with `inbox .` run inside the folder is that file, never standard input: its rows are created once, it moves to done/", async () => {
    const text = await payroll(2);
    await writeFile(join(inbox, "-"), text);
    // Other rows on standard input (a terminal, a pipe): never read.
    const run = await dotRun(await payroll(3, 20));
    expect(run.code, run.stderr).to.equal(0);
    const [file, summary] = lines(run);
    expect([file?.file, file?.outcome, file?.exit_code, file?.moved_to]).to.deep.equal([
      "-",
      "done",
      0,
      `done/${today()}`,
    ]);
    expect(summary).to.include({ command: "inbox", dir: ".", files: 1, done: 1, failed: 0, left: 0 });
    expect(held(box)).to.deep.equal(payees(text));
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "done"]);
    expect(await ls(join(inbox, "done", today()))).to.deep.equal(["-", "-.report.csv"]);
    expect(run.stderr).to.include(`-: next: bitex-batch quote ${join(inbox, "done", today(), "-")}\n`);
    // Under cron (standard input empty), the next run has nothing to do and sends nothing.
    const again = await dotRun("");
    expect(again.code, again.stderr).to.equal(0);
    expect(lines(again)).to.have.length(1);
    expect(held(box)).to.deep.equal(payees(text));
  });
});
