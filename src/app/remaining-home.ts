/**
 * Where the remaining file of a file in a drop folder (`inbox DIR`) goes: never back into the
 * folder once the inbox has moved the file out (to done/ or failed/, with its report and
 * remaining file), where it would sit unsaid beside the next file of that name and be moved
 * with it as that file's; beside the moved file instead. A run other than the inbox's own
 * (a `status` of the file while the inbox works it) writes it only under the folder's lock,
 * held for that moment, so that no inbox run moves the file meanwhile.
 */
import { stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  inboxLockPath,
  inboxStateDir,
  type MoveIntent,
  readLedger,
  unfinishedMoves,
} from "../batch/inbox-ledger.js";
import { acquireLock, type Lock } from "../batch/lock.js";
import { BatchError } from "../errors.js";
import type { Console } from "./session.js";

/** The folder `csv` is in, when it is a drop folder (it holds the inbox's own `.bitex-inbox/`). */
async function dropFolderOf(csv: string): Promise<string | null> {
  const dir = dirname(csv);
  return (await stat(inboxStateDir(dir)).catch(() => null))?.isDirectory() ? dir : null;
}

/** The inbox's last move of the file `name` of batch `batchId` out of `dir`, and whether it ended. */
async function lastMove(
  dir: string,
  name: string,
  batchId: string,
): Promise<{ move: MoveIntent; ended: boolean } | null> {
  const entries = await readLedger(dir);
  const moves = entries.filter(
    (entry): entry is MoveIntent => entry.t === "move" && entry.batch_id === batchId && entry.name === name,
  );
  const move = moves.at(-1);
  return move ? { move, ended: !unfinishedMoves(entries).includes(move) } : null;
}

/** Where the inbox moved `csv` (its batch `batchId`) out of its drop folder; null when it did not. */
export async function movedFile(csv: string, batchId: string): Promise<string | null> {
  const dir = await dropFolderOf(csv);
  const last = dir ? await lastMove(dir, basename(csv), batchId).catch(() => null) : null;
  return dir && last ? join(dir, last.move.to, basename(csv)) : null;
}

/** Beside which file the remaining file goes (`csv`), held until `release`. */
export interface Home {
  csv: string;
  release(): Promise<void>;
}

/**
 * The input itself, but for a file of a drop folder written by a run other than the inbox's:
 * the file where the inbox moved it, under the folder's lock; null (said) when it cannot be
 * known now: an inbox run works the folder, or a move of the file is unfinished.
 */
export async function remainingHome(
  out: Console,
  input: { csv: string; batchId: string; inboxRun?: boolean },
): Promise<Home | null> {
  const dir = input.inboxRun ? null : await dropFolderOf(input.csv);
  if (!dir) return { csv: input.csv, release: async () => {} };
  const name = basename(input.csv);
  let lock: Lock;
  try {
    // Brief: an inbox run starting now waits for it, as a submit does for a status's batch lock.
    lock = await acquireLock(inboxLockPath(dir), (line) => out.warn(line), { brief: true });
  } catch (error) {
    if (!(error instanceof BatchError && error.code === "locked")) throw error;
    out.warn(
      `the remaining file is not written: ${dir} is a drop folder that an inbox run works now, and it may move ${name} out of it; run this again once that run ends, on the file where it went (done/ or failed/)`,
    );
    return null;
  }
  try {
    const last = await lastMove(dir, name, input.batchId);
    if (last && !last.ended) {
      out.warn(
        `the remaining file is not written: the inbox's move of ${name} to ${join(dir, last.move.to)} is unfinished (a run stopped in the middle of it); the next inbox run finishes it, then run this again on ${join(dir, last.move.to, name)}`,
      );
      await lock.release();
      return null;
    }
    return { csv: last ? join(dir, last.move.to, name) : input.csv, release: () => lock.release() };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
