/**
 * An xlsx payroll → the same records a CSV gives (records.ts), so that the same columns,
 * aliases and checks apply; line numbers are the sheet's row numbers. Streamed: the parts
 * the cells need are read first, by name (workbook-parts.ts), then the sheet's XML is inflated
 * straight from the file into sheet-xml.ts, and the records are checked and stored as they
 * come (validate/file.ts), so memory holds the shared strings and the compact rows, never
 * the workbook.
 *
 * Which sheet: `--sheet NAME`, else the first visible one; when several visible sheets have a
 * payroll header, or the workbook opens on another sheet that is a payroll too (looksLikeHeader),
 * and none was named, the file is refused with their names (never a guess). A
 * hidden sheet is never read: naming it refuses the file. The rows
 * of the sheet become records in sheet-records.ts.
 *
 * Pass 0 reads every byte once for the batch id (like a CSV); the file must not change
 * until the sheet is read.
 */

import type { Hash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { BatchError } from "../errors.js";
import type { InputRecord } from "../model.js";
import { entryChunks, verifyZip, type ZipEntry, zipEntries } from "./container.js";
import { canonicalColumn, mapHeader, type RequiredColumn } from "./headers.js";
import type { RecordsRead } from "./records.js";
import { isBlank, SheetRecords, texts } from "./sheet-records.js";
import { type SheetEnd, type SheetRow, sheetRows } from "./sheet-xml.js";
import { firstVolatile, readParts, type SheetPart, type WorkbookParts } from "./workbook-parts.js";

export interface WorkbookReadOptions {
  /** Name used in messages. */
  file: string;
  sheet?: string;
  requiredColumns: readonly RequiredColumn[];
  keepColumns?: boolean;
  /** `--sender-port`: the sender port of a row whose cell is blank (a budget's currency). */
  senderPort?: string;
  /** Receives every byte of the file (the batch id). */
  hash?: Hash;
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

/** Pass 0: every byte to the hash, every entry checked whole, and the zip's entries. */
async function passZero(
  handle: FileHandle,
  hash: Hash | undefined,
  file: string,
): Promise<{ size: number; mtimeMs: number; entries: ZipEntry[] }> {
  const { size, mtimeMs } = await handle.stat();
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (let offset = 0; offset < size; ) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
    if (bytesRead === 0) break;
    hash?.update(buffer.subarray(0, bytesRead));
    offset += bytesRead;
  }
  await verifyZip(handle, size, file);
  return { size, mtimeMs, entries: (await zipEntries(handle, size)) ?? [] };
}

/** The rows of a sheet's XML, streamed from the zip; a fault names the part. */
async function* rowsOf(handle: FileHandle, sheet: SheetPart): AsyncGenerator<SheetRow[], SheetEnd> {
  const { entry } = sheet;
  if (!entry) throw new Error(`sheet "${sheet.name}" has no part in the zip`);
  try {
    return yield* sheetRows(entryChunks(handle, entry));
  } catch (error) {
    throw new Error(`${entry.name}: ${(error as Error).message}`, { cause: error });
  }
}

/** A sheet's first `count` non-blank rows' texts (none for an empty sheet); the rest is not inflated. */
async function filledRows(handle: FileHandle, sheet: SheetPart, parts: WorkbookParts, count: number) {
  const found: string[][] = [];
  for await (const batch of rowsOf(handle, sheet)) {
    for (const row of batch) {
      if (!isBlank(texts(row, parts), row, parts)) found.push(texts(row, parts));
      if (found.length >= count) return found;
    }
  }
  return found;
}

/** A payroll's header: the columns a file must have, by any of their names. */
function isPayrollHeader(cells: readonly string[], options: WorkbookReadOptions): boolean {
  try {
    mapHeader(cells, { required: options.requiredColumns, file: options.file });
    return true;
  } catch {
    return false;
  }
}

/**
 * A row that may head a payroll: two cells or more naming columns bitex-batch reads (a header
 * that mapHeader refuses, `amount` beside `monto`, still looks like one: helper-111).
 */
const looksLikeHeader = (cells: readonly string[]) =>
  cells.filter((cell) => canonicalColumn(cell.trim()) !== null).length >= 2;

/** Rows a title and notes may take above a payroll's header (its month, the company's name). */
const TITLE_ROWS = 50;

/** The sheets whose first row is a payroll header (only when several and no --sheet). */
async function payrollSheets(
  handle: FileHandle,
  parts: WorkbookParts,
  options: WorkbookReadOptions,
): Promise<string[]> {
  const payrolls: string[] = [];
  for (const sheet of parts.sheets) {
    // A hidden sheet is never read (readWorkbook), so it is no candidate either.
    if (!sheet.entry || sheet.hidden) continue;
    const [header] = await filledRows(handle, sheet, parts, 1);
    if (header && isPayrollHeader(header, options)) payrolls.push(sheet.name);
  }
  return payrolls;
}

export async function readWorkbook(
  path: string,
  options: WorkbookReadOptions,
): Promise<RecordsRead & { close(): Promise<void> }> {
  const { file } = options;
  const handle = await open(path, "r");
  let rows: ReturnType<typeof rowsOf> | undefined;
  const close = async () => {
    // A sheet left half read stops inflating (its generator ends at its next step).
    rows?.return(undefined as never).catch(() => {});
    await handle.close();
  };
  try {
    const before = await passZero(handle, options.hash, file);
    const parts = await readParts(handle, before.entries).catch((cause) => {
      throw damaged(file, cause);
    });
    const names = parts.sheets.map((sheet) => sheet.name);
    const firstVisible = parts.sheets.find((sheet) => !sheet.hidden) ?? parts.sheets[0];
    const wanted = options.sheet ?? firstVisible?.name;
    const notices: string[] = [];
    /** The one other sheet that looks like a payroll, to point at when the first does not. */
    let elsewhere: string | undefined;
    if (options.sheet === undefined && parts.sheets.length > 1) {
      const payrolls = await payrollSheets(handle, parts, options).catch((cause) => {
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
      if (payrolls.length === 1 && payrolls[0] !== wanted) elsewhere = payrolls[0];
      // The tab the operator sees on opening is the one checked: when it is a payroll too (its
      // header under a title, this month's beside last month's first tab) none is guessed
      // (helper-107); a notes or summary tab open is no payroll (helper-110).
      const opened = parts.sheets.find((sheet) => sheet.name === parts.active && !sheet.hidden);
      if (opened && opened.name !== wanted && wanted !== undefined) {
        const top = await filledRows(handle, opened, parts, TITLE_ROWS).catch((cause) => {
          throw damaged(file, cause);
        });
        if (top.some(looksLikeHeader))
          throw new BatchError(
            "input",
            `${file}: the workbook opens on sheet "${opened.name}", a payroll too, and "${wanted}" is its first sheet; which one to pay is not guessed`,
            { hint: `pass --sheet "${opened.name}" or --sheet "${wanted}" (nothing was sent)` },
          );
      }
      if (wanted !== undefined)
        notices.push(
          `${file}: reading sheet "${wanted}", the first of ${parts.sheets.length} (--sheet picks another)`,
        );
    }
    // The chosen sheet: by name, else the first visible in the workbook's tab order.
    const chosen = parts.sheets.find((sheet) => sheet.name === wanted);
    if (!chosen) {
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
    if (chosen.hidden) {
      // As a hidden row or column: what nobody checking the workbook saw is not paid.
      throw new BatchError(
        "input",
        `${file}: sheet "${chosen.name}" is hidden in the workbook, so nobody checking it saw its rows`,
        {
          hint: "unhide the sheet (right-click a tab > Unhide) and check it, then run again (nothing was sent)",
        },
      );
    }
    // The other sheets and the defined names searched now; the sheet read, as it is read.
    parts.volatile = await firstVolatile(
      handle,
      parts.sheets.filter((sheet) => sheet !== chosen),
      parts.definedNames,
    ).catch((cause) => {
      throw damaged(file, cause);
    });
    rows = rowsOf(handle, chosen);
    // Notices grow while the rows are read (a totals row is only known at the end).
    const reading = new SheetRecords(file, chosen.name, parts, options, rows, notices);
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

/**
 * Whether the sheet named `sheet` holds `value` in the column its first row heads `column`,
 * read up to the first row that does (a report's rows are not inflated past it). False for a
 * workbook without that sheet or column.
 */
export async function sheetColumnHolds(
  path: string,
  sheet: string,
  column: string,
  value: string,
): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const parts = await readParts(handle, (await zipEntries(handle, (await handle.stat()).size)) ?? []);
    const part = parts.sheets.find((candidate) => candidate.name === sheet);
    if (!part?.entry) return false;
    let at = -1;
    for await (const rows of rowsOf(handle, part)) {
      for (const row of rows) {
        const cells = texts(row, parts);
        if (at >= 0) {
          if (cells[at] === value) return true;
          continue;
        }
        at = cells.indexOf(column);
        if (at < 0) return false;
      }
    }
    return false;
  } finally {
    await handle.close();
  }
}
