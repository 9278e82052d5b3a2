/**
 * bitex-batch's command line as a function: `run(argv, io)` parses the arguments, runs one
 * command and returns its exit code; importing this file does nothing. It declares the
 * options and is the one place where an error becomes an exit code. The bin (src/cli.ts)
 * calls it with the process's arguments and streams.
 */
import { readFileSync } from "node:fs";
import yargs, { type Argv } from "yargs";
import type { Step } from "./app/follow.js";
import { keyFromEnv, keyFromFile } from "./app/key-file.js";
import type { Io } from "./app/session.js";
import { stopFor } from "./app/stop.js";
import { defaultStateDir, STATE_DIR_DESCRIPTION } from "./batch/paths.js";
import { ConfigError } from "./bitex/failure.js";
import { GateClosedError } from "./bitex/gate.js";
import { logStamp } from "./commands/console.js";
import {
  API_FLAGS,
  apiOf,
  commonOf,
  EXPORT_FLAGS,
  exportOf,
  GLOBAL_FLAGS,
  INBOX_FLAGS,
  INPUT_FLAGS,
  inboxOf,
  inputOf,
  KNOWN_OPTIONS,
  REPORT_FLAGS,
  RUN_FLAGS,
  runOf,
  SANDBOX_FLAGS,
  STATUS_FLAGS,
  SUBMIT_FLAGS,
  sandboxOf,
  submitOf,
  TEMPLATE_FLAGS,
  templateOf,
  VALIDATE_FLAGS,
} from "./commands/flags.js";
import { diskFailure, isDiskFailure } from "./disk.js";
import { editDistance } from "./edit-distance.js";
import { BatchError, EXIT, exitCodeFor, UnusableFileError } from "./errors.js";
import { redactor } from "./redact.js";
import { isoTime, operatorZone } from "./time.js";

/** The package's version, read when asked (importing this file reads nothing). */
const versionOf = () =>
  (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
    .version;

const EXIT_CODES = `Exit codes:
  0  every row valid (validate) or created (submit), or the command did what it was asked
  1  some rows invalid or failed: see the lines above and the report
  2  nothing was done: usage, input, key, guard or local file problem; fix it and run again
  3  stopped before the end (signal, API unreachable, timeout), or (status) rows not final yet:
     run the command the last line names (the same again, or the next: step)
  4  another run holds the batch (or, inbox, the folder), or another writer touched it on the server
  5  money moved, but not as asked: partly accepted (the rows not paid are in
     <input>.remaining.csv), or accepted and then found above --max-total

Environment: BITEX_API_KEY (or BITEX_API_KEY_FILE, a file only its owner can read), BITEX_API_URL, NO_COLOR.
Documentation: README.md. bitex-batch help <command> shows a command's options.`;

/** Every command, as the top-level help lists them: `help <command>` knows them by this list. */
export const COMMANDS = [
  "validate",
  "submit",
  "quote",
  "accept",
  "status",
  "template",
  "ports",
  "export",
  "inbox",
  "sandbox",
  "help",
  "completion",
] as const;

/** What a command's handler returned (the CLI entry is the one place that sets the exit code). */
export interface Ran {
  exit?: number;
}

/** The closest option name to a misspelt one, if any is close. */
export function closestOption(unknown: string, known: readonly string[]): string | undefined {
  const word = unknown.replace(/^-+/, "");
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    if (name.length < 2) continue;
    const d = editDistance(word, name);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(word.length / 4)) ? best.name : undefined;
}

/** The use cases' commands, by name, with the options the flag groups normalised. */
type Options = Record<string, unknown> & { io?: Io };

/** What runs a parsed command: the command itself, or (a test) something that records it. */
export type Dispatch = (command: string, options: Options) => Promise<number>;

