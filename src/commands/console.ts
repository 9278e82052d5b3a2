/** The terminal side of a run's words: the Console a session writes to, on real streams. */
import type { Console, Io } from "../app/session.js";
import { BatchError } from "../errors.js";
import { redactor } from "../redact.js";
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
  // Over a bar, a line first clears it (the bar draws itself again below): nothing garbles.
  const toErr = (line: string) => stderr.write(`${bar ? "\r\x1b[2K" : ""}${redact(line)}\n`);
  // A log file or cron mail: each notice carries when it happened (a terminal has a clock).
  const stamped = !stderr.isTTY;
  const notice = (line: string) => toErr(stamped ? `${humanTime(new Date(), zone)} ${line}` : line);
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
