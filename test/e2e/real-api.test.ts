/**
 * The whole cycle against the emulator in every paging convention the evidence allows, and
 * through proxies that change what passes the way a real deployment can: validate --online,
 * submit, the quote gate, accept, status and export end with identical reports, with an exact
 * number of calls per convention. The emulator's clock is stopped (quotes for these ports are
 * due at once) and moved by the test, so every count is the same on every run.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { type Faults, type Sandbox, type Seed, startSandbox } from "../../src/sandbox/index.js";
import { MAX_PAGE_SIZE } from "../../src/wire/resources.js";
import { type CliResult, runCli, spawnCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { withoutTimestamps } from "../helpers/report.js";
import {
  everyResource,
  paginationAs,
  type Rewrite,
  renamed,
  rewriteProxy,
} from "../helpers/rewrite-proxy.js";
import { DEMO_CSV, demoSeed } from "../helpers/sandbox.js";

/** The demo payroll without its US dollar rows, whose quote takes 30 minutes: 32 rows, 2 requests. */
async function payroll(): Promise<string> {
  const lines = (await readFile(DEMO_CSV, "utf8")).split("\n");
  return lines.filter((line) => !line.includes(",us_usd,")).join("\n");
}

interface Mode {
  name: string;
  faults: Partial<Faults>;
  proxy?: Rewrite;
  /** Calls of: validate --online, submit, quote, accept, status, export. */
  calls: number[];
  /** Exit codes of the same, when not [0, 0, 0, 0, 1, 0]. */
  codes?: number[];
}

interface Outcome {
  codes: number[];
  calls: number[];
  report: string;
  export: string;
  stderr: string;
}

/** The export with its server times blanked: each emulator runs on its own clock. */
function exportWithoutTimes(text: string): string {
  return text
    .split("\n")
    .map((line) => line.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, "<time>"))
    .join("\n");
}

async function cycle(mode: Mode, seed: Seed): Promise<Outcome> {
  const start = new Date();
  const box: Sandbox = await startSandbox({
    port: 0,
    seed,
    timeScale: 0,
    startTime: start,
    faults: { rate_limit: 0, ...mode.faults },
  });
  const proxy = mode.proxy ? await rewriteProxy(box.url, mode.proxy) : null;
  try {
    const dir = await tempDir();
    await writeFile(join(dir, "payroll.csv"), await payroll());
    const env = { BITEX_API_KEY: box.apiKey, BITEX_API_URL: proxy?.url ?? box.url };
    const codes: number[] = [];
    const calls: number[] = [];
    let stderr = "";
    const run = async (args: string[]) => {
      const before = box.state().stats.calls;
      const paced = ["validate", "export"].includes(args[0] as string)
        ? ["--rate", "1000"]
        : ["--concurrency", "1", "--rate", "1000"];
      const result = await runCli([...args, "--state-dir", "state", ...paced], { cwd: dir, env });
      codes.push(result.code ?? -1);
      calls.push(box.state().stats.calls - before);
      stderr += result.stderr;
      return result;
    };
    await run(["validate", "payroll.csv", "--online"]);
    await run(["submit", "payroll.csv"]);
    await run(["quote", "payroll.csv", "--wait", "0"]);
    await run(["accept", "payroll.csv", ...maxTotals(box)]);
    box.advance({ until: "final" });
    await run(["status", "payroll.csv"]);
    const month = start.toISOString().slice(0, 7);
    await run(["export", "--month", month, "--report", "export.csv"]);
    const report = withoutTimestamps(await readFile(join(dir, "payroll.report.csv"), "utf8"));
    const exported = exportWithoutTimes(await readFile(join(dir, "export.csv"), "utf8").catch(() => ""));
    return { codes, calls, report, export: exported, stderr };
  } finally {
    await proxy?.close();
    await box.close();
  }
}

