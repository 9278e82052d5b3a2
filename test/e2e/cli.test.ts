/**
 * The command line itself (docs/design.md section 3): help, version, usage errors and
 * their exit codes, `--json`, `--report -`, `sandbox`, and `validate` on every file of
 * fixtures/invalid. The built CLI runs as a child process, against emulators on port 0.
 */

import { execFile } from "node:child_process";
import { copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import type { Sandbox } from "../../src/sandbox/index.js";
import { CLI, type CliResult, ROOT, runCli, spawnCli, tempDir } from "../helpers/cli.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

const PORTS = "ar_ars ar_usd cl_clp uy_uyu py_pyg uy_usd py_usd us_usd other_usd mx_mxn other_eur".split(" ");
const INVALID = join(ROOT, "fixtures", "invalid");

/** Exit `code`, one `bitex-batch: …` line (and at most an indented hint), no stack trace. */
function expectCleanError(result: CliResult, code: number, ...mentions: string[]): void {
  expect(result.code, result.stderr).to.equal(code);
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines[0]).to.match(/^bitex-batch: \S/);
  expect(lines.length, result.stderr).to.be.at.most(2);
  if (lines[1] !== undefined) expect(lines[1]).to.match(/^ {2}\S/);
  expect(result.stderr).to.not.match(/^\s+at /m);
  for (const text of mentions) expect(lines[0]).to.include(text);
}

describe("cli: help, version, usage errors", function () {
  this.timeout(60_000);
  let dir: string;
  let box: Sandbox | undefined;
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env });

  beforeEach(async () => {
    dir = await tempDir();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
  });
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("--help shows an example for each command", async () => {
    const result = await cli(["--help"]);
    expect(result.code).to.equal(0);
    const examples = result.stdout.slice(result.stdout.indexOf("Examples:"));
    for (const command of ["validate", "submit", "template", "ports", "sandbox"]) {
      expect(examples).to.match(new RegExp(`^ {2}bitex-batch ${command}\\b.* {2}\\S`, "m"), command);
    }
  });

  it('--batch-id "." or "..": a usage error (exit 2), never the state directory or its parent as the batch\'s folder', async () => {
    for (const id of [".", ".."]) {
      // A key and an API where nothing listens: refused before any file is read or call made.
      const result = await runCli(["submit", "payroll.csv", "--batch-id", id, "--json"], {
        cwd: ROOT,
        env: { XDG_STATE_HOME: "/nonexistent", BITEX_API_KEY: "k", BITEX_API_URL: "http://127.0.0.1:9/api" },
      });
      const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
      expect([result.code, error.code, error.message]).to.deep.equal([
        2,
        "usage",
        `--batch-id expects 1-64 letters, digits, ".", "_" or "-" (not "." or ".." alone), got "${id}"`,
      ]);
    }
  });

  it("--version prints package.json's version", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    const result = await cli(["--version"]);
    expect([result.code, result.stdout]).to.deep.equal([0, `${pkg.version}\n`]);
  });

  it("submit without BITEX_API_KEY nor --sandbox: exit 2, says how to set it, sends nothing", async () => {
    box = await sandbox();
    const result = await cli(["submit", "payroll.csv"], { BITEX_API_URL: box.url });
    expectCleanError(result, 2, "BITEX_API_KEY");
    expect(result.stderr).to.include("export BITEX_API_KEY=");
    expect(box.state().stats.calls).to.equal(0);
    expect(await readdir(dir)).to.deep.equal(["payroll.csv"]);
  });

  it("--api-url plain http to another host: exit 2; to 127.0.0.1 accepted", async () => {
    const refused = await cli(["submit", "payroll.csv", "--api-url", "http://example.com/api"], {
      BITEX_API_KEY: "sandbox-key",
    });
    expectCleanError(refused, 2, "http://example.com", "TLS");
    box = await sandbox();
    await writeFile(
      join(dir, "two.csv"),
      (await readFile(DEMO_CSV, "utf8")).split("\n").slice(0, 3).join("\n"),
    );
    const accepted = await cli(["submit", "two.csv", "--api-url", box.url, "--rate", "1000"], {
      BITEX_API_KEY: box.apiKey,
    });
    expect(accepted.code, accepted.stderr).to.equal(0);
    expect(box.state().outputs).to.have.length(2);
  });

  const usage: Array<[string[], string]> = [
    [["--bogus"], "name a command"],
    [["frob"], "Unknown argument: frob"],
    [["validate"], "Not enough non-option arguments"],
    [["validate", "payroll.csv", "--bogus"], "Unknown argument: bogus"],
    [["validate", "payroll.csv", "--report-format", "xls"], 'Given: "xls"'],
    [["validate", "payroll.csv", "--expect-rows", "abc"], '--expect-rows expects a whole number, got "abc"'],
    [["validate", "payroll.csv", "--expect-total", "CLP"], '--expect-total "CLP" is not CUR=AMOUNT'],
    [["validate", "payroll.csv", "--delimiter", "x"], "--delimiter"],
    [["submit", "payroll.csv", "--sandbox", "--concurrency", "0"], "--concurrency"],
    [["submit", "payroll.csv", "--sandbox", "--json", "--report", "-"], "pick one"],
    [["validate", "payroll.csv", "--json", "--report", "-"], "pick one"],
    [["validate", "payroll.csv", "--report", "./payroll.csv"], "is the input file"],
    // An offset as its own word: the zone's refusal, not yargs' "Unknown arguments: 0, 3" (helper-97).
    [["validate", "payroll.csv", "--tz", "-03:00"], '--tz: expected an IANA time zone, got "-03:00"'],
  ];
  for (const [args, mention] of usage) {
    it(`${args.join(" ")} → exit 2, one line: ${mention}`, async () => {
      expectCleanError(await cli(args), 2, mention);
    });
  }

  it("a missing input file: exit 2 naming it", async () => {
    expectCleanError(await cli(["validate", "nope.csv"]), 2, "nope.csv", "no such file");
  });

  it("a header without rows: a warning, an empty report, exit 0", async () => {
    const header = (await readFile(DEMO_CSV, "utf8")).split("\n")[0];
    await writeFile(join(dir, "payroll.csv"), `${header}\n`);
    const result = await cli(["validate", "payroll.csv"]);
    expect(result.code).to.equal(0);
    expect(result.stderr).to.equal("payroll.csv: no payment rows after the header; nothing to do\n");
    expect(
      (await readFile(join(dir, "payroll.validation.csv"), "utf8")).trimEnd().split("\n"),
    ).to.have.length(1);
  });

  it("a missing column: exit 2 naming it and the closest header", async () => {
    const text = (await readFile(DEMO_CSV, "utf8")).replace("recipient_user_id", "recipient");
    await writeFile(join(dir, "payroll.csv"), text);
    const result = await cli(["validate", "payroll.csv"]);
    expectCleanError(result, 2, 'missing column "recipient_user_id" (closest header present: "recipient")');
  });

  it("a refused key on the read-only commands: exit 2, not a stack or a 'resume' hint", async () => {
    box = await sandbox();
    const env = { BITEX_API_KEY: "wrong-key", BITEX_API_URL: box.url };
    expectCleanError(await cli(["ports"], env), 2, "refused the key");
    expectCleanError(await cli(["validate", "payroll.csv", "--online"], env), 2, "refused the key");
  });
});

