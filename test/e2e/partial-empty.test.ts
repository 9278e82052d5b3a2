/**
 * `--allow-partial` when every row of one request was refused at create: that request stays
 * an empty draft (Bitex quotes no request without outputs), and the rest of the batch is
 * quoted, accepted and followed without it. Through the built CLI against the emulator.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { makeWorld, type WorldRow, worldCsv } from "../helpers/world.js";

const FAST = ["--rate", "1000", "--concurrency", "4"];

describe("--allow-partial: a request whose every row Bitex refused", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  /** Request 1 pays from ar_ars (fast ports only); request 2 (us_usd) holds one row, its payee unknown. */
  async function emptyUsdRequest() {
    const made = makeWorld(8);
    box = await sandbox({}, made.seed);
    const dir = await tempDir();
    const ars = made.rows.filter((row) => row.sender_port === "ar_ars" && row.port !== "us_usd");
    const usd = made.rows.find((row) => row.sender_port === "us_usd" && row.port !== "us_usd") as WorldRow;
    await writeFile(join(dir, "payroll.csv"), worldCsv([...ars, { ...usd, recipient_user_id: "999999" }]));
    const world = box;
    const run = (args: string[]) => runCli([...args, ...FAST], { cwd: dir, env: apiEnv(world) });
    return { ars, run };
  }

  it("is left an empty draft: the other request is quoted and accepted once (exit 0), nothing asked of the empty one", async () => {
    const { ars, run } = await emptyUsdRequest();

    const submitted = await run(["submit", "payroll.csv"]);
    expect(submitted.code, submitted.stderr).to.equal(1);
    const server = box as Sandbox;
    const byState = () =>
      server
        .state()
        .requests.map((r) => `${r.attributes.port_code}:${r.attributes.state}:${r.attributes.outputs_count}`);
    expect(byState()).to.have.members([`ar_ars:draft:${ars.length}`, "us_usd:draft:0"]);

    const quoted = await run(["quote", "payroll.csv", "--allow-partial", "--wait", "5"]);
    expect(quoted.code, quoted.stderr).to.equal(0);
    expect(byState()).to.have.members([`ar_ars:quoted:${ars.length}`, "us_usd:draft:0"]);

    const accepted = await run([
      "accept",
      "payroll.csv",
      "--allow-partial",
      "--max-total",
      "ARS=999999999999",
    ]);
    expect(accepted.code, accepted.stderr).to.equal(0);
    expect(byState()).to.have.members([`ar_ars:quote_accepted:${ars.length}`, "us_usd:draft:0"]);
    // The empty draft is no step still to take: the batch is accepted, followed by status.
    expect(accepted.stdout).to.include("next: bitex-batch status payroll.csv --watch");
    expect(accepted.stderr).not.to.include("STAGED, NOT PAID");
    // Calls per request id: the empty request (us_usd) was asked nothing.
    const perRequest = server.state().stats.per_request as Record<
      string,
      { request_quote: number; accept_quote: number }
    >;
    const idOf = (port: string) => server.state().requests.find((r) => r.attributes.port_code === port)?.id;
    expect(Object.keys(perRequest)).to.deep.equal([idOf("ar_ars")]);
    expect(Object.values(perRequest).map((c) => [c.request_quote, c.accept_quote])).to.deep.equal([[1, 1]]);

    // A plain status (no --allow-partial, as it is usually run) says the batch as the server
    // has it: accepted, not "partly accepted", and no quote to ask (helper-70).
    const status = await run(["status", "payroll.csv", "--json", "--quiet"]);
    expect(status.code, status.stderr).to.equal(3);
    expect(JSON.parse(status.stdout).stage).to.equal("accepted");
    const said = await run(["status", "payroll.csv"]);
    expect(said.stderr).not.to.match(/PARTLY ACCEPTED|STAGED/);
    expect(said.stdout).to.match(/^next: bitex-batch status payroll\.csv --watch/m);
    server.advance({ until: "final" });
    const final = await run(["status", "payroll.csv"]);
    expect(final.code, final.stderr).to.equal(1);
    expect(final.stdout).not.to.include("next: bitex-batch quote");
    expect(final.stderr).not.to.include("PARTLY ACCEPTED");
  });

  it("beside a draft that holds rows, a plain status advises quote --allow-partial (the gate refuses it without)", async () => {
    const { run } = await emptyUsdRequest();
    expect((await run(["submit", "payroll.csv"])).code).to.equal(1);
    const status = await run(["status", "payroll.csv"]);
    expect(status.stdout).to.match(
      /^next: bitex-batch quote payroll\.csv --allow-partial \(quotes the other rows without them; they are in payroll\.remaining\.csv\)$/m,
    );
    expect((await run(["quote", "payroll.csv", "--wait", "5"])).code).to.equal(2);
  });
});
