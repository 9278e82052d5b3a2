/**
 * What a use case needs from whoever runs it: where its words go, how it is asked to stop,
 * and the line that tells the operator what to run again. A command builds one per run from
 * the process (terminal, signals, argv); a test or a drop folder builds its own. Nothing here
 * is global: two sessions in one process share nothing.
 */

/**
 * Where a run's words go. Human lines go to stderr (stdout stays for the report with
 * `--report -`, or the one JSON summary with `--json`); `--quiet` keeps only warnings and
 * errors. Every line passes through `redact`, so an API key can never reach a terminal or log.
 */
export interface Console {
  /** Progress and notices. */
  info(line: string): void;
  /** Always shown. */
  warn(line: string): void;
  /** The end-of-run summary: stdout for humans, unless stdout carries JSON or the report. */
  summary(lines: string[]): void;
  /** The `--json` object (only when --json). */
  json(value: unknown): void;
  readonly isTTY: boolean;
  /** Where the human lines go (the progress bar draws there). */
  readonly stream: NodeJS.WritableStream;
  readonly quiet: boolean;
  readonly jsonMode: boolean;
  /** The operator's IANA zone: every time shown to them is told in it (src/time.ts). */
  readonly zone: string;
  /** A progress bar is drawn on the terminal's last line (true) or gone (false). */
  barShown(shown: boolean): void;
}

/**
 * Where a run reads and writes instead of the process's own streams and environment. The
 * CLI passes the process's; a test passes its own.
 */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** The run's arguments (without node and the script), for the line that says what to run again. */
  argv?: readonly string[];
  /**
   * Takes the run's `--json` object instead of stdout, so the entry can print exactly one
   * object whatever happens (the run's, with its error). Absent: the object goes to stdout.
   */
  json?: (value: Record<string, unknown>) => void;
}

/** A run's progress display (a bar on a terminal, a line every few seconds in a log). */
export interface Progress {
  tick(): void;
  stop(): void;
}

/** What a stop asks of what a run holds: stop new work, cut calls in flight, release now. */
export interface Held {
  stop?(): void;
  drainTimeout?(): void;
  /** Synchronous cleanup before the process leaves at once. */
  exitNow?(): void;
}

/**
 * How a run is asked to stop. The process edge (signals) calls `stop`, `drainTimeout` and
 * `exitNow`; the run registers what each must reach (the client's gate, the lock) as it
 * takes it, and watches `signal`.
 */
export class StopControl {
  private readonly controller = new AbortController();
  private readonly held = new Set<Held>();

  /**
   * `watch`: how the edge starts listening (signals), returning how it stops; called by the
   * run at the moment a stop can be honoured with a report. None: nothing to listen to.
   */
  constructor(private readonly watch: (control: StopControl) => () => void = () => () => {}) {}

  /** Starts listening for a stop; returns the function that stops listening. */
  arm(): () => void {
    return this.watch(this);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Registers what a stop must reach; returns the function that forgets it. */
  hold(held: Held): () => void {
    this.held.add(held);
    return () => this.held.delete(held);
  }

  stop(): void {
    this.controller.abort();
    for (const held of this.held) held.stop?.();
  }

  drainTimeout(): void {
    for (const held of this.held) held.drainTimeout?.();
  }

  exitNow(): void {
    for (const held of this.held) held.exitNow?.();
  }
}

export interface Session {
  out: Console;
  stops: StopControl;
  /** The last words of an exit 3: what to run again (the command line of this run). */
  resumeHint: string;
  /** A progress display for `total` rows, `done` of them already done; none: nothing shown. */
  progress?(total: number, label: string, done: number): Progress;
  /** Crash tests only: a named point of the run (the process may end there). */
  checkpoint?(point: string): void;
}

/** What a use case returns: the exit code, and the `--json` object it produced (if any). */
export interface Outcome {
  exitCode: number;
  json: Record<string, unknown> | undefined;
}

/**
 * Runs `work` with a Console that also keeps the run's `--json` object for its outcome. A run
 * that goes through several stages (`submit --until`: the creates, then the follow-through)
 * gives one object: each stage's fields laid over the earlier ones.
 */
export async function outcomeOf(out: Console, work: (out: Console) => Promise<number>): Promise<Outcome> {
  let json: Record<string, unknown> | undefined;
  const keeping: Console = {
    ...out,
    json(value) {
      json = { ...json, ...(value as Record<string, unknown>) };
      out.json(json);
    },
    barShown: (shown) => out.barShown(shown),
  };
  const exitCode = await work(keeping);
  return { exitCode, json };
}
