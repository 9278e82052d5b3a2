/**
 * Progress on stderr: a bar on a terminal, or a plain line every few seconds when stderr
 * is a log file or cron mail (a bar there is a wall of carriage returns).
 *
 * The bar is one line drawn with a carriage return and a clear-line, always shorter than
 * the terminal is wide (read again at each draw, so a resize is followed): a line that wraps
 * cannot be cleared by a carriage return, which is how lines came to overwrite each other.
 * No cursor is saved or restored: a line printed meanwhile (Console clears the bar first)
 * stays where it is, and the bar draws itself again below it. It ends on a line of its own.
 */
import type { Console, Progress } from "../app/session.js";

const LOG_EVERY_MS = 5000;
const REDRAW_MS = 200;
const BAR_MAX = 40;
const BAR_MIN = 5;

/** "submit [████░░░░] 12/48 rows | 1m02s left", fitted to `columns` (never as wide). */
export function barLine(label: string, count: number, total: number, left: string, columns: number): string {
  const room = Math.max(1, columns - 1);
  const counts = `${count}/${total} rows | ${left} left`;
  const width = Math.min(BAR_MAX, room - `${label} [] ${counts}`.length);
  if (width < BAR_MIN) {
    const plain = `${label}: ${count}/${total} rows, ${left} left`;
    return plain.length <= room ? plain : plain.slice(0, room);
  }
  const filled = total === 0 ? width : Math.round((count / total) * width);
  return `${label} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${counts}`;
}

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
  if (out.isTTY && !plainTerminal(env)) return terminalBar(out, total, label, done);
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

function terminalBar(out: Console, total: number, label: string, done: number): Progress {
  const stream = out.stream as NodeJS.WritableStream & { columns?: number };
  // The ETA from this run's own rate: rows done here over time spent here.
  const started = Date.now();
  let count = done;
  const left = () => {
    const here = count - done;
    const seconds = (Date.now() - started) / 1000;
    if (here === 0 || seconds <= 0) return "…";
    const rest = Math.round(((total - count) * seconds) / here);
    return rest >= 60 ? `${Math.floor(rest / 60)}m${String(rest % 60).padStart(2, "0")}s` : `${rest}s`;
  };
  const line = () => barLine(label, count, total, left(), stream.columns || 80);
  const draw = () => stream.write(`\r\x1b[2K${line()}`);
  out.barShown(true);
  draw();
  // Drawn again after whatever line was printed over it, and to move the ETA.
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  let stopped = false;
  return {
    tick() {
      count++;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write(`\r\x1b[2K${line()}\n`);
      out.barShown(false);
    },
  };
}

/** TERM=dumb or NO_COLOR: plain lines, no cursor escapes, no bar. */
export function plainTerminal(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TERM === "dumb" || (env.NO_COLOR !== undefined && env.NO_COLOR !== "");
}
