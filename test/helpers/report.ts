/** Reads a report CSV back into records, for assertions. */
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";

export type ReportRecord = Record<string, string>;

export async function readReport(path: string): Promise<ReportRecord[]> {
  return parse(await readFile(path, "utf8"), { columns: true, bom: true }) as ReportRecord[];
}

/** A report's text with the updated_at column blanked, for comparing with an expected file. */
export function withoutTimestamps(text: string): string {
  // updated_at is followed by raw_amount and raw_budget.
  return text.replace(/,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ(?=,[^,\n]*,[^,\n]*$)/gm, ",<time>");
}
