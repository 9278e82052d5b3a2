/**
 * The whole cycle of a large payroll, counted in API calls: `submit --until final` from the
 * first create to every row final, with a status refresh every 30 s of emulator time, against
 * an emulator whose clock runs TIME_SCALE times faster. The client's clock is sped up with it:
 * its rate is the documented 5 calls a second times TIME_SCALE, its settle delay is divided by
 * TIME_SCALE, and its refresh interval is 30 s of the server's clock (the client follows the
 * server's pace, src/follow/run.ts onServerClock), so every wait keeps its share of the
 * emulated time (a quote's 10-minute window is 10 s of wall time and holds as many calls as
 * at 5 a second).
 *
 * The emulator runs in this process, so that its own call log (one line per /api call) says
 * where the calls go; the client is a child process (`node dist/cli.js`), its peak RSS and
 * CPU seconds written at exit by a preload.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Faults, Includes, ListStyle, Seed } from "../../src/sandbox/index.js";
import { startSandbox } from "../../src/sandbox/index.js";
import { recipientOf, writePayroll, writeSeed } from "./data.js";
import { type Figure, fmt, runNode } from "./measure.js";

/** Emulated time per wall time, for the emulator and the client alike. */
export const TIME_SCALE = 60;
/** The documented limit: 5 calls a second per key. */
const RATE = 5;
/** The documented settle delay of an unclear create (30 s), in emulated time. */
const SETTLE_MS = 30_000;
/** A status refresh every 30 s of emulated time. */
const REFRESH_S = 30;

export interface CycleStyle {
  name: string;
  listStyle: ListStyle;
  pageCap?: number;
  /** What a request read with `?include=outputs` gets; default "honoured". */
  includes?: Includes;
  /**
   * Shown, not judged: a server that does not include a request's outputs leaves the report
   * a listing of each request, 1 + 1/page calls a row at least (README, Performance).
   */
  shown?: boolean;
}

/**
 * The list styles the client must read: the emulator's default, data-only at 25 (as Bitex's
 * recordings page), rich; then the default style from a server that does not include a
 * request's outputs in its answer, fault-free only.
 */
export const CYCLE_STYLES: readonly CycleStyle[] = [
  { name: "recorded, 10 a page", listStyle: "recorded" },
  { name: "recorded, 25 a page", listStyle: "recorded", pageCap: 25 },
  { name: "rich", listStyle: "rich" },
  {
    name: "recorded, 10 a page, outputs not included",
    listStyle: "recorded",
    includes: "ignored",
    shown: true,
  },
];

/** 5% of calls answered 503, 2% of creates and request actions committed and their answer dropped. */
export const CYCLE_FAULTS: Partial<Faults> = { fail_rate: 0.05, drop_rate: 0.02, fault_seed: 7 };

export interface CycleRun {
  rows: number;
  style: string;
  faulty: boolean;
  exitCode: number | null;
  wallMs: number;
  calls: number;
  callsPerRow: number;
  /** Calls per kind (create, list page, request read, …), from the emulator's log. */
  byKind: Record<string, number>;
  /** Calls per phase of the cycle, and per kind within it (see phasesOf). */
  byPhase: Record<string, Record<string, number>>;
  /** Rows whose recipient holds anything but exactly one output. */
  wrongRows: number;
  requests: number;
  /** Each request's outputs on the emulator, in the order of the requests. */
  outputsPerRequest: number[];
  /** Requests whose quote lapsed before it was accepted. */
  lapsed: number;
  /** Requests not finished. */
  unfinished: number;
  peakRssBytes: number;
  cpuSeconds: number;
  stderrTail: string;
  /** `status` and `export` of the batch once the cycle is over (CycleOptions.commands). */
  commands?: CommandRun[];
}

/** One more command against the cycle's emulator, its peak RSS and CPU as the cycle's. */
export interface CommandRun {
  command: "status" | "export";
  exitCode: number | null;
  peakRssBytes: number;
  cpuSeconds: number;
  /** status: the report's rows; export: the outputs exported. */
  rows: number;
}

