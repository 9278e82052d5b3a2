/**
 * The command line as a table: argv → the command and the options it receives, as the flag
 * groups and their normalisers make them (nothing runs). Defaults, kebab-case to the use
 * cases' names, repeatable flags, the state directory from the run's environment.
 */
import { expect } from "chai";
import { KNOWN_OPTIONS } from "../../src/commands/flags.js";
import { buildCli, COMMANDS, parseCommand, run } from "../../src/main.js";
import { textSink, unstamped } from "../helpers/cli.js";

const ENV = { XDG_STATE_HOME: "/state" };
const COMMON = { stateDir: "/state/bitex-batch", json: false, quiet: false, tz: undefined };
const INPUT = {
  report: undefined,
  reportFormat: "csv",
  encoding: "auto",
  sheet: undefined,
  delimiter: undefined,
  decimalSeparator: undefined,
  senderPort: undefined,
  payer: undefined,
  allowDuplicates: false,
  keepColumns: false,
  expectRows: undefined,
  expectTotal: undefined,
  batchId: undefined,
};
const API = { apiUrl: undefined, sandbox: false };
const RUN = {
  concurrency: 4,
  rate: 5,
  allowPartial: false,
  maxTotal: undefined,
  wait: undefined,
  timeout: undefined,
  interval: undefined,
};

const table: Array<[string, string, Record<string, unknown>]> = [
  ["validate p.csv", "validate", { csv: "p.csv", ...INPUT, ...API, ...COMMON, online: false, rate: 5 }],
  [
    "validate p.csv --online --rate 2 --report-format excel --expect-total CLP=1 --expect-total USD=2 --expect-rows 3",
    "validate",
    {
      csv: "p.csv",
      ...INPUT,
      reportFormat: "excel",
      expectTotal: ["CLP=1", "USD=2"],
      expectRows: 3,
      ...API,
      ...COMMON,
      online: true,
      rate: 2,
    },
  ],
  [
    "submit p.csv --sandbox --until final --max-total ARS=10 --dry-run --json --state-dir /s",
    "submit",
    {
      csv: "p.csv",
      ...INPUT,
      ...API,
      sandbox: true,
      ...COMMON,
      stateDir: "/s",
      json: true,
      ...RUN,
      maxTotal: ["ARS=10"],
      dryRun: true,
      skipInvalid: false,
      until: "final",
    },
  ],
  [
    "accept p.csv --max-total ARS=1 --max-total USD=2 --api-url http://127.0.0.1:1/api --batch-id b-1",
    "accept",
    {
      csv: "p.csv",
      ...INPUT,
      batchId: "b-1",
      ...API,
      apiUrl: "http://127.0.0.1:1/api",
      ...COMMON,
      ...RUN,
      maxTotal: ["ARS=1", "USD=2"],
      steps: ["accept"],
    },
  ],
  [
    "status p.csv --watch --interval 5 --quiet",
    "status",
    {
      csv: "p.csv",
      ...INPUT,
      ...API,
      ...COMMON,
      quiet: true,
      ...RUN,
      interval: 5,
      watch: true,
      steps: ["watch"],
    },
  ],
  [
    "quote p.csv --wait 60",
    "quote",
    { csv: "p.csv", ...INPUT, ...API, ...COMMON, ...RUN, wait: 60, steps: ["quote"] },
  ],
  [
    "validate pay.xlsx --sheet Nómina",
    "validate",
    { csv: "pay.xlsx", ...INPUT, sheet: "Nómina", ...API, ...COMMON, online: false, rate: 5 },
  ],
  ["template --report-format excel-en", "template", { reportFormat: "excel-en", format: undefined }],
  ["template --format xlsx", "template", { reportFormat: "csv", format: "xlsx" }],
  ["template --format excel", "template", { reportFormat: "csv", format: "excel" }],
  ["ports --sandbox --json", "ports", { ...API, sandbox: true, json: true, quiet: false, tz: undefined }],
  [
    "validate p.csv --tz America/Argentina/Buenos_Aires",
    "validate",
    {
      csv: "p.csv",
      ...INPUT,
      ...API,
      ...COMMON,
      tz: "America/Argentina/Buenos_Aires",
      online: false,
      rate: 5,
    },
  ],
  [
    "export --month 2026-11 --tz America/Santiago --payer 113",
    "export",
    {
      ...API,
      ...COMMON,
      month: "2026-11",
      from: undefined,
      to: undefined,
      tz: "America/Santiago",
      payer: "113",
      rate: 5,
      report: undefined,
      reportFormat: "csv",
    },
  ],
  [
    "inbox /srv/in",
    "inbox",
    {
      dir: "/srv/in",
      reportFormat: "csv",
      encoding: "auto",
      senderPort: undefined,
      payer: undefined,
      until: "created",
      settle: 60,
      monthInName: false,
      ...API,
      ...COMMON,
      ...RUN,
    },
  ],
  [
    "inbox /srv/in --until final --max-total ARS=10 --settle 5 --tz America/Santiago --report-format xlsx --json --month-in-name",
    "inbox",
    {
      dir: "/srv/in",
      reportFormat: "xlsx",
      encoding: "auto",
      senderPort: undefined,
      payer: undefined,
      until: "final",
      settle: 5,
      monthInName: true,
      ...API,
      ...COMMON,
      tz: "America/Santiago",
      json: true,
      ...RUN,
      maxTotal: ["ARS=10"],
    },
  ],
  [
    "sandbox --port 0 --drop-rate 0.5 --list-style bare --time-scale 60",
    "sandbox",
    {
      port: 0,
      host: "127.0.0.1",
      seed: undefined,
      latencyMs: 0,
      jitterMs: 0,
      failRate: 0,
      dropRate: 0.5,
      rateLimit: 5,
      faultSeed: undefined,
      listStyle: "bare",
      // No --page-cap: the style's own (25 for bare), decided by the emulator.
      pageCap: undefined,
      includes: "honoured",
      timeScale: 60,
    },
  ],
  [
    "sandbox --port 0 --page-cap 3 --includes ignored",
    "sandbox",
    {
      port: 0,
      host: "127.0.0.1",
      seed: undefined,
      latencyMs: 0,
      jitterMs: 0,
      failRate: 0,
      dropRate: 0,
      rateLimit: 5,
      faultSeed: undefined,
      // Bitex's recorded list style is the emulator's default.
      listStyle: "recorded",
      pageCap: 3,
      includes: "ignored",
      timeScale: 1,
    },
  ],
];

