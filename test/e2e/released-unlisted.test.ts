/**
 * A listing that lags (a cache keeping an old list, a replica behind the server: Bitex's own
 * JSON:API code keeps lists for 10 minutes) may lack an output that is there. A row whose
 * output such a listing lacks is not a row "left out of a request that left draft": its
 * request, accepted, pays it. Released to the remaining file, it would be paid a second time
 * by that file's batch.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { type CliResult, runCli, tempDir } from "../helpers/cli.js";
import { readReport } from "../helpers/report.js";
import { type Rewrite, rewriteProxy } from "../helpers/rewrite-proxy.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

/** Drops output `id` from a listing's data and a read's included, as a list kept from before it landed. */
function withoutOutput(id: string) {
  const keep = (resource: unknown) => {
    const r = resource as { type?: string; id?: string };
    return !(r?.type === "concierge_request_outputs" && r.id === id);
  };
  return (document: unknown) => {
    const d = document as { data?: unknown; included?: unknown[] };
    if (typeof d !== "object" || d === null) return document;
    return {
      ...d,
      ...(Array.isArray(d.data) ? { data: d.data.filter(keep) } : {}),
      ...(d.included ? { included: d.included.filter(keep) } : {}),
    };
  };
}

/**
 * The demo payroll's rows `refs` in payroll.csv, and `run` of the CLI through a proxy whose
 * answers lack output `id` while `lagging.on` (as a list kept from before it landed).
 */
async function behindList(box: Sandbox, refs: string[], id: string, answer?: Rewrite["answer"]) {
  const lagging = { on: false };
  const drop = withoutOutput(id);
  const proxy = await rewriteProxy(box.url, {
    ...(answer ? { answer } : {}),
    body: (document) => (lagging.on ? drop(document) : document),
  });
  const dir = await tempDir();
  const { pick, file } = await demoRows();
  await writeFile(join(dir, "payroll.csv"), file(refs.map(pick)));
  const run = (args: string[]) =>
    runCli([...args, "--rate", "1000", "--tz", "UTC"], {
      cwd: dir,
      env: { ...apiEnv(box), BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "50" },
    });
  return { dir, run, proxy, lagging };
}

