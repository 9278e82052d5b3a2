/** The terminal side of a run's words: the Console a session writes to, on real streams. */
import type { Console, Io } from "../app/session.js";
import { BatchError } from "../errors.js";
import { implausibleSecret, redactor } from "../redact.js";
import { humanTime, operatorZone } from "../time.js";

export interface ConsoleOptions {
  json?: boolean;
  quiet?: boolean;
  /** True when the report goes to stdout, which then carries nothing else. */
  stdoutTaken?: boolean;
  secrets?: string[];
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Takes the `--json` object instead of stdout (Io.json). */
  jsonSink?: (value: Record<string, unknown>) => void;
  /** The operator's IANA zone (checked): every time shown is in it [default: this machine's]. */
  zone?: string;
}

/**
 * The output of a command that writes a report: `--report -` and `--json` both want stdout,
 * so together they are a usage error; the key (when there is one) is redacted everywhere.
 */
export function reportCommandOutput(
  args: { json: boolean; quiet: boolean; report?: string; tz?: string; io?: Io },
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
    jsonSink: args.io?.json,
    zone: operatorZone(args.tz, args.io?.env),
  });
}

export function createConsole(options: ConsoleOptions): Console {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const redact = redactor(options.secrets ?? []);
  const zone = options.zone ?? operatorZone(undefined);
  let bar = false;
  // A log file or cron mail: every line carries when it happened (a terminal has a clock).
  const stamp = logStamp(stderr, zone);
  // Over a bar, a line first clears it (the bar draws itself again below): nothing garbles.
  const toErr = (line: string) => stderr.write(`${bar ? "\r\x1b[2K" : ""}${stamp(redact(line))}\n`);
  const quiet = options.quiet ?? false;
  const jsonMode = options.json ?? false;
  for (const secret of options.secrets ?? []) {
    const warning = implausibleSecret(secret);
    if (warning) toErr(`warning: ${warning}`);
  }
  return {
    info: (line) => {
      if (!quiet) toErr(line);
    },
    warn: toErr,
    summary: (lines) => {
      if (quiet) return;
      // stdout (the run's product, read by scripts) stays as it is; stderr is the log.
      if (jsonMode || options.stdoutTaken) for (const line of lines) toErr(line);
      else for (const line of lines) stdout.write(`${redact(line)}\n`);
    },
    json: (value) => {
      if (!jsonMode) return;
      if (options.jsonSink) options.jsonSink(value as Record<string, unknown>);
      else stdout.write(`${redact(JSON.stringify(value))}\n`);
    },
    barShown: (shown) => {
      bar = shown && Boolean(stderr.isTTY);
    },
    isTTY: Boolean(stderr.isTTY),
    stream: stderr,
    quiet,
    jsonMode,
    zone,
  };
}

/**
 * What a line on `stream` begins with: nothing on a terminal, the time in a log (stderr
 * redirected to a file or cron's mail), in the one human form of the operator's zone.
 */
export function logStamp(stream: { isTTY?: boolean }, zone: string): (line: string) => string {
  return stream.isTTY ? (line) => line : (line) => `${humanTime(new Date(), zone)} ${line}`;
}
