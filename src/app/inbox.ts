import { lstat, stat } from "node:fs/promises";
import { basename, dirname, extname, resolve } from "node:path";
import { batchDirName } from "../batch/batch-dir.js";
import { batchCounts, batchWords } from "../batch/history.js";
import {
  inboxLockPath,
  inboxStateDir,
  paidMove,
  readLedger,
  type TakenStage,
  unfinishedMoves,
} from "../batch/inbox-ledger.js";
import { readJournalState } from "../batch/journal.js";
import { acquireLock } from "../batch/lock.js";
import { journalPathFor } from "../batch/paths.js";
import { readReleased } from "../batch/released.js";
import { DiskError, isDiskFailure } from "../disk.js";
import { BatchError, EXIT, exitCodeFor } from "../errors.js";
import { rowFlags, shellWord } from "../shell-words.js";
import { isoTime } from "../time.js";
import { resolveApi } from "./connect.js";
import {
  batchIdOfFile,
  type Candidate,
  ensureDir,
  entryPath,
  LONGEST_NAME,
  looksOf,
  reportNames,
  type Stranger,
  scanFolder,
  settled,
  unchangedSince,
  type Wrote,
} from "./inbox-files.js";
import { readGuard } from "./inbox-guard.js";
import { finishMove, moveOut, Stuck, zoneOf } from "./inbox-move.js";
import { errorReason, errorText, setAsideHeadline, takenWhatToDo, takenWords } from "./inbox-words.js";
import type { Console, Session } from "./session.js";
import { prepareSubmit, type SubmitArgs, submitFile } from "./submit.js";

export interface InboxArgs extends Omit<SubmitArgs, "csv" | "dryRun" | "skipInvalid" | "report"> {
  dir: string;
  /** A file must be this old (ms since its last change) to be taken. */
  settleMs: number;
  /** The pause between the two looks at each file's size and mtime. */
  pauseMs: number;
  /** IANA zone of the `done/<date>` folder's date. */
  tz: string;
}

export type FileOutcome = "done" | "failed" | "left" | "ignored";

export interface FileLine {
  command: "inbox";
  file: string;
  outcome: FileOutcome;
  exit_code: number;
  batch_id: string | null;
  moved_to: string | null;
  reason: string | null;
  submit: Record<string, unknown> | null;
  /** When the file's turn began and ended (ISO 8601, the folder's zone). */
  started_at?: string;
  finished_at?: string;
}

/** Where the inbox writes: the Console, and one JSON line per file (stdout with --json). */
export interface InboxIo {
  line(value: FileLine): void;
}

