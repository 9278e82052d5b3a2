/**
 * The batch journal: append-only JSON lines under the state directory, one file per batch.
 * An entry is durable (fdatasync) before `append` resolves; entries that arrive while a
 * sync is running go out together in the next one (group commit), so durability costs one
 * sync per burst of rows, not one per row. A torn last line (the process was killed while
 * writing) is ignored on read: nothing after it was ever acknowledged.
 */
import { createReadStream, fdatasync, write } from "node:fs";
import { type FileHandle, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { DiskError, makeDirectories } from "../disk.js";
import { CREATED_KINDS, entryProblem, isTornWrite, JournalDamage } from "./journal-check.js";

export { CREATED_KINDS };
export type CreatedKind = (typeof CREATED_KINDS)[number];

/**
 * `kind`: absent for an output (see CreatedKind). `key`: what finds a user or an instruction
 * again whatever its id (payeeKey); absent for an output, which its line and request find.
 */
type Created = { kind?: CreatedKind; key?: string };

export type JournalEntry =
  | {
      t: "begin";
      v: 1;
      batch_id: string;
      fingerprint: string;
      /** The rows' payments whatever the file's name or row order (paymentsDigest); absent in older journals. */
      payments?: string;
      api: string;
      file: string;
      rows: number;
      at: string;
    }
  /**
   * `found`: the request was found on the server by its external_id, not made by this journal's
   * batch: the batch began elsewhere (another state directory, a journal lost), maybe with
   * other input options (absent: made by this batch, and in older journals).
   */
  | {
      t: "request";
      key: string;
      external_id: string;
      request_id: string;
      state: string;
      found?: true;
      at: string;
      /**
       * `at` by the server's clock (its `Date` headers, server-clock.ts): the request's time for
       * the export, which places requests by the server's times (absent in older journals).
       */
      server_at?: string;
    }
  /** `reference`: the row's own id, for `export` (absent in journals written before it). */
  /** `payment`: the row's payment keys (near-copy.ts paymentKeysOf), for the near-copy rule (absent in older journals). */
  | ({
      t: "intent";
      line: number;
      request_id: string;
      reference?: string;
      payment?: string;
      at: string;
    } & Created)
  /** `differs`: how Bitex's answer to the create differs from the row sent (never quoted then). */
  | ({
      t: "created";
      line: number;
      request_id: string;
      output_id: string;
      state: string;
      via: "response" | "reconciled";
      differs?: string;
      at: string;
    } & Created)
  | ({ t: "failed"; line: number; request_id: string; code: string; error: string; at: string } & Created)
  | ({ t: "ambiguous"; line: number; code: string; at: string } & Created)
  | { t: "end"; outcome: "finished" | "stopped"; at: string }
  /**
   * The rows the batch is to create, each line with its payment keys (near-copy.ts paymentKeysOf),
   * written with the begin and before any create (in pieces of PLANNED_PER_ENTRY rows): a new
   * batch started while this one still creates finds every row it means to pay, not only
   * those it has sent so far (the near-copy rule). `payees`: the same without the amounts
   * (near-copy.ts payeeKeysOf; absent in older journals), which link a remaining file's rows
   * to a copy of it fixed under another name (remaining-versions.ts).
   */
  | { t: "planned"; lines: number[]; payments: string[]; payees?: string[]; at: string }
  /**
   * Every row by payee details with the ids it resolved to, once each payee and account
   * exists (docs/design.md, "Input modes"): `quote`, `accept` and `status` read the rows'
   * ids from here. `status`: "found" (existed before this batch) or "created" (by it).
   */
  | { t: "payees"; rows: PayeeResolution[]; at: string }
  /** A money step on a whole request (docs/design.md section 12): intent before the call, done after. */
  | {
      t: "step";
      action: StepAction;
      phase: "intent" | "done";
      request_id: string;
      /** The request's state as the answer (or a read after a lost answer) showed it. */
      state?: string;
      at: string;
    };

export type StepAction = "request_quote" | "accept_quote";

/** A row by details resolved: its line, the payee's and instruction's ids, found or created. */
export interface PayeeResolution {
  line: number;
  user_id: string;
  withdrawal_instruction_id: string;
  status: "found" | "created";
  /** The payee's compliance review as last listed (`compliance_state`, else from `kyc_accepted`). */
  compliance: string;
  /**
   * What the row at `line` named when it was resolved (plan/payees.ts payeeKeyOf): the ids are
   * that row's only while the row at that line names the same. Absent in journals written
   * before it was kept: those are taken as they are once the batch began (create-payees.ts).
   */
  payee_key?: string;
}

/** A user or instruction the batch created or set out to create, by kind and key. */
export type PayeeCreate =
  /**
   * `unclearSince`: an earlier create of it got no answer (ambiguous, or a run killed after its
   * intent), sent then: it may exist.
   */
  | { status: "intent"; at: string; unclearSince?: string }
  | { status: "ambiguous"; at: string; unclearSince?: string }
  /** Bitex's own refusal (e.g. the email taken by another writer): nothing was created by it. */
  | { status: "refused"; at: string; unclearSince?: string }
  | { status: "created"; id: string; at: string };

export type RowRecord =
  | { status: "intent"; requestId: string }
  /** `code`: the ApiError's, which says how long the create may still land (api_timeout: long). */
  | { status: "ambiguous"; requestId: string; code: string; at: string }
  | { status: "created"; requestId: string; outputId: string; state: string; at: string; differs?: string }
  | { status: "failed"; requestId: string; code: string; error: string; at: string };

export interface JournalState {
  begin: Extract<JournalEntry, { t: "begin" }> | null;
  /** group key → request id */
  requests: Map<string, { requestId: string; externalId: string; state: string; found?: true }>;
  rows: Map<number, RowRecord>;
  /** request id → the last phase journaled for each step on it. */
  steps: Map<string, Partial<Record<StepAction, "intent" | "done">>>;
  /** request id → when each step not journaled done was first sent (its first intent's `at`). */
  stepsSentAt: Map<string, Partial<Record<StepAction, string>>>;
  /** `${kind}:${key}` → the last of its intent, ambiguous and created lines (users, instructions). */
  payeeCreates: Map<string, PayeeCreate>;
  /** The last `payees` line's rows, by line; empty when none was written. */
  payees: Map<number, PayeeResolution>;
  /** Each planned row's payment, by line (`planned` entries; empty in older journals). */
  planned: Map<number, string>;
  /** Each planned row's payee keys, by line (`planned` entries' `payees`; empty in older journals). */
  plannedPayees: Map<number, string>;
}

/**
 * Requests of the batch found on the server by their external_id rather than made by this
 * journal's batch (`found`): it began elsewhere, and which rows it sent there only that
 * journal tells.
 */
export function foundRequests(state: JournalState): string[] {
  return [...state.requests.values()].flatMap((request) => (request.found ? [request.requestId] : []));
}

/** Rows per `planned` entry: a line of a few hundred kilobytes, however large the batch. */
export const PLANNED_PER_ENTRY = 5_000;

/** The journal key of a user or instruction create (see Created). */
export function payeeCreateKey(kind: Exclude<CreatedKind, "output">, key: string): string {
  return `${kind}:${key}`;
}

/** What an intent, created, failed or ambiguous entry is about. */
export function kindOf(entry: Created): CreatedKind {
  return entry.kind ?? "output";
}

/**
 * Folds entries in order into what is known of each request and row (pure). `rows` are the
 * outputs, by input line; an entry of another kind is never taken for a row's output.
 */
export function foldJournal(entries: Iterable<JournalEntry>): JournalState {
  const fold = new JournalFold();
  for (const entry of entries) fold.add(entry);
  return fold.state;
}

/** foldJournal one entry at a time, so that a journal is folded as it is read (readJournalState). */
export class JournalFold {
  readonly state: JournalState = {
    begin: null,
    requests: new Map(),
    rows: new Map(),
    steps: new Map(),
    stepsSentAt: new Map(),
    payeeCreates: new Map(),
    payees: new Map(),
    planned: new Map(),
    plannedPayees: new Map(),
  };

  add(entry: JournalEntry): void {
    const { state } = this;
    if (
      (entry.t === "intent" || entry.t === "ambiguous" || entry.t === "created" || entry.t === "failed") &&
      entry.key !== undefined
    ) {
      const kind = kindOf(entry);
      if (kind !== "output") {
        const key = payeeCreateKey(kind, entry.key);
        if (entry.t === "created")
          state.payeeCreates.set(key, { status: "created", id: entry.output_id, at: entry.at });
        // A create already answered stays created, whatever a later retry journaled.
        else {
          const before = state.payeeCreates.get(key);
          if (before?.status === "created") return;
          const status = entry.t === "failed" ? "refused" : entry.t;
          // Two intents in a row: the first got no answer (the run was killed).
          const unclearSince =
            before?.unclearSince ??
            (before !== undefined &&
            (before.status === "ambiguous" || (before.status === "intent" && entry.t === "intent"))
              ? before.at
              : undefined);
          state.payeeCreates.set(key, {
            status,
            at: entry.at,
            ...(unclearSince === undefined ? {} : { unclearSince }),
          });
        }
        return;
      }
    }
    switch (entry.t) {
      case "begin":
        state.begin ??= entry;
        break;
      case "request":
        state.requests.set(entry.key, {
          requestId: entry.request_id,
          externalId: entry.external_id,
          state: entry.state,
          ...(entry.found ? { found: true as const } : {}),
        });
        break;
      case "intent":
        if (kindOf(entry) !== "output") break;
        state.rows.set(entry.line, { status: "intent", requestId: entry.request_id });
        break;
      case "ambiguous": {
        if (kindOf(entry) !== "output") break;
        const requestId = state.rows.get(entry.line)?.requestId ?? "";
        state.rows.set(entry.line, { status: "ambiguous", requestId, code: entry.code, at: entry.at });
        break;
      }
      case "created":
        if (kindOf(entry) !== "output") break;
        state.rows.set(entry.line, {
          status: "created",
          requestId: entry.request_id,
          outputId: entry.output_id,
          state: entry.state,
          at: entry.at,
          ...(typeof entry.differs === "string" ? { differs: entry.differs } : {}),
        });
        break;
      case "failed":
        if (kindOf(entry) !== "output") break;
        state.rows.set(entry.line, {
          status: "failed",
          requestId: entry.request_id,
          code: entry.code,
          error: entry.error,
          at: entry.at,
        });
        break;
      case "end":
        break;
      case "planned":
        entry.lines.forEach((line, i) => {
          const payment = entry.payments[i];
          if (payment !== undefined) state.planned.set(line, payment);
          const payee = entry.payees?.[i];
          if (payee !== undefined) state.plannedPayees.set(line, payee);
        });
        break;
      case "payees":
        state.payees = new Map(entry.rows.map((row) => [row.line, row]));
        break;
      case "step": {
        const steps = state.steps.get(entry.request_id) ?? {};
        // A later intent (a resend after reading the server) never undoes a done.
        if (steps[entry.action] !== "done") steps[entry.action] = entry.phase;
        state.steps.set(entry.request_id, steps);
        if (entry.phase === "intent") {
          const sent = state.stepsSentAt.get(entry.request_id) ?? {};
          sent[entry.action] ??= entry.at;
          state.stepsSentAt.set(entry.request_id, sent);
        }
        break;
      }
    }
  }
}

/**
 * The entries of journal text; `at`: the journal's path and the number of the text's first
 * line, for the damage refused (JournalDamage). A torn write of a killed run is skipped: it
 * was never acknowledged, so nothing depends on it.
 */
export function parseJournal(
  text: string,
  at: { path: string; line: number } = { path: "journal", line: 1 },
): JournalEntry[] {
  return parseLines(text.split("\n"), at);
}

function parseLines(lines: readonly string[], at: { path: string; line: number }): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (isTornWrite(line)) continue;
      throw new JournalDamage(at.path, at.line + i, "a line that is not JSON");
    }
    const problem = entryProblem(value);
    if (problem) throw new JournalDamage(at.path, at.line + i, problem);
    entries.push(value as JournalEntry);
  }
  return entries;
}

