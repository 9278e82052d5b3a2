/**
 * A request accepted at Bitex by another hand before `accept` ran: the figures said after the
 * accepts count it, so it is named apart from what this run accepted (helper-114).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";
import { Api } from "../sandbox/helpers.js";

describe("accept after another hand accepted one of the batch's requests", function () {
  this.timeout(60_000);

  it("names that request as accepted before this run, and sends no accept to it", async () => {
    const box = await stoppedSandbox(await demoSeed());
    try {
      const dir = await tempDir();
      const { pick, file } = await demoRows();
      // Request 1: 112's ar_ars; request 2: 113's uy_uyu. Both quoted at once.
      await writeFile(join(dir, "payroll.csv"), file(["EMP-1001", "EMP-1006"].map(pick)));
      const run = (args: string[]) =>
        runCli([...args, "--rate", "1000", "--tz", "UTC"], { cwd: dir, env: apiEnv(box) });
      expect((await run(["submit", "payroll.csv"])).code).to.equal(0);
      expect((await run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(0);
      expect((await new Api(box).post("/concierge_requests/1/accept_quote")).status).to.equal(200);
      const accepted = await run([
        "accept",
        "payroll.csv",
        "--max-total",
        "ARS=999999999",
        "--max-total",
        "UYU=999999999",
      ]);
      expect(accepted.code, accepted.stderr).to.equal(0);
      expect(accepted.stderr).to.include(
        "accepting the quote of request(s) 2\nrequest(s) 1 were accepted before this run, by another hand (no accept of them is in this machine's journal): counted in the figures below\naccepted, within --max-total:\n",
      );
      expect(box.state().stats.per_request).to.deep.equal({
        "1": { request_quote: 1, accept_quote: 1 },
        "2": { request_quote: 1, accept_quote: 1 },
      });
    } finally {
      await box.close();
    }
  });
});
