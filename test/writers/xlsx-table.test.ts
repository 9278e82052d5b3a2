/**
 * The xlsx writer over a column spec (writeTable with format xlsx, tableColumns): each kind's
 * cell rule, a money cell's decimals from the currency cell its column names, times with an
 * offset shown in the zone, the Summary lines, and the file (0600, atomic, never stdout).
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import ExcelJS from "exceljs";
import { BatchError } from "../../src/errors.js";
import { type TableColumn, tableChunks } from "../../src/writers/table.js";
import { writeTable } from "../../src/writers/write.js";
import { tableColumns } from "../../src/writers/xlsx-columns.js";

const COLUMNS: TableColumn[] = [
  { name: "id", kind: "id" },
  { name: "label", kind: "text" },
  { name: "line", kind: "line" },
  { name: "amount", kind: "money", currency: "currency" },
  { name: "currency", kind: "text" },
  { name: "at", kind: "time" },
];
const ROWS = [
  // "1500000.5": the decimals come from the ARS in the currency column, not from the figure.
  ["12345678901234567890", "=SUM(A1)", "4", "1500000.5", "ARS", "2026-11-01T00:00:00-03:00"],
  ["00300", "Pérez, Ana", "", "19000", "CLP", "2026-12-01T00:30:00Z"],
  ["7", "", "12", "12345678901234567890", "USD", "not a time"],
  ["8", "x", "", "1.5", "", ""],
];

async function readSheet(path: string, name: string): Promise<ExcelJS.Worksheet> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  const sheet = book.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}`);
  return sheet;
}

describe("report/xlsx over a column spec (writeTable, format xlsx)", () => {
  let dir: string;
  let target: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "bitex-xlsx-table-"));
    target = join(dir, "export.xlsx");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("each kind's cells: ids and text as text, line a number, money with its currency's decimals, times in the zone", async () => {
    const asOf = new Date("2026-12-02T15:00:00Z");
    await writeTable(target, COLUMNS, ROWS, {
      format: "xlsx",
      xlsx: {
        sheet: "Export",
        tz: "America/Argentina/Buenos_Aires",
        summary: (clock) => [
          { cells: ["As of", clock.wall(asOf)] },
          { cells: [] },
          { cells: ["Totals"], bold: true },
          { cells: ["ARS", 1, { money: "1500000.50", currency: "ARS" }] },
          { cells: ["USD", 1, { money: "12345678901234567890", currency: "USD" }] },
        ],
      },
    });
    expect((await stat(target)).mode & 0o777).to.equal(0o600);
    expect(await readdir(dir)).to.deep.equal(["export.xlsx"]);
    const sheet = await readSheet(target, "Export");
    expect(sheet.views[0]).to.include({ state: "frozen", ySplit: 1 });
    expect(sheet.autoFilter).to.equal("A1:F5");
    const { String: S, Number: N, Date: D, Null } = ExcelJS.ValueType;
    const cells = (n: number) =>
      COLUMNS.map((_, i) => {
        const cell = sheet.getRow(n).getCell(i + 1);
        if (cell.type === Null) return null;
        return [cell.type, cell.value instanceof Date ? cell.value.toISOString() : cell.value, cell.numFmt];
      });
    const TIME = "yyyy-mm-dd hh:mm:ss";
    // A rows sheet's time shows its offset, as the terminal does: a date cell holds no zone.
    const TIME_BA = 'yyyy-mm-dd hh:mm:ss "-03:00"';
    expect(cells(2)).to.deep.equal([
      [S, "12345678901234567890", "@"],
      [S, "=SUM(A1)", "@"], // text, never a formula
      [N, 4, "0"],
      [N, 1500000.5, "#,##0.00"],
      [S, "ARS", "@"],
      [D, "2026-11-01T00:00:00.000Z", TIME_BA], // midnight in Buenos Aires
    ]);
    expect(cells(3)).to.deep.equal([
      [S, "00300", "@"],
      [S, "Pérez, Ana", "@"],
      null,
      [N, 19000, "#,##0"], // CLP: no minor unit
      [S, "CLP", "@"],
      [D, "2026-11-30T21:30:00.000Z", TIME_BA], // a UTC time shown in Buenos Aires (UTC-3)
    ]);
    expect(cells(4)).to.deep.equal([
      [S, "7", "@"],
      null,
      [N, 12, "0"],
      [S, "12345678901234567890", "@"], // no double holds it: exact text
      [S, "USD", "@"],
      [S, "not a time", "@"],
    ]);
    // No currency: the figure's own decimals, never rounded.
    expect(cells(5)[3]).to.deep.equal([N, 1.5, "#,##0.0"]);
    expect(sheet.getColumn(1).width).to.equal(22); // 20 digits + 2

    const summary = await readSheet(target, "Summary");
    const asOfCell = summary.getRow(1).getCell(2);
    expect([asOfCell.type, (asOfCell.value as Date).toISOString(), asOfCell.numFmt]).to.deep.equal([
      D,
      "2026-12-02T12:00:00.000Z",
      TIME,
    ]);
    expect(summary.getRow(2).cellCount).to.equal(0);
    expect(summary.getRow(3).font?.bold).to.equal(true);
    const total = summary.getRow(4).getCell(3);
    expect([total.type, total.value, total.numFmt]).to.deep.equal([N, 1500000.5, "#,##0.00"]);
    const long = summary.getRow(5).getCell(3);
    expect([long.type, long.value, long.numFmt]).to.deep.equal([S, "12345678901234567890", "@"]);
  });

  it("CSV: line and id kinds as the report's ids (a 20-digit id kept as text in excel), time as text", () => {
    const csv = [...tableChunks(COLUMNS, ROWS.slice(0, 1), "excel")].join("");
    expect(csv).to.equal(
      "\uFEFFid;label;line;amount;currency;at\r\n'12345678901234567890;'=SUM(A1);4;1500000,5;ARS;2026-11-01T00:00:00-03:00\r\n",
    );
  });

  it("CSV: an amount past 15 significant digits is text in the excel dialects, as the workbook keeps it", () => {
    const csv = (format: "csv" | "excel" | "excel-en") =>
      [...tableChunks(COLUMNS, ROWS.slice(2, 3), format)].join("");
    expect([csv("csv"), csv("excel"), csv("excel-en")]).to.deep.equal([
      "id,label,line,amount,currency,at\n7,,12,12345678901234567890,USD,not a time\n",
      "\uFEFFid;label;line;amount;currency;at\r\n7;;12;'12345678901234567890;USD;not a time\r\n",
      "\uFEFFid,label,line,amount,currency,at\r\n7,,12,'12345678901234567890,USD,not a time\r\n",
    ]);
  });

  it("a money column naming a currency column the table lacks is a programming error", () => {
    expect(() => tableColumns([{ name: "amount", kind: "money", currency: "nope" }])).to.throw(
      "column amount: its currency column nope is not in the table",
    );
  });

  it("--report - cannot be a workbook: a usage error, no file", async () => {
    const error = await writeTable("-", COLUMNS, ROWS, { format: "xlsx" }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(BatchError);
    expect((error as BatchError).code).to.equal("usage");
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it("a bad zone fails before any file exists", async () => {
    const error = await writeTable(target, COLUMNS, ROWS, {
      format: "xlsx",
      xlsx: { sheet: "Export", tz: "Mars/Olympus", summary: () => [] },
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(BatchError);
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