/** The run's exit code: the highest of its files' (0 when there were none). */
export async function runInbox(args: InboxArgs, session: Session, given: InboxIo): Promise<number> {
  const { out } = session;
  // Each file's line says when its turn began and ended, as every --json object does.
  let turnBegan = new Date();
  const io: InboxIo = {
    line: (line) =>
      given.line({
        ...line,
        started_at: isoTime(turnBegan, args.tz),
        finished_at: isoTime(new Date(), args.tz),
      }),
  };
  // The folder as the operator named it, in the run's words; its entries by whole paths
  // (entryPath): a file named `-` is that file, never standard input.
  const shown = args.dir;
  const dir = resolve(args.dir);
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory())
    throw new BatchError("usage", `${shown}: not a folder`, {
      hint: "name the drop folder: bitex-batch inbox DIR",
    });
  if (args.sandbox)
    throw new BatchError("usage", "inbox runs against a real API (or an emulator's URL), not --sandbox", {
      hint: "start bitex-batch sandbox and point BITEX_API_URL at it",
    });
  const guard = await readGuard(dir, args.maxTotal);
  const base = { ...args, maxTotal: guard };
  // Every option checked before anything is taken: a bad guard fails the run, not a file.
  prepareSubmit({ ...base, csv: entryPath(dir, "-"), dryRun: false, skipInvalid: false }, args.io?.env ?? {});
  await ensureDir(inboxStateDir(dir));
  // Another inbox run stops this one at once (exit 4); a status writing a file's remaining
  // file beside it holds the folder for a moment (brief, remaining-home.ts): waited for.
  const lock = await acquireLock(inboxLockPath(dir), (line) => out.warn(line)).catch((error: unknown) => {
    if (error instanceof BatchError && error.code === "locked")
      throw new BatchError("locked", `another inbox run works ${shown}: ${error.message}`, {
        hint: "this run leaves it to that one; the next run takes what is left",
      });
    throw error;
  });
  try {
    let worst: number = EXIT.ok;
    // A move that cannot finish is said, and its file left alone (never taken again while its
    // move is unfinished); the run goes on with the other files, and ends with exit 3.
    const stuck = new Map<string, Stuck>();
    const unstick = (error: unknown) => {
      if (!(error instanceof Stuck)) throw error;
      out.warn(`${error.file}: ${error.message}`);
      stuck.set(error.file, error);
      worst = Math.max(worst, EXIT.stopped);
    };
    const count = { done: 0, failed: 0, left: 0 };
    const tally = (line: FileLine) => {
      if (line.outcome === "done" || line.outcome === "failed" || line.outcome === "left")
        count[line.outcome]++;
      io.line(line);
    };
    const counted: InboxIo = { line: tally };
    let finished = 0;
    for (const intent of unfinishedMoves(await readLedger(dir))) {
      out.info(`${intent.name}: finishing its move to ${intent.to} (a run stopped in the middle of it)`);
      turnBegan = new Date();
      const result = await finishMove(dir, intent, session).catch((error: unknown) => {
        // Its batch went out (the ledger says which): its line says so at every run (helper-115).
        if (error instanceof Stuck) error.batchId ??= intent.batch_id;
        unstick(error);
        return null;
      });
      // The file's outcome, which the killed run never said: its line, its count, its exit code.
      if (result === null) continue;
      if (intent.exit_code === undefined) {
        if (result.closed) out.warn(`${intent.name}: ${result.closed}`);
        continue;
      }
      const { moved } = result;
      finished++;
      worst = Math.max(worst, intent.exit_code);
      const went = intent.names.slice(0, -1);
      if (intent.error_text !== undefined) went.push(`${intent.name}.error.txt`);
      const reason = moved
        ? (intent.reason ?? null)
        : (result.closed ?? (await stayed(dir, intent.name, intent.batch_id, went, intent.to)));
      if (moved && intent.outcome === "done") out.info(`${intent.name}: done; moved to ${intent.to}`);
      else
        out.warn(
          `${intent.name}: ${intent.outcome === "failed" ? `${intent.headline ?? setAsideHeadline(intent.exit_code, undefined)}; ` : ""}${moved ? `moved to ${intent.to}${intent.error_text === undefined ? "" : ` with ${intent.name}.error.txt`}` : reason}`,
        );
      if (moved) for (const line of intent.next ?? []) out.info(`${intent.name}: ${line}`);
      emit(counted, intent.name, intent.outcome, intent.exit_code, {
        batch_id: intent.batch_id,
        moved_to: intent.to,
        reason,
      });
    }
    const { offered, ignored } = await scanFolder(dir, args.encoding);
    let notTaken = ignored.length;
    for (const file of ignored) {
      // A file that reads as a payroll under a name never paid: said, and an exit cron reports,
      // never a payroll left unpaid unsaid (helper-115: an HR export named `nomina-diciembre`).
      const said = file.readsAsPayroll ? EXIT.usage : 0;
      if (said) out.warn(`${file.name}: ${ignoredWhy(file)}`);
      worst = Math.max(worst, said);
      emit(io, file.name, "ignored", said, { reason: ignoredWhy(file) });
    }
    const { ready, writing, looks, ahead } = await settled(
      dir,
      offered.map((file) => file.name),
      args.settleMs,
      args.pauseMs,
    );
    for (const name of writing) {
      const by = ahead.get(name);
      if (by === undefined) {
        emit(io, name, "left", 0, {
          reason: "still being written (changed recently): left for the next run",
        });
        continue;
      }
      // Left for as long as the clocks disagree: an exit that cron reports, not a quiet 0.
      const reason = `dated ${Math.ceil(by / 60_000)} min ahead of this machine's clock: left until the clock passes it; set this machine's clock (or the writer's) right, or touch the file`;
      out.warn(`${name}: ${reason}`);
      worst = Math.max(worst, EXIT.stopped);
      emit(io, name, "left", EXIT.stopped, { reason });
    }
    count.left += writing.length;
    let stopped = false;
    /** What the file that stopped the run says to do (an exit 3: the command to run again). */
    let stopHint: string | undefined;
    for (const name of ready) {
      const blocked = stuck.get(name);
      if (blocked !== undefined) {
        emit(counted, name, "left", EXIT.stopped, { reason: blocked.message, batch_id: blocked.batchId });
        continue;
      }
      if (stopped || session.stops.signal.aborted) {
        emit(counted, name, "left", 0, { reason: "not tried: the run stopped before it" });
        continue;
      }
      turnBegan = new Date();
      if (!(await unchangedSince(entryPath(dir, name), looks.get(name)))) {
        emit(counted, name, "left", 0, {
          reason: "changed since the folder was read (still being written?): left for the next run",
        });
        continue;
      }
      const taken = await takeFile(dir, name, base, session, counted).catch((error: unknown) => {
        unstick(error);
        // A move that failed after the submit: the file stays, and its line says how far its
        // batch went (helper-112: a paid file's line read "left", no batch, no money).
        const { message, batchId, submit } = error as Stuck;
        emit(counted, name, "left", EXIT.stopped, { reason: message, batch_id: batchId, submit });
        return null;
      });
      if (!taken) continue;
      const { code, stop, hint, strangers } = taken;
      worst = Math.max(worst, code);
      // Files named like its outputs that it did not write: they stay, each said.
      for (const stranger of strangers ?? []) {
        notTaken++;
        emit(io, stranger.name, "ignored", 0, { reason: strangerWhy(name, stranger) });
      }
      // The API is away, the key refused or a signal came: every later file would stop the same way.
      if (stop) stopped = true;
      if (hint) stopHint = hint;
    }
    out.summary([
      `inbox ${shown}: ${count.done} done, ${count.failed} failed, ${count.left} left for the next run${notTaken > 0 ? `, ${notTaken} not taken (ignored)` : ""}`,
    ]);
    // The stop's last words (what to run again, what to fix first) end the run, even with --quiet.
    if (stopHint) out.warn(`  ${stopHint}`);
    out.json({ command: "inbox", dir: shown, files: finished + ready.length, ...count, exit_code: worst });
    return worst;
  } finally {
    await lock.release();
  }
}

