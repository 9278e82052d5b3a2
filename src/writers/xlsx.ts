/**
 * Workbooks of one typed rows sheet and a Summary sheet (the report's xlsx, docs/design.md
 * section 7, and the export's): cells carry their type, so no spreadsheet has to guess. Ids and references are text (a 20-digit
 * id or "0012345" stays as written), amounts are numbers shown with their currency's
 * decimals, times are dates in one zone; a frozen header with a filter, and a second sheet
 * with the batch, the input file, the "as of" time and the totals.
 *
 * Streamed with exceljs' WorkbookWriter (rows are committed as they come, no shared strings),
 * into an AtomicFile (temp file, fsync, rename, mode 0600), so 100,000 rows take bounded
 * memory and a crash never leaves half a workbook in the report's place.
 *
 * The machinery (XlsxTable) takes any rows sheet described by columns (xlsx-columns.ts):
 * the report is one (XlsxReport), a table of TableColumns such as `export`'s another
 * (writeXlsxTable), each with its own Summary sheet.
 */
import { once } from "node:events";
import { Writable } from "node:stream";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import type ExcelJS from "exceljs";
import { AtomicFile } from "./atomic.js";
import type { TableColumn, TableRow } from "./table.js";
import { TIME_FORMAT, xmlSafe, ZoneClock } from "./xlsx-cells.js";
import { type ColumnStyle, type RowColumn, tableColumns, widthsOf } from "./xlsx-columns.js";
import { type SummaryLine, writeLinesSheet } from "./xlsx-lines.js";

/** Rows per step: the zip and the file catch up between steps, which bounds the memory. */
export const XLSX_ROWS_PER_STEP = 1000;

/** A sheet holds 1,048,576 rows, the header included. */
export const XLSX_MAX_ROWS = 1_048_575;

/** Sheet bytes the zip may have yet to take before rows wait for it (about 2,000 rows). */
const MAX_PENDING_BYTES = 2 * 1024 * 1024;

/** How long rows wait for a "drain" before looking at the backlog again. */
const DRAIN_POLL_MS = 100;

const BOLD = { bold: true };

/** Each column's number format; a money cell sets its own (its currency's decimals). */
const COLUMN_FORMAT: Readonly<Record<ColumnStyle, string>> = {
  line: "0",
  // "@" keeps a typed-over id as text too.
  text: "@",
  money: "General",
  time: TIME_FORMAT,
};

/** The rows sheet of a workbook: its name and columns. */
export interface XlsxSheetSpec<Row> {
  sheet: string;
  columns: readonly RowColumn<Row>[];
}

/** What a workbook is written into, made before its first row. */
export interface Parts {
  file: AtomicFile;
  workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  clock: ZoneClock;
  sink: Writable;
  /** Set by discard: the zip may still flush, and those bytes go nowhere. */
  gate: { discarded: boolean };
}

export async function openParts(path: string, tz: string): Promise<Parts> {
  const clock = new ZoneClock(tz); // a bad zone fails before any file exists
  // Loaded here, not at the top: exceljs takes a while to load, and a CSV run never needs it.
  const { default: exceljs } = await import("exceljs");
  const file = await AtomicFile.open(path);
  try {
    const gate = { discarded: false };
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (gate.discarded) return done();
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
    return { file, workbook, clock, sink, gate };
  } catch (error) {
    await file.discard();
    throw error;
  }
}

/**
 * A workbook of one rows sheet, described by its columns (xlsx-columns.ts), then a summary
 * sheet written at commit: the report's, and any table's (`export`).
 */
export class XlsxTable<Row> {
  private sheet: ExcelJS.Worksheet | undefined;
  /** The rows sheet's column widths, once sized (a wrapped cell's lines are counted against its width). */
  private widths: number[] = [];
  private pending: Row[] = [];
  private count = 0;
  private failure: unknown;
  private readonly failed: Promise<never>;
  private readonly file: AtomicFile;
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  protected readonly clock: ZoneClock;
  private readonly gate: { discarded: boolean };

  protected constructor(
    parts: Parts,
    private readonly spec: XlsxSheetSpec<Row>,
  ) {
    this.file = parts.file;
    this.workbook = parts.workbook;
    this.clock = parts.clock;
    this.gate = parts.gate;
    this.failed = new Promise<never>((_, reject) => {
      parts.sink.on("error", (error) => {
        this.failure ??= error;
        reject(error);
      });
    });
    this.failed.catch(() => undefined); // checked where it matters; never unhandled
  }

  static async openTable<Row>(path: string, spec: XlsxSheetSpec<Row>, tz = "UTC"): Promise<XlsxTable<Row>> {
    return new XlsxTable(await openParts(path, tz), spec);
  }

  get rows(): number {
    return this.count;
  }

  /** Sees each row as it is written (the Summary's totals). */
  protected observe(_row: Row): void {}

