/**
 * The smaller hazards of the command line: a reader that closes the report pipe, inputs
 * that are not regular files, standard input, a damaged state directory under a read-only
 * command, and temp files a killed run left beside its report.
 */
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { CLI, runCli, stateDirOf, tempDir, unstamped } from "../helpers/cli.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";

const sh = (script: string, cwd: string, env: Record<string, string> = {}) =>
  promisify(execFile)("bash", ["-c", script], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, XDG_STATE_HOME: join(cwd, ".state"), ...env },
  }).then(
    (done) => ({ code: 0, stdout: done.stdout, stderr: unstamped(done.stderr) }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      ...error,
      stderr: unstamped(error.stderr),
    }),
  );

describe("input kinds, pipes, a damaged state directory, leftovers", function () {
  this.timeout(60_000);
  let box: Sandbox | undefined;
  let dir: string;
  let csv: string;

  beforeEach(async () => {
    const made = makeWorld(2000);
    box = await sandbox({}, made.seed);
    dir = await tempDir();
    csv = made.csv;
    await writeFile(join(dir, "payroll.csv"), csv);
  });
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("--report - | head -1: the closed pipe is no disk error; the run's own exit code (0) stands", async () => {
    const result = await sh(
      `node ${CLI} validate payroll.csv --report - 2>err.txt | head -1 > first.txt; echo "\${PIPESTATUS[0]}" > code.txt`,
      dir,
    );
    expect(result.code).to.equal(0);
    expect((await readFile(join(dir, "code.txt"), "utf8")).trim()).to.equal("0");
    expect((await readFile(join(dir, "first.txt"), "utf8")).trim()).to.match(/^line,reference,/);
    const stderr = await readFile(join(dir, "err.txt"), "utf8");
    expect(stderr).to.not.match(/could not write the report|free space/);
  });

  it("--report /dev/stdout | head -1 is --report - | head -1: no failure, for validate (CSV and xlsx) and export", async function () {
    // Three runs and a submit: more than the other tests here on a loaded machine.
    this.timeout(180_000);
    const piped = async (command: string) => {
      const result = await sh(
        `node ${CLI} ${command} 2>err.txt | head -c 200 > first.txt; echo "\${PIPESTATUS[0]}" > code.txt`,
        dir,
        apiEnv(box as Sandbox),
      );
      expect(result.code).to.equal(0);
      const stderr = await readFile(join(dir, "err.txt"), "utf8");
      expect(stderr, command).to.not.match(/could not write|EPIPE|free space|^\s+at /m);
      return {
        code: (await readFile(join(dir, "code.txt"), "utf8")).trim(),
        first: await readFile(join(dir, "first.txt"), "utf8"),
      };
    };
    const report = await piped("validate payroll.csv --report /dev/stdout");
    expect(report.code).to.equal("0");
    expect(report.first).to.match(/^line,reference,/);
    const xlsx = await piped("validate payroll.csv --report /dev/stdout --report-format xlsx");
    expect(xlsx.code).to.equal("0");
    expect(xlsx.first.startsWith("PK")).to.equal(true);
    // 800 rows: an export of twice what a pipe holds (64 KiB), so that the writer meets the closed pipe.
    const [header, ...rows] = csv.trimEnd().split("\n");
    await writeFile(join(dir, "part.csv"), `${[header, ...rows.slice(0, 800)].join("\n")}\n`);
    const submitted = await runCli(["submit", "part.csv", "--rate", "1000", "--concurrency", "8"], {
      cwd: dir,
      env: apiEnv(box as Sandbox),
    });
    expect(submitted.code, submitted.stderr).to.equal(0);
    const month = new Date().toISOString().slice(0, 7);
    const exported = await piped(`export --month ${month} --tz UTC --report /dev/stdout`);
    expect(exported.code).to.equal("0");
    expect(exported.first).to.match(/^request_id,external_id,/);
  });

  it("a FIFO with no writer and /dev/zero are refused at once, exit 2, naming what they are", async () => {
    await promisify(execFile)("mkfifo", [join(dir, "pipe.csv")]);
    for (const [input, kind] of [
      ["pipe.csv", "a FIFO"],
      ["/dev/zero", "a device"],
      ["/dev/urandom", "a device"],
    ] as const) {
      const started = Date.now();
      const result = await runCli(["submit", input], { cwd: dir, env: apiEnv(box as Sandbox) });
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.include(
        `bitex-batch: ${input}: ${kind}, not a regular file; only files (or - for standard input) are read`,
      );
      expect(Date.now() - started).to.be.lessThan(10_000);
    }
    expect((box as Sandbox).state().stats.calls).to.equal(0);
  });

  it("- is standard input, and is named so", async () => {
    const empty = await sh(`node ${CLI} validate - < /dev/null`, dir);
    expect(empty.code, empty.stderr).to.equal(2);
    expect(empty.stderr).to.match(/^bitex-batch: standard input/m);
    const read = await sh(`head -3 payroll.csv | node ${CLI} validate - --report out.csv --json`, dir);
    expect(read.code, read.stderr).to.equal(0);
    expect(JSON.parse(read.stdout)).to.include({ rows: 2, exit_code: 0 });
  });

  it("status with the state directory a regular file, or the journal a directory, reads the batch from the server", async () => {
    const small = csv.split("\n").slice(0, 5).join("\n");
    await writeFile(join(dir, "payroll.csv"), `${small}\n`);
    const env = apiEnv(box as Sandbox);
    expect((await runCli(["submit", "payroll.csv"], { cwd: dir, env })).code).to.equal(0);
    const [batch] = await readdir(stateDirOf(dir));
    const journal = join(stateDirOf(dir), batch as string, "journal.jsonl");
    await rm(journal);
    await mkdir(journal);
    const calls = (box as Sandbox).state().stats.calls;
    const asDir = await runCli(["status", "payroll.csv"], { cwd: dir, env });
    expect(asDir.code, asDir.stderr).to.equal(3); // drafts: not final yet
    expect(asDir.stderr).to.include(
      `cannot read the journal ${journal} (EISDIR): reading the batch from the server by its external ids`,
    );
    expect(asDir.stdout).to.match(/^4 row\(s\): 4 payee being checked by Bitex \(accepting\)$/m);
    expect((box as Sandbox).state().stats.calls).to.be.greaterThan(calls);
    await rm(join(dir, ".state"), { recursive: true });
    await writeFile(join(dir, ".state"), "not a directory");
    const asFile = await runCli(["status", "payroll.csv"], { cwd: dir, env });
    expect(asFile.code, asFile.stderr).to.equal(3);
    expect(asFile.stderr).to.match(
      /cannot read the journal .* \(ENOTDIR\): reading the batch from the server/,
    );
    expect(asFile.stdout).to.match(/^4 row\(s\): 4 payee being checked by Bitex \(accepting\)$/m);
  });

  it("temp files a killed writer left beside the report are removed by the next run writing it; a live writer's are kept", async () => {
    const dead = join(dir, ".payroll.validation.csv.999999.0123456789ab.tmp");
    const live = join(dir, `.payroll.validation.csv.${process.pid}.abcdefabcdef.tmp`);
    const other = join(dir, ".payroll.validation.csv.tmp-not-ours");
    for (const path of [dead, live, other]) await writeFile(path, "EMP-1,personal data");
    const result = await runCli(["validate", "payroll.csv"], { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    const names = await readdir(dir);
    expect(names).to.not.include(".payroll.validation.csv.999999.0123456789ab.tmp");
    expect(names).to.include(`.payroll.validation.csv.${process.pid}.abcdefabcdef.tmp`);
    expect(names).to.include(".payroll.validation.csv.tmp-not-ours");
  });
});
