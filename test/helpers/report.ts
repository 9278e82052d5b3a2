/** Reads a report CSV back into records, for assertions; renders one whole, in memory. */
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import type { ReportRow } from "../../src/report/columns.js";
import { reportChunks } from "../../src/report/format.js";
import type { CsvFormat } from "../../src/writers/dialect.js";

export type ReportRecord = Record<string, string>;

export async function readReport(path: string): Promise<ReportRecord[]> {
  return parse(await readFile(path, "utf8"), { columns: true, bom: true }) as ReportRecord[];
}

/** A report's text with the updated_at column blanked, for comparing with an expected file. */
export function withoutTimestamps(text: string): string {
  // updated_at is followed by raw_amount, raw_budget, payee, payee_review, charged_amount and refunded_amount.
  return text.replace(/,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ(?=(?:,[^,\n]*){6}$)/gm, ",<time>");
}

/** The whole report as one string (the commands stream it; see report/write.ts). */
export function renderReport(
  rows: Iterable<ReportRow>,
  format: CsvFormat,
  extraColumns: readonly string[] = [],
): string {
  return [...reportChunks(rows, format, extraColumns)].join("");
}
