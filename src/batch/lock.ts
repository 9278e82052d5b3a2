/**
 * One run per batch: a lock file under the state directory holding the owner's pid, host,
 * start time and a random nonce. It appears whole (written to a temp file, then hard-linked
 * into place, which fails if a lock exists): that link is the only way to take the lock.
 *
 * A live lock, or one from another host we cannot check, stops the run (exit 4). A lock left
 * by a dead process on this host, or by a process of an earlier boot or whose pid another
 * process has now (the boot id and the pid's start in ticks since boot say, not the clock),
 * or an unreadable one after a grace period, is removed,
 * and then the run tries its link again like everyone else. Removing is the dangerous part:
 * `unlink` goes by name, so a process that decided "stale" and then was preempted could
 * delete the fresh lock of whoever took over meanwhile. So:
 *
 * - a missing lock is never "unreadable": it is simply free;
 * - only the file that was judged stale is removed: same device, inode, mtime and bytes;
 * - only by the holder of a claim on that very file, `<lock>.takeover-<id>.<n>` (id: a hash
 *   of the file's identity and bytes), made with link(2) so exactly one process gets each
 *   n. Claim n+1 may be made only once the holder of claim n is dead, never because it is
 *   slow, so a live claimer is never overtaken, however long it is paused.
 *
 * While a live process holds the claim, nobody else can change the stale file at the lock
 * path (nothing can be linked over it, its owner is dead, other claims are for other files),
 * so "it is still the stale file" stays true until the claimer unlinks it. A stale file,
 * once gone, never comes back (its identity is unique), so its claims can then be deleted.
 */
import { createHash, randomUUID } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, open, readdir, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { makeDirectories } from "../disk.js";
import { BatchError } from "../errors.js";

interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
  /** Absent in locks written by older versions. */
  nonce?: string;
  /** This machine's boot (Linux boot_id): a pid of another boot is not the owner, whoever has it now. */
  boot?: string;
  /** When the owner started, in the kernel's ticks since boot (Linux /proc/<pid>/stat): a reused pid's differs. */
  start?: string;
  /** The owner holds the lock for a moment only (a `status` writing the remaining file): others wait for it. */
  brief?: true;
}

/** A process's start in ticks since boot, or undefined (no such process, or not Linux). */
function startOf(pid: number | "self"): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22; the name (field 2) is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** The kernel's id of this boot, where there is one (Linux); it changes at every boot, whatever the clock says. */
const BOOT_ID: string | undefined = (() => {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
})();

const START = startOf("self");

/**
 * Whether the process that wrote `owner` may still run: on this host, its pid is alive and it
 * is of this boot (a lock a reboot left names a pid some other process may have now).
 */
function ownerAlive(owner: LockOwner): boolean {
  if (owner.boot !== undefined && BOOT_ID !== undefined && owner.boot !== BOOT_ID) return false;
  if (!isAlive(owner.pid)) return false;
  // The pid is someone's: the owner's only if that process started when the owner did.
  const start = owner.start === undefined ? undefined : startOf(owner.pid);
  return start === undefined || start === owner.start;
}

/**
 * Whether the lock at `path` is held: true while its owner may still run (a lock of another
 * host, or one that cannot be read, counts as held), false when its owner is gone, null when
 * there is no lock.
 */
export async function lockHeld(path: string): Promise<boolean | null> {
  const seen = await inspect(path).catch(() => undefined);
  if (seen === null) return null;
  const owner = seen === undefined ? null : parseOwner(seen.text);
  return owner === null || owner.host !== hostname() || ownerAlive(owner);
}

export interface Lock {
  release(): Promise<void>;
  /** For the exit-now path of a second signal. */
  releaseSync(): void;
}

