/**
 * What a run of the cycle says at its end is true, complete and can be used as it is: an
 * exit 3 ends with the command to run even with --quiet (status, inbox), `status --watch`
 * does not wait out --timeout on a batch that cannot move (its requests drafts), and an
 * accept after the quotes lapsed says so instead of a heading with nothing under it.
 * Through the built CLI against the emulator, its clock stopped unless a test moves it.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

const NAME = "Pay roll.csv";
const lines = (text: string) => text.split("\n").filter((line) => line !== "");
/** The emulator's one request's accept_quote_before, as the words write it in UTC. */
const quoteDeadline = (box: Sandbox) =>
  String(box.state().requests[0]?.attributes.accept_quote_before)
    .replace("T", " ")
    .replace(/(\.\d+)?Z$/, " +00:00");

describe("e2e: the last lines of quote, accept, status and inbox", function () {
  this.timeout(120_000);
  let box: Sandbox;
  let dir: string;
  const run = (args: string[]) =>
    runCli([...args, "--rate", "1000", "--tz", "UTC"], { cwd: dir, env: apiEnv(box) });

  beforeEach(async () => {
    box = await stoppedSandbox(await demoSeed());
    dir = await tempDir();
    const { pick, file } = await demoRows();
    // 112's ar_ars request, paying Chile and Mexico: Bitex quotes it at once.
    await writeFile(join(dir, NAME), file(["EMP-1001", "EMP-1003"].map(pick)));
  });
  afterEach(async () => box.close());

  it("status --quiet of a staged batch: exit 3, and its one line is the next command, pasteable", async () => {
    expect((await run(["submit", NAME])).code).to.equal(0);
    const quiet = await run(["status", NAME, "--quiet"]);
    expect([quiet.code, quiet.stdout, quiet.stderr]).to.deep.equal([
      3,
      "",
      "next: bitex-batch quote 'Pay roll.csv'\n",
    ]);
    // Without --quiet the same command ends the summary on stdout.
    const loud = await run(["status", NAME]);
    expect(loud.code).to.equal(3);
    expect(lines(loud.stdout).at(-1)).to.equal("next: bitex-batch quote 'Pay roll.csv'");
  });

  it("status --watch of a batch whose requests are drafts, or quoted, says at once that nothing can move: exit 3, next: quote, then next: accept", async () => {
    expect((await run(["submit", NAME])).code).to.equal(0);
    const started = Date.now();
    const watched = await run(["status", NAME, "--watch", "--timeout", "60", "--interval", "1"]);
    expect(Date.now() - started, "waited for --timeout").to.be.lessThan(20_000);
    expect(watched.code, watched.stderr).to.equal(3);
    expect(watched.stderr).to.include(
      "nothing to wait for: request(s) 1 are drafts, and a draft changes only once its quote is requested\n",
    );
    expect(watched.stderr).to.not.include("not in a final state yet");
    expect(lines(watched.stdout).at(-1)).to.equal("next: bitex-batch quote 'Pay roll.csv'");
    const quiet = await run(["status", NAME, "--watch", "--timeout", "60", "--interval", "1", "--quiet"]);
    expect([quiet.code, quiet.stdout, quiet.stderr]).to.deep.equal([
      3,
      "",
      "next: bitex-batch quote 'Pay roll.csv'\n",
    ]);
    // Quoted: only an accept moves it (its lapse pays nobody), so waiting again would loop (helper-82).
    expect((await run(["quote", NAME, "--wait", "0"])).code).to.equal(0);
    const begun = Date.now();
    const quoted = await run(["status", NAME, "--watch", "--timeout", "60", "--interval", "1"]);
    expect(Date.now() - begun, "waited for --timeout").to.be.lessThan(20_000);
    expect(quoted.code, quoted.stderr).to.equal(3);
    expect(quoted.stderr).to.include(
      "nothing to wait for: request(s) 1 are quoted, and a quoted request changes only once its quote is accepted (or it lapses, which pays nobody)\n",
    );
    expect(quoted.stderr).to.not.match(/not in a final state yet|run the same command again/);
    const [, limit] = maxTotals(box);
    const next = lines(quoted.stdout).at(-1) ?? "";
    expect(next.replace(/, in \d+ min\)$/, ")")).to.equal(
      `next: bitex-batch accept 'Pay roll.csv' --max-total ${limit} (accept before ${quoteDeadline(box)})`,
    );
  });

  it("accept after the quote lapsed: no empty heading; says the quote lapsed and what pays the rows", async () => {
    expect((await run(["submit", NAME])).code).to.equal(0);
    const quoted = await run(["quote", NAME, "--wait", "0"]);
    expect(quoted.code, quoted.stderr).to.equal(0);
    box.advance({ minutes: 11 }); // the quote stands 10 minutes
    expect(box.state().requests.map((r) => r.attributes.state)).to.deep.equal(["cancelled"]);
    const late = await run(["accept", NAME, "--max-total", "ARS=999999999"]);
    expect(late.code, late.stderr).to.equal(2);
    const said = lines(late.stderr);
    // Every line that ends in a colon (a heading) has a line under it.
    said.forEach((line, i) => {
      if (line.endsWith(":")) expect(said[i + 1] ?? "", `under ${line}`).to.match(/^ {2}\S/);
    });
    expect(said).to.include(
      "nothing accepted: no quote of the batch stands against --max-total: request 1 cancelled (quote_not_accepted: the quote lapsed before it was accepted)",
    );
    expect(said.at(-1)).to.equal(
      "  the rows of a cancelled request are not paid: they go to Pay roll.remaining.csv; submit that file to pay them (bitex-batch submit 'Pay roll.remaining.csv')",
    );
    expect(box.state().stats.per_request).to.deep.equal({ "1": { request_quote: 1, accept_quote: 0 } });
    // A plain submit run again says the batch as status does: final, nothing to accept or quote (helper-82).
    const again = await run(["submit", NAME, "--json"]);
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.parse(again.stdout)).to.include({ stage: "final" });
    const told = lines(again.stderr);
    expect(told).to.include(
      "NOT PAID: request(s) 1 cancelled at Bitex (their rows not paid, and not charged)",
    );
    expect(told.filter((line) => line.startsWith("next: "))).to.deep.equal([
      "next: bitex-batch status 'Pay roll.csv' (reads every request at Bitex and writes Pay roll.remaining.csv with the rows not paid, to submit)",
    ]);
    expect(again.stderr).to.not.match(/until (they are|the quotes are) accepted/);
    expect(box.state().stats.per_request).to.deep.equal({ "1": { request_quote: 1, accept_quote: 0 } });
  });

  it("accept of a batch not quoted yet: no empty heading, and no word of quotes that stand", async () => {
    expect((await run(["submit", NAME])).code).to.equal(0);
    const early = await run(["accept", NAME, "--max-total", "ARS=999999999"]);
    expect(early.code, early.stderr).to.equal(2);
    expect(lines(early.stderr)).to.deep.equal([
      "nothing accepted: no quote of the batch stands against --max-total: request 1 draft (no quote requested)",
      "STAGED, NOT PAID: 2 row(s) created in draft requests; nobody is paid until the quotes are requested and accepted",
      "bitex-batch: accept refused: request 1 is draft, not quoted",
      "  the batch is not quoted yet: bitex-batch quote 'Pay roll.csv' gets its quotes and prints what they spend and the accept command",
    ]);
    expect(box.state().stats.per_request).to.deep.equal({});
  });

  it("inbox --quiet stopped by an outage: exit 3, says why, and ends with the command to run again", async () => {
    const inbox = join(dir, "in");
    await mkdir(inbox);
    const { pick, file } = await demoRows();
    await writeFile(join(inbox, "a.csv"), file([pick("EMP-1001")]));
    await box.suspend();
    const args = ["inbox", inbox, "--settle", "0", "--quiet", "--rate", "1000", "--tz", "UTC"];
    const down = await runCli(args, { cwd: dir, env: { ...apiEnv(box), BITEX_BATCH_SETTLE_MS: "0" } });
    expect(down.code, down.stderr).to.equal(3);
    const said = lines(down.stderr);
    expect(said[0]).to.match(
      /^a\.csv: stopped \(exit 3\): the API could not be reached: .+; left in the folder for the next run$/,
    );
    expect(said.at(-1)).to.equal(
      `  check --api-url (or BITEX_API_URL) points at the Bitex API; then run the same command again to resume; nothing will be paid twice: bitex-batch inbox ${inbox} --settle 0 --quiet --rate 1000 --tz UTC`,
    );
    expect(said).to.have.length(2);
  });
});
