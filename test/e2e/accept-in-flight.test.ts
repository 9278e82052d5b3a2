/**
 * A batch's accepts go out together. When Bitex refuses one (its request cancelled by someone
 * else between the guard's read and the accept), another may still be on its way: the run
 * says what happened to it, never "refused" (exit 2, nothing sent) of a batch it partly
 * accepted. Through the built CLI against the emulator, behind a gateway that slows one accept.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { type CallInfo, faultProxy, type ProxyAction } from "../helpers/proxy.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { makeWorld, worldCsv } from "../helpers/world.js";

const FAST = ["--rate", "1000", "--concurrency", "4"];

describe("accept: an accept refused while another is in flight", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    await box?.close();
    box = undefined;
  });

  /** A batch of two requests submitted and quoted through a proxy that `decide`s each call; `run` goes through it. */
  async function quotedBatch(decide: (call: CallInfo, server: Sandbox) => ProxyAction) {
    const made = makeWorld(12);
    box = await sandbox({}, made.seed);
    const server = box;
    const dir = await tempDir();
    // Request 1 pays from ar_ars, request 2 from us_usd; fast ports only.
    await writeFile(join(dir, "payroll.csv"), worldCsv(made.rows.filter((row) => row.port !== "us_usd")));
    const proxy = await faultProxy(server.url, (call) => decide(call, server));
    close = () => proxy.close();
    const run = (args: string[], api = proxy.url) =>
      runCli([...args, ...FAST], { cwd: dir, env: { ...apiEnv(server), BITEX_API_URL: api } });
    expect((await run(["submit", "payroll.csv"])).code).to.equal(0);
    expect((await run(["quote", "payroll.csv", "--wait", "5"])).code).to.equal(0);
    return { server, run };
  }

  it("waits for the accept in flight: exit 5 'partly accepted' naming both, its done journaled", async () => {
    let cancelled: Promise<unknown> = Promise.resolve();
    const { server, run } = await quotedBatch((call, server) => {
      if (call.method !== "POST") return { kind: "pass" };
      if (call.path.endsWith("/concierge_requests/1/accept_quote")) return { kind: "delay", ms: 3_000 };
      if (call.path.endsWith("/concierge_requests/2/accept_quote")) {
        // Someone cancels request 2 at Bitex just before its accept arrives.
        cancelled = fetch(`${server.url}/concierge_requests/2/cancel`, {
          method: "POST",
          headers: { Authorization: "world-key", "Content-Type": "application/vnd.api+json" },
        });
        return { kind: "delay", ms: 300 };
      }
      return { kind: "pass" };
    });

    const accepted = await run(["accept", "payroll.csv", ...maxTotals(server), "--json"]);
    await cancelled;
    expect(accepted.code, accepted.stderr).to.equal(5);
    expect(accepted.stderr).to.match(
      /partly accepted: request\(s\) 1 accepted, \d+ row\(s\) accepted for payment; request\(s\) 2/,
    );
    const states = server.state().requests.map((r) => `${r.id}:${r.attributes.state}`);
    expect(states).to.deep.equal(["1:quote_accepted", "2:cancelled"]);
    expect(JSON.parse(accepted.stdout).error.code).to.equal("partial");
    // The journal has request 1's accept done: a status now says the same without a settle.
    const status = await run(["status", "payroll.csv", "--json"], server.url);
    const requests = JSON.parse(status.stdout).requests as Array<{ id: string; state: string }>;
    expect(requests.map((r) => `${r.id}:${r.state}`)).to.deep.equal(["1:quote_accepted", "2:cancelled"]);
  });

  it("an accept refused while its request still reads quoted (a deadline Bitex applies later): exit 5, never 'refused' of a batch partly accepted", async () => {
    const { server, run } = await quotedBatch((call) => {
      if (call.method !== "POST") return { kind: "pass" };
      if (call.path.endsWith("/concierge_requests/1/accept_quote")) return { kind: "delay", ms: 1_000 };
      if (call.path.endsWith("/concierge_requests/2/accept_quote")) {
        // Bitex's own refusal; the request, read again, is still quoted.
        const error = { status: "422", code: "invalid_transition", detail: "the quote expired" };
        return { kind: "json", status: 422, body: { errors: [error] } };
      }
      return { kind: "pass" };
    });
    const rowsOf2 = server.state().outputs.filter((o) => o.relationships?.request?.data?.id === "2").length;

    const accepted = await run(["accept", "payroll.csv", ...maxTotals(server), "--json"]);
    expect(accepted.code, accepted.stderr).to.equal(5);
    const states = server.state().requests.map((r) => `${r.id}:${r.attributes.state}`);
    expect(states).to.deep.equal(["1:quote_accepted", "2:quoted"]);
    expect(accepted.stderr).to.match(
      new RegExp(
        `partly accepted: request\\(s\\) 1 accepted, \\d+ row\\(s\\) accepted for payment; Bitex refused to accept request\\(s\\) 2 \\(it still reads quoted\\), ${rowsOf2} row\\(s\\) not accepted`,
      ),
    );
    expect(accepted.stderr).to.include(
      `once Bitex shows request(s) 2 cancelled, bitex-batch status payroll.csv writes their rows to payroll.remaining.csv`,
    );
    expect(JSON.parse(accepted.stdout).error.code).to.equal("partial");
  });
});
