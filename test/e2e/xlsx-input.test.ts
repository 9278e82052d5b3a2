/**
 * xlsx payrolls end to end through the built CLI: each committed workbook (fixtures/xlsx)
 * pays against the emulator exactly as its CSV twin does, the same report byte for byte
 * (its timestamps aside); the files that cannot be read exit 2 with their message.
 */
import { copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import ExcelJS from "exceljs";
import { INPUT_COLUMNS } from "../../src/model.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { ROOT, runCli, tempDir } from "../helpers/cli.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, DEMO_CSV, demoSeed, fastSandbox, sandbox } from "../helpers/sandbox.js";
import { type FixtureCell, workbookBytes } from "../read/make-workbooks.js";

const XLSX = join(ROOT, "fixtures", "xlsx");

interface Paid {
  report: string;
  stderr: string;
  state: ReturnType<Sandbox["state"]>;
}

function outputs(state: Paid["state"]) {
  return state.outputs.map((o) => [
    o.relationships?.request?.data?.id,
    o.relationships?.user?.data?.id,
    o.relationships?.withdrawal_instruction?.data?.id,
    o.attributes.port_code,
    o.attributes.amount,
    o.attributes.budget,
  ]);
}

function requests(state: Paid["state"]) {
  return state.requests.map((r) => [
    r.id,
    r.attributes.port_code,
    r.relationships?.user?.data?.id,
    r.attributes.external_id,
  ]);
}

