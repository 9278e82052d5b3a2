/**
 * One run per batch: a lock file under the state directory holding the owner's pid, host
 * and start time. It appears whole (written to a temp file, then hard-linked into place,
 * which fails if a lock exists). A lock left by a dead process on this host is taken over
 * (with a message) under a short-lived guard, so two runs can never both take it over; a
 * live lock, or one from another host we cannot check, stops the run (exit 4).
 */
import { readFileSync, unlinkSync } from "node:fs";
import { link, mkdir, open, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BatchError } from "../errors.js";

interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
}

export interface Lock {
  release(): Promise<void>;
  /** For the exit-now path of a second signal. */
  releaseSync(): void;
}

/** A takeover guard older than this belongs to a run that died mid-takeover. */
const GUARD_STALE_MS = 10_000;

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
    return typeof owner.pid === "number" && typeof owner.host === "string" ? owner : null;
  } catch {
    return null;
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  return parseOwner(await readFile(path, "utf8").catch(() => ""));
}

const sameOwner = (a: LockOwner | null, b: LockOwner | null) =>
  a !== null && b !== null && a.pid === b.pid && a.host === b.host && a.started_at === b.started_at;

/** Runs `fn` holding `<lock>.takeover`; returns false if another process holds it. */
async function underGuard(lockPath: string, fn: () => Promise<void>): Promise<boolean> {
  const guard = `${lockPath}.takeover`;
  try {
    await (await open(guard, "wx", 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const age = Date.now() - ((await stat(guard).catch(() => null))?.mtimeMs ?? Date.now());
    if (age > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return false;
  }
  try {
    await fn();
    return true;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

export async function acquireLock(path: string, say: (line: string) => void): Promise<Lock> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const me: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date().toISOString() };
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(me), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await link(temp, path);
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
      const owner = await readOwner(path);
      if (owner && (owner.host !== hostname() || isAlive(owner.pid))) {
        throw new BatchError(
          "locked",
          `another run (pid ${owner.pid} on ${owner.host}, since ${owner.started_at}) holds this batch`,
          {
            hint: `wait for it to finish; if it is gone, remove ${path}`,
          },
        );
      }
      // Dead owner (or an unreadable lock from an older version): take it over, once.
      const tookOver = await underGuard(path, async () => {
        const again = await readOwner(path);
        if (!(owner ? sameOwner(again, owner) : again === null)) return;
        const removed = await unlink(path).then(
          () => true,
          () => false,
        );
        if (removed && owner)
          say(`taking over the lock of a run that is gone (pid ${owner.pid}, since ${owner.started_at})`);
        else if (removed) say(`removing an unreadable lock ${path}`);
      });
      if (!tookOver) await sleep(50);
    }
    throw new BatchError("locked", `could not take the lock ${path}`, {
      hint: "remove it if no run is active",
    });
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
