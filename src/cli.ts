#!/usr/bin/env node
/**
 * bitex-batch command line. The commands live in src/commands/; this file only declares
 * the options and is the one place where an error becomes an exit code.
 */
import { readFileSync } from "node:fs";
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { keyFromFile } from "./commands/connect.js";
import { holdJson, takeJson } from "./commands/console.js";
import { setImmediateExit } from "./commands/signals.js";
import { diskFailure, isDiskFailure } from "./disk.js";
import { editDistance } from "./edit-distance.js";
import { BatchError, EXIT, exitCodeFor } from "./errors.js";
import { redactor } from "./redact.js";
import { defaultStateDir, STATE_DIR_DESCRIPTION } from "./state-dir.js";
import { stopFor } from "./submit/policy.js";

const version = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

function inputOptions<T>(y: Argv<T>) {
  return y
    .positional("csv", { type: "string", demandOption: true, describe: "the payroll CSV" })
    .option("report", {
      type: "string",
      // Always takes the next word: otherwise yargs reads `--report -` (stdout) as a positional "-".
      nargs: 1,
      describe:
        "report path, or - for stdout [default: <input>.report.csv; validate: <input>.validation.csv; .xlsx for xlsx]",
    })
    .option("report-format", {
      choices: ["csv", "excel", "excel-en", "xlsx"] as const,
      default: "csv" as const,
      describe: "csv; excel (; and decimal comma, for a Spanish Excel); excel-en; xlsx",
    })
    .option("encoding", {
      choices: ["auto", "utf8", "latin1", "windows-1252", "utf16le"] as const,
      default: "auto" as const,
      describe: "input encoding",
    })
    .option("delimiter", { type: "string", describe: "input delimiter [default: detected among , ; tab |]" })
    .option("decimal-separator", {
      choices: [".", ","] as const,
      describe: "decimal separator of the amounts",
    })
    .option("sender-port", { type: "string", describe: "sender port for rows that leave it empty" })
    .option("payer", { type: "string", describe: "payer user id for rows that leave it empty" })
    .option("allow-duplicates", {
      type: "boolean",
      default: false,
      describe: "accept identical rows without distinct references",
    })
    .option("keep-columns", {
      type: "boolean",
      default: false,
      describe: "echo unknown input columns in the report",
    })
    .option("expect-rows", {
      type: "string",
      // Checked here: yargs reads `--expect-rows abc` as NaN, which says nothing.
      coerce: (text: string) => {
        if (!/^\d+$/.test(text))
          throw new BatchError("usage", `--expect-rows expects a whole number, got ${JSON.stringify(text)}`);
        return Number(text);
      },
      describe: "refuse the file unless it has exactly N data rows",
    })
    .option("expect-total", {
      type: "string",
      array: true,
      // One value per flag, so `--expect-total CLP=1 payroll.csv` leaves the file name alone.
      nargs: 1,
      describe: "refuse the file unless CUR=AMOUNT matches (repeatable)",
    })
    .option("batch-id", {
      type: "string",
      describe:
        "the batch's id, for a new payment run of the same file [default: from the file's name and content]",
    })
    .group(["report", "report-format"], "Report:")
    .group(
      [
        "encoding",
        "delimiter",
        "decimal-separator",
        "sender-port",
        "payer",
        "allow-duplicates",
        "keep-columns",
        "expect-rows",
        "expect-total",
        "batch-id",
      ],
      "Input:",
    );
}

function apiOptions<T>(y: Argv<T>) {
  return y
    .option("api-url", {
      type: "string",
      describe: "Bitex API base URL (env BITEX_API_URL) [default: https://sandbox.bitex.la/api]",
    })
    .option("sandbox", {
      type: "boolean",
      default: false,
      describe: "run against the embedded emulator, started in-process",
    })
    .group(["api-url", "sandbox"], "API (key: env BITEX_API_KEY, or BITEX_API_KEY_FILE):");
}

