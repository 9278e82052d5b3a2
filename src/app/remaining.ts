/**
 * The remaining file of a run: `<input>.remaining.csv` with the rows not paid and not being
 * paid (follow/remaining.ts decides which), cut from the file the batch was submitted from.
 */

import { type JournalState, readJournalState } from "../batch/journal.js";
import { acquireLock, type Lock } from "../batch/lock.js";
import { recordReleased, releasedLines } from "../batch/near-copy.js";
import { lockPathBeside } from "../batch/paths.js";
import { BatchError } from "../errors.js";
import { notPaidLines } from "../follow/remaining.js";
import { stepDone } from "../follow/steps.js";
import type { CheckedRow, OutcomeOf } from "../model.js";
import { containerOf } from "../read/container.js";
import { remainingPath, writeRemaining } from "../report/remaining.js";
import { bitexCommand } from "../shell-words.js";
import type { Batch } from "./batch.js";
import type { Console } from "./session.js";

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
  /** Invalid rows may have been sent (no journal tells with which input options): kept out (notPaidLines). */
  invalidMayBeSent?: boolean;
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
    input.invalidMayBeSent,
  );
  // A row released once stays in it: this batch never pays it (the follow-through refuses to
  // quote or accept its request), whatever a later run finds; unless its request is read
  // accepted (a run that read the release too late, racing a read-only status): that row is
  // being paid by this batch, so it leaves the file and the record. So does an invalid row while
  // invalid rows may have been sent (another run, other input options): it may be being paid.
  const released = await releasedLines(input.journalPath);
  if (released.size > 0)
    for (const item of input.checked()) {
      if (!released.has(item.line) || (!item.ok && input.invalidMayBeSent)) continue;
      const outcome = input.outcomes.get(item.line);
      const state = outcome?.status === "created" ? input.requestStates.get(outcome.requestId) : undefined;
      if (state === undefined || state === "cancelled" || !stepDone("accept_quote", state))
        lines.add(item.line);
    }
  return lines;
}

/**
 * Writes the remaining file, which releases its rows: that file pays them, the batch never
 * does. A run that quotes or accepts holds the batch's lock already; a read-only `status`
 * does not, so a quote or accept of the batch may run beside it. It releases rows only under
 * that lock, with the journal read again there (an accept sent since its reads keeps its
 * request's rows, pastDraft), and not at all while another run holds it: that run's own
 * checks read what is released right before its accepts, which a release after them would miss.
 */
export async function releaseRows(
  out: Console,
  readOnly: boolean,
  batch: Pick<Batch, "journalPath" | "past">,
  input: (past: JournalState) => RemainingInput,
): Promise<number> {
  if (!readOnly || (await remainingLines(input(batch.past))).size === 0)
    return writeRemainingFile(out, input(batch.past));
  let lock: Lock | null = null;
  try {
    // Held for a moment: a submit, quote or accept that starts meanwhile waits for it (lock.ts).
    lock = await acquireLock(lockPathBeside(batch.journalPath), (line) => out.warn(line), { brief: true });
  } catch (error) {
    if (error instanceof BatchError && error.code === "locked") {
      out.warn(
        `the remaining file is not written: ${error.message} (a submit, quote or accept of it); run this status again once that run ends`,
      );
      return 0;
    }
    // No state directory to lock in (gone, not a directory): no other run of the batch can
    // hold it, and no release can be recorded there either (writeRemainingFile goes on without).
  }
  try {
    const past = lock ? await readJournalState(batch.journalPath).catch(() => batch.past) : batch.past;
    return await writeRemainingFile(out, input(past));
  } finally {
    await lock?.release();
  }
}

/**
 * Why a run keeps a file's invalid rows out of the remaining file (`invalidMayBeSent`): the
 * batch may have sent them, read with other input options than this run's; `why` says what
 * hides that (no journal here, or a batch begun elsewhere).
 */
export function invalidKeptLine(csv: string, why: string): string {
  return `${why}: the invalid rows of ${csv} are not put in the remaining file (read with other input options than submit's, a row the batch sent reads as invalid, and nothing here tells); run status with the --state-dir and the input options the batch was submitted with`;
}

/** Whether some row is invalid (read one at a time: a large file's rows are never held at once). */
export function anyInvalid(checked: Iterable<{ ok: boolean }>): boolean {
  for (const item of checked) if (!item.ok) return true;
  return false;
}

/** A batch begun elsewhere, in words: its requests found at Bitex by their external ids. */
export function begunElsewhereWords(batchId: string, found: readonly string[]): string {
  const which = found.length > 0 ? `request(s) ${found.join(", ")}` : "a request of it";
  return `batch ${batchId} began elsewhere (${which} found at Bitex by external id, not made from this journal: another --state-dir, or a journal lost)`;
}

/**
 * Requests the journal shows past draft: a quote Bitex answered (request_quote done), an
 * accept sent (its answer may be lost), or a step this run sent. Read as a draft, such a
 * request is a reading older than the server. Without a journal (no begin), every request
 * read may be: nothing tells.
 */
export function pastDraft(
  past: JournalState,
  steppedOn: ReadonlySet<string>,
  views: readonly { request: { id: string } | null }[],
): Set<string> {
  const ids = new Set(steppedOn);
  if (!past.begin) for (const view of views) if (view.request) ids.add(view.request.id);
  for (const [id, steps] of past.steps)
    if (steps.request_quote === "done" || steps.accept_quote !== undefined) ids.add(id);
  return ids;
}
