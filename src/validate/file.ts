/**
 * A payment file (CSV, or an xlsx workbook: told apart by their bytes) → checked rows, in one call that owns its passes: pass A reads the file once,
 * keeping every record compactly (RowStore) and what only the whole file says (FileFacts);
 * pass B (`checked()`) checks the stored rows, lazily, as often as it is asked. Nothing here
 * talks to the API or writes a file.
 */
import type { Hash } from "node:crypto";
import { BatchError } from "../errors.js";
import type { CheckedRow } from "../model.js";
import { containerOf } from "../read/container.js";
import type { EncodingOption } from "../read/decode.js";
import type { Delimiter } from "../read/dialect.js";
import { headerGivesDetails, requiredColumns } from "../read/headers.js";
import { type RecordsRead, readRecordsFrom } from "../read/records.js";
import { openSource } from "../read/source.js";
import { RowStore } from "../read/store.js";
import { readWorkbook } from "../read/workbook.js";
import { checkRows, EarlyCheck, FileFacts, inputRowsUnder, type ValidateOptions } from "./rows.js";

export interface CheckFileOptions {
  encoding: EncodingOption;
  /** Hashes the bytes while they are read (the batch id); see read/source.ts. */
  hash?: Hash;
  /** Forced delimiter; detected from the header line when absent. */
  delimiter?: Delimiter;
  /** The sheet of a workbook to read (`--sheet`); refused for a CSV. */
  sheet?: string;
  /** A notice that came after the header (a workbook's totals row). */
  onNotice?(notice: string): void;
  /** Unknown columns are kept for the report (`--keep-columns`). */
  keepColumns: boolean;
  validate: ValidateOptions;
  /**
   * The header is read: notices for the user, and the names of the kept columns. May throw
   * to refuse the file before any row is read.
   */
  onHeader?(header: { notices: string[]; extraColumns: string[] }): Promise<void> | void;
  /**
   * Rows checked as soon as they were read (EarlyCheck), in file order, a batch at a time;
   * `earlyHeld` then says whether they are what `checked()` gives.
   */
  onRows?(rows: CheckedRow[]): Promise<void>;
  /**
   * With `onRows`: keep no records (`checked` is then null). The caller takes the early rows
   * when they held, and reads the file again when they did not: a `validate` of a file whose
   * rows hold their answers (most payrolls) neither stores nor rebuilds a record.
   */
  keepRows?: boolean;
}

export interface CheckedFile {
  extraColumns: string[];
  /** Records in the file (blank lines are not records). */
  rowCount: number;
  /**
   * Every record checked, in file order, lazily: each call checks the stored records again
   * (same answer every time), so that a million-row file never sits in memory as objects.
   * null when no records were kept (`keepRows: false`).
   */
  checked: (() => Iterable<CheckedRow>) | null;
  /** The rows given to `onRows` are what `checked()` gives (false when none were asked for). */
  earlyHeld: boolean;
}

/** The file's records from the reader its bytes call for: a workbook's, or the CSV reader's. */
async function openRecords(
  path: string,
  options: CheckFileOptions,
): Promise<RecordsRead & { close(): Promise<void> }> {
  const required = requiredColumns({ senderPortOption: options.validate.senderPort !== undefined });
  if ((await containerOf(path, path)) === "workbook") {
    // A workbook's cells carry their type: there is no text encoding, delimiter or decimal
    // separator to choose, and accepting the option would pretend it changed something.
    const textOptions = [
      options.encoding !== "auto" ? "--encoding" : null,
      options.delimiter !== undefined ? "--delimiter" : null,
      options.validate.decimalSeparator !== undefined ? "--decimal-separator" : null,
    ].filter((option) => option !== null);
    if (textOptions.length > 0) {
      throw new BatchError(
        "usage",
        `${textOptions.join(", ")}: ${path} is an Excel workbook, read by its cells' types; ${textOptions.length > 1 ? "these options are" : "this option is"} for CSV files only`,
        {
          hint: `leave out ${textOptions.join(" and ")} (a number cell is exact; a text amount's decimal separator is read from the sheet's own amounts)`,
        },
      );
    }
    return readWorkbook(path, {
      file: path,
      ...(options.sheet !== undefined ? { sheet: options.sheet } : {}),
      requiredColumns: required,
      keepColumns: options.keepColumns,
      ...(options.validate.senderPort !== undefined ? { senderPort: options.validate.senderPort } : {}),
      ...(options.hash ? { hash: options.hash } : {}),
    });
  }
  if (options.sheet !== undefined) {
    throw new BatchError(
      "usage",
      `--sheet ${JSON.stringify(options.sheet)}: ${path} is not a workbook (xlsx)`,
      {
        hint: "leave out --sheet for a CSV file",
      },
    );
  }
  const source = await openSource(path, { file: path, encoding: options.encoding, hash: options.hash });
  try {
    const read = await readRecordsFrom(source, {
      delimiter: options.delimiter,
      requiredColumns: required,
      keepColumns: options.keepColumns,
    });
    return { ...read, close: () => source.close() };
  } catch (error) {
    await source.close();
    throw error;
  }
}

export async function checkFile(path: string, options: CheckFileOptions): Promise<CheckedFile> {
  const read = await openRecords(path, options);
  try {
    await options.onHeader?.({ notices: read.notices, extraColumns: read.extraColumns });
    const heard = read.notices.length;
    // One options object for every pass (FileFacts caches its context by identity).
    const validate = headerGivesDetails(read.header.index)
      ? { ...options.validate, payeeColumns: true }
      : options.validate;
    const inputRowOf = inputRowsUnder(read.header);
    const { onRows } = options;
    const store = onRows && options.keepRows === false ? null : new RowStore(read.extraColumns);
    const facts = new FileFacts();
    const early = onRows ? new EarlyCheck(facts, validate) : null;
    let rowCount = 0;
    for await (const batch of read.batches) {
      const checked: CheckedRow[] = [];
      for (const record of batch) {
        const row = inputRowOf(record);
        const index = rowCount++;
        store?.add(row);
        facts.note(index, row);
        if (early) checked.push(early.check(index, row));
      }
      if (onRows && checked.length > 0) await onRows(checked);
    }
    // A workbook's totals row is only known once its last row is read.
    for (const notice of read.notices.slice(heard)) options.onNotice?.(notice);
    const context = facts.context(validate);
    return {
      extraColumns: read.extraColumns,
      rowCount,
      checked: store ? () => checkRows(store, context) : null,
      earlyHeld: early?.held(context) ?? false,
    };
  } finally {
    await read.close();
  }
}
