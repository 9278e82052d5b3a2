/**
 * `export` end to end: the built CLI against an emulator seeded with past requests on both
 * sides of November 2026's edges, in Buenos Aires (UTC-3, no daylight saving) and in UTC, plus
 * a batch submitted through the CLI so that batch, reference and line come from its journal.
 * The emulator's clock is pinned to 2026-11-20, so nothing depends on today's date.
 */
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { EXPORT_HEADER, exportSeed, PAYROLL_CSV, pagedSeed } from "../helpers/export-world.js";

const BA = "America/Argentina/Buenos_Aires";

/** Buenos Aires has been UTC-3 all year since 2009: an oracle independent of date-fns. */
function inBuenosAires(iso: string): string {
  return `${new Date(Date.parse(iso) - 3 * 3_600_000).toISOString().slice(0, 19)}-03:00`;
}

type Row = string[];

/** A report row written as its CSV line (no cell here holds a comma). */
const cells = (line: string): Row => line.split(",");

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

    const summary = JSON.parse(result.stdout);
    expect(summary).to.deep.equal({
      command: "export",
      // every --json object carries problems and error (issue 14)
      problems: [],
      error: null,
      period: { from: "2026-11-01", to: "2026-11-30", tz: BA },
      payer: null,
      requests: 7,
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

  it("the same month in UTC moves the edge requests: 6 is in, 9 and 10 are out", async () => {
    const result = await cli(["--month", "2026-11", "--report", "utc.csv"]);
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
    const paged = await startSandbox({ port: 0, seed: pagedSeed(), faults: { rate_limit: 0 } });
    try {
      const result = await runCli(["export", "--month", "2026-11", "--json", "--report", "paged.csv"], {
        cwd: dir,
        env: { BITEX_API_KEY: paged.apiKey, BITEX_API_URL: paged.url },
      });
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
      // Three pages of requests, two of request 600's outputs, one each for 5 and 1203.
      expect(paged.state().stats.calls).to.equal(3 + 2 + 1 + 1);
    } finally {
      await paged.close();
    }
  });

  // Last: it deletes the state directory the tests above read.
  it("without the journals: the same rows, batch, reference and line empty", async () => {
    await rm(join(dir, "state"), { recursive: true });
    const result = await cli(["--month", "2026-11", "--tz", BA, "--report", "nojournal.csv"]);
    expect(result.code, result.stderr).to.equal(0);
    expect((await readRows(join(dir, "nojournal.csv"))).rows).to.deep.equal(expectedBuenosAires(false));
  });
});
