/**
 * `--report-format xlsx` end to end through the built CLI (docs/design.md section 7): the demo payroll's
 * workbook read back with exceljs, the Summary sheet against the `--json` summary, a submit
 * against the emulator, and `--report -` refused.
 */
import { copyFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import ExcelJS from "exceljs";
import { REPORT_COLUMNS } from "../../src/report/columns.js";
import { SUMMARY_TITLES } from "../../src/report/xlsx-summary.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

const BA = "America/Argentina/Buenos_Aires";
const col = (name: string) => REPORT_COLUMNS.indexOf(name as (typeof REPORT_COLUMNS)[number]) + 1;

async function readBook(path: string): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  return book;
}

function sheetOf(book: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const sheet = book.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}`);
  return sheet;
}

interface JsonSummary {
  batch_id: string;
  totals: Array<{ currency: string; column: string; rows: number; in_file: string }>;
}

describe("xlsx report through the CLI", function () {
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

  it("validate --report-format xlsx: payroll.validation.xlsx, 48 typed rows, the Summary agrees with --json", async () => {
    const result = await runCli(["validate", "payroll.csv", "--report-format", "xlsx", "--json"], {
      cwd: dir,
    });
    expect(result.code, result.stderr).to.equal(0);
    const json = JSON.parse(result.stdout) as JsonSummary;
    expect((await stat(join(dir, "payroll.validation.xlsx"))).mode & 0o777).to.equal(0o600);
    expect((await readdir(dir)).sort()).to.deep.equal(["payroll.csv", "payroll.validation.xlsx"]);

    const book = await readBook(join(dir, "payroll.validation.xlsx"));
    const rows = sheetOf(book, "Report");
    expect(rows.rowCount).to.equal(49); // header + 48 data rows
    const cells = (n: number, names: string[]) =>
      names.map((name) => rows.getRow(n).getCell(col(name)).value);
    const names = ["line", "reference", "recipient_user_id", "amount", "budget", "currency", "status"];
    expect(cells(2, names)).to.deep.equal([2, "EMP-1001", "300", 1329000, null, "CLP", "valid"]);
    expect(cells(3, names)).to.deep.equal([3, "EMP-1002", "301", 23886.75, null, "MXN", "valid"]);
    expect(cells(7, names)).to.deep.equal([7, "EMP-1006", "305", null, 60000, "UYU", "valid"]);
    expect(rows.getRow(3).getCell(col("amount")).numFmt).to.equal("#,##0.00");
    expect(rows.getRow(49).getCell(col("updated_at")).value).to.be.instanceOf(Date);

    const summary = sheetOf(book, "Summary");
    expect(summary.getRow(1).values).to.deep.equal([undefined, "Batch id", json.batch_id]);
    expect(summary.getRow(2).values).to.deep.equal([undefined, "Input file", "payroll.csv"]);
    let start = 0;
    summary.eachRow((row, n) => {
      if (row.getCell(1).value === SUMMARY_TITLES.figures) start = n + 2;
    });
    const figures = json.totals.map((_, i) => {
      const row = summary.getRow(start + i);
      return [row.getCell(1).value, row.getCell(2).value, row.getCell(3).value, row.getCell(4).value];
    });
    expect(figures).to.deep.equal(json.totals.map((t) => [t.currency, t.column, t.rows, Number(t.in_file)]));
    expect(figures[0]).to.deep.equal(["ARS", "amount", 7, 12499143.15]);
  });

  it("TZ=America/Argentina/Buenos_Aires: the rows' dates, the Summary's as-of and zone, the log and the JSON in it", async () => {
    box = await sandbox();
    const before = Date.now();
    const result = await runCli(
      ["submit", "payroll.csv", "--report-format", "xlsx", "--json", "--rate", "1000"],
      {
        cwd: dir,
        env: { ...apiEnv(box), TZ: BA },
      },
    );
    const after = Date.now();
    expect(result.code, result.stderr).to.equal(0);
    const json = JSON.parse(result.stdout) as { started_at: string; finished_at: string };
    for (const at of [json.started_at, json.finished_at]) expect(at).to.match(/^2\d{3}-[\d-]+T[\d:]+-03:00$/);
    // stderr is the log here: every line begins with the time in Buenos Aires.
    const lines = result.log.trimEnd().split("\n");
    expect(lines.length).to.be.above(2);
    for (const line of lines) expect(line).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d -03:00 /);
    // A spreadsheet date is the wall clock: Buenos Aires' is UTC less three hours.
    const wall = (ms: number) => ms - 3 * 3_600_000;
    const book = await readBook(join(dir, "payroll.report.xlsx"));
    const updated = sheetOf(book, "Report").getRow(2).getCell(col("updated_at")).value as Date;
    expect(updated.getTime()).to.be.within(wall(before) - 1000, wall(after) + 1000);
    const summary = sheetOf(book, "Summary");
    const asOf = summary.getRow(3).getCell(2).value as Date;
    expect([summary.getRow(3).getCell(1).value, summary.getRow(4).values]).to.deep.equal([
      "As of",
      [undefined, "Time zone", BA],
    ]);
    expect(asOf.getTime()).to.be.within(wall(before) - 1000, wall(after) + 1000);
  });

  it("a 20-digit id kept with --keep-columns and a reference 0012345 stay text in the workbook", async () => {
    const header =
      "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id,cuenta";
    await writeFile(
      join(dir, "ids.csv"),
      `${header}\n0012345,112,ar_ars,300,cl_clp,1329000,,2100,12345678901234567890\n`,
    );
    const result = await runCli(["validate", "ids.csv", "--keep-columns", "--report-format", "xlsx"], {
      cwd: dir,
    });
    expect(result.code, result.stderr).to.equal(0);
    const row = sheetOf(await readBook(join(dir, "ids.validation.xlsx")), "Report").getRow(2);
    const reference = row.getCell(col("reference"));
    const kept = row.getCell(REPORT_COLUMNS.length + 1);
    expect([reference.type, reference.value, kept.type, kept.value]).to.deep.equal([
      ExcelJS.ValueType.String,
      "0012345",
      ExcelJS.ValueType.String,
      "12345678901234567890",
    ]);
  });

  it("a late row that changes earlier answers: the workbook is rewritten whole, raw input as text", async () => {
    const header =
      "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id";
    const lines = ["EMP-1,112,ar_ars,300,cl_clp,1329000,,2100", "EMP-2,112,us_usd,301,mx_mxn,23886.75,,2101"];
    // A decimal comma at the end makes the file's convention ambiguous: EMP-2 turns invalid.
    lines.push('EMP-3,112,us_usd,302,mx_mxn,"40987,72",,2102');
    await writeFile(join(dir, "mixed.csv"), `${header}\n${lines.join("\n")}\n`);
    const result = await runCli(["validate", "mixed.csv", "--report-format", "xlsx"], { cwd: dir });
    expect(result.code, result.stderr).to.equal(1);
    expect((await readdir(dir)).sort()).to.deep.equal(["mixed.csv", "mixed.validation.xlsx", "payroll.csv"]);
    const rows = sheetOf(await readBook(join(dir, "mixed.validation.xlsx")), "Report");
    const names = ["line", "status", "amount", "raw_amount"];
    const cells = (n: number) => names.map((name) => rows.getRow(n).getCell(col(name)).value);
    expect([2, 3, 4].map(cells)).to.deep.equal([
      [2, "valid", 1329000, null],
      [3, "invalid", null, "23886.75"],
      [4, "invalid", null, "40987,72"],
    ]);
    expect(rows.getRow(3).getCell(col("raw_amount")).type).to.equal(ExcelJS.ValueType.String);
  });

  it("submit --report-format xlsx: request and output ids are text cells", async () => {
    box = await sandbox();
    const result = await runCli(["submit", "payroll.csv", "--report-format", "xlsx", "--rate", "1000"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(result.code, result.stderr).to.equal(0);
    const rows = sheetOf(await readBook(join(dir, "payroll.report.xlsx")), "Report");
    const outputs = new Set(box.state().outputs.map((o) => o.id));
    for (let n = 2; n <= 49; n++) {
      const output = rows.getRow(n).getCell(col("output_id"));
      expect([output.type, outputs.has(output.value as string)]).to.deep.equal([
        ExcelJS.ValueType.String,
        true,
      ]);
      expect(rows.getRow(n).getCell(col("status")).value).to.equal("created");
    }
  });

  it("--report - --report-format xlsx is a usage error (exit 2): nothing is read or written", async () => {
    const result = await runCli(["validate", "payroll.csv", "--report-format", "xlsx", "--report", "-"], {
      cwd: dir,
    });
    expect([result.code, result.stdout]).to.deep.equal([2, ""]);
    expect(result.stderr).to.include("--report - cannot take --report-format xlsx");
    expect(await readdir(dir)).to.deep.equal(["payroll.csv"]);
  });
});
