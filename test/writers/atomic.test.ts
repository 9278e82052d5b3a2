/**
 * A report written over a device or a pipe is written into it, never renamed over it: as
 * root, `--report /dev/null` made /dev/null a 0600 file, and every program on the machine
 * that writes to /dev/null then failed. A FIFO stands for every such target here (a test
 * that got it wrong as root would break the machine's /dev/null).
 */
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { lstat } from "node:fs/promises";
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
});
