/** Read → validate → plan, shared by `validate` and `submit`. Nothing here talks to the API. */
import { basename, dirname, extname, join, resolve } from "node:path";
import { BatchError } from "../errors.js";
import type { CheckedRow } from "../model.js";
import { batchIdHash, batchIdOf } from "../plan/plan.js";
import type { EncodingOption } from "../read/decode.js";
import { type Delimiter, parseDelimiterOption } from "../read/dialect.js";
import { requiredColumns } from "../read/headers.js";
import { readRecordsFrom } from "../read/records.js";
import { openSource, type Source } from "../read/source.js";
import { RowStore } from "../read/store.js";
import { extraColumnConflicts } from "../report/columns.js";
import type { ReportFormat } from "../report/dialect.js";
import { checkReportTarget } from "../report/write.js";
import { controlMismatches, type ExpectedTotal, parseExpectedTotal } from "../validate/control.js";
import { checkRows, EarlyCheck, FileFacts, inputRowOf, type ValidateOptions } from "../validate/rows.js";
import type { Console } from "./console.js";

export interface LoadArgs {
  csv: string;
  report?: string;
  encoding: EncodingOption;
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
  file: string;
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

const BATCH_ID = /^[A-Za-z0-9._-]{1,64}$/;

function batchIdError(batchId: string): BatchError {
  return new BatchError(
    "usage",
    `--batch-id expects 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(batchId)}`,
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
  return (values ?? []).map((text) => {
    const total = parseExpectedTotal(text);
    if (!total) {
      throw new BatchError("usage", `--expect-total ${JSON.stringify(text)} is not CUR=AMOUNT`, {
        hint: "write it like --expect-total CLP=1329000 --expect-total USD=1250.50",
      });
    }
    return total;
  });
}

interface PassA {
  args: LoadArgs;
  options: ValidateOptions;
  delimiter: Delimiter | undefined;
  reportPath: string;
  out: Console;
  early: EarlyRows | undefined;
}

/** Pass A: every record kept compactly, and what the whole file says (convention, repeated references). */
async function passA(source: Source, { args, options, delimiter, reportPath, out, early }: PassA) {
  const read = await readRecordsFrom(source, {
    delimiter,
    requiredColumns: requiredColumns({ senderPortOption: args.senderPort !== undefined }),
    keepColumns: args.keepColumns,
  });
  for (const notice of read.notices) out.info(notice);
  const conflicts = extraColumnConflicts(read.extraColumns);
  if (conflicts.length > 0) {
    throw new BatchError(
      "input",
      `${args.csv}: kept column(s) ${conflicts.join(", ")} would repeat report columns`,
      { hint: "rename those columns, or drop --keep-columns" },
    );
  }
  const store = new RowStore(read.extraColumns);
  const facts = new FileFacts(store);
  const earlyCheck = early ? new EarlyCheck(store, facts, options) : null;
  await early?.start(reportPath, read.extraColumns);
  for await (const batch of read.batches) {
    const checked: CheckedRow[] = [];
    for (const record of batch) {
      const row = inputRowOf(record);
      const index = store.add(row);
      facts.note(index, row);
      if (earlyCheck) checked.push(earlyCheck.check(index, row));
    }
    if (early && checked.length > 0) await early.rows(checked);
  }
  return { store, facts, earlyCheck, extraColumns: read.extraColumns };
}

export async function loadBatch(args: LoadArgs, out: Console, early?: EarlyRows): Promise<Loaded> {
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
      hint: "choose another --report path, or leave it out for <input>.report.csv",
    });
  }
  await checkReportTarget(reportPath, args.reportFormat);

  const hash = batchIdHash(basename(args.csv));
  const source = await openSource(args.csv, { file: args.csv, encoding: args.encoding, hash });
  const options: ValidateOptions = {
    senderPort: args.senderPort,
    payer: args.payer,
    decimalSeparator: args.decimalSeparator,
    allowDuplicates: args.allowDuplicates,
  };
  const { store, facts, earlyCheck, extraColumns } = await passA(source, {
    args,
    options,
    delimiter,
    reportPath,
    out,
    early,
  }).finally(() => source.close());

  // A payroll with a header and nothing else is almost always the wrong file.
  if (store.size === 0) out.warn(`${args.csv}: no payment rows after the header; nothing to do`);
  const context = facts.context(options);
  const checked = () => checkRows(store, context);
  if (args.expectRows !== undefined || totals.length > 0) {
    // The row count needs no checking of rows; only the sums do.
    const mismatches = controlMismatches(totals.length > 0 ? checked() : [], {
      rows: args.expectRows,
      totals,
      rowCount: store.size,
    });
    if (mismatches.length > 0) {
      throw new BatchError(
        "control_total",
        `${args.csv}: the file does not match the control totals: ${mismatches.join("; ")}`,
        { hint: "nothing was sent; check the file against your own count and sums" },
      );
    }
  }
  const batchId = args.batchId ?? batchIdOf(hash);
  return {
    file: args.csv,
    reportPath,
    batchId,
    extraColumns,
    rowCount: store.size,
    checked,
    earlyHeld: earlyCheck?.held(context) ?? false,
  };
}
