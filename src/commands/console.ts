import { BatchError } from "../errors.js";
import { redactor } from "../redact.js";

/**
 * Where a command's words go. Human lines go to stderr (stdout stays for the report with
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
  /** A progress bar is drawn on the terminal's last line (true) or gone (false). */
  barShown(shown: boolean): void;
}

/**
 * Where a command run in-process (a test) reads and writes instead of the process's own
 * streams and environment. The CLI passes none: process.stdout, process.stderr, process.env.
 */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface ConsoleOptions {
  json?: boolean;
  quiet?: boolean;
  /** True when the report goes to stdout, which then carries nothing else. */
  stdoutTaken?: boolean;
  secrets?: string[];
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * The output of a command that writes a report: `--report -` and `--json` both want stdout,
 * so together they are a usage error; the key (when there is one) is redacted everywhere.
 */
export function reportCommandOutput(
  args: { json: boolean; quiet: boolean; report?: string; io?: Io },
  apiKey?: string,
): Console {
  if (args.json && args.report === "-")
    throw new BatchError("usage", "--json and --report - both want stdout; pick one");
  return createConsole({
    json: args.json,
    quiet: args.quiet,
    stdoutTaken: args.report === "-",
    secrets: apiKey ? [apiKey] : [],
    stdout: args.io?.stdout,
    stderr: args.io?.stderr,
  });
}

/**
 * `--json` prints exactly one object for every outcome (docs/design.md section 3). The CLI entry holds the
 * objects commands produce and prints one at the end, with `error` when the run failed;
 * without the entry (a test calling a command), objects go straight to stdout.
 */
const held: { on: boolean; value: Record<string, unknown> | undefined } = { on: false, value: undefined };

export function holdJson(): void {
  held.on = true;
  held.value = undefined;
}

/** The last object a command produced since holdJson(), and forgets it. */
export function takeJson(): Record<string, unknown> | undefined {
  const value = held.value;
  held.value = undefined;
  return value;
}

export function createConsole(options: ConsoleOptions): Console {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const redact = redactor(options.secrets ?? []);
  let bar = false;
  // Over a bar, a line first clears it (the bar draws itself again below): nothing garbles.
  const toErr = (line: string) => stderr.write(`${bar ? "\r\x1b[2K" : ""}${redact(line)}\n`);
  // A log file or cron mail: each notice carries when it happened (a terminal has a clock).
  const stamped = !stderr.isTTY;
  const notice = (line: string) =>
    toErr(stamped ? `${new Date().toISOString().slice(0, 19)}Z ${line}` : line);
  const quiet = options.quiet ?? false;
  const jsonMode = options.json ?? false;
  return {
    info: (line) => {
      if (!quiet) notice(line);
    },
    warn: toErr,
    summary: (lines) => {
      if (quiet) return;
      const target = jsonMode || options.stdoutTaken ? stderr : stdout;
      for (const line of lines) target.write(`${redact(line)}\n`);
    },
    json: (value) => {
      if (!jsonMode) return;
      if (held.on) held.value = value as Record<string, unknown>;
      else stdout.write(`${redact(JSON.stringify(value))}\n`);
    },
    barShown: (shown) => {
      bar = shown && Boolean(stderr.isTTY);
    },
    isTTY: Boolean(stderr.isTTY),
    stream: stderr,
    quiet,
    jsonMode,
  };
}