/*
 * Calls: rich lists end on their only page (meta and links). Lists with only `data` end at an
 * empty page: ceil(n / size) + 1 calls a list, where the size is the emulator's (10 by default,
 * Bitex's page[per_page] default; or the cap) and the client asks for 500; the outputs of a
 * request that left draft end at the page that completes the ids its `outputs` relationship
 * names: ceil(n / size) calls (one call for a server that ignores paging). validate --online
 * reads the ports (11), the users and the withdrawal instructions of the demo world; submit
 * counts each request's outputs once its creates are in; quote reads each of the 2 requests
 * alone for the gate (its `outputs` relationship and counters prove the journaled outputs),
 * asks its quote, reads it again once quoted, and reads its outputs (20 and 12) once, for
 * the report, without reading the request a third time (nothing waited for since); accept
 * reads each request for the gate, once more right before accepting it (the fresh-figure
 * guard), accepts (the answer, the request accepted, is its read after accepting) and reads
 * its outputs; status reads each request and its outputs; the export reads the list of
 * requests, then each one's outputs.
 *
 * Reading a request's outputs is one call, the request read with `?include=outputs`, where the
 * server includes them (the emulator's default); a server that does not ("ignored", the modes
 * below that list) is asked once by each command that reads outputs, which then lists them,
 * with no relationship at hand in the export: empty pages.
 */
const ignored = { includes: "ignored" } as const;
const modes: Mode[] = [
  {
    name: "rich lists (meta and links)",
    faults: { list_style: "rich", ...ignored },
    calls: [3, 40, 9, 9, 5, 4],
  },
  {
    name: "recorded lists, page[page]/page[per_page], 10 a page (the default)",
    faults: ignored,
    calls: [15, 42, 11, 11, 7, 9],
  },
  { name: "recorded lists, 3 a page", faults: { page_cap: 3, ...ignored }, calls: [40, 42, 18, 18, 14, 16] },
  { name: "recorded lists, 25 a page", faults: { page_cap: 25, ...ignored }, calls: [8, 42, 9, 9, 5, 7] },
  {
    name: "bare lists by page[number] only",
    faults: { list_style: "bare", ...ignored },
    calls: [8, 42, 9, 9, 5, 7],
  },
  {
    name: "a proxy that drops page[number] (recorded lists)",
    faults: ignored,
    proxy: { dropParams: ["page[number]"] },
    calls: [15, 42, 11, 11, 7, 9],
  },
  {
    // Each list is read twice (page 2 repeats page 1, which held fewer than the 500 asked) and
    // then taken by what proves it: the ports, users and instructions a payroll names are all
    // there; a request's outputs are as many as its relationship names (a quoted request's:
    // its first page holds every one, so no second is asked); the lookups by external_id and
    // the export's list of requests hold fewer than Bitex's default page (10).
    name: "a server that ignores every paging parameter (the whole list on each call)",
    faults: { list_style: "unpaged", ...ignored },
    calls: [6, 42, 9, 9, 5, 9],
  },
  {
    // JSON:API 1.0 writes a link as a URL or as a link object: each next page is followed by
    // its href (the proxy makes the emulator's rich pages 10 long, each link relative, no meta).
    // validate --online reads 11 ports, 50 users and 50 instructions in 2 + 5 + 5 pages; a last
    // page's next is null: no empty page. The same counts in the mode after it, which ends a
    // list when its pages hold total_items.
    name: "lists of 10 a page with links only, every link a link object ({href})",
    faults: { list_style: "rich", ...ignored },
    proxy: {
      setParams: { "page[size]": "10" },
      body: paginationAs(({ links }) => ({
        links: Object.fromEntries(
          Object.entries(links).map(([name, link]) => {
            if (typeof link !== "string") return [name, link];
            const url = new URL(link);
            return [name, { href: url.pathname + url.search }];
          }),
        ),
      })),
    },
    calls: [12, 40, 11, 11, 7, 6],
  },
  {
    // Bitex's JSON:API code answers meta.total_pages = ceil(total_items / the page size asked)
    // and no links; here its pages are cut at 10 where the client asks for 500.
    name: "pages cut at 10, meta counting total_pages by the size asked (Bitex's JSON:API code)",
    faults: { list_style: "rich", ...ignored },
    proxy: {
      setParams: { "page[size]": "10" },
      body: paginationAs(({ meta }) => {
        const total = Number(meta.total_items);
        return { meta: { total_pages: Math.ceil(total / MAX_PAGE_SIZE), total_items: total } };
      }),
    },
    calls: [12, 40, 11, 11, 7, 6],
  },
  {
    // JSON:API's answer to a parameter a server cannot honour: the first read of outputs of
    // each command costs that refused call, then it lists, as above.
    name: "recorded lists, include=outputs refused (400)",
    faults: { includes: "refused" },
    calls: [15, 42, 11, 11, 7, 9],
  },
  // A request's outputs included in its answer: one call each, at any page size.
  { name: "recorded lists, 10 a page, outputs included", faults: {}, calls: [15, 42, 8, 8, 4, 4] },
  {
    name: "recorded lists, 3 a page, outputs included",
    faults: { page_cap: 3 },
    calls: [40, 42, 8, 8, 4, 4],
  },
  { name: "rich lists, outputs included", faults: { list_style: "rich" }, calls: [3, 40, 8, 8, 4, 3] },
  {
    name: "a server that ignores every paging parameter, outputs included",
    faults: { list_style: "unpaged" },
    calls: [6, 42, 8, 8, 4, 4],
  },
];

