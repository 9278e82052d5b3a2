/**
 * The remaining file of a run: `<input>.remaining.csv` with the rows not paid and not being
 * paid (follow/remaining.ts decides which), cut from the file the batch was submitted from.
 * It is one batch's: a file of that name that another batch wrote (two batches of one input
 * name: next month's payroll saved at the same path) or that was changed since is never
 * written over; this batch's rows then go to `<input>.<batch>.remaining.csv`. And a file of
 * a drop folder gets its remaining file where the inbox moved the file, never back in the
 * folder (remaining-home.ts).
 */

import { createHash } from "node:crypto";
import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { acquireLock, type Lock } from "../batch/lock.js";
import { journalPathFor, lockPathBeside } from "../batch/paths.js";
import {
  laterReferences,
  type ReleasedRecord,
  readReleased,
  recordReleased,
  type TakenRelease,
  withTakers,
} from "../batch/released.js";
import { BatchError } from "../errors.js";
import { notPaidLines } from "../follow/remaining.js";
import { stepDone } from "../follow/steps.js";
import type { CheckedRow, OutcomeOf } from "../model.js";
import { containerOf } from "../read/container.js";
import {
  batchRemainingPath,
  remainingBytes,
  remainingPath,
  writeRemainingBytes,
} from "../report/remaining.js";
import type { RemainingOf } from "../report/unpaid.js";
import { NO_ROW_FLAGS, otherBatchCommand, type RowFlags, remainingCommand } from "../shell-words.js";
import { humanTime } from "../time.js";
import { movedFile, remainingHome } from "./remaining-home.js";
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
  /** Invalid rows may have been sent (no journal tells with which input options): kept out (notPaidLines). */
  invalidMayBeSent?: boolean;
  /** The batch's journal: the lines released are recorded beside it (near-copy.ts). */
  journalPath: string;
  /** The batch's id: a drop folder's ledger names its files' batches by it. */
  batchId: string;
  /** The inbox's own submit of a file of its folder: the inbox moves the remaining file with it. */
  inboxRun?: boolean;
  /** The run's input options that change the rows: the command to submit the file carries those that apply. */
  flags?: RowFlags;
  /** Written, not said: a follow-through comes next and says it from the server's states. */
  silent?: boolean;
}

/** What a run wrote: how many rows, in which file (none written: 0, null). */
export interface Remaining {
  rows: number;
  file: string | null;
}

const NONE: Remaining = { rows: 0, file: null };

