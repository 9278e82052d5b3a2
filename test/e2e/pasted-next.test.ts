/**
 * The `next:` line is the command to paste. A batch submitted with an input option that
 * changes its rows (`--sender-port` filling empty cells) is refused by `quote`, `accept` and
 * `status` without it (exit 2; input-options.test.ts), so every printed command carries it:
 * run as printed, through a shell, each step of the cycle goes on.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import ExcelJS from "exceljs";
import type { Sandbox } from "../../src/sandbox/index.js";
import { CLI, cleanEnv, runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoRows, sandbox } from "../helpers/sandbox.js";

/** The command of the output's `next:` line, as printed (its words after it left off). */
function nextOf(stdout: string): string {
  const line = stdout.split("\n").find((l) => l.startsWith("next: "));
  expect(line, stdout).to.be.a("string");
  return (line as string).slice("next: ".length).replace(/ (\(|before ).*$/, "");
}

/** A command pasted into sh in `dir`, with `bitex-batch` on the PATH, as installed: the built CLI. */
async function shell(dir: string, env: Record<string, string>) {
  const bin = join(dir, "bin");
  await mkdir(bin);
  await writeFile(join(bin, "bitex-batch"), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
  await chmod(join(bin, "bitex-batch"), 0o755);
  const shellEnv = cleanEnv(dir, { ...env, PATH: `${bin}:${process.env.PATH ?? ""}` });
  return (command: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile("sh", ["-c", command], { cwd: dir, env: shellEnv }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
}

describe("next: lines of a batch submitted with --sender-port, pasted into a shell", function () {
  this.timeout(120_000);
  let box: Sandbox;
  afterEach(async () => box?.close());

  it("quote, accept and status run as printed, each carrying --sender-port, to every row paid once", async () => {
    box = await sandbox();
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    // EMP-1001 leaves its sender port to --sender-port.
    await writeFile(
      join(dir, "payroll.csv"),
      file([pick("EMP-1001").replace(",ar_ars,", ",,"), pick("EMP-1003")]),
    );
    const env = { ...apiEnv(box), BITEX_BATCH_SETTLE_MS: "0" };
    const paste = await shell(dir, env);

    const submitted = await runCli(["submit", "payroll.csv", "--sender-port", "ar_ars", "--rate", "1000"], {
      cwd: dir,
      env,
    });
    expect(submitted.code, submitted.stderr).to.equal(0);
    const quote = nextOf(submitted.stdout);
    expect(quote).to.equal("bitex-batch quote payroll.csv --sender-port ar_ars");

    const quoted = await paste(quote);
    expect(quoted.code, quoted.stderr).to.equal(0);
    const accept = nextOf(quoted.stdout);
    expect(accept, quoted.stdout).to.match(
      /^bitex-batch accept payroll\.csv --sender-port ar_ars --max-total ARS=\d+(\.\d+)?$/,
    );

    const accepted = await paste(accept);
    expect(accepted.code, accepted.stderr).to.equal(0);
    const status = nextOf(accepted.stdout);
    expect(status).to.equal("bitex-batch status payroll.csv --sender-port ar_ars --watch");

    box.advance({ until: "final" });
    const watched = await paste(status);
    expect(watched.code, watched.stderr).to.equal(0);
    expect(watched.stdout).not.to.include("next: ");
    // EMP-1001 (user 300) and EMP-1003 (user 302), each paid once.
    const users = box.state().outputs.map((output) => output.relationships?.user?.data?.id);
    expect(users.sort()).to.deep.equal(["300", "302"]);
    expect(box.state().outputs.map((output) => output.attributes.state)).to.deep.equal([
      "settled",
      "settled",
    ]);
  });

  it("after submit --report-format xlsx, the pasted status rewrites the workbook with the final states", async () => {
    box = await sandbox();
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    await writeFile(join(dir, "payroll.csv"), file([pick("EMP-1001"), pick("EMP-1003")]));
    const env = { ...apiEnv(box), BITEX_BATCH_SETTLE_MS: "0" };
    const paste = await shell(dir, env);
    const submitted = await runCli(
      [
        "submit",
        "payroll.csv",
        "--until",
        "accepted",
        "--max-total",
        "ARS=99999999",
        "--report-format",
        "xlsx",
        "--rate",
        "1000",
      ],
      { cwd: dir, env },
    );
    expect(submitted.code, submitted.stderr).to.equal(0);
    const status = nextOf(submitted.stdout);
    expect(status).to.equal("bitex-batch status payroll.csv --report-format xlsx --watch");
    const states = async () => {
      const book = new ExcelJS.Workbook();
      await book.xlsx.readFile(join(dir, "payroll.report.xlsx"));
      const sheet = book.getWorksheet("Report") as ExcelJS.Worksheet;
      const header = (sheet.getRow(1).values as unknown[]).indexOf("state");
      return [2, 3].map((row) => sheet.getRow(row).getCell(header).text);
    };
    expect(await states()).to.deep.equal(["accepting", "accepting"]);

    box.advance({ until: "final" });
    const watched = await paste(status);
    expect(watched.code, watched.stderr).to.equal(0);
    expect(watched.stdout).to.include("2 row(s): 2 paid (settled)\n");
    expect(watched.stdout.trimEnd().split("\n").at(-1)).to.equal("report: payroll.report.xlsx");
    expect(await states()).to.deep.equal(["settled", "settled"]);
    expect(await readdir(dir)).to.not.include("payroll.report.csv");
  });
});