describe("the cycle in every paging convention and shape Bitex may use", function () {
  this.timeout(300_000);
  let reference: Outcome | undefined;

  for (const mode of modes) {
    it(`${mode.name}: the same reports, exit codes and call counts`, async () => {
      const outcome = await cycle(mode, await demoSeed());
      reference ??= outcome;
      expect(outcome.codes, outcome.stderr).to.deep.equal(mode.codes ?? [0, 0, 0, 0, 1, 0]);
      expect(outcome.report).to.equal(reference.report);
      expect(outcome.export).to.equal(reference.export);
      expect(outcome.calls).to.deep.equal(mode.calls);
    });
  }
});

/*
 * Bitex's older version (what answers when `Version` is not honoured: the 2019 guide's request,
 * `outputs_total` and `cancellable_until`) accepts a quote by itself unless the request is
 * cancelled before `cancellable_until` ("the quote will be considered accepted"): asking for
 * one there would move money with no accept and no --max-total. Creating drafts moves none.
 */
describe("an answer in Bitex's older version: no quote is asked", function () {
  this.timeout(120_000);
  const olderShapes: Array<{ name: string; proxy: Rewrite }> = [
    { name: "no Version header (a proxy drops it)", proxy: { dropHeaders: ["version"] } },
    {
      name: "outputs_total in place of outputs_count",
      proxy: { body: everyResource("concierge_requests", renamed("outputs_count", "outputs_total")) },
    },
  ];
  for (const shape of olderShapes) {
    it(`${shape.name}: submit creates the drafts, quote and submit --until quoted exit 2 asking nothing`, async () => {
      const w = await world();
      const proxy = await rewriteProxy(w.box.url, shape.proxy);
      try {
        expect((await w.run(["submit", "payroll.csv"], proxy.url)).code).to.equal(0);
        const quote = await w.run(["quote", "payroll.csv", "--wait", "0"], proxy.url);
        expect(quote.code, quote.stderr).to.equal(2);
        expect(quote.stderr).to.include(
          "bitex-batch: the batch cannot be quoted: request 1 is answered in Bitex's older API version (outputs_total, cancellable_until: Version 2.0 not honoured); a quote asked there is accepted by itself unless cancelled in time, with no accept nor --max-total before the money; request 2 is answered",
        );
        expect(quote.stderr).to.include(
          "nothing was quoted: find what answers without Version 2.0 (a proxy or gateway that drops the Version header, or an old deployment) and ask Bitex",
        );
        const until = await w.run(["submit", "payroll.csv", "--until", "quoted"], proxy.url);
        expect(until.code, until.stderr).to.equal(2);
        const state = w.box.state();
        expect(
          state.requests.map((r) => [r.id, r.attributes.state, r.attributes.outputs_count]),
        ).to.deep.equal([
          ["1", "draft", 24],
          ["2", "draft", 8],
        ]);
        expect(state.outputs.every((o) => o.attributes.state === "accepting")).to.equal(true);
      } finally {
        await proxy.close();
        await w.box.close();
      }
    });
  }
});

interface World {
  box: Sandbox;
  dir: string;
  run(args: string[], url?: string): ReturnType<typeof runCli>;
}

async function world(faults: Partial<Faults> = {}, startTime = new Date()): Promise<World> {
  const box = await startSandbox({
    port: 0,
    seed: await demoSeed(),
    timeScale: 0,
    startTime,
    faults: { rate_limit: 0, ...faults },
  });
  const dir = await tempDir();
  await writeFile(join(dir, "payroll.csv"), await payroll());
  const run = (args: string[], url = box.url) => {
    const paced = ["validate", "export"].includes(args[0] as string)
      ? ["--rate", "1000"]
      : ["--concurrency", "1", "--rate", "1000"];
    return runCli([...args, "--state-dir", "state", ...paced], {
      cwd: dir,
      env: { BITEX_API_KEY: box.apiKey, BITEX_API_URL: url },
    });
  };
  return { box, dir, run };
}

