/**
 * The inbox's moves (docs/design.md, the drop folder): a file and what its batch wrote beside
 * it leave the folder for `done/<date>/` or `failed/`, the intent on the folder's ledger first,
 * each rename done once however often a killed run's move is finished.
 */
import { randomUUID } from "node:crypto";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { appendLedger, type MoveIntent, type TakenStage } from "../batch/inbox-ledger.js";
import { dayIn } from "../time.js";
import {
  batchIdOfFile,
  companionsOf,
  ensureDir,
  entryPath,
  freeFolder,
  heldPath,
  letGo,
  MoveBlocked,
  moveNoReplace,
  type Stranger,
  tempPath,
  type Wrote,
  writeWhole,
} from "./inbox-files.js";
import type { Session } from "./session.js";

export const zoneOf = (base: { tz?: unknown }): string => (typeof base.tz === "string" ? base.tz : "UTC");

/** Moves a file and what belongs to it out of the folder, the intent on the ledger first. */
export async function moveOut(
  dir: string,
  name: string,
  batchId: string,
  outcome: "done" | "failed",
  errorWords: string | ((to: string, remaining: string | null) => string) | undefined,
  how: {
    base: { tz?: string } & Record<string, unknown>;
    session: Session;
    /** What the file's batch wrote beside it: only that goes with it. */
    wrote: Wrote;
    apiUrl?: string;
    stage?: TakenStage;
    /** The file's outcome as its line says it, kept in the intent for a run that finishes the move. */
    said: {
      exit_code: number;
      reason: (to: string) => string | null;
      next?: (to: string, names: readonly string[]) => string[];
      /** A file set aside: its line's words (setAsideHeadline). */
      headline?: string;
    };
  },
): Promise<{ to: string; names: string[]; strangers: Stranger[]; moved: boolean; closed?: string }> {
  const { base, session, apiUrl, stage, said } = how;
  const { ours, strangers } = await companionsOf(dir, name, how.wrote, apiUrl);
  const names = [...ours, name];
  const all = errorWords === undefined ? names : [...names, `${name}.error.txt`];
  const root = outcome === "done" ? join("done", dayIn(Date.now(), zoneOf(base))) : "failed";
  const to = await freeFolder(dir, root, batchId, all);
  // Its remaining file is the one its batch records (companionsOf checked its bytes).
  const remaining = ours.find((companion) => companion === how.wrote.remaining?.file) ?? null;
  const errorText = typeof errorWords === "function" ? errorWords(to, remaining) : errorWords;
  const intent: MoveIntent = {
    t: "move",
    id: randomUUID(),
    batch_id: batchId,
    name,
    outcome,
    to,
    names,
    ...(stage === undefined ? {} : { stage }),
    ...(errorText === undefined ? {} : { error_text: errorText }),
    exit_code: said.exit_code,
    reason: said.reason(to),
    ...(said.next ? { next: said.next(to, names) } : {}),
    ...(said.headline ? { headline: said.headline } : {}),
    at: new Date().toISOString(),
  };
  await appendLedger(dir, intent);
  const { moved, closed } = await finishMove(dir, intent, session);
  return { to, names, strangers, moved, ...(closed === undefined ? {} : { closed }) };
}

/** A move whose renames cannot all be done: its intent stays unfinished, tried again next run. */
export class Stuck extends Error {
  /** The batch the file went out as, and what its submit said, when the move came after it. */
  batchId: string | null = null;
  submit: Record<string, unknown> | null = null;

  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * carryOut, its failure a Stuck naming the file, why in the system's words, and what to do;
 * but a move whose file is neither in the folder as the batch's bytes nor at its target (renamed
 * or removed since, by someone) is closed: nothing of it is left to finish (helper-83: such
 * an intent was tried again at every run, exit 3, for ever). `closed` says so, for the file's line.
 */
export async function finishMove(
  dir: string,
  intent: MoveIntent,
  session: Session,
): Promise<{ moved: boolean; closed?: string }> {
  try {
    return { moved: await carryOut(dir, intent, session) };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const isBatch = isBatchOf(intent);
    if (
      !(await isBatch(entryPath(dir, intent.name))) &&
      !(await isBatch(entryPath(dir, intent.to, intent.name)))
    ) {
      await appendLedger(dir, { t: "moved", id: intent.id, at: new Date().toISOString() });
      return {
        moved: false,
        closed: `its move to ${intent.to} could not finish (${why}), and the file it was about is no longer in the folder nor in ${intent.to} (renamed or removed since): the move is closed; what went with it is where it is now`,
      };
    }
    throw new Stuck(
      intent.name,
      `its move to ${intent.to} cannot finish: ${why}: ${intent.name} stays in the folder, not taken again until it can; ${fixFor(error, intent.name)} and run the inbox again`,
    );
  }
}

/** What to do about a move's failure, by its cause. */
function fixFor(error: unknown, name: string): string {
  if (error instanceof MoveBlocked) return "move that file out of the way";
  switch ((error as NodeJS.ErrnoException | null)?.code) {
    case "ENAMETOOLONG":
      return `a name is too long for the file system: rename ${name} to a shorter name`;
    case "ENOSPC":
    case "EDQUOT":
      return "free some space on the disk";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "make the folder and its done/ and failed/ writable";
    default:
      return "fix that";
  }
}

/**
 * The renames an intent announced, each done once however often this runs; then its end.
 * Whether the payroll is where the intent put it (false: it changed while its run held it,
 * and stayed in the folder).
 */
async function carryOut(dir: string, intent: MoveIntent, session: Session): Promise<boolean> {
  await ensureDir(entryPath(dir, intent.to));
  // The move's own temporary file (error.txt's, a copy's), by its id: one a kill left is removed.
  const temp = tempPath(entryPath(dir, intent.to), intent.id);
  // Whole or not at all; one cut short by a kill (an older version wrote it in place) is
  // completed with the intent's words, one with other words is another's and stays.
  if (intent.error_text !== undefined) {
    const note = entryPath(dir, intent.to, `${intent.name}.error.txt`);
    if ((await writeWhole(note, intent.error_text, temp)) === "other")
      session.out.warn(`${intent.name}: ${note} holds other words than this move's: left as it is`);
  }
  const isBatch = isBatchOf(intent);
  // The payroll held by a killed run for a moment: let go first (removed, or put back).
  const held = heldPath(dir, intent.id);
  await letGo(held, entryPath(dir, intent.name), entryPath(dir, intent.to, intent.name));
  for (const name of intent.names) {
    // The payroll itself moves only if it is still the file the intent was about: asked of
    // what was linked, after the link (a file renamed over it meanwhile is not moved).
    const ours = name === intent.name ? isBatch : undefined;
    await moveNoReplace(entryPath(dir, name), entryPath(dir, intent.to, name), { ours, temp, held });
    if (name !== intent.name) session.checkpoint?.("inbox:moving");
  }
  await unlink(temp).catch(() => {});
  await appendLedger(dir, { t: "moved", id: intent.id, at: new Date().toISOString() });
  return await isBatch(entryPath(dir, intent.to, intent.name));
}

/** Whether a path holds the bytes of the intent's batch (its file, wherever it is now). */
function isBatchOf(intent: MoveIntent): (path: string) => Promise<boolean> {
  return async (path) => (await batchIdOfFile(path).catch(() => null)) === intent.batch_id;
}