/**
 * The journal's entries as they are read, a chunk of the file at a time: never the whole text
 * nor every entry at once (a large batch's journal is tens of megabytes). Lines are taken as
 * parseJournal takes them; a missing journal has none; fails with a DiskError naming it.
 */
export async function* journalEntries(path: string): AsyncGenerator<JournalEntry> {
  let rest = "";
  let line = 1;
  try {
    for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 })) {
      const text = rest + (chunk as string);
      const end = text.lastIndexOf("\n");
      rest = text.slice(end + 1);
      if (end < 0) continue;
      const lines = text.slice(0, end).split("\n");
      yield* parseLines(lines, { path, line });
      line += lines.length;
    }
  } catch (error) {
    if (error instanceof JournalDamage) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new DiskError("read the journal", path, error);
  }
  yield* parseJournal(rest, { path, line });
}

/**
 * A journal's begin line: its first for a batch by ids, read alone; past the payee lines a
 * batch by details journals first, read on to it. Null if none, or unreadable or damaged (the
 * callers that must not pass over a damaged journal read it whole).
 */
export async function journalBegin(
  journalPath: string,
): Promise<Extract<JournalEntry, { t: "begin" }> | null> {
  const handle = await open(journalPath, "r").catch(() => null);
  if (!handle) return null;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const [first = "", rest] = buffer.subarray(0, bytesRead).toString("utf8").split("\n", 2);
    // A whole first line that is the begin (a longer one is read below).
    if (rest !== undefined && first.startsWith('{"t":"begin"'))
      return JSON.parse(first) as Extract<JournalEntry, { t: "begin" }>;
    for await (const entry of journalEntries(journalPath)) if (entry.t === "begin") return entry;
  } catch {
    // Unreadable or damaged: no begin to stand on.
  } finally {
    await handle.close();
  }
  return null;
}

