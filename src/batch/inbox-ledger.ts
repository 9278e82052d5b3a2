/**
 * A drop folder's own record, in `<DIR>/.bitex-inbox/` (a dot folder, so never taken for a
 * payroll): the lock that lets one inbox run work the folder at a time, and the ledger of
 * moves. A file is moved as a group (its report, its remaining file, its error note, the file
 * itself); the ledger holds the move's intent before the first rename and its end after the
 * last, so a run killed between two renames finishes the move next time, and a file already
 * paid from this folder is known by its batch id whatever became of it since.
 */
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { makeDirectories } from "../disk.js";

export const INBOX_STATE = ".bitex-inbox";

export const inboxStateDir = (dir: string) => join(dir, INBOX_STATE);
export const inboxLockPath = (dir: string) => join(dir, INBOX_STATE, "lock");
const ledgerPath = (dir: string) => join(dir, INBOX_STATE, "ledger.jsonl");

/** How far a file taken from the folder went, as its move to done/ recorded it. */
export type TakenStage = "staged" | "quoted" | "accepted" | "final";

/** A move of one file's group out of the folder, as decided before the first rename. */
export interface MoveIntent {
  t: "move";
  /** Ties the intent to its end. */
  id: string;
  batch_id: string;
  /** The payroll file's name in the folder. */
  name: string;
  /** done or failed. */
  outcome: "done" | "failed";
  /** The folder it goes to, relative to DIR (e.g. done/2026-12-05). */
  to: string;
  /** The names in DIR that move with it, the file last. */
  names: string[];
  /** For a file moved to done/: how far its batch went (the submit's stage), so words about it are true. */
  stage?: TakenStage;
  /** For a failed file: the text of `<name>.error.txt`, written into `to`. */
  error_text?: string;
  /**
   * The file's outcome as its run says it once moved: its exit code, its line's reason, its
   * `next:` lines (naming it where it went). A run that finishes the move after a kill says
   * them and counts the file (helper-83: it went unsaid, exit 0). Absent in older ledgers.
   */
  exit_code?: number;
  reason?: string | null;
  next?: string[];
  /** A file set aside: its line's words ("18 of 19 row(s) paid, 1 not (exit 1)"). */
  headline?: string;
  at: string;
}

export interface MoveEnd {
  t: "moved";
  id: string;
  at: string;
}

type Entry = MoveIntent | MoveEnd;

export async function readLedger(dir: string): Promise<Entry[]> {
  let text: string;
  try {
    text = await readFile(ledgerPath(dir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const entries: Entry[] = [];
  // A line torn by a kill mid-append is an intent never acted on, or an end whose move is
  // redone (finding it done); the next append starts on a line of its own.
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      entries.push(JSON.parse(line) as Entry);
    } catch {
      // a torn line
    }
  }
  return entries;
}

/** Appends one line and syncs it: an intent is on disk before the renames it announces. */
export async function appendLedger(dir: string, entry: Entry): Promise<void> {
  await makeDirectories(inboxStateDir(dir));
  const handle = await open(ledgerPath(dir), "a+", 0o600);
  try {
    // After a torn line (an append cut off: no newline at the end), this entry starts a line
    // of its own, or it would be torn too.
    const { size } = await handle.stat();
    const last = Buffer.alloc(1);
    if (size > 0) await handle.read(last, 0, 1, size - 1);
    const torn = size > 0 && last[0] !== 0x0a;
    await handle.appendFile(`${torn ? "\n" : ""}${JSON.stringify(entry)}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Intents whose move did not end (a run killed between two renames). */
export function unfinishedMoves(entries: readonly Entry[]): MoveIntent[] {
  const ended = new Set(entries.filter((entry) => entry.t === "moved").map((entry) => entry.id));
  return entries.filter((entry): entry is MoveIntent => entry.t === "move" && !ended.has(entry.id));
}

/** Where a batch of this folder went when it was taken to its stage (moved to done/), if it was. */
export function paidMove(entries: readonly Entry[], batchId: string): MoveIntent | undefined {
  return entries.find(
    (entry): entry is MoveIntent =>
      entry.t === "move" && entry.outcome === "done" && entry.batch_id === batchId,
  );
}