function followOptions<T>(y: Argv<T>) {
  return y
    .option("concurrency", { type: "number", default: 4, describe: "calls in flight at most" })
    .option("rate", { type: "number", default: 5, describe: "calls started per second at most" })
    .option("allow-partial", {
      type: "boolean",
      default: false,
      describe: "quote and accept without the rows that failed to create (a quoted request takes no more)",
    })
    .option("max-total", {
      type: "string",
      array: true,
      nargs: 1,
      describe:
        "the most the batch may spend, CUR=AMOUNT in the sender currency (repeatable; required to accept)",
    })
    .option("wait", { type: "number", describe: "seconds to wait for the quotes [default: 600]" })
    .option("timeout", {
      type: "number",
      describe: "seconds to follow the rows before exit 3 [default: 3600]",
    })
    .option("interval", { type: "number", describe: "seconds between two reads of the batch [default: 30]" })
    .group(["concurrency", "rate", "allow-partial", "max-total", "wait", "timeout", "interval"], "Run:");
}

const EXIT_CODES = `Exit codes:
  0  every row valid (validate) or created (submit), or the command did what it was asked
  1  some rows invalid or failed: see the lines above and the report
  2  nothing was done: usage, input, key, guard or local file problem; fix it and run again
  3  stopped before the end (signal, API unreachable, timeout): run the same command again
  4  another run holds the batch, or another writer touched it on the server

Environment: BITEX_API_KEY (or BITEX_API_KEY_FILE, a file only its owner can read), BITEX_API_URL, NO_COLOR.
Documentation: README.md. bitex-batch help <command> shows a command's options.`;

/** What a command's handler returned (the CLI entry is the one place that sets the exit code). */
export interface Ran {
  exit?: number;
}

/** Every option name of every command (a test keeps this list complete), for "did you mean". */
export const KNOWN_OPTIONS =
  `allow-duplicates allow-partial api-url batch-id concurrency debug decimal-separator
  delimiter drop-rate dry-run encoding expect-rows expect-total fail-rate fault-seed from help host interval
  jitter-ms json keep-columns latency-ms list-style max-total month online page-cap payer port quiet rate
  rate-limit report report-format sandbox seed sender-port skip-invalid state-dir time-scale timeout to tz
  until version wait watch`.split(/\s+/);

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