const runCommand: Dispatch = async (command, options) => {
  // Loaded on demand: `--help` or `ports` do not load the submit engine.
  switch (command) {
    case "validate":
      return (await import("./commands/validate-command.js")).validateCommand(options as never);
    case "submit":
      return (await import("./commands/submit-command.js")).submitCommand(options as never);
    case "quote":
    case "accept":
    case "status": {
      const { steps, ...rest } = options as Options & { steps: Step[] };
      return (await import("./commands/cycle-command.js")).followCommand(command, rest as never, steps);
    }
    case "template":
      return (await import("./commands/template.js")).templateCommand(options as never, options.io);
    case "ports":
      return (await import("./commands/ports.js")).portsCommand(options as never);
    case "export":
      return (await import("./commands/export-command.js")).exportCommand(options as never);
    case "inbox":
      return (await import("./commands/inbox-command.js")).inboxCommand(options as never);
    case "sandbox":
      return (await import("./commands/sandbox.js")).sandboxCommand(options as never);
    default:
      throw new BatchError("internal", `no command ${command}`);
  }
};

const withCsv = <T>(y: Argv<T>) =>
  y.positional("csv", {
    type: "string",
    demandOption: true,
    describe: "the payroll: a CSV or an xlsx workbook",
  });

/** The flags of a command that reads a payroll file, by group as `help` shows them. */
function fileFlags<T>(y: Argv<T>) {
  return withCsv(y)
    .options(REPORT_FLAGS)
    .options(INPUT_FLAGS)
    .group(Object.keys(REPORT_FLAGS), "Report:")
    .group(Object.keys(INPUT_FLAGS), "Input:")
    .options(API_FLAGS)
    .group(Object.keys(API_FLAGS), "API (key: env BITEX_API_KEY, or BITEX_API_KEY_FILE):");
}

function cycleFlags<T>(y: Argv<T>) {
  return fileFlags(y).options(RUN_FLAGS).group(Object.keys(RUN_FLAGS), "Run:");
}

