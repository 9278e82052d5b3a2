/** The end of `validate` and `submit`: write the report, print the summary, set the exit code. */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { parse } from "csv-parse";
import { BatchError, EXIT } from "../errors.js";
import { containerOf } from "../read/container.js";
import { sheetColumnHolds } from "../read/workbook.js";
import type { ReportRow } from "../report/columns.js";
import { formatSummaryLines, type ReportSummary, SummaryBuilder } from "../report/summary.js";
import { writeReport } from "../report/write.js";
import { batchCommand, NO_ROW_FLAGS, type RowFlags } from "../shell-words.js";
import type { ReportFormat } from "../writers/dialect.js";
import type { Stage } from "./follow-words.js";
import type { OnlineCounts } from "./online.js";
import type { PayeesJson } from "./payees.js";
import { Problems, problemLines, problemsJson } from "./problems.js";
import type { Console } from "./session.js";

export interface FinishInput {
  command: "validate" | "submit";
  file: string;
  batchId: string;
  reportPath: string;
  format: ReportFormat;
  extraColumns: string[];
  /** Produced lazily and read once: the summary is built while the report streams to disk. */
  rows: Iterable<ReportRow>;
  /** Exit code when the run itself stopped early (3) or the key was refused (2). */
  stoppedExit?: number;
  dryRun?: boolean;
  /** `validate --online`: what the API's lists allowed to check (online.ts), in the JSON as `online`. */
  online?: OnlineCounts;
  /** Rows by payee details resolved against Bitex (app/payees.ts), in the JSON as `payees`. */
  payees?: PayeesJson;
  /** `submit`: how far the batch got (submit-stage.ts); `none` when not every row was created. */
  stage?: Stage;
  /** The rows' problems, filled while the rows stream (invalid rows: tap `checked()` with it). */
  problems?: Problems;
  /** `submit --until`: the follow-through writes the report again and names it then, once. */
  followed?: boolean;
}

/**
 * A report that says some rows were created is the operator's record of money sent: a
 * report of fewer facts (validate, submit --dry-run, a submit that sent nothing because of
 * invalid rows, status of a batch not on the server) does not replace it. CSV reports are
 * read a record at a time up to the first created row (a million-row report read whole took
 * `validate` from 190 to 326 MB); an xlsx one (known by its bytes, a zip) by its sheet
 * "Report", streamed the same way.
 */
export async function refuseFewerFacts(
  reportPath: string,
  csv: string,
  /** The run's input options that change the rows: the status offered carries them. */
  flags: RowFlags = NO_ROW_FLAGS,
): Promise<void> {
  if (reportPath === "-") return;
  if (!(await holdsCreatedRows(reportPath))) return;
  throw new BatchError(
    "usage",
    `${reportPath} holds rows created on the server; this run would replace it with a report of fewer facts`,
    {
      hint: `keep it: pass --report <another path>, or ${batchCommand(flags, "status", csv)} to refresh it from the server`,
    },
  );
}

async function holdsCreatedRows(reportPath: string): Promise<boolean> {
  // Only a file holds a report to keep: a device or a pipe (/dev/null, a FIFO) is no report,
  // and reading a FIFO would wait for a writer that never comes.
  if (!(await stat(reportPath).catch(() => null))?.isFile()) return false;
  // A workbook by its bytes, as an input is told apart; one that cannot be read holds nothing to keep.
  const container = await containerOf(reportPath, reportPath).catch(() => "text" as const);
  if (container === "workbook")
    return sheetColumnHolds(reportPath, "Report", "status", "created").catch(() => false);
  // Read by csv-parse, as the report was written by csv-stringify: a quoted reference may hold
  // the delimiter or a line break ("Doe, Jane"), so no cell is found by splitting a line.
  const file = createReadStream(reportPath);
  const records = file.pipe(
    parse({
      delimiter: await delimiterOf(reportPath),
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }),
  );
  let status = -1;
  try {
    for await (const record of records as AsyncIterable<string[]>) {
      if (status < 0) {
        status = record.indexOf("status");
        if (status < 0) return false;
      } else if (record[status] === "created") return true;
    }
  } catch {
    return false; // nothing there, unreadable or not CSV (the write will say so)
  } finally {
    records.destroy();
    file.destroy();
  }
  return false;
}

/** The report dialects' delimiter, by its header line: `;` (excel) or `,`. */
async function delimiterOf(reportPath: string): Promise<string> {
  const handle = await open(reportPath, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const header = buffer.subarray(0, bytesRead).toString("utf8").split(/\r?\n/, 1)[0] ?? "";
    return header.includes(";") ? ";" : ",";
  } finally {
    await handle.close();
  }
}

export async function finish(out: Console, input: FinishInput): Promise<number> {
  const builder = new SummaryBuilder();
  const problems = input.problems ?? new Problems();
  function* counted(): Generator<ReportRow> {
    for (const row of input.rows) {
      builder.add(row);
      problems.addFailed(row);
      yield row;
    }
  }
  await writeReport(input.reportPath, counted(), {
    format: input.format,
    extraColumns: input.extraColumns,
    batchId: input.batchId,
    file: input.file,
    tz: out.zone,
  });
  return printSummary(out, { ...input, problems }, builder.result());
}

/** Prints the summary (and `--json`) of a report already written; returns the exit code. */
export function printSummary(out: Console, input: Omit<FinishInput, "rows">, summary: ReportSummary): number {
  const good =
    input.command === "submit" && !input.dryRun ? summary.byStatus.created : summary.byStatus.valid;
  const exitCode = input.stoppedExit ?? (good === summary.rows ? EXIT.ok : EXIT.rowsFailed);
  // Problems first, on stderr, even with --quiet: they are what the operator must fix.
  if (input.problems) for (const line of problemLines(input.problems, input.reportPath)) out.warn(line);
  out.summary([
    ...formatSummaryLines(summary, { submitted: input.command === "submit" && !input.dryRun }),
    ...(input.followed ? [] : [input.reportPath === "-" ? "report: stdout" : `report: ${input.reportPath}`]),
  ]);
  out.json({
    command: input.command,
    file: input.file,
    batch_id: input.batchId,
    report: input.reportPath,
    dry_run: input.dryRun ?? false,
    ...(input.command === "submit" ? { stage: input.stage ?? "none" } : {}),
    exit_code: exitCode,
    // snake_case like the rest of the object and the report's columns
    rows: summary.rows,
    by_status: summary.byStatus,
    totals: summary.totals.map((t) => ({
      currency: t.currency,
      column: t.column,
      rows: t.rows,
      in_file: t.inFile,
      created_rows: t.createdRows,
      created: t.created,
    })),
    not_in_totals: summary.notInTotals,
    ...(input.online === undefined ? {} : { online: input.online }),
    ...(input.payees === undefined ? {} : { payees: input.payees }),
    problems_count: input.problems?.count ?? 0,
    problems: problemsJson(input.problems),
    // submit has one shape: what --until adds (the follow-through's reading) is null without it.
    ...(input.command === "submit" ? { by_state: null, settled: null, requests: null } : {}),
  });
  return exitCode;
}
