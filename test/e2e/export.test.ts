/**
 * `export` end to end: the built CLI against an emulator seeded with past requests on both
 * sides of November 2026's edges, in Buenos Aires (UTC-3, no daylight saving) and in UTC, plus
 * a batch submitted through the CLI so that batch, reference and line come from its journal.
 * The emulator's clock is pinned to 2026-11-20, so nothing depends on today's date.
 */
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { EXPORT_TOTALS_TITLE } from "../../src/export/summary-sheet.js";
import { MONEY_RULE } from "../../src/report/money.js";
import { type Includes, type ListStyle, type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { runCli, spawnCli, tempDir } from "../helpers/cli.js";
import { EXPORT_HEADER, exportSeed, PAYROLL_CSV, pagedSeed } from "../helpers/export-world.js";
import { paginationAs, rewriteProxy } from "../helpers/rewrite-proxy.js";

const BA = "America/Argentina/Buenos_Aires";

/** Buenos Aires has been UTC-3 all year since 2009: an oracle independent of date-fns. */
function inBuenosAires(iso: string): string {
  return `${new Date(Date.parse(iso) - 3 * 3_600_000).toISOString().slice(0, 19)}-03:00`;
}

type Row = string[];

/**
 * A report row written as its CSV line (no cell here holds a comma), without its last cell:
 * `request_placed_by`, `created_at` for every request of these worlds.
 */
const cells = (line: string): Row => [...line.split(","), "created_at"];

/** The seeded rows of November in Buenos Aires, keyed by request id, in export order. */
const SEEDED_BA: Record<string, Row[]> = {
  // 2026-11-01T03:00:00Z is Nov 1, 00:00 in Buenos Aires: the first instant of the month.
  "7": [
    cells(
      "7,,,,,112,ar_ars,finished,2026-11-01T00:00:00-03:00,99,301,uy_uyu,2101,44328.00,UYU,1500000.50,ARS,returned,,2026-11-03T09:15:00-03:00",
    ),
    cells(
      "7,,,,,112,ar_ars,finished,2026-11-01T00:00:00-03:00,100,300,cl_clp,2100,19000,CLP,20650.00,ARS,settled,,2026-11-01T00:00:00-03:00",
    ),
  ],
  // Same instant as 7: the request id breaks the tie. Its external_id is a formula, neutralised.
  "12": [
    cells(
      `12,'=HYPERLINK("x"),,,,112,ar_ars,finished,2026-11-01T00:00:00-03:00,120,302,us_usd,2102,75.50,USD,90000.00,ARS,rejected,,2026-11-01T00:00:00-03:00`,
    ),
  ],
  "8": [
    cells(
      "8,uy-payroll-11,,,,113,us_usd,cancelled,2026-11-15T10:00:00-03:00,80,302,us_usd,2102,,,250.00,USD,cancelled,quote_not_accepted,2026-11-15T10:00:00-03:00",
    ),
  ],
  // 2026-12-01T00:00:00Z and 01:00Z are still Nov 30 in Buenos Aires; 10 is older than 9.
  "10": [
    cells(
      "10,,,,,112,ar_ars,finished,2026-11-30T21:00:00-03:00,101,301,uy_uyu,2101,10.00,UYU,300.00,ARS,settled,,2026-11-30T21:00:00-03:00",
    ),
  ],
  "9": [
    cells(
      "9,,,,,112,ar_ars,working,2026-11-30T22:00:00-03:00,90,300,cl_clp,2100,7000,CLP,7600.25,ARS,settling,,2026-11-30T22:00:00-03:00",
    ),
  ],
};

async function readRows(path: string): Promise<{ header: string[]; rows: Row[] }> {
  const [header, ...rows] = parse(await readFile(path, "utf8")) as Row[];
  return { header: header as string[], rows };
}

/** A currency's `money` entry of `--json` with every figure zero (`zero` in its decimals). */
function noMoney(currency: string, zero: string) {
  const none = { rows: 0, total: zero };
  return {
    currency,
    in_file_receive: none,
    in_file_spend: none,
    quoted: none,
    charged: none,
    refunded: none,
    net: zero,
    received: none,
    // An export has no file: none of its amounts go unreceived.
    not_received: [] as unknown[],
    not_charged: [] as unknown[],
  };
}

describe("export end to end (built CLI against a seeded emulator)", function () {
  this.timeout(120_000);
  let box: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  let batchId: string;
  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    runCli(["export", "--state-dir", "state", ...args], { cwd: dir, env: { ...env, ...extraEnv } });

  /** The rows of the submitted batch as the emulator holds them; `journal` fills batch, reference, line. */
  function submittedRows(journal: boolean): Map<string, Row[]> {
    const state = box.state();
    const byRequest = new Map<string, Row[]>();
    const lines: Record<string, [string, string]> = {
      "300": ["EMP-1", "2"],
      "301": ["EMP-2", "3"],
      "302": ["EMP-3", "4"],
    };
    for (const output of state.outputs.filter((o) => Number(o.id) > 120)) {
      const request = state.requests.find((r) => r.id === output.relationships?.request?.data?.id);
      if (!request) throw new Error(`output ${output.id} without its request`);
      const recipient = output.relationships?.user?.data?.id as string;
      const [reference, line] = journal ? (lines[recipient] as [string, string]) : ["", ""];
      const amount = output.attributes.amount;
      const budget = output.attributes.budget;
      const rows = byRequest.get(request.id) ?? [];
      rows.push([
        request.id,
        request.attributes.external_id as string,
        journal ? batchId : "",
        reference,
        line,
        request.relationships?.user?.data?.id as string,
        request.attributes.port_code,
        "draft",
        inBuenosAires(request.attributes.created_at),
        output.id,
        recipient,
        output.attributes.port_code,
        output.relationships?.withdrawal_instruction?.data?.id as string,
        // The CSV's own figures, padded: CLP has no decimals, UYU and USD two.
        { "300": "850000", "301": "1200.50", "302": "" }[recipient] as string,
        amount === null ? "" : output.attributes.port_code.slice(3).toUpperCase(),
        budget === null ? "" : "99.90",
        budget === null ? "" : "USD",
        "accepting",
        "",
        inBuenosAires(output.attributes.updated_at),
        "created_at",
      ]);
      byRequest.set(request.id, rows);
    }
    return byRequest;
  }

  /** The submitted batch's rows in the export's order: request created_at, request id, output id. */
  function submittedInOrder(journal: boolean): Row[] {
    const submitted = submittedRows(journal);
    const created = (id: string) =>
      box.state().requests.find((r) => r.id === id)?.attributes.created_at as string;
    const ids = [...submitted.keys()].sort(
      (a, b) => created(a).localeCompare(created(b)) || Number(a) - Number(b),
    );
    const byOutput = (a: Row, b: Row) => Number(a[9]) - Number(b[9]);
    return ids.flatMap((id) => (submitted.get(id) as Row[]).sort(byOutput));
  }

  /** Every November row in Buenos Aires, in the export's order. */
  function expectedBuenosAires(journal: boolean): Row[] {
    return [
      ...(SEEDED_BA["7"] as Row[]),
      ...(SEEDED_BA["12"] as Row[]),
      ...(SEEDED_BA["8"] as Row[]),
      ...submittedInOrder(journal),
      ...(SEEDED_BA["10"] as Row[]),
      ...(SEEDED_BA["9"] as Row[]),
    ];
  }

  before(async () => {
    dir = await tempDir();
    box = await startSandbox({
      port: 0,
      seed: exportSeed(),
      faults: { rate_limit: 0 },
      startTime: "2026-11-20T15:00:00Z",
    });
    env = { BITEX_API_KEY: box.apiKey, BITEX_API_URL: box.url };
    await writeFile(join(dir, "payroll.csv"), PAYROLL_CSV);
    const submit = await runCli(
      ["submit", "payroll.csv", "--state-dir", "state", "--rate", "1000", "--json"],
      { cwd: dir, env },
    );
    expect(submit.code, submit.stderr).to.equal(0);
    batchId = (JSON.parse(submit.stdout) as { batch_id: string }).batch_id;
    expect(box.state().requests.map((r) => r.id)).to.have.members([
      "5",
      "6",
      "7",
      "8",
      "9",
      "10",
      "11",
      "12",
      "13",
      "14",
    ]);
  });
  after(async () => {
    await box?.close();
  });

  it("--month in Buenos Aires: exactly that month's requests, one row per output, journal columns for the batch this tool made", async () => {
    const result = await cli(["--month", "2026-11", "--tz", BA, "--json"]);
    expect(result.code, result.stderr).to.equal(0);
    const { header, rows } = await readRows(join(dir, "export-2026-11.csv"));
    expect(header).to.deep.equal(EXPORT_HEADER);
    expect(rows).to.deep.equal(expectedBuenosAires(true));
    expect((await stat(join(dir, "export-2026-11.csv"))).mode & 0o777).to.equal(0o600);

    const { started_at, finished_at, ...summary } = JSON.parse(result.stdout);
    // When the run started and ended, in the zone's offset (Buenos Aires has no DST: -03:00).
    for (const at of [started_at, finished_at]) expect(at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-03:00$/);
    expect(Date.parse(finished_at)).to.be.at.least(Date.parse(started_at));
    expect(summary).to.deep.equal({
      command: "export",
      // every --json object carries problems and error (docs/design.md section 3)
      problems: [],
      error: null,
      period: { from: "2026-11-01", to: "2026-11-30", tz: BA },
      payer: null,
      requests: 7,
      // false only from a server that ignores paging, when nothing proves its one answer whole
      requests_whole: true,
      outputs: 9,
      totals: [
        { currency: "ARS", side: "spend", state: "rejected", rows: 1, amount: "90000.00" },
        { currency: "ARS", side: "spend", state: "returned", rows: 1, amount: "1500000.50" },
        { currency: "ARS", side: "spend", state: "settled", rows: 2, amount: "20950.00" },
        { currency: "ARS", side: "spend", state: "settling", rows: 1, amount: "7600.25" },
        { currency: "CLP", side: "receive", state: "accepting", rows: 1, amount: "850000" },
        { currency: "CLP", side: "receive", state: "settled", rows: 1, amount: "19000" },
        { currency: "CLP", side: "receive", state: "settling", rows: 1, amount: "7000" },
        { currency: "USD", side: "receive", state: "rejected", rows: 1, amount: "75.50" },
        { currency: "USD", side: "spend", state: "accepting", rows: 1, amount: "99.90" },
        { currency: "USD", side: "spend", state: "cancelled", rows: 1, amount: "250.00" },
        { currency: "UYU", side: "receive", state: "accepting", rows: 1, amount: "1200.50" },
        { currency: "UYU", side: "receive", state: "returned", rows: 1, amount: "44328.00" },
        { currency: "UYU", side: "receive", state: "settled", rows: 1, amount: "10.00" },
      ],
      // Every request placed in the period: none summed apart.
      unplaced_totals: [],
      // Every figure has its currency: none is left out of the totals.
      unknown_currency: [],
      // The rule (docs/design.md section 12, "Money"): the rejected payee is not charged; the
      // returned payout is charged, then refunded; the cancelled request charges nothing.
      money: [
        {
          ...noMoney("ARS", "0.00"),
          quoted: { rows: 5, total: "1618550.75" },
          charged: { rows: 4, total: "1528550.75" },
          refunded: { rows: 1, total: "1500000.50" },
          net: "28550.25",
          not_charged: [
            { why: "rejected", rows: 1, total: "90000.00", lines: [], reasons: [] },
            { why: "returned", rows: 1, total: "1500000.50", lines: [], reasons: [] },
          ],
        },
        { ...noMoney("CLP", "0"), received: { rows: 1, total: "19000" } },
        {
          ...noMoney("USD", "0.00"),
          not_charged: [
            { why: "cancelled", rows: 1, total: "250.00", lines: [], reasons: ["quote_not_accepted"] },
          ],
        },
        { ...noMoney("UYU", "0.00"), received: { rows: 1, total: "10.00" } },
      ],
      money_rule: MONEY_RULE,
      report: "export-2026-11.csv",
      exit_code: 0,
    });
    // With --json the human lines go to stderr, the period and zone first among them.
    expect(result.stderr).to.include(
      `period 2026-11-01 to 2026-11-30, time zone ${BA} (2026-11-01T00:00:00-03:00 to 2026-12-01T00:00:00-03:00, end excluded)\n`,
    );
    expect(result.stderr).to.include("ARS spend settled: 20950.00 (2 outputs)\n");
    expect(result.stderr).to.not.include(box.apiKey);
  });

  it("without --tz, the operator's zone (TZ): Buenos Aires' November, 22:00 on November 30 in it, the zone printed", async () => {
    const result = await cli(["--month", "2026-11", "--report", "local.csv"], { TZ: BA });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout.split("\n")[0]).to.equal(
      `period 2026-11-01 to 2026-11-30, time zone ${BA} (2026-11-01T00:00:00-03:00 to 2026-12-01T00:00:00-03:00, end excluded)`,
    );
    const { rows } = await readRows(join(dir, "local.csv"));
    expect(rows).to.deep.equal(expectedBuenosAires(true));
    // Request 9, made 2026-12-01T01:00Z (December in UTC), is 22:00 on November 30 in Buenos Aires.
    expect(rows.map((row) => [row[0], row[8]])).to.deep.include(["9", "2026-11-30T22:00:00-03:00"]);
  });

  it("a TZ that names no IANA zone is refused, exit 2, nothing written; an empty TZ is UTC, not a crash (helper-97)", async () => {
    const posix = await cli(["--month", "2026-11", "--report", "posix.csv"], { TZ: "ART3" });
    expect(posix.code, posix.stderr).to.equal(2);
    expect(posix.stderr).to.include(
      'TZ="ART3" names no IANA time zone, so the period\'s days cannot be told',
    );
    expect(await stat(join(dir, "posix.csv")).catch(() => null)).to.equal(null);
    // The zone of a process started with TZ empty is unknown to Intl: its own process.
    const empty = await spawnCli(
      ["export", "--state-dir", "state", "--month", "2026-11", "--report", "empty.csv"],
      {
        cwd: dir,
        env: { ...env, TZ: "" },
      },
    ).done;
    expect(empty.code, empty.stderr).to.equal(0);
    expect(empty.stdout.split("\n")[0]).to.equal(
      "period 2026-11-01 to 2026-11-30, time zone UTC (2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z, end excluded)",
    );
  });

  it("the same month in UTC moves the edge requests: 6 is in, 9 and 10 are out", async () => {
    const result = await cli(["--month", "2026-11", "--tz", "UTC", "--report", "utc.csv"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout.split("\n")[0]).to.equal(
      "period 2026-11-01 to 2026-11-30, time zone UTC (2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z, end excluded)",
    );
    const { rows } = await readRows(join(dir, "utc.csv"));
    const ids = (list: Row[]) => list.map((row) => `${row[0]}/${row[9]}`);
    expect(ids(rows)).to.deep.equal([
      "6/60",
      "7/99",
      "7/100",
      "12/120",
      "8/80",
      ...ids(submittedInOrder(true)),
    ]);
    // Times are written in UTC now, with "Z".
    expect(rows[5]?.[8]).to.match(/^2026-11-20T15:00:\d\dZ$/);
    expect(rows[0]).to.deep.equal(
      cells(
        "6,bb-old-1,,,,112,ar_ars,finished,2026-11-01T02:30:00Z,60,301,uy_uyu,2101,500.50,UYU,12000.00,ARS,settled,,2026-11-01T02:30:00Z",
      ),
    );
  });

  it("--from/--to are whole days, both included; --payer keeps one payer's requests", async () => {
    const range = await cli(["--from", "2026-11-01", "--to", "2026-11-15", "--tz", BA, "--json"]);
    expect(range.code, range.stderr).to.equal(0);
    expect(JSON.parse(range.stdout).report).to.equal("export-2026-11-01_2026-11-15.csv");
    const { rows } = await readRows(join(dir, "export-2026-11-01_2026-11-15.csv"));
    expect(rows).to.deep.equal([
      ...(SEEDED_BA["7"] as Row[]),
      ...(SEEDED_BA["12"] as Row[]),
      ...(SEEDED_BA["8"] as Row[]),
    ]);

    const payer = await cli([
      "--month",
      "2026-11",
      "--tz",
      BA,
      "--payer",
      "113",
      "--json",
      "--report",
      "p.csv",
    ]);
    expect(payer.code, payer.stderr).to.equal(0);
    const submitted113 = [...submittedRows(true).values()].flat().filter((row) => row[5] === "113");
    expect((await readRows(join(dir, "p.csv"))).rows).to.deep.equal([
      ...(SEEDED_BA["8"] as Row[]),
      ...submitted113,
    ]);
    expect(JSON.parse(payer.stdout)).to.deep.include({
      payer: "113",
      requests: 2,
      outputs: 2,
      totals: [
        { currency: "USD", side: "spend", state: "accepting", rows: 1, amount: "99.90" },
        { currency: "USD", side: "spend", state: "cancelled", rows: 1, amount: "250.00" },
      ],
    });
  });

  it("bad zone, bad month, bad dates: exit 2 before any call", async () => {
    const calls = box.state().stats.calls;
    const cases: [string[], string][] = [
      [
        ["--month", "2026-11", "--tz", "America/Buenos_Ares"],
        '--tz: expected an IANA time zone, got "America/Buenos_Ares"',
      ],
      [["--month", "2026-11", "--tz=-03:00"], '--tz: expected an IANA time zone, got "-03:00"'],
      [["--month", "2026-13"], '--month: expected YYYY-MM, got "2026-13"'],
      [["--month", "11/2026"], '--month: expected YYYY-MM, got "11/2026"'],
      [["--from", "2026-02-30", "--to", "2026-03-01"], '--from: expected YYYY-MM-DD, got "2026-02-30"'],
      [["--from", "2026-11-16", "--to", "2026-11-15"], "--from 2026-11-16 is after --to 2026-11-15"],
      [["--from", "2026-11-01"], "--from and --to go together"],
      [["--month", "2026-11", "--from", "2026-11-01", "--to", "2026-11-02"], "pick one"],
      [[], "no period given"],
      [["--month", "2026-11", "--payer", "abc"], '--payer: expected a user id (digits), got "abc"'],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(" ")).to.equal(2);
      expect(result.stderr, args.join(" ")).to.include(message);
      expect(result.stderr).to.not.match(/at .*\.js/);
    }
    const zone = await cli(["--month", "2026-11", "--tz", "Mars/Olympus"]);
    expect(zone.stderr).to.include("IANA time zone name such as America/Argentina/Buenos_Aires");
    expect(box.state().stats.calls).to.equal(calls);
  });

  it("a refused key is exit 2; an API that cannot be reached is exit 3", async () => {
    const refused = await cli(["--month", "2026-11"], { BITEX_API_KEY: "wrong-key" });
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.include("refused the key");
    const closed = await startSandbox({ port: 0, seed: exportSeed() });
    await closed.close();
    const down = await cli(["--month", "2026-11"], { BITEX_API_URL: closed.url });
    expect(down.code).to.equal(3);
    expect(down.stderr).to.include("could not be reached");
  });

  it("pages through lists longer than a page: every request read, none stopped early, outputs of every page", async () => {
    // Written for rich lists, the default before the recorded style (whose counts are below),
    // from a server that does not include a request's outputs in its answer: they are listed.
    const paged = await startSandbox({
      port: 0,
      seed: pagedSeed(),
      faults: { rate_limit: 0, list_style: "rich", includes: "ignored" },
    });
    try {
      const result = await runCli(
        ["export", "--month", "2026-11", "--json", "--report", "paged.csv", "--rate", "1000"],
        {
          cwd: dir,
          env: { BITEX_API_KEY: paged.apiKey, BITEX_API_URL: paged.url },
        },
      );
      expect(result.code, result.stderr).to.equal(0);
      const summary = JSON.parse(result.stdout);
      expect([summary.requests, summary.outputs]).to.deep.equal([3, 602]);
      // 1 + 600 × (1000 + k) for k in 0..599 + 1000, and 602 budgets of 1.01.
      expect(summary.totals).to.deep.equal([
        { currency: "ARS", side: "spend", state: "settled", rows: 602, amount: "608.02" },
        {
          currency: "CLP",
          side: "receive",
          state: "settled",
          rows: 602,
          amount: String(2000 + 600 * 1000 + (599 * 600) / 2),
        },
      ]);
      const { rows } = await readRows(join(dir, "paged.csv"));
      // Created Nov 3 (600, page 2), Nov 11 (1203, page 3), Nov 20 (5, page 1): by time, not by page.
      expect([...new Set(rows.map((row) => row[0]))]).to.deep.equal(["600", "1203", "5"]);
      // Three pages of requests, the read that did not include outputs, two pages of request
      // 600's outputs, one each for 5 and 1203.
      expect(paged.state().stats.calls).to.equal(3 + 1 + 2 + 1 + 1);
    } finally {
      await paged.close();
    }
  });

  it("the same rows and totals whatever the list style: bare pages (only data) of 25, 10 and 3", async () => {
    const rich = await cli(["--month", "2026-11", "--tz", BA, "--json", "--report", "rich.csv"]);
    expect(rich.code, rich.stderr).to.equal(0);
    const richTotals = JSON.parse(rich.stdout).totals;
    expect(richTotals).to.have.length(13);
    try {
      for (const cap of [25, 10, 3]) {
        box.setFaults({ list_style: "bare", page_cap: cap });
        const before = box.state().stats.calls;
        const result = await cli(["--month", "2026-11", "--tz", BA, "--json", "--report", `bare-${cap}.csv`]);
        expect(result.code, `${cap}: ${result.stderr}`).to.equal(0);
        expect((await readRows(join(dir, `bare-${cap}.csv`))).rows, `page cap ${cap}`).to.deep.equal(
          expectedBuenosAires(true),
        );
        const summary = JSON.parse(result.stdout);
        expect([summary.requests, summary.outputs, summary.totals]).to.deep.equal([7, 9, richTotals]);
        // 10 requests: with 3 a page, four pages and the empty one that proves the end.
        if (cap === 3) expect(box.state().stats.calls - before).to.be.at.least(5 + 7);
      }
    } finally {
      box.setFaults({ list_style: "rich" });
    }
  });

  it("a server that ignores paging, 10 requests in its one answer: the same rows, said unproven, exit 1", async () => {
    const rich = JSON.parse(
      (await cli(["--month", "2026-11", "--tz", BA, "--json", "--report", "r.csv"])).stdout,
    );
    try {
      box.setFaults({ list_style: "unpaged" });
      const result = await cli(["--month", "2026-11", "--tz", BA, "--json", "--report", "unpaged.csv"]);
      // Ten requests is a full page of Bitex's default size: nothing proves there are no more.
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stderr).to.include(
        "the server ignores paging, so its list of requests cannot be proven whole: requests made outside this machine's batches may be missing; ask Bitex whether the account has more requests, or run the export where paging works",
      );
      expect((await readRows(join(dir, "unpaged.csv"))).rows).to.deep.equal(expectedBuenosAires(true));
      const summary = JSON.parse(result.stdout);
      expect([summary.requests, summary.outputs, summary.totals]).to.deep.equal([7, 9, rich.totals]);
      expect([summary.requests_whole, summary.exit_code]).to.deep.equal([false, 1]);
    } finally {
      box.setFaults({ list_style: "rich" });
    }
  });

  it("--report-format xlsx: export-2026-11.xlsx, typed cells in the zone, a Summary equal to --json", async () => {
    const started = Date.now();
    const result = await cli(["--month", "2026-11", "--tz", BA, "--report-format", "xlsx", "--json"]);
    const ended = Date.now();
    expect(result.code, result.stderr).to.equal(0);
    const json = JSON.parse(result.stdout);
    expect(json.report).to.equal("export-2026-11.xlsx");
    const path = join(dir, "export-2026-11.xlsx");
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
    // Renamed into place: no temp file left beside it.
    expect((await readdir(dir)).filter((name) => name.includes("export-2026-11.xlsx"))).to.deep.equal([
      "export-2026-11.xlsx",
    ]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    expect(book.worksheets.map((sheet) => sheet.name)).to.deep.equal(["Export", "Summary"]);
    const sheet = book.getWorksheet("Export") as ExcelJS.Worksheet;
    const header = sheet.getRow(1);
    expect(Array.from({ length: header.cellCount }, (_, i) => header.getCell(i + 1).value)).to.deep.equal(
      EXPORT_HEADER,
    );
    expect(header.getCell(1).font?.bold).to.equal(true);
    expect(sheet.views[0]).to.include({ state: "frozen", ySplit: 1 });
    expect(sheet.autoFilter).to.equal("A1:U10"); // 21 columns, header + 9 rows
    expect(sheet.rowCount).to.equal(10);

    const { String: S, Number: N, Date: D, Null } = ExcelJS.ValueType;
    const at = (name: string) => EXPORT_HEADER.indexOf(name);
    const moneyFormat = (currency: string) => (currency === "CLP" ? "#,##0" : "#,##0.00");
    /** What each CSV cell of a row must be in the workbook: [type, value, number format]. */
    const expectedCells = (row: Row): unknown[][] =>
      EXPORT_HEADER.map((name, i) => {
        const text = row[i] as string;
        if (text === "") return [Null, null];
        if (name === "line") return [N, Number(text), "0"];
        if (name === "receive_amount" || name === "spend_amount") {
          const currency = row[at(name.replace("amount", "currency"))] as string;
          return [N, Number(text), moneyFormat(currency)];
        }
        if (name === "request_created_at" || name === "updated_at") {
          // The wall clock of Buenos Aires (what the cell shows), from the ISO text with its
          // offset, shown with that offset.
          expect(text.endsWith("-03:00"), text).to.equal(true);
          return [D, `${text.slice(0, 19)}.000Z`, 'yyyy-mm-dd hh:mm:ss "-03:00"'];
        }
        // The CSV neutralises a formula with a quote; a workbook's text cell is never a formula.
        return [S, name === "external_id" ? text.replace(/^'(?==)/, "") : text, "@"];
      });
    const expected = expectedBuenosAires(true);
    expect(expected).to.have.length(9);
    expected.forEach((row, r) => {
      const excelRow = sheet.getRow(r + 2);
      const actual = EXPORT_HEADER.map((_, i) => {
        const cell = excelRow.getCell(i + 1);
        if (cell.type === Null) return [Null, null];
        const value = cell.value instanceof Date ? cell.value.toISOString() : cell.value;
        return [cell.type, value, cell.numFmt];
      });
      expect(actual, `row ${r + 2}`).to.deep.equal(expectedCells(row));
    });
    // Spot checks of the cases that matter most, independent of the CSV expectations.
    const cell = (row: number, name: string) => sheet.getRow(row).getCell(at(name) + 1);
    expect([cell(2, "spend_amount").value, cell(2, "spend_amount").numFmt]).to.deep.equal([
      1500000.5,
      "#,##0.00",
    ]);
    expect([cell(3, "receive_amount").value, cell(3, "receive_amount").numFmt]).to.deep.equal([
      19000,
      "#,##0",
    ]);
    expect(cell(4, "external_id").value).to.equal('=HYPERLINK("x")');
    expect(cell(4, "external_id").formula).to.equal(undefined);
    expect((cell(2, "updated_at").value as Date).toISOString()).to.equal("2026-11-03T09:15:00.000Z");
    const submitted = sheet.getRow(6);
    expect([
      submitted.getCell(at("batch_id") + 1).value,
      submitted.getCell(at("line") + 1).value,
    ]).to.deep.equal([batchId, 2]);
    // Sized to fit: the batch id is the widest cell of its column.
    expect(sheet.getColumn(at("batch_id") + 1).width).to.equal(Math.min(Math.max(8, batchId.length) + 2, 60));

    const summary = book.getWorksheet("Summary") as ExcelJS.Worksheet;
    const pair = (n: number) => [summary.getRow(n).getCell(1).value, summary.getRow(n).getCell(2).value];
    expect([1, 2, 3, 5, 6, 7].map(pair)).to.deep.equal([
      ["From", "2026-11-01"],
      ["To (included)", "2026-11-30"],
      ["Time zone", BA],
      ["Payer", "all"],
      ["Requests", json.requests],
      ["Outputs", json.outputs],
    ]);
    const asOf = summary.getRow(4).getCell(2);
    expect([summary.getRow(4).getCell(1).value, asOf.type, asOf.numFmt]).to.deep.equal([
      "As of",
      D,
      "yyyy-mm-dd hh:mm:ss",
    ]);
    // A Buenos Aires wall clock (UTC-3) between the run's start and end, to the second.
    const shown = (asOf.value as Date).getTime() + 3 * 3_600_000;
    expect(shown).to.be.within(Math.floor(started / 1000) * 1000, ended);
    expect(summary.getRow(9).getCell(1).value).to.equal(EXPORT_TOTALS_TITLE);
    expect([1, 2, 3, 4, 5].map((c) => summary.getRow(10).getCell(c).value)).to.deep.equal([
      "Currency",
      "Side",
      "State",
      "Outputs",
      "Total",
    ]);
    const totals = json.totals as Array<{
      currency: string;
      side: string;
      state: string;
      rows: number;
      amount: string;
    }>;
    expect(totals).to.have.length(13);
    totals.forEach((total, k) => {
      const row = summary.getRow(11 + k);
      const money = row.getCell(5);
      expect([
        row.getCell(1).value,
        row.getCell(2).value,
        row.getCell(3).value,
        row.getCell(4).value,
        money.type,
        money.value,
        money.numFmt,
      ]).to.deep.equal([
        total.currency,
        total.side,
        total.state,
        total.rows,
        N,
        Number(total.amount),
        moneyFormat(total.currency),
      ]);
    });
    expect(summary.getRow(11 + totals.length).cellCount).to.equal(0);
    // Exact: 1500000.50 as a number is the decimal itself, not a neighbour.
    expect(summary.getRow(12).getCell(5).value).to.equal(1500000.5);
  });

  it("--report - with --report-format xlsx is a usage error before any call", async () => {
    const calls = box.state().stats.calls;
    const result = await cli(["--month", "2026-11", "--report", "-", "--report-format", "xlsx"]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include("--report - cannot take --report-format xlsx");
    expect(result.stdout).to.equal("");
    expect(box.state().stats.calls).to.equal(calls);
  });

  // Last: it deletes the state directory the tests above read.
  it("without the journals: the same rows, batch, reference and line empty", async () => {
    await rm(join(dir, "state"), { recursive: true });
    const result = await cli(["--month", "2026-11", "--tz", BA, "--report", "nojournal.csv"]);
    expect(result.code, result.stderr).to.equal(0);
    expect((await readRows(join(dir, "nojournal.csv"))).rows).to.deep.equal(expectedBuenosAires(false));
  });
});

/**
 * The paged world (1,203 requests, one of them with 600 outputs) in each list style the
 * emulator speaks: rich pages (meta and links, 500 a page), and bare pages (only `data`, as
 * recorded Bitex lists) capped at 25 and at 10, so that both lists span many pages and the end
 * of each is proven only by an empty page. Every style must give the very same rows and totals.
 */
describe("export in each list style (paged world, Buenos Aires)", function () {
  this.timeout(180_000);

  /** One output of the paged world (export-world.ts pagedSeed) as its export row in Buenos Aires. */
  const pagedRow = (request: string, created: string, output: number, receive: number): Row => [
    request,
    "",
    "",
    "",
    "",
    "112",
    "ar_ars",
    "finished",
    inBuenosAires(created),
    String(output),
    "300",
    "cl_clp",
    "2100",
    String(receive), // CLP: no decimals
    "CLP",
    "1.01",
    "ARS",
    "settled",
    "",
    inBuenosAires(created), // seeded outputs were last updated when their request was made
    "created_at",
  ];
  /** Request 600 (Nov 3, outputs 2 to 601), then 1203 (Nov 11, output 602), then 5 (Nov 20, output 1). */
  const EXPECTED: Row[] = [
    ...Array.from({ length: 600 }, (_, k) => pagedRow("600", "2026-11-03T12:00:00Z", 2 + k, 1000 + k)),
    pagedRow("1203", "2026-11-11T12:00:00Z", 602, 1000),
    pagedRow("5", "2026-11-20T12:00:00Z", 1, 1000),
  ];
  const TOTALS = [
    { currency: "ARS", side: "spend", state: "settled", rows: 602, amount: "608.02" },
    // 600 × 1000 + (0 + … + 599) + 1000 + 1000
    { currency: "CLP", side: "receive", state: "settled", rows: 602, amount: "781700" },
  ];

  type Style = { list_style: ListStyle; page_cap?: number; includes?: Includes };
  // From a server that does not include a request's outputs in its answer, each listing style
  // in turn: the first read that asks for them, then the listings.
  const ignored = "ignored" as const;
  const styles: Array<{ faults: Style; calls: number }> = [
    // Pages of 500: three of requests, two of 600's outputs, one each for 5 and 1203.
    { faults: { list_style: "rich", includes: ignored }, calls: 3 + 1 + 2 + 1 + 1 },
    // ceil(n / cap) pages, then the empty page that proves the end: requests, 600's outputs, 5's and 1203's.
    { faults: { list_style: "bare", page_cap: 25, includes: ignored }, calls: 49 + 1 + 1 + (24 + 1) + 2 + 2 },
    {
      faults: { list_style: "bare", page_cap: 10, includes: ignored },
      calls: 121 + 1 + 1 + (60 + 1) + 2 + 2,
    },
    // Bitex's own page[page]/page[per_page]: the default emulator (10 a page), and caps 3 and 25.
    { faults: { list_style: "recorded", includes: ignored }, calls: 121 + 1 + 1 + (60 + 1) + 2 + 2 },
    {
      faults: { list_style: "recorded", page_cap: 3, includes: ignored },
      calls: 401 + 1 + 1 + (200 + 1) + 2 + 2,
    },
    {
      faults: { list_style: "recorded", page_cap: 25, includes: ignored },
      calls: 49 + 1 + 1 + (24 + 1) + 2 + 2,
    },
    // Each request's outputs included in its answer (the emulator's default): one read each.
    { faults: { list_style: "recorded" }, calls: 121 + 1 + 3 },
    { faults: { list_style: "rich" }, calls: 3 + 3 },
  ];
  for (const { faults, calls } of styles) {
    const name = `${faults.list_style === "rich" ? "rich" : `${faults.list_style}, ${faults.page_cap ?? 10} a page`}${
      faults.includes === ignored ? "" : ", outputs included"
    }`;
    it(`${name}: the same ${EXPECTED.length} rows, in order, and the same totals`, async () => {
      const dir = await tempDir();
      const paged = await startSandbox({ port: 0, seed: pagedSeed(), faults: { rate_limit: 0, ...faults } });
      try {
        const result = await runCli(
          ["export", "--month", "2026-11", "--tz", BA, "--json", "--report", "paged.csv", "--rate", "1000"],
          { cwd: dir, env: { BITEX_API_KEY: paged.apiKey, BITEX_API_URL: paged.url } },
        );
        expect(result.code, result.stderr).to.equal(0);
        const summary = JSON.parse(result.stdout);
        expect([summary.requests, summary.outputs, summary.totals]).to.deep.equal([3, 602, TOTALS]);
        const { header, rows } = await readRows(join(dir, "paged.csv"));
        expect(header).to.deep.equal(EXPORT_HEADER);
        expect(rows).to.deep.equal(EXPECTED);
        expect(paged.state().stats.calls, "calls").to.equal(calls);
        if (faults.list_style === "rich") {
          // The same rows as a workbook: 602 typed rows, the Summary's totals those of --json.
          const xlsx = await runCli(
            [
              "export",
              "--month",
              "2026-11",
              "--tz",
              BA,
              "--json",
              "--report-format",
              "xlsx",
              "--rate",
              "1000",
            ],
            { cwd: dir, env: { BITEX_API_KEY: paged.apiKey, BITEX_API_URL: paged.url } },
          );
          expect(xlsx.code, xlsx.stderr).to.equal(0);
          const book = new ExcelJS.Workbook();
          await book.xlsx.readFile(join(dir, "export-2026-11.xlsx"));
          const sheet = book.getWorksheet("Export") as ExcelJS.Worksheet;
          expect(sheet.rowCount).to.equal(1 + EXPECTED.length);
          const at = (name: string) => EXPORT_HEADER.indexOf(name) + 1;
          const values = (n: number) =>
            ["request_id", "output_id", "receive_amount", "spend_amount"].map(
              (name) => sheet.getRow(n).getCell(at(name)).value,
            );
          EXPECTED.forEach((row, r) => {
            expect(values(r + 2), `row ${r + 2}`).to.deep.equal([row[0], row[9], Number(row[13]), 1.01]);
          });
          const summary = book.getWorksheet("Summary") as ExcelJS.Worksheet;
          const totals = [11, 12].map((n) => [1, 2, 3, 4, 5].map((c) => summary.getRow(n).getCell(c).value));
          expect(totals).to.deep.equal(
            TOTALS.map((t) => [t.currency, t.side, t.state, t.rows, Number(t.amount)]),
          );
        }
      } finally {
        await paged.close();
      }
    });
  }
});

describe("export through a cache in front of the API (paged world, Buenos Aires)", function () {
  this.timeout(120_000);

  // Bitex's own JSON:API code caches every list for 10 minutes, keyed by its page and page
  // size and not by its filter: every request's outputs are answered with request 600's.
  it("a request whose outputs are read fewer than its count: no export written short, exit 3 naming them", async () => {
    const dir = await tempDir();
    const paged = await startSandbox({
      port: 0,
      seed: pagedSeed(),
      faults: { rate_limit: 0, list_style: "rich", includes: "ignored" },
    });
    const proxy = await rewriteProxy(paged.url, {
      // Links relative, as a proxy that names itself: the emulator's name the emulator.
      body: paginationAs(({ links, meta }) => ({
        meta,
        links: Object.fromEntries(
          Object.entries(links).map(([name, link]) => {
            if (typeof link !== "string") return [name, link];
            const url = new URL(link);
            return [name, url.pathname + url.search];
          }),
        ),
      })),
      cacheKey: (url) => {
        if (!url.pathname.endsWith("/concierge_request_outputs")) return null;
        const page = [...url.searchParams].filter(([name]) => name.startsWith("page["));
        return `${url.pathname}?${new URLSearchParams(page)}`;
      },
    });
    try {
      // The client's first page of request 600's outputs, answered once and kept.
      const first = await fetch(
        `${proxy.url}/concierge_request_outputs?filter%5Brequest_id%5D=600&page%5Bsize%5D=500&page%5Bper_page%5D=500`,
        { headers: { Authorization: paged.apiKey, Accept: "application/vnd.api+json" } },
      );
      expect(first.status).to.equal(200);
      const result = await runCli(
        ["export", "--month", "2026-11", "--tz", BA, "--json", "--report", "paged.csv", "--rate", "1000"],
        { cwd: dir, env: { BITEX_API_KEY: paged.apiKey, BITEX_API_URL: proxy.url } },
      );
      expect(result.code, result.stderr).to.equal(3);
      expect(result.stderr.split("\n").slice(1)).to.deep.equal([
        "bitex-batch: the outputs read of request(s) 5, 1203 are fewer than the request counts (0 of 1, 0 of 1): an answer older than the server (a cache) or cut; nothing was exported",
        "  run the export again in a few minutes; if it says so again, ask Bitex",
        "",
      ]);
      expect(await readdir(dir)).to.not.include("paged.csv");
    } finally {
      await proxy.close();
      await paged.close();
    }
  });
});

/**
 * A server that answers every request's outputs with every output of the account (it ignores
 * `filter[request_id]` and `include`), as a proxy dropping them does: only the outputs naming
 * their request tell whose they are.
 */
describe("export from a server that ignores the outputs' filter (seeded world, Buenos Aires)", function () {
  this.timeout(120_000);

  /** An output with neither the attribute nor the relationship that names its request. */
  const nameless = (resource: unknown): unknown => {
    const r = resource as { type?: string; attributes?: object; relationships?: object };
    if (r?.type !== "concierge_request_outputs") return resource;
    const { request: _r, ...relationships } = (r.relationships ?? {}) as Record<string, unknown>;
    const { request_id: _id, ...attributes } = (r.attributes ?? {}) as Record<string, unknown>;
    return { ...r, attributes, relationships };
  };

  async function exportThrough(body: (document: unknown) => unknown) {
    const dir = await tempDir();
    const box = await startSandbox({
      port: 0,
      seed: exportSeed(),
      faults: { rate_limit: 0 },
    });
    const proxy = await rewriteProxy(box.url, { dropParams: ["filter[request_id]", "include"], body });
    try {
      const result = await runCli(
        ["export", "--month", "2026-11", "--tz", BA, "--json", "--report", "nov.csv", "--rate", "1000"],
        { cwd: dir, env: { BITEX_API_KEY: box.apiKey, BITEX_API_URL: proxy.url } },
      );
      return { result, files: await readdir(dir), dir };
    } finally {
      await proxy.close();
      await box.close();
    }
  }

  it("outputs naming no request: refused, exit 2, nothing written, never every output under every request", async () => {
    // Every output of the account (9) under each request: before, 5 × the rows and the totals, exit 0.
    const { result, files } = await exportThrough((document) => {
      const d = document as { data?: unknown };
      return Array.isArray(d?.data) ? { ...d, data: d.data.map(nameless) } : document;
    });
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr.split("\n").slice(1)).to.deep.equal([
      "bitex-batch: the server answered more outputs than the request counts, not all naming their request (7: 9 of 2, 8: 9 of 1, 9: 9 of 1, 10: 9 of 1, 12: 9 of 1): it ignored filter[request_id], or a cache in front of it answered another request's list; nothing was exported",
      "  this is the server's answer, not this machine's: ask Bitex (developers@bitex.la), or whoever runs a proxy or cache in front of the API, why /concierge_request_outputs?filter[request_id]= answers other requests' outputs; running the export again helps only once that is fixed",
      "",
    ]);
    expect(JSON.parse(result.stdout).error.code).to.equal("unusable_answer");
    expect(files).to.not.include("nov.csv");
  });

  it("outputs naming their request: each under its own request once, the same rows as through no proxy", async () => {
    const { result, dir } = await exportThrough((document) => document);
    expect(result.code, result.stderr).to.equal(0);
    const { rows } = await readRows(join(dir, "nov.csv"));
    expect(rows).to.deep.equal([
      ...(SEEDED_BA["7"] as Row[]),
      ...(SEEDED_BA["12"] as Row[]),
      ...(SEEDED_BA["8"] as Row[]),
      ...(SEEDED_BA["10"] as Row[]),
      ...(SEEDED_BA["9"] as Row[]),
    ]);
  });
});

/** The seeded world read through a proxy that changes some of the server's answers (Buenos Aires). */
describe("export of answers with something missing (seeded world, Buenos Aires)", function () {
  this.timeout(120_000);

  type Change = (attributes: Record<string, unknown>, id: string) => Record<string, unknown>;

  /** `change` edits each output's attributes (by id), `requests` each request's, in every answer. */
  async function exportWith(change: Change, args: string[] = [], requests: Change = (a) => a) {
    const dir = await tempDir();
    const box = await startSandbox({ port: 0, seed: exportSeed(), faults: { rate_limit: 0 } });
    const one = (resource: unknown): unknown => {
      const r = resource as { type?: string; id: string; attributes: Record<string, unknown> };
      if (r?.type === "concierge_requests") return { ...r, attributes: requests(r.attributes, r.id) };
      return r?.type === "concierge_request_outputs"
        ? { ...r, attributes: change(r.attributes, r.id) }
        : resource;
    };
    const proxy = await rewriteProxy(box.url, {
      body: (document) => {
        const d = document as { data?: unknown; included?: unknown[] };
        const included = Array.isArray(d?.included) ? { included: d.included.map(one) } : {};
        if (Array.isArray(d?.data)) return { ...d, data: d.data.map(one), ...included };
        return d?.data ? { ...d, data: one(d.data), ...included } : document;
      },
    });
    try {
      const result = await runCli(
        ["export", "--month", "2026-11", "--tz", BA, "--report", "nov.csv", "--rate", "1000", ...args],
        { cwd: dir, env: { BITEX_API_KEY: box.apiKey, BITEX_API_URL: proxy.url } },
      );
      return { result, dir };
    } finally {
      await proxy.close();
      await box.close();
    }
  }

  it("an output without port_code: its amount in no total, counted on a line of its own, exit 1", async () => {
    const noPort = (a: Record<string, unknown>, id: string) => (id === "100" ? { ...a, port_code: null } : a);
    const { result, dir } = await exportWith(noPort);
    expect(result.code, result.stderr).to.equal(1);
    const lines = result.stdout.split("\n");
    // Before: CLP receive settled vanished from the totals, and nothing said so.
    expect(lines.slice(2, 12)).to.deep.equal([
      "ARS spend rejected: 90000.00 (1 output)",
      "ARS spend returned: 1500000.50 (1 output)",
      "ARS spend settled: 20950.00 (2 outputs)",
      "ARS spend settling: 7600.25 (1 output)",
      "CLP receive settling: 7000 (1 output)",
      "USD receive rejected: 75.50 (1 output)",
      "USD spend cancelled: 250.00 (1 output)",
      "UYU receive returned: 44328.00 (1 output)",
      "UYU receive settled: 10.00 (1 output)",
      "no known currency, receive settled: 1 output, in no total (output 100 of request 7: 19000)",
    ]);
    expect(result.stderr.split("\n").slice(1)).to.deep.equal([
      '1 amount is in no total, its currency unknown: the server named no port with a currency (see "no known currency" in the totals, and the rows with an empty currency in the report); ask Bitex which currency it is in',
      "",
    ]);
    const { rows } = await readRows(join(dir, "nov.csv"));
    const row100 = rows.find((row) => row[9] === "100") as Row;
    expect([row100[11], row100[13], row100[14]]).to.deep.equal(["", "19000", ""]);

    const json = await exportWith(noPort, ["--json"]);
    expect(json.result.code).to.equal(1);
    const summary = JSON.parse(json.result.stdout);
    expect([summary.exit_code, summary.unknown_currency]).to.deep.equal([
      1,
      [
        {
          side: "receive",
          state: "settled",
          rows: 1,
          outputs: [{ request_id: "7", output_id: "100", amount: "19000" }],
        },
      ],
    ]);
  });

  it("a request no evidence places: listed in the report, its figures in no period's totals, summed apart", async () => {
    // Request 5 (October 31 in Buenos Aires) shown without created_at, and nothing else places it.
    const noTime: Change = (a, id) => {
      if (id !== "5") return a;
      const { created_at: _at, ...rest } = a;
      return rest;
    };
    const { result, dir } = await exportWith((a) => a, ["--json"], noTime);
    expect(result.code, result.stderr).to.equal(0);
    const summary = JSON.parse(result.stdout);
    // Before: its 1000 CLP and 1100.00 ARS were in November's totals (and every month's).
    expect([summary.requests, summary.outputs]).to.deep.equal([6, 7]);
    expect(summary.totals).to.deep.equal([
      { currency: "ARS", side: "spend", state: "rejected", rows: 1, amount: "90000.00" },
      { currency: "ARS", side: "spend", state: "returned", rows: 1, amount: "1500000.50" },
      { currency: "ARS", side: "spend", state: "settled", rows: 2, amount: "20950.00" },
      { currency: "ARS", side: "spend", state: "settling", rows: 1, amount: "7600.25" },
      { currency: "CLP", side: "receive", state: "settled", rows: 1, amount: "19000" },
      { currency: "CLP", side: "receive", state: "settling", rows: 1, amount: "7000" },
      { currency: "USD", side: "receive", state: "rejected", rows: 1, amount: "75.50" },
      { currency: "USD", side: "spend", state: "cancelled", rows: 1, amount: "250.00" },
      { currency: "UYU", side: "receive", state: "returned", rows: 1, amount: "44328.00" },
      { currency: "UYU", side: "receive", state: "settled", rows: 1, amount: "10.00" },
    ]);
    expect(summary.unplaced_totals).to.deep.equal([
      { currency: "ARS", side: "spend", state: "settled", rows: 1, amount: "1100.00" },
      { currency: "CLP", side: "receive", state: "settled", rows: 1, amount: "1000" },
    ]);
    const ars = summary.money.find((m: { currency: string }) => m.currency === "ARS");
    expect([ars.quoted, ars.charged]).to.deep.equal([
      { rows: 5, total: "1618550.75" },
      { rows: 4, total: "1528550.75" },
    ]);
    const { rows } = await readRows(join(dir, "nov.csv"));
    expect(rows.at(-1)).to.deep.equal([
      "5",
      "",
      "",
      "",
      "",
      "112",
      "ar_ars",
      "finished",
      "",
      "50",
      "300",
      "cl_clp",
      "2100",
      "1000",
      "CLP",
      "1100.00",
      "ARS",
      "settled",
      "",
      "2026-10-31T09:00:00-03:00",
      "unplaced",
    ]);

    const human = await exportWith((a) => a, [], noTime);
    expect(human.result.code, human.result.stderr).to.equal(0);
    const lines = human.result.stdout.split("\n");
    expect(
      lines.filter((line) => line.startsWith("unplaced") || line.startsWith("request times")),
    ).to.deep.equal([
      "unplaced, in no period's totals: ARS spend settled: 1100.00 (1 output)",
      "unplaced, in no period's totals: CLP receive settled: 1000 (1 output)",
      `request times: 5 requests placed by created_at; 1 request with no time in any evidence (created_at, quote_requested_at, a local journal): listed in the report with request_placed_by=unplaced, whatever the period, and summed apart ("unplaced, in no period's totals"): ask Bitex when they were made`,
    ]);
  });

  it("an output in a state this version does not know: refused, exit 2, what is wrong and what to do; nothing written", async () => {
    const onHold: Change = (a, id) => (id === "100" ? { ...a, state: "on_hold" } : a);
    const { result, dir } = await exportWith(onHold, ["--json"]);
    // Before: exit 3, "the API failed: … unexpected answer", "run the command again later".
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr.split("\n").slice(1)).to.deep.equal([
      'bitex-batch: output 100 of request 7 is in state "on_hold", which this version of bitex-batch does not know (it knows accepting, accepted, rejected, working, settling, settled, failed, returned, cancelled): nothing was exported, since an export never leaves a row out',
      '  update bitex-batch (README, "Install") to a version that knows the state, then run the export again; if the newest does not know it either, ask Bitex (developers@bitex.la) what "on_hold" means',
      "",
    ]);
    expect(JSON.parse(result.stdout).error.code).to.equal("unusable_answer");
    expect(await readdir(dir)).to.not.include("nov.csv");
  });
});
