/**
 * Progress on stderr: a bar on a terminal, or a plain line every few seconds when stderr
 * is a log file or cron mail (a bar there is a wall of carriage returns).
 */
import cliProgress from "cli-progress";
import type { Console } from "./console.js";

export interface Progress {
  tick(): void;
  stop(): void;
}

const LOG_EVERY_MS = 5000;

export function startProgress(out: Console, total: number, label: string): Progress {
  if (out.quiet || total === 0) return { tick() {}, stop() {} };
  if (out.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} rows | {eta_formatted} left`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { tick: () => bar.increment(), stop: () => bar.stop() };
  }
  let done = 0;
  let last = Date.now();
  return {
    tick() {
      done++;
      const now = Date.now();
      if (now - last >= LOG_EVERY_MS) {
        last = now;
        out.info(`${label}: ${done}/${total} rows`);
      }
    },
    stop() {},
  };
}