/**
 * `args` run as a process of its own, every answer 2 s late, and SIGINT once every request
 * reads `landed` at the emulator: the steps landed, the signal comes while they are answered.
 */
async function interrupted(w: World, args: string[], landed: (state: string) => boolean): Promise<CliResult> {
  w.box.setFaults({ latency_ms: 2000 });
  const { child, done } = spawnCli([...args, "--state-dir", "state", "--rate", "1000"], {
    cwd: w.dir,
    env: { BITEX_API_KEY: w.box.apiKey, BITEX_API_URL: w.box.url },
  });
  const all = () => w.box.state().requests.every((r) => landed(r.attributes.state));
  for (let tries = 0; !all() && tries < 400; tries++) await new Promise((r) => setTimeout(r, 50));
  expect(all()).to.equal(true);
  child.kill("SIGINT");
  const result = await done;
  w.box.setFaults({ latency_ms: 0 });
  return result;
}

/** submit, quote, accept within the quotes, and the emulator moved until every output is final. */
async function paid(w: World, url = w.box.url): Promise<void> {
  expect((await w.run(["submit", "payroll.csv"], url)).code).to.equal(0);
  expect((await w.run(["quote", "payroll.csv", "--wait", "0"], url)).code).to.equal(0);
  expect((await w.run(["accept", "payroll.csv", ...maxTotals(w.box)], url)).code).to.equal(0);
  w.box.advance({ until: "final" });
}

/** The export's rows as objects, by header. */
async function exportRows(path: string): Promise<Record<string, string>[]> {
  const [header, ...lines] = (await readFile(path, "utf8")).trim().split("\n");
  const names = (header as string).split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((cell, i) => [names[i], cell])));
}

