/**
 * Rows a batch released to its remaining file are never paid by that batch afterwards: the
 * remaining file pays them. And a draft's rows are never released while the draft exists
 * (whoever quotes and accepts it pays them, helper-114): beside an empty request Bitex
 * pruned, the draft is quoted with --allow-partial; beside a cancelled request holding rows,
 * its rows wait for the draft to be cancelled.
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
import { Api } from "../sandbox/helpers.js";

describe("a batch whose rows were released to its remaining file (a draft beside a cancelled request)", function () {
  this.timeout(120_000);

  it("a draft beside an empty request Bitex pruned: never released, quoted with --allow-partial and accepted once", async () => {
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
      expect((await new Api(box).post("/concierge_requests/2/cancel")).status).to.equal(200);

      // The draft's rows stay in it: only the refused row is in the remaining file.
      const status = await run(["status", "payroll.csv", "--json"]);
      expect(JSON.parse(status.stdout).remaining, status.stderr).to.deep.equal({
        file: "payroll.remaining.csv",
        rows: 1,
      });
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file([bad]));
      expect(status.stderr).to.include(
        "next: bitex-batch quote payroll.csv --allow-partial (quotes the other rows without them; they are in payroll.remaining.csv)\n",
      );
      // Without the flag, quote says the same: the empty request is what --allow-partial leaves out.
      const refused = await run(["quote", "payroll.csv", "--wait", "0"]);
      expect(refused.code, refused.stderr).to.equal(2);
      expect(refused.stderr).to.include(
        "bitex-batch: the batch cannot be quoted: request 2 is cancelled (no reason given), holding none of its rows: Bitex refused every one\n" +
          "  pass --allow-partial to leave the failed rows out of the quote (bitex-batch quote payroll.csv --allow-partial; they are in payroll.remaining.csv), or fix them first\n",
      );

      const accepted = await run([
        "submit",
        "payroll.csv",
        "--allow-partial",
        "--until",
        "accepted",
        "--max-total",
        "ARS=999999999",
      ]);
      expect(accepted.code, accepted.stderr).to.equal(0);
      expect(states()).to.deep.equal([
        ["1", "quote_accepted", 2],
        ["2", "cancelled", 0],
      ]);
      expect(box.state().stats.per_request).to.deep.equal({ "1": { request_quote: 1, accept_quote: 1 } });
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file([bad]));
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
      // Read as a draft (the cache), request 1 is the one to cancel: Bitex refuses to cancel it
      // (accepted), and no status releases its rows.
      expect(status.stderr).to.include(
        "next: cancel draft request(s) 1 at Bitex (the batch never quotes them beside cancelled request(s) 2, and while a draft exists whoever quotes and accepts it pays its rows; Bitex may also prune it, draft_was_pruned), then bitex-batch status payroll.csv writes payroll.remaining.csv with every row not paid\n",
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
      // Request 1, holding the two good rows, cancelled at Bitex: a status would release them.
      expect((await new Api(box).post("/concierge_requests/1/cancel")).status).to.equal(200);
      const owner = { pid: holder.pid, host: hostname(), started_at: "2026-12-06T14:00:00.000Z", nonce: "n" };
      await writeFile(join(state, batchId, "lock"), JSON.stringify(owner), { mode: 0o600 });
      // The submit's remaining file: the row Bitex refused, released already.
      const before = await readFile(join(dir, "payroll.remaining.csv"), "utf8");
      expect(before).to.equal(file([bad]));
      const released = () => readFile(join(state, batchId, "released.json"), "utf8");
      const releasedBefore = await released();

      const held = await run(["status", "payroll.csv", "--json"]);
      expect(held.code, held.stderr).to.equal(1);
      expect(JSON.parse(held.stdout).remaining).to.equal(null);
      expect(held.stderr).to.include(
        `the remaining file is not written: another run (pid ${holder.pid} on ${hostname()}, since 2026-12-06T14:00:00.000Z) holds this batch (a submit, quote or accept of it); run this status again once that run ends\n`,
      );
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(before);
      expect(await released()).to.equal(releasedBefore);

      // That run gone, the next status releases the cancelled request's rows.
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
