/**
 * The one error type of bitex-batch. Every failure that stops a command is a BatchError
 * with a stable code; `exitCodeFor` (the only place that knows exit codes) turns it into
 * the process exit status of docs/design.md section 8.
 */
export type BatchErrorCode =
  | "usage" // bad flag or option combination
  | "input" // unreadable or malformed input file, missing column
  | "control_total" // --expect-rows / --expect-total mismatch
  | "auth" // API key missing or refused
  | "insecure_url" // plain http to a non-loopback host
  | "unreachable" // API down after bounded retries
  | "interrupted" // SIGINT/SIGTERM
  | "locked" // another run holds the batch lock
  | "conflict" // the server's state is not what exactly-once needs (duplicate requests, incomplete listing)
  | "refused" // a guard, a deadline or the quote gate refused a money step; nothing moved
  | "not_yet" // the batch is not where the command was asked to take it yet (a wait timed out)
  | "concurrent_writer" // the server shows outputs this run did not create and cannot account for
  | "partial" // some requests were accepted (their money moves), others can no longer be
  | "over_guard" // accepted, and the totals read afterwards are above --max-total
  | "not_writable" // a local file (state directory, journal, lock, report) cannot be written; nothing was sent
  | "write_failed" // a local file could not be written after something was sent
  | "unusable_answer" // the server answered what this version cannot use as it is (export): running again does not help
  | "internal";

export class BatchError extends Error {
  readonly code: BatchErrorCode;
  /** One line telling the user what to do about it, printed after the message. */
  readonly hint: string | undefined;

  constructor(code: BatchErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "BatchError";
    this.code = code;
    this.hint = options.hint;
  }
}

export const EXIT = {
  ok: 0,
  rowsFailed: 1,
  usage: 2,
  stopped: 3,
  locked: 4,
  partial: 5,
} as const;

/** The hint of a stop after which running the same command again goes on (exit 3). */
export const RERUN_HINT = "run the same command again; nothing is sent twice";

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof BatchError)) return EXIT.stopped;
  switch (error.code) {
    case "usage":
    case "input":
    case "control_total":
    case "auth":
    case "insecure_url":
    case "refused":
    case "not_writable":
    case "unusable_answer":
      return EXIT.usage;
    case "locked":
    case "concurrent_writer":
      return EXIT.locked;
    case "partial":
    case "over_guard":
      return EXIT.partial;
    case "unreachable":
    case "conflict":
    case "not_yet":
    case "interrupted":
    case "write_failed":
    case "internal":
      return EXIT.stopped;
  }
}

/**
 * A file the user pointed the tool at that cannot be used, thrown by a part that knows
 * nothing of exit codes (the emulator's seed): the one mapper (src/app/stop.ts) makes it an
 * input error, exit 2, with its hint.
 */
export class UnusableFileError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = "UnusableFileError";
    this.hint = hint;
  }
}
