/**
 * What the operator sees. Row problems on stderr (exact lines, --quiet keeps
 * them, the first 20 then "and N more"), one --json object for every exit code, validate
 * never replacing a submit report, money traps, an empty payroll, BITEX_API_KEY_FILE,
 * help conventions. The built CLI runs as a child process, against emulators on port 0.
 */
import { chmod, copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import { acquireLock } from "../../src/batch/lock.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type CliResult, ISO_TIME, runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

const HEADER =
  "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id";

/** Eight kinds of mistakes, one per line from line 3 on (line 2 is good). */
const MISTAKES = [
  HEADER,
  "EMP-1,112,ar_ars,300,cl_clp,1329000,,2100",
  "EMP-2,112,us_usd,301,mx_mex,23886.75,,2101",
  "EMP-3,112,ar_ars,302,uy_uyu,44328.00,,2.101E+03",
  "EMP-4,112,ar_ars,,py_pyg,7695000,,2103",
  "EMP-5,112,ar_ars,304,cl_clp,0,,2104",
  "EMP-6,112,ar_ars,305,us_usd,100.00,200.00,2105",
  "EMP-1,112,ar_ars,306,cl_clp,5000,,2106",
  "EMP-8,112,ar_ars,307,cl_clp,479.000,,2107",
  "EMP-9,112,ar_ars,308,cl_clp,12.50,,2108",
];

const MISTAKE_LINES = [
  'line 3, port "mx_mex": port "mx_mex" is not a Bitex port; see `bitex-batch ports`; did you mean mx_mxn? [unknown_port]',
  'line 4, withdrawal_instruction_id "2.101E+03": "2.101E+03" is in scientific notation: Excel turned the id into a number and dropped digits; re-export the column as text (in Excel: format the column as Text, then paste the ids again) [excel_damaged_number]',
  'line 5, recipient_user_id "": the id is empty; fill it in [recipient_user_id_missing]',
  'line 6, amount "0": "0" is zero; remove the row or write the amount to pay [amount_zero]',
  'line 7, budget "200.00": both amount and budget are filled; keep only one (amount: what the payee gets; budget: what you spend) [amount_and_budget]',
  'line 8, reference "EMP-1": reference "EMP-1" is already used on line 2; references must be unique within a file (compared as they look: case, spaces and dashes aside) [duplicate_reference]',
  'line 9, amount "479.000": read as 479 CLP, but CLP has no decimals and three digits after "." look like thousands; if 479000 is meant, write 479000 [amount_ambiguous]',
  'line 10, amount "12.50": 12.50 has 1 decimal, but CLP amounts are whole numbers; round it to a whole CLP amount [amount_too_many_decimals]',
];

/** A loopback port with nothing listening on it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function lines(text: string): string[] {
  return text.trimEnd() === "" ? [] : text.trimEnd().split("\n");
}

function oneJson(result: CliResult): Record<string, unknown> {
  expect(result.stdout.endsWith("}\n"), result.stdout).to.equal(true);
  expect(result.stdout.indexOf("\n"), result.stdout).to.equal(result.stdout.length - 1);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("operator: problems where people look", function () {
  this.timeout(60_000);
  let dir: string;
  let box: Sandbox | undefined;

  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("validate prints one exact line per problem on stderr, before the summary, and --quiet keeps them", async () => {
    await writeFile(join(dir, "six.csv"), `${MISTAKES.join("\n")}\n`);
    const loud = await runCli(["validate", "six.csv"], { cwd: dir });
    expect(loud.code, loud.stderr).to.equal(1);
    expect(lines(loud.stderr)).to.deep.equal(MISTAKE_LINES);
    expect(lines(loud.stdout)[0]).to.equal("9 rows: 1 valid, 8 invalid");
    expect(lines(loud.stdout).at(-1)).to.equal("report: six.validation.csv");

    const quiet = await runCli(["validate", "six.csv", "--quiet"], { cwd: dir });
    expect([quiet.code, lines(quiet.stderr), quiet.stdout]).to.deep.equal([1, MISTAKE_LINES, ""]);
  });

  it("50 invalid rows: the first 20 lines, then 'and 30 more: see the report'", async () => {
    const rows = Array.from(
      { length: 50 },
      (_, i) => `R-${i + 1},112,ar_ars,${300 + i},cl_clp,0,,${2100 + i}`,
    );
    await writeFile(join(dir, "zeros.csv"), `${[HEADER, ...rows].join("\n")}\n`);
    const result = await runCli(["validate", "zeros.csv", "--quiet"], { cwd: dir });
    expect(result.code).to.equal(1);
    const expected = Array.from(
      { length: 20 },
      (_, i) =>
        `line ${i + 2}, amount "0": "0" is zero; remove the row or write the amount to pay [amount_zero]`,
    );
    expected.push("and 30 more: see the report (zeros.validation.csv)");
    expect(lines(result.stderr)).to.deep.equal(expected);
  });

  it("--json carries the problems (first 100) and their count", async () => {
    await writeFile(join(dir, "six.csv"), `${MISTAKES.join("\n")}\n`);
    const summary = oneJson(await runCli(["validate", "six.csv", "--json"], { cwd: dir }));
    expect(summary.exit_code).to.equal(1);
    expect(summary.error).to.equal(null);
    expect(summary.problems_count).to.equal(8);
    expect((summary.problems as unknown[])[0]).to.deep.equal({
      line: 3,
      column: "port",
      value: "mx_mex",
      code: "unknown_port",
      message: 'port "mx_mex" is not a Bitex port; see `bitex-batch ports`; did you mean mx_mxn?',
    });
  });

  it("--json: exactly one parseable object for each exit code 0-4, with error.code for 2, 3 and 4", async () => {
    box = await sandbox();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    await writeFile(join(dir, "six.csv"), `${MISTAKES.join("\n")}\n`);
    const env = apiEnv(box);
    const ok = oneJson(await runCli(["validate", "payroll.csv", "--json"], { cwd: dir }));
    expect([ok.exit_code, ok.error, ok.command]).to.deep.equal([0, null, "validate"]);
    const rows = oneJson(await runCli(["validate", "six.csv", "--json"], { cwd: dir }));
    expect([rows.exit_code, rows.error]).to.deep.equal([1, null]);

    const usage = await runCli(["submit", "payroll.csv", "--json", "--concurency", "2"], { cwd: dir, env });
    expect(usage.code).to.equal(2);
    const { started_at, finished_at, ...usageJson } = oneJson(usage);
    expect([started_at, finished_at]).to.satisfy((times: unknown[]) =>
      times.every((at) => typeof at === "string" && ISO_TIME.test(at)),
    );
    expect(usageJson).to.deep.equal({
      command: "submit",
      problems: [],
      exit_code: 2,
      error: {
        code: "usage",
        message: "Unknown argument: concurency",
        hint: "did you mean --concurrency? (see bitex-batch help)",
      },
    });

    // Nothing listening: unreachable after the retries, exit 3.
    const down = await runCli(
      ["submit", "payroll.csv", "--json", "--api-url", "http://127.0.0.1:9/api", "--rate", "1000"],
      { cwd: dir, env: { BITEX_API_KEY: "k", BITEX_BATCH_SETTLE_MS: "0" } },
    );
    expect(down.code, down.stderr).to.equal(3);
    const stopped = oneJson(down);
    expect([stopped.exit_code, (stopped.error as { code: string }).code]).to.deep.equal([3, "unreachable"]);

    // Another run holds the batch's lock: exit 4.
    // The batch id of payroll.csv, as the CLI derives it (validate --json printed it).
    const batchId = ok.batch_id as string;
    const stateDir = join(dir, ".state", "bitex-batch");
    await mkdir(join(stateDir, batchId), { recursive: true });
    const lock = await acquireLock(join(stateDir, batchId, "lock"), () => {});
    try {
      const held = await runCli(["submit", "payroll.csv", "--json", "--rate", "1000"], { cwd: dir, env });
      expect(held.code, held.stderr).to.equal(4);
      const locked = oneJson(held);
      expect([locked.exit_code, (locked.error as { code: string }).code]).to.deep.equal([4, "locked"]);
    } finally {
      await lock.release();
    }
  });

  it("validate after submit leaves the submit report byte for byte", async () => {
    box = await sandbox();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const submit = await runCli(["submit", "payroll.csv", "--rate", "1000"], { cwd: dir, env: apiEnv(box) });
    expect(submit.code, submit.stderr).to.equal(0);
    const before = await readFile(join(dir, "payroll.report.csv"));
    const check = await runCli(["validate", "payroll.csv"], { cwd: dir });
    expect(check.code, check.stderr).to.equal(0);
    expect((await readFile(join(dir, "payroll.report.csv"))).equals(before)).to.equal(true);
    expect(check.stdout).to.include("report: payroll.validation.csv");
  });

  it("submit --dry-run and validate --report do not replace a report of created rows", async () => {
    box = await sandbox();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const submit = await runCli(["submit", "payroll.csv", "--rate", "1000"], { cwd: dir, env: apiEnv(box) });
    expect(submit.code, submit.stderr).to.equal(0);
    const before = await readFile(join(dir, "payroll.report.csv"));
    // The status offered refreshes the report named, so it carries the --report given.
    for (const [args, status] of [
      [["submit", "payroll.csv", "--dry-run"], "bitex-batch status payroll.csv"],
      [
        ["validate", "payroll.csv", "--report", "payroll.report.csv"],
        "bitex-batch status payroll.csv --report payroll.report.csv",
      ],
    ] as const) {
      const result = await runCli([...args], { cwd: dir });
      expect(result.code, result.stderr).to.equal(2);
      expect(lines(result.stderr)).to.deep.equal([
        "bitex-batch: payroll.report.csv holds rows created on the server; this run would replace it with a report of fewer facts",
        `  keep it: pass --report <another path>, or ${status} to refresh it from the server`,
      ]);
      expect((await readFile(join(dir, "payroll.report.csv"))).equals(before)).to.equal(true);
    }
  });

  it("a row the API refuses: one line naming the ids it sent", async () => {
    await writeFile(
      join(dir, "f.csv"),
      `${HEADER}\nA,112,ar_ars,300,cl_clp,1000,,2100\nB,112,ar_ars,999,cl_clp,1000,,2101\n`,
    );
    const result = await runCli(["submit", "f.csv", "--sandbox", "--quiet"], { cwd: dir });
    expect(result.code, result.stderr).to.equal(1);
    expect(lines(result.stderr)).to.deep.equal([
      "line 3: Bitex has no such resource, or one of the ids sent does not exist (404); ids sent: payer_user_id 112, recipient_user_id 999, withdrawal_instruction_id 2101; check them with `bitex-batch validate --online` [api_not_found]",
    ]);
  });

  it("a paid file run again with another state directory says the server has every row and nothing was sent", async () => {
    box = await sandbox();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const first = await runCli(["submit", "payroll.csv", "--rate", "1000"], { cwd: dir, env: apiEnv(box) });
    expect(first.code, first.stderr).to.equal(0);
    const outputs = box.state().outputs.length;
    const again = await runCli(["submit", "payroll.csv", "--rate", "1000", "--json"], {
      cwd: dir,
      // The drafts found are watched for the settle delay (a killed run's creates may land): 1 s here.
      env: { ...apiEnv(box), XDG_STATE_HOME: join(dir, "elsewhere"), BITEX_BATCH_SETTLE_MS: "1000" },
    });
    expect(again.code, again.stderr).to.equal(0);
    const batchId = oneJson(again).batch_id as string;
    expect(lines(again.stderr)).to.include(
      `all 48 row(s) of batch ${batchId} were already created on the server (found by their external ids): nothing was sent`,
    );
    expect(box.state().outputs.length).to.equal(outputs);
  });

  it("CLP 479.000 with --decimal-separator . is an error with a hint; with , it is 479000", async () => {
    await writeFile(
      join(dir, "clp.csv"),
      `${HEADER.replaceAll(",", ";")}\nA;112;ar_ars;300;cl_clp;479.000;;2100\n`,
    );
    const dot = await runCli(["validate", "clp.csv", "--decimal-separator", "."], { cwd: dir });
    expect(dot.code).to.equal(1);
    expect(lines(dot.stderr)).to.deep.equal([
      'line 2, amount "479.000": read as 479 CLP, but CLP has no decimals and three digits after "." look like thousands; if 479000 is meant, write 479000 [amount_ambiguous]',
    ]);
    const comma = await runCli(["validate", "clp.csv", "--decimal-separator", ",", "--json"], { cwd: dir });
    expect(comma.code, comma.stderr).to.equal(0);
    expect((oneJson(comma).totals as Array<{ in_file: string }>)[0]?.in_file).to.equal("479000");
  });

  it("a header-only file: submit exits 2 and sends nothing", async () => {
    box = await sandbox();
    await writeFile(join(dir, "empty.csv"), `${HEADER}\n`);
    const result = await runCli(["submit", "empty.csv", "--json"], { cwd: dir, env: apiEnv(box) });
    expect(result.code, result.stderr).to.equal(2);
    expect((oneJson(result).error as { code: string }).code).to.equal("input");
    expect(result.stderr).to.include(
      "bitex-batch: empty.csv: no payment rows after the header; nothing to submit",
    );
    expect(box.state().stats.calls).to.equal(0);
  });

  it("BITEX_API_KEY_FILE: the key from an owner-only file; a file others can read is refused", async () => {
    box = await sandbox();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const keyFile = join(dir, "key");
    await writeFile(keyFile, `${box.apiKey}\n`);
    await chmod(keyFile, 0o644);
    const env = { BITEX_API_URL: box.url, BITEX_API_KEY_FILE: keyFile };
    const open = await runCli(["ports"], { cwd: dir, env });
    expect(open.code).to.equal(2);
    expect(lines(open.stderr)).to.deep.equal([
      `bitex-batch: BITEX_API_KEY_FILE ${keyFile} can be read by others (mode 644); the key would not be secret`,
      `  chmod 600 ${keyFile}, then run again`,
    ]);
    expect(box.state().stats.calls).to.equal(0);
    await chmod(keyFile, 0o600);
    const ports = await runCli(["ports"], { cwd: dir, env });
    expect(ports.code, ports.stderr).to.equal(0);
    expect(lines(ports.stdout)).to.include("cl_clp");
    expect(ports.stderr).to.not.include(box.apiKey);
  });

  it("a wrong --api-url (nothing listening) binds nothing: the right URL then goes through with the same batch id", async () => {
    box = await sandbox();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const batchId = oneJson(await runCli(["validate", "payroll.csv", "--json"], { cwd: dir }))
      .batch_id as string;
    await rm(join(dir, "payroll.validation.csv"));
    const closed = await freePort();
    const wrong = await runCli(
      ["submit", "payroll.csv", "--json", "--api-url", `http://127.0.0.1:${closed}/api`, "--rate", "1000"],
      { cwd: dir, env: { BITEX_API_KEY: box.apiKey } },
    );
    expect(wrong.code, wrong.stderr).to.equal(3);
    const stopped = oneJson(wrong);
    const error = stopped.error as { code: string; message: string; hint: string };
    expect(error.code).to.equal("unreachable");
    expect(error.message).to.include(`nothing reached the API at http://127.0.0.1:${closed}/api`);
    expect(error.hint).to.match(
      /^check --api-url \(or BITEX_API_URL\) points at the Bitex API; then run the same command again/,
    );
    expect(await readdir(dir)).to.deep.equal([".state", "payroll.csv"]);

    const right = await runCli(["submit", "payroll.csv", "--json", "--rate", "1000"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(right.code, right.stderr).to.equal(0);
    const done = oneJson(right);
    expect([done.batch_id, (done.by_status as { created: number }).created]).to.deep.equal([batchId, 48]);
    const journal = await readFile(join(dir, ".state", "bitex-batch", batchId, "journal.jsonl"), "utf8");
    expect(JSON.parse(journal.split("\n")[0] ?? "").api).to.equal(box.url);
    expect(right.stderr).to.not.include("started against");
  });

  it("a refused key (401) on a paid batch: exit 2, report and journal unchanged byte for byte", async () => {
    box = await sandbox();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const first = await runCli(["submit", "payroll.csv", "--json", "--rate", "1000"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(first.code, first.stderr).to.equal(0);
    const batchId = oneJson(first).batch_id as string;
    const journal = join(dir, ".state", "bitex-batch", batchId, "journal.jsonl");
    const report = join(dir, "payroll.report.csv");
    const [journalBefore, reportBefore] = [await readFile(journal), await readFile(report)];
    const refused = await runCli(["submit", "payroll.csv", "--json", "--rate", "1000"], {
      cwd: dir,
      env: { BITEX_API_URL: box.url, BITEX_API_KEY: "not-the-key" },
    });
    expect(refused.code, refused.stderr).to.equal(2);
    expect((oneJson(refused).error as { code: string; hint: string }).hint).to.equal(
      "check BITEX_API_KEY (or BITEX_API_KEY_FILE) is the key of this API",
    );
    expect((await readFile(journal)).equals(journalBefore), "journal").to.equal(true);
    expect((await readFile(report)).equals(reportBefore), "report").to.equal(true);
  });

  it("help conventions: bare command and -h show help, help <command>, did you mean a command", async () => {
    const bare = await runCli([], { cwd: dir });
    expect(bare.code).to.equal(0);
    expect(bare.stdout).to.include("Exit codes:\n  0  ");
    const short = await runCli(["-h"], { cwd: dir });
    expect([short.code, short.stdout]).to.deep.equal([0, bare.stdout]);
    const help = await runCli(["help", "submit"], { cwd: dir });
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^bitex-batch submit <csv>/);
    for (const group of ["Report:", "Input:", "API (key", "Run:"]) expect(help.stdout).to.include(group);
    // A command's own help ends with the exit codes, as the top-level help does: cron's reader looks there.
    expect(help.stdout).to.include("Exit codes:\n  0  ");
    const exportHelp = await runCli(["export", "-h"], { cwd: dir });
    expect([exportHelp.code, exportHelp.stdout.includes("Exit codes:\n  0  ")]).to.deep.equal([0, true]);
    // export writes xlsx too: its help names every choice it takes.
    expect(exportHelp.stdout).to.include("excel-en; xlsx (a workbook, to a file)");
    const typo = await runCli(["valdate", "x.csv"], { cwd: dir });
    expect(typo.code).to.equal(2);
    expect(lines(typo.stderr)[0]).to.equal("bitex-batch: Did you mean validate?");
    const completion = await runCli(["completion"], { cwd: dir, env: { SHELL: "/bin/bash" } });
    expect(completion.code).to.equal(0);
    expect(completion.stdout).to.include(
      "complete -o bashdefault -o default -F _bitex-batch_yargs_completions",
    );
  });
});
