/**
 * Writing the report: to stdout for `--report -`, otherwise atomically (temp file in the
 * same directory, fsync, rename) so a crash or a kill never leaves a half report where an
 * accountant would take it for a whole one, and owner-only (0600) because it lists who is
 * paid what. The CSV dialects are rendered here; `xlsx` is src/report/xlsx.ts, which loads
 * exceljs only when asked for (it takes a while to load, and a CSV run should not wait for it).
 */
import { open, rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { BatchError } from "../errors.js";
import { AtomicFile, REPORT_MODE, tempPathFor } from "./atomic.js";
import type { ReportRow } from "./columns.js";
import { isCsvFormat, type ReportFormat } from "./dialect.js";
import { reportChunks, reportHeader, reportLines } from "./format.js";
import { type TableColumn, type TableFormat, type TableRow, tableChunks } from "./table.js";
import { writeXlsxReport, writeXlsxTable, XlsxReport, type XlsxTableOptions } from "./xlsx.js";

/** The part of a Writable the stdout path needs; process.stdout fits. */
export interface ChunkSink {
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

export interface WriteReportOptions {
  format: ReportFormat;
  extraColumns?: readonly string[];
  /** Where `-` writes; process.stdout unless a test injects another. */
  stdout?: ChunkSink;
  /** For the xlsx Summary sheet (the CSV report holds rows only). */
  batchId?: string;
  file?: string;
  /** When the report's data was read; default: when it is written. */
  asOf?: Date;
  /** IANA zone the xlsx report shows times in (default UTC); the CSV report writes UTC. */
  tz?: string;
}

/** What the xlsx Summary sheet says of a report that is known only at its end. */
export type ReportMeta = Pick<WriteReportOptions, "batchId" | "file" | "asOf">;

/** Writes every row; resolves with the number of rows written. */
export async function writeReport(
  path: string,
  rows: Iterable<ReportRow>,
  options: WriteReportOptions,
): Promise<{ rows: number }> {
  const format = options.format;
  if (!isCsvFormat(format)) {
    if (path === "-") throw binaryToStdout();
    return writeXlsxReport(path, rows, options).catch((error: unknown) => {
      throw error instanceof BatchError ? error : reportWriteError(path, error);
    });
  }
  const counted = { rows: 0 };
  function* counting(): Generator<ReportRow> {
    for (const row of rows) {
      counted.rows++;
      yield row;
    }
  }
  // Rendered synchronously, a chunk at a time: an await per row of a million-row report adds up.
  const chunks = reportChunks(counting(), format, options.extraColumns);
  try {
    if (path === "-") await writeToSink(options.stdout ?? process.stdout, chunks);
    else await writeFileAtomically(path, chunks);
  } catch (error) {
    throw error instanceof BatchError ? error : reportWriteError(path, error);
  }
  return counted;
}

/**
 * `writeReport` for a table described by a column spec (table.ts), such as `export`'s: the
 * same dialects, cell rules, atomic 0600 file or stdout; or a workbook typed from the spec,
 * whose Summary sheet `xlsx` gives.
 */
export async function writeTable(
  path: string,
  columns: readonly TableColumn[],
  rows: Iterable<TableRow>,
  options: { format: TableFormat | "xlsx"; stdout?: ChunkSink; xlsx?: XlsxTableOptions },
): Promise<void> {
  const format = options.format;
  if (format === "xlsx") {
    if (path === "-") throw binaryToStdout();
    const xlsx = options.xlsx ?? { sheet: "Table", summary: () => [] };
    await writeXlsxTable(path, columns, rows, xlsx).catch((error: unknown) => {
      throw error instanceof BatchError ? error : reportWriteError(path, error);
    });
    return;
  }
  const chunks = tableChunks(columns, rows, format);
  try {
    if (path === "-") await writeToSink(options.stdout ?? process.stdout, chunks);
    else await writeFileAtomically(path, chunks);
  } catch (error) {
    throw error instanceof BatchError ? error : reportWriteError(path, error);
  }
}

/**
 * Fails with a usage error (exit 2) when the report could not be written, so the CLI can
 * find out before anything is sent rather than after the money moved.
 */
export async function checkReportTarget(path: string, format?: ReportFormat): Promise<void> {
  if (path === "-" && format === "xlsx") throw binaryToStdout();
  if (path === "-") return;
  const target = resolve(path);
  const hint = "choose another --report path, or --report - for stdout";
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory())
    throw new BatchError("usage", `the report path ${path} is a directory`, { hint });
  const probe = tempPathFor(target);
  try {
    await (await open(probe, "wx", REPORT_MODE)).close();
    await rm(probe, { force: true });
  } catch (error) {
    throw new BatchError("usage", `cannot write the report to ${path}: ${messageOf(error)}`, {
      cause: error,
      hint,
    });
  }
}

async function writeToSink(sink: ChunkSink, chunks: Iterable<string>): Promise<void> {
  // Waiting for each write's callback is the backpressure, and surfaces EPIPE and the like.
  let readerGone = false;
  for (const chunk of chunks) {
    // A reader that went away (`--report - | head -1`) is no disk failure: the rest of the
    // rows are still produced (the summary counts them), only no longer written.
    if (readerGone) continue;
    try {
      await new Promise<void>((done, fail) => {
        sink.write(chunk, (error) => (error ? fail(error) : done()));
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EPIPE") throw error;
      readerGone = true;
    }
  }
}

async function writeFileAtomically(path: string, chunks: Iterable<string>): Promise<void> {
  const file = await AtomicFile.open(path);
  try {
    for (const chunk of chunks) await file.append(chunk);
    await file.commit();
  } catch (error) {
    await file.discard();
    throw error;
  }
}

/**
 * A report written while its rows are still being produced (`validate` checks rows as it
 * reads them): `commit` makes it the report, `discard` leaves no trace.
 */
export interface ReportFile {
  write(rows: Iterable<ReportRow>): Promise<void>;
  /** `meta` is for the xlsx Summary sheet: what is known only once every row was read. */
  commit(meta?: ReportMeta): Promise<void>;
  discard(): Promise<void>;
}

export async function openReportFile(path: string, options: WriteReportOptions): Promise<ReportFile> {
  const fail = (error: unknown) => {
    throw error instanceof BatchError ? error : reportWriteError(path, error);
  };
  const format = options.format;
  if (!isCsvFormat(format)) {
    if (path === "-") throw binaryToStdout();
    const report = await XlsxReport.open(path, options).catch(fail);
    return {
      write: (rows) => report.write(rows).catch(fail),
      commit: (meta) => report.commit(meta).catch(fail),
      discard: () => report.discard(),
    };
  }
  const file = await AtomicFile.open(path).catch(fail);
  const extraColumns = options.extraColumns ?? [];
  await file.append(reportHeader(format, extraColumns)).catch(fail);
  return {
    write: (rows) => file.append(reportLines(rows, format, extraColumns)).catch(fail),
    commit: () => file.commit().catch(fail),
    discard: () => file.discard(),
  };
}

/** A workbook is binary: on a terminal it is noise, in a pipe rarely what was meant. */
function binaryToStdout(): BatchError {
  return new BatchError("usage", "--report - cannot take --report-format xlsx: a workbook is a binary file", {
    hint: "give --report a file name ending in .xlsx, or pick a CSV --report-format for stdout",
  });
}

function reportWriteError(path: string, error: unknown): BatchError {
  // Exit 3 (stopped before the end): after a submit the journal still knows every row,
  // so `status` or a second run rewrites the report.
  return new BatchError("internal", `could not write the report ${path}: ${messageOf(error)}`, {
    cause: error,
    hint: "check the report's directory and free space, then run again (nothing is sent twice)",
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
