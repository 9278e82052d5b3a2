/**
 * The batch a command works on, from the file: the same batch id rules, validation and plan
 * as `submit`, and what the batch's journal says (docs/design.md section 12: `quote`, `accept`
 * and `status` name the file, never a batch id the operator has to copy around). A file
 * edited since its batch began still leads to that batch: it is read from the copy kept
 * when it was submitted (batch/input-copy.ts), so the report keeps every row it had, by its line.
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { apiReportPath, batchDirName } from "../batch/batch-dir.js";
import { earlierBatches, submittedAs } from "../batch/history.js";
import { foldJournal, type JournalState, readJournalState } from "../batch/journal.js";
import { planLines, refuseDamagedJournal } from "../batch/journal-check.js";
import { inputCopyPath, inputCopyPathBeside, journalPathFor } from "../batch/paths.js";
import { ownReportPath } from "../batch/report-owner.js";
import { apiIdentity } from "../bitex/url.js";
import { DiskError } from "../disk.js";
import { BatchError } from "../errors.js";
import {
  accountPaymentKey,
  type Plan,
  paymentIdentity,
  paymentKey,
  ROW_OPTIONS,
  type ValidRow,
} from "../model.js";
import { plan } from "../plan/plan.js";
import { humanTime } from "../time.js";
import { contentIdOf, defaultReportPath, type LoadArgs, type Loaded, loadBatch } from "./load.js";
import { refuseUnresolved, withResolution } from "./payee-rows.js";
import type { Console } from "./session.js";

export interface Batch {
  loaded: Loaded;
  plan: Plan;
  journalPath: string;
  /** What the journal held when the command started (empty when it is gone). */
  past: JournalState;
  /**
   * The batch this file's name last began on this API, when the file changed since and that
   * batch kept no copy of it: the file cannot lead to it, and the words must say so.
   */
  copyless?: { batchId: string; begunAt: string };
  /** The file changed since its batch began: the batch is followed as submitted (its copy), not as the file is now. */
  changed?: true;
  /**
   * When it changed: the lines (of the batch as submitted) of rows the batch created whose
   * payment the file as it is now does not hold (editedAway), which a money step would pay.
   */
  editedAway?: number[];
}

/** How a row is compared with the file as it is now: its account (rows by details) or its payment. */
const fileKey = (row: ValidRow) => accountPaymentKey(row) ?? paymentKey(paymentIdentity(row));

/**
 * The rows the batch created (its journal) that the file as it is now no longer holds, as a
 * multiset of payments: an amount edited since, a row deleted. Quoting or accepting pays them
 * as submitted, which is not what the file says any more.
 */
export function editedAway(
  batchRows: readonly ValidRow[],
  past: JournalState,
  fileRows: readonly ValidRow[],
): number[] {
  const left = new Map<string, number>();
  for (const row of fileRows) {
    const key = fileKey(row);
    left.set(key, (left.get(key) ?? 0) + 1);
  }
  const away: number[] = [];
  for (const row of batchRows) {
    if (past.rows.get(row.line)?.status !== "created") continue;
    const key = fileKey(row);
    const count = left.get(key) ?? 0;
    if (count > 0) left.set(key, count - 1);
    else away.push(row.line);
  }
  return away;
}

/**
 * The batch's plan, its rows by payee details with the ids submit journaled for them (the
 * `payees` line). With a row without one (never submitted, or an edited file's row at a line
 * that resolved another payee) there is no plan: the batch's copy of its input is read
 * instead, and openBatch refuses the row only if it is still there.
 */
async function planOf(
  loaded: Loaded,
  journalPath: string,
): Promise<{ loaded: Loaded; plan: Plan | null; valid: ValidRow[] }> {
  // A journal that cannot be read resolves nothing here: the rows by details are then refused.
  const payees = (await readJournalState(journalPath).catch(() => foldJournal([]))).payees;
  const seen = withResolution(loaded, payees);
  const valid: ValidRow[] = [];
  for (const item of seen.checked()) if (item.ok) valid.push(item.row);
  const unresolved = valid.some((row) => row.payee !== undefined && row.resolved === undefined);
  return { loaded: seen, plan: unresolved ? null : plan(loaded.batchId, valid), valid };
}

/**
 * The batch's file as submitted (its copy), read with this command's input options, must give
 * the rows the batch began with. Read with other options (a row `--allow-duplicates` let
 * through, a sender port `--sender-port` filled in) a row the batch created reads as invalid,
 * or as another payment: the report would say it was never sent, the remaining file would
 * hold it (and pay it again), and the gate would take its output for a stranger's.
 */
