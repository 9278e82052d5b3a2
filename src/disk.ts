/**
 * Failures of this machine's own files (the state directory, the journal, the lock, the
 * report) as BatchErrors that name the path and say why in words: a full disk, a file size
 * limit, a read-only or unwritable directory, a path through a regular file. Exit 2 when
 * nothing was sent yet, exit 3 after (exitCodeFor).
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { BatchError } from "./errors.js";

const WHY: Readonly<Record<string, string>> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EFBIG: "the file would exceed the file size limit of this process (ulimit -f)",
  EACCES: "no permission to write there",
  EPERM: "no permission to write there (operation not permitted)",
  EROFS: "the file system is read-only",
  ENOTDIR: "a part of the path is a regular file, not a directory",
  EEXIST: "a file of that name is in the way (not a directory)",
  EISDIR: "a directory is in the way (a file was expected)",
  ENOENT: "a part of the path does not exist",
  ELOOP: "the path loops through symbolic links",
  ENAMETOOLONG: "the path is too long",
  EIO: "the disk reported an input/output error",
  EMFILE: "this process has too many open files",
  ENFILE: "the system has too many open files",
};

/** An operating-system failure of a local file, with what was done ("write the journal") and its path. */
export class DiskError extends Error {
  readonly errno: string;
  constructor(
    readonly action: string,
    readonly path: string,
    cause: unknown,
  ) {
    const errno = errnoOf(cause) ?? "EIO";
    super(`cannot ${action} ${path}: ${WHY[errno] ?? "the operating system refused"} (${errno})`, {
      cause,
    });
    this.name = "DiskError";
    this.errno = errno;
  }
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** The path the operating system named; a rename's is its target, not the temp file beside it. */
function osPath(error: unknown): string | undefined {
  const { path, dest, syscall } = (error ?? {}) as { path?: unknown; dest?: unknown; syscall?: unknown };
  const named = syscall === "rename" ? dest : path;
  return typeof named === "string" ? named : undefined;
}

/** A failure of the operating system on a local file (not an API error, not a bug). */
export function isDiskFailure(error: unknown): boolean {
  if (error instanceof DiskError) return true;
  const errno = errnoOf(error);
  return errno !== undefined && errno in WHY && typeof (error as { syscall?: unknown }).syscall === "string";
}

/**
 * `error` (a DiskError, or a Node fs error) as the BatchError that stops the command, naming
 * `path` (a DiskError's own path wins) and, when the operating system names another one
 * below it, that one too. `action` says what failed ("use the state directory").
 * `sentAny`: something was sent to the API already (exit 3 then, else exit 2).
 */
export function diskFailure(
  error: unknown,
  options: { action: string; path: string; sentAny: boolean; hint: string },
): BatchError {
  const errno = error instanceof DiskError ? error.errno : (errnoOf(error) ?? "EIO");
  const action = error instanceof DiskError ? error.action : options.action;
  const path = error instanceof DiskError ? error.path : options.path;
  const own = osPath(error);
  const at =
    own !== undefined && resolve(own) !== resolve(path) && !(error instanceof DiskError) ? ` on ${own}` : "";
  const message = `cannot ${action} ${path}: ${WHY[errno] ?? "the operating system refused"} (${errno}${at})`;
  if (options.sentAny) return new BatchError("write_failed", message, { hint: options.hint, cause: error });
  return new BatchError("not_writable", message, {
    hint: "nothing was sent; free some space, fix the permissions or pass another --state-dir, then run again",
    cause: error,
  });
}

/**
 * Puts `text` at `path` so that a crash or a power cut leaves the old file or the new one,
 * whole, never an empty or half one: a temp file beside it (made new, owner-only), fsynced,
 * renamed over it, then the directory fsynced so that the rename is on disk too. For a
 * batch's small state files (released.json), as the journal is synced and the reports are
 * (writers/atomic.ts).
 */
export async function replaceDurably(path: string, text: string): Promise<void> {
  await removeLeftovers(path);
  const temp = tempPathFor(path);
  const handle = await open(temp, "wx", 0o600);
  try {
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/**
 * A report that could not be written, in the disk's words when the disk refused it (the
 * writers wrap its error: writers/write.ts reportWriteError), else as it was thrown.
 */
export function reportFailure(error: unknown, path: string, hint: string): Error {
  const cause = error instanceof BatchError && isDiskFailure(error.cause) ? error.cause : error;
  if (isDiskFailure(cause))
    return diskFailure(cause, { action: "write the report", path, sentAny: true, hint });
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Removes a batch's folder that holds nothing (a batch that never began): rmdir fails while
 * anything is in it, a journal or another run's lock (batch/lock.ts makes the folder again if
 * it goes while its lock is being taken).
 */
export async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined);
}

/** Makes a rename in `dir` durable. Best-effort: some platforms cannot open or fsync a directory. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Windows and some network filesystems refuse; the data itself is already fsynced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Temp files of this target left by a run that was killed (kill -9 mid-write): they hold
 * personal data, so the next run writing the target removes them (reports, the input copy,
 * released.json: helper-87 found the last two left for ever). Only files of exactly our
 * own naming, and only when the process that made them is gone (a live one is still writing).
 */
export async function removeLeftovers(target: string): Promise<void> {
  const name = basename(target);
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const entry of names) {
    if (!entry.startsWith(`.${name}.`) || !entry.endsWith(".tmp")) continue;
    const match = /^\.(\d+)\.[0-9a-f]{12}\.tmp$/.exec(entry.slice(name.length + 1));
    if (!match || alive(Number(match[1]))) continue;
    await rm(join(dirname(target), entry), { force: true }).catch(() => undefined);
  }
}

/** `.<name>.<pid>.<random>.tmp` beside the target: same filesystem, so rename is atomic. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * `mkdir -p` with `mode`: each missing folder made in turn from the nearest one that exists.
 * Node's recursive mkdir never returns for a path under /proc (its ENOENT there is taken for a
 * missing parent, which then exists: round again); here that ENOENT is the answer. A part of
 * the path that is a file fails as mkdir fails (ENOTDIR, EEXIST).
 */
export async function makeDirectories(path: string, mode = 0o700): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(path); ; ) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return null;
      throw error;
    });
    if (found) {
      if (!found.isDirectory()) await mkdir(at, { mode }); // fails as mkdir does (EEXIST)
      break;
    }
    missing.push(at);
    if (dirname(at) === at) break;
    at = dirname(at);
  }
  for (const dir of missing.reverse())
    await mkdir(dir, { mode }).catch((error: NodeJS.ErrnoException) => {
      // Made meanwhile by another run: what was wanted.
      if (error.code !== "EEXIST") throw error;
    });
}