describe("a listing that lacks an output of an accepted request", function () {
  this.timeout(120_000);

  it("status releases none of its rows: no remaining file, the row stays the accepted request's", async () => {
    const box = await stoppedSandbox(await demoSeed());
    // One request: 112's ar_ars, two rows, quoted at once.
    const { dir, run, proxy, lagging } = await behindList(box, ["EMP-1001", "EMP-1003"], "2");
    try {
      const until = ["submit", "payroll.csv", "--until", "accepted", "--max-total", "ARS=999999999"];
      const paid = await run(until);
      expect(paid.code, paid.stderr).to.equal(0);
      const states = () =>
        box.state().requests.map((r) => [r.id, r.attributes.state, r.attributes.outputs_count]);
      expect(states()).to.deep.equal([["1", "quote_accepted", 2]]);

      lagging.on = true; // the listing answers as it was before output 2 landed
      const status = await run(["status", "payroll.csv", "--json"]);
      expect(status.code, status.stderr).to.equal(3);
      expect(JSON.parse(status.stdout).remaining, status.stderr).to.equal(null);
      const remaining = join(dir, "payroll.remaining.csv");
      const written = await readFile(remaining, "utf8").then(
        (text) => text,
        () => null,
      );
      expect(written).to.equal(null);
      const report = await readFile(join(dir, "payroll.report.csv"), "utf8");
      expect(report).to.include(
        `,pending,1,,,,44328.00,UYU,,,,not_listed,"Bitex's listing of request 1 shows 1 of its 2 output(s) and lacks output(s) 2 this batch created (an old list, as a cache keeps): this row's output may be there; run status again later",`,
      );

      // The list fresh again: both rows are the accepted request's; nothing to release.
      lagging.on = false;
      const fresh = await run(["status", "payroll.csv", "--json"]);
      expect(fresh.code, fresh.stderr).to.equal(3);
      expect(JSON.parse(fresh.stdout).remaining).to.equal(null);
      expect(JSON.parse(fresh.stdout).by_state).to.deep.equal({ accepting: 2 });
      expect(await readFile(remaining, "utf8").catch(() => null)).to.equal(null);
      // One output per row, in the one request accepted.
      expect(states()).to.deep.equal([["1", "quote_accepted", 2]]);
    } finally {
      await proxy.close();
      await box.close();
    }
  });

  it("of a finished request: the row is said created and unlisted, never 'not created', and --watch waits for the list", async () => {
    // A server that does not include a request's outputs in its answer: every read lists them.
    const box = await startSandbox({
      port: 0,
      seed: await demoSeed(),
      faults: { rate_limit: 0, includes: "refused" },
      timeScale: 0,
    });
    // Three rows of one request; EMP-1010's payee is rejected, so the outputs end in two states.
    const { run, proxy, lagging } = await behindList(box, ["EMP-1001", "EMP-1003", "EMP-1010"], "2");
    try {
      const until = ["submit", "payroll.csv", "--until", "accepted", "--max-total", "ARS=999999999"];
      expect((await run(until)).code).to.equal(0);
      box.advance({ until: "final" });
      expect(box.state().requests.map((r) => [r.id, r.attributes.state])).to.deep.equal([["1", "finished"]]);

      lagging.on = true;
      // --watch waits for the list to show the row (here until its timeout), never stops at once.
      const started = Date.now();
      const watch = await run(["status", "payroll.csv", "--watch", "--timeout", "3", "--interval", "1"]);
      expect(watch.code, watch.stderr).to.equal(3);
      expect(Date.now() - started).to.be.at.least(3000);
      expect(watch.stderr).to.not.match(/not created/);
      expect(watch.stderr).to.include("bitex-batch: 1 row(s) are not in a final state yet");
      const json = await run(["status", "payroll.csv", "--json"]);
      expect(json.code, json.stderr).to.equal(3);
      const summary = JSON.parse(json.stdout);
      expect([summary.stage, summary.by_state, summary.remaining]).to.deep.equal([
        "accepted",
        { not_listed: 1, rejected: 1, settled: 1 },
        { file: "payroll.remaining.csv", rows: 1 },
      ]);
      const words = await run(["status", "payroll.csv"]);
      expect(words.code, words.stderr).to.equal(3);
      expect(words.stdout).to.match(
        /^3 row\(s\): 1 created, not in Bitex's listing yet \(not_listed\), 1 payee rejected by Bitex \(rejected\), 1 paid \(settled\)$/m,
      );
      expect(words.stdout + words.stderr).to.not.match(/not created|NOT PAID|PARTLY ACCEPTED/);
    } finally {
      await proxy.close();
      await box.close();
    }
  });

  it("beside a row never created: only the row the journal holds as created is said created", async () => {
    const box = await stoppedSandbox(await demoSeed());
    let creates = 0;
    // The second create never reaches Bitex: a gateway answers 503 for it, every time.
    const { dir, run, proxy, lagging } = await behindList(
      box,
      ["EMP-1001", "EMP-1003"],
      "1",
      (method, path) =>
        method === "POST" && path === "/api/concierge_request_outputs" && ++creates >= 2
          ? { status: 503, contentType: "text/html", body: "<html>busy</html>" }
          : null,
    );
    try {
      expect((await run(["submit", "payroll.csv"])).code).to.equal(3);
      expect(box.state().outputs.map((output) => output.id)).to.deep.equal(["1"]);
      lagging.on = true;
      const json = await run(["status", "payroll.csv", "--json"]);
      expect(json.code, json.stderr).to.equal(3);
      const summary = JSON.parse(json.stdout);
      expect([summary.stage, summary.by_state]).to.deep.equal(["staged", { not_listed: 1, pending: 1 }]);
      const words = await run(["status", "payroll.csv"]);
      expect(words.stdout).to.match(
        /^2 row\(s\): 1 created, not in Bitex's listing yet \(not_listed\), 1 not created yet \(pending\)$/m,
      );
      expect(words.stderr).to.include(
        "STAGED, NOT PAID: 1 row(s) created in draft requests; nobody is paid until the quotes are requested and accepted",
      );
      const report = await readFile(join(dir, "payroll.report.csv"), "utf8");
      expect(report).to.include(
        `3,EMP-1003,112,ar_ars,302,uy_uyu,44328.00,,UYU,2102,pending,1,,,,44328.00,UYU,,,,listing_behind,"Bitex's listing of request 1 shows 0 of its 1 output(s) and lacks output(s) 1 this batch created (an old list, as a cache keeps): whether this row's output is there cannot be told yet; run status again later",`,
      );
    } finally {
      await proxy.close();
      await box.close();
    }
  });
});

