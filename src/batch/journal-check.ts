/**
 * What a journal line must be before it is believed. The journal says which rows were sent:
 * a line damaged on disk or by hand (`"line":20` for 2, `"line":"2"`, a begin that no longer
 * parses) was read as best it could be, and a row already paid was sent again or an edited
 * file taken for a new batch (helper-90). A torn last write of a killed run is the only damage
 * the journal expects: a prefix of an entry, never acknowledged, skipped; anything else stops.
 */
import { BatchError } from "../errors.js";

/**
 * The kinds of thing a batch creates on the server, each exactly once, each journaled before
 * and after its create. Every journal so far holds outputs only, and writes no kind: an
 * entry without one is an output's, today and in every older journal.
 */
export const CREATED_KINDS = ["output", "user", "withdrawal_instruction"] as const;

const ROW_KINDS = new Set(["intent", "ambiguous", "created", "failed"]);
const OTHER_KINDS = new Set(["begin", "request", "end", "planned", "payees", "step"]);

/**
 * Another batch's journal of the state directory damaged, met while looking for earlier
 * batches of the same payments: it may hold payments this batch repeats, so no new batch goes
 * on; said as that batch's, not this one's (helper-92).
 */
export function otherBatchDamaged(damage: JournalDamage, batchDir: string): BatchError {
  return new BatchError(
    "input",
    `another batch of the state directory (${batchDir}) has a damaged journal: ${damage.message.replace("; nothing is sent on it", "")}; no new batch is sent while it cannot say what it paid`,
    {
      hint: "restore that journal from a backup; if none is left, check at Bitex what that batch paid before moving its folder out of the state directory (the checks for copies of paid payrolls no longer see it then)",
    },
  );
}

/** A journal line that is not what bitex-batch writes (exit 2: nothing is sent on it). */
export class JournalDamage extends BatchError {
  constructor(path: string, line: number | null, why: string) {
    super(
      "input",
      `${path}${line === null ? "" : `:${line}`}: the batch's journal is damaged (${why}); nothing is sent on it`,
      {
        hint: "only bitex-batch writes a journal: restore it from a backup; or move the batch's folder out of the state directory, and a run finds the batch's requests at Bitex by their external ids and matches its rows to their outputs, sending only rows it does not find",
      },
    );
    this.name = "JournalDamage";
  }
}

/**
 * A write cut off by a kill or a full disk: the start of an entry (`{"t":"cre`), maybe after the
 * NULs a file system leaves in space it extended but never wrote, that does not parse. It may
 * end anywhere, after a `}` of a row inside a `payees` entry too (helper-92), and stand
 * anywhere: the next run opens the journal on a new line after it.
 */
export function isTornWrite(line: string): boolean {
  const rest = line.replace(/^\0+/, "");
  return rest === "" || '{"t":"'.startsWith(rest) || rest.startsWith('{"t":"');
}

const text = (value: unknown) => typeof value === "string";
const lineNumber = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 1;

/** Why a parsed line is not a journal entry bitex-batch writes; null when it is one. */
export function entryProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an entry";
  const entry = value as Record<string, unknown>;
  const t = entry.t;
  if (typeof t !== "string" || !(ROW_KINDS.has(t) || OTHER_KINDS.has(t)))
    return `unknown entry ${JSON.stringify(t)}`;
  if (ROW_KINDS.has(t)) {
    const kind = entry.kind ?? "output";
    if (!(CREATED_KINDS as readonly unknown[]).includes(kind)) return `unknown kind ${JSON.stringify(kind)}`;
    if (kind === "output" ? !lineNumber(entry.line) : !text(entry.key))
      return `${t === "intent" || t === "ambiguous" ? "an" : "a"} ${t} entry without its row`;
    // The first journals wrote created and failed entries without their request.
    if (t === "intent" && kind === "output" && !text(entry.request_id))
      return "an intent entry without its request";
    if (t === "created" && !text(entry.output_id)) return "a created entry without its id";
    return null;
  }
  switch (t) {
    case "begin":
      if (entry.v !== 1) return `written by another version of bitex-batch (v ${JSON.stringify(entry.v)})`;
      return text(entry.batch_id) && text(entry.fingerprint) ? null : "a begin without its batch";
    case "request":
      return text(entry.key) && text(entry.request_id) ? null : "a request entry without its request";
    case "step":
      return text(entry.request_id) &&
        (entry.action === "request_quote" || entry.action === "accept_quote") &&
        (entry.phase === "intent" || entry.phase === "done")
        ? null
        : "a step entry without its request, action or phase";
    case "planned":
      return Array.isArray(entry.lines) &&
        entry.lines.every(lineNumber) &&
        Array.isArray(entry.payments) &&
        (entry.payees === undefined || Array.isArray(entry.payees))
        ? null
        : "a planned entry without its lines";
    case "payees":
      return Array.isArray(entry.rows) &&
        entry.rows.every((row) => lineNumber((row as { line?: unknown })?.line))
        ? null
        : "a payees entry without its rows";
    default:
      return null;
  }
}

/** The lines of a plan's rows, which alone a journal may hold outputs of. */
export function planLines(plan: {
  requests: ReadonlyArray<{ rows: ReadonlyArray<{ line: number }> }>;
}): Set<number> {
  return new Set(plan.requests.flatMap((request) => request.rows.map((row) => row.line)));
}

/**
 * What the whole journal must be for the batch it is read for: rows journaled only under a
 * begin (its begin line lost, an edited file would be taken for a new batch), and each row one
 * of the batch's (`lines`: the plan's).
 */
export function refuseDamagedJournal(
  path: string,
  past: { begin: unknown; rows: ReadonlyMap<number, unknown>; requests: ReadonlyMap<string, unknown> },
  lines: ReadonlySet<number>,
): void {
  if (!past.begin && (past.rows.size > 0 || past.requests.size > 0))
    throw new JournalDamage(path, null, "requests and rows journaled, but no begin line");
  for (const line of past.rows.keys())
    if (!lines.has(line))
      throw new JournalDamage(path, null, `an output journaled for line ${line}, no row of the batch`);
}
