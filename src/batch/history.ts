/**
 * What the state directory knows of earlier batches, so that a batch id derived from the
 * file's bytes never silently pays a file twice (an edited file is a new batch, and so is
 * the same file under another name) or not at all (the same file next month is the old batch).
 */
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { apiIdentity } from "../bitex/url.js";
import { BatchError } from "../errors.js";
import type { Plan } from "../model.js";
import { bitexCommand, NO_ROW_FLAGS, otherBatchCommand, type RowFlags } from "../shell-words.js";
import { humanTime } from "../time.js";
import { linesWords } from "../words.js";
import { foldJournal, type JournalState, journalBegin, readJournalState } from "./journal.js";
import { JournalDamage, otherBatchDamaged } from "./journal-check.js";
import { findNearCopy, monthOfName, ofAnotherMonth, onlyReleasedRows, paymentOf } from "./near-copy.js";
import { inputCopyPath, journalPathFor } from "./paths.js";
import { releasedLines } from "./released.js";
import { findSecondVersion } from "./remaining-versions.js";

export interface EarlierBatch {
  batchId: string;
  /** Its directory under the state directory (batch-dir.ts: per API). */
  dir: string;
  /** The input file as that batch named it. */
  file: string;
  begunAt: string;
  created: number;
  /** Of `created`, the rows in requests whose quote this machine accepted: sent to be paid. */
  accepted: number;
  /** Of `created`, the rows in requests whose accept was sent with no answer on record: they may be paid. */
  maybeAccepted: number;
  /** Rows whose create was sent without an outcome on record: they may have been created. */
  maybeSent: number;
  /** Rows it planned and has not sent yet: a run of it may be creating them now, or will when run again. */
  toCreate: number;
  /** The API it was begun on. */
  api: string;
  /** Its paymentsDigest, when its journal has one. */
  payments: string | undefined;
}

/**
 * The payments of a plan, whatever the file's name, the rows' order or the way an amount is
 * written: the sum of one hash per row (payer, sender port, recipient, port, amount or
 * budget, instruction), so that identical rows count once each and nothing is sorted.
 */
export function paymentsDigest(plan: Plan): string {
  const modulus = 1n << 128n;
  let sum = 0n;
  let rows = 0;
  for (const request of plan.requests) {
    for (const row of request.rows) {
      sum = (sum + BigInt(`0x${paymentOf(row)}`)) % modulus;
      rows++;
    }
  }
  return `${rows}:${sum.toString(16).padStart(32, "0")}`;
}

/**
 * Every other batch (`exceptBatchId`: a directory name) of the state directory that created, or
 * may have created, at least one output; with `unsent`, also those begun that have sent none yet
 * (a run may be about to send them).
 */
export async function earlierBatches(
  stateDir: string,
  exceptBatchId: string,
  unsent = false,
): Promise<EarlierBatch[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  const found: EarlierBatch[] = [];
  for (const dir of names) {
    if (dir === exceptBatchId) continue;
    // A stray file or an unreadable directory is no batch this tool can speak for.
    // A damaged journal may be a batch that paid these rows: never passed over as none.
    const state = await readJournalState(journalPathFor(stateDir, dir)).catch((error) => {
      if (error instanceof JournalDamage) throw otherBatchDamaged(error, dir);
      return foldJournal([]);
    });
    if (!state.begin) continue;
    const counts = batchCounts(state);
    if (counts.created + counts.maybeSent === 0 && !unsent) continue;
    found.push({
      batchId: state.begin.batch_id ?? dir,
      dir,
      file: state.begin.file,
      begunAt: state.begin.at,
      api: state.begin.api,
      ...counts,
      payments: state.begin.payments,
    });
  }
  return found.sort((a, b) => (a.begunAt < b.begunAt ? 1 : -1));
}

