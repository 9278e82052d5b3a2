/**
 * A server that echoes the key it was sent into every string field of the requests and
 * outputs it returns: no byte of it reaches any file written (report csv, excel and xlsx,
 * journal, export, remaining file) nor stdout or stderr (--json included).
 */
import { execFile } from "node:child_process";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { MONEY_ATTRIBUTES } from "../../src/bitex/jsonapi.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type CliResult, runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { faultProxy } from "../helpers/proxy.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";

const KEY = 'sk-live-"echo"-5d1f0c';
const FORMS = [KEY, JSON.stringify(KEY).slice(1, -1), encodeURIComponent(KEY), "5d1f0c"];

/**
 * Every attribute of the requests and outputs in a body gets the key appended; with
 * `timesKept`, times, numbers and states are left alone (so that an export can still be written),
 * and an empty text field (a null `cancellation_reason`) becomes the key.
 */
function echoKey(body: string, timesKept: boolean): string {
  let document: { data?: unknown; included?: unknown };
  try {
    document = JSON.parse(body);
  } catch {
    return body;
  }
  const resources = [document.data, document.included].flatMap((part) =>
    Array.isArray(part) ? part : part ? [part] : [],
  ) as Array<{ type?: string; attributes?: Record<string, unknown> }>;
  for (const resource of resources) {
    if (!resource.type?.startsWith("concierge_request")) continue;
    for (const [name, value] of Object.entries(resource.attributes ?? {})) {
      // Money stays a number: the echo goes into every field that is text.
      if (MONEY_ATTRIBUTES.has(name)) continue;
      // States are a closed list: one the client does not know stops the run (tested with the
      // client's decoding), so the export's run keeps them as it keeps times.
      if (
        timesKept &&
        ((value !== null && typeof value !== "string") ||
          /(_at|_before|^eta)$/.test(name) ||
          name === "state")
      )
        continue;
      resource.attributes = { ...resource.attributes, [name]: `${value ?? ""}${KEY}` };
    }
  }
  return JSON.stringify(document);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

describe("a server that echoes the key in every string field", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    await box?.close();
  });

  it("no file written and no output holds the key: reports (csv, excel, xlsx), journal, export, remaining file, --json", async () => {
    const made = makeWorld(8);
    made.seed.api_key = KEY;
    box = await sandbox({}, made.seed);
    const server = box;
    const dir = await tempDir();
    // Line 5 pays a user Bitex does not know: refused, so there is a remaining file.
    await writeFile(join(dir, "payroll.csv"), made.csv.replace(",1003,", ",999999,"));
    let echo: "off" | "text" | "all" = "off";
    const proxy = await faultProxy(server.url, () =>
      echo === "off"
        ? { kind: "pass" }
        : { kind: "rewrite", rewrite: (body) => echoKey(body, echo === "text") },
    );
    close = () => proxy.close();
    const results: CliResult[] = [];
    const run = async (args: string[]) => {
      const fast = ["--rate", "1000"];
      const result = await runCli([...args, "--json", ...fast], {
        cwd: dir,
        env: { BITEX_API_KEY: KEY, BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "200" },
      });
      results.push(result);
      return result;
    };
    // Paid to the end while the server behaves; every step again while it echoes.
    expect((await run(["submit", "payroll.csv", "--skip-invalid"])).code).to.equal(1);
    expect((await run(["quote", "payroll.csv", "--allow-partial", "--wait", "0"])).code).to.equal(3);
    server.advance({ minutes: 31 });
    expect((await run(["quote", "payroll.csv", "--allow-partial", "--wait", "30"])).code).to.equal(0);
    await writeFile(join(dir, "second.csv"), made.csv.replace(",1003,", ",999999,"));
    const totals = maxTotals(server);
    echo = "all";
    const month = server.state().clock.now.slice(0, 7);
    const refusedExport = await run(["export", "--month", month]);
    expect(refusedExport.code).to.equal(3);
    // The first echoed attribute read is the request's count: refused, its value shown redacted.
    expect(refusedExport.stderr).to.include(
      'request 1: attribute outputs_count (or outputs_total) is "4[redacted]"; expected a whole number of outputs',
    );
    const echoed = [
      await run(["submit", "second.csv", "--batch-id", "echoed-run"]),
      await run(["quote", "second.csv", "--batch-id", "echoed-run", "--allow-partial", "--wait", "1"]),
      await run(["accept", "payroll.csv", "--allow-partial", ...totals]),
    ];
    // An echoed state is refused before anything is written (the client's decoding): the
    // reports are written from answers whose every other text field echoes the key.
    echo = "text";
    echoed.push(
      await run(["status", "payroll.csv"]),
      await run(["status", "payroll.csv", "--report-format", "excel", "--report", "excel.csv"]),
      await run(["status", "payroll.csv", "--report-format", "xlsx"]),
      await run(["export", "--month", month]),
      await run(["export", "--month", month, "--report-format", "xlsx"]),
    );
    // Every port_code echoes the key, so no output's currency is known: the exports say so
    // and end 1, never a total that silently leaves them out.
    expect(echoed.slice(-2).map((result) => result.code)).to.deep.equal([1, 1]);
    for (const result of echoed.slice(-2))
      expect(result.stderr).to.include("14 amounts are in no total, their currency unknown");
    // Each echoed run ended with one of its documented exit codes and one JSON object.
    for (const result of echoed) {
      expect([0, 1, 2, 3, 5], result.stderr).to.include(result.code);
      expect(JSON.parse(result.stdout)).to.have.property("exit_code", result.code);
    }
    expect(echoed[3]?.stderr).to.not.match(/unexpected error/);
    const files = await filesUnder(dir);
    const names = files.map((path) => path.slice(dir.length + 1)).sort();
    for (const expected of [
      "payroll.report.csv",
      "payroll.report.xlsx",
      "excel.csv",
      "payroll.remaining.csv",
      "second.report.csv",
    ])
      expect(names, names.join(" ")).to.include(expected);
    expect(names.some((name) => /^export-\d{4}-\d\d\.csv$/.test(name))).to.equal(true);
    expect(names.some((name) => /^export-\d{4}-\d\d\.xlsx$/.test(name))).to.equal(true);
    expect(names.filter((name) => name.endsWith("journal.jsonl"))).to.have.length(2);
    // The echo did reach the client: the reports hold what it became.
    expect(await readFile(join(dir, "payroll.report.csv"), "utf8")).to.include("[redacted]");
    for (const path of files) {
      const text = path.endsWith(".xlsx")
        ? (await promisify(execFile)("unzip", ["-p", path], { maxBuffer: 1 << 26 })).stdout
        : await readFile(path, "latin1");
      for (const form of FORMS) expect(text, `${path} holds ${form}`).to.not.include(form);
    }
    for (const result of results) {
      for (const form of FORMS) {
        expect(result.stdout, `stdout holds ${form}`).to.not.include(form);
        expect(result.stderr, `stderr holds ${form}`).to.not.include(form);
      }
    }
  });

  it("a key set with spaces around it: sent as HTTP servers read it (trimmed), and that echo is hidden too", async () => {
    // An HTTP server drops the spaces around a header's value (RFC 9110 5.5), so the key it
    // holds, and may echo, is the trimmed one.
    const server = createServer((req, res) => {
      const received = String(req.headers.authorization ?? "").trim();
      res.writeHead(422, { "content-type": "application/vnd.api+json" });
      res.end(JSON.stringify({ errors: [{ status: "422", code: "invalid", detail: `key=${received};` }] }));
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    close = () => new Promise<void>((done) => server.close(() => done()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    const dir = await tempDir();
    const result = await runCli(["ports", "--json"], {
      cwd: dir,
      env: { BITEX_API_KEY: "  sk-live-5d1f0c9a7e  ", BITEX_API_URL: url },
    });
    expect(result.code, result.stderr).to.equal(3);
    expect(JSON.parse(result.stdout).error.message).to.equal(
      "the API failed: GET /concierge_ports?page[size]=500&page[per_page]=500: key=<redacted>;",
    );
    expect(result.stdout + result.stderr).to.not.include("5d1f0c9a7e");
  });
});
