/**
 * The `xlsx` report (issue 15): the same rows as the CSV report, in a workbook whose cells
 * carry their type, so no spreadsheet has to guess. Ids and references are text (a 20-digit
 * id or "0012345" stays as written), amounts are numbers shown with their currency's
 * decimals, times are dates in one zone; a frozen header with a filter, and a second sheet
 * with the batch, the input file, the "as of" time and the totals.
 *
 * Streamed with exceljs' WorkbookWriter (rows are committed as they come, no shared strings),
 * into an AtomicFile (temp file, fsync, rename, mode 0600), so 100,000 rows take bounded
 * memory and a crash never leaves half a workbook in the report's place.
 */
import { once } from "node:events";
import { Writable } from "node:stream";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import type ExcelJS from "exceljs";
import { AtomicFile } from "./atomic.js";
import type { ReportRow } from "./columns.js";
import { StateTotalsBuilder } from "./states.js";
import { SummaryBuilder } from "./summary.js";
import { TIME_FORMAT, xmlSafe, ZoneClock } from "./xlsx-cells.js";
import { type ColumnStyle, type RowColumn, rowColumns, widthsOf } from "./xlsx-columns.js";
import { writeSummarySheet } from "./xlsx-summary.js";

/** Rows per step: the zip and the file catch up between steps, which bounds the memory. */
export const XLSX_ROWS_PER_STEP = 1000;

/** A sheet holds 1,048,576 rows, the header included. */
export const XLSX_MAX_ROWS = 1_048_575;

/** Sheet bytes the zip may have yet to take before rows wait for it (about 2,000 rows). */
const MAX_PENDING_BYTES = 2 * 1024 * 1024;

/** How long rows wait for a "drain" before looking at the backlog again. */
const DRAIN_POLL_MS = 100;

export interface XlsxReportOptions {
  extraColumns?: readonly string[];
  /** For the Summary sheet: the batch and the file it was read from. */
  batchId?: string;
  file?: string;
  /** When the report's data was read; default: when the workbook is committed. */
  asOf?: Date;
  /** IANA zone of every time in the workbook (default UTC). */
  tz?: string;
}

const BOLD = { bold: true };

/** Each column's number format; a money cell sets its own (its currency's decimals). */
const COLUMN_FORMAT: Readonly<Record<ColumnStyle, string>> = {
  line: "0",
  // "@" keeps a typed-over id as text too.
  text: "@",
  money: "General",
  time: TIME_FORMAT,
};

export class XlsxReport {
  private sheet: ExcelJS.Worksheet | undefined;
  private columns: RowColumn[] = [];
  private pending: ReportRow[] = [];
  private count = 0;
  private failure: unknown;
  private readonly failed: Promise<never>;
  private discarded = false;
  private readonly summary = new SummaryBuilder();
  private readonly states = new StateTotalsBuilder();

