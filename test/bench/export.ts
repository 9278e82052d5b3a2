/**
 * The cost of `export` in API calls: a month of 50 requests and 10,000 outputs (seeded as past
 * requests, plus requests of the month before that the export must page past and leave out),
 * against the ideal: the pages of the whole request list plus, per request of the month, the
 * pages of its outputs. Calls, not time: the export runs at the documented 5 calls/s, so its
 * time is its calls / 5, and counting calls says the same without the noise.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MAX_PAGE_SIZE } from "../../src/wire/resources.js";
import { Emulator } from "./emulator.js";
import { callsFigure, type Figure, fmt, runNode } from "./measure.js";

const REQUESTS = 50;
const OUTPUTS = 10_000;
/** Created in October: listed with the others, exported with none. */
const OTHER_REQUESTS = 30;
const PAYEES = 20;

/** A seed of PAYEES payees on cl_clp, REQUESTS November requests of OUTPUTS/REQUESTS outputs each. */
function exportSeed() {
  const users = [{ id: "112", email: "payroll@example.com", compliance_state: "enabled" }];
  const instructions = [];
  for (let p = 0; p < PAYEES; p++) {
    users.push({ id: String(1000 + p), email: `payee${p}@example.com`, compliance_state: "enabled" });
    instructions.push({
      id: String(5000 + p),
      user_id: String(1000 + p),
      port_code: "cl_clp",
      label: "",
      body: {},
    });
  }
  const perRequest = OUTPUTS / REQUESTS;
  let outputId = 1;
  const request = (id: number, createdAt: string, outputs: number) => ({
    id: String(id),
    user_id: "112",
    port_code: "ar_ars",
    created_at: createdAt,
    state: "finished",
    outputs: Array.from({ length: outputs }, (_, i) => {
      const payee = (outputId + i) % PAYEES;
      return {
        id: String(outputId + i),
        user_id: String(1000 + payee),
        port_code: "cl_clp",
        amount: String(10_000 + ((outputId + i) % 997)),
        budget: `${11_000 + ((outputId + i) % 991)}.${String((outputId + i) % 100).padStart(2, "0")}`,
        withdrawal_instruction_id: String(5000 + payee),
        state: "settled",
      };
    }),
  });
  const requests = [];
  for (let r = 0; r < OTHER_REQUESTS + REQUESTS; r++) {
    const november = r >= OTHER_REQUESTS;
    const day = String(1 + (r % 28)).padStart(2, "0");
    const outputs = november ? perRequest : 1;
    requests.push(request(r + 1, `2026-${november ? "11" : "10"}-${day}T15:00:00Z`, outputs));
    outputId += outputs;
  }
  return {
    api_key: "bench-export-key",
    owner_user_id: "112",
    users,
    withdrawal_instructions: instructions,
    balances: [],
    rates: [],
    requests,
  };
}

export async function exportFigure(dir: string, cli: string): Promise<Figure> {
  const seed = join(dir, "export-seed.json");
  await writeFile(seed, JSON.stringify(exportSeed()));
  const emulator = await Emulator.start({ cli, seed, latencyMs: 0, rateLimit: 0 });
  try {
    await emulator.resetStats();
    const report = join(dir, "reports", "export.csv");
    const run = await runNode(
      [
        cli,
        "export",
        "--month",
        "2026-11",
        "--state-dir",
        join(dir, "export-state"),
        "--report",
        report,
        "--json",
      ],
      { env: emulator.env(), timeoutMs: 120_000 },
    );
    const { calls } = await emulator.stats();
    const pages = (items: number) => Math.max(1, Math.ceil(items / MAX_PAGE_SIZE));
    const ideal = pages(OTHER_REQUESTS + REQUESTS) + REQUESTS * pages(OUTPUTS / REQUESTS);
    const summary = run.code === 0 ? (JSON.parse(run.stdout) as { requests: number; outputs: number }) : null;
    const whole = summary?.requests === REQUESTS && summary.outputs === OUTPUTS;
    const problem =
      run.code !== 0
        ? `export exited ${run.code}: ${run.stderr.trim().split("\n").slice(-3).join(" | ")}`
        : whole
          ? null
          : `export found ${summary?.requests} requests and ${summary?.outputs} outputs, expected ${REQUESTS} and ${OUTPUTS}`;
    return callsFigure({
      id: "export",
      name: `export calls, ${REQUESTS} requests / ${OUTPUTS / 1000}k outputs`,
      calls,
      ideal,
      problem,
      data: {
        requests: REQUESTS,
        outputs: OUTPUTS,
        other_requests: OTHER_REQUESTS,
        wall_ms: run.wallMs,
      },
      note: `ideal = request-list pages (${OTHER_REQUESTS + REQUESTS} requests, ${MAX_PAGE_SIZE} a page) + output pages per November request (${OUTPUTS / REQUESTS} outputs each); one run (calls do not vary between runs); wall ${fmt.ms(run.wallMs)} at the CLI's 5 calls/s.`,
    });
  } finally {
    await emulator.stop();
  }
}
