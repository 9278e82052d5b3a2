/** Read → validate → plan, shared by `validate` and `submit`. Nothing here talks to the API. */
import { createReadStream } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { BatchError } from "../errors.js";
import type { CheckedRow } from "../model.js";
import { batchIdHash, batchIdOf } from "../plan/plan.js";
import type { EncodingOption } from "../read/decode.js";
import { parseDelimiterOption } from "../read/dialect.js";
import { extraColumnConflicts } from "../report/columns.js";
import { controlMismatches, type ExpectedTotal, flagTotal } from "../validate/control.js";
import { checkFile } from "../validate/file.js";
import type { ValidateOptions } from "../validate/rows.js";
import type { ReportFormat } from "../writers/dialect.js";
import { checkReportTarget } from "../writers/write.js";
import type { Console } from "./session.js";

export interface LoadArgs {
  csv: string;
  report?: string;
  encoding: EncodingOption;
  /** The sheet of an xlsx input. */
  sheet?: string;
  delimiter?: string;
  decimalSeparator?: "." | ",";
  senderPort?: string;
  payer?: string;
  allowDuplicates: boolean;
  keepColumns: boolean;
  expectRows?: number;
  expectTotal?: string[];
  batchId?: string;
  /** Sets the default report's extension, and refuses `--report -` for a binary format. */
  reportFormat?: ReportFormat;
}

/** For a command that takes rows as they are read (`validate` writing its report in one pass). */
export interface EarlyRows {
  /** The header is read and the file accepted: the report can be opened. */
  start(reportPath: string, extraColumns: string[]): Promise<void>;
  /** Rows checked as soon as they were read (EarlyCheck), in file order, a batch at a time. */
  rows(rows: CheckedRow[]): Promise<void>;
}

export interface Loaded {
  /** The input file as the operator names it. */
  file: string;
  /** The file read: `file`, or the copy of it kept when its batch began (the file was edited since). */
  source: string;
  /** The batch id the file's name and bytes give, whatever --batch-id says. */
  contentId: string;
  reportPath: string;
  batchId: string;
  extraColumns: string[];
  /** Records in the file (blank lines are not records). */
  rowCount: number;
  /**
   * Every record checked, in file order, lazily: each call checks the stored records again
   * (same answer every time), so that a million-row file never sits in memory as objects.
   */
  checked(): Iterable<CheckedRow>;
  /** The rows given to EarlyRows are what `checked()` gives (false when none were asked for). */
  earlyHeld: boolean;
}

/** A file read by `loadEarly`: no records kept, unless the control totals needed them. */
export type LoadedEarly = Omit<Loaded, "checked"> & { checked: (() => Iterable<CheckedRow>) | null };

/** A folder's name under the state directory: never "." or "..", which name another folder. */
const BATCH_ID = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,64}$/;

function batchIdError(batchId: string): BatchError {
  return new BatchError(
    "usage",
    `--batch-id expects 1-64 letters, digits, ".", "_" or "-" (not "." or ".." alone), got ${JSON.stringify(batchId)}`,
  );
}

/** `<input-basename>.report.csv` next to the input (`.report.xlsx` for the xlsx format). */
export function defaultReportPath(csv: string, format?: ReportFormat): string {
  return join(dirname(csv), `${basename(csv, extname(csv))}.report.${format === "xlsx" ? "xlsx" : "csv"}`);
}

/**
 * `<input-basename>.validation.csv` next to the input: what `validate` writes by default,
 * so that validating a file after submitting it never replaces the report of created rows.
 */
export function validationReportPath(csv: string, format?: ReportFormat): string {
  return join(
    dirname(csv),
    `${basename(csv, extname(csv))}.validation.${format === "xlsx" ? "xlsx" : "csv"}`,
  );
}

function expectedTotals(values: readonly string[] | undefined): ExpectedTotal[] {
  return (values ?? []).map((text) =>
    flagTotal("expect-total", text, "write it like --expect-total CLP=1329000 --expect-total USD=1250.50"),
  );
}

export async function loadBatch(args: LoadArgs, out: Console, early?: EarlyRows): Promise<Loaded> {
  const loaded = await load(args, out, early, true);
  const { checked } = loaded;
  if (!checked) throw new Error("loadBatch: the rows were not kept");
  return { ...loaded, checked };
}

