/**
 * A read-only `status` takes the batch's lock for a moment, to write the remaining file
 * (docs/design.md section 7). A quote or accept of the batch that starts in that moment waits
 * for it, as for any step of its own; it is not turned away (exit 4) as by a run that holds
 * the batch for minutes.
 */
import { execFileSync } from "node:child_process";
import { access, readdir, readFile, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { runCli, spawnCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

describe("a quote while a status writes the remaining file", function () {
  this.timeout(120_000);

  it("waits for the status's moment under the lock, then quotes (exit 0); the status writes its file", async () => {
    const box = await stoppedSandbox(await demoSeed());
    try {
      const dir = await tempDir();
      const state = join(dir, "state");
      const { pick, file } = await demoRows();
      // Request 1: 112's ar_ars (two rows, quoted at once); request 2: one payee unknown to Bitex.
      const good = ["EMP-1001", "EMP-1003"].map(pick);
      const bad = pick("EMP-1006").replace(",305,", ",999999,");
      await writeFile(join(dir, "payroll.csv"), file([...good, bad]));
      const args = ["--rate", "1000", "--tz", "UTC", "--state-dir", state];
      const submitted = await runCli(["submit", "payroll.csv", "--json", ...args], {
        cwd: dir,
        env: apiEnv(box),
      });
      expect(submitted.code, submitted.stderr).to.equal(1);
      const { batch_id: batchId } = JSON.parse(submitted.stdout) as { batch_id: string };
      const released = join(state, batchId, "released.json");
      const record = await readFile(released, "utf8");
      // The status's reads of released.json wait on a pipe the test feeds, one read at a time:
      // the first names its remaining file (whose it is), the second finds rows to release, the
      // third comes while it holds the lock, and holds it there until the test feeds it again.
      execFileSync("rm", [released]);
      execFileSync("mkfifo", ["-m", "600", released]);
      const status = spawnCli(["status", "payroll.csv", ...args], { cwd: dir, env: apiEnv(box) });
      const feed = () => feedOneRead(status.child.pid as number, released, record);
      await feed();
      await feed();
      const lock = join(state, batchId, "lock");
      for (let i = 0; ; i++) {
        if (
          await access(lock).then(
            () => true,
            () => false,
          )
        )
          break;
        expect(i, "the status never took the lock (60 s)").to.be.below(2_400);
        await sleep(25);
      }
      const quote = runCli(["quote", "payroll.csv", "--allow-partial", "--wait", "0", ...args], {
        cwd: dir,
        env: apiEnv(box),
      });
      await sleep(1_000);
      await feed();
      const quoted = await quote;
      const read = await status.done;
      expect(read.code, read.stderr).to.equal(3);
      expect(read.stderr).to.not.include("the remaining file is not written");
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file([bad]));
      expect(quoted.code, quoted.stderr).to.equal(0);
      expect(box.state().requests.map((r) => [r.id, r.attributes.state])).to.deep.equal([
        ["1", "quoted"],
        ["2", "draft"],
      ]);
    } finally {
      await box.close();
    }
  });
});

/**
 * Feeds one read of the FIFO `path` by the process `pid`: writes `data` (opening it waits for
 * the reader), then waits until the reader has closed it. A write made while the previous
 * reader still held the FIFO open (EOF read, not yet closed) would go into that reader's pipe
 * and be thrown away with it, and the next read would wait for ever (seen on a loaded machine).
 */
async function feedOneRead(pid: number, path: string, data: string): Promise<void> {
  await writeFile(path, data);
  const open = async () => {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "")) === path) return true;
    return false;
  };
  for (let i = 0; await open(); i++) {
    expect(i, `${path} never closed by the status (60 s)`).to.be.below(2_400);
    await sleep(25);
  }
}