  private constructor(
    private readonly file: AtomicFile,
    private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly clock: ZoneClock,
    private readonly options: XlsxReportOptions,
    sink: Writable,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      sink.on("error", (error) => {
        this.failure ??= error;
        reject(error);
      });
    });
    this.failed.catch(() => undefined); // checked where it matters; never unhandled
  }

  static async open(path: string, options: XlsxReportOptions): Promise<XlsxReport> {
    const clock = new ZoneClock(options.tz ?? "UTC"); // a bad zone fails before any file exists
    // Loaded here, not at the top: exceljs takes a while to load, and a CSV run never needs it.
    const { default: exceljs } = await import("exceljs");
    const file = await AtomicFile.open(path);
    let report: XlsxReport | undefined;
    try {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          // After discard the zip may still flush; those bytes go nowhere.
          if (report?.discarded) return done();
          file.append(chunk).then(() => done(), done);
        },
      });
      // useSharedStrings: false writes each string in its cell, so no table of every string
      // grows in memory; styles are needed for the number formats.
      const workbook = new exceljs.stream.xlsx.WorkbookWriter({
        stream: sink,
        useSharedStrings: false,
        useStyles: true,
      });
      workbook.creator = "bitex-batch";
      report = new XlsxReport(file, workbook, clock, options, sink);
      return report;
    } catch (error) {
      await file.discard();
      throw error;
    }
  }

  get rows(): number {
    return this.count;
  }

  /**
   * Adds rows a step at a time, letting the zip and the file catch up after each. Up to a
   * step's rows wait for the next call or for commit: the first step also sizes the columns,
   * so it should be a full one, whatever batches the caller hands in.
   */
  async write(rows: Iterable<ReportRow>): Promise<void> {
    for (const row of rows) {
      this.pending.push(row);
      if (this.pending.length >= XLSX_ROWS_PER_STEP) await this.flush();
    }
  }

  /** Ends the rows sheet, writes the Summary sheet, and makes the file the report. */
  async commit(meta: Pick<XlsxReportOptions, "batchId" | "file" | "asOf"> = {}): Promise<void> {
    await this.flush();
    const sheet = this.sheet ?? this.openSheet([]);
    const last = this.count + 1;
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: last, column: this.columns.length } };
    sheet.commit();
    const options = { ...this.options, ...meta };
    writeSummarySheet(this.workbook, {
      batchId: options.batchId ?? "",
      file: options.file ?? "",
      asOf: this.clock.wall(options.asOf ?? new Date()),
      zone: this.clock.zone,
      summary: this.summary.result(),
      states: this.states.result(),
    });
    await this.workbook.commit();
    this.check();
    await this.file.commit();
  }

  async discard(): Promise<void> {
    this.discarded = true;
    await this.file.discard();
  }

  private async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    if (rows.length > 0) await this.step(rows);
  }

  private async step(rows: readonly ReportRow[]): Promise<void> {
    if (this.count + rows.length > XLSX_MAX_ROWS) {
      // Past it the file would not open: say so rather than write one that cannot be read.
      throw new Error(`a sheet holds at most ${XLSX_MAX_ROWS} rows; use --report-format csv or excel`);
    }
    const sheet = this.sheet ?? this.openSheet(rows);
    const formats: (string | undefined)[] = [];
    const columns = this.columns;
    for (const row of rows) {
      this.summary.add(row);
      this.states.add(row);
      formats.length = 0;
      const excelRow = sheet.addRow(columns.map((column, i) => column.cell(row, this.clock, formats, i)));
      for (let i = 0; i < columns.length; i++) {
        excelRow.getCell(i + 1).style = sharedStyle(
          formats[i] ?? COLUMN_FORMAT[(columns[i] as RowColumn).style],
        );
      }
      excelRow.commit();
      this.count++;
    }
    await this.zipCaughtUp(sheet);
  }

  /**
   * Waits until the zip has taken all but MAX_PENDING_BYTES of the sheet. exceljs writes a
   * sheet into a stream that ignores backpressure, and the zip deflates one chunk per turn
   * of the event loop, so rows produced without waiting pile up in memory (the whole sheet,
   * about 1 KB a row, by the end).
   */
  private async zipCaughtUp(sheet: ExcelJS.Worksheet): Promise<void> {
    const intake = zipIntake(sheet);
    if (!intake) {
      await nextTurn(); // exceljs moved its internals: at least let the zip run (test/report/xlsx.test.ts fails)
    } else {
      while (pendingBytes(intake) > MAX_PENDING_BYTES) await this.drainOrLater(intake);
    }
    this.check();
  }

  /**
   * A backlog this large made a write return false, so "drain" comes once it is taken; the
   * timer only makes sure that a drain missed for any reason costs a pause, never a hang.
   */
  private async drainOrLater(intake: Intake): Promise<void> {
    const done = new AbortController();
    try {
      // Promise.race handles the losers' AbortErrors once `done` aborts them.
      await Promise.race([
        once(intake, "drain", { signal: done.signal }),
        sleep(DRAIN_POLL_MS, undefined, { signal: done.signal }),
        this.failed,
      ]);
    } finally {
      done.abort();
    }
  }

  /** The rows sheet, its columns sized from the header and the first rows (later rows cannot resize them). */
  private openSheet(first: readonly ReportRow[]): ExcelJS.Worksheet {
    this.columns = rowColumns(this.options.extraColumns ?? []);
    const sheet = this.workbook.addWorksheet("Report", {
      views: [{ state: "frozen", ySplit: 1, xSplit: 0 }],
    });
    const widths = widthsOf(this.columns, first);
    sheet.columns = this.columns.map((column, i) => ({
      width: widths[i],
      style: { numFmt: COLUMN_FORMAT[column.style] },
    }));
    const header = sheet.addRow(this.columns.map((column) => xmlSafe(column.name)));
    header.font = BOLD;
    header.commit();
    this.sheet = sheet;
    return sheet;
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

/**
 * One style object per number format, shared by every cell that has it: exceljs looks a
 * style up by object before rendering it to XML, and that rendering, once per cell, was a
 * third of the time of a large report. Never mutated (`cell.numFmt = …` would).
 */
const STYLES = new Map<string, Partial<ExcelJS.Style>>();

function sharedStyle(numFmt: string): Partial<ExcelJS.Style> {
  let style = STYLES.get(numFmt);
  if (!style) {
    style = Object.freeze({ numFmt }) as Partial<ExcelJS.Style>;
    STYLES.set(numFmt, style);
  }
  return style;
}

/** What the zip reads a sheet from: its write buffer is the sheet's backlog. */
interface Intake extends NodeJS.EventEmitter {
  writableLength?: number;
  _writableState?: { length: number };
}

/**
 * The stream the zip reads the rows sheet from, through exceljs 4 internals (the sheet's
 * StreamBuf keeps its destinations in `pipes`); undefined if they change.
 */
export function zipIntake(sheet: ExcelJS.Worksheet): Intake | undefined {
  const stream = (sheet as unknown as { stream?: { pipes?: unknown[] } }).stream;
  const intake = stream?.pipes?.[0] as Intake | undefined;
  return intake && typeof intake.once === "function" && pendingBytes(intake) >= 0 ? intake : undefined;
}

function pendingBytes(intake: Intake): number {
  return intake.writableLength ?? intake._writableState?.length ?? -1;
}

/** Writes every row; resolves with the number of rows written. */
export async function writeXlsxReport(
  path: string,
  rows: Iterable<ReportRow>,
  options: XlsxReportOptions,
): Promise<{ rows: number }> {
  const report = await XlsxReport.open(path, options);
  try {
    await report.write(rows);
    await report.commit();
  } catch (error) {
    await report.discard();
    throw error;
  }
  return { rows: report.rows };
}