export function buildCli(argv: string[], ran: Ran = {}) {
  return yargs(argv)
    .scriptName("bitex-batch")
    .usage(
      "$0 <command> [options]\n\nPays many people at once through the Bitex CrossBorder API. API key: env BITEX_API_KEY or BITEX_API_KEY_FILE.",
    )
    .option("state-dir", {
      type: "string",
      default: defaultStateDir(),
      defaultDescription: STATE_DIR_DESCRIPTION,
      describe: "journal and lock directory",
    })
    .option("json", { type: "boolean", default: false, describe: "print one JSON summary on stdout" })
    .option("quiet", { type: "boolean", default: false, describe: "only warnings and errors" })
    .option("debug", { type: "boolean", default: false, describe: "show stack traces" })
    .command(
      "validate <csv>",
      "check every row and write the report; sends nothing",
      (y) =>
        apiOptions(inputOptions(y)).option("online", {
          type: "boolean",
          default: false,
          describe: "also check ports, users and instructions with the API",
        }),
      async (args) => {
        ran.exit = await (await import("./commands/validate.js")).validateCommand(args);
      },
    )
    .example("$0 validate payroll.csv", "check payroll.csv, write payroll.validation.csv")
    .command(
      "submit <csv>",
      "validate, plan, create requests and outputs, write the report",
      (y) =>
        followOptions(apiOptions(inputOptions(y)))
          .option("dry-run", { type: "boolean", default: false, describe: "plan and report, send nothing" })
          .option("skip-invalid", {
            type: "boolean",
            default: false,
            describe: "submit the valid rows even if others are invalid",
          })
          .option("until", {
            choices: ["created", "quoted", "accepted", "final"] as const,
            default: "created" as const,
            describe:
              "how far to take the batch: created outputs, quoted, accepted (needs --max-total), final",
          }),
      async (args) => {
        ran.exit = await (await import("./commands/submit.js")).submitCommand(args);
      },
    )
    .example("$0 submit payroll.csv --sandbox", "pay payroll.csv on the embedded emulator")
    .command(
      "quote <csv>",
      "request a quote for every draft request of the file's batch and wait for it",
      (y) => followOptions(apiOptions(inputOptions(y))),
      async (args) => {
        ran.exit = await (await import("./commands/follow.js")).followCommand("quote", args, ["quote"]);
      },
    )
    .example(
      "$0 quote payroll.csv",
      "quote the batch of payroll.csv; prints what it will spend and the deadline",
    )
    .command(
      "accept <csv>",
      "accept the batch's quotes if they are within --max-total and their deadline",
      (y) => followOptions(apiOptions(inputOptions(y))),
      async (args) => {
        ran.exit = await (await import("./commands/follow.js")).followCommand("accept", args, ["accept"]);
      },
    )
    .example("$0 accept payroll.csv --max-total ARS=25000000", "commit the payer's money for the batch")
    .command(
      "status <csv>",
      "read every row of the batch from the server and rewrite the report; sends nothing",
      (y) =>
        followOptions(apiOptions(inputOptions(y))).option("watch", {
          type: "boolean",
          default: false,
          describe: "read again every --interval until every row is final or --timeout",
        }),
      async (args) => {
        ran.exit = await (await import("./commands/follow.js")).followCommand(
          "status",
          args,
          args.watch ? ["watch"] : ["read"],
        );
      },
    )
    .example("$0 status payroll.csv --watch", "follow the batch to final states")
    .command(
      "template",
      "print a CSV template with the header and example rows",
      (y) =>
        y.option("report-format", {
          choices: ["csv", "excel", "excel-en"] as const,
          default: "csv" as const,
          describe: "csv; excel (; and decimal comma); excel-en",
        }),
      async (args) => {
        ran.exit = await (await import("./commands/template.js")).templateCommand(args);
      },
    )
    .example("$0 template > payroll.csv", "start a new payroll file")
    .command(
      "ports",
      "list the ports the API offers",
      (y) => apiOptions(y),
      async (args) => {
        ran.exit = await (await import("./commands/ports.js")).portsCommand(args);
      },
    )
    .example("$0 ports --sandbox", "list the emulator's ports")
    .command(
      "export",
      "every request and output of a period, from the API, for the accountant",
      (y) =>
        apiOptions(y)
          .option("month", { type: "string", describe: "the period: a calendar month, YYYY-MM" })
          .option("from", { type: "string", describe: "the period's first day, YYYY-MM-DD (with --to)" })
          .option("to", { type: "string", describe: "the period's last day, YYYY-MM-DD, included" })
          .option("tz", { type: "string", default: "UTC", describe: "IANA time zone of the period's days" })
          .option("payer", { type: "string", describe: "only the requests of this payer user id" })
          .option("report", {
            type: "string",
            nargs: 1,
            describe: "report path, or - for stdout [default: export-<period>.csv, or .xlsx]",
          })
          .option("report-format", {
            choices: ["csv", "excel", "excel-en", "xlsx"] as const,
            default: "csv" as const,
            describe: "csv; excel (; and decimal comma); excel-en",
          }),
      async (args) => {
        ran.exit = await (await import("./commands/export.js")).exportCommand(args);
      },
    )
    .example(
      "$0 export --month 2026-11 --tz America/Argentina/Buenos_Aires",
      "November 2026 as paid in Buenos Aires, to export-2026-11.csv",
    )
    .command(
      "sandbox",
      "run the embedded Bitex emulator until stopped",
      (y) =>
        y
          .option("port", { type: "number", default: 0, describe: "0 picks a free port" })
          .option("host", { type: "string", default: "127.0.0.1", describe: "loopback address" })
          .option("seed", { type: "string", describe: "world seed JSON [default: fixtures/demo/seed.json]" })
          .option("latency-ms", { type: "number", default: 0, describe: "delay of every answer" })
          .option("jitter-ms", { type: "number", default: 0, describe: "random extra delay, up to this" })
          .option("fail-rate", { type: "number", default: 0, describe: "fraction of calls answered 503" })
          .option("drop-rate", {
            type: "number",
            default: 0,
            describe: "fraction of creates committed then dropped",
          })
          .option("rate-limit", {
            type: "number",
            default: 5,
            describe: "calls per second per key; 0 = none",
          })
          .option("fault-seed", { type: "number", describe: "makes the fault sequence repeatable" })
          .option("list-style", {
            choices: ["recorded", "bare", "rich", "unpaged"] as const,
            default: "recorded" as const,
            describe:
              "recorded: only data, as recorded Bitex lists, paged by page[page]/page[per_page]; bare: only data, paged by page[number]; rich: meta and links; unpaged: the whole list, page parameters ignored",
          })
          .option("page-cap", {
            type: "number",
            describe: "most items a recorded or bare list page holds (default 10 recorded, 25 bare)",
          })
          .option("time-scale", {
            type: "number",
            default: 1,
            describe: "the emulator's clock runs N times faster than real time; 0 stops it",
          }),
      async (args) => {
        ran.exit = await (await import("./commands/sandbox.js")).sandboxCommand(args);
      },
    )
    .example("$0 sandbox --port 0", "start the emulator; prints its URL and API key")
    .command(
      "help [command]",
      "show the help of bitex-batch, or of one command",
      (y) => y.positional("command", { type: "string", describe: "a command" }),
      async (args) => {
        const command = args.command;
        await buildCli(command ? [command, "--help"] : ["--help"], ran).parseAsync();
        ran.exit = EXIT.ok;
      },
    )
    .completion("completion", "print the bash/zsh completion script: bitex-batch completion >> ~/.bashrc")
    .group(["state-dir", "json", "quiet", "debug"], "Run:")
    .demandCommand(1, "name a command")
    .recommendCommands()
    .strict()
    .version(version)
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
        if (near) hint = `did you mean --${near}? (see bitex-batch help)`;
      }
      // yargs writes some messages over several lines ("Invalid values:\n  Argument: …"): one line here.
      text = text.replace(/:?\s*\n\s*/g, ": ");
      throw new BatchError("usage", text, { hint });
    });
}