/** Writes it when some rows qualify and says so. */
export async function writeRemainingFile(out: Console, input: RemainingInput): Promise<Remaining> {
  // Read once: what the batch released before, into which file, and which files were submitted.
  const folder = dirname((input.inboxRun ? null : await movedFile(input.csv, input.batchId)) ?? input.csv);
  const record = await withTakers(input.journalPath, await readReleased(input.journalPath), folder);
  const taken = takenLines(record);
  const lines = new Set([...(await remainingLines(input, record))].filter((line) => !taken.has(line)));
  const say = input.silent ? { warn: () => {}, summary: () => {} } : out;
  say.summary(takenWords(record, out.zone, input.csv));
  if (lines.size === 0) return NONE;
  // A row released here that a later batch holds by its reference: fixed in a copy and paid there?
  const references = new Map<number, string>();
  for (const item of input.checked())
    if (item.ok && lines.has(item.line)) references.set(item.line, item.row.reference);
  const laterHeld = await laterReferences(input.journalPath, references);
  for (const [line, later] of laterHeld)
    say.warn(
      `line ${line} (reference ${references.get(line)}) is also in batch ${later.batchId} (file ${later.file}, begun ${humanTime(later.begunAt, out.zone)}), begun after this batch released it: if that batch pays it (a copy of the remaining file, fixed, or a new file), do not pay it again from the remaining file`,
    );
  if (input.source === "-") {
    say.warn(
      `${lines.size} row(s) not paid and not being paid (see the report); standard input cannot be cut into a remaining file`,
    );
    return NONE;
  }
  // A workbook's records are not lines of its bytes (a zip): cut, it would be garbage named
  // "exactly those rows". Its rows are still released: this batch never pays them.
  if ((await containerOf(input.source, input.source).catch(() => "text")) === "workbook") {
    const recorded = await mustRecord(input.journalPath, () =>
      recordReleased(input.journalPath, new Set([...lines, ...taken]), undefined, record.taken),
    ).then(
      () => true,
      (error: unknown) => {
        out.warn(
          `bitex-batch: could not record the rows released: ${error instanceof Error ? error.message : String(error)}`,
        );
        return false;
      },
    );
    if (!recorded) return NONE;
    say.warn(
      `${lines.size} row(s) not paid and not being paid (see the report: its line is the sheet's row); a workbook is not cut into a remaining file: put those rows in a new file to pay them`,
    );
    return NONE;
  }
  const home = await remainingHome(out, input).catch((error: unknown) => {
    out.warn(
      `bitex-batch: could not write ${remainingPath(input.csv)}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return null;
  });
  if (!home) return NONE;
  const path = remainingPath(home.csv);
  let placed: Placed;
  try {
    const starts = [...input.checked()].map((item) => item.line);
    const cut = (keep: ReadonlySet<number>) => remainingBytes(input.source, starts, keep);
    placed = await placeRemaining(out, input, record, home.csv, lines, cut);
  } catch (error) {
    out.warn(
      `bitex-batch: could not write ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return NONE;
  } finally {
    await home.release();
  }
  // Rows released before into a file this run did not write (changed or gone since): they stay there.
  const written = placed.path === null ? null : basename(placed.path);
  const elsewhere = new Map<string, number>();
  for (const line of lines) {
    const name = record.homes.get(line);
    if (name !== undefined && name !== written) elsewhere.set(name, (elsewhere.get(name) ?? 0) + 1);
  }
  say.summary(
    [...elsewhere].map(
      ([name, count]) =>
        `${count} row(s) not paid and not being paid were released to ${join(dirname(path), name)} before, which changed or is gone since: never written into another file; pay them from that file if it still holds them`,
    ),
  );
  if (placed.path === null || placed.rows === 0) return NONE;
  // Never "submit it" bare beside a warning that a later batch may pay some of its rows.
  const submit = remainingCommand(input.flags ?? NO_ROW_FLAGS, placed.path);
  const then =
    laterHeld.size > 0
      ? `${laterHeld.size} of them by reference also in a later batch, said above: see that it does not pay them (take them out of the file if it does), then ${submit}`
      : `fix them there if needed, then ${submit}`;
  // A drop folder's file leaves the folder with its remaining file: the path here is gone by
  // the time anyone reads it (helper-112), and the way to pay them is the folder's.
  const stem = basename(input.csv, extname(input.csv));
  say.summary([
    input.inboxRun
      ? `${placed.rows} row(s) not paid and not being paid: in ${basename(placed.path)}, which moves with ${basename(input.csv)}; to pay them, fix them there if needed and drop it into the folder under a new name (like ${stem}-rest.csv)`
      : `${placed.rows} row(s) not paid and not being paid: ${placed.path} (${then})`,
  ]);
  return { rows: placed.rows, file: placed.path };
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * Records a release; fails when it cannot be recorded, but for a batch whose directory is
 * gone (a status without its state directory: nothing to record in, and no run of it that
 * reads a record).
 */
async function mustRecord(journalPath: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (await stat(dirname(journalPath)).catch(() => null)) throw error;
  }
}

interface Placed {
  /** The file written; null when every row stays in a file written before. */
  path: string | null;
  /** Rows written there: those released into it before, and those released now. */
  rows: number;
}

/**
 * Puts the rows in this batch's remaining file beside `csv` and records them released;
 * returns the file. The file this batch last wrote while it is still as written (its bytes
 * one of the recorded digests) and no batch was begun from it; at a first release the plain
 * name when nothing is there (or an older version's file of this batch is); else a name this
 * batch never used, said once. A row released before goes only into the file it was released
 * into (`homes`): a file changed since (fixed by hand), gone (moved, deleted) or submitted
 * keeps its rows, never written again into another file, where they would be paid a second
 * time beside the first (helper-101).
 */
async function placeRemaining(
  out: Console,
  input: RemainingInput,
  record: ReleasedRecord,
  csv: string,
  lines: ReadonlySet<number>,
  cut: (keep: ReadonlySet<number>) => Promise<Buffer>,
): Promise<Placed> {
  const plain = remainingPath(csv);
  const write = async (target: string, replace: boolean, before: string[] = []): Promise<Placed | null> => {
    const name = basename(target);
    const keep = new Set([...lines].filter((line) => (record.homes.get(line) ?? name) === name));
    if (keep.size === 0) return { path: null, rows: 0 };
    const bytes = await cut(keep);
    const homes = new Map(record.homes);
    for (const line of keep) homes.set(line, name);
    // The record first: a run stopped before the file is in place leaves the rows released
    // (this batch never pays them, and its next run writes them), and either version of the
    // file known as this batch's. No file without it: the batch could pay its rows too.
    await mustRecord(input.journalPath, () =>
      recordReleased(
        input.journalPath,
        new Set([...lines, ...takenLines(record)]),
        { name, sha256: [sha256(bytes), ...before] },
        record.taken,
        homes,
      ),
    );
    return (await writeRemainingBytes(target, bytes, replace)) ? { path: target, rows: keep.size } : null;
  };
  const last = record.file === undefined ? plain : join(dirname(plain), record.file);
  const submitted = record.taken.find((item) => item.file === basename(last));
  const holder = submitted
    ? "other"
    : await holderOf(last, record, input.journalPath, () => cut(record.lines));
  const firstTime = record.file === undefined || record.homes.size === 0;
  if (holder !== "none" && holder !== "other") return (await write(last, true, [holder])) as Placed;
  // Made only where nothing is: another batch that claimed the name meanwhile keeps it.
  if (keepsLast(record, holder)) {
    const made = await write(last, false);
    if (made) return made;
  }
  // Nothing released since: each row stays in its file, said by the caller.
  if (!firstTime && [...lines].every((line) => record.homes.has(line))) return { path: null, rows: 0 };
  const fresh = await unusedRemainingPath(csv, input.journalPath, record);
  const why = submitted
    ? `was submitted as batch ${submitted.batchId}: left as it is`
    : holder === "none"
      ? "is gone (moved or deleted since this batch wrote it: submitted under another name?): its rows are not written again"
      : firstTime
        ? "is not this batch's (another batch's remaining file, or changed since this batch wrote it): left as it is"
        : "changed since this batch wrote it (its rows fixed there?): left as it is";
  out.warn(
    `${last} ${why}; the rows of batch ${input.batchId} not paid ${firstTime ? "" : "since "}go to ${fresh}`,
  );
  return (await write(fresh, true)) as Placed;
}

/**
 * Whether the rows go to the file this batch last wrote (or, at a first release, the plain
 * name): while it is this batch's as written (`holder` its digest), or nothing is there yet and
 * it never wrote one; not once it changed, was submitted ("other") or is gone.
 */
function keepsLast(record: ReleasedRecord, holder: string): boolean {
  if (holder === "other") return false;
  return holder !== "none" || record.file === undefined || record.homes.size === 0;
}

/**
 * The batch's own remaining file beside `csv` (`<input>.<batch dir>.remaining.csv`), numbered
 * past any name it released rows into or a batch was begun from, and any file there.
 */
async function unusedRemainingPath(
  csv: string,
  journalPath: string,
  record: ReleasedRecord,
): Promise<string> {
  const dir = basename(dirname(journalPath));
  const used = new Set([...record.homes.values(), ...record.taken.map((item) => item.file)]);
  if (record.file !== undefined) used.add(record.file);
  let path = batchRemainingPath(csv, dir);
  for (let n = 2; used.has(basename(path)) || (await lstat(path).catch(() => null)); n++)
    path = batchRemainingPath(csv, `${dir}.${n}`);
  return path;
}

/**
 * Whose the file at `plain` is, for the batch of `record` (its journal `journalPath`): "none"
 * (nothing there), "other" (another batch's, changed since, or not a regular file), else its
 * sha256 (this batch's). `legacy`: the bytes a version that recorded no file name would have
 * written there.
 */
async function holderOf(
  plain: string,
  record: ReleasedRecord,
  journalPath: string,
  legacy: () => Promise<Buffer>,
): Promise<string> {
  const info = await lstat(plain).catch(() => null);
  if (!info) return "none";
  if (!info.isFile()) return "other";
  const bytes = await readFile(plain);
  const digest = sha256(bytes);
  if (record.file === basename(plain)) return record.sha256.includes(digest) ? digest : "other";
  if (record.file === undefined && record.lines.size > 0 && bytes.equals(await legacy())) return digest;
  // No journal of the batch here (its state directory gone, or another --state-dir): nothing
  // says whose the file is, and it is taken for this batch's as before, unless a batch of
  // this state directory records it as its own.
  if (!(await stat(journalPath).catch(() => null)) && !(await claimedByAnother(journalPath, plain, digest)))
    return digest;
  return "other";
}

/** Whether a batch of the state directory of `journalPath` records the file `plain` with these bytes. */
async function claimedByAnother(journalPath: string, plain: string, digest: string): Promise<boolean> {
  const stateDir = dirname(dirname(journalPath));
  for (const dir of await readdir(stateDir).catch(() => [] as string[])) {
    const theirs = await readReleased(journalPathFor(stateDir, dir));
    if (theirs.file === basename(plain) && theirs.sha256.includes(digest)) return true;
  }
  return false;
}

/**
 * The file this batch's remaining file is, or would be, for the words that name it before
 * (or without) a write: where a drop folder's inbox moved the file, the plain name unless a
 * file there is not this batch's.
 */
export async function remainingFileOf(
  input: Pick<RemainingInput, "csv" | "journalPath" | "batchId" | "inboxRun">,
): Promise<string> {
  return (await remainingOf(input)).file;
}

/**
 * remainingFileOf, and by line the rows whose remaining file went out as a batch of its own
 * (withTakers), from one reading of `released.json`.
 */
export async function remainingOf(
  input: Pick<RemainingInput, "csv" | "journalPath" | "batchId" | "inboxRun">,
): Promise<{ file: string; taken: Map<number, TakenRelease>; homes: Map<number, string> }> {
  const csv = (input.inboxRun ? null : await movedFile(input.csv, input.batchId)) ?? input.csv;
  const record = await withTakers(input.journalPath, await readReleased(input.journalPath), dirname(csv));
  const taken = new Map(record.taken.flatMap((item) => item.lines.map((line) => [line, item] as const)));
  const plain = remainingPath(csv);
  // Each row released before is in the file it was released into, and only there.
  const homes = new Map([...record.homes].map(([line, name]) => [line, join(dirname(plain), name)] as const));
  const last = record.file === undefined ? plain : join(dirname(plain), record.file);
  // An older version's file is taken for this batch's here; the write checks its bytes.
  const holder = record.taken.some((item) => item.file === basename(last))
    ? "other"
    : await holderOf(last, record, input.journalPath, () => readFile(last));
  const file = keepsLast(record, holder) ? last : await unusedRemainingPath(csv, input.journalPath, record);
  return { file, taken, homes };
}

function takenLines(record: ReleasedRecord): Set<number> {
  return new Set(record.taken.flatMap((item) => item.lines));
}

/**
 * By line, what a row not paid is to be paid from, for its words: the batch its remaining file
 * went out as (taken), else the file it was released into (homes), else `file`, the file this
 * run names. A workbook gets none; the inbox's file is named beside the file, where the inbox
 * moves them (a path in the folder would be stale in the report that moves with them).
 */
export function remainingFor(
  of: { taken: ReadonlyMap<number, TakenRelease>; homes: ReadonlyMap<number, string> },
  file: string,
  how: { workbook: boolean; inboxRun: boolean; csv: string },
): RemainingOf {
  return (line) => {
    const taken = of.taken.get(line);
    if (taken) return { file: taken.file, batchId: taken.batchId, status: takerStatus(taken) };
    if (how.workbook) return "a new file with the row (a workbook gets no remaining file)";
    const home = of.homes.get(line) ?? file;
    return how.inboxRun
      ? `${basename(home)} (beside ${basename(how.csv)}, where the inbox moves them)`
      : home;
  };
}

/**
 * `bitex-batch status <its file>`: the batch a remaining file went out as, by the file it was
 * begun from (as its journal names it). No `--batch-id`: no message advises one (README).
 */
function takerStatus(item: Pick<TakenRelease, "file" | "from">): string {
  return otherBatchCommand(NO_ROW_FLAGS, "status", item.from ?? item.file);
}

function takenWords(record: ReleasedRecord, zone: string, csv: string): string[] {
  return record.taken.map((item) => {
    const file = join(dirname(csv), item.file);
    return `${item.lines.length} row(s) released to ${file} went out as batch ${item.batchId} (begun ${humanTime(item.begunAt, zone)}), which holds them: that batch answers for them (it pays them, or its own remaining file holds those it cannot), never this one nor another remaining file (${takerStatus(item)} follows it)`;
  });
}

/**
 * The rows of the remaining file: those this batch can no longer pay (notPaidLines), and
 * those it released before.
 */
export async function remainingLines(input: RemainingInput, record?: ReleasedRecord): Promise<Set<number>> {
  const lines = notPaidLines(input.checked(), input.outcomes, input.requestStates, input.invalidMayBeSent);
  // A row released once stays in it: this batch never pays it (the follow-through refuses to
  // quote or accept its request), whatever a later run finds; unless its request is read
  // accepted (a run that read the release too late, racing a read-only status): that row is
  // being paid by this batch, so it leaves the file and the record. So does an invalid row while
  // invalid rows may have been sent (another run, other input options): it may be being paid.
  const released = (record ?? (await readReleased(input.journalPath))).lines;
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
 * that lock (its record of the rows released before read there), and not at all while another
 * run holds it: that run's own checks read what is released right before its accepts, which a
 * release after them would miss.
 */
export async function releaseRows(
  out: Console,
  readOnly: boolean,
  input: RemainingInput,
): Promise<Remaining> {
  if (!readOnly || (await remainingLines(input)).size === 0) return writeRemainingFile(out, input);
  let lock: Lock | null = null;
  try {
    // Held for a moment: a submit, quote or accept that starts meanwhile waits for it (lock.ts).
    lock = await acquireLock(lockPathBeside(input.journalPath), (line) => out.warn(line), { brief: true });
  } catch (error) {
    if (error instanceof BatchError && error.code === "locked") {
      out.warn(
        `the remaining file is not written: ${error.message} (a submit, quote or accept of it); run this status again once that run ends`,
      );
      return NONE;
    }
    // No state directory to lock in (gone, not a directory): no other run of the batch can
    // hold it, and no release can be recorded there either (writeRemainingFile goes on without).
  }
  try {
    return await writeRemainingFile(out, input);
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
