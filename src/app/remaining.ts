/**
 * The remaining file of a run: `<input>.remaining.csv` with the rows not paid and not being
 * paid (follow/remaining.ts decides which), cut from the file the batch was submitted from.
 */

import { recordReleased, releasedLines } from "../batch/near-copy.js";
import { notPaidLines } from "../follow/remaining.js";
import { stepDone } from "../follow/steps.js";
import type { CheckedRow, OutcomeOf } from "../model.js";
import { containerOf } from "../read/container.js";
import { remainingPath, writeRemaining } from "../report/remaining.js";
import type { Console } from "./session.js";
import { bitexCommand } from "./shell-words.js";

export interface RemainingInput {
  /** The input as the operator names it: the remaining file goes beside it. */
  csv: string;
  /** The file read for the batch (the input, or its copy kept when the batch began). */
  source: string;
  checked(): Iterable<CheckedRow>;
  outcomes: OutcomeOf;
  /** request id → state as last read (empty when no request was read). */
  requestStates: ReadonlyMap<string, string>;
  /** The batch holds a cancelled request, so it never quotes its drafts (notPaidLines). */
  lost?: boolean;
  /** Requests the journal shows past draft: never released as drafts (notPaidLines). */
  pastDraft?: ReadonlySet<string>;
  /** The batch's journal: the lines released are recorded beside it (near-copy.ts). */
  journalPath: string;
}

/** Writes it when some rows qualify and says so; returns how many rows it holds (0: none written). */
export async function writeRemainingFile(out: Console, input: RemainingInput): Promise<number> {
  const lines = await remainingLines(input);
  if (lines.size === 0) return 0;
  if (input.source === "-") {
    out.warn(
      `${lines.size} row(s) not paid and not being paid (see the report); standard input cannot be cut into a remaining file`,
    );
    return 0;
  }
  // A workbook's records are not lines of its bytes (a zip): cut, it would be garbage named
  // "exactly those rows". Its rows are still released: this batch never pays them.
  if ((await containerOf(input.source, input.source).catch(() => "text")) === "workbook") {
    await recordReleased(input.journalPath, lines).catch(() => undefined);
    out.warn(
      `${lines.size} row(s) not paid and not being paid (see the report: its line is the sheet's row); a workbook is not cut into a remaining file: put those rows in a new file to pay them`,
    );
    return 0;
  }
  const path = remainingPath(input.csv);
  try {
    const starts = [...input.checked()].map((item) => item.line);
    await writeRemaining(input.source, path, starts, lines);
    // A batch whose state directory is gone has nothing to record it in.
    await recordReleased(input.journalPath, lines).catch(() => undefined);
  } catch (error) {
    out.warn(
      `bitex-batch: could not write ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 0;
  }
  out.summary([
    `${lines.size} row(s) not paid and not being paid: ${path} (fix them there if needed, then ${bitexCommand("submit", path)})`,
  ]);
  return lines.size;
}

/**
 * The rows of the remaining file: those this batch can no longer pay (notPaidLines), and
 * those it released before.
 */
export async function remainingLines(input: RemainingInput): Promise<Set<number>> {
  const lines = notPaidLines(
    input.checked(),
    input.outcomes,
    input.requestStates,
    input.lost,
    input.pastDraft,
  );
  // A row released once stays in it: this batch never pays it (the follow-through refuses to
  // quote or accept its request), whatever a later run finds; unless its request is read
  // accepted (a run that read the release too late, racing a read-only status): that row is
  // being paid by this batch, so it leaves the file and the record.
  const released = await releasedLines(input.journalPath);
  if (released.size > 0)
    for (const item of input.checked()) {
      if (!released.has(item.line)) continue;
      const outcome = input.outcomes.get(item.line);
      const state = outcome?.status === "created" ? input.requestStates.get(outcome.requestId) : undefined;
      if (state === undefined || state === "cancelled" || !stepDone("accept_quote", state))
        lines.add(item.line);
    }
  return lines;
}