describe("cli: --json, --report -, ports, sandbox", function () {
  this.timeout(60_000);
  let dir: string;
  let box: Sandbox | undefined;

  beforeEach(async () => {
    dir = await tempDir();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
  });
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("--json prints exactly one JSON object on stdout (validate, submit, an invalid file)", async () => {
    box = await sandbox();
    await copyFile(join(INVALID, "amount_zero.csv"), join(dir, "bad.csv"));
    const runs: Array<[string[], number, number]> = [
      [["validate", "payroll.csv", "--json"], 0, 48],
      [["submit", "payroll.csv", "--json", "--rate", "1000"], 0, 48],
      [["validate", "bad.csv", "--json"], 1, 3],
    ];
    for (const [args, code, rows] of runs) {
      const result = await runCli(args, { cwd: dir, env: apiEnv(box) });
      expect(result.code, result.stderr).to.equal(code);
      expect(result.stderr).to.not.match(/^\s+at /m);
      expect(
        result.stdout.endsWith("}\n") && result.stdout.indexOf("\n") === result.stdout.length - 1,
      ).to.equal(true);
      const summary = JSON.parse(result.stdout) as {
        exit_code: number;
        rows: number;
        by_status: Record<string, number>;
        totals: Array<Record<string, unknown>>;
      };
      expect([summary.exit_code, summary.rows]).to.deep.equal([code, rows]);
      const good = args[0] === "submit" ? "created" : "valid";
      if (code === 0) expect(summary.by_status[good]).to.equal(rows);
      else expect(summary.by_status[good]).to.be.below(rows);
      expect(Object.keys(summary.totals[0] ?? {})).to.deep.equal([
        "currency",
        "column",
        "rows",
        "in_file",
        "created_rows",
        "created",
      ]);
    }
  });

  it("--report - writes the report to stdout and no file", async () => {
    const result = await runCli(["validate", "payroll.csv", "--report", "-"], { cwd: dir });
    expect(result.code).to.equal(0);
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => row.status)).to.deep.equal(Array(48).fill("valid"));
    expect(rows[0]?.reference).to.equal("EMP-1001");
    expect(result.stderr).to.include("report: stdout");
    expect(await readdir(dir)).to.deep.equal(["payroll.csv"]);
  });

  it("a reader that goes away (| head) does not crash the run", async () => {
    const { child, done } = spawnCli(["validate", "payroll.csv", "--json"], { cwd: dir });
    child.stdout?.destroy();
    const result = await done;
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.not.match(/EPIPE|^\s+at /m);
    expect((await readReport(join(dir, "payroll.validation.csv"))).length).to.equal(48);
  });

  it("ports lists the 11 ports, one a line", async () => {
    box = await sandbox();
    const result = await runCli(["ports"], { cwd: dir, env: apiEnv(box) });
    expect([result.code, result.stdout]).to.deep.equal([0, `${PORTS.join("\n")}\n`]);
  });

  it("sandbox --port 0: the URL and key, the two exports and the controls, all of which run as pasted; exits 0 on SIGTERM", async () => {
    // Written for rich lists, the default before the recorded style: one page holds all 11 ports.
    const { child, done } = spawnCli(["sandbox", "--port", "0", "--list-style", "rich"], { cwd: dir });
    const banner = await new Promise<string>((resolve, reject) => {
      let text = "";
      child.stdout?.on("data", (chunk: string) => {
        text += chunk;
        if (text.includes("# and back\n")) resolve(text);
      });
      child.on("close", () => reject(new Error(`sandbox exited before printing: ${text}`)));
    });
    const lines = banner.trimEnd().split("\n");
    const match = /^bitex sandbox listening on (http:\/\/127\.0\.0\.1:(\d+)\/api) \(api key: (\S+)\)$/.exec(
      lines[0] ?? "",
    );
    expect(match, banner).to.not.equal(null);
    const [, url, port, key] = match as unknown as [string, string, string, string];
    const root = `http://127.0.0.1:${port}/_sandbox`;
    expect(lines.slice(1, 4)).to.deep.equal([
      `export BITEX_API_URL=${url}`,
      `export BITEX_API_KEY=${key}`,
      "controls (loopback, no key):",
    ]);
    expect(lines.slice(4).map((line) => line.replace(/ +#.*$/, ""))).to.deep.equal([
      `  curl -s ${root}/state`,
      `  curl -s -X POST ${root}/advance -d '{"minutes": 30}'`,
      `  curl -s -X POST ${root}/faults -d '{"fail_rate": 0.2}'`,
      `  curl -s -X POST ${root}/faults -d '{"fail_rate": 0}'`,
    ]);
    // Pasted into a shell: the exports point the CLI at it, the advance moves its clock.
    const before = Date.parse(
      ((await (await fetch(`${root}/state`)).json()) as { clock: { now: string } }).clock.now,
    );
    const pasted = [lines[1], lines[2], lines[5], `node ${CLI} ports`].join("\n");
    const { stdout } = await promisify(execFile)("bash", ["-c", pasted], {
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    // The advance's answer (nothing fell due in an empty world), then the ports.
    expect(stdout).to.equal(`{"steps":0,"changes":0}${PORTS.join("\n")}\n`);
    const after = Date.parse(
      ((await (await fetch(`${root}/state`)).json()) as { clock: { now: string } }).clock.now,
    );
    expect(after - before).to.be.at.least(30 * 60_000);
    child.kill("SIGTERM");
    const result = await done;
    expect([result.code, result.stdout, result.stderr]).to.deep.equal([0, banner, ""]);
  });
});

describe("validate on each file of fixtures/invalid", function () {
  this.timeout(60_000);
  // file → the invalid lines and their code; every other row must be valid.
  const table: Array<[string, Record<number, string>]> = [
    ["sender_port_missing", { 3: "sender_port_missing" }],
    ["port_missing", { 3: "port_missing" }],
    ["unknown_port", { 3: "unknown_port" }],
    ["unknown_port-sender_port", { 3: "unknown_port" }],
    ["recipient_user_id_missing", { 3: "recipient_user_id_missing" }],
    ["withdrawal_instruction_id_missing", { 3: "withdrawal_instruction_id_missing" }],
    ["id_not_numeric", { 3: "id_not_numeric" }],
    ["excel_damaged_number", { 3: "excel_damaged_number" }],
    ["amount_missing", { 3: "amount_missing" }],
    ["amount_and_budget", { 3: "amount_and_budget" }],
    ["amount_not_a_number", { 3: "amount_not_a_number" }],
    ["amount_exponent", { 3: "amount_exponent" }],
    ["amount_hex", { 3: "amount_hex" }],
    ["amount_sign", { 3: "amount_sign" }],
    ["amount_negative", { 3: "amount_negative" }],
    ["amount_currency_symbol", { 3: "amount_currency_symbol" }],
    ["amount_zero", { 3: "amount_zero" }],
    ["amount_too_large", { 3: "amount_too_large" }],
    ["amount_ambiguous", { 3: "amount_ambiguous" }],
    ["amount_convention_conflict", { 3: "amount_convention_conflict", 4: "amount_convention_conflict" }],
    ["amount_too_many_decimals", { 3: "amount_too_many_decimals" }],
    ["amount_too_many_decimals-clp", { 3: "amount_too_many_decimals" }],
    ["amount_too_many_decimals-budget", { 3: "amount_too_many_decimals" }],
    ["duplicate_reference", { 3: "duplicate_reference" }],
    ["possible_duplicate", { 3: "possible_duplicate" }],
    ["too_many_fields", { 3: "too_many_fields" }],
    ["too_many_fields-decimal-comma", { 3: "too_many_fields" }],
  ];

  it("the table covers every file of fixtures/invalid", async () => {
    const files = (await readdir(INVALID)).filter((name) => name.endsWith(".csv"));
    expect(files.sort()).to.deep.equal(table.map(([name]) => `${name}.csv`).sort());
  });

  for (const [name, bad] of table) {
    it(`${name}.csv: exit 1, ${Object.entries(bad)
      .map(([line, code]) => `line ${line} ${code}`)
      .join(", ")}, the rest valid`, async () => {
      const dir = await tempDir();
      await copyFile(join(INVALID, `${name}.csv`), join(dir, "in.csv"));
      const result = await runCli(["validate", "in.csv"], { cwd: dir });
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stderr).to.not.match(/^\s+at /m);
      const report = await readReport(join(dir, "in.validation.csv"));
      expect(report.map((row) => [row.line, row.status, row.error_code])).to.deep.equal(
        ["2", "3", "4"].map((line) => {
          const code = bad[Number(line)];
          return code ? [line, "invalid", code] : [line, "valid", ""];
        }),
      );
    });
  }
});

