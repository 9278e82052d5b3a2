/**
 * The xlsx report read back with exceljs: cell types and values, number formats, the frozen
 * header and filter, the Summary sheet against the totals computed from the rows, and the
 * file itself (0600, atomic).
 */
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import ExcelJS from "exceljs";
import { BatchError } from "../../src/errors.js";
import { REPORT_COLUMNS, type ReportRow } from "../../src/report/columns.js";
import { moneyOf } from "../../src/report/money.js";
import { MONEY_TITLE, ruleLines } from "../../src/report/money-sheet.js";
import { stateTotals } from "../../src/report/states.js";
import { summarize } from "../../src/report/summary.js";
import { openReportFile, writeReport } from "../../src/report/write.js";
import { XlsxReport } from "../../src/report/xlsx-report.js";
import { SUMMARY_TITLES } from "../../src/report/xlsx-summary.js";
import { checkReportTarget } from "../../src/writers/write.js";
import { XLSX_ROWS_PER_STEP, zipIntake } from "../../src/writers/xlsx.js";
import { FAILED_BUDGET_ROW, reportRow } from "../helpers/report-rows.js";

const col = (name: string) => REPORT_COLUMNS.indexOf(name as (typeof REPORT_COLUMNS)[number]) + 1;

const ROWS: ReportRow[] = [
  reportRow({ reference: "0012345", output_id: "12345678901234567890", recipient_user_id: "00300" }),
  FAILED_BUDGET_ROW,
  reportRow({
    line: 4,
    reference: "EMP-3",
    status: "created",
    state: "settled",
    request_state: "finished",
    port: "us_usd",
    amount: "1250.5",
    currency: "USD",
    receive_amount: "1250.50",
    receive_currency: "USD",
    spend_amount: "1300000.00",
    spend_currency: "ARS",
  }),
  // 20 significant digits: no double shows it, so it must stay text.
  reportRow({
    line: 5,
    reference: "EMP-4",
    amount: "12345678901234567890",
    receive_amount: "12345678901234567890",
  }),
  reportRow({
    line: 6,
    reference: "EMP-5\u0001",
    status: "invalid",
    amount: "",
    budget: "",
    raw_amount: "40987,72",
    request_id: "",
    output_id: "",
    state: "",
    receive_amount: "",
    receive_currency: "",
    error_code: "amount_ambiguous",
    error: "amount: ambiguous",
  }),
];

async function readBook(path: string): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  return book;
}

/** A table of the Summary sheet: the rows under its title and header, up to the blank row. */
function table(sheet: ExcelJS.Worksheet, title: string): ExcelJS.CellValue[][] {
  let start = 0;
  sheet.eachRow((row, n) => {
    if (row.getCell(1).value === title) start = n + 2;
  });
  expect(start, title).to.be.greaterThan(0);
  const rows: ExcelJS.CellValue[][] = [];
  for (let n = start; sheet.getRow(n).cellCount > 0; n++) {
    const row = sheet.getRow(n);
    rows.push(Array.from({ length: row.cellCount }, (_, i) => row.getCell(i + 1).value));
  }
  return rows;
}

