/**
 * Rows a batch released to its remaining file are never paid by that batch afterwards: the
 * remaining file pays them. A batch whose one request held only rows Bitex refused, that
 * empty request then cancelled at Bitex (pruned), is a batch with a cancelled request for
 * `status` without --allow-partial: the rows of its draft go to the remaining file. Quoted
 * and accepted afterwards with --allow-partial (which leaves the empty request out), the
 * draft would pay those rows a second time, beside the remaining file's batch.
 */
import { spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { rewriteProxy } from "../helpers/rewrite-proxy.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

describe("a batch whose rows were released to its remaining file (a draft beside a cancelled request)", function () {
  this.timeout(120_000);

  it("never quotes nor accepts that draft afterwards, --allow-partial or not: each row is accepted once", async () => {
    const box = await stoppedSandbox(await demoSeed());
    try {
      const dir = await tempDir();
      const { pick, file } = await demoRows();
      // Request 1: 112's ar_ars (two rows); request 2: 113's uy_uyu, its one payee unknown to Bitex.
      const good = ["EMP-1001", "EMP-1003"].map(pick);
      const bad = pick("EMP-1006").replace(",305,", ",999999,");
      await writeFile(join(dir, "payroll.csv"), file([...good, bad]));
      const run = (args: string[]) =>
        runCli([...args, "--rate", "1000", "--tz", "UTC"], { cwd: dir, env: apiEnv(box) });

      const submitted = await run(["submit", "payroll.csv"]);
      expect(submitted.code, submitted.stderr).to.equal(1);
      const states = () =>
        box.state().requests.map((r) => [r.id, r.attributes.state, r.attributes.outputs_count]);
      expect(states()).to.deep.equal([
        ["1", "draft", 2],
        ["2", "draft", 0],
      ]);
      // Bitex prunes the empty request (here: cancelled through the API, as its owner may).
      const cancel = await fetch(`${box.url}/concierge_requests/2/cancel`, {
        method: "POST",
        headers: { Authorization: box.apiKey, "Content-Type": "application/vnd.api+json" },
      });
      expect(cancel.status).to.equal(200);

      // Without --allow-partial the cancelled request counts: the draft's rows are released.
      const status = await run(["status", "payroll.csv", "--json"]);
      expect(JSON.parse(status.stdout).remaining, status.stderr).to.deep.equal({
        file: "payroll.remaining.csv",
        rows: 3,
      });
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file([...good, bad]));

      // The operator takes out the refused row and pays the rest from the remaining file.
      await writeFile(join(dir, "rest.csv"), file(good));
      const rest = await run(["submit", "rest.csv", "--until", "accepted", "--max-total", "ARS=999999999"]);
      expect(rest.code, rest.stderr).to.equal(0);
      expect(states()).to.deep.equal([
        ["1", "draft", 2],
        ["2", "cancelled", 0],
        ["3", "quote_accepted", 2],
      ]);

      // The first batch, with --allow-partial (the empty request left out): its draft holds
      // rows it released, which rest.csv pays. Nothing is quoted, nothing accepted.
      const refusal =
        "bitex-batch: the batch cannot be quoted: request 1 holds line(s) 2, 3, which this batch released to its remaining file (that file pays them)\n" +
        "  nothing was quoted: rows of this batch are in its remaining file (payroll.remaining.csv), which pays them (bitex-batch submit payroll.remaining.csv); this batch never quotes nor accepts their request\n";
      const quoted = await run(["quote", "payroll.csv", "--allow-partial", "--wait", "0"]);
      expect(quoted.code, quoted.stderr).to.equal(2);
      expect(quoted.stderr).to.include(refusal);
      // The remaining file keeps the rows released first (this run, --allow-partial, finds no
      // cancelled request that counts): they are this batch's rows not paid by it. (rest.csv, a
      // copy under another name, is not taken for it: the near-copy rule stands behind it.)
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file([...good, bad]));
      const accepted = await run([
        "submit",
        "payroll.csv",
        "--allow-partial",
        "--until",
        "accepted",
        "--max-total",
        "ARS=999999999",
      ]);
      expect(accepted.code, accepted.stderr).to.equal(2);
      expect(accepted.stderr).to.include(refusal);
      expect(states()).to.deep.equal([
        ["1", "draft", 2],
        ["2", "cancelled", 0],
        ["3", "quote_accepted", 2],
      ]);
      expect(box.state().stats.per_request).to.deep.equal({ "3": { request_quote: 1, accept_quote: 1 } });
      // Its status with --allow-partial advises the remaining file, never the quote its gate
      // refuses (helper-77).
      const partial = await run(["status", "payroll.csv", "--allow-partial"]);
      expect(partial.stdout).to.match(
        /^next: bitex-batch submit payroll\.remaining\.csv \(rows of this batch were released to it; this batch never quotes nor accepts their request\)$/m,
      );
      expect(partial.stdout).to.not.include("next: bitex-batch quote");
    } finally {
      await box.close();
    }
  });

  /**
   * Request 1 (112's ar_ars) quoted and accepted, request 2 (113's uy_uyu) cancelled for funds
   * that never came, behind a cache that answers request 1 as the draft it first read: `check`
   * runs then, with the way to run the CLI through that cache.
   */
  async function acceptedBehindCache(
    check: (world: {
      dir: string;
      pick: (reference: string) => string;
      file: (rows: string[]) => string;
      env: NodeJS.ProcessEnv;
      run: (args: string[]) => ReturnType<typeof runCli>;
      box: Sandbox;
    }) => Promise<void>,
  ): Promise<void> {
    const seed = await demoSeed();
    // Payer 113 cannot fund its request: Bitex cancels it (payment_not_received) after the accept.
    const poor = {
      ...seed,
      balances: seed.balances.map((b) => (b.user_id === "113" ? { ...b, amount: "1.00" } : b)),
    };
    const box = await stoppedSandbox(poor);
    // A cache in front of the API that keeps request 1's first answer (as Bitex's own JSON:API
    // code keeps reads for 10 minutes), whatever the query, while `cached` holds.
    let cached = true;
    const proxy = await rewriteProxy(box.url, {
      cacheKey: (url) => (cached && url.pathname === "/api/concierge_requests/1" ? url.pathname : null),
    });
    try {
      const dir = await tempDir();
      const { pick, file } = await demoRows();
      // Request 1: 112's ar_ars (quoted at once); request 2: 113's uy_uyu (a US payout, later).
      const rows = ["EMP-1001", "EMP-1003", "EMP-1005"].map(pick);
      await writeFile(join(dir, "payroll.csv"), file(rows));
      const run = (args: string[]) =>
        runCli([...args, "--rate", "1000", "--tz", "UTC"], {
          cwd: dir,
          env: { ...apiEnv(box), BITEX_API_URL: proxy.url },
        });
      expect((await run(["submit", "payroll.csv"])).code).to.equal(0);
      // Read while request 1 is a draft: the cache keeps that answer; then it lets calls through.
      expect((await run(["status", "payroll.csv"])).code).to.equal(3);
      cached = false;
      expect((await run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(3);
      box.advance({ minutes: 31 });
      expect((await run(["quote", "payroll.csv", "--wait", "5"])).code).to.equal(0);
      const maxTotals = ["--max-total", "ARS=999999999", "--max-total", "UYU=999999999"];
      expect((await run(["accept", "payroll.csv", ...maxTotals])).code).to.equal(0);
      box.advance({ expire: true });
      const states = () =>
        box.state().requests.map((r) => [r.id, r.attributes.state, r.attributes.cancellation_reason]);
      expect(states()).to.deep.equal([
        ["1", "working", null],
        ["2", "cancelled", "payment_not_received"],
      ]);

      cached = true; // request 1 is answered as the cache kept it: a draft
      await check({ dir, pick, file, env: { ...apiEnv(box), BITEX_API_URL: proxy.url }, run, box });
    } finally {
      await proxy.close();
      await box.close();
    }
  }

  it("a request read as draft though the journal has it quoted and accepted (a cache's old answer) is not released beside a cancelled request", async () => {
    await acceptedBehindCache(async ({ dir, pick, file, run }) => {
      const status = await run(["status", "payroll.csv", "--json"]);
      // Request 1's rows are being paid: only request 2's row is in the remaining file.
      expect(JSON.parse(status.stdout).remaining, status.stderr).to.deep.equal({
        file: "payroll.remaining.csv",
        rows: 1,
      });
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file([pick("EMP-1005")]));
    });
  });

  it("a status with no journal of the batch (another --state-dir) releases no draft beside a cancelled request: a draft read may be a cache's old answer", async () => {
    await acceptedBehindCache(async ({ dir, pick, file, env, box }) => {
      // The status run by hand without the --state-dir the batch was submitted with: no journal
      // says request 1 was quoted and accepted.
      const elsewhere = join(dir, "elsewhere");
      const status = await runCli(
        ["status", "payroll.csv", "--json", "--rate", "1000", "--tz", "UTC", "--state-dir", elsewhere],
        { cwd: dir, env },
      );
      expect(status.code, status.stderr).to.equal(3);
      // Request 1's rows are being paid: only request 2's row is in the remaining file.
      expect(JSON.parse(status.stdout).remaining, status.stderr).to.deep.equal({
        file: "payroll.remaining.csv",
        rows: 1,
      });
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file([pick("EMP-1005")]));
      expect(status.stderr).to.include(
        `no journal of batch ${JSON.parse(status.stdout).batch_id} in ${elsewhere}: the rows of draft request(s) 1 are not put in the remaining file (read as a draft, a request may have been quoted and accepted since: a cache keeps old reads); run status with the --state-dir the batch was submitted with to release them\n`,
      );
      expect(status.stderr).to.include(
        "next: bitex-batch submit payroll.remaining.csv (the rows of cancelled request(s) 2; accept refuses",
      );
      expect(box.state().requests.map((r) => [r.id, r.attributes.state])).to.deep.equal([
        ["1", "working"],
        ["2", "cancelled"],
      ]);
    });
  });

  it("a status while another run holds the batch's lock releases nothing: no remaining file until that run is gone", async () => {
    const box = await stoppedSandbox(await demoSeed());
    // A live process stands for a quote or accept of the batch running beside the status.
    const holder = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      const dir = await tempDir();
      const state = join(dir, "state");
      const { pick, file } = await demoRows();
      const good = ["EMP-1001", "EMP-1003"].map(pick);
      const bad = pick("EMP-1006").replace(",305,", ",999999,");
      await writeFile(join(dir, "payroll.csv"), file([...good, bad]));
      const run = (args: string[]) =>
        runCli([...args, "--rate", "1000", "--tz", "UTC", "--state-dir", state], {
          cwd: dir,
          env: apiEnv(box),
        });
      const submitted = await run(["submit", "payroll.csv", "--json"]);
      expect(submitted.code, submitted.stderr).to.equal(1);
      const { batch_id: batchId } = JSON.parse(submitted.stdout) as { batch_id: string };
      const cancel = await fetch(`${box.url}/concierge_requests/2/cancel`, {
        method: "POST",
        headers: { Authorization: box.apiKey, "Content-Type": "application/vnd.api+json" },
      });
      expect(cancel.status).to.equal(200);
      const owner = { pid: holder.pid, host: hostname(), started_at: "2026-12-06T14:00:00.000Z", nonce: "n" };
      await writeFile(join(state, batchId, "lock"), JSON.stringify(owner), { mode: 0o600 });
      // The submit's remaining file: the row Bitex refused, released already.
      const before = await readFile(join(dir, "payroll.remaining.csv"), "utf8");
      expect(before).to.equal(file([bad]));
      const released = () => readFile(join(state, batchId, "released.json"), "utf8");
      const releasedBefore = await released();

      const held = await run(["status", "payroll.csv", "--json"]);
      expect(held.code, held.stderr).to.equal(3);
      expect(JSON.parse(held.stdout).remaining).to.equal(null);
      expect(held.stderr).to.include(
        `the remaining file is not written: another run (pid ${holder.pid} on ${hostname()}, since 2026-12-06T14:00:00.000Z) holds this batch (a submit, quote or accept of it); run this status again once that run ends\n`,
      );
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(before);
      expect(await released()).to.equal(releasedBefore);

      // That run gone, the next status releases the draft's rows beside the cancelled request.
      holder.kill();
      await new Promise((done) => holder.once("exit", done));
      const free = await run(["status", "payroll.csv", "--json"]);
      expect(JSON.parse(free.stdout).remaining, free.stderr).to.deep.equal({
        file: "payroll.remaining.csv",
        rows: 3,
      });
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file([...good, bad]));
      expect(await readdir(join(state, batchId))).to.not.include("lock");
    } finally {
      holder.kill();
      await box.close();
    }
  });
});
