/**
 * Where a batch's files are, named in this one place: the state directory (by default one
 * per user, docs/design.md section 3, so that every run of a batch on this host shares one
 * lock and one journal wherever it is started from: `$XDG_STATE_HOME/bitex-batch`, else
 * `~/.local/state/bitex-batch`), and under it each batch's journal and lock.
 */
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";

export const STATE_DIR_DESCRIPTION = "$XDG_STATE_HOME/bitex-batch, else ~/.local/state/bitex-batch";

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec: a relative path there is invalid and is ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, "bitex-batch");
  return join(home, ".local", "state", "bitex-batch");
}

/** A batch's own directory under the state directory: its journal and its lock. */
export const batchDirFor = (stateDir: string, batchId: string) => join(stateDir, batchId);

/** The batch's journal (docs/design.md section 6a). */
export const journalPathFor = (stateDir: string, batchId: string) =>
  join(batchDirFor(stateDir, batchId), "journal.jsonl");

/** The batch's lock: one run of a batch at a time on this host. */
export const lockPathFor = (stateDir: string, batchId: string) =>
  join(batchDirFor(stateDir, batchId), "lock");

/**
 * The lock a new batch holds from its check of earlier batches until its begin is journaled,
 * so that two new batches of one state directory never both pass the check unseen by the other.
 * A file beside the batches' directories, there only while held.
 */
export const newBatchLockPath = (stateDir: string) => join(stateDir, ".new-batch.lock");

/** The input file as the batch was submitted (input-copy.ts), beside its journal. */
export const inputCopyPath = (stateDir: string, batchId: string) =>
  join(batchDirFor(stateDir, batchId), "input.csv");

/** The lock of the batch whose journal is `journalPath`. */
export const lockPathBeside = (journalPath: string) => join(dirname(journalPath), "lock");

/** The input copy of the batch whose journal is `journalPath`. */
export const inputCopyPathBeside = (journalPath: string) => join(dirname(journalPath), "input.csv");

/** The lines a batch released to its remaining file (near-copy.ts), beside its journal. */
export const releasedPathFor = (journalPath: string) => join(dirname(journalPath), "released.json");

/**
 * With --sandbox the state directory is a temporary one of its own, removed at the end: the
 * embedded emulator forgets everything when the process ends, so its journals must too.
 */
export const SANDBOX_STATE_PREFIX = "bitex-batch-sandbox-";
