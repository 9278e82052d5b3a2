/**
 * Writes the workbook fixtures in fixtures/xlsx/ (committed; see its README):
 *
 *   npx tsx test/read/make-workbooks.ts
 *
 * exceljs writes the workbooks; openpyxl (python3-openpyxl) writes the demo once more;
 * LibreOffice (`soffice`) re-saves one and writes the .xls;
 * officecrypto-tool (npm, MIT; not a dependency of this project: install it anywhere and
 * point OFFICECRYPTO_TOOL at its directory) encrypts one with the password "secret". A step
 * whose tool is missing is skipped with a warning (apt-get install libreoffice-calc).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ExcelJS from "exceljs";
import { ROOT } from "../helpers/cli.js";

export const XLSX_DIR = join(ROOT, "fixtures", "xlsx");
const DEMO_CSV = join(ROOT, "fixtures", "demo", "payroll.csv");

type Cell = ExcelJS.CellValue;

export type FixtureCell = Cell | { value: Cell; numFmt: string };

/** A workbook: per sheet, rows of values (each optionally with its number format) and any other edit. */
export async function workbookBytes(
  sheets: Array<{
    name: string;
    rows: FixtureCell[][];
    state?: "visible" | "hidden";
    edit?: (sheet: ExcelJS.Worksheet) => void;
  }>,
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "bitex-batch fixtures";
  // Fixed dates, so that the bytes only change when the content does.
  workbook.created = workbook.modified = new Date(Date.UTC(2026, 10, 1));
  for (const { name, rows, state, edit } of sheets) {
    const sheet = workbook.addWorksheet(name, { state: state ?? "visible" });
    rows.forEach((values, r) => {
      values.forEach((value, c) => {
        const cell = sheet.getCell(r + 1, c + 1);
        if (value !== null && typeof value === "object" && "numFmt" in value) {
          cell.value = value.value;
          cell.numFmt = value.numFmt;
        } else if (value !== null && value !== undefined) cell.value = value;
      });
    });
    edit?.(sheet);
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A CSV amount as a number cell shown the way the CSV writes it ("44328.00" → 44328, "#,##0.00"). */
function amountCell(text: string): Cell | { value: Cell; numFmt: string } {
  if (text === "") return null;
  return text.includes(".")
    ? { value: Number(text), numFmt: "#,##0.00" }
    : { value: Number(text), numFmt: "0" };
}

/** The demo payroll as an accountant keeps it: ids and amounts as numbers, references and ports as text. */
export function demoRows(): Array<Array<Cell | { value: Cell; numFmt: string }>> {
  const [header, ...lines] = readFileSync(DEMO_CSV, "utf8").trim().split("\n");
  const rows: Array<Array<Cell | { value: Cell; numFmt: string }>> = [(header as string).split(",")];
  for (const line of lines) {
    const [reference, payer, sender, recipient, port, amount, budget, instruction] = line.split(
      ",",
    ) as string[];
    rows.push([
      reference as string,
      Number(payer),
      sender as string,
      Number(recipient),
      port as string,
      amountCell(amount as string),
      amountCell(budget as string),
      Number(instruction),
    ]);
  }
  return rows;
}

const ES_HEADER = [
  "Referencia",
  "ID Pagador",
  "Puerto Origen",
  "ID Destinatario",
  "Puerto Destino",
  "Importe",
  "Presupuesto",
  "Instrucción Retiro",
  "Cuenta",
];

const ACCOUNTS = [
  "01234567890123456789",
  "00001111222233334444",
  "98765432109876543210",
  "10000000000000000001",
  "55555555555555555555",
  "00000000000000000042",
];

/**
 * The Spanish payroll: text ids and a 20-digit account as text, a reference "0012345",
 * amounts as formulas (CLP, PYG), as numbers with two decimals, one as text with a decimal
 * comma, and a totals row of SUM formulas. Its CSV twin is what the sheet shows, as a
 * Spanish Excel exports it (";" and decimal comma).
 */
export function nominaRows(): Array<Array<Cell | { value: Cell; numFmt: string }>> {
  const money = (value: number) => ({ value, numFmt: "#,##0.00" });
  return [
    ES_HEADER,
    [
      "EMP-1001",
      112,
      "ar_ars",
      "300",
      "cl_clp",
      { value: { formula: "1000000+329000", result: 1329000 }, numFmt: "0" },
      null,
      "2100",
      ACCOUNTS[0],
    ],
    ["0012345", 112, "us_usd", "301", "mx_mxn", money(23886.75), null, "2101", ACCOUNTS[1]],
    ["EMP-1003", 112, "ar_ars", "302", "uy_uyu", money(44328), null, "2102", ACCOUNTS[2]],
    [
      "EMP-1004",
      112,
      "ar_ars",
      "303",
      "py_pyg",
      { value: { formula: "7000000+695000", result: 7695000 }, numFmt: "0" },
      null,
      "2103",
      ACCOUNTS[3],
    ],
    ["EMP-1005", 113, "uy_uyu", "304", "us_usd", "1585,25", null, "2104", ACCOUNTS[4]],
    ["EMP-1006", 113, "uy_uyu", "305", "ar_ars", null, money(60000), "2105", ACCOUNTS[5]],
    [
      "Total",
      null,
      null,
      null,
      null,
      { value: { formula: "SUM(F2:F7)", result: 9093800 }, numFmt: "#,##0.00" },
      { value: { formula: "SUM(G2:G7)", result: 60000 }, numFmt: "#,##0.00" },
      null,
      null,
    ],
  ];
}

export const NOMINA_CSV = `${[
  ES_HEADER.join(";"),
  `EMP-1001;112;ar_ars;300;cl_clp;1329000;;2100;${ACCOUNTS[0]}`,
  `0012345;112;us_usd;301;mx_mxn;23886,75;;2101;${ACCOUNTS[1]}`,
  `EMP-1003;112;ar_ars;302;uy_uyu;44328,00;;2102;${ACCOUNTS[2]}`,
  `EMP-1004;112;ar_ars;303;py_pyg;7695000;;2103;${ACCOUNTS[3]}`,
  `EMP-1005;113;uy_uyu;304;us_usd;1585,25;;2104;${ACCOUNTS[4]}`,
  `EMP-1006;113;uy_uyu;305;ar_ars;;60000,00;2105;${ACCOUNTS[5]}`,
].join("\r\n")}\r\n`;

/** Three demo rows, the recipient of the second a 20-digit id typed into a number cell. */
export function idAsNumberRows(): Array<Array<Cell | { value: Cell; numFmt: string }>> {
  const rows = demoRows().slice(0, 4);
  // 12345678901234567890 typed into a General cell: the double Excel keeps.
  (rows[2] as Cell[])[3] = Number("12345678901234567890");
  return rows;
}

function tool(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "pipe", timeout: 120_000 });
    return true;
  } catch (error) {
    console.warn(`skipped: ${command} ${args.join(" ")} (${(error as Error).message.split("\n")[0]})`);
    return false;
  }
}