/** "GET /api/concierge_requests/12?x=1 200 3ms" → "GET request". */
function kindOf(line: string): string {
  const [method = "", target = ""] = line.split(" ");
  const path = (target.split("?")[0] ?? "").replace(/^\/api/, "");
  if (path === "/concierge_request_outputs") return method === "POST" ? "create output" : "list outputs page";
  if (path === "/concierge_requests") return method === "POST" ? "create request" : "find request";
  if (/^\/concierge_requests\/[^/]+\/(request_quote|accept_quote)$/.test(path))
    return path.split("/").at(-1) as string;
  if (/^\/concierge_requests\/[^/]+$/.test(path))
    return target.includes("include=outputs") ? "read request with outputs" : "read request";
  if (/^\/concierge_request_outputs\/[^/]+$/.test(path)) return "read output";
  return `${method} ${path}`;
}

/**
 * The phases of a cycle, from the order of its calls: "create", up to the last output
 * created (the requests found or created, the creates, the other-writer counts); "quote and
 * accept", up to the last accept (the gate's reads, the wait for the slow quote, the
 * quotes and accepts); then "follow" (the status refreshes every 30 s of emulator time until
 * every row is final, and a read after accepting where an accept's answer could not stand for it) and "report" (each request's
 * outputs read once for the report: every list page, and every request read with its
 * outputs, after the last accept).
 */
export function phasesOf(kinds: readonly string[]): Record<string, Record<string, number>> {
  const lastCreate = kinds.lastIndexOf("create output");
  const lastAccept = kinds.lastIndexOf("accept_quote");
  const phases: Record<string, Record<string, number>> = {};
  kinds.forEach((kind, i) => {
    const phase =
      i <= lastCreate
        ? "create"
        : i <= lastAccept
          ? "quote and accept"
          : kind === "list outputs page" || kind === "read request with outputs"
            ? "report"
            : "follow";
    const counts = phases[phase] ?? {};
    counts[kind] = (counts[kind] ?? 0) + 1;
    phases[phase] = counts;
  });
  return phases;
}

/** "create 2,012 (create output 2000, …); quote and accept 16 (…)": the phases for a log line. */
export function describePhases(byPhase: CycleRun["byPhase"]): string {
  return Object.entries(byPhase)
    .map(([phase, kinds]) => {
      const total = Object.values(kinds).reduce((a, b) => a + b, 0);
      const each = Object.entries(kinds)
        .sort(([, a], [, b]) => b - a)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(", ");
      return `${phase} ${total} (${each})`;
    })
    .join("; ");
}

const PRELOAD = [
  'import { writeFileSync } from "node:fs";',
  "const out = process.env.BENCH_USAGE_OUT;",
  "if (out) process.on('exit', () => {",
  "  const u = process.resourceUsage();",
  "  writeFileSync(out, JSON.stringify({ rss: u.maxRSS * 1024, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6 }));",
  "});",
  "",
].join("\n");

export interface CycleOptions {
  cli: string;
  dir: string;
  rows: number;
  style: CycleStyle;
  faulty: boolean;
  demoSeed: string;
  timeoutMs?: number;
  /** Default TIME_SCALE; the smoke test runs faster still. */
  timeScale?: number;
  /** Node options for the client, e.g. a heap limit. */
  nodeArgs?: string[];
  /** Then `status` and `export` of the batch, each measured as the cycle is (after its calls are counted). */
  commands?: boolean;
  /** Receives every /api call the emulator logged, in order, with its wall-clock time (ms). */
  trace?: (line: string, atMs: number) => void;
}

