/**
 * Exactly once under faults (docs/design.md section 6): whatever happens — dropped responses, 503s, SIGKILL,
 * a lost journal, a second run, an outage — the emulator ends with exactly one output per
 * input row and every report row is `created`.
 *
 * Twice: with the emulator's `rich` lists (meta and links), and with `bare` lists as
 * every recorded Bitex list is (only `data`; 10 items a page, as the bench's smallest pages) on
 * 240-row batches, so each request's outputs span a dozen pages when a run reconciles by listing
 * them (600 rows at 25 a page made the same dozen pages for 60% more CPU). In `bare` run the
 * tests whose outcome rests on reading lists: the chaos run, the kills at each point and
 * mid-outputs, and the lost journal. The rest (signals, locks, edited files, outage, rate limit,
 * call counts that are per-listing by design) run with `rich` lists only, to keep the suite's
 * time (the `bare` half takes about 10 s of CPU).
 */

import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Faults, Sandbox } from "../../src/sandbox/index.js";
import { type CliResult, runCli, spawnCli, stateDirOf, tempDir } from "../helpers/cli.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { expectExactlyOnce, makeWorld, type WorldRow } from "../helpers/world.js";

const FAST = ["--rate", "1000", "--concurrency", "8", "--allow-duplicates"];
/**
 * The emulator commits a create when it arrives, so an unclear create never lands later than
 * its answer: a 1 s settle delay (30 s by default, for proxies in front of Bitex) loses nothing here.
 */
const SETTLE = { BITEX_BATCH_SETTLE_MS: "1000" };

