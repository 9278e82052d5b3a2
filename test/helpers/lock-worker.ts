/**
 * Child process for the lock race tests. Protocol, one line at a time:
 *   worker → "READY"                        (loaded; nothing timed before this)
 *   parent → "GO <epoch-ms>"                 (all workers take the lock at that instant)
 *   worker → "GOT" | "NO <code> <message>"   (code: the BatchError code, e.g. "locked")
 *   parent → "RELEASE"                      (only to the one that got it, once all have answered)
 *   worker → "RELEASED"
 * The winner holds the lock until told, so a worker that starts late still races a live holder.
 */
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { acquireLock } from "../../src/batch/lock.js";

const path = process.argv[2] as string;
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
/** The parent's next line; null once it closed our stdin (then we stop, as if told to release). */
const next = async (): Promise<string | null> => {
  const line = await lines.next();
  return line.done ? null : (line.value as string);
};

process.stdout.write("READY\n");
const startAt = Number((await next())?.split(" ")[1] ?? Date.now());
if (startAt - Date.now() > 20) await sleep(startAt - Date.now() - 20);
while (Date.now() < startAt) {
  // spin the last few ms: every worker starts at the same instant
}
try {
  const lock = await acquireLock(path, () => undefined);
  process.stdout.write("GOT\n");
  for (let line = await next(); line !== null && line !== "RELEASE"; line = await next()) {
    // hold the lock
  }
  await lock.release();
  process.stdout.write("RELEASED\n");
} catch (error) {
  const code = (error as { code?: unknown }).code;
  process.stdout.write(`NO ${String(code)} ${(error as Error).message}\n`);
}
process.exit(0);
