/**
 * A `--sandbox` run keeps its journal and its copy of the payroll in a temporary folder it
 * removes at its end; one killed (kill -9, out of memory) leaves it behind. The next
 * `--sandbox` run removes those whose run is gone, and nothing else.
 */
import { spawnSync } from "node:child_process";
import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { SANDBOX_STATE_PREFIX } from "../../src/batch/paths.js";
import { removeDeadSandboxStates } from "../../src/batch/sandbox-state.js";
import { tempDir } from "../helpers/cli.js";

/** A lock's owner record: this process (alive), or one that has exited, of another boot. */
const owner = (alive: boolean) =>
  JSON.stringify({
    pid: alive ? process.pid : spawnSync(process.execPath, ["-e", ""]).pid,
    host: hostname(),
    started_at: "2026-12-01T00:00:00.000Z",
    ...(alive ? {} : { boot: "another-boot" }),
  });

/** A state folder as a --sandbox run leaves it: a batch folder with its lock (or none), its copy. */
async function state(tmp: string, name: string, lock: string | null, ageMs: number): Promise<void> {
  const dir = join(tmp, `${SANDBOX_STATE_PREFIX}${name}`);
  await mkdir(join(dir, "batch-1"), { recursive: true, mode: 0o700 });
  await writeFile(join(dir, "batch-1", "input.csv"), "reference,amount\nEMP-1,100\n", { mode: 0o600 });
  if (lock !== null) await writeFile(join(dir, "batch-1", "lock"), lock, { mode: 0o600 });
  const at = new Date(Date.now() - ageMs);
  await utimes(dir, at, at);
}

describe("removeDeadSandboxStates", () => {
  it("removes the folders of --sandbox runs that are gone; keeps a live run's, a starting run's and anything else", async () => {
    const tmp = await tempDir();
    const hour = 3_600_000;
    await state(tmp, "killed", owner(false), hour);
    await state(tmp, "running", owner(true), hour);
    // Made a moment ago: the run has not taken its lock yet.
    await state(tmp, "starting", null, 1_000);
    // No lock and old: a run killed before it took its lock.
    await state(tmp, "killed-early", null, hour);
    await mkdir(join(tmp, "bitex-batch-other"));
    await writeFile(join(tmp, `${SANDBOX_STATE_PREFIX}a-file`), "not a folder");

    const removed = await removeDeadSandboxStates(tmp);

    expect(removed.sort()).to.deep.equal(
      [`${SANDBOX_STATE_PREFIX}killed`, `${SANDBOX_STATE_PREFIX}killed-early`].map((name) => join(tmp, name)),
    );
    expect((await readdir(tmp)).sort()).to.deep.equal(
      [
        "bitex-batch-other",
        `${SANDBOX_STATE_PREFIX}a-file`,
        `${SANDBOX_STATE_PREFIX}running`,
        `${SANDBOX_STATE_PREFIX}starting`,
      ].sort(),
    );
  });
});
