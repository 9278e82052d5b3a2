/**
 * Child process for the lock race tests. Protocol, one line at a time:
 *   worker → "READY"                        (loaded; nothing timed before this)
 *   parent → "GO <epoch-ms>"                 (all workers take the lock at that instant)
 *   worker → "GOT" | "NO <code> <message>"   (code: the BatchError code, e.g. "locked")
 *   parent → "RELEASE"                      (only to the one that got it, once all have answered)
 *   worker → "RELEASED"
 * The winner holds the lock until told, so a worker that starts late still races a live holder.
 * Plain JavaScript on the built lock (dist/, built before the tests that race it): a worker
 * through tsx took about 0.6 s of CPU to start, and the races start 28 of them.
 */
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { acquireLock } from "../../dist/batch/lock.js";

const path = process.argv[2];
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
/** The parent's next line; null once it closed our stdin (then we stop, as if told to release). */
const next = async () => {
  const line = await lines.next();
  return line.done ? null : line.value;
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
  const code = error.code;
  process.stdout.write(`NO ${String(code)} ${error.message}\n`);
}
process.exit(0);