/** openpyxl (what HR systems' Python exports use) writes inline strings and absolute part names. */
const OPENPYXL = `
import csv, sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "payroll"
with open(sys.argv[1]) as f:
    for i, row in enumerate(csv.reader(f)):
        if i == 0:
            ws.append(row)
            continue
        ref, payer, sender, rec, port, amount, budget, instr = row
        number = lambda text: (float(text) if "." in text else int(text)) if text else None
        ws.append([ref, int(payer), sender, int(rec), port, number(amount), number(budget), int(instr)])
        for col, text in ((6, amount), (7, budget)):
            if "." in text:
                ws.cell(ws.max_row, col).number_format = "#,##0.00"
wb.save(sys.argv[2])
`;

async function main(): Promise<void> {
  const demo = await workbookBytes([{ name: "payroll", rows: demoRows() }]);
  writeFileSync(join(XLSX_DIR, "demo-exceljs.xlsx"), demo);
  writeFileSync(
    join(XLSX_DIR, "nomina-es.xlsx"),
    await workbookBytes([{ name: "Nómina", rows: nominaRows() }]),
  );
  writeFileSync(join(XLSX_DIR, "nomina-es.csv"), NOMINA_CSV);
  writeFileSync(
    join(XLSX_DIR, "id-as-number.xlsx"),
    await workbookBytes([{ name: "payroll", rows: idAsNumberRows() }]),
  );
  // Cut in the middle: the zip's table of contents (at its end) is gone.
  writeFileSync(join(XLSX_DIR, "corrupt.xlsx"), demo.subarray(0, Math.floor(demo.length / 2)));

  const work = mkdtempSync(join(tmpdir(), "bitex-workbooks-"));
  try {
    // LibreOffice re-saves the exceljs workbook (number formats kept), and writes the .xls.
    copyFileSync(join(XLSX_DIR, "demo-exceljs.xlsx"), join(work, "demo-libreoffice.xlsx"));
    const out = join(work, "out");
    if (
      tool("soffice", [
        "--headless",
        "--convert-to",
        "xlsx",
        "--outdir",
        out,
        join(work, "demo-libreoffice.xlsx"),
      ])
    )
      copyFileSync(join(out, "demo-libreoffice.xlsx"), join(XLSX_DIR, "demo-libreoffice.xlsx"));
    if (
      tool("soffice", [
        "--headless",
        "--convert-to",
        "xls",
        "--outdir",
        out,
        join(work, "demo-libreoffice.xlsx"),
      ])
    )
      copyFileSync(join(out, "demo-libreoffice.xls"), join(XLSX_DIR, "demo.xls"));
    tool("python3", ["-c", OPENPYXL, DEMO_CSV, join(XLSX_DIR, "demo-openpyxl.xlsx")]);
    const crypto = process.env.OFFICECRYPTO_TOOL;
    if (crypto) {
      const { encrypt } = createRequire(import.meta.url)(crypto) as {
        encrypt(input: Buffer, options: { password: string }): Promise<Buffer>;
      };
      writeFileSync(join(XLSX_DIR, "encrypted.xlsx"), await encrypt(demo, { password: "secret" }));
    } else console.warn("skipped: encrypted.xlsx (set OFFICECRYPTO_TOOL to an officecrypto-tool directory)");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`wrote the workbook fixtures to ${XLSX_DIR}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