/** foldJournal(readJournal(path)), folded as it is read. */
export async function readJournalState(path: string): Promise<JournalState> {
  const fold = new JournalFold();
  for await (const entry of journalEntries(path)) fold.add(entry);
  return fold.state;
}

export async function readJournal(path: string): Promise<JournalEntry[]> {
  try {
    return parseJournal(await readFile(path, "utf8"), { path, line: 1 });
  } catch (error) {
    if (error instanceof JournalDamage) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new DiskError("read the journal", path, error);
  }
}

/**
 * Every byte of `bytes` at the end of the file (it is open for appending); write(2) may take
 * fewer at once. The callback API on the handle's descriptor: the journal writes a few hundred
 * bytes per row, and the promise API's per-call machinery cost more CPU than the write itself.
 */
function appendAll(fd: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = (offset: number) =>
      write(fd, bytes, offset, bytes.length - offset, null, (error, written) => {
        if (error) reject(error);
        else if (offset + written < bytes.length) from(offset + written);
        else resolve();
      });
    from(0);
  });
}

/** fdatasync(2) on the descriptor: what `FileHandle.datasync()` does, without its promise machinery. */
function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

interface Waiter {
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** What a stage needs of the journal: entries, each on disk once its append resolves. */
export type JournalAppender = Pick<JournalWriter, "append">;

/**
 * A journal opened at its first entry (one handle, whichever caller appends first): a run that
 * ends with nothing to write (refused at the door, a batch that is not there) leaves the
 * journal as it was, and none where there was none. `close` closes it if it was opened.
 */
export function journalAtFirstEntry(path: string): JournalAppender & { close(): Promise<void> } {
  let opening: Promise<JournalWriter> | undefined;
  return {
    append: async (entry) => {
      opening ??= JournalWriter.open(path);
      await (await opening).append(entry);
    },
    close: async () => {
      await (await opening?.catch(() => undefined))?.close();
    },
  };
}

export class JournalWriter {
  private queue: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  /**
   * The first write or sync that failed. A failed write may have left part of a line, which the
   * next write would glue to its own (and so make unreadable an entry whose append resolved);
   * after a failed sync, a later sync may succeed without the earlier bytes being on disk. So
   * nothing more is appended through this writer: the run stops, and the next run's `open`
   * starts a fresh line.
   */
  private failure: DiskError | null = null;

