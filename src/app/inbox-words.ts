/**
 * The words of `<name>.error.txt`: why a dropped file was set aside in failed/, and what to
 * do, with the paths as they are after the move (the file, its report and its remaining file
 * sit together in `to`, a whole path in the files the inbox writes).
 */
import { basename, extname } from "node:path";
import type { TakenStage } from "../batch/inbox-ledger.js";
import { EXIT } from "../errors.js";
import { batchCommand, NO_ROW_FLAGS, type RowFlags } from "../shell-words.js";
import { dayIn } from "../time.js";

export interface SetAside {
  /** The file's name in the folder. */
  name: string;
  /** The file's exit code. */
  code: number;
  /** The run's error, when it ended with one: its message and hint. */
  error: { message: string; hint?: string } | null;
  /** Its --json object's counts by status, when it ran to its end. */
  byStatus: Record<string, number>;
  /** The folder it went to (`<folder>/failed`, `<folder>/failed/<batch id>`), as its command names it. */
  to: string;
  /** Its remaining file's name, when one went with it. */
  remaining: string | null;
  /** How far its batch got (its --json `stage`), when it ran to its end. */
  stage?: string;
  /** Its --json object's rows by the server's state, when it was followed (`by_state`). */
  byState?: Record<string, number>;
  /** The inbox's input options that change the rows (errorText's `flags`). */
  flags?: RowFlags;
}

/** "18 of 19 row(s) paid, 1 not": a batch followed to its end, from the server's states. */
function paidWords(stage: string | undefined, byState: Record<string, number> | undefined): string | null {
  const rows = Object.values(byState ?? {}).reduce((sum, n) => sum + n, 0);
  const settled = byState?.settled ?? 0;
  return stage === "final" && settled > 0 ? `${settled} of ${rows} row(s) paid, ${rows - settled} not` : null;
}

/**
 * The file's line when it is set aside in failed/: how much of it was paid when its batch was
 * followed to its end (most of a payroll is, when a payee is rejected), else not paid as it is.
 */
export function setAsideHeadline(
  code: number,
  stage: string | undefined,
  byState?: Record<string, number>,
): string {
  const paid = paidWords(stage, byState);
  return paid ? `${paid} (exit ${code})` : `not paid as it is (exit ${code})`;
}

/**
 * The first paragraph of `errorText`: why, in one line of the file's `--json` (its `reason`).
 * Built, not cut from the text: a name holding a line break would cut it short.
 */
export function errorReason(file: SetAside): string {
  const { code, error } = file;
  if (code === EXIT.partial) return error?.message ?? `the file finished with exit ${code}`;
  if (error) return error.message;
  const counts = Object.entries(file.byStatus)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  const created = file.byStatus.created ?? 0;
  // Created, never quoted (a row refused stops --until before any quote): drafts pay nobody.
  const drafts =
    created > 0 && (file.stage === "none" || file.stage === "staged")
      ? ` They are in draft requests, not quoted, so nobody is paid for them yet: to pay them without the other rows, run ${batchCommand(file.flags ?? NO_ROW_FLAGS, "quote", `${file.to}/${file.name}`, "--allow-partial")} (it prints the quotes and the command to accept them).`
      : "";
  const paid = paidWords(file.stage, file.byState);
  return (
    `the file finished with exit ${code}: ${counts || "no rows"}; ` +
    (created > 0
      ? `${created} row(s) were created on the server and must not be sent again${paid ? ` (${paid}: see the report)` : ""}.${drafts}`
      : (file.byStatus.failed ?? 0) > 0
        ? "no row was created: Bitex refused them (see the report); nobody is paid."
        : "nothing was sent.")
  );
}

/** `flags`: the inbox's input options that change the rows (its files' batches were submitted with them). */
export function errorText(file: SetAside, flags: RowFlags = NO_ROW_FLAGS): string {
  const { name, code, error, to, remaining } = file;
  const stem = basename(name, extname(name));
  const reason = errorReason({ ...file, flags });
  const rest = remaining
    ? `the rows not paid are in ${remaining} beside this file (exactly those rows, as in the file): fix them there if needed and drop it in the folder under a new name (like ${stem}-rest.csv), which pays them and nobody else`
    : null;
  if (code === EXIT.partial) {
    return (
      `${reason}\n\n` +
      "Money moved, but not as asked: rows of this file were accepted for payment; never drop this file in the folder again.\n\n" +
      `What to do: ${rest ? `${rest}; ` : ""}${batchCommand(flags, "status", `${to}/${name}`, "--watch")} follows the rows accepted for payment` +
      `${error?.message.startsWith("ACCEPTED ABOVE") ? "; accepting cannot be undone: check the requests at Bitex now" : ""}.\n`
    );
  }
  if (error) return `${reason}${error.hint ? `\n\nWhat to do: ${error.hint}` : ""}\n`;
  return (
    `${reason}` +
    `\n\nWhat to do: read ${name}'s report beside this file (its problem column says, row by row, what to fix); ` +
    (rest ? `${rest}.\n` : "put only the rows still to pay in a new file and drop it in the folder.\n")
  );
}

/**
 * What became of a file taken before, in words its stage supports: a run that only created
 * its rows (the default `--until created`) paid nobody, so it never says "paid". `at`: when it
 * was moved, dated in the folder's zone as its `done/<date>` folder is.
 */
export function takenWords(stage: TakenStage | undefined, at: string, zone: string): string {
  const day = dayIn(at, zone);
  switch (stage) {
    case "staged":
      return `was staged from this folder on ${day} (its rows created in draft requests; that run paid nobody)`;
    case "quoted":
      return `was quoted from this folder on ${day} (its rows created and quoted; that run paid nobody)`;
    case "accepted":
      return `was accepted for payment from this folder on ${day}`;
    case "final":
      // Final is not paid: a payee rejected or a payout returned ends there too (helper-101).
      return `was taken to its end from this folder on ${day} (every row in a final state: paid, or not paid as its report says)`;
    default:
      // A move recorded before the ledger kept the stage.
      return `was taken from this folder on ${day}`;
  }
}

/**
 * What to do with a file dropped again: a batch that was only staged or quoted is paid by
 * going on with it, never by a second batch of the same rows (both could be accepted).
 */
export function takenWhatToDo(
  stage: TakenStage | undefined,
  moved: string,
  flags: RowFlags = NO_ROW_FLAGS,
): string {
  const again =
    "if it is a new payment run of the same rows, run bitex-batch submit on it with --batch-id <new id>";
  if (stage !== "staged" && stage !== "quoted") return again;
  return `to pay that batch's rows, go on with it: ${batchCommand(flags, "accept", moved, "--max-total", "CUR=AMOUNT")}; only ${again}`;
}
