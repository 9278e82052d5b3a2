import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import fsPromises, { readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { acquireLock, takeoverClaimBase } from "../../src/batch/lock.js";
import { ROOT, tempDir } from "../helpers/cli.js";

const DEAD_PID = 2 ** 22 + 12345; // above the default pid_max: no such process
const deadLock = () =>
  JSON.stringify({ pid: DEAD_PID, host: hostname(), started_at: "2026-01-01T00:00:00Z" });
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** test/helpers/lock-worker.mjs (the built lock) in a child process, spoken to one line at a time. */
class Worker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: (() => void) | null = null;
  private stderr = "";
  private closed = false;
  readonly exited: Promise<void>;

  constructor(path: string) {
    this.child = spawn(process.execPath, [join(ROOT, "test/helpers/lock-worker.mjs"), path], {
      cwd: ROOT,
    });
    let partial = "";
    this.child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      this.lines.push(...parts);
      this.waiting?.();
    });
    this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.on("close", () => {
        this.closed = true;
        this.waiting?.();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  async line(): Promise<string> {
    while (this.lines.length === 0) {
      if (this.closed) throw new Error(`lock worker ${this.pid} exited without answering: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
      this.waiting = null;
    }
    return this.lines.shift() as string;
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  stop(): void {
    if (!this.closed) this.child.kill();
  }
}

/**
 * `count` processes take the lock at `path` at one instant. Exactly one must get it, and
 * every other must be refused (exit-4 "locked") because that winner, alive, holds it. The
 * winner keeps the lock until all the others have answered, so a worker that starts late
 * still meets a live holder: any start skew is fine, two holders never are.
 */
async function race(path: string, count: number): Promise<void> {
  const workers = Array.from({ length: count }, () => new Worker(path));
  try {
    for (const worker of workers) expect(await worker.line()).to.equal("READY");
    const startAt = Date.now() + 100;
    for (const worker of workers) worker.send(`GO ${startAt}`);
    const results = await Promise.all(workers.map((worker) => worker.line()));
    const report = workers.map((worker, i) => `${worker.pid}: ${results[i]}`).join(" | ");
    const winners = workers.filter((_, i) => results[i] === "GOT");
    expect(winners, report).to.have.length(1);
    const winner = winners[0] as Worker;
    expect(JSON.parse(await readFile(path, "utf8")), report).to.include({
      pid: winner.pid,
      host: hostname(),
    });
    const refused = new RegExp(
      `^NO locked another run \\(pid ${winner.pid} on ${escapeRegExp(hostname())}, since `,
    );
    for (const result of results.filter((r) => r !== "GOT")) expect(result, report).to.match(refused);

    winner.send("RELEASE");
    expect(await winner.line()).to.equal("RELEASED");
    await Promise.all(workers.map((worker) => worker.exited));
    // Lock released, no takeover claim or temp file left behind.
    expect(await readdir(dirname(path)), report).to.deep.equal([]);
  } finally {
    for (const worker of workers) worker.stop();
  }
}

const bootId = async () => (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();

/** A lock written as `owner` holds: the next taker meets exit 4 'locked'. */
async function expectHeld(path: string, owner: Record<string, unknown>): Promise<void> {
  await writeFile(path, JSON.stringify(owner));
  const error = await acquireLock(path, () => undefined).catch((e: unknown) => e);
  expect(error).to.have.property("code", "locked");
}

describe("batch lock", function () {
  this.timeout(120_000);
  before(async () => {
    // The racing workers run dist/ (lock-worker.mjs): a lock edited since the build would race
    // the old one. `npm test` and `npm run test:e2e` build first; one file alone may not have.
    const [source, built] = await Promise.all(
      ["src/batch/lock.ts", "dist/batch/lock.js"].map((path) =>
        stat(join(ROOT, path)).then((s) => s.mtimeMs),
      ),
    );
    if ((built as number) < (source as number))
      throw new Error("dist/batch/lock.js is older than src/batch/lock.ts: run npm run build first");
  });

  it("a second taker gets exit-4 'locked' naming the holder; release frees it", async () => {
    const path = join(await tempDir(), "lock");
    const first = await acquireLock(path, () => undefined);
    const error = await acquireLock(path, () => undefined).catch((e: unknown) => e);
    expect(error).to.have.property("code", "locked");
    expect(String((error as Error).message)).to.include(`pid ${process.pid} on ${hostname()}`);
    await first.release();
    await (await acquireLock(path, () => undefined)).release();
  });

  it("a batch folder removed while the lock is taken (a run whose batch never began, ending) is made again, up to three times", async () => {
    // lock.ts imports writeFile from node:fs/promises: patched through the CommonJS module
    // and synced to the ES module's bindings. Each of the first `removals` writes of the lock's
    // temp file finds its folder just removed, as that run's rmdir would.
    const attempt = async (removals: number) => {
      const folder = join(await tempDir(), "batch");
      const original = fsPromises.writeFile;
      let writes = 0;
      fsPromises.writeFile = (async (...args: Parameters<typeof original>) => {
        if (String(args[0]).endsWith(".tmp") && writes++ < removals) await rm(folder, { recursive: true });
        return original(...args);
      }) as typeof original;
      syncBuiltinESMExports();
      try {
        const lock = await acquireLock(join(folder, "lock"), () => undefined);
        const held = await readdir(folder);
        await lock.release();
        return held;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code;
      } finally {
        fsPromises.writeFile = original;
        syncBuiltinESMExports();
      }
    };
    expect(await attempt(2)).to.deep.equal(["lock"]);
    expect(await attempt(3)).to.equal("ENOENT");
  });

  it("a lock held for a moment (a status writing its remaining file) is waited for, up to waitMs, then named as a status's", async () => {
    const path = join(await tempDir(), "lock");
    const brief = await acquireLock(path, () => undefined, { brief: true });
    const waited = Date.now();
    const error = await acquireLock(path, () => undefined, { waitMs: 300 }).catch((e: unknown) => e);
    expect(Date.now() - waited).to.be.at.least(300);
    expect(error).to.have.property("code", "locked");
    expect(String((error as Error).message)).to.include(`pid ${process.pid} on ${hostname()}, since`);
    expect(String((error as Error).message)).to.include(
      ", a status writing the remaining file) holds this batch",
    );
    // Released while the next run waits: that run takes it.
    const next = acquireLock(path, () => undefined, { waitMs: 5_000 });
    setTimeout(() => void brief.release(), 200);
    await (await next).release();
    // A lock held for long (no such mark) turns the next run away at once, as always.
    const long = await acquireLock(path, () => undefined);
    const at = Date.now();
    const refused = await acquireLock(path, () => undefined, { waitMs: 5_000 }).catch((e: unknown) => e);
    expect(refused).to.have.property("code", "locked");
    expect(Date.now() - at).to.be.below(1_000);
    await long.release();
  });

  it("a lock left by a run of an earlier boot of this machine is taken over, even when its pid now belongs to a live process (pids are reused after a reboot)", async () => {
    const path = join(await tempDir(), "lock");
    const booted = await bootId();
    const earlierBoot = booted.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    // Our own pid: certainly alive now, as a reused pid would be.
    const before = {
      pid: process.pid,
      host: hostname(),
      started_at: "2026-01-01T00:00:00Z",
      nonce: "n",
      boot: earlierBoot,
    };
    await writeFile(path, JSON.stringify(before));
    const said: string[] = [];
    const lock = await acquireLock(path, (line) => said.push(line));
    expect(said).to.deep.equal([
      `taking over the lock of a run that is gone (pid ${process.pid}, since 2026-01-01T00:00:00Z)`,
    ]);
    expect(JSON.parse(await readFile(path, "utf8"))).to.include({ pid: process.pid, boot: booted });
    await lock.release();
    // The same boot: a live pid holds it, as always.
    await expectHeld(path, { ...before, boot: booted });
  });

  it("a lock whose pid a live process has that started at another time (a pid reused, as in a restarted container) is taken over", async () => {
    const path = join(await tempDir(), "lock");
    const booted = await bootId();
    const stat = await readFile(`/proc/${process.pid}/stat`, "utf8");
    const started = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] as string;
    const before = { pid: process.pid, host: hostname(), started_at: "2026-01-01T00:00:00Z", boot: booted };
    await writeFile(path, JSON.stringify({ ...before, start: String(Number(started) + 1) }));
    const lock = await acquireLock(path, () => undefined);
    expect(JSON.parse(await readFile(path, "utf8"))).to.include({ pid: process.pid, start: started });
    await lock.release();
    // The very process (same start): alive.
    await expectHeld(path, { ...before, start: started });
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

  it("processes racing to take over one stale lock: exactly one gets it, the rest meet it alive, every time", async () => {
    for (let trial = 0; trial < 5; trial++) {
      const path = join(await tempDir(), "lock");
      await writeFile(path, deadLock());
      await race(path, 4);
    }
  });

  it("the same race for an unreadable stale lock, and for a free one", async () => {
    const torn = join(await tempDir(), "lock");
    await writeFile(torn, '{"pid": 12');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(torn, anHourAgo, anHourAgo);
    await race(torn, 4);
    await race(join(await tempDir(), "lock"), 4);
  });

  it("a takeover claim left by a process that died mid-takeover does not block the next takeover", async () => {
    const path = join(await tempDir(), "lock");
    await writeFile(path, deadLock());
    const claim = `${await takeoverClaimBase(path)}.1`;
    await writeFile(claim, deadLock());
    await writeFile(`${path}.${DEAD_PID}.0f3c.tmp`, deadLock()); // that run's temp file
    const elsewhere = JSON.stringify({ pid: DEAD_PID, host: `not-${hostname()}`, started_at: "x" });
    await writeFile(`${path}.${DEAD_PID}.9a1e.tmp`, elsewhere); // a run on another host: not ours to judge
    const said: string[] = [];
    const lock = await acquireLock(path, (line) => said.push(line));
    expect(said).to.deep.equal([
      `taking over the lock of a run that is gone (pid ${DEAD_PID}, since 2026-01-01T00:00:00Z)`,
    ]);
    expect((await readdir(dirname(path))).sort()).to.deep.equal(["lock", `lock.${DEAD_PID}.9a1e.tmp`]);
    await lock.release();
  });

  it("a live process's takeover claim is never overtaken, however old: the stale lock stays", async () => {
    const path = join(await tempDir(), "lock");
    await writeFile(path, deadLock());
    const claim = `${await takeoverClaimBase(path)}.1`;
    await writeFile(claim, JSON.stringify({ pid: process.pid, host: hostname(), started_at: "x" }));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(claim, anHourAgo, anHourAgo);
    const error = await acquireLock(path, () => undefined, { waitMs: 300 }).catch((e: unknown) => e);
    expect(error).to.have.property("code", "locked");
    expect(String((error as Error).message)).to.include("could not take the lock");
    expect(await readFile(path, "utf8")).to.equal(deadLock());
  });

  it("an unreadable lock is left alone while it may still be being written, then removed", async () => {
    const path = join(await tempDir(), "lock");
    await writeFile(path, "");
    const error = await acquireLock(path, () => undefined, { waitMs: 300 }).catch((e: unknown) => e);
    expect(error).to.have.property("code", "locked");
    expect(await readFile(path, "utf8")).to.equal("");
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(path, anHourAgo, anHourAgo);
    const said: string[] = [];
    const lock = await acquireLock(path, (line) => said.push(line));
    expect(said).to.deep.equal([`removing an unreadable lock ${path}`]);
    await lock.release();
    expect(await readdir(dirname(path))).to.deep.equal([]);
  });
});
