/**
 * One run per batch: a lock file created exclusively under the state directory, holding
 * the owner's pid and host. A lock left by a dead process on this host is taken over (with
 * a message); a live one, or one from another host we cannot check, stops the run (exit 4).
 */
import { mkdir, open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { BatchError } from "../errors.js";

interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as LockOwner;
  } catch {
    return null; // vanished, or torn by a crash while being written
  }
}

export interface Lock {
  release(): Promise<void>;
}

export async function acquireLock(path: string, say: (line: string) => void): Promise<Lock> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx", 0o600);
      const owner: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date().toISOString() };
      await handle.writeFile(JSON.stringify(owner));
      await handle.sync();
      await handle.close();
      return { release: () => unlink(path).catch(() => undefined) };
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
    if (owner)
      say(`taking over the lock of a run that is gone (pid ${owner.pid}, since ${owner.started_at})`);
    else if (attempt > 0) say(`removing an unreadable lock file ${path}`);
    // A torn lock may still be in the middle of being written; only remove it on a retry.
    if (owner || attempt > 0) await unlink(path).catch(() => undefined);
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new BatchError("locked", `could not take the lock ${path}`, {
    hint: "remove it if no run is active",
  });
}