/**
 * 318 is paid, 309 is a payee Bitex rejects (one request, ARS), 319's payout comes back (USD),
 * behind a proxy that keeps every listing of outputs from its first answer while `caching.on`
 * (a cache), on the emulator's stopped clock.
 */
async function cachedWorld() {
  const box = await stoppedSandbox(await demoSeed());
  const caching = { on: false };
  const proxy = await rewriteProxy(box.url, {
    cacheKey: (url) =>
      caching.on && (url.pathname.endsWith("/concierge_request_outputs") || url.search.includes("include"))
        ? `${url.pathname}${url.search}`
        : null,
  });
  const dir = await tempDir();
  await writeFile(
    join(dir, "h.csv"),
    [
      "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id",
      "H1,112,ar_ars,318,cl_clp,1000,,2118",
      "H2,112,ar_ars,309,py_pyg,3000,,2109",
      "H3,112,us_usd,319,mx_mxn,50.00,,2119",
      "",
    ].join("\n"),
  );
  const run = (args: string[]) =>
    runCli([...args, "--rate", "1000", "--tz", "UTC"], {
      cwd: dir,
      env: { ...apiEnv(box), BITEX_API_URL: proxy.url },
    });
  return { box, proxy, caching, dir, run };
}

async function acceptAll(run: (args: string[]) => Promise<CliResult>): Promise<void> {
  const accepted = await run([
    "submit",
    "h.csv",
    "--until",
    "accepted",
    "--max-total",
    "ARS=1000000",
    "--max-total",
    "USD=1000",
  ]);
  expect(accepted.code, accepted.stderr).to.equal(0);
}

