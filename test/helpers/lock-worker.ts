/**
 * Child process for the lock race test: takes the lock at an agreed instant and holds it until
 * every worker has tried (each leaves a marker beside the lock), so that a worker started late
 * on a loaded machine still races against a held lock rather than a released one.
 */
import { readdir, writeFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { acquireLock } from "../../src/submit/lock.js";

const [path, startAt, workers = "3"] = process.argv.slice(2) as [string, string, string?];
const tried = () => writeFile(`${path}.tried.${process.pid}`, "");
const everyoneTried = async () =>
  (await readdir(dirname(path))).filter((name) => name.startsWith(`${basename(path)}.tried.`)).length >=
  Number(workers);

while (Date.now() < Number(startAt)) {
  // spin: every worker starts at the same instant
}
try {
  const lock = await acquireLock(path, () => undefined);
  await tried();
  process.stdout.write("GOT");
  const until = Date.now() + 10_000;
  while (!(await everyoneTried()) && Date.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await lock.release();
} catch (error) {
  await tried();
  process.stdout.write(`NO ${(error as Error).message}`);
}
