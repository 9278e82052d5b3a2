/**
 * Nobody is paid twice, whatever the operator does (docs/design.md section 6): two runs at once (one state
 * directory or two), creates that commit after a proxy said they failed, an edited or copied
 * file, SIGHUP, a full disk or an unwritable state directory, a key echoed by the server,
 * oversized input. The emulator's outputs are compared with the file as a multiset.
 */

import { randomBytes } from "node:crypto";
import { appendFile, copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type CliResult, LOG_STAMP, runCli, spawnCli, stateDirOf, tempDir } from "../helpers/cli.js";
import { faultProxy, type ProxyAction } from "../helpers/proxy.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { expectAtMostOnce, expectExactlyOnce, makeWorld, type WorldRow } from "../helpers/world.js";

const FAST = ["--rate", "1000", "--concurrency", "8"];
/**
 * The first of two runs at once, which the second must find still sending: its 50 rows after
 * the 10th take 5 s, longer than a loaded machine takes to start the second run and find the
 * lock or watch the request 2 s (at 20 a second it was done first, with 8 test files at a time).
 */
const SLOW = ["--rate", "10", "--concurrency", "2"];
/** The emulator commits a create on arrival; only the proxy tests need a longer settle delay. */
const SETTLE = { BITEX_BATCH_SETTLE_MS: "1000" };

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const firstLine = (result: CliResult) => result.log.split("\n")[0];

