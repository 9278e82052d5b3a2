/**
 * Every flag of the command line, declared once, in groups; each group has one normaliser
 * that turns what yargs parsed into the options a use case takes (csv-parse's
 * `normalize_options`). The command table (main.ts) composes groups; the list of known
 * flags for "did you mean" is derived from the same tables.
 */
import type { InferredOptionTypes, Options } from "yargs";
import type { LoadArgs } from "../app/load.js";
import { BatchError } from "../errors.js";
import type { CsvFormat, ReportFormat } from "../writers/dialect.js";

/** `--expect-rows`: yargs reads `--expect-rows abc` as NaN, which says nothing; checked here. */
function wholeNumber(text: string): number {
  if (!/^\d+$/.test(text))
    throw new BatchError("usage", `--expect-rows expects a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

export const GLOBAL_FLAGS = {
  json: { type: "boolean", default: false, describe: "print one JSON summary on stdout" },
  quiet: { type: "boolean", default: false, describe: "only warnings and errors" },
  debug: { type: "boolean", default: false, describe: "show stack traces" },
  tz: {
    type: "string",
    describe:
      "IANA time zone of every time shown, of the reports' and the export's times and days [default: this machine's]",
  },
} as const satisfies Record<string, Options>;

export const REPORT_FLAGS = {
  report: {
    type: "string",
    // Always takes the next word: otherwise yargs reads `--report -` (stdout) as a positional "-".
    nargs: 1,
    describe:
      "report path, or - for stdout [default: <input>.report.csv; validate: <input>.validation.csv; .xlsx for xlsx]",
  },
  "report-format": {
    choices: ["csv", "excel", "excel-en", "xlsx"] as const,
    default: "csv" as const,
    describe: "csv; excel (; and decimal comma, for a Spanish Excel); excel-en; xlsx",
  },
} as const satisfies Record<string, Options>;

export const INPUT_FLAGS = {
  sheet: { type: "string", describe: "the workbook's sheet to read (xlsx input) [default: the first]" },
  encoding: {
    choices: ["auto", "utf8", "latin1", "windows-1252", "utf16le"] as const,
    default: "auto" as const,
    describe: "input encoding (CSV only)",
  },
  delimiter: { type: "string", describe: "input delimiter (CSV only) [default: detected among , ; tab |]" },
  "decimal-separator": {
    choices: [".", ","] as const,
    describe: "decimal separator of the amounts (CSV only)",
  },
  "sender-port": { type: "string", describe: "sender port for rows that leave it empty" },
  payer: { type: "string", describe: "payer user id for rows that leave it empty" },
  "allow-duplicates": {
    type: "boolean",
    default: false,
    describe: "accept identical rows without distinct references",
  },
  "keep-columns": { type: "boolean", default: false, describe: "echo unknown input columns in the report" },
  "expect-rows": {
    type: "string",
    coerce: wholeNumber,
    describe: "refuse the file unless it has exactly N data rows",
  },
  "expect-total": {
    type: "string",
    array: true,
    // One value per flag, so `--expect-total CLP=1 payroll.csv` leaves the file name alone.
    nargs: 1,
    describe: "refuse the file unless CUR=AMOUNT matches (repeatable)",
  },
  "batch-id": {
    type: "string",
    describe:
      "the batch's id, for a new payment run of the same file [default: from the file's name and content]",
  },
} as const satisfies Record<string, Options>;

export const API_FLAGS = {
  "api-url": {
    type: "string",
    describe: "Bitex API base URL (env BITEX_API_URL) [default: https://sandbox.bitex.la/api]",
  },
  sandbox: {
    type: "boolean",
    default: false,
    describe: "run against the embedded emulator, started in-process",
  },
} as const satisfies Record<string, Options>;

export const RUN_FLAGS = {
  concurrency: { type: "number", default: 4, describe: "calls in flight at most" },
  rate: { type: "number", default: 5, describe: "calls started per second at most" },
  "allow-partial": {
    type: "boolean",
    default: false,
    describe: "quote and accept without the rows that failed to create (a quoted request takes no more)",
  },
  "max-total": {
    type: "string",
    array: true,
    nargs: 1,
    describe:
      "the most the batch may spend, CUR=AMOUNT in the sender currency (repeatable; required to accept)",
  },
  wait: { type: "number", describe: "seconds to wait for the quotes [default: 2400]" },
  timeout: { type: "number", describe: "seconds to follow the rows before exit 3 [default: 3600]" },
  interval: {
    type: "number",
    describe: "seconds between two reads of the batch, on the server's clock [default: 30]",
  },
} as const satisfies Record<string, Options>;

export const SUBMIT_FLAGS = {
  "dry-run": { type: "boolean", default: false, describe: "plan and report, send nothing" },
  "skip-invalid": {
    type: "boolean",
    default: false,
    describe: "submit the valid rows even if others are invalid",
  },
  until: {
    choices: ["created", "quoted", "accepted", "final"] as const,
    default: "created" as const,
    describe: "how far to take the batch: created outputs, quoted, accepted (needs --max-total), final",
  },
} as const satisfies Record<string, Options>;

export const VALIDATE_FLAGS = {
  online: {
    type: "boolean",
    default: false,
    describe: "also check ports, users and instructions with the API",
  },
  rate: { type: "number", default: 5, describe: "calls started per second at most (--online)" },
} as const satisfies Record<string, Options>;

export const STATUS_FLAGS = {
  watch: {
    type: "boolean",
    default: false,
    describe: "read again every --interval until every row is final or --timeout",
  },
} as const satisfies Record<string, Options>;

export const TEMPLATE_FLAGS = {
  "report-format": {
    choices: ["csv", "excel", "excel-en"] as const,
    default: "csv" as const,
    describe: "csv; excel (; and decimal comma); excel-en",
  },
  format: {
    choices: ["csv", "excel", "excel-en", "xlsx"] as const,
    describe: "as --report-format, or xlsx: a workbook (redirect it to a file)",
  },
} as const satisfies Record<string, Options>;

export const EXPORT_FLAGS = {
  month: { type: "string", describe: "the period: a calendar month, YYYY-MM" },
  from: { type: "string", describe: "the period's first day, YYYY-MM-DD (with --to)" },
  to: { type: "string", describe: "the period's last day, YYYY-MM-DD, included" },
  payer: { type: "string", describe: "only the requests of this payer user id" },
  rate: { type: "number", default: 5, describe: "calls started per second at most" },
  report: {
    type: "string",
    nargs: 1,
    describe: "report path, or - for stdout [default: export-<period>.csv, or .xlsx]",
  },
  "report-format": {
    choices: ["csv", "excel", "excel-en", "xlsx"] as const,
    default: "csv" as const,
    describe: "csv; excel (; and decimal comma); excel-en; xlsx (a workbook, to a file)",
  },
} as const satisfies Record<string, Options>;

export const INBOX_FLAGS = {
  "report-format": REPORT_FLAGS["report-format"],
  encoding: INPUT_FLAGS.encoding,
  "sender-port": INPUT_FLAGS["sender-port"],
  payer: INPUT_FLAGS.payer,
  until: SUBMIT_FLAGS.until,
  settle: {
    type: "number",
    default: 60,
    describe: "seconds a file must be left unchanged before it is taken (a file still being written waits)",
  },
  "month-in-name": {
    type: "boolean",
    default: false,
    describe:
      "file names carry their month (payroll-2026-12.csv): a file is not refused as a copy of another month's batch, so next month's identical payroll is paid",
  },
} as const satisfies Record<string, Options>;

export const SANDBOX_FLAGS = {
  port: { type: "number", default: 0, describe: "0 picks a free port" },
  host: { type: "string", default: "127.0.0.1", describe: "loopback address" },
  seed: { type: "string", describe: "world seed JSON [default: fixtures/demo/seed.json]" },
  "latency-ms": { type: "number", default: 0, describe: "delay of every answer" },
  "jitter-ms": { type: "number", default: 0, describe: "random extra delay, up to this" },
  "fail-rate": { type: "number", default: 0, describe: "fraction of calls answered 503" },
  "drop-rate": { type: "number", default: 0, describe: "fraction of creates committed then dropped" },
  "rate-limit": { type: "number", default: 5, describe: "calls per second per key; 0 = none" },
  "fault-seed": { type: "number", describe: "makes the fault sequence repeatable" },
  "list-style": {
    choices: ["recorded", "bare", "rich", "unpaged"] as const,
    default: "recorded" as const,
    describe:
      "recorded: only data, as recorded Bitex lists, paged by page[page]/page[per_page]; bare: only data, paged by page[number]; rich: meta and links; unpaged: the whole list, page parameters ignored",
  },
  "page-cap": {
    type: "number",
    describe: "most items a recorded or bare list page holds (default 10 recorded, 25 bare)",
  },
  includes: {
    choices: ["honoured", "ignored", "refused"] as const,
    default: "honoured" as const,
    describe:
      "what a request read with ?include=outputs gets: its outputs in `included`, the request alone, or 400",
  },
  "time-scale": {
    type: "number",
    default: 1,
    describe: "the emulator's clock runs N times faster than real time; 0 stops it",
  },
} as const satisfies Record<string, Options>;

/** Every flag name of every command, for "did you mean" (with --state-dir, --help, --version). */
export const KNOWN_OPTIONS: readonly string[] = [
  ...new Set(
    [
      ["state-dir", "help", "version"],
      GLOBAL_FLAGS,
      REPORT_FLAGS,
      INPUT_FLAGS,
      API_FLAGS,
      RUN_FLAGS,
      SUBMIT_FLAGS,
      VALIDATE_FLAGS,
      STATUS_FLAGS,
      TEMPLATE_FLAGS,
      EXPORT_FLAGS,
      INBOX_FLAGS,
      SANDBOX_FLAGS,
    ].flatMap((group) => (Array.isArray(group) ? group : Object.keys(group))),
  ),
].sort();

type Parsed<T extends Record<string, Options>> = InferredOptionTypes<T>;

/** What every command that writes words takes: `--state-dir`, `--json`, `--quiet`, `--tz`. */
export function commonOf(a: Parsed<typeof GLOBAL_FLAGS> & { "state-dir": string }) {
  return { stateDir: a["state-dir"], json: a.json, quiet: a.quiet, tz: a.tz };
}

/** The file, its reading and checking, and the report's path and format. */
export function inputOf(
  a: Parsed<typeof REPORT_FLAGS> & Parsed<typeof INPUT_FLAGS> & { csv: string },
): LoadArgs & { reportFormat: ReportFormat } {
  return {
    csv: a.csv,
    report: a.report,
    reportFormat: a["report-format"],
    encoding: a.encoding,
    sheet: a.sheet,
    delimiter: a.delimiter,
    decimalSeparator: a["decimal-separator"],
    senderPort: a["sender-port"],
    payer: a.payer,
    allowDuplicates: a["allow-duplicates"],
    keepColumns: a["keep-columns"],
    expectRows: a["expect-rows"],
    expectTotal: a["expect-total"],
    batchId: a["batch-id"],
  };
}

export function apiOf(a: Parsed<typeof API_FLAGS>) {
  return { apiUrl: a["api-url"], sandbox: a.sandbox };
}

export function runOf(a: Parsed<typeof RUN_FLAGS>) {
  return {
    concurrency: a.concurrency,
    rate: a.rate,
    allowPartial: a["allow-partial"],
    maxTotal: a["max-total"],
    wait: a.wait,
    timeout: a.timeout,
    interval: a.interval,
  };
}

export function submitOf(a: Parsed<typeof SUBMIT_FLAGS>) {
  return { dryRun: a["dry-run"], skipInvalid: a["skip-invalid"], until: a.until };
}

export function templateOf(a: Parsed<typeof TEMPLATE_FLAGS> & { mode?: string }): {
  reportFormat: CsvFormat;
  format?: CsvFormat | "xlsx";
  mode?: "payees";
} {
  // `template payees`: the payroll by payee details; plain `template`, by Bitex ids.
  return {
    reportFormat: a["report-format"],
    format: a.format,
    ...(a.mode === "payees" ? { mode: "payees" as const } : {}),
  };
}

export function exportOf(a: Parsed<typeof EXPORT_FLAGS>) {
  return {
    month: a.month,
    from: a.from,
    to: a.to,
    payer: a.payer,
    rate: a.rate,
    report: a.report,
    reportFormat: a["report-format"],
  };
}

export function inboxOf(a: Parsed<typeof INBOX_FLAGS> & { dir: string }) {
  return {
    dir: a.dir,
    reportFormat: a["report-format"],
    encoding: a.encoding,
    senderPort: a["sender-port"],
    payer: a.payer,
    until: a.until,
    settle: a.settle,
    monthInName: a["month-in-name"],
  };
}

export function sandboxOf(a: Parsed<typeof SANDBOX_FLAGS>) {
  return {
    port: a.port,
    host: a.host,
    seed: a.seed,
    latencyMs: a["latency-ms"],
    jitterMs: a["jitter-ms"],
    failRate: a["fail-rate"],
    dropRate: a["drop-rate"],
    rateLimit: a["rate-limit"],
    faultSeed: a["fault-seed"],
    listStyle: a["list-style"],
    pageCap: a["page-cap"],
    includes: a.includes,
    timeScale: a["time-scale"],
  };
}
