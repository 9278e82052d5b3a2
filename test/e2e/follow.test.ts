/**
 * The follow-through end to end (docs/design.md section 12), through the built CLI against the
 * emulator on real time: what is due at once happens at once (quotes for Latin American
 * ports), and each test moves the clock over what would take minutes or hours.
 */
import { copyFile, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { createBitexClient } from "../../src/bitex/client.js";
import { groupDigits, padScale } from "../../src/decimal.js";
import { minorUnits, type PortCode, portCurrency } from "../../src/ports.js";
import { type Sandbox, type Seed, startSandbox } from "../../src/sandbox/index.js";
import { runCli, spawnCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { readReport, withoutTimestamps } from "../helpers/report.js";
import { apiEnv, DEMO_CSV, demoSeed } from "../helpers/sandbox.js";

/** The demo world, whose payee of EMP-1010 fails compliance and whose EMP-1020 payout comes back. */
async function emulator(change?: (seed: Seed) => void): Promise<Sandbox> {
  const seed = await demoSeed();
  change?.(seed);
  // Written for rich lists (the default before the recorded style), whose calls it counts.
  return startSandbox({ port: 0, seed, faults: { rate_limit: 0, list_style: "rich" }, timeScale: 1 });
}

interface Flow {
  box: Sandbox;
  dir: string;
  run(args: string[], env?: Record<string, string>): ReturnType<typeof runCli>;
}

async function flow(box: Sandbox): Promise<Flow> {
  const dir = await tempDir();
  await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
  const run = (args: string[], env: Record<string, string> = {}) =>
    runCli([...args, "--state-dir", "state", "--concurrency", "1", "--rate", "1000"], {
      cwd: dir,
      env: { ...apiEnv(box), ...env },
    });
  return { box, dir, run };
}

/** quote, over the 30 minutes the US payout's quote takes. */
async function quoteAll(f: Flow, extra: string[] = []): Promise<void> {
  const first = await f.run(["quote", "payroll.csv", "--wait", "0", ...extra]);
  expect(first.code, first.stderr).to.equal(3);
  f.box.advance({ minutes: 31 });
  const second = await f.run(["quote", "payroll.csv", "--wait", "0", ...extra]);
  expect(second.code, second.stderr).to.equal(0);
}

function requestStates(box: Sandbox): string[] {
  return box.state().requests.map((r) => `${r.id}:${r.attributes.state}`);
}

function actionCalls(box: Sandbox): Record<string, { request_quote: number; accept_quote: number }> {
  return box.state().stats.per_request as Record<string, { request_quote: number; accept_quote: number }>;
}

const money = (value: number | null, currency: string) =>
  value === null ? "" : padScale(String(value), minorUnits(currency));

/** Every report row against the emulator's own output and request. */
async function expectReportMatchesServer(f: Flow): Promise<Record<string, string>[]> {
  const state = f.box.state();
  const outputs = new Map(state.outputs.map((o) => [o.id, o]));
  const requests = new Map(state.requests.map((r) => [r.id, r]));
  const report = await readReport(join(f.dir, "payroll.report.csv"));
  expect(report).to.have.length(48);
  for (const row of report) {
    const output = outputs.get(row.output_id as string);
    const request = requests.get(row.request_id as string);
    expect(output, `line ${row.line}`).to.not.equal(undefined);
    if (!output || !request) continue;
    const receive = portCurrency(output.attributes.port_code as PortCode).toUpperCase();
    const spend = portCurrency(request.attributes.port_code as PortCode).toUpperCase();
    expect(
      [
        row.status,
        row.state,
        row.request_state,
        row.receive_amount,
        row.receive_currency,
        row.spend_amount,
        row.spend_currency,
      ],
      `line ${row.line}`,
    ).to.deep.equal([
      "created",
      output.attributes.state,
      request.attributes.state,
      money(output.attributes.amount, receive),
      receive,
      money(output.attributes.budget, spend),
      spend,
    ]);
  }
  return report;
}

describe("follow-through end to end: submit → quote → accept → status", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("takes the demo payroll to final states, once per request, with the exit codes of section 12", async () => {
    box = await emulator();
    const f = await flow(box);
    expect((await f.run(["submit", "payroll.csv"])).code).to.equal(0);

    // The request with a US payout is quoted 30 minutes later: quote stops waiting (exit 3)...
    const early = await f.run(["quote", "payroll.csv", "--wait", "0"]);
    expect(early.code, early.stderr).to.equal(3);
    expect(early.stderr).to.match(
      /1 request\(s\) still wait for their quote \(3\); 2 held as draft\(s\) until then, so that all can be accepted together/,
    );
    expect(requestStates(box)).to.deep.equal(["1:draft", "2:draft", "3:quote_requested"]);
    // One next step: the command to run again, last; no second "next:" beside it.
    expect(early.stdout).to.not.include("next:");
    expect(early.stderr.trimEnd().split("\n").at(-1)).to.match(
      /run the same command again.*: bitex-batch quote payroll\.csv --wait 0 --state-dir state --concurrency 1 --rate 1000$/,
    );
    // Request 3 is no draft any more: its quote is asked for, and said so.
    expect(early.log).to.match(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d STAGED, NOT PAID: 48 row\(s\) created; the quote of request\(s\) 3 is requested, not in yet; nobody is paid until the quotes are in and accepted$/m,
    );
    box.advance({ minutes: 31 });
    // ...and running it again goes on waiting, without asking again.
    const quoted = await f.run(["quote", "payroll.csv", "--wait", "0"]);
    expect(quoted.code, quoted.stderr).to.equal(0);
    expect(requestStates(box)).to.deep.equal(["1:quoted", "2:quoted", "3:quoted"]);
    expect(quoted.stdout).to.match(
      /^request 1 \(payer 112, ar_ars, 24 row\(s\)\): quoted, spends [\d\u202f]+\.\d\d ARS; accept before /m,
    );
    expect(quoted.stdout).to.match(
      /next: bitex-batch accept payroll\.csv --max-total ARS=\d+\.\d\d --max-total USD=\d+\.\d\d --max-total UYU=\d+\.\d\d \(accept before /,
    );
    await expectReportMatchesServer(f);

    const accepted = await f.run(["accept", "payroll.csv", ...maxTotals(box)]);
    expect(accepted.code, accepted.stderr).to.equal(0);
    expect(requestStates(box)).to.deep.equal(["1:quote_accepted", "2:quote_accepted", "3:quote_accepted"]);

    const midway = await f.run(["status", "payroll.csv"]);
    expect(midway.code, midway.stderr).to.equal(3);
    expect(midway.stdout).to.match(/next: bitex-batch status payroll\.csv --watch/);

    box.advance({ minutes: 60 });
    const done = await f.run(["status", "payroll.csv", "--json"]);
    expect(done.code, done.stderr).to.equal(1);
    expect(requestStates(box)).to.deep.equal(["1:finished", "2:finished", "3:finished"]);
    const summary = JSON.parse(done.stdout);
    expect(summary).to.include({ command: "status", exit_code: 1, rows: 48 });
    expect(summary.by_state).to.deep.equal({ rejected: 1, returned: 1, settled: 46 });

    const report = await expectReportMatchesServer(f);
    const byReference = new Map(report.map((row) => [row.reference, row.state]));
    expect(byReference.get("EMP-1010")).to.equal("rejected");
    expect(byReference.get("EMP-1020")).to.equal("returned");
    for (const counts of Object.values(actionCalls(box)))
      expect(counts).to.deep.equal({ request_quote: 1, accept_quote: 1 });
  });

  it("the guard: a --max-total one cent below the quotes accepts nothing (exit 2, expected against found)", async () => {
    box = await emulator();
    const f = await flow(box);
    expect((await f.run(["submit", "payroll.csv", "--until", "quoted", "--wait", "0"])).code).to.equal(3);
    box.advance({ minutes: 31 });
    expect((await f.run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(0);
    const calls = box.state().stats.calls;

    const missing = await f.run(["accept", "payroll.csv"]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/--max-total CUR=AMOUNT is required/);
    const untilFinal = await f.run(["submit", "payroll.csv", "--until", "final"]);
    expect(untilFinal.code).to.equal(2);
    expect(box.state().stats.calls, "refused before any call").to.equal(calls);

    const low = await f.run(["accept", "payroll.csv", ...maxTotals(box, "0.01")]);
    expect(low.code, low.stderr).to.equal(2);
    expect(low.stderr).to.match(/^nothing accepted: the batch's quotes against --max-total:$/m);
    expect(low.stderr).to.match(
      /^ {2}ARS: [\d\u202f]+\.\d\d in 1 request\(s\), --max-total [\d\u202f]+\.\d\d$/m,
    );
    expect(low.stderr).to.match(
      /accept refused: ARS: the quotes spend ([\d\u202f]+\.\d\d), above --max-total ARS=/,
    );
    expect(requestStates(box)).to.deep.equal(["1:quoted", "2:quoted", "3:quoted"]);
    for (const counts of Object.values(actionCalls(box))) expect(counts.accept_quote).to.equal(0);
  });

  it("deadlines: an expired quote is refused naming the request; unfunded requests end payment_not_received", async () => {
    box = await emulator((seed) => {
      // Payer 113 has no UYU: its request is accepted but never funded.
      seed.balances = (seed.balances ?? []).filter((b) => b.user_id !== "113");
    });
    const f = await flow(box);
    expect((await f.run(["submit", "payroll.csv"])).code).to.equal(0);
    await quoteAll(f);
    const totals = maxTotals(box);
    expect((await f.run(["accept", "payroll.csv", ...totals])).code).to.equal(0);
    box.advance({ minutes: 13 * 60 });
    const status = await f.run(["status", "payroll.csv"]);
    expect(status.code, status.stderr).to.equal(1);
    expect(status.stdout).to.match(
      /^request 3 \(payer 113, uy_uyu, 16 row\(s\)\): cancelled, charged nothing \(its quote was [\d\u202f]+\.\d\d UYU\) \(payment_not_received\)$/m,
    );
    const report = await readReport(join(f.dir, "payroll.report.csv"));
    const unfunded = report.filter((row) => row.payer_user_id === "113");
    expect(unfunded).to.have.length(16);
    for (const row of unfunded) {
      expect([row.state, row.request_state, row.cancellation_reason]).to.deep.equal([
        "cancelled",
        "cancelled",
        "payment_not_received",
      ]);
    }
    // The money block says where the quote accepted for them went, as --json and the xlsx
    // Summary do: charged nothing, and why, with the server's own total and the lines.
    const cancelled = box.state().requests.find((r) => r.id === "3");
    expect(cancelled?.attributes.state).to.equal("cancelled");
    const quote = groupDigits(padScale(String(cancelled?.attributes.total_to_spend), minorUnits("UYU")));
    const lines = unfunded.map((row) => Number(row.line)).sort((a, b) => a - b);
    const moneyBlock = status.stdout.split("\n").filter((line) => /^(money UYU| {2}UYU )/.test(line));
    expect(moneyBlock.slice(0, 2)).to.deep.equal([
      "money UYU: quoted 0.00 (0 rows); charged 0.00 (0 rows); refunded 0.00 (0 rows); net 0.00",
      `  UYU ${quote}: 16 row(s) of cancelled request(s), not charged (payment_not_received); line(s) ${lines.slice(0, 10).join(", ")}, …`,
    ]);
    expect(moneyBlock.slice(2)).to.have.length(1);
    expect(moneyBlock[2]).to.match(/^ {2}UYU in the file /);

    // A second batch of the same file quoted, then left past accept_quote_before.
    const first = await readFile(join(f.dir, "payroll.remaining.csv"), "utf8");

    // Run again, as a cron line does: request 3 was accepted (the journal says so) and its
    // funds never came. Nothing is left to accept and nothing moves: exit 1 by the rows, never
    // 5 "partly accepted" nor "can no longer be accepted" (helper-82).
    const calls = JSON.stringify(actionCalls(box));
    const unfundedLine =
      "request(s) 3 (payment_not_received) were accepted and then cancelled at Bitex: their rows are not paid, and not charged; nothing of them is left to accept";
    const again = await f.run(["accept", "payroll.csv", ...totals]);
    expect(again.code, again.stderr).to.equal(1);
    expect(again.stderr).to.match(/^Already accepted at [^;]+; nothing sent$/m);
    expect(again.stderr).to.include(`\n${unfundedLine}\n`);
    expect(again.stderr).to.not.match(/can no longer be accepted|partly accepted|not quoted/);
    const cron = await f.run(["submit", "payroll.csv", "--until", "final", ...totals]);
    expect(cron.code, cron.stderr).to.equal(1);
    // The rows not paid are said once, by the follow-through (helper-84: twice before).
    expect(
      cron.stdout.split("\n").filter((line) => line.includes("not paid and not being paid")),
    ).to.deep.equal([
      "18 row(s) not paid and not being paid: payroll.remaining.csv (fix them there if needed, then bitex-batch submit payroll.remaining.csv)",
    ]);
    expect(cron.stderr).to.include(`\n${unfundedLine}\n`);
    expect(cron.stderr).to.not.match(/can no longer be accepted|partly accepted|not quoted/);
    expect(JSON.stringify(actionCalls(box))).to.equal(calls);
    expect((await f.run(["submit", "payroll.csv", "--batch-id", "late"])).code).to.equal(0);
    await quoteAll(f, ["--batch-id", "late"]);
    box.advance({ minutes: 11 });
    const refused = await f.run(["accept", "payroll.csv", "--batch-id", "late", ...totals]);
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.match(
      /request \d+ is cancelled \(quote_not_accepted\), not quoted: its quote had to be accepted before \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(\d+ (min|s) ago\)/,
    );
    // Its rows were created and never paid: the hint points at the remaining file, never at a new --batch-id.
    expect(refused.stderr).to.include(
      // Its own file: payroll.remaining.csv holds the first batch's unfunded rows, never written over.
      "the rows of a cancelled request are not paid: they go to payroll.late.remaining.csv; submit that file to pay them",
    );
    expect(refused.stderr).to.not.include("--batch-id <new id>");
    expect(await readFile(join(f.dir, "payroll.remaining.csv"), "utf8")).to.equal(first);
    expect(await readFile(join(f.dir, "payroll.late.remaining.csv"), "utf8")).to.equal(
      await readFile(join(f.dir, "payroll.csv"), "utf8"),
    );
  });

  it("the quote gate: a request holding a second output for a row is never quoted (exit 2, ids and lines named)", async () => {
    box = await emulator();
    const f = await flow(box);
    expect((await f.run(["submit", "payroll.csv"])).code).to.equal(0);
    // Another writer (a second run with its own state directory) pays EMP-1001 again.
    const client = createBitexClient({ baseUrl: box.url, apiKey: box.apiKey, concurrency: 1, rate: 1000 });
    const extra = await client.createOutput({
      requestId: "1",
      portCode: "cl_clp",
      amount: "1329000",
      recipientUserId: "300",
      withdrawalInstructionId: "2100",
    });
    client.close();
    const refused = await f.run(["quote", "payroll.csv"]);
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.include(
      `request 1 holds 1 output(s) that are not this batch's rows: ${extra.id} (a second output for line 2)`,
    );
    expect(refused.stderr).to.match(/nothing was quoted; see the README's 'A request with extra outputs'/);
    expect(requestStates(box)).to.deep.equal(["1:draft", "2:draft", "3:draft"]);
    expect(actionCalls(box)).to.deep.equal({});
    // The report still shows every row with its own output, not the stranger.
    const report = await readReport(join(f.dir, "payroll.report.csv"));
    expect(report.find((row) => row.line === "2")?.output_id).to.equal("1");
    // status says it too, and its next step is the way out, never the quote refused (helper-100).
    const status = await f.run(["status", "payroll.csv"]);
    expect(status.stderr).to.include(
      `request 1 holds 1 output(s) that are not this batch's rows: ${extra.id} (a second output for line 2)`,
    );
    expect(
      status.stdout
        .trimEnd()
        .split("\n")
        .filter((line) => line.startsWith("next: ")),
    ).to.deep.equal([
      // The batch's other drafts with it: once request 1 is cancelled none of them is quoted (helper-115).
      `next: cancel request(s) 1 at Bitex (they hold outputs that are not this batch's rows; nothing is paid from a request not accepted), and with them draft request(s) 2, 3 (a batch with a cancelled request is never quoted, and whoever quotes a draft pays its rows), then bitex-batch status payroll.csv writes payroll.remaining.csv with their rows (README: "A request with extra outputs")`,
    ]);
    expect(actionCalls(box)).to.deep.equal({});
  });

  it("a batch that was never submitted does not exist: status and quote exit 2 and send nothing", async () => {
    box = await emulator();
    const f = await flow(box);
    const status = await f.run(["status", "payroll.csv"]);
    expect(status.code, status.stderr).to.equal(2);
    expect(status.stderr).to.match(/batch [0-9a-f]{16} of payroll\.csv is not on the server/);
    const quote = await f.run(["quote", "payroll.csv"]);
    expect(quote.code, quote.stderr).to.equal(2);
    expect(quote.stderr).to.match(
      /the batch cannot be quoted: no request for 112 from ar_ars on the server: nothing of it was created/,
    );
    expect(box.state().requests).to.deep.equal([]);
    expect(actionCalls(box)).to.deep.equal({});
    // Nothing of the batch is kept: no folder, no empty journal.
    expect(await readdir(join(f.dir, "state"))).to.deep.equal([]);
  });

  it("status finds the batch by external_id when the state directory is gone, and writes the same report", async () => {
    box = await emulator();
    const f = await flow(box);
    expect((await f.run(["submit", "payroll.csv"])).code).to.equal(0);
    await quoteAll(f);
    expect((await f.run(["accept", "payroll.csv", ...maxTotals(box)])).code).to.equal(0);
    box.advance({ minutes: 60 });
    expect((await f.run(["status", "payroll.csv"])).code).to.equal(1);
    const before = await readFile(join(f.dir, "payroll.report.csv"), "utf8");
    await rm(join(f.dir, "state"), { recursive: true });
    const calls = box.state().stats.calls;
    const again = await f.run(["status", "payroll.csv"]);
    expect(again.code, again.stderr).to.equal(1);
    const after = await readFile(join(f.dir, "payroll.report.csv"), "utf8");
    expect(withoutTimestamps(after)).to.equal(withoutTimestamps(before));
    expect(after).to.match(/^2,EMP-1001,/m);
    // One request lookup, one read and one listing per request: 3 × 3 calls.
    expect(box.state().stats.calls - calls).to.equal(9);
  });

  /**
   * A batch submitted with `submitArgs`, its state directory gone, then `status` with `statusArgs`
   * against a server that does not hold it: exit 2, the refusal, and the report of created rows
   * (`report`) kept byte for byte and said so.
   */
  async function keptAgainstEmptyServer(submitArgs: string[], statusArgs: string[], report: string) {
    box = await emulator();
    const f = await flow(box);
    expect((await f.run(["submit", "payroll.csv", ...submitArgs])).code).to.equal(0);
    const before = await readFile(join(f.dir, report));
    await rm(join(f.dir, "state"), { recursive: true });
    const empty = await emulator();
    try {
      const status = await f.run(["status", "payroll.csv", ...statusArgs], apiEnv(empty));
      expect(status.code, status.stderr).to.equal(2);
      expect(status.stderr).to.match(/batch [0-9a-f]{16} of payroll\.csv is not on the server/);
      // Not "report: <path>" alone, which reads as written by this run.
      expect(status.stdout).to.equal(
        `report: ${report} kept as it was (it holds rows created on the server)\n`,
      );
    } finally {
      await empty.close();
    }
    expect((await readFile(join(f.dir, report))).equals(before)).to.equal(true);
  }

  it("status --watch of a batch the server does not hold: exit 2 at once, and the report of created rows is kept", async () => {
    await keptAgainstEmptyServer([], ["--watch", "--timeout", "5", "--interval", "1"], "payroll.report.csv");
  });

  it("an edited file whose batch kept no copy of it: status and submit name that batch and never point at each other", async () => {
    box = await emulator();
    const f = await flow(box);
    expect((await f.run(["submit", "payroll.csv"])).code).to.equal(0);
    // The copy was not kept (the file changed while submit read it, or a journal older than copies).
    const [dir] = await readdir(join(f.dir, "state"));
    await rm(join(f.dir, "state", dir as string, "input.csv"));
    const csv = await readFile(join(f.dir, "payroll.csv"), "utf8");
    await writeFile(join(f.dir, "payroll.csv"), csv.replace(",1329000,", ",1329001,"));
    const status = await f.run(["status", "payroll.csv"]);
    expect(status.code, status.stderr).to.equal(2);
    // Not "nothing of it was created: run submit first": rows of that batch were created.
    expect(status.stderr).to.not.include("nothing of it was created");
    expect(status.stderr).to.match(
      /payroll\.csv changed since batch [0-9a-f]{16} began \([^)]+\), which kept no copy of the file as submitted: put payroll\.csv back as it was submitted to follow that batch/,
    );
    const submit = await f.run(["submit", "payroll.csv"]);
    expect(submit.code, submit.stderr).to.equal(2);
    expect(submit.stderr).to.not.include("bitex-batch status payroll.csv follows that batch");
    expect(submit.stderr).to.match(
      /that batch kept no copy of the file as submitted: put payroll\.csv back as it was/,
    );
    expect(box.state().outputs).to.have.length(csv.trimEnd().split("\n").length - 1);
  });

  it("a file submitted under a --batch-id of its own and quoted by its name alone: that batch followed, and the file not called changed", async () => {
    box = await emulator();
    const f = await flow(box);
    const staged = await f.run(["submit", "payroll.csv", "--batch-id", "payroll-2026-12"]);
    expect(staged.code, staged.stderr).to.equal(0);
    expect(staged.stdout).to.include("next: bitex-batch quote payroll.csv --batch-id payroll-2026-12\n");
    // By its name alone, as an operator types it.
    const quoted = await f.run(["quote", "payroll.csv", "--wait", "0"]);
    expect(quoted.stderr).to.match(
      /payroll\.csv is batch payroll-2026-12 \(begun [^)]+\); following that batch\n/,
    );
    expect(quoted.stderr).to.not.include("changed since");
    // The report is that batch's own, written by its submit, and not another's to step aside from.
    expect(quoted.stderr).to.not.include("report and stays");
    expect(quoted.stdout).to.include("report: payroll.report.csv\n");
    // The slow US quote asked for first (the two others are held as drafts until it is in): exit 3.
    expect(quoted.code, quoted.stderr).to.equal(3);
    expect(box.state().outputs).to.have.length(48);
    expect(requestStates(box)).to.deep.equal(["1:draft", "2:draft", "3:quote_requested"]);
    expect(actionCalls(box)).to.deep.equal({ "3": { request_quote: 1, accept_quote: 0 } });
  });

  it("a key refused while reads are in flight: the run ends on the refusal, with no outage line after it", async () => {
    box = await emulator();
    const f = await flow(box);
    expect((await f.run(["submit", "payroll.csv"])).code).to.equal(0);
    // Reads in flight at once (the flow's runs take one at a time), in a process of its own:
    // what it writes after the run's end is in its stderr too.
    const status = await spawnCli(["status", "payroll.csv", "--state-dir", "state", "--concurrency", "4"], {
      cwd: f.dir,
      env: { ...apiEnv(box), BITEX_API_KEY: "not-the-key-0000" },
    }).done;
    expect(status.code, status.stderr).to.equal(2);
    // The calls cut by the run's end are no outage of the API: nothing is retried or said after the error.
    expect(status.stderr.trimEnd().split("\n").slice(-2)).to.deep.equal([
      "bitex-batch: the API refused the key: Bitex refused the API key (401): Invalid Api Key",
      "  check BITEX_API_KEY and --api-url",
    ]);
    expect(status.stderr).to.not.include("API unreachable");
  });

  it("an xlsx report of created rows is kept when status reads a server without the batch (state directory gone, another API)", async () => {
    await keptAgainstEmptyServer(
      ["--report-format", "xlsx"],
      ["--report-format", "xlsx"],
      "payroll.report.xlsx",
    );
  });
});