describe("xlsx input through the CLI", function () {
  this.timeout(120_000);
  const boxes: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(boxes.splice(0).map((box) => box.close()));
  });

  /** Submits `source` (copied in as `name`) to a fresh demo emulator, one call at a time. */
  async function pay(dir: string, source: string, name: string, extra: string[] = []): Promise<Paid> {
    await copyFile(source, join(dir, name));
    const box = await sandbox();
    boxes.push(box);
    // One batch id for both twins, so that equal plans give equal external ids; one call at a
    // time, so that the server numbers requests and outputs in the same order both times.
    const args = ["submit", name, "--rate", "1000", "--concurrency", "1", "--batch-id", "twins"];
    const run = await runCli([...args, "--state-dir", `state-${name}`, ...extra], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(run.code, run.stderr).to.equal(0);
    const reportName = `${name.replace(/\.(csv|xlsx)$/, "")}.report.csv`;
    return {
      // updated_at is when the row was read from the server: the only column allowed to differ.
      report: (await readFile(join(dir, reportName), "utf8")).replace(
        /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g,
        "<time>",
      ),
      stderr: run.stderr,
      state: box.state(),
    };
  }

  for (const workbook of ["demo-exceljs.xlsx", "demo-libreoffice.xlsx", "demo-openpyxl.xlsx"]) {
    it(`${workbook} pays the demo payroll exactly as the CSV does`, async () => {
      const dir = await tempDir();
      const csv = await pay(dir, DEMO_CSV, "payroll-csv.csv");
      const xlsx = await pay(dir, join(XLSX, workbook), "payroll-xlsx.xlsx");
      expect(xlsx.report).to.equal(csv.report);
      expect(requests(xlsx.state)).to.deep.equal(requests(csv.state));
      expect(outputs(xlsx.state)).to.deep.equal(outputs(csv.state));
      const rows = await readReport(join(dir, "payroll-xlsx.report.csv"));
      expect(rows.map((row) => row.status)).to.deep.equal(Array(48).fill("created"));
      expect(rows.map((row) => row.line)).to.deep.equal(Array.from({ length: 48 }, (_, i) => String(i + 2)));
      expect(xlsx.state.outputs).to.have.length(48);
    });
  }

  it("a row not paid in the end is named with what to do in a new file, never a remaining file a workbook does not get", async () => {
    const dir = await tempDir();
    // The demo world rejects payee 309 (EMP-1010) once the request is funded.
    const rows = [
      "EMP-1001,112,ar_ars,300,cl_clp,1329000,,2100",
      "EMP-1010,112,ar_ars,309,py_pyg,6708000,,2109",
    ];
    const cells = rows.map((line) => line.split(",").map((cell) => cell || null));
    await writeFile(
      join(dir, "pay.xlsx"),
      await workbookBytes([{ name: "payroll", rows: [[...INPUT_COLUMNS].slice(0, 8), ...cells] }]),
    );
    const box = await fastSandbox(await demoSeed());
    boxes.push(box);
    const args = [
      "submit",
      "pay.xlsx",
      "--until",
      "final",
      "--max-total",
      "ARS=999999999",
      "--interval",
      "0.2",
    ];
    const run = await runCli([...args, "--rate", "1000"], { cwd: dir, env: apiEnv(box) });
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.include(
      "line 3: reference EMP-1010, payee 309: rejected: Bitex's checks refused this payee; not paid, and not charged; what to do: ask Bitex why the payee was refused; once cleared, submit a new file with the row (a workbook gets no remaining file) [payee_rejected]\n",
    );
    expect(run.stdout + run.stderr).to.not.include("pay.remaining.csv");
    expect(await readdir(dir)).to.not.include("pay.remaining.csv");
  });

  it("the Spanish workbook (text ids, 0012345, a 20-digit account, formulas, a decimal-comma text amount, a totals row) pays as its CSV twin", async () => {
    const dir = await tempDir();
    const csv = await pay(dir, join(XLSX, "nomina-es.csv"), "nomina.csv", ["--keep-columns"]);
    const xlsx = await pay(dir, join(XLSX, "nomina-es.xlsx"), "nomina.xlsx", ["--keep-columns"]);
    expect(xlsx.report).to.equal(csv.report);
    expect(requests(xlsx.state)).to.deep.equal(requests(csv.state));
    expect(outputs(xlsx.state)).to.deep.equal(outputs(csv.state));
    expect(xlsx.stderr).to.include(
      'nomina.xlsx: row 8 of sheet "Nómina" is a totals row ("Total": amount 9093800.00, budget 60000.00, the sum of the rows above); it is not a payment and is not read',
    );
    const rows = await readReport(join(dir, "nomina.report.csv"));
    expect(
      rows.map((row) => [row.line, row.reference, row.amount, row.budget, row.Cuenta, row.status]),
    ).to.deep.equal([
      ["2", "EMP-1001", "1329000", "", "01234567890123456789", "created"],
      ["3", "0012345", "23886.75", "", "00001111222233334444", "created"],
      ["4", "EMP-1003", "44328.00", "", "98765432109876543210", "created"],
      ["5", "EMP-1004", "7695000", "", "10000000000000000001", "created"],
      ["6", "EMP-1005", "1585.25", "", "55555555555555555555", "created"],
      ["7", "EMP-1006", "", "60000.00", "00000000000000000042", "created"],
    ]);
  });

  it("a 20-digit id stored as a number is excel_damaged_number, on its sheet row", async () => {
    const dir = await tempDir();
    await copyFile(join(XLSX, "id-as-number.xlsx"), join(dir, "ids.xlsx"));
    const run = await runCli(["validate", "ids.xlsx"], { cwd: dir });
    expect(run.code, run.stderr).to.equal(1);
    const rows = await readReport(join(dir, "ids.validation.csv"));
    expect(rows.map((row) => [row.line, row.status, row.error_code])).to.deep.equal([
      ["2", "valid", ""],
      ["3", "invalid", "excel_damaged_number"],
      ["4", "valid", ""],
    ]);
    expect(rows[1]?.error).to.equal(
      "recipient_user_id: the cell holds the number 12345678901234567000: Excel keeps 15 significant digits, so an id of 20 digits stored as a number has lost its last ones; re-export the column as text (in Excel: format the column as Text, then paste the ids again)",
    );
  });

  it("sends nothing for a workbook whose amounts the sheet shows otherwise (cents shown as 1250.00, a formula recalculated on opening), naming each row", async () => {
    const dir = await tempDir();
    const payment = (reference: string, amount: FixtureCell): FixtureCell[] => [
      reference,
      "113",
      "uy_uyu",
      "304",
      "us_usd",
      amount,
      null,
      "2104",
    ];
    const bytes = await workbookBytes([
      {
        name: "payroll",
        rows: [
          [...INPUT_COLUMNS],
          payment("A", 1250),
          payment("B", { value: 125000, numFmt: '0"."00' }),
          payment("C", { formula: "1000+250", result: 999 }),
        ],
        edit: (sheet) => {
          sheet.workbook.calcProperties.fullCalcOnLoad = true;
        },
      },
    ]);
    await writeFile(join(dir, "a.xlsx"), bytes);
    const box = await sandbox();
    boxes.push(box);
    const run = await runCli(["submit", "a.xlsx", "--rate", "1000"], { cwd: dir, env: apiEnv(box) });
    expect(run.code, run.stderr).to.equal(1);
    expect(box.state().requests).to.deep.equal([]);
    expect(box.state().outputs).to.deep.equal([]);
    const rows = await readReport(join(dir, "a.report.csv"));
    expect(rows.map((row) => [row.line, row.status, row.error_code])).to.deep.equal([
      ["2", "blocked", "batch_blocked"],
      ["3", "invalid", "amount_format_mismatch"],
      ["4", "invalid", "formula_not_calculated"],
    ]);
    expect(rows[1]?.error).to.equal(
      'amount: the cell holds 125000 but its number format "0"."00" writes digits or a separator of its own among the number\'s, so the sheet shows another amount than the one that would be paid; format the column as Number',
    );
  });

  it("refuses a damaged, an encrypted and an .xls file with exit 2, naming what it is", async () => {
    const dir = await tempDir();
    const cases: Array<[string, string, string]> = [
      [
        "corrupt.xlsx",
        "a.xlsx: a damaged Excel workbook or zip file (its table of contents is missing or cut short; was the copy complete?)",
        "copy or download the file again, or open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx) or CSV UTF-8",
      ],
      [
        "encrypted.xlsx",
        "a.xlsx: the workbook is password-protected (encrypted), so it cannot be read",
        "remove the password (in Excel: File > Info > Protect Workbook > Encrypt with Password, clear it, save) and run again",
      ],
      [
        "demo.xls",
        "a.xlsx: an old binary Excel workbook (.xls), which bitex-batch does not read",
        "open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx) or CSV UTF-8",
      ],
    ];
    for (const [fixture, message, hint] of cases) {
      await copyFile(join(XLSX, fixture), join(dir, "a.xlsx"));
      const validate = await runCli(["validate", "a.xlsx"], { cwd: dir });
      expect(validate.code, `${fixture}: ${validate.stderr}`).to.equal(2);
      expect(validate.stderr).to.equal(`bitex-batch: ${message}\n  ${hint}\n`);
      // submit says first where its state goes (--sandbox), then the same refusal; nothing is sent.
      const submit = await runCli(["submit", "a.xlsx", "--sandbox"], { cwd: dir });
      expect(submit.code, `${fixture}: ${submit.stderr}`).to.equal(2);
      expect(submit.stderr.endsWith(`\nbitex-batch: ${message}\n  ${hint}\n`)).to.equal(true);
    }
  });

  it("refuses a workbook whose sheet does not inflate (bytes damaged inside it), naming the part, before reading a row", async () => {
    const dir = await tempDir();
    const bytes = await readFile(join(XLSX, "demo-exceljs.xlsx"));
    // The first occurrence of the name is the sheet's local header; its data follows it.
    const at = bytes.indexOf("xl/worksheets/sheet1.xml") + 300;
    for (let i = at; i < at + 200; i++) bytes[i] = (bytes[i] as number) ^ 0x5a;
    await writeFile(join(dir, "a.xlsx"), bytes);
    const run = await runCli(["validate", "a.xlsx"], { cwd: dir });
    expect(run.code, run.stderr).to.equal(2);
    expect(run.stderr).to.match(
      /^bitex-batch: a\.xlsx: a damaged Excel workbook \(xl\/worksheets\/sheet1\.xml: [^)]+\)\n/,
    );
  });

  it("refuses a large sheet whose bytes inflate but do not match the zip's checksum: exit 2, no report, nothing sent", async () => {
    const dir = await tempDir();
    // Over a megabyte of sheet XML: checked while it is read, not before (container.ts).
    const rows: FixtureCell[][] = [[...INPUT_COLUMNS]];
    for (let i = 0; i < 5000; i++)
      rows.push([`EMP-${i}`, "113", "uy_uyu", "304", "us_usd", 100 + i, null, "2104"]);
    const bytes = await workbookBytes([{ name: "payroll", rows }]);
    // The sheet's CRC-32 in the zip's central directory (offset 16 of its record), one bit off.
    const name = bytes.lastIndexOf("xl/worksheets/sheet1.xml");
    const record = name - 46;
    expect(bytes.readUInt32LE(record)).to.equal(0x02014b50);
    expect(bytes.readUInt32LE(record + 24), "the sheet inflates to over a megabyte").to.be.greaterThan(
      1 << 20,
    );
    bytes.writeUInt32LE(bytes.readUInt32LE(record + 16) ^ 1, record + 16);
    await writeFile(join(dir, "a.xlsx"), bytes);
    const message =
      "bitex-batch: a.xlsx: a damaged Excel workbook (xl/worksheets/sheet1.xml: its content does not match its checksum)";
    const validate = await runCli(["validate", "a.xlsx"], { cwd: dir });
    expect(validate.code, validate.stderr).to.equal(2);
    expect(validate.stderr.split("\n")[0]).to.equal(message);
    expect((await readdir(dir)).sort()).to.deep.equal(["a.xlsx"]);
    const box = await sandbox();
    boxes.push(box);
    const submit = await runCli(["submit", "a.xlsx", "--rate", "1000"], { cwd: dir, env: apiEnv(box) });
    expect(submit.code, submit.stderr).to.equal(2);
    expect(submit.stderr).to.include(message);
    expect(box.state().requests).to.deep.equal([]);
    expect(box.state().outputs).to.deep.equal([]);
  });

  it("tells a workbook by its bytes, not its name, and refuses CSV-only options with it", async () => {
    const dir = await tempDir();
    await copyFile(join(XLSX, "demo-exceljs.xlsx"), join(dir, "payroll.csv"));
    const run = await runCli(["validate", "payroll.csv", "--report", "-", "--quiet"], { cwd: dir });
    expect(run.code, run.stderr).to.equal(0);
    for (const [option, value] of [
      ["--encoding", "utf8"],
      ["--delimiter", ";"],
      ["--decimal-separator", ","],
    ] as const) {
      const refused = await runCli(["validate", "payroll.csv", option, value], { cwd: dir });
      expect(refused.code).to.equal(2);
      expect(refused.stderr.split("\n")[0]).to.equal(
        `bitex-batch: ${option}: payroll.csv is an Excel workbook, read by its cells' types; this option is for CSV files only`,
      );
    }
    await copyFile(DEMO_CSV, join(dir, "text.xlsx"));
    const csv = await runCli(["validate", "text.xlsx", "--sheet", "payroll"], { cwd: dir });
    expect(csv.code).to.equal(2);
    expect(csv.stderr.split("\n")[0]).to.equal(
      'bitex-batch: --sheet "payroll": text.xlsx is not a workbook (xlsx)',
    );
  });

  it("template --format xlsx writes a workbook with its text columns formatted as text, each example's money in its currency's decimals, which validates", async () => {
    const dir = await tempDir();
    const run = await runCli(["template", "--format", "xlsx"], { cwd: dir });
    expect(run.code, run.stderr).to.equal(0);
    // runCli decodes stdout as UTF-8; the workbook is written again from a binary-safe run.
    const { spawnSync } = await import("node:child_process");
    const bytes = spawnSync(process.execPath, [
      join(ROOT, "dist", "cli.js"),
      "template",
      "--format",
      "xlsx",
    ]).stdout;
    await writeFile(join(dir, "template.xlsx"), bytes);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(dir, "template.xlsx"));
    const sheet = book.worksheets[0] as ExcelJS.Worksheet;
    const formats = [1, 2, 3, 4, 5, 6, 7, 8].map((c) => sheet.getColumn(c).numFmt);
    expect(formats).to.deep.equal(["@", "@", "@", "@", "@", undefined, undefined, "@"]);
    // The CLP amount whole, the USD budget with its cents; a cell typed later shows as typed.
    expect([sheet.getCell("F2").numFmt, sheet.getCell("G3").numFmt]).to.deep.equal(["#,##0", "#,##0.00"]);
    expect(sheet.getCell("D2").value).to.equal("300");
    const validated = await runCli(["validate", "template.xlsx", "--report", "-", "--quiet"], { cwd: dir });
    expect(validated.code, validated.stderr).to.equal(0);
    expect(
      validated.stdout
        .split("\n")
        .slice(1, 3)
        .map((line) => line.split(",").slice(0, 11).join(",")),
    ).to.deep.equal([
      "2,EMP-1001,112,ar_ars,300,cl_clp,1329000,,CLP,2100,valid",
      "3,EMP-1002,112,us_usd,301,mx_mxn,,1250.50,USD,2101,valid",
    ]);
  });
});