export interface LockOptions {
  /** How long to keep waiting while a live process is removing a stale lock, or holds the lock briefly. */
  waitMs?: number;
  /**
   * This run holds the lock for a moment only (a read-only `status` writing the remaining
   * file): a run that finds it waits up to `waitMs` for it, instead of stopping (exit 4).
   */
  brief?: boolean;
}

/** An unreadable lock younger than this may still be being written (by an older version). */
const TORN_GRACE_MS = 2_000;
const WAIT_MS = 10_000;
const RETRY_MS = 50;
/** Ample for WAIT_MS of RETRY_MS waits; only a lock that keeps changing hands gets here. */
const MAX_ATTEMPTS = 1_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, someone else's
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (!(Number.isInteger(owner.pid) && owner.pid > 0 && typeof owner.host === "string")) return null;
    // Said in messages ("since …"): a lock written by hand may lack it (helper-90).
    return typeof owner.started_at === "string" ? owner : { ...owner, started_at: "an unknown time" };
  } catch {
    return null;
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  return parseOwner((await inspect(path).catch(() => null))?.text ?? "");
}

const sameOwner = (a: LockOwner | null, b: LockOwner | null) =>
  a !== null &&
  b !== null &&
  a.pid === b.pid &&
  a.host === b.host &&
  a.started_at === b.started_at &&
  a.nonce === b.nonce;

/** A file as we saw it: which file it was and what it held. */
interface Seen {
  dev: number;
  ino: number;
  mtimeMs: number;
  text: string;
}

/** The file at `path` (identity and bytes from one open handle), or null if there is none. */
async function inspect(path: string): Promise<Seen | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const { dev, ino, mtimeMs } = await handle.stat();
    return { dev, ino, mtimeMs, text: await handle.readFile("utf8") };
  } finally {
    await handle.close();
  }
}

const sameFile = (a: Seen, b: Seen) =>
  a.dev === b.dev && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.text === b.text;

const claimBase = (path: string, seen: Seen) =>
  `${path}.takeover-${createHash("sha256")
    .update(`${seen.dev}:${seen.ino}:${seen.mtimeMs}:${seen.text}`)
    .digest("hex")
    .slice(0, 16)}`;

/** For tests: the claim prefix a takeover of the lock now at `path` would use. */
export async function takeoverClaimBase(path: string): Promise<string | null> {
  const seen = await inspect(path);
  return seen && claimBase(path, seen);
}

/** Claims are numbered 1, 2, …; more than this many dead claimers means something is wrong. */
const MAX_CLAIMS = 100;

/**
 * Removes `seen` from `path` if it is still there, holding a claim on it (`ours`: a file with
 * our owner record, linked as the claim). "removed": we removed it; "gone": it was no longer
 * there; "busy": a live process holds the claim.
 */