describe("report/xlsx", () => {
  let dir: string;
  let target: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "bitex-xlsx-"));
    target = join(dir, "payroll.report.xlsx");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("ids and references are text cells, intact: a 20-digit id, 0012345, 00300", async () => {
    await writeReport(target, ROWS, { format: "xlsx", tz: "UTC" });
    const sheet = (await readBook(target)).getWorksheet("Report") as ExcelJS.Worksheet;
    const first = sheet.getRow(2);
    for (const [name, value] of [
      ["reference", "0012345"],
      ["output_id", "12345678901234567890"],
      ["recipient_user_id", "00300"],
      ["payer_user_id", "112"],
      ["request_id", "7"],
    ]) {
      const cell = first.getCell(col(name as string));
      expect([name, cell.type, cell.value, cell.numFmt]).to.deep.equal([
        name,
        ExcelJS.ValueType.String,
        value,
        "@",
      ]);
    }
  });

  it("amounts are numbers equal to the exact decimals, with the currency's decimals as format", async () => {
    await writeReport(target, ROWS, { format: "xlsx" });
    const sheet = (await readBook(target)).getWorksheet("Report") as ExcelJS.Worksheet;
    const money = (line: number, name: string) => {
      const cell = sheet.getRow(line).getCell(col(name));
      return [cell.type, cell.value, cell.numFmt];
    };
    const { Number: N, String: S, Null } = ExcelJS.ValueType;
    expect(money(2, "amount")).to.deep.equal([N, 1329000, "#,##0"]); // CLP: no minor unit
    expect(money(3, "budget")).to.deep.equal([N, 1250.5, "#,##0.00"]);
    expect(money(3, "spend_amount")).to.deep.equal([N, 1250.5, "#,##0.00"]);
    expect(money(4, "amount")).to.deep.equal([N, 1250.5, "#,##0.00"]); // "1250.5" in USD shows two decimals
    expect(money(4, "spend_amount")).to.deep.equal([N, 1300000, "#,##0.00"]);
    expect(money(5, "amount")).to.deep.equal([S, "12345678901234567890", "@"]);
    expect(money(5, "receive_amount")).to.deep.equal([S, "12345678901234567890", "@"]);
    expect(money(6, "amount")[0]).to.equal(Null);
    const line = sheet.getRow(2).getCell(col("line"));
    expect([line.type, line.value]).to.deep.equal([N, 2]);
  });

  it("an invalid row's input is text in raw_amount; characters XML cannot carry show as U+FFFD", async () => {
    await writeReport(target, ROWS, { format: "xlsx" });
    const row = ((await readBook(target)).getWorksheet("Report") as ExcelJS.Worksheet).getRow(6);
    const raw = row.getCell(col("raw_amount"));
    expect([raw.type, raw.value]).to.deep.equal([ExcelJS.ValueType.String, "40987,72"]);
    expect(row.getCell(col("reference")).value).to.equal("EMP-5\uFFFD");
  });

  it("updated_at is a date: the wall clock of the zone asked for, shown with the zone's offset then", async () => {
    const winter = ROWS.map((row) => ({ ...row, updated_at: "2026-07-22T10:15:00Z" }));
    for (const [tz, rows, expected, offset] of [
      ["UTC", ROWS, "2026-11-22T10:15:00.000Z", "+00:00"],
      ["America/Argentina/Buenos_Aires", ROWS, "2026-11-22T07:15:00.000Z", "-03:00"], // shown as 07:15
      ["America/Santiago", ROWS, "2026-11-22T07:15:00.000Z", "-03:00"], // (southern) summer time
      ["America/Santiago", winter, "2026-07-22T06:15:00.000Z", "-04:00"],
      ["Asia/Kolkata", ROWS, "2026-11-22T15:45:00.000Z", "+05:30"],
    ] as const) {
      await writeReport(target, rows, { format: "xlsx", tz });
      const cell = ((await readBook(target)).getWorksheet("Report") as ExcelJS.Worksheet)
        .getRow(2)
        .getCell(col("updated_at"));
      expect([tz, cell.type, (cell.value as Date).toISOString(), cell.numFmt]).to.deep.equal([
        tz,
        ExcelJS.ValueType.Date,
        expected,
        `yyyy-mm-dd hh:mm:ss "${offset}"`,
      ]);
    }
  });

  it("a frozen bold header, an autofilter over every row, widths that fit", async () => {
    await writeReport(target, ROWS, { format: "xlsx", extraColumns: ["legajo"] });
    const sheet = (await readBook(target)).getWorksheet("Report") as ExcelJS.Worksheet;
    expect(sheet.views[0]).to.include({ state: "frozen", ySplit: 1 });
    expect(REPORT_COLUMNS.length + 1).to.equal(30); // so the last column is AD
    expect(sheet.autoFilter).to.equal("A1:AD6");
    const header = sheet.getRow(1);
    expect(Array.from({ length: header.cellCount }, (_, i) => header.getCell(i + 1).value)).to.deep.equal([
      ...REPORT_COLUMNS,
      "legajo",
    ]);
    expect(header.getCell(1).font?.bold).to.equal(true);
    expect(sheet.getColumn(col("output_id")).width).to.equal(22); // 20 digits + 2
    expect(sheet.getColumn(col("error")).width).to.equal(52); // at least 50: errors may come later
    expect(sheet.getColumn(col("reference")).width).to.equal(12); // "Pérez, Ana" + 2
    expect(sheet.getColumn(col("line")).width).to.equal(8); // at least 8
    // An error is shown whole, wrapped within its column: the cell after it would cut it.
    const error = sheet.getRow(3).getCell(col("error"));
    expect([typeof error.value, error.alignment]).to.deep.equal([
      "string",
      { wrapText: true, vertical: "top" },
    ]);
    expect(sheet.getRow(3).getCell(col("reference")).alignment).to.equal(undefined);
  });

  it("the Summary sheet: batch, file, as of, zone, and totals equal to those computed from the rows", async () => {
    const asOf = new Date("2026-11-22T12:00:00Z");
    await writeReport(target, ROWS, { format: "xlsx", batchId: "b-1", file: "payroll.csv", asOf, tz: "UTC" });
    const book = await readBook(target);
    expect(book.worksheets.map((s) => s.name)).to.deep.equal(["Report", "Summary"]);
    const sheet = book.getWorksheet("Summary") as ExcelJS.Worksheet;
    const head = [1, 2, 3, 4, 5].map((n) => [
      sheet.getRow(n).getCell(1).value,
      sheet.getRow(n).getCell(2).value,
    ]);
    expect(head).to.deep.equal([
      ["Batch id", "b-1"],
      ["Input file", "payroll.csv"],
      ["As of", asOf],
      ["Time zone", "UTC"],
      ["Rows", 5],
    ]);
    const summary = summarize(ROWS);
    const states = stateTotals(ROWS);
    // Money cells are numbers, except a total no double shows exactly.
    const money = (text: string) =>
      text.replace(/\D/g, "").replace(/^0+|0+$/g, "").length > 15 ? text : Number(text);
    expect(table(sheet, SUMMARY_TITLES.status)).to.deep.equal(
      Object.entries(summary.byStatus).map(([status, rows]) => [status, rows]),
    );
    expect(table(sheet, SUMMARY_TITLES.figures)).to.deep.equal([
      ...summary.totals.map((t) => [
        t.currency,
        t.column,
        t.rows,
        money(t.inFile),
        t.createdRows,
        money(t.created),
      ]),
      ["Rows in no total", summary.notInTotals],
    ]);
    expect(table(sheet, SUMMARY_TITLES.states)).to.deep.equal(
      states.byState.map((t) => [t.side, t.currency, t.status, t.state || null, t.rows, money(t.total)]),
    );
    expect(table(sheet, SUMMARY_TITLES.quoted)).to.deep.equal([["ARS", 1, 1300000]]);
    const reconciled = moneyOf(ROWS);
    expect(table(sheet, MONEY_TITLE)).to.deep.equal([
      ...reconciled.map((m) => [
        m.currency,
        ...[m.quoted.total, m.charged.total, m.refunded.total, m.net, m.received.total].map(money),
        ...[m.inFileReceive.total, m.inFileSpend.total].map(money),
      ]),
      ...ruleLines().map((line) => [line]),
    ]);
    // The settled ARS row was charged: quoted, charged and net all hold it.
    expect(reconciled.find((m) => m.currency === "ARS")).to.deep.include({
      quoted: { rows: 1, total: "1300000.00" },
      charged: { rows: 1, total: "1300000.00" },
      refunded: { rows: 0, total: "0.00" },
      net: "1300000.00",
    });
    // What those totals are, so that the comparison above cannot pass on two empty lists.
    expect(summary.totals.map((t) => [t.currency, t.column, t.inFile, t.created])).to.deep.equal([
      ["CLP", "amount", "12345678901235896890", "12345678901235896890"],
      ["USD", "amount", "1250.50", "1250.50"],
      ["USD", "budget", "1250.50", "0.00"],
    ]);
    expect(
      states.byState.map((t) => `${t.side} ${t.currency} ${t.status} ${t.state} ${t.rows} ${t.total}`),
    ).to.deep.equal([
      "receive CLP created accepting 2 12345678901235896890",
      "receive USD created settled 1 1250.50",
      "spend ARS created settled 1 1300000.00",
      "spend USD failed  1 1250.50",
    ]);
  });

  it("is written owner-only (0600, even over a 0644 report) and atomically: no temp file is left", async () => {
    await writeFile(target, "old report\n");
    await chmod(target, 0o644);
    const previous = process.umask(0);
    try {
      expect(await writeReport(target, ROWS, { format: "xlsx" })).to.deep.equal({ rows: 5 });
    } finally {
      process.umask(previous);
    }
    expect((await stat(target)).mode & 0o777).to.equal(0o600);
    expect(await readdir(dir)).to.deep.equal(["payroll.report.xlsx"]);
    expect([...(await readFile(target)).subarray(0, 2)]).to.deep.equal([0x50, 0x4b]); // "PK": a zip
  });

  it("a failure while rows are produced removes the temp file and keeps the old report", async () => {
    await writeFile(target, "old report\n");
    function* failing(): Generator<ReportRow> {
      yield* ROWS;
      throw new Error("row source broke");
    }
    try {
      await writeReport(target, failing(), { format: "xlsx" });
      expect.fail("expected a rejection");
    } catch (error) {
      expect(error).to.be.instanceOf(BatchError);
      expect((error as BatchError).message).to.equal(
        `could not write the report ${target}: row source broke`,
      );
    }
    expect(await readdir(dir)).to.deep.equal(["payroll.report.xlsx"]);
    expect(await readFile(target, "utf8")).to.equal("old report\n");
  });

  it("refuses stdout (a binary file) and an unknown zone with usage errors, creating nothing", async () => {
    const refusals = [
      writeReport("-", ROWS, { format: "xlsx" }),
      checkReportTarget("-", "xlsx"),
      openReportFile("-", { format: "xlsx" }),
      writeReport(target, ROWS, { format: "xlsx", tz: "Buenos Aires" }),
    ];
    for (const refusal of refusals) {
      const error = await refusal.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(BatchError);
      expect((error as BatchError).code, (error as Error).message).to.equal("usage");
    }
    await checkReportTarget("-", "excel"); // the CSV formats still go to stdout
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it("openReportFile: rows written a batch at a time (all sizing the columns), the batch id given at commit", async () => {
    const file = await openReportFile(target, { format: "xlsx", file: "payroll.csv" });
    await file.write(ROWS.slice(0, 2));
    await file.write([...ROWS.slice(2), reportRow({ line: 7, reference: "REF-2026-11-ANTICIPO-0007" })]);
    await file.commit({ batchId: "late-id" });
    const book = await readBook(target);
    const sheet = book.getWorksheet("Report") as ExcelJS.Worksheet;
    expect(sheet.rowCount).to.equal(7);
    expect(sheet.getColumn(col("reference")).width).to.equal(27);
    const summary = book.getWorksheet("Summary") as ExcelJS.Worksheet;
    expect([1, 2].map((n) => summary.getRow(n).getCell(2).value)).to.deep.equal(["late-id", "payroll.csv"]);
  });

  it("the zip's intake is found in exceljs, so rows wait for the zip (the memory bound relies on it)", async () => {
    const report = await XlsxReport.open(target, {});
    await report.write(Array.from({ length: XLSX_ROWS_PER_STEP }, (_, i) => reportRow({ line: i + 2 })));
    const sheet = (report as unknown as { sheet: ExcelJS.Worksheet }).sheet;
    expect(zipIntake(sheet), "exceljs internals moved: see zipCaughtUp in src/report/xlsx.ts").to.not.equal(
      undefined,
    );
    await report.discard();
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
