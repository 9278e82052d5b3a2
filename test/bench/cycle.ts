/**
 * Bench figures of the follow-through (docs/design.md section 12): what one `status` refresh of a large batch
 * costs in calls, and how close `submit --until final` at the documented rate comes to the
 * time its own calls and the server's unavoidable waits take.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CHECK_DELAY_MS, PAYOUT_STEP_MS, QUOTE_LATER_MS, type Seed } from "../../src/sandbox/index.js";
import { benchFile } from "./data.js";
import { Emulator } from "./emulator.js";
import { type Figure, fmt, runNode } from "./measure.js";

const STATUS_ROWS = 2_000;
const CYCLE_ROWS = 100;
const RATE = 5;
/** The emulator's clock for the cycle: `submit --sandbox` uses the same speed. */
const TIME_SCALE = 120;
const TIMEOUT_MS = 300_000;

interface Context {
  cli: string;
  dir: string;
  seed: string;
}

function cliArgs(ctx: Context, command: string, file: string, batchId: string, extra: string[]): string[] {
  return [
    ctx.cli,
    command,
    file,
    "--state-dir",
    join(ctx.dir, "state"),
    "--batch-id",
    batchId,
    "--report",
    join(ctx.dir, "reports", `${batchId}-${command}.csv`),
    ...extra,
  ];
}

/**
 * Calls of one `status` of a 2,000-row batch, against two a request: its read, and its read
 * with its outputs included (one call however many outputs; a server that does not include
 * them costs ⌈outputs / page size⌉ list calls instead, measured by the paging figure).
 */
export async function statusCallsFigure(ctx: Context): Promise<Figure> {
  const emulator = await Emulator.start({
    cli: ctx.cli,
    seed: ctx.seed,
    latencyMs: 0,
    rateLimit: 0,
    timeScale: 0,
  });
  try {
    const file = benchFile(ctx.dir, STATUS_ROWS);
    const fast = ["--concurrency", "16", "--rate", "1000"];
    const submit = await runNode(cliArgs(ctx, "submit", file, "bench-status", fast), {
      env: emulator.env(),
      timeoutMs: TIMEOUT_MS,
    });
    if (submit.code !== 0) throw new Error(`submit exited ${submit.code}: ${submit.stderr.slice(-400)}`);
    const state = await emulator.state();
    const ideal = 2 * state.requests.length;
    await emulator.resetStats();
    const status = await runNode(cliArgs(ctx, "status", file, "bench-status", fast), {
      env: emulator.env(),
      timeoutMs: TIMEOUT_MS,
    });
    if (status.code !== 3) throw new Error(`status exited ${status.code}: ${status.stderr.slice(-400)}`);
    const calls = (await emulator.stats()).calls;
    const ratio = ideal / calls;
    return {
      id: "status",
      name: `status calls per refresh, ${STATUS_ROWS} rows`,
      value: `${calls} calls`,
      reference: `${ideal} (2 a request)`,
      ratio: fmt.ratio(ratio),
      target: "calls ≤ reference",
      verdict: calls <= ideal ? "PASS" : "MISS",
      data: { calls, ideal, requests: state.requests.length, wall_ms: status.wallMs },
      notes: [
        `${state.requests.length} requests; one GET per request and one GET of it with its outputs included; ${fmt.ms(status.wallMs)} wall.`,
      ],
    };
  } finally {
    await emulator.stop();
  }
}

/**
 * Wall time of `submit --until final` of 100 rows at --rate 5 against the ideal: the calls it
 * made at 5 a second, plus what the server makes any client wait (the slow quote's 30 minutes,
 * the acceptance checks and three payout steps, on the emulator's clock). One run: it takes
 * about a minute.
 */
export async function untilFinalFigure(ctx: Context): Promise<Figure> {
  // Balances that cover any bench batch: an unfunded request would wait out its 12 hours.
  const seed = JSON.parse(await readFile(ctx.seed, "utf8")) as Seed;
  for (const balance of seed.balances ?? []) balance.amount = "100000000000.00";
  const seedPath = join(ctx.dir, "cycle-seed.json");
  await writeFile(seedPath, JSON.stringify(seed));
  const emulator = await Emulator.start({
    cli: ctx.cli,
    seed: seedPath,
    latencyMs: 0,
    rateLimit: RATE,
    timeScale: TIME_SCALE,
  });
  try {
    const file = benchFile(ctx.dir, CYCLE_ROWS);
    const run = await runNode(
      cliArgs(ctx, "submit", file, "bench-cycle", [
        "--rate",
        String(RATE),
        "--until",
        "final",
        "--interval",
        "0.5",
        ...["--max-total", "ARS=1000000000", "--max-total", "USD=10000000", "--max-total", "UYU=1000000000"],
      ]),
      { env: emulator.env(), timeoutMs: TIMEOUT_MS },
    );
    if (run.code !== 0 && run.code !== 1)
      throw new Error(`submit --until final exited ${run.code}: ${run.stderr.slice(-400)}`);
    const state = await emulator.state();
    const final = state.requests.every((r) => ["finished", "cancelled"].includes(r.attributes.state));
    const calls = state.stats.calls;
    const serverWaitMs = (QUOTE_LATER_MS + CHECK_DELAY_MS + 3 * PAYOUT_STEP_MS) / TIME_SCALE;
    const idealMs = (calls / RATE) * 1000 + serverWaitMs;
    const ratio = idealMs / run.wallMs;
    return {
      id: "cycle",
      name: `submit --until final, ${CYCLE_ROWS} rows, --rate ${RATE}`,
      value: fmt.ms(run.wallMs),
      reference: `${fmt.ms(idealMs)} ideal`,
      ratio: fmt.ratio(ratio),
      target: "≥ 0.9",
      verdict: !final ? "FAIL" : ratio >= 0.9 ? "PASS" : "MISS",
      data: {
        wall_ms: run.wallMs,
        ideal_ms: idealMs,
        calls,
        server_wait_ms: serverWaitMs,
        exit_code: run.code,
      },
      notes: [
        `ideal = ${calls} calls / ${RATE} per s + ${fmt.ms(serverWaitMs)} of server-side waits (emulator clock ×${TIME_SCALE}); one run; exit ${run.code}.`,
      ],
    };
  } finally {
    await emulator.stop();
  }
}