async function removeStale(path: string, seen: Seen, ours: string): Promise<"removed" | "gone" | "busy"> {
  const base = claimBase(path, seen);
  let n = 1;
  for (; ; n++) {
    try {
      await link(ours, `${base}.${n}`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const claim = await inspect(`${base}.${n}`);
    if (claim === null) return "gone"; // claims are cleared only once the stale file is gone
    const holder = parseOwner(claim.text);
    if (!holder || holder.host !== hostname() || ownerAlive(holder) || n >= MAX_CLAIMS) return "busy";
    // claim n's holder died mid-takeover: claim n+1
  }
  let settled = false; // the stale file is no longer at the lock path
  try {
    const now = await inspect(path);
    if (now === null || !sameFile(now, seen)) {
      settled = true;
      return "gone";
    }
    await unlink(path);
    settled = true;
    return "removed";
  } finally {
    // If unlink failed, our claim stays: nobody else may remove the file while we live.
    if (settled) for (let k = n; k >= 1; k--) await unlink(`${base}.${k}`).catch(() => undefined);
  }
}

/**
 * Once we hold the lock, every stale lock file is gone, so the claims on them that dead
 * claimers left can go too; so can the temp files of runs killed before they cleaned up.
 */
async function sweepLeftovers(path: string): Promise<void> {
  const dir = dirname(path);
  const lock = basename(path);
  for (const name of await readdir(dir).catch(() => [])) {
    const ours =
      name.startsWith(`${lock}.takeover-`) || (name.startsWith(`${lock}.`) && name.endsWith(".tmp"));
    if (!ours) continue;
    // Both hold their writer's owner record (a temp file still being written holds none yet).
    const holder = await readOwner(join(dir, name));
    if (holder && holder.host === hostname() && !ownerAlive(holder))
      await unlink(join(dir, name)).catch(() => undefined);
  }
}

/**
 * Writes the lock's temp file, making its folder again if it went: a run whose batch never
 * began removes the batch's folder as it ends, while empty (app/submit.ts), maybe between our
 * mkdir and this write. Once the temp file is in it, it is not empty any more.
 */
async function writeInFolder(temp: string, text: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeFile(temp, text, { mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 3) throw error;
      await makeDirectories(dirname(temp));
    }
  }
}

export async function acquireLock(
  path: string,
  say: (line: string) => void,
  options: LockOptions = {},
): Promise<Lock> {
  await makeDirectories(dirname(path));
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    started_at: new Date().toISOString(),
    nonce: randomUUID(),
    ...(BOOT_ID === undefined ? {} : { boot: BOOT_ID }),
    ...(START === undefined ? {} : { start: START }),
    ...(options.brief ? { brief: true as const } : {}),
  };
  const temp = `${path}.${process.pid}.${me.nonce}.tmp`;
  await writeInFolder(temp, JSON.stringify(me));
  const deadline = Date.now() + (options.waitMs ?? WAIT_MS);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await link(temp, path);
        if (!sameOwner(await readOwner(path), me))
          throw new BatchError("locked", `the lock ${path} was replaced as it was taken`, {
            hint: "another process is removing locks; make sure only bitex-batch manages this state directory",
          });
        await sweepLeftovers(path);
        const mine = () => sameOwner(parseOwner(readFileSafe(path)), me);
        return {
          release: async () => {
            if (sameOwner(await readOwner(path), me)) await unlink(path).catch(() => undefined);
          },
          releaseSync: () => {
            if (mine()) unlinkSafe(path);
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const seen = await inspect(path);
      const owner = seen && parseOwner(seen.text);
      if (owner && (owner.host !== hostname() || ownerAlive(owner))) {
        // A status holds it for a moment (its remaining file): wait for it, as for a takeover.
        if (owner.brief === true && attempt < MAX_ATTEMPTS && Date.now() <= deadline) {
          await sleep(RETRY_MS);
          continue;
        }
        throw new BatchError(
          "locked",
          `another run (pid ${owner.pid} on ${owner.host}, since ${owner.started_at}${owner.brief === true ? ", a status writing the remaining file" : ""}) holds this batch`,
          {
            hint: `wait for it to finish; if it is gone, remove ${path}`,
          },
        );
      }
      // Dead owner, or an unreadable lock old enough not to be mid-write: remove that file.
      const outcome =
        seen === null
          ? "gone" // released or removed just now: link again
          : owner || Date.now() - seen.mtimeMs > TORN_GRACE_MS
            ? await removeStale(path, seen, temp)
            : "busy";
      if (outcome === "removed" && owner)
        say(`taking over the lock of a run that is gone (pid ${owner.pid}, since ${owner.started_at})`);
      else if (outcome === "removed") say(`removing an unreadable lock ${path}`);
      if (attempt >= MAX_ATTEMPTS || (outcome === "busy" && Date.now() > deadline)) {
        throw new BatchError("locked", `could not take the lock ${path}`, {
          hint: `another process has been taking it over for too long; if no run is active, remove ${path} and ${path}.takeover-*`,
        });
      }
      if (outcome === "busy") await sleep(RETRY_MS);
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function unlinkSafe(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
