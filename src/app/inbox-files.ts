/**
 * The files of a drop folder: which are payrolls to offer to `submit` (by content, not by
 * name), which are this tool's own outputs, which are still being written, and how a file
 * leaves the folder with what belongs to it without ever replacing a file already there.
 */

import { createHash, randomUUID } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { copyFile, link, lstat, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { apiReportPath } from "../batch/batch-dir.js";
import { makeDirectories } from "../disk.js";
import { batchIdHash, batchIdOf } from "../plan/plan.js";

/**
 * The path of the folder's entry `name`: whole, never `-` (which `submit` reads as standard
 * input: `join(".", "-")` is `-`) nor a word starting with `-` in a command it prints.
 */
export const entryPath = (dir: string, ...names: string[]) => resolve(dir, ...names);

/** The guard file: the most the folder's batches may spend, one CUR=AMOUNT a line. */
export const GUARD_FILE = "max-total.txt";

/** What this tool writes beside a payroll: `<stem>.report.csv`, `.validation.xlsx`, `.remaining.csv`, … */
const OUR_OUTPUT = /\.(report|validation|remaining)\.(csv|xlsx)$|\.error\.txt$/i;

/**
 * `link`: a symbolic link, never followed (what it points at may change between looks);
 * `ours`: named like this tool's output with no file of its name beside it (a remaining file
 * dropped as it is, not under a new name).
 */
export type Kind = "csv" | "xlsx" | "xls" | "binary" | "link" | "ours" | "partial" | "other" | "long";

/**
 * Names transfers and editors give a file still being written (a browser's download, WinSCP,
 * Firefox, Office's owner file, editors' temporary files): never a payroll, though it may
 * hold whole rows of one. Taken, a stalled upload's `payroll.csv.part` was paid, then the
 * finished `payroll.csv` paid its rows again under the near-copy threshold (helper-83).
 */
const PARTIAL_NAME = /(\.(part|partial|crdownload|download|filepart|tmp|temp|swp|lock)$)|^~\$|^~lock\./i;

/**
 * The endings a payroll is taken under. Any other is an editor's backup (`payroll.csv~`,
 * `#payroll.csv#`, `.bak`, `.orig`), Office's save temporaries (`7E4C2000`,
 * `payroll.xlsx.sb-41d5a2a1-Jd8bPZ`) and the like, which hold an older version of the rows: taken,
 * both versions were paid (helper-112). So is a sync tool's conflicted copy, whatever its ending.
 */
const PAYROLL_NAME = /\.(csv|tsv|txt|xlsx|xlsm|xls)$/i;
// Dropbox, Nextcloud ("conflicted copy", "Case Conflict"), Syncthing (".sync-conflict-"), Seafile
// ("SFConflict"), OneDrive (the machine's name appended: "payroll-DESKTOP-7F3K2LQ.csv", helper-115).
const CONFLICT_COPY = /conflict/i;
// Windows' default machine names only, as written (`-pc-2026` may be a profit centre's).
// A desktop's name is DESKTOP- and 7, a laptop's LAPTOP- and 8 (NetBIOS's 15) (helper-116).
const MACHINE_COPY = /-(DESKTOP-[A-Z0-9]{7}|LAPTOP-[A-Z0-9]{8})\.[^.]+$/;

/**
 * A workbook (zip), an old binary workbook (OLE), text, or something else. `encoding`: the
 * run's `--encoding`; with `utf16le` a file's NULs are its text's, as `submit` reads it.
 */
export function kindOf(head: Buffer, encoding?: string): Kind {
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return "xlsx";
  if (head.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) return "xls";
  if (encoding === "utf16le" || encoding === "utf16be") return "csv";
  // UTF-16 text has NULs; its byte order mark says so, and without one, its NULs in every
  // other byte do: such a file goes to submit, which says how to read it (--encoding
  // utf16le), and lands in failed/ with those words rather than ignored unsaid (helper-83).
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  return !utf16 && !looksUtf16(head) && head.includes(0) ? "binary" : "csv";
}

/**
 * Text in UTF-16 without a byte order mark: of its first code units, at least half are one
 * byte NUL and the other not, NUL on the same side each time (ASCII letters, digits, commas).
 */
function looksUtf16(head: Buffer): boolean {
  const units = Math.floor(head.length / 2);
  if (units < 2) return false;
  let low = 0;
  let high = 0;
  for (let i = 0; i + 1 < head.length; i += 2) {
    if (head[i] !== 0 && head[i + 1] === 0) low++;
    else if (head[i] === 0 && head[i + 1] !== 0) high++;
  }
  return Math.max(low, high) * 2 >= units && Math.min(low, high) === 0;
}

/**
 * The longest name the inbox takes: `<name>.error.txt` must fit the file systems' limit of
 * 255 bytes a name, or a file that fails could never be set aside with its note.
 */
export const LONGEST_NAME = 255 - ".error.txt".length;

export interface Candidate {
  name: string;
  kind: Kind;
  /** An `other` name holding text or a workbook: maybe a payroll, not paid under that name. */
  readsAsPayroll?: boolean;
}

/** Files a desktop leaves in any shared folder (Windows' folder settings and thumbnails). */
const SYSTEM_FILE = /^(desktop\.ini|thumbs\.db|ehthumbs\.db)$/i;

/**
 * An xlsx workbook (a zip holding `xl/`: not a .docx or any zip), or text whose first line is a
 * header of at least three columns: maybe a payroll saved under another name (helper-116: a
 * README whose title had a comma, an Outlook message, made every run exit 2).
 */
function readsAsPayroll(head: Buffer, encoding?: string): boolean {
  const kind = kindOf(head, encoding);
  if (kind === "xlsx") return head.includes("xl/");
  if (kind !== "csv") return false;
  const first = head.toString("latin1").split(/\r?\n/, 1)[0] ?? "";
  return [",", ";", "\t", "|"].some((delimiter) => first.split(delimiter).length >= 3);
}

/** A file's first 4 KiB, what kindOf reads. */
async function headOf(path: string): Promise<Buffer> {
  const handle = await open(path, "r");
  const head = Buffer.alloc(4096);
  try {
    return head.subarray(0, (await handle.read(head, 0, head.length, 0)).bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The folder's payroll candidates, by name: regular files, not dotfiles, not the guard file,
 * not this tool's outputs; `ignored` are the others that are not payrolls by content,
 * symbolic links, outputs of no file in the folder (`<stem>.…` with no `<stem>.<ext>`), and
 * names longer than LONGEST_NAME bytes. `encoding`: the run's `--encoding` (kindOf).
 */
export async function scanFolder(
  dir: string,
  encoding?: string,
): Promise<{ offered: Candidate[]; ignored: Candidate[] }> {
  const offered: Candidate[] = [];
  const ignored: Candidate[] = [];
  const names = (await readdir(dir)).sort();
  const stems = names
    .filter((name) => !OUR_OUTPUT.test(name))
    .map((name) => `${basename(name, extname(name))}.`);
  for (const name of names) {
    if (name.startsWith(".") || name === GUARD_FILE) continue;
    if (PARTIAL_NAME.test(name)) {
      ignored.push({ name, kind: "partial" });
      continue;
    }
    if (OUR_OUTPUT.test(name)) {
      if (!stems.some((stem) => name.startsWith(stem))) ignored.push({ name, kind: "ours" });
      continue;
    }
    if (!PAYROLL_NAME.test(name) || CONFLICT_COPY.test(name) || MACHINE_COPY.test(name)) {
      // Said only for a file: subfolders (done/, failed/) are the folder's own.
      const other = await lstat(entryPath(dir, name)).catch(() => null);
      if (other?.isFile()) {
        const reads =
          !SYSTEM_FILE.test(name) &&
          other.size > 0 &&
          // Gone since the folder was read (a save's temporary), or not ours to read: no payroll's.
          readsAsPayroll(await headOf(entryPath(dir, name)).catch(() => Buffer.alloc(0)), encoding);
        ignored.push({ name, kind: "other", ...(reads ? { readsAsPayroll: true } : {}) });
      }
      continue;
    }
    const info = await lstat(entryPath(dir, name)).catch(() => null);
    // A link is said, not taken: someone dropped it as a payroll; but a link to a folder is
    // a folder (done/ mounted elsewhere), not a payroll.
    const toFolder =
      info?.isSymbolicLink() && (await stat(entryPath(dir, name)).catch(() => null))?.isDirectory();
    if (info?.isSymbolicLink() && !toFolder) ignored.push({ name, kind: "link" });
    if (!info?.isFile()) continue; // subfolders (done/, failed/), links, pipes
    if (Buffer.byteLength(name) > LONGEST_NAME) {
      ignored.push({ name, kind: "long" });
      continue;
    }
    const kind = kindOf(await headOf(entryPath(dir, name)), encoding);
    // An old .xls goes to submit too: it says what to do with it, and the file lands in failed/.
    (kind === "binary" ? ignored : offered).push({ name, kind });
  }
  return { offered, ignored };
}

export interface Seen {
  size: number;
  mtimeMs: number;
}

const seen = async (path: string): Promise<Seen | null> => {
  const info = await stat(path).catch(() => null);
  return info && { size: info.size, mtimeMs: info.mtimeMs };
};

/**
 * Splits candidates into settled files and files that may still be being written: younger
 * than `settleMs`, or whose size or mtime changed during a pause of `pauseMs`. `looks`: each
 * ready file's size and mtime as last seen, for `unchangedSince` at its turn.
 */
export async function settled(
  dir: string,
  names: readonly string[],
  settleMs: number,
  pauseMs: number,
  now: () => number = Date.now,
): Promise<{
  ready: string[];
  writing: string[];
  looks: ReadonlyMap<string, Seen>;
  /** Files unchanged over the pause, dated ahead of this machine's clock: by how many ms. */
  ahead: ReadonlyMap<string, number>;
}> {
  const first = new Map<string, Seen | null>();
  for (const name of names) first.set(name, await seen(entryPath(dir, name)));
  if (names.length > 0) await sleep(pauseMs);
  const ready: string[] = [];
  const writing: string[] = [];
  const looks = new Map<string, Seen>();
  const ahead = new Map<string, number>();
  for (const name of names) {
    const before = first.get(name);
    const after = await seen(entryPath(dir, name));
    const unchanged =
      before != null && after !== null && before.size === after.size && before.mtimeMs === after.mtimeMs;
    const still = unchanged && now() - after.mtimeMs >= settleMs;
    (still ? ready : writing).push(name);
    if (still) looks.set(name, after);
    // Dated ahead of the clock: "changed recently" until the clock passes it, said so (helper-112).
    else if (unchanged && after.mtimeMs - now() > settleMs) ahead.set(name, after.mtimeMs - now());
  }
  return { ready, writing, looks, ahead };
}

/**
 * Whether a ready file is still as its settle look saw it (or gone): a file written again
 * since (an export dropped again under its name while earlier files had their turn) may be
 * half written when its own turn comes.
 */
export async function unchangedSince(path: string, look: Seen | undefined): Promise<boolean> {
  const now = await seen(path);
  return now === null || (look !== undefined && now.size === look.size && now.mtimeMs === look.mtimeMs);
}

/** The batch id `submit` gives this file: a hash of its name and bytes. */
export async function batchIdOfFile(path: string): Promise<string> {
  const hash = batchIdHash(basename(path));
  hash.update(await readFile(path));
  return batchIdOf(hash);
}

/**
 * The names of the reports this tool may write beside `name`: its report (also named after the
 * API, and after its batch's folder when the plain one is another batch's: batch/report-owner.ts),
 * its validation report.
 */
export function reportNames(name: string, apiUrl?: string, batchDir?: string): string[] {
  const stem = basename(name, extname(name));
  const names = ["report", "validation"].flatMap((word) =>
    ["csv", "xlsx"].map((ext) => `${stem}.${word}.${ext}`),
  );
  if (apiUrl) for (const xlsx of [false, true]) names.push(basename(apiReportPath(name, apiUrl, xlsx)));
  if (batchDir) for (const ext of ["csv", "xlsx"]) names.push(`${stem}.${batchDir}.report.${ext}`);
  return names;
}

/**
 * Each present file's identity (device, inode, change time): a report written since (atomically,
 * a new inode; or in place, a new change time, which nobody can set back) looks otherwise.
 */
export async function looksOf(dir: string, names: readonly string[]): Promise<Map<string, string>> {
  const looks = new Map<string, string>();
  for (const name of names) {
    const info = await lstat(entryPath(dir, name), { bigint: true }).catch(() => null);
    if (info) looks.set(name, `${info.dev}:${info.ino}:${info.ctimeNs}`);
  }
  return looks;
}

/** What the file's batch wrote beside it, by which the inbox knows its companions. */
export interface Wrote {
  /** The reports' looks before the file's run (looksOf): a report that looks otherwise after it, the run wrote. */
  reportsBefore?: ReadonlyMap<string, string>;
  /** The batch's record of its remaining file (released.json): its name and the digests of its bytes. */
  remaining?: { file?: string; sha256: readonly string[] };
  /** The batch's folder name, which names its report when the plain one is another batch's. */
  batchDir?: string;
}

/** A file named like one of `name`'s outputs that its batch did not write: never moved with it. */
export interface Stranger {
  name: string;
  kind: "report" | "remaining file";
}

/**
 * What goes with `name` when it leaves the folder: only what its batch wrote there (`ours`):
 * a report its run wrote, the remaining file its batch records with these bytes. A file of
 * such a name that the batch did not write (the operator's) is a `stranger`: it stays, said.
 */
export async function companionsOf(
  dir: string,
  name: string,
  wrote: Wrote,
  apiUrl?: string,
): Promise<{ ours: string[]; strangers: Stranger[] }> {
  const stem = basename(name, extname(name));
  const ours: string[] = [];
  const strangers: string[] = [];
  const reports = reportNames(name, apiUrl, wrote.batchDir);
  const after = await looksOf(dir, reports);
  for (const [report, look] of after) {
    const written = wrote.reportsBefore !== undefined && wrote.reportsBefore.get(report) !== look;
    if (written) ours.push(report);
    else strangers.push(report);
  }
  const remaining = new Set(["csv", "xlsx"].map((ext) => `${stem}.remaining.${ext}`));
  const recorded = wrote.remaining?.file;
  if (recorded !== undefined) remaining.add(recorded);
  for (const file of remaining) {
    const path = entryPath(dir, file);
    const info = await lstat(path).catch(() => null);
    if (!info) continue;
    const bytes = info.isFile() && file === recorded ? await readFile(path).catch(() => null) : null;
    const digest = bytes && createHash("sha256").update(bytes).digest("hex");
    (digest && wrote.remaining?.sha256.includes(digest) ? ours : strangers).push(file);
  }
  const kind = (file: string): Stranger["kind"] =>
    /\.remaining\.\w+$/.test(file) ? "remaining file" : "report";
  return { ours, strangers: strangers.sort().map((file) => ({ name: file, kind: kind(file) })) };
}

/**
 * A folder under `dir` that holds none of `names` yet: `base` itself, else `base/<tag>`, else
 * `base/<tag>-2`, …; names are kept (a batch id comes from the file's name).
 */
export async function freeFolder(dir: string, base: string, tag: string, names: readonly string[]) {
  for (let n = 1; ; n++) {
    const to = n === 1 ? base : n === 2 ? join(base, tag) : join(base, `${tag}-${n - 1}`);
    const taken = await Promise.all(
      names.map((name) =>
        lstat(entryPath(dir, to, name)).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (!taken.includes(true)) return to;
  }
}

/** A move that cannot finish without replacing a file that is not the one moved. */
export class MoveBlocked extends Error {}

const taken = (to: string) => new MoveBlocked(`${to} exists already (another file); not replacing it`);

/**
 * The inbox's temporary files: a short name of their own (`.bitex-<id>.tmp`, never taken: a
 * dotfile), not the file's name and more: a name 204 bytes long and more would make that
 * longer than a file system allows, and its note could never be written (helper-83). `id`:
 * the move's (its intent's), so a run that finishes the move finds and removes one a kill left.
 */
export const tempPath = (dir: string, id: string = randomUUID()) => join(dir, `.bitex-${id}.tmp`);

/** Where a move holds its payroll for a moment in the folder (moveNoReplace): a dotfile, never taken. */
export const heldPath = (dir: string, id: string) => join(dir, `.bitex-${id}.held`);

/**
 * Moves `from` to `to` unless something is at `to` already: a hard link (which refuses an
 * existing target) then unlink; where links are not supported, a rename after a check; onto
 * another file system (EXDEV: `done/` mounted elsewhere), a copy made whole and synced under
 * a temporary name (`temp`), linked to `to`, and only then the unlink. Moving again after a
 * kill in between finds the link (or the whole copy: the same bytes on the other file system)
 * made and only unlinks. Throws MoveBlocked when another file is at `to`.
 *
 * `ours`: whether what `to` now holds is the file the move is about, asked after the link and
 * before the unlink: a file renamed over `from` after any earlier look (the next payroll,
 * dropped as the README asks) is what gets linked, and is not moved: its link at `to` is
 * removed, the file stays at `from`, and the answer is `other` (helper-83: it went to done/
 * unpaid). `from` is unlinked only while it is still what `to` holds (the same inode, or on
 * another file system the same bytes).
 */
export async function moveNoReplace(
  from: string,
  to: string,
  options: {
    ours?: (path: string) => Promise<boolean>;
    temp?: string;
    /** Where the payroll (`ours`) is held for a moment before it is let go (letGo). */
    held?: string;
  } = {},
): Promise<"moved" | "gone" | "other"> {
  const { ours } = options;
  const source = await lstat(from).catch(() => null);
  if (!source) return "gone";
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      const target = await lstat(to);
      const same = target.ino === source.ino && target.dev === source.dev;
      // A copy onto another file system, made whole before it got its name: the move's own.
      const copied = target.dev !== source.dev && (await sameBytes(from, to));
      // The move's own file, linked by a killed run, and another renamed over `from` since: the
      // move is done, that one stays (helper-87: the folder was blocked for good).
      if (!same && !copied && ours && (await ours(to))) return "moved";
      if (!same && !copied) throw taken(to);
    } else if (code === "EXDEV") {
      await copyWhole(from, to, options.temp ?? tempPath(dirname(to)));
    } else if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP") {
      if (await lstat(to).catch(() => null)) throw taken(to);
      await rename(from, to);
      if (!ours || (await ours(to))) return "moved";
      // Not the move's file: back where it was, unless another one came there meanwhile.
      if (!(await lstat(from).catch(() => null))) await rename(to, from);
      return "other";
    } else throw error;
  }
  if (ours && !(await ours(to))) {
    // What `to` holds came from `from` (this link, or a killed run's): `from` keeps it.
    await unlink(to);
    await syncDir(dirname(to));
    return "other";
  }
  if (ours === undefined || options.held === undefined) {
    const [now, target] = await Promise.all([lstat(from).catch(() => null), lstat(to)]);
    const still = now !== null && (await sameFile(from, now, to, target));
    // Another file renamed over `from` since the link: the move's file is at `to`, that one stays.
    if (still) await unlink(from);
    return "moved";
  }
  // The payroll: whatever is at `from` now is taken under the move's own name first (a rename
  // takes a name whole), then let go only if it is the file at `to`; one renamed over `from`
  // since the link goes back (helper-87: unlinked by name, it was deleted without a word).
  if (await lstat(from).catch(() => null)) {
    await rename(from, options.held);
    await letGo(options.held, from, to);
  }
  return "moved";
}

/**
 * A file the move took from the folder under its own name (`held`, moveNoReplace): removed
 * when it is the file at `to` (the same inode; on another file system the same bytes), else
 * put back at `from`, never over a file: with another one there since, beside it as
 * `<stem> (<id>)<ext>`, a file of the folder the next run takes. Also what a run finishing a
 * killed move does with one left there.
 */
export async function letGo(held: string, from: string, to: string): Promise<void> {
  const [mine, target] = await Promise.all([lstat(held).catch(() => null), lstat(to).catch(() => null)]);
  if (mine === null) return;
  const same = target !== null && (await sameFile(held, mine, to, target));
  if (!same) {
    const ext = extname(from);
    const beside = join(dirname(from), `${basename(from, ext)} (${randomUUID().slice(0, 8)})${ext}`);
    await link(held, from).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
      await link(held, beside);
    });
  }
  await unlink(held);
  await syncDir(dirname(from));
}

/** Two names of one file: the same inode, or on two file systems (a copy across) the same bytes. */
async function sameFile(a: string, aStat: Stats, b: string, bStat: Stats): Promise<boolean> {
  return aStat.dev === bStat.dev ? aStat.ino === bStat.ino : await sameBytes(a, b).catch(() => false);
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [one, two] = await Promise.all([readFile(a), readFile(b)]);
  return one.equals(two);
}

/** `from` copied to `to` (another file system), durable before it has its name; never over a file. */
async function copyWhole(from: string, to: string, temp: string): Promise<void> {
  await unlink(temp).catch(() => {});
  try {
    await copyFile(from, temp, constants.COPYFILE_EXCL);
    const handle = await open(temp, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !(await sameBytes(from, to))) {
        throw (error as NodeJS.ErrnoException).code === "EEXIST" ? taken(to) : error;
      }
    }
  } finally {
    await unlink(temp).catch(() => {});
  }
  await syncDir(dirname(to));
}

