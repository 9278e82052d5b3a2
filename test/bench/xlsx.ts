/**
 * The xlsx report's memory: peak RSS of `validate` writing 100,000 rows as a
 * workbook, against the same `validate` writing the CSV report of the same file, both as
 * children of the bench. Target: the xlsx run under 300 MB.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { benchFile } from "./data.js";
import { type ChildRun, type Figure, fmt, median, runNode, writeRssPreload } from "./measure.js";

export const XLSX_ROWS = 100_000;
const RUNS = 3;
const MB = 1024 * 1024;
const LIMIT = 300 * MB;
const TIMEOUT_MS = 120_000;

export async function xlsxRss(dir: string, cli: string, log: (line: string) => void): Promise<Figure> {
  const preload = await writeRssPreload(dir);
  const file = benchFile(dir, XLSX_ROWS);
  const measure = async (format: "csv" | "xlsx", run: number): Promise<ChildRun> => {
    const report = join(dir, `xlsx-rss-${run}.report.${format}`);
    const result = await runNode(
      [cli, "validate", file, "--report-format", format, "--report", report, "--quiet"],
      {
        timeoutMs: TIMEOUT_MS,
        rss: { preload, outFile: join(dir, `xlsx-rss-${format}-${run}.txt`) },
      },
    );
    await rm(report, { force: true });
    if (result.code !== 0) {
      const how = result.timedOut ? "timed out" : `exit ${result.code}`;
      throw new Error(
        `validate --report-format ${format}: ${how}; ${result.stderr.trim().split("\n").at(-1)}`,
      );
    }
    log(
      `validate ${XLSX_ROWS} rows → ${format}: peak RSS ${fmt.mb(result.peakRssBytes ?? 0)}, ${fmt.ms(result.wallMs)}`,
    );
    return result;
  };
  const csv: ChildRun[] = [];
  const xlsx: ChildRun[] = [];
  // Alternating, so that a busy spell of the machine falls on both.
  for (let run = 1; run <= RUNS; run++) {
    csv.push(await measure("csv", run));
    xlsx.push(await measure("xlsx", run));
  }
  const csvRss = median(csv.map((r) => r.peakRssBytes ?? 0));
  const xlsxRss = median(xlsx.map((r) => r.peakRssBytes ?? 0));
  return {
    id: "xlsx",
    name: "validate peak RSS, 100k rows → xlsx",
    value: fmt.mb(xlsxRss),
    reference: `→ csv ${fmt.mb(csvRss)}`,
    ratio: fmt.ratio(xlsxRss / csvRss),
    target: "≤ 300 MB",
    verdict: xlsxRss <= LIMIT ? "PASS" : "MISS",
    data: {
      rows: XLSX_ROWS,
      csv_peak_rss_bytes: csv.map((r) => r.peakRssBytes),
      xlsx_peak_rss_bytes: xlsx.map((r) => r.peakRssBytes),
      csv_wall_ms: csv.map((r) => r.wallMs),
      xlsx_wall_ms: xlsx.map((r) => r.wallMs),
      limit_bytes: LIMIT,
    },
    notes: [
      `validate wall time, 100k rows: csv ${fmt.ms(median(csv.map((r) => r.wallMs)))}, xlsx ${fmt.ms(median(xlsx.map((r) => r.wallMs)))}.`,
    ],
  };
}