describe("the real Bitex's other differences: no created_at, edge blocks, a skewed clock, no paging", function () {
  this.timeout(120_000);
  let w: World | undefined;
  afterEach(async () => {
    await w?.box.close();
    w = undefined;
  });

  it("export with created_at stripped by a proxy: placed by quote_requested_at, else the journal, else unplaced; exit 0", async () => {
    w = await world();
    // One proxy for the whole run (the journal belongs to the API URL it was written against),
    // stripping attributes only for the exports.
    const rewrite: Rewrite = {};
    const proxy = await rewriteProxy(w.box.url, rewrite);
    await paid(w, proxy.url);
    const month = new Date().toISOString().slice(0, 7);
    const server = new Map(w.box.state().requests.map((r) => [r.id, r.attributes]));
    const cases: Array<[string[], string, boolean]> = [
      [["created_at"], "quote_requested_at", true],
      [["created_at", "quote_requested_at"], "journal", true],
      [["created_at", "quote_requested_at"], "unplaced", false],
    ];
    for (const [stripped, placedBy, journal] of cases) {
      const strip = (attributes: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(attributes).filter(([name]) => !stripped.includes(name)));
      rewrite.body = everyResource("concierge_requests", strip);
      try {
        const args = ["export", "--month", month, "--report", "export.csv", "--tz", "UTC"];
        // Without the journal: the state directory of another machine (none).
        const result = await w.run(journal ? args : [...args, "--state-dir", "elsewhere"], proxy.url);
        expect(result.code, result.stderr).to.equal(0);
        expect(result.stderr).to.not.match(/later/);
        const rows = await exportRows(join(w.dir, "export.csv"));
        expect(rows).to.have.length(32);
        expect(new Set(rows.map((row) => row.request_placed_by))).to.deep.equal(new Set([placedBy]));
        for (const row of rows) {
          const attributes = server.get(row.request_id as string);
          const at = row.request_created_at as string;
          if (placedBy === "quote_requested_at")
            // The export shows whole seconds.
            expect(Date.parse(at)).to.equal(
              Math.floor(Date.parse(String(attributes?.quote_requested_at)) / 1000) * 1000,
            );
          else if (placedBy === "journal") expect(at).to.match(/^\d{4}-\d\d-\d\dT/);
          else expect(at).to.equal("");
        }
        if (placedBy === "unplaced")
          expect(result.stdout + result.stderr).to.match(/2 requests with no time in any evidence/);
      } finally {
        rewrite.body = undefined;
      }
    }
    await proxy.close();
  });

  it("an HTML 403 page from Bitex's edge: blocked, not a key problem, exit 3 with what to do", async () => {
    w = await world();
    const page =
      "<!DOCTYPE html><html><title>Attention Required! | Cloudflare</title><body>blocked</body></html>";
    const proxy = await rewriteProxy(w.box.url, {
      answer: () => ({ status: 403, contentType: "text/html; charset=UTF-8", body: page }),
    });
    try {
      for (const args of [
        ["validate", "payroll.csv", "--online"],
        ["submit", "payroll.csv"],
      ]) {
        const result = await w.run(args, proxy.url);
        expect(result.code, `${args[0]}: ${result.stderr}`).to.equal(3);
        expect(result.stderr).to.include(
          "blocked by Bitex's edge (403, a HTML page, not the API's answer; not a key problem)",
        );
        expect(result.stderr).to.include("lower --rate");
        expect(result.stderr).to.include("developers@bitex.la");
        expect(result.stderr).to.not.include("BITEX_API_KEY");
      }
      // Never retried: no call was made twice.
      expect(proxy.calls.length).to.be.greaterThan(1);
      expect(new Set(proxy.calls).size).to.equal(proxy.calls.length);
      expect(w.box.state().stats.calls).to.equal(0);
    } finally {
      await proxy.close();
    }
  });

  it("a 429 in plain text between the accepts (Rack::Attack's stock answer): waited for and sent again, every request accepted once (helper-113)", async () => {
    w = await world();
    let limited = 0;
    const proxy = await rewriteProxy(w.box.url, {
      answer: (method, path) =>
        method === "POST" && /\/concierge_requests\/2\/accept_quote$/.test(path) && limited++ === 0
          ? { status: 429, contentType: "text/plain", body: "Retry later\n" }
          : null,
    });
    try {
      expect((await w.run(["submit", "payroll.csv"], proxy.url)).code).to.equal(0);
      expect((await w.run(["quote", "payroll.csv", "--wait", "0"], proxy.url)).code).to.equal(0);
      const accepted = await w.run(["accept", "payroll.csv", ...maxTotals(w.box)], proxy.url);
      expect(accepted.code, accepted.stderr).to.equal(0);
      expect(accepted.stderr).to.include("rate limit hit (429)");
      expect(accepted.stderr + accepted.stdout).to.not.match(/edge|UNCLEAR|PARTLY/);
      expect(limited).to.equal(2);
      const accepts = Object.values(w.box.state().stats.per_request).map((r) => r.accept_quote);
      expect(accepts).to.deep.equal(accepts.map(() => 1));
      expect(w.box.state().requests.map((r) => r.attributes.state)).to.deep.equal(
        accepts.map(() => "quote_accepted"),
      );
    } finally {
      await proxy.close();
    }
  });

  it("a create answered with another amount than sent (UYU 49265.75 held as 49266): said at once, and the request is never quoted (helper-113)", async () => {
    w = await world();
    const proxy = await rewriteProxy(w.box.url, {
      body: (document) => {
        const d = document as { data?: { type?: string; attributes?: Record<string, unknown> } };
        const data = d.data;
        if (Array.isArray(data) || data?.type !== "concierge_request_outputs" || !data.attributes)
          return document;
        if (String(data.attributes.amount) !== "49265.75") return document;
        return { ...d, data: { ...data, attributes: { ...data.attributes, amount: "49266.0" } } };
      },
    });
    try {
      const submitted = await w.run(["submit", "payroll.csv"], proxy.url);
      expect(submitted.code, submitted.stderr).to.equal(0);
      const output = w.box.state().outputs.find((o) => Number(o.attributes.amount) === 49265.75);
      const request = output?.relationships?.request?.data?.id;
      const other = w.box.state().requests.find((r) => r.id !== request)?.id;
      expect(submitted.stdout).to.include(
        `next: cancel request(s) ${request} at Bitex (they hold outputs not as this batch sent them; nothing is paid from a request not quoted), and with them draft request(s) ${other} (a batch with a cancelled request is never quoted, and whoever quotes a draft pays its rows), then bitex-batch status payroll.csv writes payroll.remaining.csv with their rows (README: "A request with extra outputs")\n`,
      );
      expect(submitted.stderr).to.include(
        `line 7: Bitex holds output ${output?.id} with amount 49266.0 where the row says 49265.75: request ${request} is not quoted\n`,
      );
      const quoted = await w.run(["quote", "payroll.csv", "--wait", "0"], proxy.url);
      expect(quoted.code, quoted.stderr).to.equal(2);
      expect(quoted.stderr).to.include(
        `request ${request} holds 1 output(s) not as this batch sent them: ${output?.id} (line 7: amount 49266.0 where the row says 49265.75)`,
      );
      expect(w.box.state().stats.per_request).to.deep.equal({});
      // status says the same way out, never a quote.
      const status = await w.run(["status", "payroll.csv"], proxy.url);
      expect(status.stdout + status.stderr).to.include(`next: cancel request(s) ${request} at Bitex`);
    } finally {
      await proxy.close();
    }
  });

  for (const skew of [-20, 20]) {
    it(`the server's clock ${Math.abs(skew)} min ${skew < 0 ? "behind" : "ahead of"} this machine's: countdowns and the accept guard by the server's`, async () => {
      w = await world({}, new Date(Date.now() + skew * 60_000));
      expect((await w.run(["submit", "payroll.csv"])).code).to.equal(0);
      const quote = await w.run(["quote", "payroll.csv", "--wait", "0"]);
      expect(quote.code, quote.stderr).to.equal(0);
      // The accept window is 10 minutes of the server's time, whatever this machine's clock says.
      expect(quote.stdout).to.match(
        /^request 1 \(.*\): quoted, spends .*; accept before .* \(in (9|10) min\)$/m,
      );
      const named = `this machine's clock is 20 min ${skew < 0 ? "ahead of" : "behind"} the server's; deadlines and countdowns are judged by the server's clock`;
      expect(quote.stderr.split(named)).to.have.length(2); // once
      // By this machine's clock the quote expired 10 minutes ago when the server is behind: not refused.
      const accept = await w.run(["accept", "payroll.csv", ...maxTotals(w.box)]);
      expect(accept.code, accept.stderr).to.equal(0);
      expect(accept.stderr).to.not.match(/expired/);
    });
  }

  it("SIGINT once the quotes were asked, before their answers: the requests said as Bitex answered, never draft (helper-109)", async () => {
    w = await world();
    expect((await w.run(["submit", "payroll.csv"])).code).to.equal(0);
    const quote = await interrupted(w, ["quote", "payroll.csv"], (state) => state !== "draft");
    expect(quote.code, quote.stderr).to.equal(3);
    const said = quote.stdout + quote.stderr;
    expect(said).to.not.match(/: draft$|in draft requests/m);
    expect(said).to.match(/^request 1 \(payer .*\): quote_requested$/m);
    expect(quote.stderr).to.include("the quote of request(s) 1, 2 is requested, not in yet");
  });

  it("SIGINT once the accepts landed, before their answers: no report of blank figures over the quote's, exit 3 (helper-109)", async () => {
    w = await world();
    expect((await w.run(["submit", "payroll.csv", "--until", "quoted"])).code).to.equal(0);
    const report = join(w.dir, "payroll.report.csv");
    const quoted = await readFile(report, "utf8");
    const accept = await interrupted(
      w,
      ["accept", "payroll.csv", ...maxTotals(w.box)],
      (state) => state === "quote_accepted",
    );
    expect(accept.code, accept.stderr).to.equal(3);
    expect(accept.stderr).to.include(
      "bitex-batch: payroll.report.csv not written: the rows' figures could not be read (",
    );
    // The quote's report stands, every figure in it, and no money is said without them.
    expect(await readFile(report, "utf8")).to.equal(quoted);
    expect(accept.stdout + accept.stderr).to.not.match(/money [A-Z]{3}:/);
    // Run again: already accepted, nothing sent, the report written with the quote's figures.
    const again = await w.run(["accept", "payroll.csv", ...maxTotals(w.box)]);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.include("Already accepted");
    const spends = (await readFile(report, "utf8"))
      .trim()
      .split("\n")
      .slice(1)
      .map((row) => row.split(",")[17]);
    expect(spends.filter((spend) => spend === "")).to.deep.equal([]);
  });

  it("a proxy that drops every paging parameter (page 1 of 10 on each call): no list taken short", async () => {
    // Such a server looks like one that ignores paging, but its one page is cut at 10: a list
    // of more than 10 has no proof (no count agrees, and 10 is a full page of Bitex's default
    // size), so it is refused, and nothing is concluded from it. The quote gate needs no list:
    // each request's outputs relationship names every output, matched to the journal.
    w = await world(ignored);
    const proxy = await rewriteProxy(w.box.url, {
      dropParams: ["page[number]", "page[page]", "page[size]", "page[per_page]"],
    });
    try {
      const outputs =
        "/concierge_request_outputs: a full page without links or meta; cannot tell whether more exist";
      const submit = await w.run(["submit", "payroll.csv"], proxy.url);
      expect(submit.code, submit.stderr).to.equal(0);
      // Quoted, but no report: the quote's figures of each row come from a listing alone, which
      // this server cannot give whole (a report of blank figures is never written: exit 3).
      const quote = await w.run(["quote", "payroll.csv", "--wait", "0"], proxy.url);
      expect(quote.code, quote.stderr).to.equal(3);
      expect(quote.stderr).to.include("payroll.report.csv not written: the rows' figures could not be read");
      // The report needs every output's figures, which only a listing shows from a server that
      // does not include a request's outputs in its answer: refused, exit 2 (running again
      // answers the same; it was 3, "run again", which a cron job would do for ever).
      const status = await w.run(["status", "payroll.csv"], proxy.url);
      expect(status.code).to.equal(2);
      expect(status.stderr).to.include(`unexpected answer from Bitex (200): ${outputs}`);
      expect(status.stderr).to.include(
        "running again does not change it: ask Bitex (developers@bitex.la), or whoever runs a proxy before it, why the list ignores page[number] and page[size]; nothing was sent",
      );
      // One output per row: nothing was sent again on a list that was not proven whole.
      const state = w.box.state();
      expect(state.outputs).to.have.length(32);
      expect(state.requests.map((r) => r.attributes.state)).to.deep.equal(["quoted", "quoted"]);
      // A server that includes them proves them in the request's own answer: no list needed.
      w.box.setFaults({ includes: "honoured" });
      const before = w.box.state().stats.calls;
      const included = await w.run(["status", "payroll.csv"], proxy.url);
      // 3: the quotes are not accepted yet ("not there yet"), not a refused list.
      expect(included.code, included.stderr).to.equal(3);
      expect(included.stderr).to.not.include("unexpected answer");
      expect(included.stdout).to.include("32 row(s): 32 payee being checked by Bitex (accepting)");
      expect(w.box.state().stats.calls - before).to.equal(4);
    } finally {
      await proxy.close();
    }
  });
});

