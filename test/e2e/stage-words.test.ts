/**
 * What a batch is, said once and truly (docs/design.md section 12): the stage in `--json`, the
 * words on stderr, one next step that pastes, no ready-made override after a refused guard,
 * "Already accepted" for an accepted batch. Through the built CLI against the emulator.
 */
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { apiEnv, DEMO_CSV, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

const NAME = "Sueldos Diciembre 2026.csv";

describe("e2e: the words of a batch's stage", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("staged, refused, accepted, settled: each run says where the batch is, once, with one next step that pastes", async () => {
    box = await startSandbox({ port: 0, seed: await demoSeed(), faults: { rate_limit: 0 }, timeScale: 1 });
    const world = box;
    const dir = await tempDir();
    await copyFile(DEMO_CSV, join(dir, NAME));
    const run = (args: string[]) =>
      runCli([...args, "--state-dir", "state", "--rate", "1000"], { cwd: dir, env: apiEnv(world) });

    const staged = await run(["submit", NAME, "--json"]);
    expect(staged.code, staged.stderr).to.equal(0);
    expect(JSON.parse(staged.stdout)).to.include({ stage: "staged", exit_code: 0 });
    expect(staged.log).to.match(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d STAGED, NOT PAID: 48 row\(s\) created in draft requests/m,
    );

    // Run again: its rows were created, not paid, and it says so once.
    const again = await run(["submit", NAME]);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.match(
      /all 48 row\(s\) of batch [0-9a-f]{16} were already created \(begun [^)]+\): nothing new was sent/,
    );
    expect(again.stderr).to.not.match(/already paid|pass --batch-id/);
    expect(again.stdout.match(/^next: /gm)).to.have.length(1);
    expect(again.stdout).to.match(/^next: bitex-batch quote 'Sueldos Diciembre 2026\.csv'$/m);

    expect((await run(["quote", NAME, "--wait", "0"])).code).to.equal(3);
    box.advance({ minutes: 31 });
    const quoted = await run(["quote", NAME, "--wait", "0", "--json"]);
    expect(quoted.code, quoted.stderr).to.equal(0);
    expect(JSON.parse(quoted.stdout)).to.include({ stage: "quoted" });
    expect(quoted.log).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d QUOTED, NOT PAID: /m);

    // A guard one cent too low: nothing accepted, and no figure to paste past it.
    const low = await run(["accept", NAME, ...maxTotals(box, "0.01")]);
    expect(low.code, low.stderr).to.equal(2);
    expect(low.stdout).to.not.match(/--max-total [A-Z]{3}=\d/);
    expect(low.stderr).to.not.match(/--max-total [A-Z]{3}=\d+(\.\d+)? /);
    expect(low.stderr).to.include("nothing lapsed: the quotes stand until their deadline");
    expect(low.stderr).to.not.match(/new batch|--batch-id/);
    expect(`${low.stdout}${low.stderr}`.match(/next: /g)).to.equal(null);

    const accepted = await run(["accept", NAME, ...maxTotals(box)]);
    expect(accepted.code, accepted.stderr).to.equal(0);
    expect(accepted.stderr).to.not.include("Already accepted");
    const twice = await run(["accept", NAME, ...maxTotals(box), "--json"]);
    expect(twice.code, twice.stderr).to.equal(0);
    expect(twice.log).to.match(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d Already accepted at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d; nothing sent$/m,
    );
    expect(JSON.parse(twice.stdout)).to.include({ stage: "accepted", exit_code: 0 });
    for (const counts of Object.values(
      box.state().stats.per_request as Record<string, { accept_quote: number }>,
    ))
      expect(counts.accept_quote).to.equal(1);

    // A plain submit on the accepted batch: never "drafts", never "paid".
    const resubmit = await run(["submit", NAME, "--json"]);
    expect(resubmit.code, resubmit.stderr).to.equal(0);
    expect(JSON.parse(resubmit.stdout)).to.include({ stage: "accepted" });
    expect(resubmit.stderr).to.not.match(/NOT PAID|draft/);
    // With --json the human lines, the next step among them, go to stderr.
    expect(resubmit.stderr).to.match(
      /^next: bitex-batch status 'Sueldos Diciembre 2026\.csv' \(the quotes were accepted/m,
    );

    box.advance({ minutes: 60 });
    const settled = await run(["status", NAME, "--json"]);
    expect(settled.code, settled.stderr).to.equal(1);
    expect(JSON.parse(settled.stdout)).to.include({ stage: "final" });
    expect(settled.stderr).to.not.match(/NOT PAID|already paid|drafts/);
    // The remaining file's hint pastes too.
    expect(settled.stderr).to.include("bitex-batch submit 'Sueldos Diciembre 2026.remaining.csv'");
  });

  it("submit --until final stopped by a row Bitex refused says nobody is paid, and the next step without that row", async () => {
    box = await stoppedSandbox(await demoSeed());
    const world = box;
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    // One request (112's ar_ars): two rows Bitex takes, one to a payee it does not know.
    const bad = pick("EMP-1003").replace(",302,", ",999999,");
    await writeFile(join(dir, "payroll.csv"), file([pick("EMP-1001"), bad]));
    const run = (args: string[]) =>
      runCli([...args, "--state-dir", "state", "--rate", "1000"], { cwd: dir, env: apiEnv(world) });

    const stopped = await run(["submit", "payroll.csv", "--until", "final", "--max-total", "ARS=999999999"]);
    expect(stopped.code, stopped.stderr).to.equal(1);
    expect(stopped.stderr).to.include(
      "NOT PAID: 1 row(s) refused by Bitex (see the report), so nothing was quoted: --until final quotes a batch only once every row is created; nobody is paid\n",
    );
    expect(stopped.stdout + stopped.stderr).to.include(
      "next: bitex-batch quote payroll.csv --allow-partial (quotes the other rows without them; they are in payroll.remaining.csv)\n",
    );
    expect(
      world.state().requests.map((r) => [r.id, r.attributes.state, r.attributes.outputs_count]),
    ).to.deep.equal([["1", "draft", 1]]);
    expect(world.state().stats.per_request).to.deep.equal({});
  });

  it("a plain submit after quote --allow-partial says the batch is quoted without the refused row, and its next step carries the flag (helper-84)", async () => {
    box = await stoppedSandbox(await demoSeed());
    const world = box;
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    const bad = pick("EMP-1003").replace(",302,", ",999999,");
    await writeFile(join(dir, "payroll.csv"), file([pick("EMP-1001"), bad]));
    const run = (args: string[]) =>
      runCli([...args, "--state-dir", "state", "--rate", "1000"], { cwd: dir, env: apiEnv(world) });

    expect((await run(["submit", "payroll.csv"])).code).to.equal(1);
    world.advance({ minutes: 31 });
    const quoted = await run(["quote", "payroll.csv", "--allow-partial", "--wait", "0"]);
    expect(quoted.code, quoted.stderr).to.equal(0);

    const again = await run(["submit", "payroll.csv", "--json"]);
    expect(again.code, again.stderr).to.equal(1);
    expect(JSON.parse(again.stdout)).to.include({ stage: "quoted", exit_code: 1 });
    expect(again.stderr).to.include(
      "QUOTED, NOT PAID: quotes were requested by an earlier run; nobody is paid until they are accepted; 1 row(s) refused by Bitex are in no quote (see the report)\n",
    );
    expect(again.stderr).to.include(
      "next: bitex-batch quote payroll.csv --allow-partial (prints the quotes, their deadline and the accept command)\n",
    );
    // Nothing sent by the plain submit: the refused row is not sent again into a quoted request.
    expect(
      world.state().requests.map((r) => [r.id, r.attributes.state, r.attributes.outputs_count]),
    ).to.deep.equal([["1", "quoted", 1]]);

    const accepted = await run(["accept", "payroll.csv", "--allow-partial", "--max-total", "ARS=999999999"]);
    expect(accepted.code, accepted.stderr).to.equal(0);
    const after = await run(["submit", "payroll.csv", "--json"]);
    expect(after.code, after.stderr).to.equal(1);
    expect(JSON.parse(after.stdout)).to.include({ stage: "accepted" });
    expect(after.stderr).to.not.match(/NOT PAID|STAGED|draft/);
    expect(after.stderr).to.match(/^next: bitex-batch status payroll\.csv \(the quotes were accepted/m);
  });

  it("an accept killed after it was sent, run again: already accepted, and the accept this machine sent is named (helper-69)", async () => {
    box = await stoppedSandbox(await demoSeed());
    const world = box;
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    await writeFile(join(dir, "payroll.csv"), file(["EMP-1001", "EMP-1003"].map(pick)));
    const run = (args: string[], env: Record<string, string> = {}) =>
      runCli([...args, "--state-dir", "state", "--rate", "1000"], {
        cwd: dir,
        env: { ...apiEnv(world), ...env },
      });
    expect((await run(["submit", "payroll.csv", "--until", "quoted"])).code).to.equal(0);
    const killed = await run(["accept", "payroll.csv", ...maxTotals(world)], {
      BITEX_BATCH_CRASH_AT: "accept_quote:answered",
    });
    expect(killed.signal).to.equal("SIGKILL");
    const again = await run(["accept", "payroll.csv", ...maxTotals(world)]);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.match(
      /^Already accepted \(the accept sent from this machine at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d had no answer on record: it landed, or another hand's did\); nothing sent$/m,
    );
    expect(world.state().stats.per_request).to.deep.equal({ "1": { request_quote: 1, accept_quote: 1 } });
  });
});
