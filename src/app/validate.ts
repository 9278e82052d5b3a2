/** Validate one file: read, validate, plan and write the report; sends nothing (`--online` only reads). */

import { BatchError } from "../errors.js";
import type { CheckedRow } from "../model.js";
import type { PayeePlan } from "../plan/payees.js";
import { reportRows } from "../report/rows.js";
import { SummaryBuilder } from "../report/summary.js";
import { openReportFile, type ReportFile } from "../report/write.js";
import { rowFlags } from "../shell-words.js";
import type { ReportFormat } from "../writers/dialect.js";
import { type ApiArgs, checkCallLimits, connect } from "./connect.js";
import { finish, printSummary, refuseFewerFacts } from "./finish.js";
import {
  type EarlyRows,
  type LoadArgs,
  type LoadedEarly,
  loadBatch,
  loadEarly,
  validationReportPath,
} from "./load.js";
import { checkOnline, type OnlineCounts, onlineCountsLine, readOnlyFailure } from "./online.js";
import {
  payeesJson,
  printPayeePlan,
  resolutionErrors,
  resolveOnline,
  validRowsWithPayee,
  withPayeeErrors,
} from "./payees.js";
import { Problems } from "./problems.js";
import { type Console, type Outcome, outcomeOf } from "./session.js";

/** `--online` reads two lists at a time: its reads are few, and the rate bounds them anyway. */
const ONLINE_CONCURRENCY = 2;

export interface ValidateArgs extends LoadArgs, ApiArgs {
  reportFormat: ReportFormat;
  json: boolean;
  quiet: boolean;
  online: boolean;
  /** Calls started per second at most, with --online (Bitex allows 5 a key). */
  rate?: number;
}

/** The options as `validate` runs with them, checked before any work: its own report path, never one of created rows. */
export async function prepareValidate(given: ValidateArgs): Promise<ValidateArgs & { report: string }> {
  // validate's own report, <input>.validation.csv: the submit report (<input>.report.csv) keeps its facts.
  const args = { ...given, report: given.report ?? validationReportPath(given.csv, given.reportFormat) };
  checkCallLimits({ concurrency: ONLINE_CONCURRENCY, rate: args.rate ?? 5 });
  await refuseFewerFacts(args.report, args.csv, rowFlags(args));
  return args;
}

/** Validates one file (options from prepareValidate) and writes its report; sends nothing. */
export function validateFile(args: ValidateArgs & { report: string }, out: Console): Promise<Outcome> {
  return outcomeOf(out, (keeping) => validateWith(args, keeping));
}

async function validateWith(args: ValidateArgs & { report: string }, out: Console): Promise<number> {
  // Offline, the report is written while the file is read, and written again from a second
  // pass only when the end of the file changed an earlier row's answer (see EarlyCheck).
  // Standard output cannot be taken back, and --online needs every row before it asks.
  if (!args.online && args.report !== "-") return validateInOnePass(args, out);
  const loaded = await loadBatch(args, out);
  const problems = new Problems();
  let checked: Iterable<CheckedRow> = loaded.checked();
  let online: OnlineCounts | undefined;
  let payees: PayeePlan | undefined;
  if (args.online) {
    const connection = await connect(args, out, { concurrency: ONLINE_CONCURRENCY, rate: args.rate ?? 5 });
    try {
      const outcome = await checkOnline(connection.client, [...checked]);
      checked = outcome.rows;
      online = outcome.counts;
      const byDetails = validRowsWithPayee(outcome.rows);
      if (byDetails.length > 0) {
        payees = await resolveOnline(connection.client, byDetails, outcome.users);
        const errors = resolutionErrors(() => outcome.rows, payees, args.allowDuplicates);
        checked = withPayeeErrors(outcome.rows, errors);
      }
    } catch (error) {
      throw readOnlyFailure(error);
    } finally {
      await connection.close();
    }
    const { instruction_port, instruction_owner } = online.not_checked;
    // What was not checked is said even with --quiet: it must never read as passed.
    if (instruction_port + instruction_owner > 0) out.warn(onlineCountsLine(online));
    else out.info(onlineCountsLine(online));
    if (payees) printPayeePlan(out, payees);
  }
  return await finish(out, {
    ...reportOf(loaded, args),
    rows: reportRows(problems.tapChecked(checked), { kind: "checked" }, new Date()),
    online,
    ...(payees ? { payees: payeesJson(payees) } : {}),
    problems,
  });
}

/** What the end of the run says of the report (FinishInput without the rows). */
function reportOf(loaded: LoadedEarly, args: ValidateArgs) {
  return {
    command: "validate" as const,
    file: loaded.file,
    batchId: loaded.batchId,
    reportPath: loaded.reportPath,
    format: args.reportFormat,
    extraColumns: loaded.extraColumns,
  };
}

async function validateInOnePass(args: ValidateArgs, out: Console): Promise<number> {
  const now = new Date();
  const summary = new SummaryBuilder();
  const earlyProblems = new Problems();
  let report: ReportFile | undefined;
  const early: EarlyRows = {
    async start(reportPath, extraColumns) {
      report = await openReportFile(reportPath, {
        format: args.reportFormat,
        extraColumns,
        file: args.csv,
        tz: out.zone,
      });
    },
    async rows(checked) {
      for (const item of checked) earlyProblems.addChecked(item);
      const rows = [...reportRows(checked, { kind: "checked" }, now)];
      for (const row of rows) summary.add(row);
      await report?.write(rows);
    },
  };
  try {
    const first = await loadEarly(args, out, early);
    if (first.earlyHeld && report) {
      await report.commit({ batchId: first.batchId });
      report = undefined;
      return printSummary(out, { ...reportOf(first, args), problems: earlyProblems }, summary.result());
    }
    // The end of the file changed an earlier answer: the one-pass report goes, pass B writes
    // it, from the rows kept or from the file read again (its notices were said once).
    await report?.discard();
    report = undefined;
    const loaded = first.checked ? { ...first, checked: first.checked } : await loadBatch(args, unsaid(out));
    if (loaded.contentId !== first.contentId) {
      throw new BatchError("input", `${args.csv} changed while it was being validated`, {
        hint: "validate it again once nothing writes to it",
      });
    }
    const problems = new Problems();
    return await finish(out, {
      ...reportOf(loaded, args),
      rows: reportRows(problems.tapChecked(loaded.checked()), { kind: "checked" }, now),
      problems,
    });
  } finally {
    await report?.discard();
  }
}

/** `out` without its notices and warnings: a file read again has said them once already. */
function unsaid(out: Console): Console {
  return { ...out, info: () => {}, warn: () => {} };
}
