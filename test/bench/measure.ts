/** Timing, peak memory and the table: the measuring tools of the bench, nothing project-specific. */
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From spawn to the child's exit, measured in this process. */
  wallMs: number;
  stdout: string;
  stderr: string;
  /** Peak RSS in bytes: exact from the child's own getrusage when it exited, else the last VmHWM seen. */
  peakRssBytes?: number;
  /** The child outlived `timeoutMs` and was killed: peakRssBytes is then a lower bound. */
  timedOut: boolean;
}

export interface ChildOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Measure peak RSS (a preload writes getrusage's maxRSS at exit; /proc VmHWM is polled meanwhile). */
  rss?: { preload: string; outFile: string };
}

const TAIL = 64 * 1024;

/** Keeps the last TAIL characters: enough for a diagnosis, bounded for chatty children. */
function collector() {
  let text = "";
  return {
    add(chunk: string) {
      text += chunk;
      if (text.length > 2 * TAIL) text = text.slice(-TAIL);
    },
    get text() {
      return text.slice(-TAIL);
    },
  };
}

/** Runs `node <args>` and times it; nothing else runs in this process meanwhile but I/O callbacks. */
export async function runNode(args: string[], options: ChildOptions = {}): Promise<ChildRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.BITEX_API_KEY;
  delete env.BITEX_API_URL;
  delete env.NODE_OPTIONS; // tsx's loader must not leak into the children
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const nodeArgs = options.rss ? ["--import", options.rss.preload, ...args] : args;
  if (options.rss) {
    env.BENCH_RSS_OUT = options.rss.outFile;
    await rm(options.rss.outFile, { force: true });
  }
  const out = collector();
  const err = collector();
  const started = performance.now();
  const child = spawn(process.execPath, nodeArgs, {
    env,
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => out.add(chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => err.add(chunk));
  let hwm = 0;
  let timedOut = false;
  const poll = options.rss
    ? setInterval(() => {
        void readVmHwm(child.pid).then((bytes) => {
          if (bytes > hwm) hwm = bytes;
        });
      }, 100)
    : undefined;
  const killer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void readVmHwm(child.pid).then((bytes) => {
            if (bytes > hwm) hwm = bytes;
            child.kill("SIGKILL");
          });
        }, options.timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once("error", reject);
      child.once("close", (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
    },
  );
  const wallMs = performance.now() - started;
  clearInterval(poll);
  clearTimeout(killer);
  const run: ChildRun = { code, signal, wallMs, stdout: out.text, stderr: err.text, timedOut };
  if (options.rss) {
    const exact = await readFile(options.rss.outFile, "utf8").catch(() => "");
    run.peakRssBytes = exact !== "" ? Number(exact) : hwm;
  }
  return run;
}

async function readVmHwm(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * A preload (`node --import`) that writes the process's peak RSS in bytes (getrusage maxRSS,
 * which Node reports in KiB) to $BENCH_RSS_OUT when it exits. Generated into the temp dir.
 */
export async function writeRssPreload(dir: string): Promise<string> {
  const path = join(dir, "rss-preload.mjs");
  await writeFile(
    path,
    [
      'import { writeFileSync } from "node:fs";',
      "const out = process.env.BENCH_RSS_OUT;",
      "if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS * 1024)));",
      "",
    ].join("\n"),
  );
  return path;
}

export type Verdict = "PASS" | "MISS" | "INFO" | "FAIL";

export interface Figure {
  id: string;
  name: string;
  /** The figure as printed, e.g. "245 calls/s". */
  value: string;
  reference: string;
  /** The ratio as printed, e.g. "0.77". */
  ratio: string;
  target: string;
  verdict: Verdict;
  /** Everything measured, for the JSON. */
  data: Record<string, unknown>;
  notes: string[];
}

/**
 * A figure of API calls against the ideal count: PASS only when equal (calls do not vary
 * between runs), FAIL when the run did not do its job (`problem`).
 */
export function callsFigure(input: {
  id: string;
  name: string;
  calls: number;
  ideal: number;
  problem: string | null;
  data: Record<string, unknown>;
  note: string;
}): Figure {
  const { calls, ideal, problem } = input;
  return {
    id: input.id,
    name: input.name,
    value: `${calls} calls`,
    reference: `ideal ${ideal} calls`,
    ratio: fmt.ratio(calls / ideal),
    target: "= 1.00",
    verdict: problem ? "FAIL" : calls === ideal ? "PASS" : "MISS",
    data: { calls, ideal, ...input.data },
    notes: [input.note, ...(problem ? [`FAIL ${problem}`] : [])],
  };
}

export function printTable(figures: readonly Figure[]): string {
  const head = ["figure", "value", "reference", "ratio", "target", "result"];
  const rows = figures.map((f) => [f.name, f.value, f.reference, f.ratio, f.target, f.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

export const fmt = {
  rate: (perSecond: number, unit: string) =>
    `${perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(2)} ${unit}/s`,
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`,
  ms: (ms: number) => `${ms.toFixed(0)} ms`,
  ratio: (ratio: number) => (Number.isFinite(ratio) ? ratio.toFixed(2) : "n/a"),
};
