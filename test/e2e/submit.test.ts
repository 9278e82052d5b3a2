/**
 * The pipeline end to end: the built CLI as a child process against an emulator
 * started here, checked through the report file, the exit code and the emulator's state.
 */

import { copyFile, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import type { Sandbox } from "../../src/sandbox/index.js";
import { ROOT, runCli, stateDirOf, tempDir } from "../helpers/cli.js";
import { readReport, withoutTimestamps } from "../helpers/report.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

type InputRow = Record<string, string>;

async function demoRows(): Promise<InputRow[]> {
  return parse(await readFile(DEMO_CSV, "utf8"), { columns: true }) as InputRow[];
}

function money(value: unknown): string {
  return value === null || value === undefined ? "" : String(value);
}

/** Same decimal, whatever the trailing zeros: "44328.00" and 44328. */
function sameDecimal(a: string, b: string): boolean {
  const norm = (x: string) => (x.includes(".") ? x.replace(/\.?0+$/, "") : x);
  return norm(a) === norm(b);
}

describe("submit end to end (built CLI against the emulator)", function () {
  this.timeout(120_000);
  let box: Sandbox;
  let dir: string;

  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await box?.close();
  });

  it("pays the demo payroll: every row created, report as expected, one output per row on the server", async () => {
    box = await sandbox();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const result = await runCli(["submit", "payroll.csv", "--concurrency", "1", "--rate", "1000"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(result.stderr).to.not.match(/Error|at .*\.js/);
    expect(result.code).to.equal(0);

    const reportText = await readFile(join(dir, "payroll.report.csv"), "utf8");
    const expected = await readFile(join(ROOT, "fixtures", "expected", "demo-report.csv"), "utf8");
    expect(withoutTimestamps(reportText)).to.equal(expected);
    expect((await stat(join(dir, "payroll.report.csv"))).mode & 0o777).to.equal(0o600);

    const input = await demoRows();
    const report = await readReport(join(dir, "payroll.report.csv"));
    const state = box.state();
    expect(state.outputs).to.have.length(input.length);
    const requests = new Map(state.requests.map((r) => [r.id, r]));
    expect(requests.size).to.equal(3);
    const outputs = new Map(state.outputs.map((o) => [o.id, o]));
    for (const [index, row] of input.entries()) {
      const line = report[index] as Record<string, string>;
      expect(line.line).to.equal(String(index + 2));
      expect(line.status).to.equal("created");
      expect(line.state).to.equal("accepting");
      const output = outputs.get(line.output_id as string);
      expect(output, `output of line ${line.line}`).to.not.equal(undefined);
      if (!output) continue;
      outputs.delete(output.id); // each output pays exactly one row
      const relationships = output.relationships ?? {};
      expect(relationships.user?.data?.id).to.equal(row.recipient_user_id);
      expect(relationships.withdrawal_instruction?.data?.id).to.equal(row.withdrawal_instruction_id);
      expect(output.attributes.port_code).to.equal(row.port);
      if (row.amount)
        expect(sameDecimal(money(output.attributes.amount), row.amount as string)).to.equal(true);
      else expect(sameDecimal(money(output.attributes.budget), row.budget as string)).to.equal(true);
      const request = requests.get(relationships.request?.data?.id as string);
      expect(request?.id).to.equal(line.request_id);
      expect(request?.attributes.port_code).to.equal(row.sender_port);
      expect(request?.relationships?.user?.data?.id).to.equal(row.payer_user_id);
    }
    expect(outputs.size).to.equal(0);
  });

  it("one invalid row blocks the batch: nothing sent, exit 1, the row with its code and the others blocked", async () => {
    box = await sandbox();
    const text = (await readFile(DEMO_CSV, "utf8")).replace(
      "EMP-1003,112,ar_ars,302,uy_uyu,44328.00",
      "EMP-1003,112,ar_ars,302,uy_uyu,44328.001",
    );
    await writeFile(join(dir, "payroll.csv"), text);
    const result = await runCli(["submit", "payroll.csv", "--rate", "1000"], { cwd: dir, env: apiEnv(box) });
    expect(result.code).to.equal(1);
    expect(box.state().stats.calls).to.equal(0);
    const report = await readReport(join(dir, "payroll.report.csv"));
    expect(report).to.have.length(48);
    const bad = report.find((row) => row.reference === "EMP-1003");
    expect(bad?.status).to.equal("invalid");
    expect(bad?.error_code).to.equal("amount_too_many_decimals");
    expect(bad?.line).to.equal("4");
    expect(report.filter((row) => row.status === "blocked")).to.have.length(47);
  });

  it("--skip-invalid creates the valid rows and still exits 1", async () => {
    box = await sandbox();
    const text = (await readFile(DEMO_CSV, "utf8")).replace(
      "EMP-1003,112,ar_ars,302,uy_uyu,44328.00",
      "EMP-1003,112,ar_ars,302,uy_uyu,44328.001",
    );
    await writeFile(join(dir, "payroll.csv"), text);
    const result = await runCli(
      ["submit", "payroll.csv", "--skip-invalid", "--rate", "1000", "--concurrency", "8"],
      { cwd: dir, env: apiEnv(box) },
    );
    expect(result.code).to.equal(1);
    const report = await readReport(join(dir, "payroll.report.csv"));
    expect(report.filter((row) => row.status === "created")).to.have.length(47);
    expect(report.find((row) => row.reference === "EMP-1003")?.status).to.equal("invalid");
    expect(box.state().outputs).to.have.length(47);
    // The created rows sit in drafts: said so, with the quote that moves them (helper-84).
    expect(result.stderr).to.include(
      "STAGED, NOT PAID: 47 row(s) created in draft requests; nobody is paid until the quotes are requested and accepted",
    );
    expect(result.stdout.trimEnd().split("\n").at(-1)).to.equal("next: bitex-batch quote payroll.csv");
  });

  for (const concurrency of [8, 1]) {
    it(`--concurrency ${concurrency} with 100 ms latency: peak calls in flight is exactly ${concurrency}`, async () => {
      box = await sandbox({ latency_ms: 100 });
      const lines = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n").slice(0, 41);
      await writeFile(join(dir, "payroll.csv"), `${lines.join("\n")}\n`);
      const result = await runCli(
        ["submit", "payroll.csv", "--concurrency", String(concurrency), "--rate", "1000"],
        { cwd: dir, env: apiEnv(box) },
      );
      expect(result.code).to.equal(0);
      const state = box.state();
      expect(state.outputs).to.have.length(40);
      expect(state.stats.peak_in_flight).to.equal(concurrency);
    });
  }

  it("never writes or prints the API key", async () => {
    const key = "sk-live-RECOGNISABLE-7f3a9c1e";
    const seed = JSON.parse(await readFile(join(ROOT, "fixtures", "demo", "seed.json"), "utf8"));
    box = await sandbox({}, { ...seed, api_key: key });
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const ok = await runCli(["submit", "payroll.csv", "--rate", "1000", "--json"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(ok.code).to.equal(0);
    // A refused key takes the error paths too.
    const refused = await runCli(["submit", "payroll.csv", "--rate", "1000", "--batch-id", "other"], {
      cwd: dir,
      env: { ...apiEnv(box), BITEX_API_KEY: `${key}-wrong` },
    });
    expect(refused.code).to.equal(2);
    const files = [join(dir, "payroll.report.csv")];
    for (const batch of await readdir(stateDirOf(dir))) {
      for (const name of await readdir(join(stateDirOf(dir), batch)))
        files.push(join(stateDirOf(dir), batch, name));
    }
    const texts = [
      ok.stdout,
      ok.stderr,
      refused.stdout,
      refused.stderr,
      ...(await Promise.all(files.map((f) => readFile(f, "utf8")))),
    ];
    // The refused run was refused at the door, which binds nothing: it left no journal and no
    // copy of the input, so the files are the report and the first run's input copy, journal and
    // record of its report.
    const ids = await readdir(stateDirOf(dir));
    expect(files.map((f) => f.slice(dir.length + 1))).to.deep.equal([
      "payroll.report.csv",
      ...ids
        .filter((id) => id !== "other")
        .flatMap((id) =>
          ["input.csv", "journal.jsonl", "report.json"].map((name) =>
            join(".state", "bitex-batch", id, name),
          ),
        ),
    ]);
    expect(files).to.have.length(4);
    for (const text of texts) expect(text).to.not.include(key);
  });
});
