/**
 * An xlsx payroll → the same records a CSV gives (records.ts), so that the same columns,
 * aliases and checks apply; line numbers are the sheet's row numbers. Streamed: exceljs'
 * WorkbookReader unzips and reads the shared strings and styles, sheet-xml.ts the rows, and
 * the records are checked and stored as they come (validate/file.ts), so memory holds the
 * shared strings and the compact rows, never the workbook.
 *
 * Which sheet: `--sheet NAME`, else the first visible one; when several sheets have a payroll
 * header and none was named, the file is refused with their names (never a guess). The rows
 * of the sheet become records in sheet-records.ts.
 *
 * Pass 0 reads every byte once for the batch id (like a CSV); the file must not change
 * until the sheet is read.
 */

import type { Hash } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";
import { BatchError } from "../errors.js";
import type { InputRecord } from "../model.js";
import type { CellContext } from "./cells.js";
import { entryBytes, verifyZip, zipEntryNames } from "./container.js";
import { mapHeader, type RequiredColumn } from "./headers.js";
import type { RecordsRead } from "./records.js";
import { isBlank, SheetRecords, texts } from "./sheet-records.js";
import { sheetRows } from "./sheet-xml.js";

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
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
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

/** Pass 0: every byte to the hash, every entry checked whole, and how many sheets the zip holds. */
async function passZero(
  handle: FileHandle,
  hash: Hash | undefined,
  file: string,
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
  await verifyZip(handle, size, file);
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
  // exceljs names a sheet from xl/workbook.xml, and reads its number formats from
  // xl/styles.xml, only if those parts came before the sheet in the zip; the zip's order is
  // free (exceljs itself writes it in varying order), so the tab list, the workbook's
  // relationships and the styles are read first, from the parts themselves.
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const rels = await entryBytes(handle, size, "xl/_rels/workbook.xml.rels");
    if (rels) await reader._parseRels(Readable.from([rels]));
    const workbook = await entryBytes(handle, size, "xl/workbook.xml");
    if (workbook) await reader._parseWorkbook(Readable.from([workbook]));
    // Number formats too: a sheet read before xl/styles.xml would find no style to ask.
    const styles = await entryBytes(handle, size, "xl/styles.xml");
    if (styles) await reader._parseStyles(Readable.from([styles]));
  } finally {
    await handle.close();
  }
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
    const before = await passZero(handle, options.hash, file);
    let wanted = options.sheet;
    const notices: string[] = [];
    /** The one other sheet that looks like a payroll, to point at when the first does not. */
    let elsewhere: string | undefined;
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
      if (payrolls.length === 1 && payrolls[0] !== wanted) elsewhere = payrolls[0];
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
      if (cause instanceof BatchError && elsewhere !== undefined) {
        throw new BatchError(cause.code, cause.message, {
          hint: `sheet "${elsewhere}" looks like the payroll: pass --sheet "${elsewhere}"`,
          cause,
        });
      }
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
