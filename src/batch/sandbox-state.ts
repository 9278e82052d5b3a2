/**
 * The temporary state folders of `--sandbox` runs (paths.ts SANDBOX_STATE_PREFIX) that a run
 * killed before its end (kill -9, out of memory, a power cut) left behind: each holds the
 * journal and the input copy of a rehearsed payroll, so the next `--sandbox` run removes
 * those whose run is gone. A folder is removed only when it is this user's, older than a
 * run takes to lock its batch, and no lock in it has an owner that may still run.
 */
import { lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { lockHeld } from "./lock.js";
import { lockPathFor, SANDBOX_STATE_PREFIX } from "./paths.js";

/** A run locks its batch within moments of making its folder; younger ones may be starting. */
const STARTING_MS = 60_000;

/** Removes the dead runs' folders under `tmp`; returns their paths. */
export async function removeDeadSandboxStates(tmp: string, nowMs = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  const uid = process.getuid?.();
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    if (!name.startsWith(SANDBOX_STATE_PREFIX)) continue;
    const dir = join(tmp, name);
    const info = await lstat(dir).catch(() => null);
    if (!info?.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
    if (nowMs - info.mtimeMs < STARTING_MS) continue;
    const batches = await readdir(dir).catch(() => null);
    if (batches === null) continue;
    const held = await Promise.all(batches.map((batch) => lockHeld(lockPathFor(dir, batch))));
    if (held.includes(true)) continue;
    await rm(dir, { recursive: true, force: true }).then(
      () => removed.push(dir),
      () => undefined,
    );
  }
  return removed;
}
