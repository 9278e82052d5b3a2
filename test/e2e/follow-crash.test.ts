/**
 * The money steps exactly once under kills and lost answers (docs/design.md section 12): the CLI
 * killed (SIGKILL, by its own crash points) between journaling a step and sending it,
 * between the server's answer and the journal, and while status reads; then run again. The
 * emulator counts request_quote and accept_quote per request.
 */
import { copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { type Faults, type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { type CliResult, runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { withoutTimestamps } from "../helpers/report.js";
import { apiEnv, DEMO_CSV, DEMO_SEED } from "../helpers/sandbox.js";

interface Flow {
  box: Sandbox;
  dir: string;
  run(args: string[], crashAt?: string): Promise<CliResult>;
}

async function flow(faults: Partial<Faults> = {}): Promise<Flow> {
  const box = await startSandbox({
    port: 0,
    seed: DEMO_SEED,
    faults: { rate_limit: 0, ...faults },
    timeScale: 1,
  });
  const dir = await tempDir();
  await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
  const run = (args: string[], crashAt?: string) =>
    runCli([...args, "--state-dir", "state", "--concurrency", "1", "--rate", "1000"], {
      cwd: dir,
      env: { ...apiEnv(box), BITEX_BATCH_CRASH_AT: crashAt },
    });
  return { box, dir, run };
}

function expectKilled(result: CliResult): void {
  expect(result.signal, result.stderr).to.equal("SIGKILL");
}

function expectOnceEach(box: Sandbox): void {
  const calls = box.state().stats.per_request;
  expect(Object.keys(calls)).to.have.length(3);
  for (const [id, counts] of Object.entries(calls)) {
    expect(counts, `request ${id}`).to.deep.equal({ request_quote: 1, accept_quote: 1 });
  }
}

const report = async (f: Flow) =>
  withoutTimestamps(await readFile(join(f.dir, "payroll.report.csv"), "utf8"));

describe("follow-through exactly once: kills and lost answers", function () {
  this.timeout(180_000);
  const boxes: Sandbox[] = [];
  afterEach(async () => {
    for (const box of boxes.splice(0)) await box.close();
  });

  it("killed at every point of quote, accept and status, then run again: once per request, the same final report", async () => {
    const calm = await flow();
    const cut = await flow();
    boxes.push(calm.box, cut.box);

    // The uninterrupted run, for comparison.
    expect((await calm.run(["submit", "payroll.csv"])).code).to.equal(0);
    expect((await calm.run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(3);
    calm.box.advance({ minutes: 31 });
    expect((await calm.run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(0);
    expect((await calm.run(["accept", "payroll.csv", ...maxTotals(calm.box)])).code).to.equal(0);
    calm.box.advance({ minutes: 60 });
    expect((await calm.run(["status", "payroll.csv"])).code).to.equal(1);
    expectOnceEach(calm.box);

    expect((await cut.run(["submit", "payroll.csv"])).code).to.equal(0);
    // The slow quote asked, its answer never journaled: the rerun reads it, and asks nothing.
    expectKilled(await cut.run(["quote", "payroll.csv", "--wait", "0"], "request_quote:answered"));
    expect((await cut.run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(3);
    cut.box.advance({ minutes: 31 });
    // The fast quotes journaled, then killed before they were sent: the rerun sends them once.
    expectKilled(await cut.run(["quote", "payroll.csv", "--wait", "0"], "request_quote:intent"));
    expect(cut.box.state().requests.map((r) => r.attributes.state)).to.deep.equal([
      "draft",
      "draft",
      "quoted",
    ]);
    expect((await cut.run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(0);
    // Accepted on the server, killed before the journal knew: the rerun accepts nothing again.
    const totals = maxTotals(cut.box);
    expectKilled(await cut.run(["accept", "payroll.csv", ...totals], "accept_quote:answered"));
    expect((await cut.run(["accept", "payroll.csv", ...totals])).code).to.equal(0);
    cut.box.advance({ minutes: 60 });
    expectKilled(await cut.run(["status", "payroll.csv"], "status-read"));
    expect((await cut.run(["status", "payroll.csv"])).code).to.equal(1);

    expectOnceEach(cut.box);
    expect(await report(cut)).to.equal(await report(calm));
  });

  // The chaos case (a dropped answer) also against bare lists, as every recorded Bitex list is.
  for (const [style, faults] of [
    ["rich lists", {}],
    ["bare lists, 25 a page", { list_style: "bare", page_cap: 25 }],
  ] as [string, Partial<Faults>][]) {
    it(`a lost answer to accept_quote (the emulator's drop fault) is settled by reading the request (${style})`, async () => {
      const f = await flow(faults);
      boxes.push(f.box);
      expect((await f.run(["submit", "payroll.csv"])).code).to.equal(0);
      expect((await f.run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(3);
      f.box.advance({ minutes: 31 });
      expect((await f.run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(0);
      f.box.setFaults({ drop_rate: 1 });
      const accepted = await f.run(["accept", "payroll.csv", ...maxTotals(f.box)]);
      expect(accepted.code, accepted.stderr).to.equal(0);
      expect(accepted.stderr).to.match(
        /accept_quote on request \d+: no clear answer \(api_\w+\); reading the request/,
      );
      expect(f.box.state().stats.dropped).to.equal(3);
      expect(f.box.state().requests.map((r) => r.attributes.state)).to.deep.equal([
        "quote_accepted",
        "quote_accepted",
        "quote_accepted",
      ]);
      expectOnceEach(f.box);
    });
  }
});
