/** Read → validate → plan, shared by `validate` and `submit`. Nothing here talks to the API. */
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { BatchError } from "../errors.js";
import type { CheckedRow, Plan, ValidRow } from "../model.js";
import { batchIdFor, plan } from "../plan/plan.js";
import type { EncodingOption } from "../read/decode.js";
import { parseDelimiterOption } from "../read/dialect.js";
import { requiredColumns } from "../read/headers.js";
import { type InputRecord, readRecordsFromBytes } from "../read/records.js";
import { extraColumnConflicts } from "../report/columns.js";
import { checkReportTarget } from "../report/write.js";
import { controlMismatches, type ExpectedTotal, parseExpectedTotal } from "../validate/control.js";
import { validateRecords } from "../validate/rows.js";
import type { Output } from "./output.js";

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
}

export interface Loaded {
  file: string;
  reportPath: string;
  checked: CheckedRow[];
  valid: ValidRow[];
  invalidCount: number;
  plan: Plan;
  extraColumns: string[];
}

/** `<input-basename>.report.csv` next to the input. */
export function defaultReportPath(csv: string): string {
  return join(dirname(csv), `${basename(csv, extname(csv))}.report.csv`);
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

export async function loadBatch(args: LoadArgs, out: Output): Promise<Loaded> {
  // Options are checked before any work ("expected X, got Y").
  if (args.expectRows !== undefined && !(Number.isInteger(args.expectRows) && args.expectRows >= 0)) {
    throw new BatchError("usage", `--expect-rows expects a whole number, got ${args.expectRows}`);
  }
  const totals = expectedTotals(args.expectTotal);
  const delimiter = args.delimiter === undefined ? undefined : parseDelimiterOption(args.delimiter);
  const reportPath = args.report ?? defaultReportPath(args.csv);
  if (reportPath !== "-" && resolve(reportPath) === resolve(args.csv)) {
    throw new BatchError("usage", `--report ${reportPath} is the input file; the report would replace it`, {
      hint: "choose another --report path, or leave it out for <input>.report.csv",
    });
  }
  await checkReportTarget(reportPath);

  let bytes: Buffer;
  try {
    bytes = await readFile(args.csv);
  } catch (cause) {
    const reason =
      (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message;
    throw new BatchError("input", `${args.csv}: cannot read the file (${reason})`, {
      hint: "check the path",
      cause,
    });
  }
  const read = await readRecordsFromBytes(bytes, {
    file: args.csv,
    encoding: args.encoding,
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
      {
        hint: "rename those columns, or drop --keep-columns",
      },
    );
  }
  const records: InputRecord[] = [];
  for await (const record of read.records) records.push(record);

  // A payroll with a header and nothing else is almost always the wrong file.
  if (records.length === 0) out.warn(`${args.csv}: no payment rows after the header; nothing to do`);
  const checked = validateRecords(records, {
    senderPort: args.senderPort,
    payer: args.payer,
    decimalSeparator: args.decimalSeparator,
    allowDuplicates: args.allowDuplicates,
  });
  const mismatches = controlMismatches(checked, { rows: args.expectRows, totals });
  if (mismatches.length > 0) {
    throw new BatchError(
      "control_total",
      `${args.csv}: the file does not match the control totals: ${mismatches.join("; ")}`,
      {
        hint: "nothing was sent; check the file against your own count and sums",
      },
    );
  }
  const valid = checked.flatMap((item) => (item.ok ? [item.row] : []));
  const batchId = args.batchId ?? batchIdFor(basename(args.csv), bytes);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(batchId)) {
    throw new BatchError(
      "usage",
      `--batch-id expects 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(batchId)}`,
    );
  }
  return {
    file: args.csv,
    reportPath,
    checked,
    valid,
    invalidCount: checked.length - valid.length,
    plan: plan(batchId, valid),
    extraColumns: read.extraColumns,
  };
}