describe("command line: argv → the options each command receives", () => {
  for (const [line, command, options] of table) {
    it(line, async () => {
      expect(await parseCommand(line.split(" "), ENV)).to.deep.equal({ command, options });
    });
  }

  it("the flags known for 'did you mean' are every flag of the tables", () => {
    expect(KNOWN_OPTIONS).to.deep.equal(
      `allow-duplicates allow-partial api-url batch-id concurrency debug decimal-separator
      delimiter drop-rate dry-run encoding expect-rows expect-total fail-rate fault-seed format from help host
      includes interval jitter-ms json keep-columns latency-ms list-style max-total month month-in-name online page-cap payer port quiet rate
      rate-limit report report-format sandbox seed sender-port settle sheet skip-invalid state-dir time-scale timeout to tz
      until version wait watch`.split(/\s+/),
    );
  });

  it("a flag of another command is named as not this command's, never 'did you mean' itself", async () => {
    const hintOf = async (argv: string[]) => {
      const stdout = textSink();
      const code = await run([...argv, "--json"], { stdout, stderr: textSink(), env: ENV });
      const { error } = JSON.parse(stdout.text) as { error: { message: string; hint: string } };
      return [code, error.message, error.hint];
    };
    expect(await hintOf(["validate", "payroll.csv", "--concurrency", "5"])).to.deep.equal([
      2,
      "Unknown argument: concurrency",
      "--concurrency is not an option of validate (bitex-batch help validate lists its options)",
    ]);
    // A typo still gets its nearest flag.
    expect(await hintOf(["validate", "payroll.csv", "--delimeter", ";"])).to.deep.equal([
      2,
      "Unknown argument: delimeter",
      "did you mean --delimiter? (see bitex-batch help)",
    ]);
  });

  it("help with a misspelt command says what the command alone says ('Did you mean quote?', exit 2), never the top-level help", async () => {
    const said = async (argv: string[]) => {
      const stdout = textSink();
      const stderr = textSink();
      const code = await run(argv, { stdout, stderr, env: ENV });
      return [code, stdout.text, unstamped(stderr.text)];
    };
    const alone = await said(["quot"]);
    expect(alone).to.deep.equal([2, "", "bitex-batch: Did you mean quote?\n  see bitex-batch --help\n"]);
    expect(await said(["help", "quot"])).to.deep.equal(alone);
    expect(await said(["help", "zzzzzz"])).to.deep.equal(await said(["zzzzzz"]));
  });

  it("a command is handed to its handler without yargs rendering the help text (skipHelpCache)", async () => {
    const cli = buildCli(
      ["validate", "p.csv"],
      {},
      { stdout: textSink(), stderr: textSink(), env: ENV },
      async () => 0,
    );
    await cli.parseAsync();
    // yargs 18's internals, as src/main.ts skipHelpCache replaces them: this fails if they
    // change, so that the 25-40 ms a run it saves cannot come back unnoticed.
    const usage = (
      cli as unknown as {
        getInternalMethods(): { getUsageInstance(): { hasCachedHelpMessage(): boolean } };
      }
    )
      .getInternalMethods()
      .getUsageInstance();
    expect(usage.hasCachedHelpMessage()).to.equal(false);
  });

  it("COMMANDS (what help knows) are the commands the top-level help lists", async () => {
    const help = await buildCli([]).getHelp();
    const section = help.split("Commands:\n")[1]?.split("\n\n")[0] ?? "";
    const listed = [...section.matchAll(/^ {2}bitex-batch (\S+)/gm)].map((match) => match[1]);
    expect([...COMMANDS]).to.deep.equal(listed);
  });
});
