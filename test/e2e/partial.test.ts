/**
 * A batch that only partly goes through: rows never created when someone else quoted the
 * draft, a request accepted while another one lapsed, a foreign output that lands while a
 * quote is in flight. Each through the built CLI against the emulator, asserting the
 * server's outputs and acceptances per request, the exit codes and the files written.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { createBitexClient } from "../../src/bitex/client.js";
import { groupDigits } from "../../src/decimal.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type CliResult, runCli, stateDirOf, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { faultProxy } from "../helpers/proxy.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { expectExactlyOnce, makeWorld, type WorldRow, worldCsv } from "../helpers/world.js";

const FAST = ["--rate", "1000", "--concurrency", "4"];
const csvOf = worldCsv;

function actionCalls(box: Sandbox): Record<string, { request_quote: number; accept_quote: number }> {
  return box.state().stats.per_request as Record<string, { request_quote: number; accept_quote: number }>;
}

const requestStates = (box: Sandbox) => box.state().requests.map((r) => `${r.id}:${r.attributes.state}`);

describe("a batch that only partly goes through", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  let dir: string;
  /** Rows paid at ports Bitex quotes at once, so that no test waits for a slow quote. */
  let rows: WorldRow[];

  async function world(count: number): Promise<void> {
    const made = makeWorld(count);
    box = await sandbox({}, made.seed);
    dir = await tempDir();
    rows = made.rows.filter((row) => row.port !== "us_usd");
    await writeFile(join(dir, "payroll.csv"), csvOf(rows));
  }

  const run = (args: string[], env: Record<string, string> = {}) =>
    runCli([...args, ...FAST], { cwd: dir, env: { ...apiEnv(box as Sandbox), ...env } });

  let after: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await after?.();
    after = undefined;
    await box?.close();
    box = undefined;
  });

  /** The server's outputs outside cancelled requests: every row of `paid` exactly once. */
  function expectPaidOnce(paid: readonly WorldRow[]): void {
    const server = box as Sandbox;
    const state = server.state();
    const live = new Set(state.requests.filter((r) => r.attributes.state !== "cancelled").map((r) => r.id));
    const outputs = state.outputs.filter((o) => live.has(o.relationships?.request?.data?.id ?? ""));
    const view = {
      state: () => ({ ...state, outputs }),
    } as unknown as Sandbox;
    expectExactlyOnce(view, paid);
  }

  describe("a half-accepted batch", () => {
    it("an outage on one of two accepts, the rerun past the deadline: exit 5 'partly accepted', the remaining file holds exactly the lapsed request's rows, submitting it pays each of them once; no output advises --batch-id", async () => {
      await world(12); // lines 2-10: request 2 pays lines 3, 6 and 9 from us_usd, request 1 the rest from ar_ars
      const said: CliResult[] = [];
      const server = box as Sandbox;
      // Every call goes through a gateway; during the first accept, request 2's accept never
      // reaches Bitex (the gateway is down for it).
      let outage = false;
      const proxy = await faultProxy(server.url, (call) =>
        outage && call.method === "POST" && call.path.endsWith("/concierge_requests/2/accept_quote")
          ? { kind: "down", status: 503 }
          : { kind: "pass" },
      );
      after = () => proxy.close();
      const via = { BITEX_API_URL: proxy.url };
      const step = async (args: string[]) => {
        const result = await run([...args, "--json"], via);
        said.push(result);
        return result;
      };
      expect((await step(["submit", "payroll.csv"])).code).to.equal(0);
      expect((await step(["quote", "payroll.csv", "--wait", "5"])).code).to.equal(0);
      const totals = maxTotals(server);
      outage = true;
      const cut = await step(["accept", "payroll.csv", ...totals]);
      expect(cut.code, cut.stderr).to.equal(3);
      outage = false;
      expect(requestStates(server)).to.deep.equal(["1:quote_accepted", "2:quoted"]);
      server.advance({ minutes: 11 }); // past accept_quote_before: request 2 lapses
      const partly = await step(["accept", "payroll.csv", ...totals]);
      expect(partly.code, partly.stderr).to.equal(5);
      expect(partly.stderr).to.include(
        "partly accepted: request(s) 1 accepted, 6 row(s) accepted for payment; request(s) 2 (quote_not_accepted) can no longer be accepted, 3 row(s) not paid",
      );
      expect(partly.stderr).to.not.match(/nothing accepted/);
      expect(partly.stderr).to.include(
        "the rows not paid are in payroll.remaining.csv: bitex-batch submit payroll.remaining.csv pays them (and nobody else)",
      );
      const json = JSON.parse(partly.stdout);
      expect(json).to.deep.include({
        exit_code: 5,
        remaining: { file: "payroll.remaining.csv", rows: 3 },
      });
      expect(json.error.code).to.equal("partial");
      expect(Object.entries(actionCalls(server))).to.deep.equal([
        ["1", { request_quote: 1, accept_quote: 1 }],
        ["2", { request_quote: 1, accept_quote: 0 }],
      ]);
      // The remaining file: the input's header and exactly request 2's lines, byte for byte.
      const input = (await readFile(join(dir, "payroll.csv"), "utf8")).split("\n");
      const remaining = await readFile(join(dir, "payroll.remaining.csv"), "utf8");
      expect(remaining).to.equal(`${[input[0], input[2], input[5], input[8]].join("\n")}\n`);
      // The report keeps every row with its output and the input's own line numbers.
      const report = await readReport(join(dir, "payroll.report.csv"));
      expect(
        report.map((row) => `${row.line}:${row.status}:${row.state}:${row.request_state}`),
      ).to.deep.equal([
        "2:created:settled:finished",
        "3:created:cancelled:cancelled",
        "4:created:settled:finished",
        "5:created:settled:finished",
        "6:created:cancelled:cancelled",
        "7:created:settled:finished",
        "8:created:settled:finished",
        "9:created:cancelled:cancelled",
        "10:created:settled:finished",
      ]);
      // Following the advice: the remaining rows, paid once each; nobody of request 1 again.
      expect((await step(["submit", "payroll.remaining.csv"])).code).to.equal(0);
      expect((await step(["quote", "payroll.remaining.csv", "--wait", "5"])).code).to.equal(0);
      const more = await step(["accept", "payroll.remaining.csv", ...maxTotals(server)]);
      expect(more.code, more.stderr).to.equal(0);
      server.advance({ until: "final" });
      const status = await step(["status", "payroll.csv"]);
      expect(status.code, status.stderr).to.equal(1); // request 2's rows stay cancelled in this batch
      expectPaidOnce(rows);
      expect(Object.values(actionCalls(server)).map((c) => c.accept_quote)).to.deep.equal([1, 0, 1]);
      for (const result of said) {
        expect(`${result.stdout}\n${result.stderr}`).to.not.include("--batch-id");
      }
      expect(await readFile(join(dir, "payroll.report.csv"), "utf8")).to.not.include("batch-id");
      expect(await readdir(stateDirOf(dir))).to.have.length(2); // two batches: the file and its remaining rows
    });
  });

  describe("rows Bitex refused, then the input edited", () => {
    it("quote, accept and status still follow the batch as submitted; the refused rows go to the remaining file, fixed there and submitted, each paid once", async () => {
      await world(12);
      const good = rows[2] as WorldRow; // line 4
      const csv = csvOf(rows);
      await writeFile(join(dir, "payroll.csv"), csv.replace(`,${good.recipient_user_id},`, ",999999,"));
      const submitted = await run(["submit", "payroll.csv"]);
      expect(submitted.code, submitted.stderr).to.equal(1);
      expect(submitted.stdout).to.include(
        "1 row(s) not paid and not being paid: payroll.remaining.csv (fix them there if needed, then bitex-batch submit payroll.remaining.csv)",
      );
      // The other rows sit in draft requests: nobody is paid, and the one way on is said (helper-82).
      expect(submitted.stderr).to.include(
        "\nNOT PAID: 1 row(s) refused by Bitex (see the report); the other 8 row(s) created in draft requests; nobody is paid\n",
      );
      expect(submitted.stdout.split("\n").filter((line) => line.startsWith("next: "))).to.deep.equal([
        "next: bitex-batch quote payroll.csv --allow-partial (quotes the other rows without them; they are in payroll.remaining.csv)",
      ]);
      expect(submitted.stdout.trimEnd().split("\n").at(-1)).to.equal(
        "next: bitex-batch quote payroll.csv --allow-partial (quotes the other rows without them; they are in payroll.remaining.csv)",
      );
      const header = csv.split("\n")[0];
      const broken = (csv.split("\n")[3] as string).replace(`,${good.recipient_user_id},`, ",999999,");
      expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(`${header}\n${broken}\n`);
      const before = await readReport(join(dir, "payroll.report.csv"));
      // The operator fixes the id in the input itself.
      await writeFile(join(dir, "payroll.csv"), csv);
      const server = box as Sandbox;
      const calls = server.state().stats.calls;
      const again = await run(["submit", "payroll.csv"]);
      expect(again.code, again.stderr).to.equal(2);
      expect(again.stderr).to.match(
        /payroll\.csv changed since batch [0-9a-f]{16} \(begun [^)]+\) staged 8 row\(s\) \(created in requests it never accepted: not paid by it\) from it/,
      );
      expect(again.stderr).to.include(
        "writes payroll.remaining.csv with its rows not paid, to fix and submit",
      );
      expect(server.state().stats.calls, "nothing sent").to.equal(calls);
      const status = await run(["status", "payroll.csv"]);
      expect(status.code, status.stderr).to.equal(3);
      expect(status.stderr).to.match(
        /^payroll\.csv changed since batch [0-9a-f]{16} began \([^)]+\); following that batch as it was submitted$/m,
      );
      // Its figures are the batch's as submitted, not the file's as it is now (helper-98).
      expect(status.stdout.split("\n").filter((line) => line.startsWith("money "))).to.deep.equal([
        "money CLP: as submitted 1\u202f512\u202f000 to receive (3 rows)",
        "money MXN: as submitted 45\u202f016.50 to receive (3 rows)",
        "money UYU: as submitted 120\u202f018.75 to receive (3 rows)",
      ]);
      expect(status.stdout).to.not.include("in the file");
      const after = await readReport(join(dir, "payroll.report.csv"));
      expect(after.map((row) => [row.line, row.status, row.output_id])).to.deep.equal(
        before.map((row) => [row.line, row.status, row.output_id]),
      );
      expect(after.filter((row) => row.output_id !== "")).to.have.length(8);
      // Named by its id, the batch is followed as submitted too.
      const batchId = /changed since batch ([0-9a-f]{16}) began/.exec(status.stderr)?.[1] as string;
      const byId = await run(["status", "payroll.csv", "--batch-id", batchId as string]);
      expect(byId.code, byId.stderr).to.equal(3);
      expect(byId.stderr).to.include(`payroll.csv changed since batch ${batchId} began (`);
      expect((await readReport(join(dir, "payroll.report.csv"))).map((row) => row.output_id)).to.deep.equal(
        after.map((row) => row.output_id),
      );
      const quoted = await run(["quote", "payroll.csv", "--allow-partial", "--wait", "5"]);
      expect(quoted.code, quoted.stderr).to.equal(0);
      // The accept it prints carries --allow-partial: without it the gate refuses the rows left out (helper-82).
      const next = quoted.stdout.split("\n").filter((line) => line.startsWith("next: "));
      expect(next).to.have.length(1);
      expect(next[0]).to.match(
        /^next: bitex-batch accept payroll\.csv --allow-partial( --max-total [A-Z]{3}=\d+\.\d\d)+ \(accept before \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d, in \d+ min\)$/,
      );
      const pasted = (next[0] as string)
        .replace(/^next: bitex-batch /, "")
        .replace(/ \(accept before .*$/, "")
        .split(" ");
      // The remaining file, fixed, is a batch of its own.
      await writeFile(join(dir, "payroll.remaining.csv"), `${header}\n${csv.split("\n")[3]}\n`);
      expect((await run(["submit", "payroll.remaining.csv"])).code).to.equal(0);
      expect((await run(["quote", "payroll.remaining.csv", "--wait", "5"])).code).to.equal(0);
      const totals = maxTotals(server);
      // Without the flag: refused (nothing sent), and the hint is the same accept with it.
      const without = await run(["accept", "payroll.csv", ...totals]);
      expect(without.code, without.stderr).to.equal(2);
      // Its own remaining file: payroll.remaining.csv is the batch of the fixed row now.
      const hint = without.stderr.trimEnd().split("\n").at(-1) ?? "";
      expect(hint.replace(/payroll\.[0-9a-f]{16}\.remaining/, "payroll.<batch>.remaining")).to.equal(
        `  the rows Bitex refused at create are in no quote (a quoted request takes no more outputs): accept the quotes without them with --allow-partial (bitex-batch accept payroll.csv --allow-partial ${totals.join(" ")}); they are in payroll.<batch>.remaining.csv, to fix and submit`,
      );
      expect(Object.values(actionCalls(server)).map((c) => c.accept_quote)).to.deep.equal([0, 0, 0]);
      // As quote printed it, pasted.
      const first = await run(pasted);
      expect(first.code, first.stderr).to.equal(0);
      const second = await run(["accept", "payroll.remaining.csv", ...totals]);
      expect(second.code, second.stderr).to.equal(0);
      server.advance({ until: "final" });
      expectPaidOnce(rows);
      expect(Object.values(actionCalls(server)).map((c) => c.accept_quote)).to.deep.equal([1, 1, 1]);
    });
  });

  describe("the guard on fresh figures", () => {
    /** A gateway that serves request 1 with an old total_to_spend (7.25) on its next `stale` reads. */
    async function staleGateway() {
      const server = box as Sandbox;
      const gate = { stale: 0 };
      const proxy = await faultProxy(server.url, (call) => {
        if (call.method === "GET" && call.path.endsWith("/concierge_requests/1") && gate.stale > 0) {
          gate.stale--;
          return {
            kind: "rewrite",
            rewrite: (body) => body.replace(/"total_to_spend":\s*("?)[0-9.]+\1/, '"total_to_spend":$17.25$1'),
          };
        }
        return { kind: "pass" };
      });
      after = () => proxy.close();
      const via = { BITEX_API_URL: proxy.url };
      expect((await run(["submit", "payroll.csv"], via)).code).to.equal(0);
      expect((await run(["quote", "payroll.csv", "--wait", "5"], via)).code).to.equal(0);
      // ARS (request 1) one cent below its real total, USD (request 2) exactly its total.
      const exact = maxTotals(server);
      const below = maxTotals(server, "0.01");
      const limits = [...(below.slice(0, 2) as string[]), ...(exact.slice(2) as string[])];
      expect(limits[1]).to.match(/^ARS=/);
      const real = String(server.state().requests[0]?.attributes.total_to_spend);
      return { gate, via, limits, real, server };
    }

    it("a stale total read first: the guard compares the one read right before accepting, accepts nothing (exit 2)", async () => {
      await world(12);
      const { gate, via, limits, real, server } = await staleGateway();
      gate.stale = 1;
      const refused = await run(["accept", "payroll.csv", ...limits], via);
      expect(refused.code, refused.stderr).to.equal(2);
      expect(refused.stderr).to.include(
        `request 1: total_to_spend is ${real} as read just now (an earlier read said 7.25)`,
      );
      expect(refused.stderr).to.include(
        `ARS: the quotes spend ${groupDigits(real)}, above --max-total ${limits[1]}`,
      );
      expect(refused.stderr).to.match(/^nothing accepted: /m);
      expect(Object.values(actionCalls(server)).map((c) => c.accept_quote)).to.deep.equal([0, 0]);
    });

    it("a total above the guard found only after accepting: a loud warning naming the request, exit 5", async () => {
      await world(12);
      const { gate, via, limits, real, server } = await staleGateway();
      gate.stale = 2; // the first read and the one right before the accept are both stale
      const above = await run(["accept", "payroll.csv", ...limits, "--json"], via);
      expect(above.code, above.stderr).to.equal(5);
      expect(above.stderr).to.include(
        `ACCEPTED ABOVE --max-total (read after accepting): ARS: the accepted quotes spend ${groupDigits(real)}, above --max-total ${limits[1]}: request(s) 1 (${groupDigits(real)})`,
      );
      expect(above.stderr).to.not.include("accepted, within --max-total");
      expect(JSON.parse(above.stdout).error.code).to.equal("over_guard");
      expect(Object.values(actionCalls(server)).map((c) => c.accept_quote)).to.deep.equal([1, 1]);
    });
  });

  describe("an output not of the batch", () => {
    it("lands while a quote is in flight: quote is refused like the gate (exit 2, the output named), no --max-total advice; accept accepts nothing", async () => {
      await world(12);
      const server = box as Sandbox;
      const stranger = rows[0] as WorldRow;
      let foreign: Promise<{ id: string }> | undefined;
      // Request 1's quote call reaches Bitex 300 ms late; meanwhile another writer adds an output to it.
      const proxy = await faultProxy(server.url, (call) => {
        if (call.method === "POST" && call.path.endsWith("/concierge_requests/1/request_quote") && !foreign) {
          const client = createBitexClient({
            baseUrl: server.url,
            apiKey: server.apiKey,
            concurrency: 1,
            rate: 1000,
          });
          foreign = client
            .createOutput({
              requestId: "1",
              portCode: stranger.port,
              amount: stranger.amount,
              recipientUserId: stranger.recipient_user_id,
              withdrawalInstructionId: stranger.withdrawal_instruction_id,
            })
            .finally(() => client.close());
          return { kind: "delay", ms: 300 };
        }
        return { kind: "pass" };
      });
      after = () => proxy.close();
      const via = { BITEX_API_URL: proxy.url };
      expect((await run(["submit", "payroll.csv"], via)).code).to.equal(0);
      const quoted = await run(["quote", "payroll.csv", "--wait", "5", "--json"], via);
      const extra = await foreign;
      expect(quoted.code, quoted.stderr).to.equal(2);
      expect(quoted.stderr).to.include(
        `request 1 holds 1 output(s) that are not this batch's rows: ${extra?.id} (a second output for line 2); request 1 is quoted with them in its quote`,
      );
      expect(quoted.stderr).to.include("never accept that quote (accept refuses it too)");
      expect(`${quoted.stdout}${quoted.stderr}`).to.not.include("--max-total");
      expect(JSON.parse(quoted.stdout).error.code).to.equal("refused");
      const refused = await run(["accept", "payroll.csv", ...maxTotals(server)], via);
      expect(refused.code, refused.stderr).to.equal(2);
      expect(refused.stderr).to.match(/^nothing accepted: /m);
      expect(Object.values(actionCalls(server)).map((c) => c.accept_quote)).to.deep.equal([0, 0]);
    });
  });

  describe("rows never created", () => {
    it("a draft quoted by another hand with rows missing: accept, with or without --allow-partial, accepts nothing and names the missing lines", async () => {
      await world(12); // 9 rows: lines 2-10, in two requests (ar_ars, us_usd)
      // Another hand (its own state directory) created the first six rows of the batch and quoted it.
      await writeFile(join(dir, "part.csv"), csvOf(rows.slice(0, 6)));
      const other = ["--batch-id", "pay-2026-11", "--state-dir", "other"];
      const made = await run(["submit", "part.csv", ...other]);
      expect(made.code, made.stderr).to.equal(0);
      const quoted = await run(["quote", "part.csv", ...other, "--wait", "5"]);
      expect(quoted.code, quoted.stderr).to.equal(0);
      expect(requestStates(box as Sandbox)).to.deep.equal(["1:quoted", "2:quoted"]);
      const server = box as Sandbox;
      const outputsBefore = server.state().outputs.map((o) => o.id);
      expect(outputsBefore).to.have.length(6);
      // Lines 8, 9, 10 of payroll.csv: 8 and 10 pay from ar_ars (request 1), 9 from us_usd (request 2).
      // quote says so too, and advises no accept.
      const seen = await run(["quote", "payroll.csv", "--batch-id", "pay-2026-11", "--wait", "5"]);
      expect(seen.code, seen.stderr).to.equal(2);
      expect(seen.stderr).to.include(
        "request 1 is quoted without line(s) 8, 10, which were never created (a request that left draft takes no more outputs)",
      );
      expect(seen.stderr).to.include("those rows can never join their request: accept nothing;");
      expect(seen.stdout).to.not.include("next: bitex-batch accept");
      for (const partial of [[], ["--allow-partial"]]) {
        const refused = await run([
          "accept",
          "payroll.csv",
          "--batch-id",
          "pay-2026-11",
          ...partial,
          ...maxTotals(server, "-1000"),
        ]);
        expect(refused.code, `${partial}: ${refused.stderr}`).to.equal(2);
        expect(refused.stderr).to.include(
          "request 1 is quoted without line(s) 8, 10, which were never created (a request that left draft takes no more outputs)",
        );
        expect(refused.stderr).to.include(
          "request 2 is quoted without line(s) 9, which were never created (a request that left draft takes no more outputs)",
        );
        expect(refused.stderr).to.match(/^nothing accepted: /m);
        expect(refused.stderr).to.include(
          "those rows can never join their request: once its quote lapses (or it is cancelled at Bitex), bitex-batch status payroll.csv --batch-id pay-2026-11 writes payroll.remaining.csv with the batch's rows, to submit",
        );
        expect(requestStates(server)).to.deep.equal(["1:quoted", "2:quoted"]);
        expect(Object.values(actionCalls(server)).map((c) => c.accept_quote)).to.deep.equal([0, 0]);
        expect(server.state().outputs.map((o) => o.id)).to.deep.equal(outputsBefore);
      }
    });
  });
});
