/**
 * A report written over a device or a pipe is written into it, never renamed over it: as
 * root, `--report /dev/null` made /dev/null a 0600 file, and every program on the machine
 * that writes to /dev/null then failed. A FIFO stands for every such target here (a test
 * that got it wrong as root would break the machine's /dev/null).
 */
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { lstat, open } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { AtomicFile } from "../../src/writers/atomic.js";
import { tempDir } from "../helpers/cli.js";

describe("writers/atomic: a report over a device or a pipe", () => {
  it("writes into a FIFO and leaves it a FIFO (no temp file, no rename)", async () => {
    const dir = await tempDir();
    const fifo = join(dir, "report.fifo");
    execFileSync("mkfifo", [fifo]);
    const read = new Promise<string>((done, fail) => {
      let text = "";
      createReadStream(fifo, "utf8")
        .on("data", (piece) => {
          text += piece;
        })
        .on("end", () => done(text))
        .on("error", fail);
    });
    const file = await AtomicFile.open(fifo);
    await file.append("line,reference\n");
    await file.append("2,EMP-1001\n");
    await file.commit();
    expect(await read).to.equal("line,reference\n2,EMP-1001\n");
    expect((await lstat(fifo)).isFIFO()).to.equal(true);
  });

  it("a pipe whose reader went away (| head -1) is no failure: the rest is not written, commit succeeds", async () => {
    const dir = await tempDir();
    const fifo = join(dir, "report.fifo");
    execFileSync("mkfifo", [fifo]);
    // The reader takes what is there at first, then closes, as `head -1` does.
    const reader = open(fifo, "r");
    const file = await AtomicFile.open(fifo);
    const handle = await reader;
    await file.append("line,reference\n");
    const first = Buffer.alloc(100);
    const { bytesRead } = await handle.read(first, 0, 100, null);
    expect(first.subarray(0, bytesRead).toString()).to.equal("line,reference\n");
    await handle.close();
    const row = "2,EMP-1001\n".repeat(10_000);
    for (let i = 0; i < 20; i++) await file.append(row);
    await file.commit();
    expect((await lstat(fifo)).isFIFO()).to.equal(true);
  });
});
