/**
 * A batch begun in one state directory (killed once its request was made, before any create)
 * and finished from another, which finds the request by its external_id and fills it: the
 * first directory's journal made that request and sent no row. Its rows are the other run's
 * outputs, matched as a multiset like any open row's; read as "never sent" they were said not
 * created, released to the remaining file and paid a second time (helper-75, against a change
 * since reverted). Through the built CLI against the emulator.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

describe("e2e: a batch finished from another state directory", function () {
  this.timeout(60_000);
  let box: Sandbox | undefined;
  afterEach(() => box?.close());

  it("the first directory's status says it paid, releases nothing, and submit there sends nothing", async () => {
    box = await stoppedSandbox(await demoSeed());
    const world = box;
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    await writeFile(join(dir, "payroll.csv"), file(["EMP-1001", "EMP-1003"].map(pick)));
    const run = (state: string, args: string[], env: Record<string, string> = {}) =>
      runCli([...args, "--state-dir", state, "--rate", "1000"], {
        cwd: dir,
        env: { ...apiEnv(world), BITEX_BATCH_SETTLE_MS: "1000", ...env },
      });
    const killed = await run("A", ["submit", "payroll.csv"], { BITEX_BATCH_CRASH_AT: "requests-ready" });
    expect(killed.signal).to.equal("SIGKILL");
    const other = await run("B", [
      "submit",
      "payroll.csv",
      "--until",
      "accepted",
      "--max-total",
      "ARS=999999999",
    ]);
    expect(other.code, other.stderr).to.equal(0);
    world.advance({ until: "final" });

    const status = await run("A", ["status", "payroll.csv", "--json"]);
    expect(status.code, status.stderr).to.equal(0);
    expect(JSON.parse(status.stdout)).to.include({ stage: "final", remaining: null });
    const again = await run("A", ["submit", "payroll.csv"]);
    expect(again.code, again.stderr).to.equal(0);
    const state = world.state();
    expect(state.requests.map((r) => [r.id, r.attributes.state, r.attributes.outputs_count])).to.deep.equal([
      ["1", "finished", 2],
    ]);
    expect(state.outputs).to.have.length(2);
    expect(state.stats.per_request).to.deep.equal({ "1": { request_quote: 1, accept_quote: 1 } });
  });
});
