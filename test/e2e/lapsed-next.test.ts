/**
 * The next step of a batch one of whose quotes lapsed while the others still stand: `accept`
 * needs every request quoted (docs/design.md section 12), so it can never accept this batch,
 * and `status` must not advise it (nor a deadline that has passed): it says what `accept`'s
 * refusal says, the cancelled request's rows and the remaining file.
 */
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { apiEnv, DEMO_CSV, demoSeed } from "../helpers/sandbox.js";

describe("status of a batch with one quote lapsed and the others quoted", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("advises the remaining file, never an accept that is refused, nor a passed deadline", async () => {
    box = await startSandbox({ port: 0, seed: await demoSeed(), faults: { rate_limit: 0 }, timeScale: 1 });
    const dir = await tempDir();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const env = apiEnv(box);
    const run = (args: string[]) =>
      runCli([...args, "--state-dir", "state", "--rate", "1000", "--tz", "UTC"], { cwd: dir, env });
    expect((await run(["submit", "payroll.csv"])).code).to.equal(0);
    expect((await run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(3);
    box.advance({ minutes: 31 });
    expect((await run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(0);
    const totals = maxTotals(box);
    // The instant quote (request 3's) lapses first; the two made 30 minutes later stand.
    const deadlines = box.state().requests.map((r) => Date.parse(String(r.attributes.accept_quote_before)));
    const lapse = Math.min(...deadlines);
    const stand = Math.max(...deadlines);
    expect(stand - lapse).to.be.greaterThan(10_000);
    const now = Date.parse(box.state().clock.now);
    box.advance({ minutes: (lapse - now + (stand - lapse) / 2) / 60_000 });
    const states = box
      .state()
      .requests.map((r) => [r.id, r.attributes.state, r.attributes.cancellation_reason]);
    expect(states).to.deep.equal([
      ["1", "quoted", null],
      ["2", "quoted", null],
      ["3", "cancelled", "quote_not_accepted"],
    ]);

    const status = await run(["status", "payroll.csv"]);
    expect(status.code, status.stderr).to.equal(3);
    // Not paid, and no "until the quotes are accepted": the cancelled request keeps any accept away.
    expect(status.stderr).to.include(
      "QUOTED, NOT PAID: nobody is paid; request(s) 3 can no longer be accepted (cancelled), and accept refuses a batch with a cancelled request",
    );
    expect(status.stderr).to.not.include("until the quotes are accepted");
    const next = status.stdout.split("\n").filter((line) => line.startsWith("next: "));
    expect(next).to.deep.equal([
      "next: bitex-batch submit payroll.remaining.csv (the rows of cancelled request(s) 3; accept refuses a batch with a cancelled request, so the batch's other quotes cannot be accepted)",
    ]);

    // What accept does with it: refused, nothing accepted.
    const accept = await run(["accept", "payroll.csv", ...totals]);
    expect(accept.code, accept.stderr).to.equal(2);
    expect(accept.stderr).to.include(
      "accept refused: request 3 is cancelled (quote_not_accepted), not quoted",
    );
    expect(box.state().requests.map((r) => r.attributes.state)).to.deep.equal([
      "quoted",
      "quoted",
      "cancelled",
    ]);
  });
});
