/**
 * The one mapper above the stages: any failure as the BatchError that stops a command,
 * dispatched by the failure's class (the client's, the call gate's, the disk's, the
 * follow-through's). The stages that need it (the submit engine) are handed it.
 */
import { ApiError, IGNORES_PAGING } from "../bitex/errors.js";
import { ConfigError } from "../bitex/failure.js";
import { GateClosedError } from "../bitex/gate.js";
import { DiskError, diskFailure } from "../disk.js";
import { BatchError, EXIT, exitCodeFor, RERUN_HINT, UnusableFileError } from "../errors.js";
import { StepRefused } from "../follow/steps.js";
import { batchCommand, type RowFlags, remainingCommand } from "../shell-words.js";
import { RESUME_HINT } from "../submit/policy.js";

/** A key Bitex knows, refused for its level ("Not enough permissions"): another key mends it, not a retry. */
const LEVEL_HINT =
  "use a key whose level lets it create and accept (a read-only key cannot), with Master User access for concierge requests and managed users (ask developers@bitex.la), in BITEX_API_KEY";

/**
 * An API failure as the BatchError that stops a command. Exit 2 promises nothing was sent,
 * so a key refused after something was sent is a stop (exit 3) like any other. `hint` says
 * what to do next: resume a submit, or simply run a read-only command again. `file`: the
 * batch's input, for the commands a refused step offers.
 */
export function stopFor(
  error: unknown,
  sentAny: boolean,
  hint = RESUME_HINT,
  file?: { csv: string; remaining: string; flags: RowFlags },
): BatchError {
  if (error instanceof BatchError) return error;
  if (error instanceof GateClosedError) return new BatchError("interrupted", error.message, { cause: error });
  if (error instanceof ConfigError) return new BatchError(error.code, error.message, { hint: error.hint });
  if (error instanceof StepRefused) {
    const { action, request, refusal } = error;
    const what = action === "request_quote" ? "to give a quote" : "to accept the quote";
    const reason = request.cancellation_reason ? ` (${request.cancellation_reason})` : "";
    return new BatchError(
      "refused",
      `request ${request.id} is ${request.state}${reason}: Bitex refused ${what}: ${refusal.detail}`,
      {
        hint: file
          ? `run ${batchCommand(file.flags, "status", file.csv)}: it shows every row and writes ${file.remaining} with the rows not paid, to submit once fixed (${remainingCommand(file.flags, file.remaining)})`
          : "run bitex-batch status on the payroll file: it shows every row and writes the batch's remaining file (it names it) with the rows not paid, to submit once fixed",
      },
    );
  }
  if (error instanceof ApiError && error.kind === "not_found" && !sentAny) {
    // The first lookup found no such collection: the URL points at something else than Bitex.
    const path = /^\w+ \/([a-z_]+)/.exec(error.request ?? "")?.[1] ?? "such resource";
    return new BatchError("usage", `the API has no ${path.replace(/_/g, " ")} (404)`, {
      hint: "check --api-url",
      cause: error,
    });
  }
  // The emulator's seed among them, by its core class: the emulator's code stays out of a run against the real API.
  if (error instanceof UnusableFileError) {
    return new BatchError("input", error.message, { hint: error.hint, cause: error });
  }
  if (error instanceof DiskError)
    return diskFailure(error, { action: error.action, path: error.path, sentAny, hint });
  if (error instanceof ApiError && error.code === IGNORES_PAGING) {
    // The server answers so every time: "run again" alone would loop a cron job forever.
    const mend =
      "ask Bitex (developers@bitex.la), or whoever runs a proxy before it, why the list ignores page[number] and page[size]";
    return sentAny
      ? new BatchError("unreachable", `the API failed: ${error.message}`, {
          hint: `${mend}; once it pages, ${hint}`,
          cause: error,
        })
      : new BatchError("unusable_answer", `the API failed: ${error.message}`, {
          hint: `running again does not change it: ${mend}; nothing was sent`,
          cause: error,
        });
  }
  if (error instanceof ApiError && error.kind === "blocked") {
    return new BatchError("unreachable", `the API could not be reached: ${error.message}`, {
      hint: `wait a few minutes and run the same command again with a lower --rate; if it goes on, ask Bitex (developers@bitex.la) whether this machine's address is blocked${sentAny ? `; ${hint}` : ""}`,
      cause: error,
    });
  }
  if (error instanceof ApiError && error.kind === "unauthorized") {
    const mend = error.lacksPermission ? LEVEL_HINT : undefined;
    return sentAny
      ? new BatchError("unreachable", `the API refused the key mid-run: ${error.detail}`, {
          hint: mend ? `${mend}; then ${hint}` : hint,
        })
      : new BatchError("auth", `the API refused the key: ${error.detail}`, {
          hint: mend ?? "check BITEX_API_KEY and --api-url",
        });
  }
  const unreachable =
    error instanceof ApiError && ["network", "timeout", "server", "rate_limited"].includes(error.kind);
  const detail = error instanceof Error ? error.message : String(error);
  const message = unreachable ? `the API could not be reached: ${detail}` : `the API failed: ${detail}`;
  return new BatchError("unreachable", message, { hint, cause: error });
}

const withHint = (error: BatchError, hint: string) =>
  new BatchError(error.code, error.message, { hint, cause: error.cause });

/** The hints that say no more than "run again": the command to run says it better. */
const SAYS_RERUN: ReadonlySet<string> = new Set([RESUME_HINT, RERUN_HINT]);

/**
 * A stop that means "run again" (exit 3) ends with the command to run (`resumeHint`); a hint
 * of its own without a command (when, what to do first: "cancel at Bitex the ones that hold no
 * output") is kept before it (helper-109: it was replaced, and a run stopped by a twin request
 * said "run again" for ever).
 */
export function withRerun(error: BatchError, resumeHint: string): BatchError {
  if (exitCodeFor(error) !== EXIT.stopped) return error;
  const command = resumeHint.startsWith(`${RESUME_HINT}: `) ? resumeHint.slice(RESUME_HINT.length + 2) : null;
  const hint = error.hint;
  if (hint === undefined || SAYS_RERUN.has(hint) || command === null) return withHint(error, resumeHint);
  // One next step, never two (helper-110): a hint naming a command gives way to this run's,
  // with every flag, unless it names submit to a run that is not one: rows not created yet
  // are created by submit alone, never by status again (helper-111).
  const named = /\bbitex-batch (\w+)/.exec(hint)?.[1];
  if (named === undefined) return withHint(error, `${hint}: ${command}`);
  const submits = named === "submit" && !/^bitex-batch submit\b/.test(command);
  return submits ? error : withHint(error, resumeHint);
}
