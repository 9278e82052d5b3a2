/**
 * A request of the batch quoted and accepted by another hand (at Bitex, another tool), then
 * the batch's plain `submit` run again: its words come from the requests as it read them, not
 * from the journal alone, which knows only this machine's steps. It said "STAGED, NOT PAID ...
 * nobody is paid" of a batch whose request was finished and paid. Found by helper-63.
 */
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

describe("e2e: a request another hand quoted and accepted", function () {
  this.timeout(60_000);

  it("a plain submit run again says it as the server shows it, never STAGED, NOT PAID", async () => {
    const box = await stoppedSandbox(await demoSeed());
    try {
      const dir = await tempDir();
      await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
      const submit = () =>
        runCli(["submit", "payroll.csv", "--state-dir", "state", "--rate", "1000"], {
          cwd: dir,
          env: apiEnv(box),
        });
      expect((await submit()).code).to.equal(0);
      // Another hand quotes and accepts request 1 (ARS, quoted at once) at Bitex; it is paid.
      const headers = {
        Authorization: box.apiKey,
        "Content-Type": "application/vnd.api+json",
        Version: "2.0",
      };
      for (const step of ["request_quote", "accept_quote"]) {
        const answer = await fetch(`${box.url}/concierge_requests/1/${step}`, { method: "POST", headers });
        expect(answer.status, step).to.equal(200);
      }
      box.advance({ until: "final" });
      expect(box.state().requests.map((r) => [r.id, r.attributes.state])).to.deep.equal([
        ["1", "finished"],
        ["2", "draft"],
        ["3", "draft"],
      ]);
      const again = await submit();
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stderr).to.include(
        "FOUND PAST DRAFT: request(s) 1 (finished) had left draft at Bitex when this run found them; this machine's journal does not say how far they got",
      );
      expect(again.stdout).to.match(
        /^next: bitex-batch status payroll\.csv \(reads where each request and row is at Bitex\)$/m,
      );
      expect(again.stderr).to.not.match(/NOT PAID|nobody is paid|draft requests/);
    } finally {
      await box.close();
    }
  });
});