/**
 * Writes `text` to `path` whole or not at all, owner-only, as a report: it quotes the
 * refusal, which can name the rows and who they pay. The words go to a temporary file beside
 * it (`temp`, tempPath: one a kill left there is replaced), synced, then linked to `path` (a
 * link never replaces a file) or, over a file holding a beginning of them (a write cut short
 * by a version that wrote in place), renamed onto it.
 * `kept`: the same words were there; `other`: other words were, left as they are.
 */
export async function writeWhole(
  path: string,
  text: string,
  temp: string = tempPath(dirname(path)),
): Promise<"written" | "kept" | "other"> {
  const there = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (there === text) return "kept";
  if (there !== null && !text.startsWith(there)) return "other";
  await unlink(temp).catch(() => {});
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (there === null) {
      try {
        await link(temp, path);
      } catch (error) {
        // Made meanwhile: judged again, as it is now.
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return await writeWhole(path, text, temp);
        throw error;
      }
    } else await rename(temp, path);
  } finally {
    await unlink(temp).catch(() => {});
  }
  await syncDir(dirname(path));
  return "written";
}

/** Makes a folder's new entries durable (where the file system lets a folder be synced). */
async function syncDir(path: string): Promise<void> {
  const handle = await open(path, "r").catch(() => null);
  try {
    await handle?.sync().catch(() => {});
  } finally {
    await handle?.close();
  }
}

/** The folder's own folders (done/, failed/, .bitex-inbox/): owner-only, as what they hold. */
export const ensureDir = (path: string) => makeDirectories(path);