describe("validate writes its report in one pass, or in two when the end of the file changes an answer", function () {
  this.timeout(60_000);
  const HEADER =
    "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id";

  async function validate(lines: string[]) {
    const dir = await tempDir();
    await writeFile(join(dir, "in.csv"), `${[HEADER, ...lines].join("\n")}\n`);
    const result = await runCli(["validate", "in.csv", "--json"], { cwd: dir });
    const report = await readReport(join(dir, "in.validation.csv"));
    return { result, report, files: (await readdir(dir)).sort() };
  }

  it("one pass: every row valid, the summary from the rows written, no temp file left", async () => {
    const { result, report, files } = await validate([
      "EMP-1,112,ar_ars,300,mx_mxn,1234.50,,2100",
      "EMP-2,112,ar_ars,301,mx_mxn,7,,2101",
    ]);
    expect(result.code, result.stderr).to.equal(0);
    expect(report.map((row) => [row.line, row.status, row.amount])).to.deep.equal([
      ["2", "valid", "1234.50"],
      ["3", "valid", "7"],
    ]);
    expect(JSON.parse(result.stdout).by_status.valid).to.equal(2);
    expect(files).to.deep.equal(["in.csv", "in.validation.csv"]);
  });

  it("two passes: 1.234 read before 12,50 proves a decimal comma is 1234, not an error", async () => {
    const { result, report, files } = await validate([
      "EMP-1,112,ar_ars,300,mx_mxn,1.234,,2100",
      'EMP-2,112,ar_ars,301,mx_mxn,"12,50",,2101',
    ]);
    expect(result.code, result.stderr).to.equal(0);
    expect(report.map((row) => [row.line, row.status, row.amount, row.error_code])).to.deep.equal([
      ["2", "valid", "1234", ""],
      ["3", "valid", "12.50", ""],
    ]);
    expect(JSON.parse(result.stdout).by_status).to.include({ valid: 2, invalid: 0 });
    expect(files).to.deep.equal(["in.csv", "in.validation.csv"]);
  });

  it("two passes: a row without reference, identical to an earlier one, is a possible duplicate", async () => {
    const { result, report } = await validate([
      "EMP-1,112,ar_ars,300,mx_mxn,10,,2100",
      ",112,ar_ars,300,mx_mxn,10,,2100",
    ]);
    expect(result.code, result.stderr).to.equal(1);
    expect(report.map((row) => [row.line, row.status, row.error_code])).to.deep.equal([
      ["2", "valid", ""],
      ["3", "invalid", "possible_duplicate"],
    ]);
  });
});
