/**
 * An xlsx payroll → the same records a CSV gives (records.ts), so that the same columns,
 * aliases and checks apply; line numbers are the sheet's row numbers. Streamed: exceljs'
 * WorkbookReader unzips and reads the shared strings and styles, sheet-xml.ts the rows, and
 * the records are checked and stored as they come (validate/file.ts), so memory holds the
 * shared strings and the compact rows, never the workbook.
 *
 * Which sheet: `--sheet NAME`, else the first visible one; when several sheets have a payroll
 * header and none was named, the file is refused with their names (never a guess). What a
 * CSV could not show is named, never guessed: a hidden row is invalid (`hidden_row`), merged
 * cells among the rows refuse the file, and a trailing totals row ("Total", no recipient) is
 * left out only when it is exactly the sum of the rows above, and said so; otherwise it is
 * invalid (`totals_row`).
 *
 * Pass 0 reads every byte once for the batch id (like a CSV); the file must not change
 * until the sheet is read.
 */

import type { Hash } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { BatchError } from "../errors.js";
import {
  INPUT_COLUMN_TABLE,
  type InputColumn,
  type InputRecord,
  type MoneyColumn,
  type RecordProblem,
} from "../model.js";
import { type CellContext, cellText } from "./cells.js";
import { zipEntryNames } from "./container.js";
import { type HeaderMap, mapHeader, type RequiredColumn } from "./headers.js";
import { extraNames, ignoredColumnsNotice, type RecordsRead, toRecord } from "./records.js";
import { type SheetEnd, type SheetRow, sheetRows } from "./sheet-xml.js";
import { TotalsWatch } from "./totals.js";

export interface WorkbookReadOptions {
  /** Name used in messages. */
  file: string;
  sheet?: string;
  requiredColumns: readonly RequiredColumn[];
  keepColumns?: boolean;
  /** Receives every byte of the file (the batch id). */
  hash?: Hash;
}

interface ReaderInternals {
  sharedStrings?: Array<string | null | { richText: Array<{ text?: string | null }> }>;
  styles: { getStyleModel(id: number): { numFmt?: string } | null };
  properties?: { model?: { date1904?: boolean } };
  model?: { sheets?: Array<{ name: string; rId: string; state?: string }> };
  workbookRels?: Array<{ Id: string; Target: string }>;
  [Symbol.asyncIterator](): AsyncIterator<WorksheetInternals>;
}

interface WorksheetInternals {
  /** The number in `xl/worksheets/sheetN.xml` until exceljs matches the sheet to its tab. */
  id: number | string;
  name: string;
  iterator: AsyncIterable<Buffer>;
}

/**
 * A sheet's tab name. exceljs finds it only through a relationship written
 * `worksheets/sheetN.xml`; openpyxl writes `/xl/worksheets/sheetN.xml`, which is the same part.
 */
function tabName(reader: ReaderInternals, sheet: WorksheetInternals): string {
  const sheets = reader.model?.sheets ?? [];
  if (sheets.some((tab) => tab.name === sheet.name)) return sheet.name;
  const part = `worksheets/sheet${sheet.id}.xml`;
  const rel = reader.workbookRels?.find((r) => r.Target.replace(/^\/?(?:xl\/)?/, "") === part);
  return sheets.find((tab) => tab.rId === rel?.Id)?.name ?? sheet.name;
}

const KIND = new Map(INPUT_COLUMN_TABLE.map((column) => [column.name as InputColumn, column.kind]));
const CHUNK = 1 << 16;

function damaged(file: string, cause: unknown): BatchError {
  if (cause instanceof BatchError) return cause;
  return new BatchError("input", `${file}: a damaged Excel workbook (${(cause as Error).message})`, {
    hint: "copy or download the file again, or open it in Excel or LibreOffice and save it as .xlsx",
    cause,
  });
}

function quotedList(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(", ");
}