export function buildCli(argv: string[], ran: Ran = {}, io?: Io, dispatch: Dispatch = runCommand) {
  // Every command runs with the run's io (streams, environment, arguments); none: the process's.
  const run = async (command: string, options: Record<string, unknown>) => {
    ran.exit = await dispatch(command, io ? { ...options, io } : options);
  };
  const cli = yargs(argv)
    .middleware((args) => {
      // yargs hands a lone `-` (standard input) to the positional as an empty string.
      if (args.csv === "" && argv.includes("-")) args.csv = "-";
    })
    .scriptName("bitex-batch")
    .usage(
      "$0 <command> [options]\n\nPays many people at once through the Bitex CrossBorder API. API key: env BITEX_API_KEY or BITEX_API_KEY_FILE.",
    )
    .option("state-dir", {
      type: "string",
      default: defaultStateDir(io?.env),
      defaultDescription: STATE_DIR_DESCRIPTION,
      describe: "journal and lock directory",
    })
    .options(GLOBAL_FLAGS)
    .command(
      "validate <csv>",
      "check every row and write the report; sends nothing",
      (y) => fileFlags(y).options(VALIDATE_FLAGS).epilogue(EXIT_CODES),
      (a) => run("validate", { ...inputOf(a), ...apiOf(a), ...commonOf(a), online: a.online, rate: a.rate }),
    )
    .example("$0 validate payroll.csv", "check payroll.csv, write payroll.validation.csv")
    .command(
      "submit <csv>",
      "validate, plan, create requests and outputs, write the report",
      (y) => cycleFlags(y).options(SUBMIT_FLAGS).epilogue(EXIT_CODES),
      (a) => run("submit", { ...inputOf(a), ...apiOf(a), ...commonOf(a), ...runOf(a), ...submitOf(a) }),
    )
    .example("$0 submit payroll.csv --sandbox", "pay payroll.csv on the embedded emulator")
    .command(
      "quote <csv>",
      "request a quote for every draft request of the file's batch and wait for it",
      (y) => cycleFlags(y).epilogue(EXIT_CODES),
      (a) => run("quote", { ...inputOf(a), ...apiOf(a), ...commonOf(a), ...runOf(a), steps: ["quote"] }),
    )
    .example(
      "$0 quote payroll.csv",
      "quote the batch of payroll.csv; prints what it will spend and the deadline",
    )
    .command(
      "accept <csv>",
      "accept the batch's quotes if they are within --max-total and their deadline",
      (y) => cycleFlags(y).epilogue(EXIT_CODES),
      (a) => run("accept", { ...inputOf(a), ...apiOf(a), ...commonOf(a), ...runOf(a), steps: ["accept"] }),
    )
    .example("$0 accept payroll.csv --max-total ARS=25000000", "commit the payer's money for the batch")
    .command(
      "status <csv>",
      "read every row of the batch from the server and rewrite the report; sends nothing",
      (y) => cycleFlags(y).options(STATUS_FLAGS).epilogue(EXIT_CODES),
      (a) =>
        run("status", {
          ...inputOf(a),
          ...apiOf(a),
          ...commonOf(a),
          ...runOf(a),
          watch: a.watch,
          steps: a.watch ? ["watch"] : ["read"],
        }),
    )
    .example("$0 status payroll.csv --watch", "follow the batch to final states")
    .command(
      "template [mode]",
      "print a payroll template with the header and example rows (mode payees: by payee details)",
      (y) =>
        y
          .positional("mode", { choices: ["ids", "payees"] as const, describe: "ids (default) or payees" })
          .options(TEMPLATE_FLAGS)
          .epilogue(EXIT_CODES),
      (a) => run("template", templateOf(a)),
    )
    .example("$0 template > payroll.csv", "start a new payroll file")
    .example("$0 template --format xlsx > payroll.xlsx", "start a new payroll workbook")
    .example("$0 template payees > payroll.csv", "start one that names payees by email, tax id and account")
    .command(
      "ports",
      "list the ports the API offers",
      (y) =>
        y
          .options(API_FLAGS)
          .group(Object.keys(API_FLAGS), "API (key: env BITEX_API_KEY, or BITEX_API_KEY_FILE):")
          .epilogue(EXIT_CODES),
      (a) => run("ports", { ...apiOf(a), json: a.json, quiet: a.quiet, tz: a.tz }),
    )
    .example("$0 ports --sandbox", "list the emulator's ports")
    .command(
      "export",
      "every request and output of a period, from the API, for the accountant",
      (y) =>
        y
          .options(API_FLAGS)
          .group(Object.keys(API_FLAGS), "API (key: env BITEX_API_KEY, or BITEX_API_KEY_FILE):")
          .options(EXPORT_FLAGS)
          .epilogue(EXIT_CODES),
      (a) => run("export", { ...apiOf(a), ...commonOf(a), ...exportOf(a) }),
    )
    .example(
      "$0 export --month 2026-11 --tz America/Argentina/Buenos_Aires",
      "November 2026 as paid in Buenos Aires, to export-2026-11.csv",
    )
    .command(
      "inbox <dir>",
      "for cron: pay every payroll file dropped in DIR once, then move it to done/<date>/ or failed/",
      (y) =>
        y
          .positional("dir", { type: "string", demandOption: true, describe: "the drop folder" })
          .options(INBOX_FLAGS)
          .options(API_FLAGS)
          .group(Object.keys(API_FLAGS), "API (key: env BITEX_API_KEY, or BITEX_API_KEY_FILE):")
          .options(RUN_FLAGS)
          .group(Object.keys(RUN_FLAGS), "Run:")
          .epilogue(EXIT_CODES),
      (a) => run("inbox", { ...inboxOf(a), ...apiOf(a), ...commonOf(a), ...runOf(a) }),
    )
    .example(
      "$0 inbox /srv/payroll/inbox --until final --month-in-name",
      "pay each file dropped there once; payroll-2026-12.csv is December's (see README, cron)",
    )
    .command(
      "sandbox",
      "run the embedded Bitex emulator until stopped",
      (y) => y.options(SANDBOX_FLAGS).epilogue(EXIT_CODES),
      (a) => run("sandbox", sandboxOf(a)),
    )
    .example("$0 sandbox --port 0", "start the emulator; prints its URL and API key")
    .command(
      "help [command]",
      "show the help of bitex-batch, or of one command",
      (y) => y.positional("command", { type: "string", describe: "a command" }),
      async (args) => {
        const command = args.command;
        // A misspelt command is said as on its own ("Did you mean quote?", exit 2), never
        // answered with the top-level help: the same parse, which fails before anything runs.
        if (command && !(COMMANDS as readonly string[]).includes(command)) {
          await buildCli([command], ran, io, dispatch).parseAsync();
          throw new BatchError("usage", `no command ${command}`, { hint: "see bitex-batch --help" });
        }
        await buildCli(command ? [command, "--help"] : ["--help"], ran, io, dispatch).parseAsync();
        ran.exit = EXIT.ok;
      },
    )
    .completion("completion", "print the bash/zsh completion script: bitex-batch completion >> ~/.bashrc")
    .group(["state-dir", "json", "quiet", "debug", "tz"], "Run:")
    .demandCommand(1, "name a command")
    .recommendCommands()
    .strict()
    .version(versionOf())
    .help()
    .alias("h", "help")
    .epilogue(EXIT_CODES)
    .exitProcess(false)
    .wrap(null)
    .fail((message, error) => {
      if (error && error.name !== "YError") throw error;
      // A YError is yargs' own (a coerce check, a parse failure): a usage error like the others.
      let text = error?.message ?? message;
      let hint = "see bitex-batch --help";
      const unknown = /^Unknown arguments?: (\S+?)(,|$)/m.exec(text);
      if (unknown?.[1]) {
        const near = closestOption(unknown[1], KNOWN_OPTIONS);
        // A flag of another command, spelled right: "did you mean" it would offer the flag just typed.
        const command = argv.find((arg) => !arg.startsWith("-"));
        if (near === unknown[1] && command)
          hint = `--${near} is not an option of ${command} (bitex-batch help ${command} lists its options)`;
        else if (near) hint = `did you mean --${near}? (see bitex-batch help)`;
      }
      // yargs writes some messages over several lines ("Invalid values:\n  Argument: …"): one line here.
      text = text.replace(/:?\s*\n\s*/g, ": ");
      throw new BatchError("usage", text, { hint });
    });
  skipHelpCache(cli);
  return cli;
}

