/**
 * A run's session on this process: its streams and environment, the signals that ask it to
 * stop, a progress bar on the terminal, and the crash points of the crash tests. The one
 * place a command's use case meets the process.
 */
import { type Console, type Io, type Session, StopControl } from "../app/session.js";
import { startProgress } from "./progress.js";
import { crashHook, resumeHintFor, watchSignals } from "./signals.js";

/** The io a command runs with: the one given (the CLI's, a test's), else this process's. */
export function ioOf(given: Io | undefined): Io {
  return given ?? { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

export function terminalSession(out: Console, io: Io): Session {
  const resumeHint = resumeHintFor(io.argv ?? process.argv.slice(2));
  return {
    out,
    stops: new StopControl((control) => watchSignals(out, control, resumeHint)),
    resumeHint,
    progress: (total, label, done) => startProgress(out, total, label, done, io.env),
    checkpoint: crashHook(io.env),
  };
}