/** Pass 0: every byte to the hash, and how many sheets the zip holds. */
async function passZero(
  handle: FileHandle,
  hash: Hash | undefined,
): Promise<{ size: number; mtimeMs: number; sheets: number }> {
  const { size, mtimeMs } = await handle.stat();
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (let offset = 0; offset < size; ) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
    if (bytesRead === 0) break;
    hash?.update(buffer.subarray(0, bytesRead));
    offset += bytesRead;
  }
  const names = (await zipEntryNames(handle, size)) ?? [];
  return {
    size,
    mtimeMs,
    sheets: names.filter((name) => /^xl\/worksheets\/sheet\d+\.xml$/.test(name)).length,
  };
}

/** An open WorkbookReader over the file, its sheets in zip order. */
async function openReader(path: string): Promise<{ reader: ReaderInternals; stream: ReadStream }> {
  // Loaded here, not at the top: exceljs takes a while to load, and a CSV run never needs it.
  const { default: exceljs } = await import("exceljs");
  const stream = createReadStream(path);
  const reader = new exceljs.stream.xlsx.WorkbookReader(stream, {
    worksheets: "emit",
    sharedStrings: "cache",
    styles: "cache",
    hyperlinks: "ignore",
    entries: "ignore",
  }) as unknown as ReaderInternals;
  return { reader, stream };
}

function contextOf(reader: ReaderInternals): CellContext {
  return {
    sharedString(index) {
      const entry = reader.sharedStrings?.[index];
      if (entry === undefined) return undefined;
      if (entry === null) return "";
      return typeof entry === "string" ? entry : entry.richText.map((run) => run.text ?? "").join("");
    },
    numFmt: (style) => reader.styles.getStyleModel(style)?.numFmt,
    date1904: reader.properties?.model?.date1904 === true,
  };
}

interface SheetInfo {
  name: string;
  hidden: boolean;
}

function sheetList(reader: ReaderInternals): SheetInfo[] {
  return (reader.model?.sheets ?? []).map((sheet) => ({
    name: sheet.name,
    hidden: sheet.state === "hidden" || sheet.state === "veryHidden",
  }));
}

/** The cells of a row as text (the header, or a row of a sheet not being read). */
function texts(row: SheetRow, context: CellContext): string[] {
  return Array.from(row.cells, (cell) => (cell ? cellText(cell, "extra", context).text : ""));
}

function isBlank(values: readonly string[], row: SheetRow): boolean {
  return values.every((value) => value.trim() === "") && !row.cells.some((cell) => cell?.formula);
}

/** Reads every sheet's first row to find those that look like payrolls (only when several and no --sheet). */
async function payrollSheets(
  path: string,
  options: WorkbookReadOptions,
): Promise<{ payrolls: string[]; sheets: SheetInfo[] }> {
  const { reader, stream } = await openReader(path);
  const payrolls: string[] = [];
  try {
    for await (const sheet of reader as AsyncIterable<WorksheetInternals>) {
      const context = contextOf(reader);
      let header: string[] | null = null;
      const rows = sheetRows(sheet.iterator);
      // The whole entry is read, only its first row parsed further (the zip is one stream).
      for (let next = await rows.next(); !next.done; next = await rows.next()) {
        if (header) continue;
        const first = next.value.find((row) => !isBlank(texts(row, context), row));
        if (first) header = texts(first, context);
      }
      if (header) {
        try {
          mapHeader(header, { required: options.requiredColumns, file: options.file });
          payrolls.push(tabName(reader, sheet));
        } catch {
          // not a payroll header
        }
      }
    }
    return { payrolls, sheets: sheetList(reader) };
  } finally {
    stream.destroy();
  }
}

