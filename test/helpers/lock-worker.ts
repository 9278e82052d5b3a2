/** Child process for the lock race test: takes the lock at an agreed instant, holds it a moment. */
import { acquireLock } from "../../src/submit/lock.js";

const [path, startAt] = process.argv.slice(2);
while (Date.now() < Number(startAt)) {
  // spin: every worker starts at the same instant
}
try {
  const lock = await acquireLock(path as string, () => undefined);
  process.stdout.write("GOT");
  await new Promise((resolve) => setTimeout(resolve, 300));
  await lock.release();
} catch (error) {
  process.stdout.write(`NO ${(error as Error).message}`);
}