/** A batch's rows by what its journal says it did with them (see EarlierBatch). */
export function batchCounts(
  state: JournalState,
): Pick<EarlierBatch, "created" | "accepted" | "maybeAccepted" | "maybeSent" | "toCreate"> {
  let created = 0;
  let accepted = 0;
  let maybeAccepted = 0;
  let maybeSent = 0;
  for (const row of state.rows.values()) {
    if (row.status === "created") {
      created++;
      const step = state.steps.get(row.requestId)?.accept_quote;
      if (step === "done") accepted++;
      else if (step === "intent") maybeAccepted++;
    } else if (row.status === "intent" || row.status === "ambiguous") maybeSent++;
  }
  let toCreate = 0;
  for (const line of state.planned.keys()) if (!state.rows.has(line)) toCreate++;
  return { created, accepted, maybeAccepted, maybeSent, toCreate };
}

/**
 * What an earlier batch did with its rows, from its journal, never "paid" for a draft:
 * "accepted 4 row(s) for payment", "staged 2 row(s) (created in draft requests, not paid)",
 * "may have created 1 row(s) (creates with no answer on record)".
 */
export function batchWords(
  batch: Pick<EarlierBatch, "created" | "accepted" | "maybeAccepted" | "maybeSent" | "toCreate">,
): string {
  const { maybeAccepted } = batch;
  const staged = batch.created - batch.accepted - maybeAccepted;
  const parts = [
    ...(batch.accepted > 0 ? [`accepted ${batch.accepted} row(s) for payment`] : []),
    ...(maybeAccepted > 0
      ? [`may have accepted ${maybeAccepted} row(s) for payment (an accept left without an answer)`]
      : []),
    ...(staged > 0
      ? [`staged ${staged} row(s) (created in requests it never accepted: not paid by it)`]
      : []),
    ...(batch.maybeSent > 0
      ? [`may have created ${batch.maybeSent} row(s) (creates with no answer on record)`]
      : []),
  ];
  const running = "(a run of it may be creating them now, or will when it is run again)";
  // Begun, nothing sent yet: its run may be sending the rows now, or will when it is resumed.
  if (parts.length === 0) return `has created none of them yet ${running}`;
  if (batch.toCreate > 0) parts.push(`has still to create ${batch.toCreate} row(s) ${running}`);
  return parts.join(", ");
}

/**
 * An edited file is a new batch, and so is the same file under another name, and so is a
 * near copy (near-copy.ts): refuse to pay it silently while an earlier batch of the same API
 * has sent rows (created, or sent without an answer) from a file of that name, holds exactly
 * the same payments, or paid most of them lately. `dir` is the batch's directory (batch-dir.ts);
 * `remainingFileOf` names the remaining file of an earlier batch of the input, which the refusal points at.
 */