describe("a listing that shows outputs in states their request no longer counts (a cache)", function () {
  this.timeout(120_000);

  it("status tells no state of those rows, and charges none of them; export writes nothing, exit 3; both right once the list agrees", async () => {
    const { box, proxy, caching, dir, run } = await cachedWorld();
    try {
      await acceptAll(run);
      caching.on = true;
      const first = await run(["status", "h.csv"]);
      expect(first.code, first.stderr).to.equal(3);
      box.advance({ minutes: 5 });
      const status = await run(["status", "h.csv", "--json"]);
      expect(status.code, status.stderr).to.equal(3);
      expect(status.stderr).to.include(
        "request 1 (payer 112, ar_ars, 2 row(s)): finished, spends 1\u202f247.77 ARS; Bitex's listing of its outputs is older than it (listed 2 accepting; counted 1 rejected, 1 settled): their states are not told until a listing agrees, run status again later\n",
      );
      // Request 2's counters put its one output in one state: that is the row's, listed or not.
      expect(status.stderr).to.include(
        "3 row(s): 2 created, state not read yet (created), 1 paid out, then returned (returned)\n",
      );
      expect(status.stderr).to.not.match(/money ARS/);
      const summary = JSON.parse(status.stdout);
      expect(summary.by_state).to.deep.equal({ created: 2, returned: 1 });
      expect(summary.money.map((m: { currency: string }) => m.currency)).to.deep.equal([
        "CLP",
        "MXN",
        "PYG",
        "USD",
      ]);
      const cells = async () =>
        (await readReport(join(dir, "h.report.csv"))).map((row) => [
          row.reference,
          row.status,
          row.state,
          row.error_code,
          row.charged_amount,
          row.refunded_amount,
        ]);
      expect(await cells()).to.deep.equal([
        ["H1", "pending", "", "states_behind", "", ""],
        ["H2", "pending", "", "states_behind", "", ""],
        ["H3", "created", "returned", "payout_returned", "2.78", "2.78"],
      ]);
      const month = new Date(box.state().clock.now).toISOString().slice(0, 7);
      const exportArgs = ["export", "--month", month, "--report", "export.csv"];
      const exported = await run(exportArgs);
      expect(exported.code, exported.stderr).to.equal(3);
      expect(exported.stderr).to.include(
        "bitex-batch: the outputs read of request(s) 1 (listed 2 accepting; counted 1 rejected, 1 settled), 2 (listed 1 accepting; counted 1 returned) are in other states than the request counts: an answer older than the server (a cache), or outputs that moved while read; nothing was exported\n",
      );
      expect(await readFile(join(dir, "export.csv"), "utf8").catch(() => "none")).to.equal("none");

      caching.on = false; // the cache has let go of its lists
      const fresh = await run(["status", "h.csv"]);
      expect(fresh.code, fresh.stderr).to.equal(1);
      expect(await cells()).to.deep.equal([
        ["H1", "created", "settled", "", "1247.77", ""],
        ["H2", "created", "rejected", "payee_rejected", "0.00", ""],
        ["H3", "created", "returned", "payout_returned", "2.78", "2.78"],
      ]);
      expect((await run(exportArgs)).code).to.equal(0);
    } finally {
      await proxy.close();
      await box.close();
    }
  });

  it("status --watch lists a finished request found behind again each round, and ends once the cache lets go (helper-95)", async () => {
    const { box, proxy, caching, dir, run } = await cachedWorld();
    try {
      await acceptAll(run);
      caching.on = true;
      await run(["status", "h.csv"]); // the cache keeps this listing: every row accepting
      box.advance({ minutes: 5 }); // H1 settled, H2 rejected, H3 returned: every request finished
      const watching = run(["status", "h.csv", "--watch", "--interval", "1", "--timeout", "20"]);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      caching.on = false;
      const watched = await watching;
      // Final, not "not in a final state yet" after the whole --timeout.
      expect(watched.code, watched.stderr).to.equal(1);
      expect(watched.stderr).to.include(
        "rows: 2 created, state not read yet (created), 1 paid out, then returned (returned)\nrows: 1 payee rejected by Bitex (rejected), 1 paid out, then returned (returned), 1 paid (settled)\n",
      );
      expect((await readReport(join(dir, "h.report.csv"))).map((row) => row.state)).to.deep.equal([
        "settled",
        "rejected",
        "returned",
      ]);
    } finally {
      await proxy.close();
      await box.close();
    }
  });

  it("a request still paying whose listing is behind: its rows stay untold at every refresh, never told in the old list's states (helper-95)", async () => {
    const { box, proxy, caching, run } = await cachedWorld();
    try {
      await acceptAll(run);
      caching.on = true;
      await run(["status", "h.csv"]); // cached: every row accepting
      box.advance({ minutes: 15 / 60 }); // H2 rejected, the others on their way: requests working
      const watched = await run([
        "status",
        "h.csv",
        "--watch",
        "--interval",
        "1",
        "--timeout",
        "4",
        "--json",
      ]);
      expect(watched.code, watched.stderr).to.equal(3);
      expect(watched.stderr).to.not.include("payee being checked by Bitex (accepting)");
      expect(JSON.parse(watched.stdout).by_state.accepting).to.equal(undefined);
    } finally {
      await proxy.close();
      await box.close();
    }
  });

  it("export of a request whose outputs move between their listing and its second read lists them once more, and writes (helper-95)", async () => {
    const box = await stoppedSandbox(await demoSeed());
    // No cache: one payout step lands right after the outputs are read (?include=outputs),
    // before the request is read again.
    const arm = { on: false, listed: false };
    const proxy = await rewriteProxy(box.url, {
      answer: (method, path) => {
        if (arm.on && method === "GET" && /concierge_requests\/\d+$/.test(path)) {
          if (arm.listed) {
            box.advance({ minutes: 10 / 60 });
            arm.on = false;
          } else arm.listed = true;
        }
        return null;
      },
    });
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    await writeFile(join(dir, "h.csv"), file([pick("EMP-1001"), pick("EMP-1003")]));
    const run = (args: string[]) =>
      runCli([...args, "--rate", "1000", "--tz", "UTC"], {
        cwd: dir,
        env: { ...apiEnv(box), BITEX_API_URL: proxy.url },
      });
    try {
      const accepted = await run(["submit", "h.csv", "--until", "accepted", "--max-total", "ARS=99999999"]);
      expect(accepted.code, accepted.stderr).to.equal(0);
      box.advance({ minutes: 15 / 60 });
      arm.on = true;
      const month = new Date(box.state().clock.now).toISOString().slice(0, 7);
      const exported = await run(["export", "--month", month, "--report", "e.csv"]);
      expect(arm.on, "the step landed between the reads").to.equal(false);
      expect(exported.code, exported.stderr).to.equal(0);
      const rows = await readReport(join(dir, "e.csv"));
      const states = box.state().outputs.map((output) => output.attributes.state);
      expect(rows.map((row) => row.state)).to.deep.equal(states);
    } finally {
      await proxy.close();
      await box.close();
    }
  });
});
