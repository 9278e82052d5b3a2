/**
 * The guard of --max-total is judged on a read, never on the answer to `request_quote`
 * (helper-106): a server whose quote answer shows the request quoted with a figure below the
 * one a read moments later shows must not have that quote accepted above the limit.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { runCli, tempDir } from "../helpers/cli.js";
import { rewriteProxy } from "../helpers/rewrite-proxy.js";
import { apiEnv, DEMO_SEED, demoRows, stoppedSandbox } from "../helpers/sandbox.js";

describe("the quote's answer and the guard", function () {
  this.timeout(60_000);

  it("a quote answered 'quoted' with a total below --max-total, read above it: nothing accepted (exit 2)", async () => {
    const box = await stoppedSandbox(JSON.parse(await readFile(DEMO_SEED, "utf8")));
    // Only the answer to request_quote shows quote_requested here (Chilean and Uruguayan ports
    // are quoted at once, so every read after it shows them quoted): rewritten as quoted, low.
    const proxy = await rewriteProxy(box.url, {
      body: (document) => {
        const data = (document as { data?: { attributes?: Record<string, unknown> } }).data;
        const attributes = data?.attributes;
        if (!data || !attributes || attributes.state !== "quote_requested") return document;
        data.attributes = {
          ...attributes,
          state: "quoted",
          total_to_spend: "1000000.00",
          accept_quote_before: new Date(Date.parse(String(attributes.eta)) + 600_000).toISOString(),
        };
        return document;
      },
    });
    try {
      const dir = await tempDir();
      const { pick, file } = await demoRows();
      await writeFile(join(dir, "payroll.csv"), file(["EMP-1001", "EMP-1003"].map(pick)));
      const run = await runCli(
        ["submit", "payroll.csv", "--until", "accepted", "--max-total", "ARS=2000000", "--rate", "1000"],
        { cwd: dir, env: { ...apiEnv(box), BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "50" } },
      );
      expect(run.code, run.stderr).to.equal(2);
      expect(run.stderr).to.match(
        /accept refused: ARS: the quotes spend 2\u202f975\u202f222\.43, above --max-total/,
      );
      const [request] = box.state().requests;
      expect([request?.attributes.state, request?.attributes.total_to_spend]).to.deep.equal([
        "quoted",
        2975222.43,
      ]);
      // The request was read after its quote's answer, before the guard was judged.
      const quote = proxy.calls.findIndex((call) => call.endsWith("/request_quote"));
      expect(proxy.calls.slice(quote + 1)).to.include(`GET /api/concierge_requests/${request?.id}`);
    } finally {
      await proxy.close();
      await box.close();
    }
  });
});