function refuseOtherRows(file: string, batchPlan: Plan | null, past: JournalState, zone: string): void {
  const begin = past.begin;
  // No plan: a row by details unresolved, refused once the batch's rows are settled.
  if (!begin || batchPlan === null || begin.fingerprint === batchPlan.fingerprint) return;
  const rows = batchPlan.requests.reduce((sum, request) => sum + request.rows.length, 0);
  throw new BatchError(
    "input",
    `${file}: read with these options, its rows are not those batch ${batchPlan.batchId} was submitted with (begun ${humanTime(begin.at, zone)}): ${rows} valid row(s) here, ${begin.rows} in the batch`,
    {
      hint: `give the input options submit was given (${ROW_OPTIONS}); nothing was sent or written (another sheet of a workbook is another payroll: submit it with a --batch-id of its own)`,
    },
  );
}

/** The batch as submitted, from its copy of the input; null when no copy was kept. */
async function fromCopy(
  args: LoadArgs,
  stateDir: string,
  dir: string,
  batchId: string,
  reportPath: string,
  out: Console,
): Promise<Loaded | null> {
  const copy = inputCopyPath(stateDir, dir);
  if (!(await stat(copy).catch(() => null))) return null;
  const loaded = await loadBatch(
    { ...args, csv: copy, batchId, report: reportPath },
    // Its notices (encoding, columns) were said when the batch was submitted.
    Object.assign(Object.create(out) as Console, { info: () => undefined }),
  );
  return { ...loaded, file: args.csv };
}

/**
 * `apiUrl`: the API the command points at (null for none), so that a batch of another API
 * with a file of the same name is never taken for this one.
 */
export async function openBatch(
  args: LoadArgs,
  stateDir: string,
  out: Console,
  apiUrl: string | null = null,
  options: { readOnly?: boolean } = {},
): Promise<Batch> {
  let loaded = await loadBatch(args, out);
  // Batches are per API (batch-dir.ts): the same id on another API has its own journal and report.
  const reportFor = (dir: string, batchId: string) =>
    args.report ??
    (apiUrl && dir !== batchId
      ? apiReportPath(args.csv, apiUrl, args.reportFormat === "xlsx")
      : defaultReportPath(args.csv, args.reportFormat));
  const dir = await batchDirName(stateDir, loaded.batchId, apiUrl);
  loaded = { ...loaded, reportPath: reportFor(dir, loaded.batchId) };
  // The folder of the batch followed: an earlier one's when the file is found to be its.
  let followed = dir;
  let journalPath = journalPathFor(stateDir, dir);
  let batchPlan: Plan | null;
  let valid: ValidRow[];
  ({ loaded, plan: batchPlan, valid } = await planOf(loaded, journalPath));
  const journalOf = async (path: string) => {
    try {
      return await readJournalState(path);
    } catch (error) {
      // A read-only command needs no journal: the server has the batch, by external_id.
      if (!options.readOnly || !(error instanceof DiskError)) throw error;
      out.warn(
        `cannot read the journal ${path} (${error.errno}): reading the batch from the server by its external ids`,
      );
      return foldJournal([]);
    }
  };
  let past = await journalOf(journalPath);
  let copyless: Batch["copyless"];
  let changed = false;
  /** The file's rows as it is now, before the batch's own copy may take their place. */
  const fileRows = valid;
  if (past.begin && past.begin.fingerprint !== batchPlan?.fingerprint) {
    const original = await fromCopy(args, stateDir, dir, loaded.batchId, loaded.reportPath, out);
    if (!original) {
      throw new BatchError(
        "input",
        `${loaded.file}: the journal of batch ${loaded.batchId} was written for different rows`,
        {
          hint: `name the file the batch was submitted from (or pass that batch's --batch-id), with the input options submit was given (${ROW_OPTIONS})`,
        },
      );
    }
    ({ loaded, plan: batchPlan, valid } = await planOf(original, journalPath));
    refuseOtherRows(loaded.file, batchPlan, past, out.zone);
    changed = true;
    out.warn(
      `${loaded.file} changed since batch ${loaded.batchId} began (${humanTime(past.begin.at, out.zone)}); following that batch as it was submitted`,
    );
  } else if (!past.begin && args.batchId === undefined) {
    // No batch of these bytes: the file may have been edited since its batch began.
    const same = (api: string | undefined) =>
      apiUrl === null || (api !== undefined && apiIdentity(api) === apiIdentity(apiUrl));
    const earlier = (await earlierBatches(stateDir, dir)).find(
      (batch) => basename(batch.file) === basename(loaded.file) && same(batch.api),
    );
    const original = earlier
      ? await fromCopy(
          args,
          stateDir,
          earlier.dir,
          earlier.batchId,
          reportFor(earlier.dir, earlier.batchId),
          out,
        )
      : null;
    if (earlier && original) {
      // The file as it is now may be the batch's own bytes: submitted under a --batch-id of
      // its own, it is found here by its name, and nothing changed.
      const copy = inputCopyPath(stateDir, earlier.dir);
      const unchanged =
        (await contentIdOf(copy, basename(loaded.file)).catch(() => null)) === loaded.contentId;
      followed = earlier.dir;
      journalPath = journalPathFor(stateDir, earlier.dir);
      ({ loaded, plan: batchPlan, valid } = await planOf(original, journalPath));
      past = await journalOf(journalPath);
      refuseOtherRows(loaded.file, batchPlan, past, out.zone);
      const begun = `${humanTime(earlier.begunAt, out.zone)}${submittedAs(earlier.file, loaded.file)}`;
      changed = !unchanged;
      if (unchanged)
        out.info(`${loaded.file} is batch ${earlier.batchId} (begun ${begun}); following that batch`);
      else
        out.warn(
          `${loaded.file} changed since batch ${earlier.batchId} began (${begun}); following that batch as it was submitted`,
        );
    } else if (earlier) copyless = { batchId: earlier.batchId, begunAt: earlier.begunAt };
  }
  // Said of the batch followed only: another batch's default report may hold this file's.
  if (args.report === undefined) loaded = await withOwnReport(loaded, stateDir, followed, out);
  refuseUnresolved(loaded.file, valid);
  // Every row resolved: a plan.
  batchPlan ??= plan(loaded.batchId, valid);
  // The remaining file is cut from the batch's own bytes, never from the input as it is when
  // the run ends: saved over meanwhile (next month's figures during a status --watch), its
  // lines would be other rows. The copy kept when the batch began is those bytes, when it
  // is still what was read now (the file unchanged since).
  if (loaded.source === loaded.file && loaded.file !== "-") {
    const copy = inputCopyPathBeside(journalPath);
    if ((await contentIdOf(copy, basename(loaded.file)).catch(() => null)) === loaded.contentId)
      loaded = { ...loaded, source: copy };
  }
  refuseDamagedJournal(journalPath, past, planLines(batchPlan));
  if (batchPlan.requests.length === 0) {
    throw new BatchError("input", `${loaded.file}: no valid rows, so no batch to follow`, {
      hint: "run bitex-batch validate on it to see why",
    });
  }
  return {
    loaded,
    plan: batchPlan,
    journalPath,
    past,
    ...(copyless ? { copyless } : {}),
    ...(changed ? { changed: true as const, editedAway: editedAway(valid, past, fileRows) } : {}),
  };
}