/**
 * `loadBatch` for a command that takes its rows early and reads the file again when they did
 * not hold (`validate`): nothing of the file is kept (`checked` null) unless the control
 * totals needed the rows or the file is standard input.
 */
export function loadEarly(args: LoadArgs, out: Console, early: EarlyRows): Promise<LoadedEarly> {
  // Standard input can be read only once: its rows are kept.
  return load(args, out, early, args.csv === "-");
}

async function load(
  args: LoadArgs,
  out: Console,
  early: EarlyRows | undefined,
  keepRows: boolean,
): Promise<LoadedEarly> {
  // Options are checked before any work ("expected X, got Y").
  if (args.expectRows !== undefined && !(Number.isInteger(args.expectRows) && args.expectRows >= 0)) {
    throw new BatchError("usage", `--expect-rows expects a whole number, got ${args.expectRows}`);
  }
  const totals = expectedTotals(args.expectTotal);
  if (args.batchId !== undefined && !BATCH_ID.test(args.batchId)) throw batchIdError(args.batchId);
  const delimiter = args.delimiter === undefined ? undefined : parseDelimiterOption(args.delimiter);
  const reportPath = args.report ?? defaultReportPath(args.csv, args.reportFormat);
  if (reportPath !== "-" && resolve(reportPath) === resolve(args.csv)) {
    throw new BatchError("usage", `--report ${reportPath} is the input file; the report would replace it`, {
      hint: `choose another --report path, or leave it out for ${defaultReportPath(args.csv, args.reportFormat)}`,
    });
  }
  await checkReportTarget(reportPath, args.reportFormat);

  const hash = batchIdHash(basename(args.csv));
  const options: ValidateOptions = {
    senderPort: args.senderPort,
    payer: args.payer,
    decimalSeparator: args.decimalSeparator,
    allowDuplicates: args.allowDuplicates,
  };
  const file = await checkFile(args.csv, {
    encoding: args.encoding,
    ...(args.sheet !== undefined ? { sheet: args.sheet } : {}),
    onNotice: (notice: string) => out.info(notice),
    hash,
    delimiter,
    keepColumns: args.keepColumns,
    validate: options,
    async onHeader({ notices, extraColumns }) {
      for (const notice of notices) out.info(notice);
      const conflicts = extraColumnConflicts(extraColumns);
      if (conflicts.length > 0) {
        throw new BatchError(
          "input",
          `${args.csv}: kept column(s) ${conflicts.join(", ")} would repeat report columns`,
          { hint: "rename those columns, or drop --keep-columns" },
        );
      }
      await early?.start(reportPath, extraColumns);
    },
    ...(early ? { onRows: (rows: CheckedRow[]) => early.rows(rows) } : {}),
    // The control totals are summed from the checked rows.
    keepRows: keepRows || totals.length > 0,
  });

  // A payroll with a header and nothing else is almost always the wrong file.
  if (file.rowCount === 0) out.warn(`${args.csv}: no payment rows after the header; nothing to do`);
  const { checked } = file;
  if (args.expectRows !== undefined || totals.length > 0) {
    // The row count needs no checking of rows; only the sums do.
    const mismatches = controlMismatches(totals.length > 0 && checked ? checked() : [], {
      rows: args.expectRows,
      totals,
      rowCount: file.rowCount,
    });
    if (mismatches.length > 0) {
      throw new BatchError(
        "control_total",
        `${args.csv}: the file does not match the control totals: ${mismatches.join("; ")}`,
        { hint: "nothing was sent; check the file against your own count and sums" },
      );
    }
  }
  const contentId = batchIdOf(hash);
  const batchId = args.batchId ?? contentId;
  return {
    file: args.csv,
    source: args.csv,
    contentId,
    reportPath,
    batchId,
    extraColumns: file.extraColumns,
    rowCount: file.rowCount,
    checked,
    earlyHeld: file.earlyHeld,
  };
}

/** The id the bytes of `path` give under the file name `name` (as `loadBatch` derives it). */
export async function contentIdOf(path: string, name: string): Promise<string> {
  const hash = batchIdHash(name);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return batchIdOf(hash);
}
