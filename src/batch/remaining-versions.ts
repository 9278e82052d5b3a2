/**
 * Versions of a remaining file (docs/design.md section 6). A file whose rows are, for the most
 * part, payees an earlier batch released (its remaining file; or a copy of it fixed under
 * another name, amounts corrected) sends those rows again. Two such versions both pay them:
 * the copy fixed and paid, then the remaining file itself submitted (or the other way round)
 * paid every payee in it twice, and neither the bytes (released.ts withTakers) nor the
 * payments (near-copy.ts: the amounts differ) could tell. So a new batch that is a version of
 * a batch's remaining file is refused while another version, begun after that batch, holds one
 * of its payees.
 *
 * Versions are told by payees (near-copy.ts payeeKeysOf, kept in the journals' `planned`
 * entries: recipient, port and instruction or account), not by amounts nor by who pays, and by
 * share: a file is a version when it holds a payee that batch released, half its rows or more
 * are such payees or new ones (first planned after that batch began: late hires appended to a
 * fixed copy, helper-104), and fewer of its rows are payees paid before (planned by that batch
 * or an earlier one, not released) than released ones. A payroll that pays one of the
 * released payees among others paid before (next month's) is no version. One that pays mostly
 * the same people is, when that batch released more of them than it paid (a month's payroll
 * lapsed unpaid): its remaining file sent after next month's payroll is then refused too, and
 * paid with a --batch-id of its own (the refusal says so); files named with their month are
 * passed over under --month-in-name.
 * "Paid before" is known from the batches read here (begun within the near-copy window, or
 * that released rows): a payee last paid longer ago counts as new. Left (helper-105): a fixed
 * copy that adds rows for payees paid before (overtime) as many as the rows fixed, or the rows
 * fixed appended to next month's payroll, is not told from next month's payroll; a fix of a
 * row's bank account is another payee; a holder begun before the window is not read.
 * Journals of older versions hold no payees: their batches take no part.
 */
import { readdir } from "node:fs/promises";
import { apiIdentity } from "../bitex/url.js";
import type { Plan } from "../model.js";
import { journalBegin, readJournalState } from "./journal.js";
import { NEAR_COPY_SHARE, NEAR_COPY_WINDOW_DAYS, Pool, payeeKeysOf } from "./near-copy.js";
import { journalPathFor } from "./paths.js";
import { releasedLines } from "./released.js";

export interface BatchOnRecord {
  batchId: string;
  file: string;
  begunAt: string;
}

export interface SecondVersion {
  /** The batch whose rows not paid both files send again. */
  released: BatchOnRecord;
  /** The other version: a batch begun after it that holds some of those payees. */
  holder: BatchOnRecord;
  /** Lines of the new file whose payee, released by `released`, `holder` holds (beyond the rows it left unpaid), in order. */
  lines: number[];
  /** Rows of the new file. */
  rows: number;
}

/** A batch's payees (payeeKeysOf, with how many rows share them): those it released, those it holds. */
interface Payees extends BatchOnRecord {
  released: Map<string, number>;
  held: Map<string, number>;
  all: Map<string, number>;
  rows: number;
  /** Begun within the near-copy window: a holder must be; the batch that released, any time. */
  recent: boolean;
}

const add = (map: Map<string, number>, keys: string) => map.set(keys, (map.get(keys) ?? 0) + 1);

/** How many of `counts`' rows find a row of `pool` (each pool row taken once). */
function shared(pool: ReadonlyMap<string, number>, counts: ReadonlyMap<string, number>): number {
  const taking = new Pool(pool);
  let found = 0;
  for (const [keys, count] of counts) found += taking.take(keys, count);
  return found;
}

/**
 * The batch of `apiUrl` within the near-copy window that holds most of `plan`'s payees while
 * both are versions of one earlier batch's remaining file (see above), that batch begun at any
 * time (a month's remaining file dealt with late: helper-104); null when none does.
 * For a new batch (history.ts refuseNewBatchOfOldPayments), and for one taken up again, whose
 * open rows are `plan` (refuseResumeOverLaterBatch: `after` its begin).
 */
