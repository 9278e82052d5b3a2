/**
 * Commands printed for the operator to paste: every word that a POSIX shell would split or
 * expand (spaces, quotes, accents, `$`, `*`…) goes inside single quotes, so
 * `next: bitex-batch quote 'Sueldos Diciembre 2026.csv'` runs as printed.
 */

/** Characters that stand for themselves in every shell word; anything else is quoted. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellWord(word: string): string {
  if (word !== "" && PLAIN.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A flag and its value as shell words; `--batch-id=-pay` when the value starts with "-" (else read as a flag). */
function flagWords(flag: string, value: string): string[] {
  return value.startsWith("-") ? [shellWord(`${flag}=${value}`)] : [flag, shellWord(value)];
}

/** `bitex-batch <command> <file> …flags`, each word quoted as needed. */
export function bitexCommand(command: string, file: string, ...flags: string[]): string {
  return ["bitex-batch", command, shellWord(file), ...flags].join(" ");
}

/**
 * The input options of a run that change a file's rows (model.ts ROW_OPTIONS): `quote`,
 * `accept` and `status` of a batch refuse other ones than its submit was given, so a command
 * printed for the operator to paste carries them, with their values.
 */
export interface RowOptions {
  allowDuplicates?: boolean;
  senderPort?: string;
  payer?: string;
  decimalSeparator?: string;
  encoding?: string;
  delimiter?: string;
  sheet?: string;
  /**
   * No row options: the report's path and format, carried on the batch's own commands so that
   * a pasted `status` rewrites the report the run wrote (an xlsx left saying "being checked"
   * beside a new CSV is a report the accountant takes for current).
   */
  report?: string;
  reportFormat?: string;
  /** The batch's id when the run was given one: a command by the file's name alone may find another batch of that name. */
  batchId?: string;
}

/** The words of those options: for the batch's own file (with its report's), and for its remaining file. */
export interface RowFlags {
  /** The batch's own commands: its id when given, its row options, its report's path and format. */
  batch: readonly string[];
  /** The row options alone: for a command about another batch of the same rows. */
  rows: readonly string[];
  /**
   * A remaining file is cut from the input's bytes (report/remaining.ts: same encoding,
   * delimiter and figures), so it is read with the same options; but it is never a workbook
   * (no --sheet), and it is a new batch: --allow-duplicates, a check overridden, is the
   * operator's to give again, never given for them.
   */
  remaining: readonly string[];
}

export const NO_ROW_FLAGS: RowFlags = { batch: [], rows: [], remaining: [] };

export function rowFlags(options: RowOptions): RowFlags {
  const pair = (flag: string, value: string | undefined) =>
    value === undefined ? [] : flagWords(flag, value);
  const shared = [
    ...pair("--sender-port", options.senderPort),
    ...pair("--payer", options.payer),
    ...pair("--decimal-separator", options.decimalSeparator),
    // "auto" is the default: said only when another was given.
    ...pair("--encoding", options.encoding === "auto" ? undefined : options.encoding),
    ...pair("--delimiter", options.delimiter),
  ];
  const rows = [
    ...(options.allowDuplicates ? ["--allow-duplicates"] : []),
    ...shared,
    ...pair("--sheet", options.sheet),
  ];
  return {
    batch: [
      ...pair("--batch-id", options.batchId),
      ...rows,
      // "-" (stdout) is this run's; "csv" is the default.
      ...pair("--report", options.report === "-" ? undefined : options.report),
      ...pair("--report-format", options.reportFormat === "csv" ? undefined : options.reportFormat),
    ],
    rows,
    remaining: shared,
  };
}

/** `bitex-batch <command> <the batch's file> …row options …flags`. */
export function batchCommand(rows: RowFlags, command: string, file: string, ...flags: string[]): string {
  return bitexCommand(command, file, ...rows.batch, ...flags);
}

/**
 * `bitex-batch <command> <file> [--batch-id <id>] …row options`: a command about another batch
 * of the same rows (an earlier or a later one), without this run's batch id and report.
 */
export function otherBatchCommand(rows: RowFlags, command: string, file: string, batchId?: string): string {
  return bitexCommand(
    command,
    file,
    ...(batchId === undefined ? [] : flagWords("--batch-id", batchId)),
    ...rows.rows,
  );
}

/**
 * `bitex-batch submit <file> …row options --sandbox …flags`: the whole cycle on the embedded
 * emulator, without this run's batch id and report (pasted, it would write the emulator's
 * states over the report of a batch on the real API).
 */
export function sandboxCommand(rows: RowFlags, file: string, ...flags: string[]): string {
  return bitexCommand("submit", file, ...rows.rows, "--sandbox", ...flags);
}

/** `bitex-batch submit <the batch's remaining file> …row options that apply to it`. */
export function remainingCommand(rows: RowFlags, file: string): string {
  return bitexCommand("submit", file, ...rows.remaining);
}