  private constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  /** Fails with a DiskError naming the journal. */
  static async open(path: string): Promise<JournalWriter> {
    let handle: FileHandle | undefined;
    try {
      await makeDirectories(dirname(path));
      handle = await open(path, "a", 0o600);
      // A journal left readable by others (copied, restored from a backup) holds personal data:
      // owner only again. Not ours to change (another user's file): left as it is.
      await handle.chmod(0o600).catch(() => undefined);
      // Starts on a fresh line even if the last run was killed mid-write.
      const { size } = await handle.stat();
      if (size > 0) await handle.appendFile("\n");
      return new JournalWriter(handle, path);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      throw new DiskError("write the journal", path, error);
    }
  }

  /** Resolves once the entry is on disk; fails with a DiskError naming the journal. */
  append(entry: JournalEntry): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ text: `${JSON.stringify(entry)}\n`, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      if (this.failure) {
        for (const waiter of batch) waiter.reject(this.failure);
        continue;
      }
      try {
        await appendAll(this.handle.fd, Buffer.from(batch.map((waiter) => waiter.text).join("")));
        await datasync(this.handle.fd);
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        this.failure = new DiskError("write the journal", this.path, error);
        for (const waiter of batch) waiter.reject(this.failure);
      }
    }
    this.flushing = null;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
  }
}