export async function findSecondVersion(
  stateDir: string,
  plan: Plan,
  apiUrl: string,
  now: Date = new Date(),
  passOver: (earlierFile: string, earlierBatchId: string) => boolean = () => false,
  /** Only holders begun after this instant (ISO): those begun after a batch taken up again. */
  after?: string,
): Promise<SecondVersion | null> {
  const mine = new Map<string, number>();
  for (const request of plan.requests) for (const row of request.rows) add(mine, payeeKeysOf(row));
  let rows = 0;
  for (const count of mine.values()) rows += count;
  if (rows === 0) return null;
  const since = now.getTime() - NEAR_COPY_WINDOW_DAYS * 86_400_000;
  const batches: Payees[] = [];
  for (const dir of await readdir(stateDir).catch(() => [] as string[])) {
    const journalPath = journalPathFor(stateDir, dir);
    // Told by the begin line and released.json before a journal is read whole: an old batch
    // that released nothing can be neither version's origin nor (out of the window) a holder.
    const begin = await journalBegin(journalPath).catch(() => null);
    if (!begin || begin.batch_id === plan.batchId || apiIdentity(begin.api) !== apiIdentity(apiUrl)) continue;
    if (passOver(begin.file, begin.batch_id)) continue;
    const recent = Date.parse(begin.at) >= since;
    const released = await releasedLines(journalPath);
    if (!recent && released.size === 0) continue;
    const state = await readJournalState(journalPath).catch(() => null);
    if (!state || state.plannedPayees.size === 0) continue;
    const payees: Payees = {
      batchId: begin.batch_id,
      file: begin.file,
      begunAt: begin.at,
      released: new Map(),
      held: new Map(),
      all: new Map(),
      rows: state.plannedPayees.size,
      recent,
    };
    for (const [line, keys] of state.plannedPayees) {
      const freed = released.has(line) || state.rows.get(line)?.status === "failed";
      add(freed ? payees.released : payees.held, keys);
      add(payees.all, keys);
    }
    batches.push(payees);
  }
  // When each payee was first planned, by the batches read.
  const firstSeen = new Map<string, number>();
  for (const batch of batches) {
    const at = Date.parse(batch.begunAt);
    for (const keys of batch.all.keys()) firstSeen.set(keys, Math.min(firstSeen.get(keys) ?? at, at));
  }
  // A version of `first`'s remaining file: payees `first` released, and new ones (first planned
  // after it began: late hires), half its rows or more, and more of them released than paid
  // before (planned by `first`, or before it, and not released: next month's payroll).
  const isVersion = (first: Payees, payees: ReadonlyMap<string, number>, count: number) => {
    const released = shared(first.released, payees);
    const since = Date.parse(first.begunAt);
    let known = 0;
    for (const [keys, n] of payees)
      if ((firstSeen.get(keys) ?? Number.POSITIVE_INFINITY) <= since) known += n;
    const before = known - released;
    return released > 0 && count - before >= count * NEAR_COPY_SHARE && before < released;
  };
  let best: SecondVersion | null = null;
  for (const first of batches) {
    if (first.released.size === 0 || !isVersion(first, mine, rows)) continue;
    for (const holder of batches) {
      if (holder === first || !holder.recent) continue;
      if (!(Date.parse(holder.begunAt) > Date.parse(first.begunAt))) continue;
      if (after !== undefined && !(Date.parse(holder.begunAt) > Date.parse(after))) continue;
      if (!isVersion(first, holder.all, holder.rows)) continue;
      // The new file's rows that are `first`'s released payees beyond those `holder` left
      // unpaid: a payee released twice (a salary and a bonus), one fixed and paid, one still due.
      const released = new Pool(first.released);
      const left = new Pool(first.released);
      for (const [keys, count] of holder.held) left.take(keys, count);
      const lines: number[] = [];
      for (const request of plan.requests)
        for (const row of request.rows) {
          const keys = payeeKeysOf(row);
          if (released.take(keys, 1) > left.take(keys, 1)) lines.push(row.line);
        }
      if (lines.length > 0 && (!best || lines.length > best.lines.length)) {
        const record = ({ batchId, file, begunAt }: BatchOnRecord) => ({ batchId, file, begunAt });
        lines.sort((a, b) => a - b);
        best = { released: record(first), holder: record(holder), lines, rows };
      }
    }
  }
  return best;
}
