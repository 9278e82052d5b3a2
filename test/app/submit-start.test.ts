/** The new-batch lock: waited for while another new batch is checked and begun, never taken from it. */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { admitNewBatch } from "../../src/app/submit-start.js";
import { acquireLock } from "../../src/batch/lock.js";
import { newBatchLockPath } from "../../src/batch/paths.js";
import { BatchError } from "../../src/errors.js";

describe("admitNewBatch", () => {
  it("waits while another new batch holds the lock and takes it once released; past its wait, exit 4 with words", async () => {
    const state = await mkdtemp(join(tmpdir(), "bb-admit-"));
    const signal = new AbortController().signal;
    const other = await acquireLock(newBatchLockPath(state), () => {});
    const refused = await admitNewBatch(state, () => {}, signal, 150).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(BatchError);
    expect((refused as BatchError).code).to.equal("locked");
    expect((refused as BatchError).message).to.match(
      /^another new batch of this state directory is still being checked and begun after 0.15 s of waiting \(.*\.new-batch\.lock: another run \(pid \d+ on .+\) holds this batch\); nothing was sent$/,
    );
    const waiting = admitNewBatch(state, () => {}, signal, 5_000);
    await sleep(100);
    await other.release();
    const admitted = await waiting;
    await admitted.release();
  });
});