export async function refuseNewBatchOfOldPayments(
  stateDir: string,
  loaded: {
    batchId: string;
    dir: string;
    file: string;
    plan: Plan;
    apiUrl: string;
    remainingFileOf(journalPath: string, batchId: string): Promise<string>;
    /** Names carry their month: an earlier batch of another month's file is no copy (ofAnotherMonth). */
    monthInName?: boolean;
    /** The operator's zone, for when the earlier batch began. */
    zone: string;
    /**
     * This run's input options that change the rows, for the `status` of the file offered
     * (the earlier batch's are not recorded: this run's are the likeliest).
     */
    flags?: RowFlags;
    /**
     * The inbox's run of a file of its folder: an earlier batch's file is where the inbox moved
     * it (`done/…`, `failed/`), and a new payroll is dropped under a name of its own, not
     * named with --batch-id, which the inbox does not take (helper-83).
     */
    inbox?: { whereIs(file: string, batchId: string): Promise<string> };
  },
): Promise<void> {
  const batchPlan = loaded.plan;
  const whereIs = (file: string, batchId: string) =>
    loaded.inbox?.whereIs(file, batchId) ?? Promise.resolve(file);
  const newRun = loaded.inbox
    ? `a new payroll is dropped under a name of its own (${loaded.monthInName ? "its month in the name, as --month-in-name reads it" : "like payroll-2026-12.csv"})`
    : "a new payment run (next month's payroll) is named with --batch-id, as the README's cron line does";
  // A file by payee details found or created its payees before this check: never a payment.
  const byDetails = batchPlan.requests.some((request) => request.rows.some((row) => row.payee !== undefined));
  const nothingSent = byDetails
    ? "no payment was sent (the payees it names were found or created at Bitex before this check)"
    : "nothing was sent";
  // Resuming this batch: its own journal decides; the scan is only for a batch that is new. A
  // journal without a begin is new: the payee phase writes one first (helper-80: every file by
  // payee details skipped these refusals, and a copy within the month was paid twice).
  if ((await readJournalState(journalPathFor(stateDir, loaded.dir)).catch(() => null))?.begin) return;
  // Batches are per API: a file rehearsed on the sandbox is a batch of its own in production.
  const passOver = loaded.monthInName ? ofAnotherMonth(loaded.file) : () => false;
  const begun = (await earlierBatches(stateDir, loaded.dir, true)).filter(
    (batch) => apiIdentity(batch.api) === apiIdentity(loaded.apiUrl) && !passOver(batch.file, batch.batchId),
  );
  const earlier = begun.filter((batch) => batch.created + batch.maybeSent > 0);
  const last = earlier.find((batch) => basename(batch.file) === basename(loaded.file));
  if (last) {
    // status follows that batch from its copy of the file; without one, only from the file as it was.
    const copied = await stat(inputCopyPath(stateDir, last.dir)).then(
      () => true,
      () => false,
    );
    const earlierFile = await whereIs(last.file, last.batchId);
    const status = otherBatchCommand(loaded.flags ?? NO_ROW_FLAGS, "status", earlierFile);
    const remainingFile = await loaded.remainingFileOf(journalPathFor(stateDir, last.dir), last.batchId);
    // Written beside the file status follows: the batch's own (moved by the inbox, or another
    // folder's file of the same name), not this one.
    const remainingThere = join(dirname(earlierFile), basename(remainingFile));
    const follow = copied
      ? `${status} follows that batch and writes ${remainingThere}`
      : `that batch kept no copy of the file as submitted: put ${earlierFile} back as it was, and ${status} will follow that batch and write ${remainingThere}`;
    throw new BatchError(
      "input",
      `${loaded.file} changed since batch ${last.batchId} (begun ${humanTime(last.begunAt, loaded.zone)}${submittedAs(last.file, loaded.file)}) ${batchWords(last)} from it; sending it as a new batch could pay them again`,
      {
        hint: `${nothingSent}; ${follow} with its rows not paid, to fix and submit; ${newRun}`,
      },
    );
  }
  const payments = paymentsDigest(batchPlan);
  // A batch begun that has sent nothing yet counts too: two copies started together would
  // otherwise each be a new batch (the new-batch lock makes the first one's begin seen).
  // Unless every row is one that batch released: its remaining file, when it released them all.
  let copy: EarlierBatch | undefined;
  for (const batch of begun) {
    if (batch.payments !== payments) continue;
    if (await onlyReleasedRows(journalPathFor(stateDir, batch.dir), batchPlan)) continue;
    copy = batch;
    break;
  }
  if (copy) {
    const copyFile = await whereIs(copy.file, copy.batchId);
    // Accepted: paid or being paid. Said before the way to a new run, never as the way on (helper-102).
    const accepted =
      copy.accepted + copy.maybeAccepted > 0
        ? `batch ${copy.batchId} accepted them for payment: they are paid, or being paid, by it (${otherBatchCommand(loaded.flags ?? NO_ROW_FLAGS, "status", copyFile, copy.batchId)} shows which), so never send them again; only `
        : "";
    throw new BatchError(
      "input",
      `${loaded.file} holds the same payments as batch ${copy.batchId} (file ${copyFile}, begun ${humanTime(copy.begunAt, loaded.zone)}), which ${batchWords(copy)}; sending it as a new batch would pay them again`,
      {
        hint: `${nothingSent}; ${accepted}${newRun}`,
      },
    );
  }
  const monthly = loaded.monthInName === true && monthOfName(loaded.file) !== null;
  const near = await findNearCopy(
    stateDir,
    batchPlan,
    loaded.apiUrl,
    new Date(),
    passOver,
    undefined,
    !monthly,
  );
  if (near) {
    const nearFile = await whereIs(near.file, near.batchId);
    throw new BatchError(
      "input",
      `${loaded.file}: ${near.same} of its ${near.rows} row(s) are payments batch ${near.batchId} (file ${nearFile}, begun ${humanTime(near.begunAt, loaded.zone)}) holds: ${batchWords(near)}; sending it as a new batch could pay them again`,
      {
        // Mostly rows released to a remaining file: those batch holds were sent again already.
        hint:
          near.released > 0
            ? `${nothingSent}; ${near.released} of its rows are rows earlier batches did not pay (a remaining file), and the ${near.same} that batch ${near.batchId} holds are its to pay: take those out of ${loaded.file} and submit the rest`
            : `${nothingSent}; rows an earlier batch did not pay are in its remaining file (${bitexCommand("status", nearFile)} writes it); ${newRun}`,
      },
    );
  }
  const second = await findSecondVersion(stateDir, batchPlan, loaded.apiUrl, new Date(), passOver);
  if (second) {
    const { released, holder } = second;
    const holderFile = await whereIs(holder.file, holder.batchId);
    const releasedFile = await whereIs(released.file, released.batchId);
    const status = otherBatchCommand(loaded.flags ?? NO_ROW_FLAGS, "status", holderFile, holder.batchId);
    throw new BatchError(
      "input",
      `${loaded.file}: ${second.lines.length} of its ${second.rows} row(s) (${linesWords(second.lines)}) go to payees that batch ${holder.batchId} (file ${holderFile}, begun ${humanTime(holder.begunAt, loaded.zone)}) holds to pay, at these amounts or others; ${VERSIONS(released.batchId, releasedFile)}: sending this one as a new batch could pay them twice`,
      {
        hint: `${nothingSent}; ${status} shows what that batch pays: if it pays these rows, ${keepOut(loaded, second.lines.length < second.rows)}; if they are other payments (one file a later month's payroll), submit it ${loaded.inbox ? "by hand " : ""}with a --batch-id of its own`,
      },
    );
  }
}