  /**
   * Adds rows a step at a time, letting the zip and the file catch up after each. Up to a
   * step's rows wait for the next call or for commit: the first step also sizes the columns,
   * so it should be a full one, whatever batches the caller hands in.
   */
  async write(rows: Iterable<Row>): Promise<void> {
    for (const row of rows) {
      this.pending.push(row);
      if (this.pending.length >= XLSX_ROWS_PER_STEP) await this.flush();
    }
  }

  /** Ends the rows sheet, lets `summary` add its sheet, and makes the file the report. */
  async commitWith(summary: (workbook: ExcelJS.stream.xlsx.WorkbookWriter, clock: ZoneClock) => void) {
    await this.flush();
    const sheet = this.sheet ?? this.openSheet([]);
    const last = this.count + 1;
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: last, column: this.spec.columns.length } };
    sheet.commit();
    summary(this.workbook, this.clock);
    await this.workbook.commit();
    this.check();
    await this.file.commit();
  }

  async discard(): Promise<void> {
    this.gate.discarded = true;
    await this.file.discard();
  }

  private async flush(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    if (rows.length > 0) await this.step(rows);
  }

  private async step(rows: readonly Row[]): Promise<void> {
    if (this.count + rows.length > XLSX_MAX_ROWS) {
      // Past it the file would not open: say so rather than write one that cannot be read.
      throw new Error(`a sheet holds at most ${XLSX_MAX_ROWS} rows; use --report-format csv or excel`);
    }
    const sheet = this.sheet ?? this.openSheet(rows);
    const formats: (string | undefined)[] = [];
    const columns = this.spec.columns;
    for (const row of rows) {
      this.observe(row);
      formats.length = 0;
      const excelRow = sheet.addRow(columns.map((column, i) => column.cell(row, this.clock, formats, i)));
      let lines = 1;
      for (let i = 0; i < columns.length; i++) {
        const column = columns[i] as RowColumn<Row>;
        const cell = excelRow.getCell(i + 1);
        cell.style = sharedStyle(formats[i] ?? COLUMN_FORMAT[column.style], column.wrap);
        if (column.wrap && typeof cell.value === "string")
          lines = Math.max(lines, wrappedLines(cell.value, this.widths[i] ?? 60));
      }
      // Tall enough for every line, set here: not every reader sizes a row to wrapped text.
      if (lines > 1) excelRow.height = LINE_HEIGHT * lines;
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
  private openSheet(first: readonly Row[]): ExcelJS.Worksheet {
    const columns = this.spec.columns;
    const sheet = this.workbook.addWorksheet(this.spec.sheet, {
      views: [{ state: "frozen", ySplit: 1, xSplit: 0 }],
    });
    const widths = widthsOf(columns, first);
    this.widths = widths;
    sheet.columns = columns.map((column, i) => ({
      width: widths[i],
      // A copy: exceljs may change a column's style, never a cell's shared one.
      style: { ...sharedStyle(COLUMN_FORMAT[column.style], column.wrap) },
    }));
    const header = sheet.addRow(columns.map((column) => xmlSafe(column.name)));
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

/** `wrap`: a long text shown whole on lines of its own, top-aligned (an error's what-to-do is last). */
function sharedStyle(numFmt: string, wrap = false): Partial<ExcelJS.Style> {
  const key = wrap ? `wrap ${numFmt}` : numFmt;
  let style = STYLES.get(key);
  if (!style) {
    const alignment = { wrapText: true, vertical: "top" } as const;
    style = Object.freeze(wrap ? { numFmt, alignment } : { numFmt }) as Partial<ExcelJS.Style>;
    STYLES.set(key, style);
  }
  return style;
}

/** Points a line of the default font takes (the sheet's default row height). */
const LINE_HEIGHT = 15;

/**
 * Lines a text wraps to in a column `width` characters wide (widths count the widest digit;
 * prose runs a little narrower, and a line breaks at a word: a tenth more is allowed for).
 */
export function wrappedLines(text: string, width: number): number {
  return Math.ceil((text.length * 1.1) / Math.max(width - 2, 1));
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

export interface XlsxTableOptions {
  /** The rows sheet's name. */
  sheet: string;
  /** IANA zone of every time in the workbook (default UTC). */
  tz?: string;
  /** The Summary sheet's rows, given the workbook's clock (for an "as of" date in its zone). */
  summary(clock: ZoneClock): readonly SummaryLine[];
}

/** Widths of a table's Summary sheet: a label or a currency, a date, then counts and totals. */
/**
 * A table described by a column spec (table.ts) as a workbook: the rows sheet typed from the
 * spec, then a Summary sheet. Resolves with the number of rows written.
 */
export async function writeXlsxTable(
  path: string,
  columns: readonly TableColumn[],
  rows: Iterable<TableRow>,
  options: XlsxTableOptions,
): Promise<{ rows: number }> {
  const spec = { sheet: options.sheet, columns: tableColumns(columns) };
  const table = await XlsxTable.openTable(path, spec, options.tz ?? "UTC");
  try {
    await table.write(rows);
    await table.commitWith((workbook, clock) => writeLinesSheet(workbook, "Summary", options.summary(clock)));
  } catch (error) {
    await table.discard();
    throw error;
  }
  return { rows: table.rows };
}
