/**
 * A run killed while a gateway held its creates (they reach Bitex seconds later), then the
 * batch run again without its journal (lost, or another state directory): the request is
 * found by its external_id, and the creates still landing must be waited for as long as an
 * unclear create of the run's own, the settle delay, before any row is sent into it. It was
 * watched 2 s, and every row held by the gateway was created twice. Found by helper-62.
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, spawnCli, stateDirOf, tempDir } from "../helpers/cli.js";
import { faultProxy } from "../helpers/proxy.js";
import { sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";
import { perInstruction } from "../submit/rows.js";

describe("e2e: a request found on the server with creates of a killed run still landing", function () {
  this.timeout(60_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("the run again without the journal watches it for the settle delay: it sees them land and sends nothing; one output per row in the end", async () => {
    const made = makeWorld(10);
    const world = await sandbox({}, made.seed);
    box = world;
    const dir = await tempDir();
    await writeFile(join(dir, "payroll.csv"), made.csv);
    // The first run's creates sit 4 s in a gateway, then reach the server (the client gone).
    let killed = false;
    const proxy = await faultProxy(world.url, (call) =>
      call.create >= 0 && !killed ? { kind: "delay", ms: 4_000 } : { kind: "pass" },
    );
    try {
      const env = { BITEX_API_KEY: world.apiKey, BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "6000" };
      const args = ["submit", "payroll.csv", "--rate", "1000", "--concurrency", "4"];
      const { child, done } = spawnCli(args, { cwd: dir, env });
      while (world.counts().requests < 2) await sleep(20);
      await sleep(300);
      child.kill("SIGKILL");
      await done;
      killed = true;
      await rm(stateDirOf(dir), { recursive: true });
      // The held creates land while the run again watches the requests: it stops, sending
      // nothing (it cannot tell them from another run's); the run after it finds them quiet.
      const again = await runCli(args, { cwd: dir, env });
      expect(again.code, again.stderr).to.equal(4);
      expect(again.stderr).to.match(
        /^waiting [56] s: watching a request found on the server before adding to it$/m,
      );
      expect(again.stderr).to.match(
        /^bitex-batch: request \d+ \(external_id \S+\) is being filled by another run: it held 0 output\(s\), and [1-4] a moment later; this run sent nothing into it$/m,
      );
      await proxy.landed();
      const last = await runCli(args, { cwd: dir, env });
      expect(last.code, last.stderr).to.equal(0);
      // One output per row.
      // One output per row: every row pays its own withdrawal instruction, once.
      expect(world.state().outputs.length).to.equal(made.rows.length);
      expect(perInstruction(world).every(([, outputs]) => outputs === 1)).to.equal(true);
    } finally {
      await proxy.close();
    }
  });
});