/** Writes the payroll and a seed for `rows` rows into `dir` (once per size). */
export async function cycleInputs(dir: string, rows: number, demoSeed: string): Promise<string> {
  const file = join(dir, `cycle-${rows}.csv`);
  const seedPath = join(dir, `cycle-seed-${rows}.json`);
  if (
    await readFile(file).then(
      () => true,
      () => false,
    )
  )
    return file;
  await writePayroll(file, rows);
  const seed: Seed = await writeSeed(seedPath, rows, demoSeed);
  // Balances that cover any bench batch (100k rows spend 3.3e11 ARS): an unfunded request
  // would wait out its 12 hours.
  for (const balance of seed.balances ?? []) balance.amount = "1000000000000000.00";
  await writeFile(seedPath, JSON.stringify(seed));
  return file;
}

export async function wholeCycle(options: CycleOptions): Promise<CycleRun> {
  const { rows, style, faulty, dir } = options;
  const scale = options.timeScale ?? TIME_SCALE;
  const file = await cycleInputs(dir, rows, options.demoSeed);
  const byKind: Record<string, number> = {};
  const kinds: string[] = [];
  const sandbox = await startSandbox({
    seed: join(dir, `cycle-seed-${rows}.json`),
    timeScale: scale,
    faults: {
      rate_limit: 0,
      list_style: style.listStyle,
      page_cap: style.pageCap ?? null,
      includes: style.includes ?? "honoured",
      ...(faulty ? CYCLE_FAULTS : { fail_rate: 0, drop_rate: 0 }),
    },
    log: (line) => {
      if (line.startsWith("internal error")) return;
      options.trace?.(line, Date.now());
      const kind = kindOf(line);
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      kinds.push(kind);
    },
  });
  const tag = `${rows}-${style.listStyle}-${style.pageCap ?? "d"}-${style.includes ?? "i"}-${faulty ? "f" : "c"}`;
  const preload = join(dir, "usage-preload.mjs");
  await writeFile(preload, PRELOAD);
  const usageOut = join(dir, `usage-${tag}.json`);
  try {
    const run = await runNode(
      [
        ...(options.nodeArgs ?? []),
        "--import",
        preload,
        options.cli,
        "submit",
        file,
        "--state-dir",
        join(dir, `state-${tag}`),
        "--batch-id",
        `cycle-${tag}`,
        "--report",
        join(dir, `report-${tag}.csv`),
        "--until",
        "final",
        "--rate",
        String(RATE * scale),
        "--concurrency",
        "16",
        "--interval",
        String(REFRESH_S),
        "--quiet",
        ...[
          "--max-total",
          "ARS=1000000000000",
          "--max-total",
          "USD=10000000000",
          "--max-total",
          "UYU=1000000000000",
        ],
      ],
      {
        env: {
          BITEX_API_KEY: sandbox.apiKey,
          BITEX_API_URL: sandbox.url,
          BITEX_BATCH_SETTLE_MS: String(Math.round(SETTLE_MS / scale)),
          BENCH_USAGE_OUT: usageOut,
        },
        timeoutMs: options.timeoutMs ?? 1_800_000,
      },
    );
    const usage = JSON.parse(await readFile(usageOut, "utf8").catch(() => "{}")) as {
      rss?: number;
      cpu?: number;
    };
    const state = sandbox.state();
    const perRecipient = new Map<string, number>();
    for (const output of state.outputs) {
      const recipient = output.relationships?.user?.data?.id ?? "";
      perRecipient.set(recipient, (perRecipient.get(recipient) ?? 0) + 1);
    }
    let wrongRows = 0;
    for (let i = 0; i < rows; i++) if (perRecipient.get(recipientOf(i)) !== 1) wrongRows++;
    const calls = state.stats.calls;
    const result: CycleRun = {
      rows,
      style: style.name,
      faulty,
      exitCode: run.code,
      wallMs: run.wallMs,
      calls,
      callsPerRow: calls / rows,
      byKind,
      byPhase: phasesOf(kinds),
      wrongRows,
      requests: state.requests.length,
      outputsPerRequest: state.requests.map((r) => r.attributes.outputs_count),
      lapsed: state.requests.filter((r) => r.attributes.cancellation_reason === "quote_not_accepted").length,
      unfinished: state.requests.filter((r) => r.attributes.state !== "finished").length,
      peakRssBytes: usage.rss ?? 0,
      cpuSeconds: usage.cpu ?? 0,
      stderrTail: run.stderr.trim().split("\n").slice(-5).join(" | "),
    };
    if (options.commands) {
      result.byKind = { ...byKind };
      const env = { BITEX_API_KEY: sandbox.apiKey, BITEX_API_URL: sandbox.url };
      const days = state.requests.map((request) => request.attributes.created_at.slice(0, 10)).sort();
      const stateDir = join(dir, `state-${tag}`);
      const same = ["--state-dir", stateDir, "--rate", String(RATE * scale), "--quiet"];
      result.commands = [
        await measured(options, preload, "status", env, `${tag}-status`, [
          ...["status", file, ...same, "--batch-id", `cycle-${tag}`],
          ...["--report", join(dir, `status-${tag}.csv`), "--concurrency", "16"],
        ]),
        await measured(options, preload, "export", env, `${tag}-export`, [
          ...["export", ...same, "--tz", "UTC", "--from", days[0] ?? "", "--to", days.at(-1) ?? ""],
          ...["--report", join(dir, `export-${tag}.csv`)],
        ]),
      ];
    }
    return result;
  } finally {
    await sandbox.close();
  }
}