/** The part of yargs' internals that skipHelpCache replaces (yargs 18; absent parts are left alone). */
interface YargsInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * yargs renders the whole help text each time it hands a command to its handler, to print
 * it should the command fail later. The `.fail()` above never prints it, and rendering it
 * (the width of every option's line, through string-width) took 25–40 ms of every run, about
 * a tenth of `validate`'s. `--help` and `help <command>` render theirs as before. Through an
 * internal of yargs: a yargs without it only runs as it used to (a test in test/commands/flags.test.ts says so).
 */
function skipHelpCache(cli: unknown): void {
  const usage = (cli as YargsInternals).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === "function") usage.cacheHelpMessage = () => undefined;
}

/**
 * The command a command line names and the options it receives, without running it: what
 * the flag tables and their normalisers make of `argv` (for tests and tools).
 */
export async function parseCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ command: string; options: Record<string, unknown> } | undefined> {
  let parsed: { command: string; options: Record<string, unknown> } | undefined;
  const io: Io = { stdout: process.stdout, stderr: process.stderr, env };
  await buildCli(argv, {}, io, async (command, options) => {
    const { io: _io, ...rest } = options;
    parsed = { command, options: rest };
    return EXIT.ok;
  }).parseAsync();
  return parsed;
}

/** The key, wherever it comes from: never printed, not even in a stack trace. */
function secretsOf(env: NodeJS.ProcessEnv): string[] {
  let fromFile = "";
  try {
    fromFile = keyFromFile(env.BITEX_API_KEY_FILE);
  } catch {
    // A file that cannot be used holds no key to hide; its error says why.
  }
  return [keyFromEnv(env), fromFile].filter((key) => key !== "");
}

/** A failure as the user sees it: the disk's errors in words, anything else as it is. */
function asFailure(error: unknown): unknown {
  // The emulator's and the call gate's own errors, through the one mapper.
  if (error instanceof GateClosedError || error instanceof ConfigError || error instanceof UnusableFileError)
    return stopFor(error, true);
  return !(error instanceof BatchError) && isDiskFailure(error)
    ? diskFailure(error, {
        action: "write",
        path: String((error as { path?: unknown }).path ?? "a file"),
        sentAny: true,
        hint: "fix that, then run the same command again",
      })
    : error;
}

/**
 * The only place an error turns into words on stderr and an exit code. Every line passes
 * through the key's redaction (the key comes from the environment only), stack traces too.
 */