describe("nobody is paid twice, whatever the operator does", function () {
  this.timeout(120_000);
  let box: Sandbox;
  let dir: string;
  let rows: WorldRow[];

  async function world(count: number, faults = {}) {
    const made = makeWorld(count);
    // Written for rich lists (the default before the recorded style), whose calls it counts.
    box = await sandbox({ list_style: "rich", ...faults }, made.seed);
    dir = await tempDir();
    await writeFile(join(dir, "payroll.csv"), made.csv);
    rows = made.rows;
    return made;
  }

  const submit = (extra: string[] = [], env: Record<string, string> = {}, file = "payroll.csv") =>
    runCli(["submit", file, ...FAST, ...extra], { cwd: dir, env: { ...SETTLE, ...apiEnv(box), ...env } });

  afterEach(async () => {
    await box?.close();
  });

  describe("two runs of one file at once", () => {
    // Slow first, the fast one started when the slow one has made `at` outputs; or the other way round.
    const timings = [
      { first: "slow", at: 0 },
      { first: "slow", at: 10 },
      { first: "slow", at: 40 },
      { first: "fast", at: 5 },
    ] as const;

    for (const { first, at } of timings) {
      it(`from two working directories, default state directory (${first} first, second at ${at} outputs): the other exits 4 (or finds the batch paid), every row paid once`, async () => {
        await world(60, { latency_ms: 20 });
        const state = await tempDir("bb-xdg-");
        const [cwdA, cwdB] = [await tempDir("bb-cwd-a-"), await tempDir("bb-cwd-b-")];
        const env = { ...SETTLE, ...apiEnv(box), XDG_STATE_HOME: state };
        const csv = join(dir, "payroll.csv");
        const slow = ["submit", csv, ...SLOW];
        const fast = ["submit", relative(cwdB, csv), ...FAST];
        const one = spawnCli(first === "slow" ? slow : fast, { cwd: cwdA, env });
        if (at > 0) await waitFor(() => box.counts().outputs >= at, `${at} outputs`);
        const two = spawnCli(first === "slow" ? fast : slow, { cwd: cwdB, env });
        const [a, b] = await Promise.all([one.done, two.done]);
        // Both name the one state directory they share, on their first line (in a log, after
        // the time it was written, in a log).
        for (const result of [a, b]) {
          expect(firstLine(result)).to.match(LOG_STAMP);
          expect((firstLine(result) ?? "").replace(LOG_STAMP, "")).to.equal(
            `state directory: ${join(state, "bitex-batch")} (journal and lock; --state-dir to change)`,
          );
        }
        if (first === "slow" && at < 40) {
          // The slow run has 50 rows or more to go: the other one surely finds it holding the lock.
          expect([a.code, b.code].sort(), `${a.stderr}\n${b.stderr}`).to.deep.equal([0, 4]);
          expect((a.code === 4 ? a : b).stderr).to.match(/another run \(pid \d+ on .+\) holds this batch/);
        } else {
          // The first run may be done before the second one starts: then it finds the batch paid.
          expect(a.code, a.stderr).to.equal(0);
          if (b.code === 0) expect(b.stderr).to.match(/were already created .*nothing new was sent/);
          else {
            expect(b.code, b.stderr).to.equal(4);
            expect(b.stderr).to.match(/another run \(pid \d+ on .+\) holds this batch/);
          }
        }
        expectExactlyOnce(box, rows);
      });
    }

    for (const at of [0, 10, 40]) {
      it(`with two different --state-dir (fast one started at ${at} outputs of the slow one): never a row paid twice; every row once, or the overlap named (exit 4)`, async () => {
        await world(60, { latency_ms: 20 });
        const [stateA, stateB] = [await tempDir("bb-state-a-"), await tempDir("bb-state-b-")];
        const slow = spawnCli(["submit", "payroll.csv", ...SLOW, "--state-dir", stateA], {
          cwd: dir,
          env: { ...SETTLE, ...apiEnv(box) },
        });
        // At 0 outputs: once the slow run has made a request. Both started at the same moment, a
        // loaded machine started the fast one first, which paid every row before the slow one
        // looked: once each, but no overlap left to notice.
        if (at > 0) await waitFor(() => box.counts().outputs >= at, `${at} outputs`);
        else await waitFor(() => box.counts().requests > 0, "the slow run's first request");
        const fast = spawnCli(
          ["submit", "payroll.csv", ...FAST, "--state-dir", stateB, "--report", "b.csv"],
          {
            cwd: dir,
            env: { ...SETTLE, ...apiEnv(box) },
          },
        );
        const results = await Promise.all([slow.done, fast.done]);
        const all = results.map((r) => r.stderr).join("\n");
        expectAtMostOnce(box, rows);
        for (const result of results) expect([0, 4], all).to.include(result.code);
        const stopped = results.filter((result) => result.code === 4);
        // With 50 rows or more still to send (5 s), the slow run is surely still sending when the
        // fast one looks; later on it may be done by then (and the fast one finds everything paid).
        if (at < 40) expect(stopped.length, `the overlap is noticed:\n${all}`).to.be.greaterThan(0);
        for (const result of stopped) {
          // The evidence: the request (and its counts or twin) or the foreign outputs, by id.
          expect(result.stderr).to.match(
            /request \d+ \(external_id bb-[0-9a-f]+\) is being filled by another run: it held \d+ output\(s\), and \d+ a moment later|requests \d+, \d+ carry external_id bb-[0-9a-f]+: another run created one at the same moment|request \d+ holds \d+ output\(s\) that this run did not create .*\(\d+/,
          );
        }
        // A run that finished paid every row; two that stopped sent nothing into twin requests.
        if (stopped.length < results.length) expectExactlyOnce(box, rows);
        else expect(box.state().outputs, "both stopped before sending").to.have.length(0);
      });
    }
  });

  describe("creates that commit after a proxy said they failed", () => {
    // Creates 2, 5, 9 and 14 are answered 500, 503, 408 and a reset at once, and reach the
    // emulator only 2-3 s later; create 18 is answered 503 after the emulator committed it.
    const late = (call: { create: number }): ProxyAction => {
      const faults: Record<number, ProxyAction> = {
        2: { kind: "answer", status: 500, forwardAfterMs: 2000 },
        5: { kind: "answer", status: 503, forwardAfterMs: 2500 },
        9: { kind: "answer", status: 408, forwardAfterMs: 3000 },
        14: { kind: "reset", forwardAfterMs: 2200 },
        18: { kind: "replace", status: 503 },
      };
      return faults[call.create] ?? { kind: "pass" };
    };

    it("500, 503, 408 and a reset whose commits land 2-3 s later, a 503 after the commit: settled by listing, every row once, exit 0", async () => {
      await world(24);
      const proxy = await faultProxy(box.url, late);
      try {
        const result = await runCli(["submit", "payroll.csv", ...FAST], {
          cwd: dir,
          env: { ...apiEnv(box), BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "4000" },
        });
        await proxy.landed();
        expect(result.code, result.stderr).to.equal(0);
        expectExactlyOnce(box, rows);
        const report = await readReport(join(dir, "payroll.report.csv"));
        expect(report.map((row) => row.status)).to.deep.equal(rows.map(() => "created"));
        // The journal says what happened: four unclear creates, each found on the server.
        const [batch] = await readdir(stateDirOf(dir));
        const journal = await readFile(join(stateDirOf(dir), batch as string, "journal.jsonl"), "utf8");
        const entries = journal
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { t: string; via?: string; code?: string });
        expect(
          entries
            .filter((e) => e.t === "ambiguous")
            .map((e) => e.code)
            .sort(),
        ).to.deep.equal([
          "api_network",
          "api_server_error",
          "api_server_error",
          "api_server_error",
          "api_timeout",
        ]);
        expect(entries.filter((e) => e.via === "reconciled")).to.have.length(5);
      } finally {
        await proxy.close();
      }
    });

    it("stopped while those creates may still land: exit 3 with pending rows, then a rerun settles them once", async () => {
      await world(24);
      const proxy = await faultProxy(box.url, late);
      try {
        const { child, done } = spawnCli(["submit", "payroll.csv", ...FAST], {
          cwd: dir,
          env: { ...apiEnv(box), BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "4000" },
        });
        // The clear creates are in, and the one answered 503 after its commit; four have not landed yet.
        await waitFor(() => box.counts().outputs >= 20, "20 outputs");
        await new Promise((resolve) => setTimeout(resolve, 300));
        child.kill("SIGTERM");
        const stopped = await done;
        expect(stopped.code, stopped.stderr).to.equal(3);
        expect(stopped.stderr).to.match(
          /run the same command again to resume; nothing will be paid twice: bitex-batch submit payroll\.csv --rate 1000 --concurrency 8\n$/,
        );
        const report = await readReport(join(dir, "payroll.report.csv"));
        expect(report.filter((row) => row.status === "pending")).to.have.length(4);
        expect(report.filter((row) => row.status === "created")).to.have.length(20);
        await proxy.landed();
        expectExactlyOnce(box, rows); // the late commits landed: nothing is missing
        const calls = box.state().stats.calls;
        const again = await submit([], { BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "4000" });
        expect(again.code, again.stderr).to.equal(0);
        expectExactlyOnce(box, rows);
        // No create: the two listings, and each request read once for the stage's words.
        expect(box.state().stats.calls - calls, "no create: two listings, two request reads").to.equal(4);
      } finally {
        await proxy.close();
      }
    });
  });

  describe("SIGKILL while unclear creates settle and the other rows go on", () => {
    // Create 2 is answered 503 and lands 1.5 s later (within its 3 s delay); create 9 is
    // answered 502 and never reaches the server; create 15's connection is reset and it lands
    // 0.8 s later. Two requests, each filled while those delays run. The proxy counts creates
    // across both runs, so a create of the rerun may meet one of those faults too.
    const faults = (call: { create: number }): ProxyAction => {
      const which: Record<number, ProxyAction> = {
        2: { kind: "answer", status: 503, forwardAfterMs: 1500 },
        9: { kind: "down", status: 502 },
        15: { kind: "reset", forwardAfterMs: 800 },
      };
      return which[call.create] ?? { kind: "pass" };
    };
    const env = { BITEX_BATCH_SETTLE_MS: "3000" };

    // At 8 outputs create 2's delay runs while the rows go on; at 23 the creates are all in and
    // the run waits for the earliest delay.
    for (const at of [8, 23]) {
      it(`killed at ${at} outputs, then run again: the rerun waits for the delays the journal names, every row once, exit 0`, async () => {
        await world(24, { latency_ms: 60 });
        const proxy = await faultProxy(box.url, faults);
        try {
          const { child, done } = spawnCli(
            ["submit", "payroll.csv", "--rate", "1000", "--concurrency", "2"],
            {
              cwd: dir,
              env: { ...apiEnv(box), BITEX_API_URL: proxy.url, ...env },
            },
          );
          await waitFor(() => box.counts().outputs >= at, `${at} outputs`);
          child.kill("SIGKILL");
          expect((await done).signal).to.equal("SIGKILL");
          const [batch] = await readdir(stateDirOf(dir));
          const journal = await readFile(join(stateDirOf(dir), batch as string, "journal.jsonl"), "utf8");
          const kinds = journal
            .split("\n")
            .filter(Boolean)
            .map((line) => (JSON.parse(line) as { t: string }).t);
          expect(kinds, "killed after an unclear create").to.include("ambiguous");
          expect(kinds.filter((t) => t === "created").length).to.be.below(rows.length);
          // Through the proxy again (the same API), which now passes every call on.
          const again = await submit([], { ...env, BITEX_API_URL: proxy.url });
          expect(again.code, again.stderr).to.equal(0);
          await proxy.landed();
          expectExactlyOnce(box, rows);
          const report = await readReport(join(dir, "payroll.report.csv"));
          expect(report.map((row) => row.status)).to.deep.equal(rows.map(() => "created"));
        } finally {
          await proxy.close();
        }
      });
    }
  });

  describe("edited and copied files", () => {
    it("killed with creates in flight (no outcome journaled), then the file edited: refused, exit 2, nothing sent; the unedited file resumes", async () => {
      await world(12, { latency_ms: 1500 });
      const { child, done } = spawnCli(["submit", "payroll.csv", "--rate", "1000", "--concurrency", "4"], {
        cwd: dir,
        env: { ...SETTLE, ...apiEnv(box) },
      });
      await waitFor(() => box.counts().outputs >= 4, "4 creates at the server");
      child.kill("SIGKILL");
      expect((await done).signal).to.equal("SIGKILL");
      box.setFaults({ latency_ms: 0 });
      const original = await readFile(join(dir, "payroll.csv"), "utf8");
      await writeFile(join(dir, "payroll.csv"), original.replace("EMP-11,", "EMP-11b,"));
      const calls = box.state().stats.calls;
      const refused = await submit();
      expect(refused.code, refused.stderr).to.equal(2);
      const said =
        /payroll\.csv changed since batch [0-9a-f]{16} \(begun .*\) may have created (\d+) row\(s\) \(creates with no answer on record\)(?:, has still to create (\d+) row\(s\) \(a run of it may be creating them now, or will when it is run again\))? from it/.exec(
          refused.stderr,
        );
      expect(said, refused.stderr).to.not.equal(null);
      // Every create that reached the server is among the rows the journal says may be paid,
      // and the rows it had not sent yet are named as still to create: all 12 accounted for.
      expect(Number(said?.[1])).to.be.at.least(box.state().outputs.length);
      expect(Number(said?.[1]) + Number(said?.[2] ?? 0)).to.equal(rows.length);
      expect(box.state().stats.calls, "nothing sent").to.equal(calls);
      await writeFile(join(dir, "payroll.csv"), original);
      const resumed = await submit();
      expect(resumed.code, resumed.stderr).to.equal(0);
      expectExactlyOnce(box, rows);
    });

    it("a finished batch's file copied under another name: refused, exit 2, nothing sent, the earlier batch named; --batch-id is the deliberate escape", async () => {
      await world(6);
      const paid = await submit(["--json"]);
      expect(paid.code, paid.stderr).to.equal(0);
      const { batch_id: batchId } = JSON.parse(paid.stdout) as { batch_id: string };
      await copyFile(join(dir, "payroll.csv"), join(dir, "payroll (1).csv"));
      const calls = box.state().stats.calls;
      const refused = await submit([], {}, "payroll (1).csv");
      expect(refused.code, refused.stderr).to.equal(2);
      expect(refused.stderr).to.match(
        new RegExp(
          `payroll \\(1\\)\\.csv holds the same payments as batch ${batchId} \\(file payroll\\.csv, begun \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d\\), which staged 6 row\\(s\\) \\(created in requests it never accepted: not paid by it\\)`,
        ),
      );
      expect(box.state().stats.calls, "nothing sent").to.equal(calls);
      expect(box.state().outputs).to.have.length(6);
      // The refused batch leaves no folder behind in the state directory.
      expect(await readdir(stateDirOf(dir))).to.deep.equal([batchId]);
      const deliberate = await submit(["--batch-id", "2026-12-second"], {}, "payroll (1).csv");
      expect(deliberate.code, deliberate.stderr).to.equal(0);
      expect(box.state().outputs).to.have.length(12);
    });
  });

  describe("signals", () => {
    it("SIGHUP mid-run drains like SIGTERM: exit 3, report with pending rows, the command to run again; the rerun completes", async () => {
      await world(80, { latency_ms: 40 });
      const { child, done } = spawnCli(["submit", "payroll.csv", ...FAST], {
        cwd: dir,
        env: { ...SETTLE, ...apiEnv(box) },
      });
      await waitFor(() => box.counts().outputs >= 20, "20 outputs");
      child.kill("SIGHUP");
      const stopped = await done;
      expect(stopped.code, stopped.stderr).to.equal(3);
      expect(stopped.stderr).to.match(/SIGHUP: no new rows/);
      expect(stopped.stderr).to.match(
        /run the same command again to resume; nothing will be paid twice: bitex-batch submit payroll\.csv --rate 1000 --concurrency 8\n$/,
      );
      const report = await readReport(join(dir, "payroll.report.csv"));
      const created = report.filter((row) => row.status === "created").length;
      expect(box.state().outputs).to.have.length(created);
      expect(report.filter((row) => row.status === "pending")).to.have.length(rows.length - created);
      box.setFaults({ latency_ms: 0 });
      const again = await submit();
      expect(again.code, again.stderr).to.equal(0);
      expectExactlyOnce(box, rows);
    });

    it("a second signal exits at once and still prints the command to run again", async () => {
      await world(40, { latency_ms: 200 });
      const { child, done } = spawnCli(["submit", "payroll.csv", ...FAST], {
        cwd: dir,
        env: { ...SETTLE, ...apiEnv(box) },
      });
      await waitFor(() => box.counts().outputs >= 8, "8 outputs");
      child.kill("SIGHUP");
      await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill("SIGTERM");
      const stopped = await done;
      expect(stopped.code).to.equal(3);
      expect(stopped.stderr).to.match(/SIGTERM again: exiting now/);
      expect(stopped.stderr).to.include(
        "run the same command again to resume; nothing will be paid twice: bitex-batch submit payroll.csv",
      );
      box.setFaults({ latency_ms: 0 });
      const again = await submit();
      expect(again.code, again.stderr).to.equal(0);
      expectExactlyOnce(box, rows);
    });
  });

  describe("the state directory's disk", () => {
    /** One error line naming the path and why, a hint, no "unexpected error", nothing sent. */
    function expectRefusedBeforeSending(result: CliResult, pattern: RegExp): void {
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr, result.stderr).to.match(pattern);
      expect(result.stderr).to.not.include("unexpected error");
      expect(result.stderr).to.not.include("the journal is kept");
      expect(result.stderr).to.include("nothing was sent");
      expect(box.state().stats.calls, "nothing sent").to.equal(0);
    }

    /** `bitex-batch <command> payroll.csv` (FAST) in the world's directory with a file size limit of `kb` KB (ulimit -f). */
    const limited = (kb: number, command: string, extra: string[] = []) =>
      runCli([command, "payroll.csv", ...FAST, ...extra], {
        cwd: dir,
        env: { ...SETTLE, ...apiEnv(box) },
        shellPrefix: `ulimit -f ${kb}`,
      });

    it("a --state-dir below a regular file (ENOTDIR): exit 2 naming it, nothing sent", async () => {
      await world(4);
      await writeFile(join(dir, "not-a-dir"), "x");
      const state = join(dir, "not-a-dir", "state");
      const result = await submit(["--state-dir", state]);
      expectRefusedBeforeSending(
        result,
        new RegExp(
          `cannot use the state directory ${state}: a part of the path is a regular file, not a directory \\(ENOTDIR`,
        ),
      );
    });

    it("a --state-dir that is a regular file: exit 2 naming it, nothing sent, no word of resuming", async () => {
      await world(4);
      await writeFile(join(dir, "state-file"), "x");
      const result = await submit(["--state-dir", join(dir, "state-file")]);
      expectRefusedBeforeSending(
        result,
        /cannot use the state directory .*state-file: a part of the path is a regular file/,
      );
    });

    it("a state directory where this user may not write (/sys): exit 2 naming it, nothing sent", async () => {
      await world(4);
      const state = "/sys/fs/bitex-batch-test-state";
      const result = await submit(["--state-dir", state]);
      expectRefusedBeforeSending(
        result,
        /cannot use the state directory \/sys\/fs\/bitex-batch-test-state: (no permission to write there|the file system is read-only)/,
      );
    });

    it("no room for a single byte (ulimit -f 0, EFBIG) before anything was sent: exit 2 naming the state directory", async () => {
      await world(4);
      const result = await limited(0, "submit");
      expectRefusedBeforeSending(
        result,
        new RegExp(
          `cannot use the state directory ${stateDirOf(dir)}: the file would exceed the file size limit of this process \\(ulimit -f\\) \\(EFBIG`,
        ),
      );
    });

    it("the file size limit (EFBIG) reached while the input is copied: exit 2 naming the state directory, nothing sent, no copy taken for whole", async () => {
      await world(80);
      // 2 KB: the input (over 2 KB here) stops part-way into its copy.
      const result = await limited(2, "submit");
      expectRefusedBeforeSending(
        result,
        new RegExp(
          `cannot keep a copy of the input ${stateDirOf(dir)}: the file would exceed the file size limit of this process \\(ulimit -f\\) \\(EFBIG`,
        ),
      );
      expect(result.stderr).to.not.include("changed while it was read");
    });

    it("the file size limit (EFBIG) stops the journal, then the report: both said, the journal's last with the command to resume, exit 3; the rerun completes", async () => {
      await world(40);
      // 4 KB: the input's copy (under 2 KB) fits, the journal passes it after a few rows, the report cannot.
      const result = await limited(4, "submit");
      expect(result.code, result.stderr).to.equal(3);
      const limit = "the file would exceed the file size limit of this process \\(ulimit -f\\) \\(EFBIG\\)";
      expect(result.stderr).to.match(
        new RegExp(
          `bitex-batch: cannot write the report payroll\\.report\\.csv: ${limit}\n` +
            `bitex-batch: cannot write the journal .*journal\\.jsonl: ${limit}\n` +
            "  run the same command again to resume; nothing will be paid twice: bitex-batch submit payroll.csv",
        ),
      );
      expect(result.stderr).to.not.include("unexpected error");
      const again = await submit();
      expect(again.code, again.stderr).to.equal(0);
      expectExactlyOnce(box, rows);
    });

    it("quote: the journal full before a step, then the report: both said, the journal's last with the command to run again; the stage as the server has it; nothing sent", async () => {
      await world(40);
      // A column of random text, echoed in the report (--keep-columns) and never journaled:
      // the xlsx report stays larger than the journal, which keeps each row's payment and payee.
      const [header, ...lines] = (await readFile(join(dir, "payroll.csv"), "utf8")).trimEnd().split("\n");
      const noted = lines.map((line) => `${line},${randomBytes(200).toString("hex")}`);
      await writeFile(join(dir, "payroll.csv"), `${[`${header},note`, ...noted].join("\n")}\n`);
      const staged = await submit(["--quiet"]);
      expect(staged.code, staged.stderr).to.equal(0);
      // The journal padded (blank lines are skipped on read) to a byte under a whole KB: the
      // quote's opening newline fits the limit, its first step's intent does not. Its xlsx
      // report is larger than the journal, so it cannot be written either.
      const [batch] = await readdir(stateDirOf(dir));
      const journal = join(stateDirOf(dir), batch as string, "journal.jsonl");
      const size = (await readFile(journal)).length;
      const kb = Math.ceil((size + 2) / 1024);
      await appendFile(journal, "\n".repeat(kb * 1024 - 1 - size));
      const calls = box.state().stats.calls;
      const quoted = await limited(kb, "quote", ["--keep-columns", "--report-format", "xlsx"]);
      expect(quoted.code, quoted.stderr).to.equal(3);
      const limit = "the file would exceed the file size limit of this process \\(ulimit -f\\) \\(EFBIG\\)";
      // The stage is the server's (every row created, both requests draft), counted from the
      // rows as read since the report that counts them could not be written.
      expect(quoted.stderr).to.match(
        new RegExp(
          `\nbitex-batch: cannot write the report payroll\\.report\\.xlsx: ${limit}\n` +
            "STAGED, NOT PAID: 40 row\\(s\\) created in draft requests; nobody is paid until the quotes are requested and accepted\n" +
            `bitex-batch: cannot write the journal .*journal\\.jsonl: ${limit}\n` +
            "  run the same command again to resume; nothing will be paid twice: bitex-batch quote payroll.csv .*--report-format xlsx\n$",
        ),
      );
      expect(quoted.stderr).to.not.match(/^report: /m);
      expect(quoted.stdout).to.not.match(/^report: /m);
      // The step's intent could not be journaled, so the step was not sent: only reads.
      expect(box.state().stats.per_request).to.deep.equal({});
      expect(box.state().requests.map((r) => r.attributes.state)).to.deep.equal(["draft", "draft"]);
      expect(box.state().stats.calls).to.be.above(calls);
    });

    it("status --watch with a report it cannot write: one line for it, exit 3 (write_failed), --json names no report", async () => {
      await world(40);
      expect((await submit(["--quiet"])).code).to.equal(0);
      const watched = await limited(2, "status", ["--watch", "--timeout", "20", "--json"]);
      expect(watched.code, watched.stderr).to.equal(3);
      const said = watched.stderr.match(/cannot write the report/g) ?? [];
      expect(said, watched.stderr).to.have.length(1);
      expect(watched.stderr).to.include(
        "bitex-batch: cannot write the report payroll.report.csv: the file would exceed the file size limit of this process (ulimit -f) (EFBIG)",
      );
      const json = JSON.parse(watched.stdout) as { report: unknown; error: { code: string } };
      expect([json.report, json.error.code]).to.deep.equal([null, "write_failed"]);
    });

    it("the file size limit (EFBIG) reached mid-run: exit 3 naming the journal, report with pending rows, the rerun completes", async () => {
      await world(30);
      // 3 KB: the journal's begin and planned lines fit (about 2.4 KB), then it passes the limit
      // after a few rows; the report goes to stdout, out of the limit.
      const result = await limited(3, "submit", ["--report", "-"]);
      expect(result.code, result.stderr).to.equal(3);
      expect(result.stderr).to.match(
        /cannot write the journal .*journal\.jsonl: the file would exceed the file size limit of this process \(ulimit -f\) \(EFBIG\)/,
      );
      expect(result.stderr).to.include(
        "run the same command again to resume; nothing will be paid twice: bitex-batch submit payroll.csv",
      );
      expect(result.stderr).to.not.include("unexpected error");
      const report = parse(result.stdout, { columns: true }) as Record<string, string>[];
      expect(report).to.have.length(rows.length);
      expect(report.filter((row) => row.status === "pending").length).to.be.greaterThan(0);
      expect(box.state().outputs.length).to.be.lessThan(rows.length);
      const again = await submit();
      expect(again.code, again.stderr).to.equal(0);
      expectExactlyOnce(box, rows);
    });
  });

  describe("input and output hygiene", () => {
    it("a cell longer than 1,000 characters makes its row invalid, naming the column; nothing sent", async () => {
      const made = await world(3);
      const long = "R".repeat(1001);
      await writeFile(join(dir, "payroll.csv"), made.csv.replace("EMP-1,", `${long},`));
      const result = await submit();
      expect(result.code, result.stderr).to.equal(1);
      const report = await readReport(join(dir, "payroll.report.csv"));
      expect(report.map((row) => `${row.status}:${row.error_code}`)).to.deep.equal([
        "blocked:batch_blocked",
        "invalid:cell_too_long",
        "blocked:batch_blocked",
      ]);
      expect(report[1]?.error).to.equal("reference: 1001 characters; a cell holds at most 1000");
      expect(box.state().stats.calls).to.equal(0);
    });

    it("a record larger than 1 MB stops the read: exit 2, nothing sent", async () => {
      const made = await world(3);
      await writeFile(join(dir, "payroll.csv"), made.csv.replace("EMP-1,", `${"R".repeat(5 << 20)},`));
      const result = await submit();
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.match(/^bitex-batch: payroll\.csv:3: a record larger than 1 MB/m);
      expect(box.state().stats.calls).to.equal(0);
    });

    for (const debug of [false, true]) {
      it(`a server answer that echoes the key never reaches stderr${debug ? " (--debug, stack trace included)" : ""}`, async () => {
        await world(2);
        const key = 'sk-live-"echo"-5d1f0c';
        const escaped = JSON.stringify(key).slice(1, -1);
        // A server that puts the key it was sent into a 200 answer the client cannot decode.
        const echo = http.createServer((req, res) => {
          res.writeHead(200, { "content-type": "application/vnd.api+json" });
          res.end(JSON.stringify({ data: [{ id: "1", type: req.headers.authorization }] }));
        });
        await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
        try {
          const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/api`;
          const result = await runCli(["submit", "payroll.csv", ...FAST, ...(debug ? ["--debug"] : [])], {
            cwd: dir,
            env: { BITEX_API_KEY: key, BITEX_API_URL: url },
          });
          expect(result.code, result.stderr).to.equal(3);
          expect(result.stderr).to.include("[redacted]");
          if (debug) expect(result.stderr).to.match(/\n\s+at /);
          const report = await readFile(join(dir, "payroll.report.csv"), "utf8");
          for (const text of [result.stdout, result.stderr, report]) {
            expect(text).to.not.include(key);
            expect(text).to.not.include(escaped);
            expect(text).to.not.include("5d1f0c");
          }
        } finally {
          echo.close();
          echo.closeAllConnections();
        }
      });
    }

    it("the API URL is compared by identity: a batch begun on 127.0.0.1 resumes on localhost/ with a trailing slash", async () => {
      await world(6);
      const killed = await submit([], { BITEX_BATCH_CRASH_AT: "requests-ready" });
      expect(killed.signal).to.equal("SIGKILL");
      const port = new URL(box.url).port;
      const again = await submit([], { BITEX_API_URL: `http://LOCALHOST:${port}/api/` });
      expect(again.code, again.stderr).to.equal(0);
      expectExactlyOnce(box, rows);
    });
  });
});
