/**
 * `released.json` says which rows a batch released to its remaining file (never paid by it):
 * lost or empty after a power cut, the batch could quote and accept rows the remaining file
 * pays too. So it is written as the journal and the reports are: a temp file beside it,
 * fsynced, renamed into place, then the directory fsynced (the rename itself durable).
 */
import { readlinkSync } from "node:fs";
import { mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { recordReleased } from "../../src/batch/released.js";
import { tempDir } from "../helpers/cli.js";

describe("released.json", () => {
  it("is synced before it is renamed into place, and its directory after", async function () {
    // Which file each fsync was on, by its descriptor (Linux).
    if (process.platform !== "linux") this.skip();
    const dir = await tempDir();
    const state = join(dir, "batch");
    await mkdir(state);
    const probe = await open(join(dir, "probe"), "w");
    const handle = Object.getPrototypeOf(probe) as { sync(): Promise<void>; datasync(): Promise<void> };
    await probe.close();
    const synced: string[] = [];
    const { sync, datasync } = handle;
    handle.sync = function (this: { fd: number }) {
      synced.push(readlinkSync(`/proc/self/fd/${this.fd}`));
      return sync.call(this);
    };
    handle.datasync = function (this: { fd: number }) {
      synced.push(readlinkSync(`/proc/self/fd/${this.fd}`));
      return datasync.call(this);
    };
    try {
      await recordReleased(join(state, "journal.jsonl"), [4, 2]);
    } finally {
      handle.sync = sync;
      handle.datasync = datasync;
    }
    expect(synced).to.have.length(2);
    expect(synced[0]).to.match(
      new RegExp(`^${state}/\\.released\\.json\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`),
    );
    expect(synced[1]).to.equal(state);
    expect(await readFile(join(state, "released.json"), "utf8")).to.equal('{"lines":[2,4]}\n');
  });
});
