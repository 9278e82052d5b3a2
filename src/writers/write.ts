/**
 * Writing a file a person will open: to stdout for `--report -`, otherwise atomically (temp
 * file in the same directory, fsync, rename) so a crash or a kill never leaves half a file
 * where an accountant would take it for a whole one, and owner-only (0600) because it lists
 * who is paid what. `xlsx` is xlsx.ts, loaded only when asked for.
 */
import { constants } from "node:fs";
import { access, open, rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { BatchError } from "../errors.js";
import { AtomicFile, REPORT_MODE, tempPathFor } from "./atomic.js";
import type { ReportFormat } from "./dialect.js";
import { type TableColumn, type TableFormat, type TableRow, tableChunks } from "./table.js";
import { writeXlsxTable, type XlsxTableOptions } from "./xlsx.js";

/** The part of a Writable the stdout path needs; process.stdout fits. */
export interface ChunkSink {
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

/**
 * A table described by a column spec (table.ts), such as `export`'s, as the payroll report
 * is written (src/report/write.ts): the same dialects, cell rules, atomic 0600 file or stdout; or a workbook typed from the spec,
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
    // A device or a pipe is written into as it is (atomic.ts): it must take writing itself.
    if (existing && !existing.isFile()) await access(target, constants.W_OK);
    else {
      await (await open(probe, "wx", REPORT_MODE)).close();
      await rm(probe, { force: true });
    }
  } catch (error) {
    throw new BatchError("usage", `cannot write the report to ${path}: ${messageOf(error)}`, {
      cause: error,
      hint,
    });
  }
}

export async function writeToSink(sink: ChunkSink, chunks: Iterable<string>): Promise<void> {
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

export async function writeFileAtomically(path: string, chunks: Iterable<string>): Promise<void> {
  const file = await AtomicFile.open(path);
  try {
    for (const chunk of chunks) await file.append(chunk);
    await file.commit();
  } catch (error) {
    await file.discard();
    throw error;
  }
}

/** A workbook is binary: on a terminal it is noise, in a pipe rarely what was meant. */
export function binaryToStdout(): BatchError {
  return new BatchError("usage", "--report - cannot take --report-format xlsx: a workbook is a binary file", {
    hint: "give --report a file name ending in .xlsx, or pick a CSV --report-format for stdout",
  });
}

export function reportWriteError(path: string, error: unknown): BatchError {
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
