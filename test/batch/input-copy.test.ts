/**
 * The batch's copy of its input holds the whole payroll: owner-only from the moment it
 * exists, whatever mode the operator's own file has, and made once.
 */
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { expect } from "chai";
import { keepInputCopy } from "../../src/batch/input-copy.js";
import { batchDirFor, inputCopyPath } from "../../src/batch/paths.js";
import { tempDir } from "../helpers/cli.js";

/**
 * Looks at every file in `dir` as often as it can, on a thread of its own (the copy runs on
 * the main thread and libuv's pool), until stopped: each name with every mode it was seen with.
 */
async function watchModes(dir: string): Promise<{ stop(): Promise<string[]> }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     const { readdirSync, lstatSync } = require("node:fs");
     const seen = new Set();
     parentPort.postMessage("watching");
     while (Atomics.load(workerData.flag, 0) === 0) {
       for (const name of readdirSync(workerData.dir)) {
         try { seen.add(name + " " + (lstatSync(workerData.dir + "/" + name).mode & 0o777).toString(8)); } catch {}
       }
     }
     parentPort.postMessage([...seen]);`,
    { eval: true, workerData: { dir, flag } },
  );
  const messages: unknown[] = [];
  let wake: (() => void) | undefined;
  worker.on("message", (message) => {
    messages.push(message);
    wake?.();
  });
  const next = async () => {
    while (messages.length === 0) await new Promise<void>((done) => (wake = done));
    return messages.shift();
  };
  expect(await next()).to.equal("watching");
  return {
    stop: async () => {
      Atomics.store(flag, 0, 1);
      const seen = (await next()) as string[];
      await worker.terminate();
      return seen;
    },
  };
}

describe("keepInputCopy (the batch's copy of its input)", function () {
  this.timeout(60_000);

  it("is 0600 from its first byte, even copied from a file open to everyone (0666) under umask 000", async () => {
    const dir = await tempDir();
    const source = join(dir, "payroll.csv");
    // Large enough that the copy takes a while: a mode wider than 0600 at any time is seen.
    const text = `reference,amount\n${"EMP-0001,100.00\n".repeat(4_000_000)}`;
    await writeFile(source, text);
    await chmod(source, 0o666);
    const batchDir = batchDirFor(dir, "b1");
    await mkdir(batchDir, { mode: 0o700 });
    const watch = await watchModes(batchDir);
    const umask = process.umask(0);
    let made: string;
    try {
      made = await keepInputCopy(source, dir, "b1", async () => true);
    } finally {
      process.umask(umask);
    }
    const seen = await watch.stop();
    expect(made).to.equal("made");
    const modes = new Set(seen.map((line) => line.slice(line.lastIndexOf(" ") + 1)));
    // The copy was seen while it was made (under its temporary name) and once in place.
    expect(
      seen.some((line) => line.startsWith(".input.csv.")),
      seen.join(", "),
    ).to.equal(true);
    expect([...modes], seen.join(", ")).to.deep.equal(["600"]);
    expect(((await stat(inputCopyPath(dir, "b1"))).mode & 0o777).toString(8)).to.equal("600");
    expect(await readFile(inputCopyPath(dir, "b1"), "utf8")).to.equal(text);
  });

  it("a copy found readable by others (copied, restored from a backup) is made owner-only again, its bytes kept", async () => {
    const dir = await tempDir();
    const source = join(dir, "payroll.csv");
    await writeFile(source, "reference,amount\nEMP-1,100\n");
    await mkdir(batchDirFor(dir, "b1"), { mode: 0o700 });
    await writeFile(inputCopyPath(dir, "b1"), "reference,amount\nEMP-1,100\n");
    await chmod(inputCopyPath(dir, "b1"), 0o644);
    expect(await keepInputCopy(source, dir, "b1", async () => true)).to.equal("kept");
    expect(((await stat(inputCopyPath(dir, "b1"))).mode & 0o777).toString(8)).to.equal("600");
    expect(await readFile(inputCopyPath(dir, "b1"), "utf8")).to.equal("reference,amount\nEMP-1,100\n");
  });

  it("removes the half copy a killed run left (it holds payroll rows), not one a live run is making (helper-87)", async () => {
    const dir = await tempDir();
    const source = join(dir, "payroll.csv");
    await writeFile(source, "reference,amount\nEMP-0001,100.00\n");
    const batchDir = batchDirFor(dir, "b1");
    await mkdir(batchDir, { mode: 0o700 });
    // A pid no process has (above Linux's pid_max), and this process's own.
    const dead = `.input.csv.99999999.${"a".repeat(12)}.tmp`;
    const live = `.input.csv.${process.pid}.${"b".repeat(12)}.tmp`;
    for (const name of [dead, live]) await writeFile(join(batchDir, name), "reference,amount\n");
    expect(await keepInputCopy(source, dir, "b1", async () => true)).to.equal("made");
    expect((await readdir(batchDir)).sort()).to.deep.equal([live, "input.csv"].sort());
  });
});