/** Runs one command of the CLI as the cycle's client runs; its rows are the data lines of its report. */
async function measured(
  options: CycleOptions,
  preload: string,
  command: CommandRun["command"],
  env: Record<string, string>,
  tag: string,
  args: string[],
): Promise<CommandRun> {
  const usageOut = join(options.dir, `usage-${tag}.json`);
  const run = await runNode([...(options.nodeArgs ?? []), "--import", preload, options.cli, ...args], {
    env: { ...env, BENCH_USAGE_OUT: usageOut },
    timeoutMs: options.timeoutMs ?? 1_800_000,
  });
  const usage = JSON.parse(await readFile(usageOut, "utf8").catch(() => "{}")) as {
    rss?: number;
    cpu?: number;
  };
  const report = args[args.indexOf("--report") + 1] as string;
  const lines = await readFile(report, "utf8").then(
    (text) => text.split("\n").filter((line) => line !== "").length - 1,
    () => 0,
  );
  return {
    command,
    exitCode: run.code,
    peakRssBytes: usage.rss ?? 0,
    cpuSeconds: usage.cpu ?? 0,
    rows: lines,
  };
}

/** "status: exit 0, 20000 rows, peak RSS 180 MB, CPU 2.3 s". */
export function describeCommand(run: CommandRun): string {
  return `${run.command}: exit ${run.exitCode}, ${run.rows} rows, peak RSS ${(run.peakRssBytes / 1024 / 1024).toFixed(0)} MB, CPU ${run.cpuSeconds.toFixed(1)} s`;
}

/** One line per run, for the log and the notes. */
export function describeCycle(run: CycleRun): string {
  const kinds = Object.entries(run.byKind)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  return `${run.rows} rows, ${run.style}${run.faulty ? ", faults" : ""}: ${run.calls} calls = ${run.callsPerRow.toFixed(4)}/row (${kinds}; by phase: ${describePhases(run.byPhase)}); exit ${run.exitCode}, ${(run.wallMs / 1000).toFixed(0)} s, ${run.lapsed} lapsed, ${run.unfinished} unfinished, ${run.wrongRows} rows without exactly one output, peak RSS ${(run.peakRssBytes / 1024 / 1024).toFixed(0)} MB, CPU ${run.cpuSeconds.toFixed(1)} s${(run.commands ?? []).map((command) => `; ${describeCommand(command)}`).join("")}`;
}

/** Calls per row the cycle may cost: one create per row and a few calls per request. */
const TARGET_CLEAN = 1.02;
const TARGET_FAULTY = 1.08;

