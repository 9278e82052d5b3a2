/**
 * Writing the payroll report, on the file writers (src/writers/write.ts: stdout for
 * `--report -`, else atomic and owner-only). The CSV lines are rendered here (format.ts);
 * `xlsx` is xlsx-report.ts, which loads exceljs only when asked for (it takes a while to
 * load, and a CSV run should not wait for it).
 */
import { BatchError } from "../errors.js";
import { AtomicFile } from "../writers/atomic.js";
import { isCsvFormat, type ReportFormat } from "../writers/dialect.js";
import {
  binaryToStdout,
  type ChunkSink,
  reportWriteError,
  writeFileAtomically,
  writeToSink,
} from "../writers/write.js";
import type { ReportRow } from "./columns.js";
import { reportChunks, reportHeader, reportLines } from "./format.js";
import { writeXlsxReport, XlsxReport } from "./xlsx-report.js";

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
  /** IANA zone the xlsx report shows times in (the operator's; default UTC); the CSV report writes UTC ("Z"). */
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
