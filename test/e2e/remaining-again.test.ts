/**
 * A batch's remaining file, once submitted as a batch, is that batch's: a later run that finds
 * more rows not paid (a request cancelled after it was first written) puts them in the batch's
 * own file, never back beside the rows paid (helper-101). Those files merged and sent under a
 * new name must be refused, however few of its rows the paying batch holds (docs/design.md
 * section 6, new batches of old payments). And a remaining file that holds every row of its
 * batch (its only request lapsed) is that batch's rows to pay, not a copy of what it paid.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { runCli, tempDir } from "../helpers/cli.js";
import { acceptOutage } from "../helpers/proxy.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

describe("remaining files sent as batches of their own", function () {
  this.timeout(120_000);
  const after: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of after.splice(0).reverse()) await close();
  });

  it("sent under a new name with the rows of a request never funded: refused (exit 2), nothing sent; the lapsed row is paid once", async () => {
    const seed = await demoSeed();
    // 112's pesos never arrive: its request of ar_ars is cancelled payment_not_received.
    for (const balance of seed.balances) if (balance.currency === "ars") balance.amount = "1.00";
    // The clock stands still unless the test moves it.
    const server = await stoppedSandbox(seed);
    after.push(() => server.close());
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    // Request 1 (112's ar_ars, three rows) is accepted and never funded; request 2 (113's
    // uy_uyu, one row) lapses; request 3 (112's us_usd, one row) is paid.
    const rows = ["EMP-1001", "EMP-1003", "EMP-1004", "EMP-1006", "EMP-1002"].map(pick);
    await writeFile(join(dir, "payroll.csv"), file(rows));
    const limits = ["ARS=1000000000", "UYU=1000000000", "USD=1000000"].flatMap((cap) => ["--max-total", cap]);
    // Every run goes through one gateway, which loses request 2's accept for a while.
    const proxy = await acceptOutage(server.url, "2");
    after.push(() => proxy.close());
    const run = (args: string[]) =>
      runCli([...args, "--rate", "1000"], {
        cwd: dir,
        env: { ...apiEnv(server), BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "0" },
      });

    const until = ["submit", "payroll.csv", "--until", "accepted", ...limits, "--wait", "30"];
    expect((await run(until)).code).to.equal(3);
    proxy.end();
    server.advance({ minutes: 11 }); // request 2's quote lapses
    const partly = await run(["accept", "payroll.csv", ...limits]);
    expect(partly.code, partly.stderr).to.equal(5);
    const remaining = join(dir, "payroll.remaining.csv");
    expect(await readFile(remaining, "utf8")).to.equal(file([pick("EMP-1006")]));

    // The lapsed row is paid as the remaining file says, a batch of its own.
    const rest = await run(["submit", "payroll.remaining.csv", "--until", "accepted", ...limits]);
    expect(rest.code, rest.stderr).to.equal(0);
    server.advance({ minutes: 13 * 60 }); // request 1's funds deadline passes

    // Request 1 was cancelled: its rows go to the batch's own remaining file; the plain one
    // went out as the batch that paid EMP-1006 and is left as it is (helper-101).
    const status = await run(["status", "payroll.csv"]);
    expect(status.code, status.stderr).to.equal(1);
    expect(status.stdout + status.stderr).to.match(
      /1 row\(s\) released to payroll\.remaining\.csv went out as batch \w{16} \(begun [^)]+\), which holds them/,
    );
    expect(await readFile(remaining, "utf8")).to.equal(file([pick("EMP-1006")]));
    const own = (await readdir(dir)).filter((name) => /^payroll\.\w{16}\.remaining\.csv$/.test(name));
    expect(own).to.have.length(1);
    expect(await readFile(join(dir, own[0] as string), "utf8")).to.equal(
      file(["EMP-1001", "EMP-1003", "EMP-1004"].map(pick)),
    );

    // Both files merged and sent under a new name: EMP-1006 is paid already.
    await writeFile(
      join(dir, "payroll-unfunded.csv"),
      file(["EMP-1001", "EMP-1003", "EMP-1004", "EMP-1006"].map(pick)),
    );
    const calls = server.state().stats.calls;
    const again = await run(["submit", "payroll-unfunded.csv", "--until", "accepted", ...limits]);
    expect(again.code, again.stderr).to.equal(2);
    expect(again.stderr).to.match(
      /^bitex-batch: payroll-unfunded\.csv: 1 of its 4 row\(s\) are payments batch \w{16} \(file payroll\.remaining\.csv, begun [^)]+\) holds: accepted 1 row\(s\) for payment; sending it as a new batch could pay them again$/m,
    );
    expect(again.stderr).to.match(
      /^ {2}nothing was sent; 3 of its rows are rows earlier batches did not pay \(a remaining file\), and the 1 that batch \w{16} holds are its to pay: take those out of payroll-unfunded\.csv and submit the rest$/m,
    );
    expect(server.state().stats.calls, "nothing sent").to.equal(calls);
    // EMP-1006's instruction: the lapsed output, and the one output that paid it.
    const paid = server
      .state()
      .outputs.filter((output) => output.relationships?.withdrawal_instruction?.data?.id === "2105")
      .map((output) => output.attributes.state);
    expect(paid).to.deep.equal(["cancelled", "settled"]);
  });

  it("a batch whose only request lapsed: its remaining file holds every row, and is paid as a batch of its own, once", async () => {
    const server = await stoppedSandbox(await demoSeed());
    after.push(() => server.close());
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    const rows = ["EMP-1002", "EMP-1008"].map(pick);
    await writeFile(join(dir, "payroll.csv"), file(rows));
    const run = (args: string[]) =>
      runCli([...args, "--rate", "1000"], {
        cwd: dir,
        env: { ...apiEnv(server), BITEX_BATCH_SETTLE_MS: "0" },
      });

    expect((await run(["submit", "payroll.csv", "--until", "quoted", "--wait", "30"])).code).to.equal(0);
    server.advance({ minutes: 11 }); // nobody accepted it in time
    expect((await run(["status", "payroll.csv"])).code).to.equal(1);
    expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(file(rows));

    const rest = await run([
      "submit",
      "payroll.remaining.csv",
      "--until",
      "accepted",
      "--max-total",
      "USD=1000000",
    ]);
    expect(rest.code, rest.stderr).to.equal(0);
    expect(server.state().requests.map((r) => [r.id, r.attributes.state])).to.deep.equal([
      ["1", "cancelled"],
      ["2", "quote_accepted"],
    ]);
    const outputs = server.state().outputs;
    expect(
      outputs.map((o) => [
        o.relationships?.request?.data?.id,
        o.relationships?.withdrawal_instruction?.data?.id,
      ]),
    ).to.deep.equal([
      ["1", "2101"],
      ["1", "2107"],
      ["2", "2101"],
      ["2", "2107"],
    ]);
  });
});