/**
 * What to do with a file whose rows (`some`: some of its rows) another batch pays. A file of
 * the inbox's folder is moved to failed/ as these words are written: not named by its old path,
 * and dropped again rather than submitted.
 */
function keepOut(loaded: { file: string; inbox?: unknown }, some: boolean): string {
  if (loaded.inbox)
    return some
      ? "take them out of it and drop the rest in the folder under a new name"
      : "do not drop it in the folder again";
  return some ? `take them out of ${loaded.file} and submit the rest` : `do not submit ${loaded.file}`;
}

/**
 * What two versions of a remaining file share (remaining-versions.ts), said without taking
 * either for the copy: one may be next month's payroll (helper-104).
 */
const VERSIONS = (batchId: string, file: string) =>
  `both files are mostly payees batch ${batchId} (file ${file}) did not pay, or new ones, as its remaining file and a copy of it fixed (late hires added) are`;

/**
 * A batch taken up again, refused when a batch begun after it (same API, within the near-copy
 * window) holds most of its rows still open: the file was edited, paid as a new batch
 * (--batch-id), then put back and run again, which sent, quoted and accepted every row again
 * (helper-89). `open`: "unsent", the rows a submit would send; "unaccepted", those a quote or
 * an accept would take too (created, in no request whose accept was sent). Rows released to
 * its remaining file do not count. A later batch of another month (by file name or batch
 * id, the cron line's and the inbox's) is passed over. Checked with --batch-id too: the cron
 * line always passes one, and a second run of the month resumes its batch (helper-93).
 */