/** The whole-cycle figures: every list style, fault-free and with faults, `rows` rows each. */
export async function wholeCycleFigures(
  ctx: { cli: string; dir: string; demoSeed: string; log: (line: string) => void },
  rows: number,
): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const style of CYCLE_STYLES) {
    for (const faulty of style.shown ? [false] : [false, true]) {
      const run = await wholeCycle({
        cli: ctx.cli,
        dir: ctx.dir,
        rows,
        style,
        faulty,
        demoSeed: ctx.demoSeed,
        commands: true,
      });
      ctx.log(describeCycle(run));
      const target = faulty ? TARGET_FAULTY : TARGET_CLEAN;
      const broken = run.exitCode !== 0 || run.wrongRows > 0 || run.lapsed > 0 || run.unfinished > 0;
      figures.push({
        id: "whole-cycle",
        name: `whole cycle calls/row, ${rows / 1000}k rows, ${style.name}${faulty ? ", 5% 503 + 2% drops" : ""}`,
        value: run.callsPerRow.toFixed(3),
        reference: `${run.calls} calls`,
        ratio: fmt.ratio(target / run.callsPerRow),
        target: style.shown ? "shown" : `≤ ${target.toFixed(2)}`,
        verdict: broken ? "FAIL" : style.shown ? "INFO" : run.callsPerRow <= target ? "PASS" : "MISS",
        data: { ...run },
        notes: [`${broken ? "FAIL " : ""}${describeCycle(run)}`],
      });
    }
  }
  return figures;
}

/** The fixed part of a cycle (its requests' calls) amortised: calls per row at each size within this of the reference size's. */
const SIZE_TOLERANCE = 0.01;
/** The size the others are compared with. */
const REFERENCE_ROWS = 20_000;

/**
 * The whole cycle at several sizes, in the emulator's default list style without faults: one
 * figure per size (calls per row), and one per size other than 20,000 comparing its calls per
 * row with 20,000's (target: within 1%, i.e. the calls that do not grow with the rows are
 * amortised).
 */
export async function wholeCycleSizes(
  ctx: { cli: string; dir: string; demoSeed: string; log: (line: string) => void },
  sizes: readonly number[],
): Promise<Figure[]> {
  const style = CYCLE_STYLES[0] as CycleStyle;
  const runs = new Map<number, CycleRun>();
  const figures: Figure[] = [];
  for (const rows of new Set([...sizes, REFERENCE_ROWS])) {
    const run = await wholeCycle({
      cli: ctx.cli,
      dir: ctx.dir,
      rows,
      style,
      faulty: false,
      demoSeed: ctx.demoSeed,
    });
    ctx.log(describeCycle(run));
    runs.set(rows, run);
  }
  const reference = runs.get(REFERENCE_ROWS) as CycleRun;
  for (const [rows, run] of [...runs].sort(([a], [b]) => a - b)) {
    const broken = run.exitCode !== 0 || run.wrongRows > 0 || run.lapsed > 0 || run.unfinished > 0;
    const ratio = run.callsPerRow / reference.callsPerRow;
    const compared = rows !== REFERENCE_ROWS;
    figures.push({
      id: "whole-cycle-sizes",
      name: `whole cycle calls/row at ${rows.toLocaleString("en-US")} rows, ${style.name}`,
      value: run.callsPerRow.toFixed(4),
      reference: `${REFERENCE_ROWS.toLocaleString("en-US")} rows: ${reference.callsPerRow.toFixed(4)}`,
      ratio: ratio.toFixed(4),
      target: compared ? `≤ ${(1 + SIZE_TOLERANCE).toFixed(2)}` : "reference",
      verdict: broken ? "FAIL" : !compared || ratio <= 1 + SIZE_TOLERANCE ? "PASS" : "MISS",
      data: { ...run, ratioToReference: ratio },
      notes: [
        `${broken ? "FAIL " : ""}${describeCycle(run)}; CPU ${((run.cpuSeconds * 1000) / rows).toFixed(2)} s per 1,000 rows`,
      ],
    });
  }
  return figures;
}
