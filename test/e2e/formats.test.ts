/**
 * Accountant-grade CSV in and out, end to end through the built CLI (docs/design.md sections 4 and 7): the
 * Windows-1252 Spanish file against its UTF-8 English twin, formula neutralising, control
 * totals, the template, a reference with a newline, and the `excel` report's bytes.
 */

import { copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import type { Sandbox, Seed } from "../../src/sandbox/index.js";
import { ROOT, runCli, tempDir } from "../helpers/cli.js";
import { type ReportRecord, readReport } from "../helpers/report.js";
import { apiEnv, DEMO_CSV, demoSeed, sandbox } from "../helpers/sandbox.js";
import { PAYROLL } from "../read/make-fixtures.js";

const INPUT = join(ROOT, "fixtures", "input");
const HEADER =
  "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id";

/** The demo world, with the instructions and routes EMP-005 and EMP-006 pay through. */
async function twinSeed(): Promise<Seed> {
  const seed = await demoSeed();
  const ports: Record<string, "ar_usd" | "us_usd"> = { "2104": "ar_usd", "2105": "us_usd" };
  return {
    ...seed,
    withdrawal_instructions: seed.withdrawal_instructions.map((w) => ({
      ...w,
      port_code: ports[w.id] ?? w.port_code,
    })),
    rates: [
      ...seed.rates,
      { from: "ar_ars", to: "ar_usd", rate: "0.00087", fee_rate: "0.01" },
      { from: "ar_ars", to: "us_usd", rate: "0.00087", fee_rate: "0.01" },
    ],
  };
}

/** A report row without what echoes the input file itself (kept columns, timestamp). */
function core(row: ReportRecord): ReportRecord {
  const { updated_at: _time, name: _n, concept: _c, Nombre: _N, Concepto: _C, ...rest } = row;
  return rest;
}

describe("formats: the Spanish Windows-1252 file and its English twin", function () {
  this.timeout(60_000);
  const boxes: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(boxes.splice(0).map((box) => box.close()));
  });

  it("give the same validation result, names right in the UTF-8 report with --keep-columns", async () => {
    const dir = await tempDir();
    const reports: ReportRecord[][] = [];
    for (const name of ["payroll-es-cp1252.csv", "payroll-en.csv"]) {
      await copyFile(join(INPUT, name), join(dir, name));
      const result = await runCli(["validate", name, "--keep-columns"], { cwd: dir });
      expect(result.code, result.stderr).to.equal(0);
      reports.push(await readReport(join(dir, name.replace(".csv", ".validation.csv"))));
    }
    const [es, en] = reports as [ReportRecord[], ReportRecord[]];
    expect(es.map(core)).to.deep.equal(en.map(core));
    expect(es.map((row) => [row.line, row.status])).to.deep.equal(
      ["2", "3", "4", "5", "7", "8"].map((line) => [line, "valid"]),
    );
    const names = PAYROLL.map((row) => row[10]);
    expect(es.map((row) => row.Nombre)).to.deep.equal(names);
    expect(en.map((row) => row.name)).to.deep.equal(names);
    expect(es.map((row) => row.Concepto)).to.deep.equal(PAYROLL.map((row) => row[11]));
    const bytes = await readFile(join(dir, "payroll-es-cp1252.validation.csv"));
    expect(bytes.includes(Buffer.from("José Núñez,Sueldo – marzo", "utf8"))).to.equal(true);
  });

  it("give the same plan: submit --dry-run reports and the emulator's requests and outputs match", async () => {
    const dir = await tempDir();
    const seed = await twinSeed();
    const results: Array<{
      dry: ReportRecord[];
      report: ReportRecord[];
      state: ReturnType<Sandbox["state"]>;
    }> = [];
    for (const name of ["payroll-es-cp1252.csv", "payroll-en.csv"]) {
      await copyFile(join(INPUT, name), join(dir, name));
      const dry = await runCli(["submit", name, "--dry-run", "--report", "-"], { cwd: dir });
      expect(dry.code, dry.stderr).to.equal(0);
      const box = await sandbox({}, seed);
      boxes.push(box);
      // One batch id for both, so that equal plans give equal external ids; one call at a
      // time, so that the server numbers requests and outputs in the same order both times.
      const args = [
        "submit",
        name,
        "--rate",
        "1000",
        "--concurrency",
        "1",
        "--batch-id",
        "twins",
        "--state-dir",
        `state-${name}`,
      ];
      const run = await runCli(args, { cwd: dir, env: apiEnv(box) });
      expect(run.code, run.stderr).to.equal(0);
      results.push({
        dry: parse(dry.stdout, { columns: true }) as ReportRecord[],
        report: await readReport(join(dir, name.replace(".csv", ".report.csv"))),
        state: box.state(),
      });
    }
    const [es, en] = results as [(typeof results)[0], (typeof results)[0]];
    expect(es.dry.map(core)).to.deep.equal(en.dry.map(core));
    expect(es.report.map(core)).to.deep.equal(en.report.map(core));
    expect(es.report.map((row) => row.status)).to.deep.equal(Array(6).fill("created"));
    const requests = (state: typeof es.state) =>
      state.requests.map((r) => [
        r.id,
        r.attributes.port_code,
        r.relationships?.user?.data?.id,
        r.attributes.external_id,
      ]);
    const outputs = (state: typeof es.state) =>
      state.outputs.map((o) => [
        o.relationships?.request?.data?.id,
        o.relationships?.user?.data?.id,
        o.relationships?.withdrawal_instruction?.data?.id,
        o.attributes.port_code,
        o.attributes.amount,
        o.attributes.budget,
      ]);
    expect(requests(es.state)).to.deep.equal(requests(en.state));
    expect(outputs(es.state)).to.deep.equal(outputs(en.state));
    const byId = new Map(es.state.outputs.map((o) => [o.id, o.attributes]));
    const sent = es.report.map((r) => [
      byId.get(r.output_id as string)?.amount,
      byId.get(r.output_id as string)?.budget,
    ]);
    expect(sent).to.deep.equal([
      [1329000, null],
      [23886.75, null],
      [44328, null],
      [7695000, null],
      [null, 1500.5],
      [1500, null],
    ]);
  });
});

