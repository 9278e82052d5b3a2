/**
 * The xlsx input: `validate` of a 100,000-row workbook against `validate` of the CSV of the
 * same rows, both as children of the bench (start-up included, as a user waits for it).
 * Targets: the workbook's median wall time within 2× the CSV's, and its peak RSS under 300 MB.
 *
 * The workbook is what Excel writes: a shared-strings table (references and ports), ids and
 * amounts as number cells, amounts with two decimals formatted "#,##0.00".
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { benchFile, HEADER, row } from "./data.js";
import { type ChildRun, type Figure, fmt, median, runNode, writeRssPreload } from "./measure.js";

export const XLSX_INPUT_ROWS = 100_000;
const RUNS = 3;
const MB = 1024 * 1024;
const RSS_LIMIT = 300 * MB;
const TIME_RATIO = 2;
const TIMEOUT_MS = 120_000;

/** Writes rows 0..rows-1 of the bench sequence as a workbook (streamed: the bench's memory stays small). */
export async function writePayrollWorkbook(path: string, rows: number): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: path,
    useSharedStrings: true,
    useStyles: true,
  });
  const sheet = workbook.addWorksheet("payroll");
  sheet.addRow(HEADER.split(",")).commit();
  for (let i = 0; i < rows; i++) {
    const [reference, payer, sender, recipient, port, amount, budget, instruction] = row(i).split(
      ",",
    ) as string[];
    const money = (text: string) => (text === "" ? null : Number(text));
    const added = sheet.addRow([
      reference,
      Number(payer),
      sender,
      Number(recipient),
      port,
      money(amount as string),
      money(budget as string),
      Number(instruction),
    ]);
    for (const [column, text] of [
      [6, amount],
      [7, budget],
    ] as const) {
      if (text?.includes(".")) added.getCell(column).numFmt = "#,##0.00";
    }
    added.commit();
  }
  sheet.commit();
  await workbook.commit();
}

export async function xlsxInputFigure(
  dir: string,
  cli: string,
  log: (line: string) => void,
): Promise<Figure> {
  const preload = await writeRssPreload(dir);
  const csv = benchFile(dir, XLSX_INPUT_ROWS);
  const xlsx = join(dir, `payroll-${XLSX_INPUT_ROWS}.xlsx`);
  if (!existsSync(xlsx)) await writePayrollWorkbook(xlsx, XLSX_INPUT_ROWS);
  const measure = async (file: string, kind: "csv" | "xlsx", run: number): Promise<ChildRun> => {
    const report = join(dir, `xlsx-input-${kind}-${run}.report.csv`);
    const result = await runNode([cli, "validate", file, "--report", report, "--quiet"], {
      timeoutMs: TIMEOUT_MS,
      rss: { preload, outFile: join(dir, `xlsx-input-${kind}-${run}.txt`) },
    });
    await rm(report, { force: true });
    if (result.code !== 0) {
      const how = result.timedOut ? "timed out" : `exit ${result.code}`;
      throw new Error(`validate ${kind} input: ${how}; ${result.stderr.trim().split("\n").at(-1)}`);
    }
    log(
      `validate ${XLSX_INPUT_ROWS} rows from ${kind}: ${fmt.ms(result.wallMs)}, peak RSS ${fmt.mb(result.peakRssBytes ?? 0)}`,
    );
    return result;
  };
  const csvRuns: ChildRun[] = [];
  const xlsxRuns: ChildRun[] = [];
  // Alternating, so that a busy spell of the machine falls on both.
  for (let run = 1; run <= RUNS; run++) {
    csvRuns.push(await measure(csv, "csv", run));
    xlsxRuns.push(await measure(xlsx, "xlsx", run));
  }
  const csvMs = median(csvRuns.map((r) => r.wallMs));
  const xlsxMs = median(xlsxRuns.map((r) => r.wallMs));
  const xlsxRss = median(xlsxRuns.map((r) => r.peakRssBytes ?? 0));
  const ratio = xlsxMs / csvMs;
  return {
    id: "xlsx-input",
    name: `validate ${XLSX_INPUT_ROWS / 1000}k rows from xlsx`,
    value: `${fmt.ms(xlsxMs)}, ${fmt.mb(xlsxRss)}`,
    reference: `same rows from csv ${fmt.ms(csvMs)}`,
    ratio: fmt.ratio(ratio),
    target: `time ≤ ${TIME_RATIO}× csv, RSS ≤ 300 MB`,
    verdict: ratio <= TIME_RATIO && xlsxRss <= RSS_LIMIT ? "PASS" : "MISS",
    data: {
      rows: XLSX_INPUT_ROWS,
      csv_wall_ms: csvRuns.map((r) => r.wallMs),
      xlsx_wall_ms: xlsxRuns.map((r) => r.wallMs),
      csv_peak_rss_bytes: csvRuns.map((r) => r.peakRssBytes),
      xlsx_peak_rss_bytes: xlsxRuns.map((r) => r.peakRssBytes),
      ratio,
    },
    notes: [
      "Both `node dist/cli.js validate <file> --report <tmp> --quiet` as children: wall time from spawn to exit, peak RSS as for the other RSS figures.",
      "The workbook is written by exceljs' streaming writer with a shared-strings table, ids and amounts as number cells.",
    ],
  };
}
