#!/usr/bin/env node
/**
 * bitex-batch command line. The commands live in src/commands/; this file only declares
 * the options and is the one place where an error becomes an exit code.
 */
import { readFileSync } from "node:fs";
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { diskFailure, isDiskFailure } from "./disk.js";
import { BatchError, EXIT, exitCodeFor } from "./errors.js";
import { redactor } from "./redact.js";
import { defaultStateDir, STATE_DIR_DESCRIPTION } from "./state-dir.js";

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
      describe: "report path, or - for stdout [default: <input>.report.csv, or .xlsx]",
    })
    .option("report-format", {
      choices: ["csv", "excel", "excel-en", "xlsx"] as const,
      default: "csv" as const,
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
    .option("batch-id", { type: "string", describe: "[default: derived from the file's name and content]" });
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
    });
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
    .option("interval", { type: "number", describe: "seconds between two reads of the batch [default: 30]" });
}

export function buildCli(argv: string[]) {
  return yargs(argv)
    .scriptName("bitex-batch")
    .usage(
      "$0 <command> [options]\n\nPays many people at once through the Bitex CrossBorder API. API key: env BITEX_API_KEY.",
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
      async (args) => (await import("./commands/validate.js")).validateCommand(args),
    )
    .example("$0 validate payroll.csv", "check payroll.csv, write payroll.report.csv")
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
      async (args) => (await import("./commands/submit.js")).submitCommand(args),
    )
    .example("$0 submit payroll.csv --sandbox", "pay payroll.csv on the embedded emulator")
    .command(
      "quote <csv>",
      "request a quote for every draft request of the file's batch and wait for it",
      (y) => followOptions(apiOptions(inputOptions(y))),
      async (args) => (await import("./commands/follow.js")).followCommand("quote", args, ["quote"]),
    )
    .example(
      "$0 quote payroll.csv",
      "quote the batch of payroll.csv; prints what it will spend and the deadline",
    )
    .command(
      "accept <csv>",
      "accept the batch's quotes if they are within --max-total and their deadline",
      (y) => followOptions(apiOptions(inputOptions(y))),
      async (args) => (await import("./commands/follow.js")).followCommand("accept", args, ["accept"]),
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
      async (args) =>
        (await import("./commands/follow.js")).followCommand(
          "status",
          args,
          args.watch ? ["watch"] : ["read"],
        ),
    )
    .example("$0 status payroll.csv --watch", "follow the batch to final states")
    .command(
      "template",
      "print a CSV template with the header and example rows",
      (y) =>
        y.option("report-format", {
          choices: ["csv", "excel", "excel-en"] as const,
          default: "csv" as const,
        }),
      async (args) => (await import("./commands/template.js")).templateCommand(args),
    )
    .example("$0 template > payroll.csv", "start a new payroll file")
    .command(
      "ports",
      "list the ports the API offers",
      (y) => apiOptions(y),
      async (args) => (await import("./commands/ports.js")).portsCommand(args),
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
          }),
      async (args) => (await import("./commands/export.js")).exportCommand(args),
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
          .option("latency-ms", { type: "number", default: 0 })
          .option("jitter-ms", { type: "number", default: 0 })
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
            choices: ["rich", "bare"] as const,
            default: "rich" as const,
            describe: "rich: lists with meta and links; bare: only data, as recorded Bitex lists",
          })
          .option("page-cap", { type: "number", default: 25, describe: "most items a bare list page holds" })
          .option("time-scale", {
            type: "number",
            default: 1,
            describe: "the emulator's clock runs N times faster than real time; 0 stops it",
          }),
      async (args) => (await import("./commands/sandbox.js")).sandboxCommand(args),
    )
    .example("$0 sandbox --port 0", "start the emulator; prints its URL and API key")
    .demandCommand(1, "name a command")
    .strict()
    .version(version)
    .help()
    .wrap(null)
    .fail((message, error) => {
      if (error && error.name !== "YError") throw error;
      // A YError is yargs' own (a coerce check, a parse failure): a usage error like the others.
      const text = error?.message ?? message;
      // yargs writes some messages over several lines ("Invalid values:\n  Argument: …"): one line here.
      throw new BatchError("usage", text.replace(/:?\s*\n\s*/g, ": "), { hint: "see bitex-batch --help" });
    });
}

/**
 * The only place an error turns into words on stderr and an exit code. Every line passes
 * through the key's redaction (the key comes from the environment only), stack traces too.
 */
export function reportFailure(
  error: unknown,
  debug: boolean,
  secrets: readonly string[] = [process.env.BITEX_API_KEY ?? ""],
): number {
  const redact = redactor(secrets);
  const say = (line: string) => process.stderr.write(`${redact(line)}\n`);
  // A file of this machine that could not be written or read: words, not "unexpected error".
  const failure =
    !(error instanceof BatchError) && isDiskFailure(error)
      ? diskFailure(error, {
          action: "write",
          path: String((error as { path?: unknown }).path ?? "a file"),
          sentAny: true,
          hint: "fix that, then run the same command again",
        })
      : error;
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

async function main(): Promise<void> {
  // A reader that went away (`| head`) must not crash a run, least of all a submit: the
  // words are lost, the work and the exit code stand.
  // The same for a terminal that hung up (SIGHUP, then EIO on every write).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "EIO") throw error;
    });
  }
  const argv = hideBin(process.argv);
  const debug = argv.includes("--debug");
  try {
    await buildCli(argv).parseAsync();
    process.exitCode ??= EXIT.ok;
  } catch (error) {
    process.exitCode = reportFailure(error, debug);
  }
}

await main();