/**
 * A money step (`quote`, `accept`) on a file edited since its batch began, naming the file
 * alone, when rows the batch created are no longer in it: the step would pay them as
 * submitted while the file says otherwise (an amount corrected, next month's figures).
 * Refused, exit 2, nothing sent; `--batch-id` says the operator means that batch as it was.
 */
export function refuseEditedAway(batch: Batch, command: string, batchIdGiven: boolean): void {
  const away = batch.editedAway ?? [];
  if (away.length === 0 || batchIdGiven) return;
  const { file, batchId } = batch.loaded;
  const shown =
    away.length > 10 ? `${away.slice(0, 10).join(", ")} and ${away.length - 10} more` : away.join(", ");
  throw new BatchError(
    "input",
    `${file} changed since batch ${batchId} began, and ${away.length} row(s) the batch created are not in it as it is now (line(s) ${shown} as submitted: an amount, payee or port edited, or the row taken out); ${command} would take them on as submitted, not as the file says now; nothing was sent`,
    {
      hint: `to ${command} batch ${batchId} as it was submitted, run the same command with --batch-id ${batchId}; to pay the file as it is now instead, cancel that batch's requests at Bitex (not accepted, they hold no money) and submit the file with a --batch-id of its own`,
    },
  );
}

/** The batch's default report, unless that file is another batch's (batch/report-owner.ts): said. */
export async function withOwnReport<T extends { reportPath: string }>(
  loaded: T,
  stateDir: string,
  dirName: string,
  out: Console,
  ownDir: string | null = dirName,
): Promise<T> {
  const own = await ownReportPath(loaded.reportPath, stateDir, dirName, ownDir);
  if (own.heldBy === undefined) return loaded;
  out.info(`${loaded.reportPath} is batch ${own.heldBy}'s report and stays; this batch's: ${own.path}`);
  return { ...loaded, reportPath: own.path };
}