async function expectAllCreated(dir: string, rows: readonly WorldRow[]): Promise<void> {
  const report = await readReport(join(dir, "payroll.report.csv"));
  expect(report).to.have.length(rows.length);
  expect(
    report.filter((row) => row.status !== "created").map((row) => `${row.line}:${row.status}:${row.error}`),
  ).to.deep.equal([]);
  expect(new Set(report.map((row) => row.output_id)).size).to.equal(rows.length);
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Until the server holds `count` outputs; a run that ends first fails the test with its words. */
async function outputsReach(box: Sandbox, count: number, run: Promise<CliResult>): Promise<void> {
  let ended: CliResult | undefined;
  void run.then((result) => {
    ended = result;
  });
  await waitFor(() => ended !== undefined || box.counts().outputs >= count, `${count} outputs`);
  if (box.state().outputs.length < count)
    throw new Error(`the run ended before ${count} outputs: exit ${ended?.code}; ${ended?.stderr}`);
}

interface ListStyle {
  name: string;
  faults: Partial<Faults>;
  /** Rows of every batch in this style (identical rows included); undefined: each test's own. */
  rows?: number;
}

const STYLES: ListStyle[] = [
  // Written for rich lists, the default before the recorded style: pinned to it. A request's
  // outputs come with it in one call where many are unknown (the emulator's default).
  { name: "rich lists", faults: { list_style: "rich" } },
  // Never with the request: unknown outputs are read one by one, or listed.
  {
    name: "bare lists, 10 a page, 240-row batches, outputs not included",
    faults: { list_style: "bare", page_cap: 10, includes: "ignored" },
    rows: 240,
  },
];

for (const style of STYLES)
  describe(`exactly once under faults (${style.name})`, function () {
    this.timeout(180_000);
    let box: Sandbox;
    let dir: string;
    const bare = style.rows !== undefined;
    /** A test that runs in the rich style only (see the header). */
    const richOnly = (title: string, fn: () => Promise<void>) => {
      if (!bare) it(title, fn);
    };
    /** Distinct rows of a batch that has `identical` repeats: the test's count, or the style's. */
    const distinct = (count: number, identical: number) =>
      style.rows === undefined ? count : style.rows - identical;

    async function world(count: number, identical: number, faults = {}) {
      const made = makeWorld(distinct(count, identical), identical);
      box = await sandbox({ ...faults, ...style.faults }, made.seed);
      dir = await tempDir();
      await writeFile(join(dir, "payroll.csv"), made.csv);
      return made.rows;
    }

    const submit = (extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> =>
      runCli(["submit", "payroll.csv", ...FAST, ...extra], {
        cwd: dir,
        env: { ...SETTLE, ...apiEnv(box), ...env },
      });

    afterEach(async () => {
      await box?.close();
    });

    it(`chaos: ${distinct(497, 3) + 3} rows (3 identical) with 10% 503s, 5% creates dropped after commit and jitter, in one run`, async () => {
      const rows = await world(497, 3, { fail_rate: 0.1, drop_rate: 0.05, jitter_ms: 20, fault_seed: 42 });
      const result = await submit();
      expect(result.code, result.stderr).to.equal(0);
      const stats = box.state().stats as { dropped?: number; failed?: number };
      expect(stats.dropped, "drops happened").to.be.greaterThan(0);
      expect(stats.failed, "503s happened").to.be.greaterThan(0);
      expectExactlyOnce(box, rows);
      await expectAllCreated(dir, rows);
    });

    for (const point of ["requests-ready", "outputs-done"]) {
      it(`SIGKILL at ${point}, then run again: everything exactly once`, async () => {
        const rows = await world(60, 2);
        const killed = await submit([], { BITEX_BATCH_CRASH_AT: point });
        expect(killed.signal).to.equal("SIGKILL");
        const before = box.state();
        expect(before.requests).to.have.length(2);
        expect(before.outputs).to.have.length(point === "requests-ready" ? 0 : rows.length);
        const again = await submit();
        expect(again.code, again.stderr).to.equal(0);
        expectExactlyOnce(box, rows);
        await expectAllCreated(dir, rows);
      });
    }

    it("SIGKILL in the middle of the outputs, with creates in flight, then run again", async () => {
      const rows = await world(80, 2, { latency_ms: 40 });
      const { child, done } = spawnCli(["submit", "payroll.csv", ...FAST], {
        cwd: dir,
        env: { ...SETTLE, ...apiEnv(box) },
      });
      await outputsReach(box, 30, done);
      child.kill("SIGKILL");
      const killed = await done;
      expect(killed.signal).to.equal("SIGKILL");
      const created = box.state().outputs.length;
      expect(created).to.be.within(30, rows.length - 1);
      box.setFaults({ latency_ms: 0 });
      const again = await submit();
      expect(again.code, again.stderr).to.equal(0);
      expectExactlyOnce(box, rows);
      await expectAllCreated(dir, rows);
    });

    richOnly(
      "SIGTERM: no new rows, calls in flight finish, report with pending rows, exit 3; then it resumes",
      async () => {
        const rows = await world(80, 0, { latency_ms: 40 });
        const { child, done } = spawnCli(["submit", "payroll.csv", ...FAST], {
          cwd: dir,
          env: { ...SETTLE, ...apiEnv(box) },
        });
        await outputsReach(box, 20, done);
        child.kill("SIGTERM");
        const stopped = await done;
        expect(stopped.code, stopped.stderr).to.equal(3);
        expect(stopped.stderr).to.match(/SIGTERM: no new rows/);
        const report = await readReport(join(dir, "payroll.report.csv"));
        const created = report.filter((row) => row.status === "created").length;
        // Every create that was in flight finished and was journaled: the server has no more.
        expect(box.state().outputs).to.have.length(created);
        expect(report.filter((row) => row.status === "pending").length).to.equal(rows.length - created);
        box.setFaults({ latency_ms: 0 });
        const again = await submit();
        expect(again.code, again.stderr).to.equal(0);
        expectExactlyOnce(box, rows);
        await expectAllCreated(dir, rows);
      },
    );

    richOnly(
      "a second signal exits at once; the journal stays consistent and the next run completes",
      async () => {
        const rows = await world(80, 0, { latency_ms: 200 });
        const { child, done } = spawnCli(["submit", "payroll.csv", ...FAST], {
          cwd: dir,
          env: { ...SETTLE, ...apiEnv(box) },
        });
        let said = "";
        child.stderr?.on("data", (chunk: string) => {
          said += chunk;
        });
        await outputsReach(box, 10, done);
        child.kill("SIGINT");
        // Two signals sent before the first is handled arrive as one (Linux does not queue them).
        await waitFor(() => said.includes("SIGINT: no new rows"), "the first SIGINT taken");
        child.kill("SIGINT");
        const stopped = await done;
        expect(stopped.code).to.equal(3);
        expect(stopped.stderr).to.match(/again: exiting now/);
        box.setFaults({ latency_ms: 0 });
        const again = await submit();
        expect(again.code, again.stderr).to.equal(0);
        expectExactlyOnce(box, rows);
        await expectAllCreated(dir, rows);
      },
    );

    it("the journal is deleted after a partial run: requests are found by external_id and outputs reconciled", async () => {
      const rows = await world(80, 2, { latency_ms: 30 });
      const { child, done } = spawnCli(["submit", "payroll.csv", ...FAST], {
        cwd: dir,
        env: { ...SETTLE, ...apiEnv(box) },
      });
      await outputsReach(box, 25, done);
      child.kill("SIGKILL");
      await done;
      await rm(stateDirOf(dir), { recursive: true });
      box.setFaults({ latency_ms: 0 });
      const again = await submit();
      expect(again.code, again.stderr).to.equal(0);
      expect(box.state().requests).to.have.length(2);
      expectExactlyOnce(box, rows);
      await expectAllCreated(dir, rows);
    });

    richOnly(
      "journal lost, then a run killed at requests-ready, then a normal run: identical rows still exactly once",
      async () => {
        const rows = await world(6, 1, { latency_ms: 150 });
        const { child, done } = spawnCli(
          ["submit", "payroll.csv", "--rate", "1000", "--concurrency", "1", "--allow-duplicates"],
          {
            cwd: dir,
            env: { ...SETTLE, ...apiEnv(box) },
          },
        );
        await outputsReach(box, 1, done);
        child.kill("SIGKILL");
        await done;
        await rm(stateDirOf(dir), { recursive: true });
        box.setFaults({ latency_ms: 0 });
        const killed = await submit([], { BITEX_BATCH_CRASH_AT: "requests-ready" });
        expect(killed.signal).to.equal("SIGKILL");
        const again = await submit();
        expect(again.code, again.stderr).to.equal(0);
        expectExactlyOnce(box, rows);
        await expectAllCreated(dir, rows);
      },
    );

    richOnly(
      "drafts pruned before the rerun: the rows fail once as request_not_draft, nothing is sent",
      async () => {
        const rows = await world(6, 0);
        await submit([], { BITEX_BATCH_CRASH_AT: "requests-ready" });
        box.advance({ expire: true });
        const calls = box.state().stats.calls;
        const again = await submit();
        expect(again.code, again.stderr).to.equal(1);
        const report = await readReport(join(dir, "payroll.report.csv"));
        expect(report.map((row) => `${row.status}:${row.error_code}`)).to.deep.equal(
          rows.map(() => "failed:request_not_draft"),
        );
        expect(box.state().outputs).to.have.length(0);
        expect(box.state().stats.calls - calls, "two listings and two request reads").to.equal(4);
        const before = box.state().stats.calls;
        const third = await submit();
        expect(third.code).to.equal(1);
        expect(
          box.state().stats.calls - before,
          "failed rows are not sent again: only the two listings",
        ).to.equal(2);
        expect(box.state().outputs).to.have.length(0);
      },
    );

    richOnly(
      "a batch belongs to the API it was started on: on another API the same file is a batch of its own, the first one untouched",
      async () => {
        const rows = await world(6, 0);
        expect((await submit()).code).to.equal(0);
        const [first] = await readdir(stateDirOf(dir));
        const journal = await readFile(join(stateDirOf(dir), first as string, "journal.jsonl"), "utf8");
        const other = await sandbox({}, makeWorld(6).seed);
        try {
          const result = await runCli(["submit", "payroll.csv", ...FAST], { cwd: dir, env: apiEnv(other) });
          expect(result.code, result.stderr).to.equal(0);
          expect(result.stderr).to.not.include("was started against");
          expectExactlyOnce(other, rows);
          expectExactlyOnce(box, rows);
          expect(await readFile(join(stateDirOf(dir), first as string, "journal.jsonl"), "utf8")).to.equal(
            journal,
          );
          expect(await readdir(stateDirOf(dir))).to.have.length(2);
        } finally {
          await other.close();
        }
      },
    );

    richOnly(
      "an edited file is not silently paid again as a new batch; --batch-id makes it a deliberate new run",
      async () => {
        await world(6, 0);
        expect((await submit()).code).to.equal(0);
        const csv = await readFile(join(dir, "payroll.csv"), "utf8");
        await writeFile(join(dir, "payroll.csv"), csv.replace("EMP-5,", "EMP-5b,"));
        const refused = await submit();
        expect(refused.code).to.equal(2);
        expect(refused.stderr).to.match(
          /payroll\.csv changed since batch [0-9a-f]{16} \(begun .*\) staged 6 row\(s\) \(created in requests it never accepted: not paid by it\) from it/,
        );
        expect(box.state().outputs).to.have.length(6);
        const deliberate = await submit(["--batch-id", "2026-12"]);
        expect(deliberate.code, deliberate.stderr).to.equal(0);
        expect(box.state().outputs).to.have.length(12);
      },
    );

    richOnly(
      "the same file run again says its rows were already created, staged and not paid, and sends nothing",
      async () => {
        await world(6, 0);
        expect((await submit()).code).to.equal(0);
        const again = await submit();
        expect(again.code).to.equal(0);
        expect(again.stderr).to.match(
          /all 6 row\(s\) of batch [0-9a-f]{16} were already created \(begun .*\): nothing new was sent/,
        );
        expect(again.stderr).to.match(/STAGED, NOT PAID: 6 row\(s\) created in draft requests/);
        expect(again.stderr).to.not.include("already paid");
        expect(box.state().outputs).to.have.length(6);
      },
    );

    richOnly("an API URL without the API (404 on the first lookup) exits 2 and sends nothing", async () => {
      await world(4, 0);
      const result = await runCli(["submit", "payroll.csv", ...FAST], {
        cwd: dir,
        env: { ...apiEnv(box), BITEX_API_URL: `${box.baseUrl}/wrong` },
      });
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.include("has no concierge requests (404)");
      expect(box.state().requests).to.have.length(0);
    });

    richOnly(
      "running a finished batch again creates nothing and reports the server's current states",
      async () => {
        const rows = await world(20, 0);
        expect((await submit()).code).to.equal(0);
        const calls = box.state().stats.calls;
        // The tool leaves its requests in draft; pruning them moves every output to `cancelled`.
        box.advance({ expire: true });
        const again = await submit();
        expect(again.code, again.stderr).to.equal(0);
        const state = box.state();
        expect(state.outputs).to.have.length(rows.length);
        // The two listings, and each request read once for where it is (the words): cancelled.
        expect(state.stats.calls - calls, "the two listings and the two requests").to.equal(4);
        expect(again.stderr).to.match(/^FOUND PAST DRAFT: request\(s\) 1 \(cancelled\), 2 \(cancelled\) /m);
        const report = await readReport(join(dir, "payroll.report.csv"));
        expect(new Set(report.map((row) => row.state))).to.deep.equal(new Set(["cancelled"]));
      },
    );

    richOnly("two runs of the same batch started together: one exits 4, the other finishes", async () => {
      // Long enough a run that the other one, however late a loaded machine starts it, finds the lock held.
      const rows = await world(30, 0, { latency_ms: 150 });
      const [a, b] = await Promise.all([submit(), submit()]);
      expect([a.code, b.code].sort()).to.deep.equal([0, 4]);
      expect((a.code === 4 ? a : b).stderr).to.match(/another run \(pid \d+ on .+\) holds this batch/);
      expectExactlyOnce(box, rows);
    });

    richOnly("a lock left by a dead process on this host is taken over, with a message", async () => {
      const rows = await world(10, 0);
      const dry = await runCli(["submit", "payroll.csv", "--dry-run", "--json"], {
        cwd: dir,
        env: { ...SETTLE, ...apiEnv(box) },
      });
      const batchId = (JSON.parse(dry.stdout) as { batch_id: string }).batch_id;
      await mkdir(join(stateDirOf(dir), batchId), { recursive: true });
      const dead = 2 ** 22 + 12345; // above the default pid_max: no such process
      await writeFile(
        join(stateDirOf(dir), batchId, "lock"),
        JSON.stringify({ pid: dead, host: hostname(), started_at: "2026-01-01T00:00:00Z" }),
      );
      const result = await submit();
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.include(`taking over the lock of a run that is gone (pid ${dead}`);
      expectExactlyOnce(box, rows);
    });

    richOnly(
      "the API goes away mid-run: exit 3 after bounded retries, then it completes once the API is back",
      async () => {
        const rows = await world(60, 0, { latency_ms: 20 });
        const { done } = spawnCli(["submit", "payroll.csv", ...FAST], {
          cwd: dir,
          env: { ...SETTLE, ...apiEnv(box) },
        });
        await outputsReach(box, 20, done);
        await box.suspend();
        const stopped = await done;
        expect(stopped.code, stopped.stderr).to.equal(3);
        expect(stopped.stderr).to.match(/could not be reached/);
        const report = await readReport(join(dir, "payroll.report.csv"));
        expect(report.some((row) => row.status === "pending")).to.equal(true);
        expect(report.every((row) => row.status === "created" || row.status === "pending")).to.equal(true);
        await box.resume();
        box.setFaults({ latency_ms: 0 });
        const again = await submit();
        expect(again.code, again.stderr).to.equal(0);
        expectExactlyOnce(box, rows);
        await expectAllCreated(dir, rows);
      },
    );

    richOnly(
      "emulator limit 5/s against --rate 50: completes, backing off instead of hammering",
      async () => {
        const rows = await world(40, 0, { rate_limit: 5 });
        const result = await runCli(["submit", "payroll.csv", "--rate", "50", "--concurrency", "4"], {
          cwd: dir,
          env: { ...SETTLE, ...apiEnv(box) },
        });
        expect(result.code, result.stderr).to.equal(0);
        const { calls, rate_limited } = box.state().stats;
        expect(calls).to.be.at.most(1.5 * rows.length + 10);
        expect(rate_limited).to.be.greaterThan(0);
        expectExactlyOnce(box, rows);
      },
    );
  });