describe("formats: what the report writes", function () {
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

  const row = (reference: string, amount: string, recipient = "300", instruction = "2100") =>
    `${reference},112,ar_ars,${recipient},cl_clp,${amount},,${instruction}`;

  it("neutralises formula-like references, never an amount or an id", async () => {
    const references: Array<[string, string]> = [
      ['"=HYPERLINK(""http://x"",""y"")"', '\'=HYPERLINK("http://x","y")'],
      ["+1", "'+1"],
      ["@SUM(A1)", "'@SUM(A1)"],
      ['"\tTAB"', "'\tTAB"],
      ["-2", "'-2"],
      ["EMP-7", "EMP-7"],
    ];
    const lines = references.map(([cell], i) => row(cell, String(1000 + i)));
    lines.push(row("EMP-8", "-5"), row("EMP-9", "=1+1"));
    await writeFile(join(dir, "f.csv"), `${HEADER}\n${lines.join("\n")}\n`);
    for (const [format, delimiter] of [
      ["csv", ","],
      ["excel", ";"],
    ] as const) {
      const result = await runCli(["validate", "f.csv", "--report-format", format, "--report", "-"], {
        cwd: dir,
      });
      expect(result.code, result.stderr).to.equal(1);
      const report = parse(result.stdout, { columns: true, bom: true, delimiter }) as ReportRecord[];
      expect(report.map((r) => r.reference)).to.deep.equal([
        ...references.map(([, out]) => out),
        "EMP-8",
        "EMP-9",
      ]);
      for (const r of report.slice(0, 6)) {
        expect([r.status, r.payer_user_id, r.recipient_user_id, r.withdrawal_instruction_id]).to.deep.equal([
          "valid",
          "112",
          "300",
          "2100",
        ]);
      }
      // The invalid rows' input goes to raw_amount, as text: the amount column holds numbers only.
      expect(report.map((r) => [r.amount, r.raw_amount])).to.deep.equal([
        ["1000", ""],
        ["1001", ""],
        ["1002", ""],
        ["1003", ""],
        ["1004", ""],
        ["1005", ""],
        ["", "'-5"],
        ["", "'=1+1"],
      ]);
      expect(report.map((r) => r.line)).to.deep.equal(["2", "3", "4", "5", "6", "7", "8", "9"]);
    }
  });

  it("a reference with a newline and a ; comes out as it went in (csv and excel)", async () => {
    const reference = "EMP-1; anticipo\nmarzo";
    await writeFile(
      join(dir, "f.csv"),
      `${HEADER}\n${row('"EMP-1; anticipo\nmarzo"', "1000")}\n${row("EMP-2", "2000", "306", "2106")}\n`,
    );
    for (const [format, delimiter] of [
      ["csv", ","],
      ["excel", ";"],
      ["excel-en", ","],
    ] as const) {
      const result = await runCli(["validate", "f.csv", "--report-format", format, "--report", "-"], {
        cwd: dir,
      });
      expect(result.code, result.stderr).to.equal(0);
      const report = parse(result.stdout, { columns: true, bom: true, delimiter }) as ReportRecord[];
      expect(report.map((r) => [r.line, r.reference])).to.deep.equal([
        ["2", reference],
        ["4", "EMP-2"],
      ]);
    }
  });

  it("--report-format excel: BOM, ';', CRLF, decimal comma in amounts only", async () => {
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const result = await runCli(["validate", "payroll.csv", "--report-format", "excel"], { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    const bytes = await readFile(join(dir, "payroll.validation.csv"));
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const text = bytes.toString("utf8").slice(1);
    expect(text.split("\r\n")).to.have.length(50); // header, 48 rows, "" after the last CRLF
    expect(text.replaceAll("\r\n", "")).to.not.match(/[\r\n]/);
    const lines = text.split("\r\n");
    expect(lines[0]).to.equal(
      "line;reference;payer_user_id;sender_port;recipient_user_id;port;amount;budget;currency;withdrawal_instruction_id;status;request_id;output_id;state;request_state;receive_amount;receive_currency;spend_amount;spend_currency;cancellation_reason;error_code;error;updated_at;raw_amount;raw_budget;payee;payee_review;charged_amount;refunded_amount",
    );
    const cells = (line: string | undefined) => (line ?? "").split(";").slice(0, 11).join(";");
    expect(cells(lines[1])).to.equal("2;EMP-1001;112;ar_ars;300;cl_clp;1329000;;CLP;2100;valid");
    expect(cells(lines[2])).to.equal("3;EMP-1002;112;us_usd;301;mx_mxn;23886,75;;MXN;2101;valid");
    expect(cells(lines[6])).to.equal("7;EMP-1006;113;uy_uyu;305;ar_ars;;60000,00;UYU;2105;valid");
    // receive_* and spend_*: only the row's own figure before a quote, with a decimal comma too
    const figures = (line: string | undefined) => (line ?? "").split(";").slice(14, 20).join(";");
    expect(figures(lines[2])).to.equal(";23886,75;MXN;;;");
    expect(figures(lines[6])).to.equal(";;;60000,00;UYU;");
  });
});

describe("formats: control totals", function () {
  this.timeout(60_000);
  let dir: string;
  let box: Sandbox;
  beforeEach(async () => {
    dir = await tempDir();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    box = await sandbox();
  });
  afterEach(async () => {
    await box.close();
  });

  const mismatches: Array<[string[], string]> = [
    [["--expect-rows", "47"], "rows: expected 47, found 48"],
    [["--expect-total", "CLP=11102001"], "CLP total: expected 11102001, found 11102000"],
    [
      ["--expect-total", "usd=19987.80", "--expect-total", "CLP=11102000"],
      "USD total: expected 19987.80, found 19987.85",
    ],
    [["--expect-total", "EUR=10"], "EUR total: expected 10.00, found 0.00"],
  ];
  for (const [flags, says] of mismatches) {
    for (const command of ["submit", "validate"]) {
      it(`${command} ${flags.join(" ")}: exit 2, sends nothing, writes no report, prints "${says}"`, async () => {
        // validate --online would make list calls: it too must stop before any.
        const extra = command === "submit" ? ["--rate", "1000"] : ["--online"];
        const result = await runCli([command, "payroll.csv", ...flags, ...extra], {
          cwd: dir,
          env: apiEnv(box),
        });
        expect(result.code, result.stderr).to.equal(2);
        expect(result.stderr).to.include(says);
        expect(result.stderr).to.not.match(/^\s+at /m);
        expect(box.state().stats.calls).to.equal(0);
        expect(await readdir(dir)).to.deep.equal(["payroll.csv"]);
      });
    }
  }

  it("a matching count and totals pass: submit creates every row", async () => {
    const flags = ["--expect-rows", "48", "--expect-total", "CLP=11102000", "--expect-total", "USD=19987.85"];
    const result = await runCli(["submit", "payroll.csv", ...flags, "--rate", "1000"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(box.state().outputs).to.have.length(48);
  });
});

describe("formats: template", function () {
  this.timeout(60_000);
  const expected: Record<string, string> = {
    csv: `${HEADER}\nEMP-1001,112,ar_ars,300,cl_clp,1329000,,2100\nEMP-1002,112,us_usd,301,mx_mxn,,1250.50,2101\n`,
    excel: `\uFEFF${HEADER.replaceAll(",", ";")}\r\nEMP-1001;112;ar_ars;300;cl_clp;1329000;;2100\r\nEMP-1002;112;us_usd;301;mx_mxn;;1250,50;2101\r\n`,
    "excel-en": `\uFEFF${HEADER}\r\nEMP-1001,112,ar_ars,300,cl_clp,1329000,,2100\r\nEMP-1002,112,us_usd,301,mx_mxn,,1250.50,2101\r\n`,
  };

  for (const format of ["csv", "excel", "excel-en"]) {
    it(`template --report-format ${format}: the header and two example rows; filled as is, it validates`, async () => {
      const dir = await tempDir();
      const args = format === "csv" ? ["template"] : ["template", "--report-format", format];
      const result = await runCli(args, { cwd: dir });
      expect([result.code, result.stdout, result.stderr]).to.deep.equal([0, expected[format], ""]);
      await writeFile(join(dir, "t.csv"), result.stdout);
      const check = await runCli(["validate", "t.csv"], { cwd: dir });
      expect(check.code, check.stderr).to.equal(0);
    });
  }

  it("submit --sandbox of the csv template creates both rows", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "t.csv"), expected.csv as string);
    const result = await runCli(["submit", "t.csv", "--sandbox"], { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    const report = await readReport(join(dir, "t.report.csv"));
    expect(report.map((r) => [r.reference, r.status, r.state])).to.deep.equal([
      ["EMP-1001", "created", "accepting"],
      ["EMP-1002", "created", "accepting"],
    ]);
  });
});
