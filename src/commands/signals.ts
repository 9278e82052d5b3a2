/**
 * Signals for the commands that call the API: the first SIGINT, SIGTERM or SIGHUP (a closed
 * terminal, a dropped SSH session) stops new work and lets calls in flight finish (bounded),
 * the second exits at once. The journal is consistent at every instant, so either way the
 * same command resumes, and every stop says which command that is.
 */
import type { Console, Held } from "../app/session.js";
import { EXIT } from "../errors.js";
import { RESUME_HINT } from "../submit/policy.js";

/** How long calls in flight may take to finish after SIGINT/SIGTERM/SIGHUP before they are cut. */
const DRAIN_MS = 10_000;

/** The signals that stop a run the same way: no new rows, calls in flight finish, report, exit 3. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** The command line of a run, to run it again (the key is never on it: env only). */
function rerunCommand(argv: readonly string[]): string {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);
  return ["bitex-batch", ...argv].map(quote).join(" ");
}

/**
 * The last words of an exit 3: the exact command to run again (`argv`: the run's arguments,
 * without node and the script). With --sandbox the emulator forgot everything when this
 * process ended, so a rerun starts over instead of resuming.
 */
export const resumeHintFor = (argv: readonly string[]) =>
  argv.includes("--sandbox")
    ? `the embedded emulator forgot this run when it stopped; running again starts over: ${rerunCommand(argv)}`
    : `${RESUME_HINT}: ${rerunCommand(argv)}`;

/** How the process leaves at once on a second signal: set by the CLI entry (the one place that exits). */
let immediateExit: (code: number) => void = () => {};

export function setImmediateExit(exit: (code: number) => void): void {
  immediateExit = exit;
}

type SignalActions = Required<Held>;

/**
 * First signal: stop taking rows, let calls in flight finish (bounded). Second: leave now.
 * Installed before the file is read, so that a signal at any moment ends with the report
 * and the command to run again (the actions see what exists by then).
 */
export function watchSignals(out: Console, actions: SignalActions, resumeHint: string): () => void {
  let timer: NodeJS.Timeout | undefined;
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (++count > 1) {
      out.warn(`${signal} again: exiting now; the journal is consistent`);
      out.warn(`  ${resumeHint}`);
      actions.exitNow();
      immediateExit(EXIT.stopped);
      return;
    }
    out.warn(
      `${signal}: no new rows; finishing calls in flight, then writing the report${out.isTTY ? " (press again to exit now)" : ""}`,
    );
    actions.stop();
    timer = setTimeout(() => actions.drainTimeout(), DRAIN_MS);
    timer.unref();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return () => {
    clearTimeout(timer);
    for (const signal of STOP_SIGNALS) process.off(signal, handler);
  };
}

/**
 * Fault injection for the crash tests: BITEX_BATCH_CRASH_AT=<point> makes the process
 * SIGKILL itself at that point, the way an OOM killer or a power cut would: requests-ready
 * and outputs-done of submit, `<step>:intent` (journaled, not sent) and `<step>:answered`
 * (done on the server, not journaled) of a money step, status-read, and inbox:moving (a drop
 * folder's file half moved: its report gone to done/, the file not yet).
 */
export function crashHook(env: NodeJS.ProcessEnv): ((point: string) => void) | undefined {
  const at = env.BITEX_BATCH_CRASH_AT;
  return at ? (point) => point === at && process.kill(process.pid, "SIGKILL") : undefined;
}