/** The key, wherever it comes from: never printed, not even in a stack trace. */
function secretsOf(env: NodeJS.ProcessEnv): string[] {
  let fromFile = "";
  try {
    fromFile = keyFromFile(env.BITEX_API_KEY_FILE);
  } catch {
    // A file that cannot be used holds no key to hide; its error says why.
  }
  return [env.BITEX_API_KEY ?? "", fromFile].filter((key) => key !== "");
}

/** A failure as the user sees it: the disk's errors in words, anything else as it is. */
function asFailure(error: unknown): unknown {
  // The emulator's and the call gate's own errors, through the one mapper.
  if (error instanceof Error && ["GateClosedError", "SeedError", "ConfigError"].includes(error.name))
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
  secrets: readonly string[] = secretsOf(process.env),
): number {
  const redact = redactor(secrets);
  const say = (line: string) => process.stderr.write(`${redact(line)}\n`);
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
): Record<string, unknown> {
  const command = argv.find((arg) => !arg.startsWith("-")) ?? null;
  const value: Record<string, unknown> = {
    command,
    problems: [],
    ...produced,
    exit_code: exitCode,
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

async function main(): Promise<void> {
  // A reader that went away (`| head`) must not crash a run, least of all a submit: the
  // words are lost, the work and the exit code stand.
  // The same for a terminal that hung up (SIGHUP, then EIO on every write).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "EIO") throw error;
    });
  }
  let argv = hideBin(process.argv);
  // A bare `bitex-batch` shows the help, as most tools do.
  if (argv.length === 0) argv = ["--help"];
  const debug = argv.includes("--debug");
  const json = argv.includes("--json");
  if (json) holdJson();
  // The second Ctrl-C leaves at once, through here: the one place that ends the process.
  setImmediateExit((code) => process.exit(code));
  const ran: Ran = {};
  let exitCode: number = EXIT.ok;
  let failed: unknown;
  try {
    await buildCli(argv, ran).parseAsync();
    exitCode = ran.exit ?? EXIT.ok;
  } catch (error) {
    failed = error;
    exitCode = reportFailure(error, debug);
  }
  const produced = json ? takeJson() : undefined;
  // --help and --version print no JSON; every run of a command (done or failed) prints one object.
  if (json && (produced !== undefined || failed !== undefined || ran.exit !== undefined)) {
    const redact = redactor(secretsOf(process.env));
    process.stdout.write(`${redact(JSON.stringify(jsonOutcome(argv, produced, exitCode, failed)))}\n`);
  }
  process.exitCode = exitCode;
}

await main();