/**
 * What the journal of a batch the ledger recorded as only staged or quoted says of it when
 * it has accepted rows since (`batchWords`: "accepted 3 row(s) for payment, …"); else none.
 */
async function acceptedSince(
  base: Parameters<typeof resolveApi>[0] & { stateDir: string },
  batchId: string,
  stage: TakenStage | undefined,
): Promise<string | null> {
  if (stage === "accepted" || stage === "final") return null;
  const batchDir = await batchDirName(base.stateDir, batchId, apiUrlOf(base) ?? null);
  const state = await readJournalState(journalPathFor(base.stateDir, batchDir)).catch(() => null);
  if (!state?.begin) return null;
  const counts = batchCounts(state);
  return counts.accepted + counts.maybeAccepted > 0 ? batchWords(counts) : null;
}

/** The API's URL, for the names of its per-API report and batch directory; none when it cannot be told. */
function apiUrlOf(args: Parameters<typeof resolveApi>[0]): string | undefined {
  try {
    return resolveApi(args)?.url;
  } catch {
    return undefined;
  }
}

/** Why a file named like `name`'s output, which its batch did not write, stays in the folder. */
function strangerWhy(name: string, stranger: Stranger): string {
  const stem = basename(name, extname(name));
  return stranger.kind === "remaining file"
    ? `named like ${name}'s remaining file, but ${name}'s batch did not write it (not its rows): not moved with ${name}, not taken; a remaining file is paid dropped under a new name (like ${stem}-rest.csv)`
    : `named like ${name}'s report, but ${name}'s batch did not write it: not moved with ${name}, not taken`;
}

