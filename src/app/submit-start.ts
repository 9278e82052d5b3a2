/** Where a submit starts: what its journal already holds, and the undoing of a run refused at the door. */
import { rm, truncate } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { foldJournal, readJournalState } from "../batch/journal.js";
import { JournalDamage, planLines, refuseDamagedJournal } from "../batch/journal-check.js";
import { acquireLock, type Lock } from "../batch/lock.js";
import { inputCopyPathBeside, newBatchLockPath } from "../batch/paths.js";
import { ApiError } from "../bitex/errors.js";
import { BatchError, EXIT, exitCodeFor } from "../errors.js";
import type { Plan, ValidRow } from "../model.js";
import { createPayees, type PayeeApi } from "./create-payees.js";
import type { Loaded } from "./load.js";
import { RESOLVED_COPY_FIX, resolvedCopyWords, resolvedDuplicates, withResolution } from "./payee-rows.js";
import { stopFor } from "./stop.js";

/**
 * Nothing reached the API (refused key, nothing listening, not a Bitex API): the batch is
 * not bound to that URL, the journal goes back to how it was, the report is not rewritten,
 * and the error points at --api-url / the key.
 */
export async function refusedAtTheDoor(
  stopped: BatchError,
  apiUrl: string,
  journalPath: string,
  journalBefore: number | null,
  resumeHint: string,
): Promise<BatchError> {
  if (journalBefore === null) {
    await rm(journalPath, { force: true });
    // A batch that never began keeps no copy of its input either.
    await rm(inputCopyPathBeside(journalPath), { force: true });
  } else await truncate(journalPath, journalBefore);
  // Bitex's edge blocking the call is neither the key nor the URL: its own hint says what to do.
  const blocked = stopped.cause instanceof ApiError && stopped.cause.kind === "blocked";
  const what =
    stopped.code === "auth"
      ? "check BITEX_API_KEY (or BITEX_API_KEY_FILE) is the key of this API"
      : blocked && stopped.hint !== undefined
        ? stopped.hint
        : "check --api-url (or BITEX_API_URL) points at the Bitex API";
  const hint = exitCodeFor(stopped) === EXIT.stopped ? `${what}; then ${resumeHint}` : what;
  return new BatchError(
    stopped.code,
    `${stopped.message}; nothing reached the API at ${apiUrl}: the journal and the report are as they were`,
    { hint, cause: stopped },
  );
}

/** Where a batch's journal says the run starts: rows created before, and when it began (null: a new batch). */
export async function startingPoint(
  journalPath: string,
  /** The batch's plan: a journal of it holding an output of no row of it is refused (journal-check.ts). */
  batchPlan: Plan,
): Promise<{ created: number; begunAt: string } | null> {
  // A journal that cannot be read now is the engine's to report (it reads it again, with words);
  // a damaged one is said now, before this run takes the batch for a new one.
  const past = await readJournalState(journalPath).catch((error) => {
    if (error instanceof JournalDamage) throw error;
    return foldJournal([]);
  });
  // Another plan's journal (the file read with other options) is refused later, with its words.
  if (!past.begin || past.begin.fingerprint === batchPlan.fingerprint)
    refuseDamagedJournal(journalPath, past, planLines(batchPlan));
  if (!past.begin) return null;
  let created = 0;
  for (const row of past.rows.values()) if (row.status === "created") created++;
  return { created, begunAt: past.begin.at };
}

/** How long a new batch waits for another new batch of the state directory to journal its begin. */
const ADMISSION_WAIT_MS = 60_000;

/**
 * The new-batch lock (paths.ts newBatchLockPath), held from the check of earlier batches until
 * the batch's begin is journaled: a copy of the payroll started at the same moment under
 * another name waits, then finds this batch begun and is refused as the same payments. Each
 * holder keeps it for a moment (a check and one journal line), so it is waited for, not refused.
 */