export async function readWorkbook(
  path: string,
  options: WorkbookReadOptions,
): Promise<RecordsRead & { close(): Promise<void> }> {
  const { file } = options;
  const handle = await open(path, "r");
  let stream: ReadStream | undefined;
  const close = async () => {
    stream?.destroy();
    await handle.close();
  };
  try {
    const before = await passZero(handle, options.hash);
    let wanted = options.sheet;
    const notices: string[] = [];
    if (wanted === undefined && before.sheets > 1) {
      const { payrolls, sheets } = await payrollSheets(path, options).catch((cause) => {
        throw damaged(file, cause);
      });
      if (payrolls.length > 1) {
        throw new BatchError(
          "input",
          `${file}: ${payrolls.length} sheets look like payrolls: ${quotedList(payrolls)}; which one to pay is not guessed`,
          {
            hint: `pass --sheet with one of them, e.g. --sheet "${payrolls[0]}"`,
          },
        );
      }
      const first = sheets.find((sheet) => !sheet.hidden) ?? sheets[0];
      wanted = first?.name;
      if (wanted !== undefined)
        notices.push(
          `${file}: reading sheet "${wanted}", the first of ${sheets.length} (--sheet picks another)`,
        );
    }
    const opened = await openReader(path);
    stream = opened.stream;
    const { reader } = opened;
    const sheets = (reader as AsyncIterable<WorksheetInternals>)[Symbol.asyncIterator]();
    const context = contextOf(reader);
    // The chosen sheet: by name, else the first visible in the workbook's tab order.
    let chosen: WorksheetInternals | undefined;
    try {
      for (let next = await sheets.next(); !next.done; next = await sheets.next()) {
        const target =
          wanted ?? (sheetList(reader).find((sheet) => !sheet.hidden) ?? sheetList(reader)[0])?.name;
        if (tabName(reader, next.value) === target) {
          chosen = next.value;
          break;
        }
      }
    } catch (cause) {
      throw damaged(file, cause);
    }
    if (!chosen) {
      const names = sheetList(reader).map((sheet) => sheet.name);
      if (options.sheet !== undefined) {
        throw new BatchError(
          "input",
          `${file}: no sheet named "${options.sheet}"; its sheets are ${quotedList(names)}`,
          {
            hint: "pass --sheet with one of those names (as the tab shows it)",
          },
        );
      }
      throw new BatchError("input", `${file}: the workbook has no sheet to read`, {
        hint: "open it in Excel or LibreOffice and check it holds the payroll",
      });
    }
    const sheetName = tabName(reader, chosen);
    const rows = sheetRows(chosen.iterator);
    // Notices grow while the rows are read (a totals row is only known at the end).
    const reading = new SheetRecords(file, sheetName, context, options, rows, notices);
    const header = await reading.header().catch((cause) => {
      throw damaged(file, cause);
    });
    async function* batches(): AsyncGenerator<InputRecord[]> {
      try {
        yield* reading.records();
      } catch (cause) {
        throw damaged(file, cause);
      }
      const after = await handle.stat();
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        throw new BatchError("input", `${file}: the file changed while it was being read`, {
          hint: "run again once the program writing it has finished (nothing was sent)",
        });
      }
    }
    return { file, header, extraColumns: reading.extraColumns, notices, batches: batches(), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The records of one sheet: the header first, then the rows as they are read. */
class SheetRecords {
  extraColumns: string[] = [];
  private map: HeaderMap | undefined;
  private headerLine = 0;
  private pending: SheetRow[] = [];
  private extras: Array<{ position: number; name: string }> | null = null;
  private names: string[] = [];
  private kinds: Array<ReturnType<typeof KIND.get> | "extra"> = [];

  constructor(
    private readonly file: string,
    private readonly sheet: string,
    private readonly context: CellContext,
    private readonly options: WorkbookReadOptions,
    private readonly rows: AsyncGenerator<SheetRow[], SheetEnd>,
    private readonly notices: string[],
  ) {}

  async header(): Promise<HeaderMap & { line: number }> {
    for (let next = await this.rows.next(); !next.done; next = await this.rows.next()) {
      const at = next.value.findIndex((row) => !isBlank(texts(row, this.context), row));
      if (at < 0) continue;
      const row = next.value[at] as SheetRow;
      this.pending = next.value.slice(at + 1);
      this.headerLine = row.line;
      const map = mapHeader(texts(row, this.context), {
        required: this.options.requiredColumns,
        file: this.file,
        line: row.line,
      });
      this.map = map;
      this.extras = this.options.keepColumns ? extraNames(map) : null;
      this.extraColumns = this.extras?.map((extra) => extra.name) ?? [];
      const byPosition = new Map(this.extras?.map((extra) => [extra.position, extra.name]));
      this.names = map.columns.map(
        (column, position) =>
          column ?? byPosition.get(position) ?? map.names[position] ?? `column_${position + 1}`,
      );
      this.kinds = map.columns.map((column) => (column ? KIND.get(column) : "extra"));
      const ignored = ignoredColumnsNotice(this.file, map, this.options.keepColumns);
      if (ignored) this.notices.push(ignored);
      return { ...map, line: row.line };
    }
    throw new BatchError(
      "input",
      `${this.file}: sheet "${this.sheet}" is empty; expected a header row and one row per payment`,
      {
        hint: "see `bitex-batch template --format xlsx` for the columns",
      },
    );
  }

  private record(row: SheetRow): InputRecord | null {
    const map = this.map as HeaderMap;
    const values: string[] = [];
    const problems: RecordProblem[] = [];
    const exact: MoneyColumn[] = [];
    for (let position = 0; position < row.cells.length; position++) {
      const cell = row.cells[position];
      if (!cell) {
        values.push("");
        continue;
      }
      const column = map.columns[position] ?? null;
      const read = cellText(cell, this.kinds[position] ?? "extra", this.context);
      values.push(read.text);
      if (column === null) continue; // an unread column's errors do not stop a payment
      if (read.problem) problems.push({ column, ...read.problem });
      if (read.exact && (column === "amount" || column === "budget")) exact.push(column);
    }
    if (isBlank(values, row)) return null;
    const record = toRecord(row.line, values, map, this.extras, null);
    if (row.hidden) {
      problems.unshift({
        column: "",
        code: "hidden_row",
        message: `row ${row.line} is hidden in the sheet, so nobody checking the sheet saw it; unhide it and check it, or delete it`,
      });
    }
    if (problems.length > 0) record.problems = [...(record.problems ?? []), ...problems];
    if (exact.length > 0) record.exact = exact;
    return record;
  }

  /** The records, the last one held back until the sheet ends (it may be a totals row). */
  async *records(): AsyncGenerator<InputRecord[]> {
    const totals = new TotalsWatch(this.map as HeaderMap);
    let held: InputRecord | null = null;
    const take = (batch: readonly SheetRow[]): InputRecord[] => {
      const out: InputRecord[] = [];
      for (const row of batch) {
        const record = this.record(row);
        if (!record) continue;
        if (held) {
          totals.add(held);
          out.push(held);
        }
        held = record;
      }
      return out;
    };
    const first = take(this.pending);
    this.pending = [];
    if (first.length > 0) yield first;
    let next = await this.rows.next();
    for (; !next.done; next = await this.rows.next()) {
      const out = take(next.value);
      if (out.length > 0) yield out;
    }
    const last = held as InputRecord | null;
    let skipped: number | null = null;
    if (last) {
      const verdict = totals.judge(last);
      if (verdict?.sums) {
        skipped = last.line;
        this.notices.push(
          `${this.file}: row ${last.line} of sheet "${this.sheet}" is a totals row (${verdict.label}: ${verdict.figures}, the sum of the rows above); it is not a payment and is not read`,
        );
      } else {
        if (verdict) last.problems = [...(last.problems ?? []), verdict.problem];
        yield [last];
      }
    }
    this.checkMerged(next.value, skipped);
  }

  /** Merged cells among the rows: which row holds the value is not guessed. */
  private checkMerged(end: SheetEnd, skipped: number | null): void {
    const among = end.merged.filter(
      (range) => range.bottom >= this.headerLine && !(range.top === skipped && range.bottom === skipped),
    );
    if (among.length === 0) return;
    const shown = among.slice(0, 3).map((range) => range.ref);
    throw new BatchError(
      "input",
      `${this.file}: sheet "${this.sheet}" has merged cells among the payroll rows (${shown.join(", ")}${among.length > 3 ? `, and ${among.length - 3} more` : ""}); a merged cell's value belongs to one row only`,
      { hint: "unmerge those cells and fill in every row's own value, then run again (nothing was sent)" },
    );
  }
}
