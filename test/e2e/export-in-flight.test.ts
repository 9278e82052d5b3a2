/**
 * `export` while a batch moves: the demo payroll is accepted (quote_accepted) when the export
 * lists the requests, and funded and followed to its final states before the export reads the
 * first request's outputs (a month-end export run while a cron accept or `status --watch`
 * works). Every row must pair its output with a request state no older than the output's, so
 * that the money rule charges what was paid.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { add, type Decimal, decimal, format, rescale } from "../../src/decimal.js";
import { minorUnits, type PortCode, portCurrency } from "../../src/ports.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { faultProxy } from "../helpers/proxy.js";
import { DEMO_CSV, demoSeed } from "../helpers/sandbox.js";

interface MoneyJson {
  currency: string;
  charged: { rows: number; total: string };
  refunded: { rows: number; total: string };
  net: string;
}

/** What the money rule says the payers were charged and refunded, from the emulator's own state. */
function expectedMoney(box: Sandbox): { currency: string; charged: string; refunded: string }[] {
  const state = box.state();
  const sums = new Map<string, { charged: Decimal; refunded: Decimal }>();
  for (const output of state.outputs) {
    const request = state.requests.find((r) => r.id === output.relationships?.request?.data?.id);
    if (!request) throw new Error(`output ${output.id} without its request`);
    // The payee's currency has its line too: nothing is charged in it.
    const [sum] = [request.attributes.port_code, output.attributes.port_code].map((port) => {
      const currency = portCurrency(port as PortCode).toUpperCase();
      const zero = { units: 0n, scale: minorUnits(currency) };
      const each = sums.get(currency) ?? { charged: zero, refunded: zero };
      sums.set(currency, each);
      return each;
    }) as [{ charged: Decimal; refunded: Decimal }];
    const outputState = output.attributes.state;
    if (outputState === "rejected" || outputState === "cancelled") continue;
    const spend = decimal(String(output.attributes.budget));
    sum.charged = add(sum.charged, spend);
    if (outputState === "returned") sum.refunded = add(sum.refunded, spend);
  }
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, { charged, refunded }]) => ({
      currency,
      charged: format(rescale(charged, minorUnits(currency))),
      refunded: format(rescale(refunded, minorUnits(currency))),
    }));
}

describe("export while the batch is funded and settled between the listing and the outputs' reads", function () {
  this.timeout(120_000);

  it("every row has its request's state as of its outputs: finished, and the money charged and refunded is the emulator's", async () => {
    const box = await startSandbox({
      port: 0,
      seed: await demoSeed(),
      timeScale: 0,
      startTime: "2026-11-20T15:00:00Z",
      faults: { rate_limit: 0 },
    });
    let moved = false;
    // The first read of a request's outputs (included in the request, or listed) finds the
    // batch final: the requests listed a moment before were still quote_accepted.
    const proxy = await faultProxy(box.url, ({ method, path }) => {
      const outputsRead =
        /\/concierge_requests\/\d+$/.test(path) || path.endsWith("/concierge_request_outputs");
      if (method === "GET" && outputsRead && !moved) {
        moved = true;
        box.advance({ until: "final" });
      }
      return { kind: "pass" };
    });
    try {
      const dir = await tempDir();
      // Without the US dollar rows, whose quote takes 30 minutes on the emulator's stopped clock.
      const lines = (await readFile(DEMO_CSV, "utf8")).split("\n");
      await writeFile(
        join(dir, "payroll.csv"),
        lines.filter((line) => !line.includes(",us_usd,")).join("\n"),
      );
      const env = { BITEX_API_KEY: box.apiKey, BITEX_API_URL: box.url };
      const run = (args: string[], url = box.url) =>
        runCli([...args, "--state-dir", "state"], { cwd: dir, env: { ...env, BITEX_API_URL: url } });
      const submitted = await run(["submit", "payroll.csv", "--rate", "1000"]);
      expect(submitted.code, submitted.stderr).to.equal(0);
      const quoted = await run(["quote", "payroll.csv", "--wait", "0", "--rate", "1000"]);
      expect(quoted.code, quoted.stderr).to.equal(0);
      const accepted = await run(["accept", "payroll.csv", ...maxTotals(box), "--rate", "1000"]);
      expect(accepted.code, accepted.stderr).to.equal(0);
      expect(new Set(box.state().requests.map((r) => r.attributes.state))).to.deep.equal(
        new Set(["quote_accepted"]),
      );

      const exported = await run(
        ["export", "--month", "2026-11", "--tz", "UTC", "--report", "export.csv", "--json"],
        proxy.url,
      );
      expect(exported.code, exported.stderr).to.equal(0);
      expect(moved).to.equal(true);
      const finalStates = new Map(box.state().requests.map((r) => [r.id, r.attributes.state]));
      expect(new Set(finalStates.values())).to.deep.equal(new Set(["finished"]));

      const rows = parse(await readFile(join(dir, "export.csv"), "utf8"), { columns: true }) as Record<
        string,
        string
      >[];
      expect(rows).to.have.length(box.state().outputs.length);
      expect(rows.map((row) => `${row.output_id}:${row.request_state}`)).to.deep.equal(
        rows.map((row) => `${row.output_id}:${finalStates.get(row.request_id as string)}`),
      );
      const money = (JSON.parse(exported.stdout) as { money: MoneyJson[] }).money;
      expect(
        money.map((m) => ({ currency: m.currency, charged: m.charged.total, refunded: m.refunded.total })),
      ).to.deep.equal(expectedMoney(box));
    } finally {
      await proxy.close();
      await box.close();
    }
  });
});