/** Why a file of the folder is not taken, and what to do when there is something to do. */
function ignoredWhy(file: Candidate): string {
  if (file.kind === "link")
    return "a symbolic link: not taken (what it points at may change); drop the file itself";
  if (file.kind === "partial")
    return "named as a file still being written (a transfer's or an editor's temporary name): not taken; it is taken once renamed to its own name";
  if (file.kind === "other")
    return `named as no payroll is (a backup, an editor's or Office's temporary file, a conflicted copy: a payroll is taken as .csv, .tsv, .txt, .xlsx, .xlsm or .xls, its name holding no "conflict" nor a machine's name): not taken${file.readsAsPayroll ? "; it reads as one: if it is a payroll to pay, rename it so; if it is an older copy of one, move it out of the folder" : ""}`;
  if (file.kind === "long")
    return `its name is ${Buffer.byteLength(file.name)} bytes long, longer than ${LONGEST_NAME}: its notes (${file.name}.error.txt) could not be written beside it; not taken; rename it to a shorter name`;
  if (file.kind !== "ours") return "not a CSV or xlsx file";
  const remaining = /^(.*)\.remaining\.(csv|xlsx)$/i.exec(file.name);
  return `named like this tool's own output (a report, remaining or error file), with no file of its name beside it: not taken${remaining ? `; a remaining file is paid dropped under a new name (like ${remaining[1]}-rest.csv)` : ""}`;
}

function emit(
  io: InboxIo,
  file: string,
  outcome: FileOutcome,
  exitCode: number,
  more: Partial<Pick<FileLine, "batch_id" | "moved_to" | "reason" | "submit">>,
): void {
  io.line({
    command: "inbox",
    file,
    outcome,
    exit_code: exitCode,
    batch_id: more.batch_id ?? null,
    moved_to: more.moved_to ?? null,
    reason: more.reason ?? null,
    submit: more.submit ?? null,
  });
}

/**
 * The file's words go through the run's console, each line naming the file. Its `next:` lines
 * name the file where it lies now, so they are held back until it is moved (`nextLines`).
 */
function fileConsole(out: Console, name: string, held: string[]): Console {
  const say = (line: string) => (line.startsWith("next: ") ? held.push(line) : out.info(`${name}: ${line}`));
  return {
    ...out,
    info: say,
    warn: (line) => out.warn(`${name}: ${line}`),
    summary: (lines) => {
      for (const line of lines) say(line);
    },
    // Its --json object goes into the file's line, not to stdout on its own.
    json: () => {},
    barShown: () => {},
  };
}

/** A Stuck move after the submit carries the batch and what its submit said (the file's line). */
function afterSubmit(batchId: string, submit: Record<string, unknown> | null) {
  return (error: unknown): never => {
    if (error instanceof Stuck) Object.assign(error, { batchId, submit });
    throw error;
  };
}

