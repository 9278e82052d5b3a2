/**
 * `--rate 5` as the server sees it: no one-second window of call arrivals holds more than 5
 * calls (ten rows: 25 calls, five seconds). The arrivals are stamped by the emulator's event
 * loop, so this runs alone, before the parallel suite (test/all.sh): under six test files at
 * once on two cores, a stamp delayed past the client's 25 ms of margin counted a sixth call
 * into a window the client had kept at five. The client runs in a process of its own, as it
 * does against Bitex: run in this one, its own work delayed the emulator's stamps on their
 * shared event loop (once, alone: 6).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { spawnCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

describe("submit --rate as the server sees it", function () {
  this.timeout(60_000);
  let box: Sandbox | undefined;
  afterEach(() => box?.close());

  it("--rate 5: no one-second window of call arrivals holds more than 5 calls, and no 429", async () => {
    box = await sandbox({ rate_limit: 5 });
    const dir = await tempDir();
    const lines = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n").slice(0, 11);
    await writeFile(join(dir, "payroll.csv"), `${lines.join("\n")}\n`);
    const result = await spawnCli(["submit", "payroll.csv", "--concurrency", "4", "--rate", "5"], {
      cwd: dir,
      env: apiEnv(box),
    }).done;
    expect(result.code).to.equal(0);
    const starts = (box as Sandbox).state().stats.call_starts_ms;
    expect(starts.length).to.be.greaterThan(20);
    let worst = 0;
    for (let i = 0; i < starts.length; i++) {
      let j = i;
      while (j < starts.length && (starts[j] as number) - (starts[i] as number) < 1000) j++;
      worst = Math.max(worst, j - i);
    }
    expect(worst).to.be.at.most(5);
    expect((box as Sandbox).state().stats.rate_limited).to.equal(0);
  });
});
