/**
 * Progress on stderr: a bar on a terminal, or a plain line every few seconds when stderr
 * is a log file or cron mail (a bar there is a wall of carriage returns).
 */
import cliProgress from "cli-progress";
import type { Console, Progress } from "../app/session.js";

const LOG_EVERY_MS = 5000;

/**
 * `done`: rows already done before this run (a resumed batch): the bar starts there, and
 * its ETA counts only this run's rows against this run's time.
 */
export function startProgress(
  out: Console,
  total: number,
  label: string,
  done = 0,
  env: NodeJS.ProcessEnv = process.env,
): Progress {
  if (out.quiet || total === 0) return { tick() {}, stop() {} };
  if (out.isTTY && !plainTerminal(env)) {
    // The ETA from this run's own rate: rows done here over time spent here.
    const started = Date.now();
    let count = done;
    const eta = () => {
      const here = count - done;
      const seconds = (Date.now() - started) / 1000;
      if (here === 0 || seconds <= 0) return "…";
      const left = Math.round(((total - count) * seconds) / here);
      return left >= 60 ? `${Math.floor(left / 60)}m${String(left % 60).padStart(2, "0")}s` : `${left}s`;
    };
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} rows | {left} left`,
        stream: out.stream,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, done, { left: "…" });
    out.barShown(true);
    return {
      tick: () => {
        count++;
        bar.increment(1, { left: eta() });
      },
      stop: () => {
        bar.stop();
        out.barShown(false);
      },
    };
  }
  let count = done;
  let last = Date.now();
  return {
    tick() {
      count++;
      const now = Date.now();
      if (now - last >= LOG_EVERY_MS) {
        last = now;
        out.info(`${label}: ${count}/${total} rows`);
      }
    },
    stop() {},
  };
}

/** TERM=dumb or NO_COLOR: plain lines, no cursor escapes, no bar. */
export function plainTerminal(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TERM === "dumb" || (env.NO_COLOR !== undefined && env.NO_COLOR !== "");
}