async function takeFile(
  dir: string,
  name: string,
  base: Omit<InboxArgs, "dir" | "settleMs" | "pauseMs">,
  session: Session,
  io: InboxIo,
): Promise<{ code: number; stop: boolean; hint?: string; strangers?: Stranger[] }> {
  const { out } = session;
  const path = entryPath(dir, name);
  const batchId = await batchIdOfFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (batchId === null) {
    // Taken away by someone else since the folder was read: nothing to do.
    out.info(`${name}: gone from the folder before it was taken`);
    return { code: EXIT.ok, stop: false };
  }
  const paid = paidMove(await readLedger(dir), batchId);
  if (paid) {
    // How far its batch got since (quoted, accepted by hand from done/): its journal says.
    const since = await acceptedSince(base, batchId, paid.stage);
    const reason = `this file (same name and bytes) ${takenWords(paid.stage, paid.at, zoneOf(base))} and moved to ${paid.to}/${paid.name}${since ? `; since then its batch ${since}` : ""}; nothing was sent`;
    // The file where it went, or (moved back from there by hand) this one, set aside now: the
    // same name and bytes, the same batch (helper-112: a path where no file was any more).
    const there = resolve(dir, paid.to, paid.name);
    const gone = !(await lstat(there).catch(() => null))?.isFile();
    const what = (to: string) =>
      takenWhatToDo(since ? "accepted" : paid.stage, gone ? resolve(dir, to, name) : there, rowFlags(base));
    // Nothing was written for it this time: whatever is named like its outputs is not its.
    const { to, strangers, moved, closed } = await moveOut(
      dir,
      name,
      batchId,
      "failed",
      (to) => `${reason}\n\nWhat to do: ${what(to)}\n`,
      {
        base,
        session,
        wrote: {},
        said: { exit_code: EXIT.usage, reason: () => reason },
      },
    );
    out.warn(
      `${name}: ${reason}; ${moved ? `moved to ${to}` : (closed ?? (await stayed(dir, name, batchId, [`${name}.error.txt`], to)))}`,
    );
    emit(io, name, "failed", EXIT.usage, { batch_id: batchId, moved_to: to, reason });
    return { code: EXIT.usage, stop: false, strangers };
  }
  // The inbox's own run: the remaining file goes beside the file, and moves with it.
  const args: SubmitArgs = {
    ...base,
    csv: path,
    dryRun: false,
    skipInvalid: false,
    json: true,
    inboxRun: true,
  };
  const held: string[] = [];
  const fileSession: Session = { ...session, out: fileConsole(out, name, held), progress: undefined };
  // The reports as they were before the run: those that look otherwise after it, it wrote.
  const apiUrl = apiUrlOf(args);
  const dirBefore = await batchDirName(base.stateDir, batchId, apiUrl ?? null);
  const reportsBefore = await looksOf(dir, reportNames(name, apiUrl, dirBefore));
  let code: number;
  let submit: Record<string, unknown> | null = null;
  let failure: BatchError | undefined;
  try {
    const outcome = await submitFile(args, prepareSubmit(args, base.io?.env ?? {}), fileSession);
    code = outcome.exitCode;
    submit = outcome.json ?? null;
  } catch (error) {
    code = exitCodeFor(error);
    failure =
      error instanceof BatchError
        ? error
        : new BatchError("internal", error instanceof Error ? error.message : String(error));
  }
  // The batch is the bytes submit read: a file replaced since it was hashed above is recorded,
  // moved and named by what was sent, never by bytes that were not.
  const sent = typeof submit?.batch_id === "string" ? submit.batch_id : batchId;
  // Only what this batch wrote goes with the file: the reports its run wrote, the remaining
  // file its batch records with these bytes (released.json), never the operator's of those names.
  const batchDir = sent === batchId ? dirBefore : await batchDirName(base.stateDir, sent, apiUrl ?? null);
  const wrote: Wrote = {
    reportsBefore,
    remaining: await readReleased(journalPathFor(base.stateDir, batchDir)),
    batchDir,
  };
  if (code === EXIT.ok) {
    const stage = stageReached(submit?.stage, base.until);
    const { to, names, strangers, moved, closed } = await moveOut(dir, name, sent, "done", undefined, {
      base,
      session,
      wrote,
      apiUrl,
      stage,
      said: { exit_code: code, reason: () => null, next: (to, names) => nextLines(held, dir, names, to) },
    }).catch(afterSubmit(sent, submit));
    if (!moved) {
      // Its next step names the file, which is not where it would say: none is said.
      const reason = closed ?? (await stayed(dir, name, sent, names.slice(0, -1), to));
      out.warn(`${name}: ${reason}`);
      emit(io, name, "done", code, { batch_id: sent, moved_to: to, reason, submit });
      return { code, stop: false, strangers };
    }
    out.info(`${name}: done; moved to ${to}`);
    for (const line of nextLines(held, dir, names, to)) out.info(`${name}: ${line}`);
    emit(io, name, "done", code, { batch_id: sent, moved_to: to, submit });
    return { code, stop: false, strangers };
  }
  // The disk refused a file of this machine (the report beside it, the state directory):
  // nothing is final about the file; it waits in the folder, exit 3, for the disk to be fixed
  // (helper-83: a full disk set it aside for good, with --report advice the inbox lacks). A
  // name too long for the report beside it is the file's own: final, saying to rename it.
  // (After something was sent, the disk's failure is exit 3 already, a stop: below.)
  const disk = code === EXIT.usage ? diskErrno(failure) : undefined;
  // Too long a name beside the file (its report's): the file's name; elsewhere, the path's.
  const nameTooLong =
    disk === "ENAMETOOLONG" && dirname(String((failure?.cause as { path?: unknown })?.path ?? "")) === dir;
  if (disk !== undefined && !nameTooLong && failure) {
    const reason = `${failure.message}: nothing of the file is final; left in the folder, taken again by the next run`;
    out.warn(`${name}: stopped (exit ${EXIT.stopped}): ${reason}`);
    for (const line of held) out.info(`${name}: ${line}`);
    emit(io, name, "left", EXIT.stopped, { batch_id: sent, reason, submit });
    return { code: EXIT.stopped, stop: false, hint: DISK_HINT[disk] ?? DISK_HINT.default };
  }
  if (nameTooLong && failure) {
    failure = new BatchError(
      failure.code,
      `${failure.message}: the file's name is too long for the files this tool writes beside it`,
      {
        hint: `rename ${name} to a shorter name (the names of its report and notes are longer by up to 40 bytes, and a name may have 255) and drop it in the folder again`,
      },
    );
  }
  // The key refused: no file can be paid until it is fixed, and nothing is final about this
  // one; like a stop, it waits in the folder and the run ends (the next run after the fix pays).
  const keyRefused = failure?.code === "auth";
  if (code === EXIT.stopped || code === EXIT.locked || keyRefused) {
    // Not final: the batch resumes next run (same name, same bytes, same batch id). Why, even
    // with --quiet; what to run is the run's last line (runInbox).
    out.warn(
      `${name}: stopped (exit ${code})${failure ? `: ${failure.message}` : ""}; left in the folder for the next run`,
    );
    for (const line of held) out.info(`${name}: ${line}`);
    emit(io, name, "left", code, { batch_id: sent, reason: failure?.message ?? "stopped", submit });
    const stop = code === EXIT.stopped || keyRefused;
    return { code, stop, ...(stop ? { hint: failure?.hint ?? session.resumeHint } : {}) };
  }
  // Exit 5 comes back as the run's error in its --json object when it is not thrown.
  const said = (submit?.error ?? null) as { message?: string; hint?: string } | null;
  const error = failure ?? (said?.message ? { message: said.message, hint: said.hint } : null);
  const byStatus = (submit?.by_status ?? {}) as Record<string, number>;
  const byState = submit?.by_state as Record<string, number> | undefined;
  const headline = setAsideHeadline(code, submit?.stage as string | undefined, byState);
  // Its command names the moved file by its whole path: error.txt is read, and pasted, from
  // wherever the operator opened it, not from the folder.
  const words = (to: string, remaining: string | null) =>
    errorText(
      {
        name,
        code,
        error,
        byStatus,
        to: resolve(dir, to),
        remaining,
        stage: submit?.stage as string | undefined,
        byState,
      },
      rowFlags(base),
    );
  const why = (to: string) =>
    errorReason({
      name,
      code,
      error,
      byStatus,
      to: resolve(dir, to),
      remaining: null,
      stage: submit?.stage as string | undefined,
      byState,
      flags: rowFlags(base),
    });
  const { to, names, strangers, moved, closed } = await moveOut(dir, name, sent, "failed", words, {
    base,
    session,
    wrote,
    apiUrl,
    said: { exit_code: code, reason: why, headline },
  }).catch(afterSubmit(sent, submit));
  const reason = why(to);
  out.warn(
    `${name}: ${headline}; ${moved ? `moved to ${to} with ${name}.error.txt` : (closed ?? (await stayed(dir, name, sent, [...names.slice(0, -1), `${name}.error.txt`], to)))}`,
  );
  emit(io, name, "failed", code, { batch_id: sent, moved_to: to, reason, submit });
  return { code, stop: false, strangers };
}

