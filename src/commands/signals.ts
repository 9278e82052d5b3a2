/**
 * Signals for the commands that call the API: the first SIGINT/SIGTERM stops new work and lets
 * calls in flight finish (bounded), the second exits at once. The journal is consistent at
 * every instant, so either way the same command resumes.
 */
import { EXIT } from "../errors.js";
import type { Output } from "./output.js";

/** How long calls in flight may take to finish after SIGINT/SIGTERM before they are cut. */
const DRAIN_MS = 10_000;

export interface SignalActions {
  stop(): void;
  drainTimeout(): void;
  /** Synchronous cleanup before exiting at once. */
  exitNow(): void;
}

/** First signal: stop taking rows, let calls in flight finish (bounded). Second: leave now. */
export function watchSignals(out: Output, actions: SignalActions): () => void {
  let timer: NodeJS.Timeout | undefined;
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (++count > 1) {
      out.warn(`${signal} again: exiting now; the journal is consistent, run again to resume`);
      actions.exitNow();
      process.exit(EXIT.stopped);
    }
    out.warn(
      `${signal}: no new rows; finishing calls in flight, then writing the report (press again to exit now)`,
    );
    actions.stop();
    timer = setTimeout(actions.drainTimeout, DRAIN_MS);
    timer.unref();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    clearTimeout(timer);
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/**
 * Fault injection for the crash tests: BITEX_BATCH_CRASH_AT=<point>
 * makes the process SIGKILL itself at that point, the way an OOM killer or a power cut would:
 * requests-ready and outputs-done of submit, `<step>:intent` (journaled, not sent) and
 * `<step>:answered` (done on the server, not journaled) of a money step, and status-read.
 */
export function crashHook(): ((point: string) => void) | undefined {
  const at = process.env.BITEX_BATCH_CRASH_AT;
  return at ? (point) => point === at && process.kill(process.pid, "SIGKILL") : undefined;
}