export async function admitNewBatch(
  stateDir: string,
  say: (line: string) => void,
  signal: AbortSignal,
  waitMs = ADMISSION_WAIT_MS,
): Promise<Lock> {
  const path = newBatchLockPath(stateDir);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await acquireLock(path, say);
    } catch (error) {
      if (!(error instanceof BatchError && error.code === "locked")) throw error;
      if (signal.aborted)
        throw new BatchError("interrupted", "stopped by a signal before the batch began; nothing was sent", {
          hint: "run the same command again",
        });
      if (Date.now() > deadline)
        throw new BatchError(
          "locked",
          `another new batch of this state directory is still being checked and begun after ${waitMs / 1000} s of waiting (${path}: ${error.message}); nothing was sent`,
          { hint: `run the same command again once it has begun; if no run is active, remove ${path}` },
        );
    }
    await sleep(50);
  }
}

/**
 * The payee phase (create-payees.ts) of a file with rows by details: each payee and account
 * found or created exactly once, then the file seen through the ids they resolved to and its
 * valid rows with them. A file by ids comes back as it was, with no call.
 */
export async function payeesAtStart(input: {
  loaded: Loaded;
  valid: ValidRow[];
  api: PayeeApi;
  journalPath: string;
  settleMs: number;
  concurrency: number;
  signal: AbortSignal;
  say(line: string): void;
  checkpoint?(point: string): void;
  resumeHint: string;
  allowDuplicates: boolean;
}): Promise<{ loaded: Loaded; valid: ValidRow[] }> {
  const rows = input.valid.filter((row) => row.payee !== undefined);
  if (rows.length === 0) return { loaded: input.loaded, valid: input.valid };
  const resolutions = await createPayees({ ...input, rows, file: input.loaded.file }).catch(
    (error: unknown) => {
      throw error instanceof BatchError ? error : stopFor(error, true, input.resumeHint);
    },
  );
  const loaded = withResolution(input.loaded, resolutions);
  const valid: ValidRow[] = [];
  for (const item of loaded.checked()) if (item.ok) valid.push(item.row);
  if (!input.allowDuplicates) refuseResolvedDuplicates(loaded.file, valid);
  return { loaded, valid };
}

/** The first payment written twice once resolved refuses the file, before any payment. */
function refuseResolvedDuplicates(file: string, rows: readonly ValidRow[]): void {
  const copy = resolvedDuplicates(rows)[0];
  if (!copy) return;
  const { row, first } = copy;
  throw new BatchError("input", `${file}:${row.line}: ${resolvedCopyWords(row, first)}; nothing was paid`, {
    hint: RESOLVED_COPY_FIX,
  });
}

/**
 * An empty payer_user_id is the key's owner: a file that also writes the owner's id names one
 * payer two ways, and a payment written once each way passed the duplicate check (helper-76).
 * Asked of Bitex (one call) only of a file with both an empty payer and a written one.
 */
export async function refuseOwnerWrittenTwoWays(
  file: string,
  rows: readonly ValidRow[],
  api: { getMe(): Promise<{ id: string }> },
  resumeHint: string,
): Promise<void> {
  const empty = new Set(rows.flatMap((row) => (row.payerUserId === "" ? [row.line] : [])));
  if (empty.size === 0 || empty.size === rows.length) return;
  const owner = await api.getMe().then(
    (me) => me.id,
    (error: unknown) => {
      throw error instanceof BatchError ? error : stopFor(error, true, resumeHint);
    },
  );
  const asOwner = rows.map((row) => (empty.has(row.line) ? { ...row, payerUserId: owner } : row));
  // Only a copy across the two ways: one within a way was refused by validation already.
  const copy = resolvedDuplicates(asOwner).find(
    ({ row, first }) => empty.has(row.line) !== empty.has(first.line),
  );
  if (!copy) return;
  const { row, first } = copy;
  throw new BatchError(
    "input",
    `${file}:${row.line}: the same payment as line ${first.line}: one of them leaves payer_user_id empty, which is the key's owner, user ${owner}, whom the other names; nothing was paid`,
    { hint: RESOLVED_COPY_FIX },
  );
}