/**
 * What the run says of a file changed while its run held it: it stayed (or is gone: renamed
 * or removed by someone); `went` moved to `to` without it.
 */
async function stayed(
  dir: string,
  name: string,
  batchId: string,
  went: readonly string[],
  to: string,
): Promise<string> {
  const there = await stat(entryPath(dir, name)).then(
    () => true,
    () => false,
  );
  const now = there
    ? "the file as it is now stayed in the folder (the next run takes it as a new file)"
    : "it is no longer in the folder (renamed or removed), nor moved";
  return `changed while its run held it: ${now}; batch ${batchId} is the bytes the run read, and what went with it (${went.join(", ") || "nothing"}) moved to ${to}`;
}

/** What to do about a disk that refused a file of this machine, the run's last line. */
const DISK_HINT: Record<string, string> = {
  ENOSPC: "free some space on the disk; the next inbox run takes the files left",
  EDQUOT: "free some space (the disk quota); the next inbox run takes the files left",
  default: "fix the disk or the permissions it names; the next inbox run takes the files left",
};

/** The operating system's code when `failure` is the disk refusing a file of this machine. */
function diskErrno(failure: BatchError | undefined): string | undefined {
  if (!failure) return undefined;
  const cause = failure.cause;
  if (!isDiskFailure(cause) && failure.code !== "not_writable") return undefined;
  const code = cause instanceof DiskError ? cause.errno : (cause as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : "EIO";
}

/**
 * A done file's next step, with the paths it named (the file, its remaining file) where they
 * were moved. A file set aside in failed/ gets none: its error.txt says what to do.
 */
function nextLines(held: readonly string[], dir: string, names: readonly string[], to: string): string[] {
  const pairs = names.map(
    (name) => [shellWord(entryPath(dir, name)), shellWord(entryPath(dir, to, name))] as const,
  );
  // Whole words only: a path is never replaced inside a longer one.
  const word = (was: string) => new RegExp(`(?<= )${was.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?= |$)`, "g");
  return held.map((line) => pairs.reduce((text, [was, now]) => text.replace(word(was), () => now), line));
}

const STAGES: readonly TakenStage[] = ["staged", "quoted", "accepted", "final"];
const UNTIL_STAGE: Record<SubmitArgs["until"], TakenStage> = {
  created: "staged",
  quoted: "quoted",
  accepted: "accepted",
  final: "final",
};

/** How far a file's batch went: what its submit said, else (exit 0) the stage it was asked for. */
function stageReached(said: unknown, until: SubmitArgs["until"] | undefined): TakenStage {
  return STAGES.includes(said as TakenStage) ? (said as TakenStage) : UNTIL_STAGE[until ?? "created"];
}

/** The folder's zone (`--tz`, else the operator's, resolved by the command). */