export function reportFailure(
  error: unknown,
  debug: boolean,
  secrets: readonly string[],
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
  zone = "UTC",
): number {
  const redact = redactor(secrets);
  // In a log, the error's lines carry their time as every other line does.
  const stamp = logStamp(stderr, zone);
  const say = (line: string) => stderr.write(`${stamp(redact(line))}\n`);
  // A file of this machine that could not be written or read: words, not "unexpected error".
  const failure = asFailure(error);
  const code = exitCodeFor(failure);
  if (failure instanceof BatchError) {
    say(`bitex-batch: ${failure.message}`);
    if (failure.hint) say(`  ${failure.hint}`);
  } else {
    say(`bitex-batch: unexpected error: ${failure instanceof Error ? failure.message : String(failure)}`);
    if (!debug) say("  run again with --debug for details");
  }
  if (debug && error instanceof Error && error.stack) say(error.stack);
  return code;
}

/**
 * The one `--json` object of a run, for every exit code: what the command produced (if it
 * got that far), its exit code, and `error: {code, message, hint}` when it failed.
 */
export function jsonOutcome(
  argv: readonly string[],
  produced: Record<string, unknown> | undefined,
  exitCode: number,
  error: unknown,
  span?: { startedAt: string; finishedAt: string },
): Record<string, unknown> {
  const command = argv.find((arg) => !arg.startsWith("-")) ?? null;
  const value: Record<string, unknown> = {
    command,
    problems: [],
    ...produced,
    exit_code: exitCode,
    ...(span ? { started_at: span.startedAt, finished_at: span.finishedAt } : {}),
  };
  if (error !== undefined) {
    const failure = asFailure(error);
    value.error =
      failure instanceof BatchError
        ? { code: failure.code, message: failure.message, hint: failure.hint ?? null }
        : {
            code: "internal",
            message: failure instanceof Error ? failure.message : String(failure),
            hint: "run again with --debug for details",
          };
  } else value.error ??= null;
  return value;
}

/** The zone of the run's last words and JSON times: `--tz`, else the operator's; UTC for a zone refused. */
function runZone(args: readonly string[], env: NodeJS.ProcessEnv): string {
  const at = args.findIndex((arg) => arg === "--tz" || arg.startsWith("--tz="));
  const given = at < 0 ? undefined : args[at]?.startsWith("--tz=") ? args[at]?.slice(5) : args[at + 1];
  try {
    return operatorZone(given, env);
  } catch {
    return "UTC";
  }
}

/**
 * `--tz -03:00` as `--tz=-03:00`: yargs reads a word that starts with `-` as flags of its own
 * ("Unknown arguments: 0, 3"), so an offset given where a zone is asked for gets the zone's
 * own refusal ("expected an IANA time zone") instead.
 */
function offsetsJoined(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === "--tz" && next !== undefined && /^[-+]\d/.test(next)) {
      args.push(`--tz=${next}`);
      i++;
    } else args.push(argv[i] as string);
  }
  return args;
}

/**
 * Runs one command line (`argv`: the arguments after the program's name) with `io`, and
 * returns the exit code. Nothing of the process is touched: the bin sets the exit code.
 */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  // A bare `bitex-batch` shows the help, as most tools do.
  const args = argv.length === 0 ? ["--help"] : offsetsJoined(argv);
  const debug = args.includes("--debug");
  const json = args.includes("--json");
  const startedAt = new Date();
  // The run's one --json object: what the command produced, printed below with its exit code.
  let produced: Record<string, unknown> | undefined;
  const runIo: Io = {
    ...io,
    argv,
    ...(json
      ? {
          json: (value: Record<string, unknown>) => {
            produced = value;
          },
        }
      : {}),
  };
  const ran: Ran = {};
  let exitCode: number = EXIT.ok;
  let failed: unknown;
  try {
    await buildCli(args, ran, runIo).parseAsync();
    exitCode = ran.exit ?? EXIT.ok;
  } catch (error) {
    failed = error;
    exitCode = reportFailure(error, debug, secretsOf(io.env), io.stderr, runZone(args, io.env));
  }
  // --help and --version print no JSON; every run of a command (done or failed) prints one object.
  if (json && (produced !== undefined || failed !== undefined || ran.exit !== undefined)) {
    const redact = redactor(secretsOf(io.env));
    const zone = runZone(args, io.env);
    const span = { startedAt: isoTime(startedAt, zone), finishedAt: isoTime(new Date(), zone) };
    io.stdout.write(`${redact(JSON.stringify(jsonOutcome(args, produced, exitCode, failed, span)))}\n`);
  }
  return exitCode;
}
