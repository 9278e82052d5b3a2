/**
 * A batch whose slow quote lapsed before its other requests were quoted: `quote` and `accept`
 * refuse a batch with a cancelled request (docs/design.md section 12), so the rows of its
 * requests still draft can never be paid by it. Yet while a draft exists, whoever quotes and
 * accepts it at Bitex pays its rows (helper-114: released to the remaining file, paid there,
 * and paid again by the draft): they go to the remaining file only once Bitex shows the draft
 * cancelled, and that file pays each row once.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";
import { Api } from "../sandbox/helpers.js";

describe("a batch whose slow quote lapsed while its other requests were still draft", function () {
  this.timeout(120_000);

  it("releases the drafts' rows only once the drafts are cancelled, and that file pays each row once", async () => {
    // The clock stands still unless the test moves it.
    const box = await stoppedSandbox(await demoSeed());
    try {
      const dir = await tempDir();
      const { pick, file } = await demoRows();
      // Request 1 (112's ar_ars) is quoted at once; request 2 (113's uy_uyu, a US payout) later.
      const rows = ["EMP-1001", "EMP-1003", "EMP-1005"].map(pick);
      await writeFile(join(dir, "payroll.csv"), file(rows));
      const run = (args: string[]) =>
        runCli([...args, "--rate", "1000", "--tz", "UTC"], { cwd: dir, env: apiEnv(box) });

      expect((await run(["submit", "payroll.csv"])).code).to.equal(0);
      // The slow quote is asked first; the run stops (exit 3) before it comes.
      expect((await run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(3);
      box.advance({ minutes: 41 }); // quoted at 30 minutes, lapsed at 40: nobody ran quote again
      const states = () => box.state().requests.map((r) => [r.id, r.attributes.state]);
      expect(states()).to.deep.equal([
        ["1", "draft"],
        ["2", "cancelled"],
      ]);
      const cancelDraft =
        "cancel draft request(s) 1 at Bitex (the batch never quotes them beside cancelled request(s) 2, and while a draft exists whoever quotes and accepts it pays its rows; Bitex may also prune it, draft_was_pruned), then bitex-batch status payroll.csv writes payroll.remaining.csv with every row not paid";
      const refused = await run(["quote", "payroll.csv", "--wait", "0"]);
      expect(refused.code, refused.stderr).to.equal(2);
      expect(refused.stderr, refused.stderr).to.include(
        "bitex-batch: the batch cannot be quoted: request 2 is cancelled (quote_not_accepted)\n" +
          `  nothing was quoted: a batch with a cancelled request is never quoted nor accepted; ${cancelDraft}\n`,
      );

      // Not final (the draft's outputs stay as they are at Bitex); only the cancelled request's row is released.
      const status = await run(["status", "payroll.csv", "--json"]);
      expect(status.code, status.stderr).to.equal(3);
      expect(status.stderr).to.include(`next: ${cancelDraft}\n`);
      expect(JSON.parse(status.stdout).remaining).to.deep.equal({ file: "payroll.remaining.csv", rows: 1 });
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file([pick("EMP-1005")]));

      // The draft cancelled at Bitex (as its owner may), the next status releases its rows too.
      expect((await new Api(box).post("/concierge_requests/1/cancel")).status).to.equal(200);
      const after = await run(["status", "payroll.csv", "--json"]);
      expect(after.code, after.stderr).to.equal(1);
      expect(JSON.parse(after.stdout).remaining).to.deep.equal({ file: "payroll.remaining.csv", rows: 3 });
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file(rows));

      const rest = await run(["submit", "payroll.remaining.csv"]);
      expect(rest.code, rest.stderr).to.equal(0);
      // Still refused: the batch never quotes again.
      expect((await run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(2);
      expect(states()).to.deep.equal([
        ["1", "cancelled"],
        ["2", "cancelled"],
        ["3", "draft"],
        ["4", "draft"],
      ]);
      expect(box.state().stats.per_request).to.deep.equal({ "2": { request_quote: 1, accept_quote: 0 } });
      const outputs = box
        .state()
        .outputs.map((o) => [
          o.relationships?.request?.data?.id,
          o.relationships?.withdrawal_instruction?.data?.id,
        ]);
      expect(outputs).to.deep.equal([
        ["1", "2100"],
        ["1", "2102"],
        ["2", "2104"],
        ["3", "2100"],
        ["3", "2102"],
        ["4", "2104"],
      ]);
    } finally {
      await box.close();
    }
  });
});