export async function refuseResumeOverLaterBatch(
  stateDir: string,
  batch: {
    batchId: string;
    file: string;
    plan: Plan;
    apiUrl: string;
    journalPath: string;
    zone: string;
    open: "unsent" | "unaccepted";
    /** The run's input options that change the rows, for the commands offered. */
    flags?: RowFlags;
    /** Its journal as read already, if it was (follow.ts): a large batch's is read once. */
    past?: JournalState;
  },
): Promise<void> {
  // Mostly no batch began since: told by each journal's begin line, not by reading them all.
  const begun = batch.past?.begin?.at ?? (await journalBegin(batch.journalPath))?.at;
  if (begun === undefined || !(await anyBegunAfter(stateDir, begun, batch.journalPath))) return;
  const past = batch.past ?? (await readJournalState(batch.journalPath));
  if (!past.begin) return;
  const released = await releasedLines(batch.journalPath);
  const stillOpen = (line: number) => {
    const row = past.rows.get(line);
    if (released.has(line) || row?.status === "failed") return false;
    if (batch.open === "unsent") return row === undefined || row.status !== "created";
    return row?.status !== "created" || past.steps.get(row.requestId)?.accept_quote === undefined;
  };
  const requests = batch.plan.requests
    .map((request) => ({ ...request, rows: request.rows.filter((row) => stillOpen(row.line)) }))
    .filter((request) => request.rows.length > 0);
  if (requests.length === 0) return;
  const rest = { ...batch.plan, requests };
  const passOver = ofAnotherMonth(batch.file, batch.batchId);
  const later = await findNearCopy(stateDir, rest, batch.apiUrl, new Date(), passOver, past.begin.at);
  if (!later) {
    // A version of a remaining file begun after this one (a copy fixed and paid meanwhile,
    // with a --batch-id of its own, which skips the new-batch check).
    const second = await findSecondVersion(stateDir, rest, batch.apiUrl, new Date(), passOver, past.begin.at);
    if (!second) return;
    const { holder, released } = second;
    throw new BatchError(
      "input",
      `${batch.file}: ${second.lines.length} of the ${second.rows} row(s) batch ${batch.batchId} (begun ${humanTime(past.begin.at, batch.zone)}) has ${batch.open === "unsent" ? "still to send" : "not had accepted yet"} (${linesWords(second.lines)}) go to payees that batch ${holder.batchId} (file ${holder.file}, begun later, ${humanTime(holder.begunAt, batch.zone)}) holds to pay, at these amounts or others; ${VERSIONS(released.batchId, released.file)}: going on could pay them twice`,
      {
        hint: `nothing was sent; ${otherBatchCommand(batch.flags ?? NO_ROW_FLAGS, "status", holder.file, holder.batchId)} shows what that batch pays; if these rows are other payments, submit them as a new batch with a --batch-id of its own (this batch's requests are then never quoted nor accepted)`,
      },
    );
  }
  const status = otherBatchCommand(batch.flags ?? NO_ROW_FLAGS, "status", later.file, later.batchId);
  throw new BatchError(
    "input",
    `${batch.file}: ${later.same} of the ${later.rows} row(s) batch ${batch.batchId} (begun ${humanTime(past.begin.at, batch.zone)}) has ${batch.open === "unsent" ? "still to send" : "not had accepted yet"} are payments batch ${later.batchId} (file ${later.file}, begun later, ${humanTime(later.begunAt, batch.zone)}) holds: ${batchWords(later)}; going on could pay them again`,
    {
      hint: `nothing was sent; ${status} shows what that batch paid; if these rows are other payments (a payroll still due beside a later one), submit them as a new batch with a --batch-id of its own (this batch's requests are then never quoted nor accepted)`,
    },
  );
}

/** Whether a batch of the state directory other than `journalPath`'s began after `at`. */
async function anyBegunAfter(stateDir: string, at: string, journalPath: string): Promise<boolean> {
  for (const dir of await readdir(stateDir).catch(() => [] as string[])) {
    const path = journalPathFor(stateDir, dir);
    if (path === journalPath) continue;
    const begin = await journalBegin(path);
    if (begin && Date.parse(begin.at) > Date.parse(at)) return true;
  }
  return false;
}

/**
 * An earlier batch is found by its file's name alone (the inbox moves files between folders),
 * so a file of that name in another folder is taken for it: the path it was submitted as is
 * said whenever it is not the one given, for the operator to see which file that batch is.
 */
export const submittedAs = (batchFile: string, file: string): string =>
  batchFile === file ? "" : `, submitted as ${batchFile}`;
