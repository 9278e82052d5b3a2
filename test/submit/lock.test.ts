import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { acquireLock } from "../../src/submit/lock.js";
import { ROOT, tempDir } from "../helpers/cli.js";

const DEAD_PID = 2 ** 22 + 12345; // above the default pid_max: no such process

function worker(path: string, startAt: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "test/helpers/lock-worker.ts"), path, String(startAt)],
      { cwd: ROOT },
    );
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", () => resolve(out));
  });
}

describe("batch lock", function () {
  this.timeout(60_000);

  it("a second taker gets exit-4 'locked' naming the holder; release frees it", async () => {
    const path = join(await tempDir(), "lock");
    const first = await acquireLock(path, () => undefined);
    const error = await acquireLock(path, () => undefined).catch((e: unknown) => e);
    expect(error).to.have.property("code", "locked");
    expect(String((error as Error).message)).to.include(`pid ${process.pid} on ${hostname()}`);
    await first.release();
    await (await acquireLock(path, () => undefined)).release();
  });

  it("release never removes a lock that another run took over", async () => {
    const path = join(await tempDir(), "lock");
    const mine = await acquireLock(path, () => undefined);
    const other = JSON.stringify({ pid: 1, host: hostname(), started_at: "2026-01-01T00:00:00Z" });
    await writeFile(path, other);
    await mine.release();
    mine.releaseSync();
    expect(await readFile(path, "utf8")).to.equal(other);
  });

  it("processes racing to take over one stale lock: exactly one gets it, every time", async () => {
    for (let trial = 0; trial < 5; trial++) {
      const path = join(await tempDir(), "lock");
      await writeFile(
        path,
        JSON.stringify({ pid: DEAD_PID, host: hostname(), started_at: "2026-01-01T00:00:00Z" }),
      );
      const startAt = Date.now() + 1500;
      const results = await Promise.all([
        worker(path, startAt),
        worker(path, startAt),
        worker(path, startAt),
      ]);
      expect(
        results.filter((r) => r === "GOT"),
        results.join(" | "),
      ).to.have.length(1);
      expect(results.filter((r) => r.startsWith("NO another run"))).to.have.length(2);
    }
  });
});
