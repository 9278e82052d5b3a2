/**
 * What a batch's journal says of its rows before a run sends anything: the rows an earlier
 * run settled (they stay settled), the rows it left pending, until when its unclear creates
 * may still land, and whether the journal belongs to this batch and this API at all.
 */
import { stat } from "node:fs/promises";
import type { JournalState, RowRecord } from "../batch/journal.js";
import { apiIdentity } from "../bitex/url.js";
import { BatchError } from "../errors.js";
import { type Plan, ROW_OPTIONS, type RowOutcome, type ValidRow } from "../model.js";
import type { SettlePolicy } from "./policy.js";

/** Rows an earlier run settled: a finished batch run again sends nothing. */
export function* settledEarlier(
  past: JournalState,
): Generator<[number, RowRecord & { status: "created" | "failed" }]> {
  for (const [line, record] of past.rows) {
    if (record.status === "created" || record.status === "failed") yield [line, record];
  }
}

/** A row no run has settled yet. */
export function pendingOutcome(past: JournalState, row: ValidRow): RowOutcome {
  return {
    status: "pending",
    requestId: past.rows.get(row.line)?.requestId ?? "",
    code: "not_finished",
    error: "not finished; run the same command again to resume",
  };
}

/** Refuses a journal written for other rows, or against another API. */
export function refuseOtherBatch(
  past: JournalState,
  options: { plan: Plan; fileLabel: string; apiLabel: string },
): void {
  if (past.begin && past.begin.fingerprint !== options.plan.fingerprint) {
    // The batch id is the file's name and bytes (or --batch-id): the rows differ by the input
    // options they were read with. A new batch id would send again the rows the batch created.
    throw new BatchError(
      "input",
      `${options.fileLabel}: read with these options, its rows are not those batch ${options.plan.batchId} was submitted with (its journal was written for different rows)`,
      {
        hint: `give submit the file and the input options the batch was submitted with (${ROW_OPTIONS}); another sheet of a workbook is another payroll: give it a --batch-id of its own`,
      },
    );
  }
  if (past.begin && apiIdentity(past.begin.api) !== apiIdentity(options.apiLabel)) {
    throw new BatchError(
      "input",
      `${options.fileLabel}: batch ${options.plan.batchId} was started against ${past.begin.api}, not ${options.apiLabel}`,
      {
        hint: "point --api-url at the same API to resume it, or pass a new --batch-id to start a new batch there",
      },
    );
  }
}

/**
 * Creates an earlier run left without an outcome may still land, so the server is not asked
 * what is missing before their settle delays have passed: a create cut off by the end of the
 * process (intent only) counts from the journal's last write, the latest that run can have
 * sent anything; an ambiguous one from when it failed.
 */
export async function earlierLandingUntil(
  past: JournalState,
  journalPath: string,
  settle: SettlePolicy,
): Promise<number> {
  let until = 0;
  let cutOff = false;
  for (const row of past.rows.values()) {
    if (row.status === "intent") cutOff = true;
    if (row.status === "ambiguous") until = Math.max(until, Date.parse(row.at) + settle.lateMs);
  }
  if (cutOff) {
    const lastWrite = (await stat(journalPath).catch(() => null))?.mtimeMs ?? Date.now();
    until = Math.max(until, lastWrite + settle.lateMs);
  }
  return until;
}