describe("submit --until final in every paging convention and shape (the emulator's clock ×120)", function () {
  this.timeout(300_000);
  let reference: { code: number | null; report: string } | undefined;

  // The number of polls depends on how fast the machine is, so calls are not counted here;
  // the counted cycle is above.
  for (const mode of modes) {
    it(`${mode.name}: the same final report and exit code`, async () => {
      const box = await startSandbox({
        port: 0,
        seed: await demoSeed(),
        timeScale: 120,
        faults: { rate_limit: 0, ...mode.faults },
      });
      const proxy = mode.proxy ? await rewriteProxy(box.url, mode.proxy) : null;
      try {
        const dir = await tempDir();
        await writeFile(join(dir, "payroll.csv"), await payroll());
        const result = await runCli(
          [
            "submit",
            "payroll.csv",
            "--until",
            "final",
            "--interval",
            "0.5",
            ...["--max-total", "ARS=1000000000", "--max-total", "UYU=1000000000"],
            ...["--state-dir", "state", "--concurrency", "1", "--rate", "1000"],
          ],
          { cwd: dir, env: { BITEX_API_KEY: box.apiKey, BITEX_API_URL: proxy?.url ?? box.url } },
        );
        // The demo world rejects one payee and returns one payout: exit 1, every row final.
        expect(result.code, result.stderr).to.equal(1);
        expect(box.state().requests.map((r) => r.attributes.state)).to.deep.equal(["finished", "finished"]);
        const report = withoutTimestamps(await readFile(join(dir, "payroll.report.csv"), "utf8"));
        reference ??= { code: result.code, report };
        expect(report).to.equal(reference.report);
      } finally {
        await proxy?.close();
        await box.close();
      }
    });
  }
});
