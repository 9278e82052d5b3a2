/**
 * The near-copy rule: a new batch (no journal of its own, no --batch-id) whose payments are
 * for the most part payments an earlier batch of the same API paid, or may have paid,
 * within a recent window is refused before anything is sent. Only exact copies were caught
 * before; a paid file copied with one row added, removed or changed was paid again in full.
 *
 * The trade-off (README, exactly once): a payroll repeats itself month after month (the
 * same people, often the same salaries), so any rule that catches a copy made by mistake
 * also stops next month's legitimate run of the same payroll. Paying a payroll twice costs
 * money that may not come back; a refusal costs a rerun with --batch-id. So the rule is
 * wide (half the file, 35 days: a monthly payroll run a few days late is still inside), and
 * a run that means to pay again names itself with --batch-id (the README's cron line does).
 * Rows an earlier batch released (its remaining file: refused, cancelled, never paid) are
 * not counted: submitting the remaining file is how they get paid. Nor are they counted among
 * the new file's rows: the share is of the rows that batch did not release, so its file,
 * corrected and sent again under a new name after it was partly accepted, is refused
 * however few of its rows were accepted.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { apiIdentity } from "../bitex/url.js";
import { type Plan, paymentIdentity, paymentKey, type ValidRow } from "../model.js";
import { foldJournal, JournalFold, type JournalState, journalEntries } from "./journal.js";
import { journalPathFor, releasedPathFor } from "./paths.js";

/** An earlier batch counts when it began at most this long ago. */
export const NEAR_COPY_WINDOW_DAYS = 35;
/** Refused when at least this share of the new file's rows are rows an earlier batch paid. */
export const NEAR_COPY_SHARE = 0.5;

export interface NearCopy {
  batchId: string;
  file: string;
  begunAt: string;
  /** Rows of the new file that are payments the earlier batch created, or may have created. */
  same: number;
  /** Of those, the rows in requests the earlier batch accepted (sent to be paid); the rest were staged only. */
  accepted: number;
  /** Of those, the rows in requests whose accept it sent with no answer on record: they may be paid. */
  maybeAccepted: number;
  /** Rows of the new file. */
  rows: number;
}

/** One row's payment (payer, sender port, recipient, port, amount or budget, instruction) as 32 hex digits. */
/**
 * The month a file's name carries (`payroll-2026-12.csv` → `2026-12`), the first `YYYY-MM`
 * not inside a longer number; null when it carries none.
 */
export function monthOfName(file: string): string | null {
  const found = /(?<!\d)(\d{4})-(0[1-9]|1[0-2])(?!\d)/.exec(basename(file));
  return found ? `${found[1]}-${found[2]}` : null;
}

/**
 * With names that carry their month (the inbox's --month-in-name): an earlier batch whose
 * file names another month than `file` is that month's payroll, not a copy of this one.
 */
export function ofAnotherMonth(file: string): (earlierFile: string) => boolean {
  const mine = monthOfName(file);
  return (earlierFile) => {
    const theirs = monthOfName(earlierFile);
    return mine !== null && theirs !== null && theirs !== mine;
  };
}

export function paymentOf(row: ValidRow): string {
  return createHash("sha256")
    .update(paymentKey(paymentIdentity(row)))
    .digest("hex")
    .slice(0, 32);
}

/** Records the lines a batch released to its remaining file (never paid by it). */
export async function recordReleased(journalPath: string, lines: Iterable<number>): Promise<void> {
  const path = releasedPathFor(journalPath);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify({ lines: [...lines].sort((a, b) => a - b) })}\n`, { mode: 0o600 });
  await rename(temp, path);
}

async function releasedLines(journalPath: string): Promise<Set<number>> {
  try {
    const parsed = JSON.parse(await readFile(releasedPathFor(journalPath), "utf8")) as { lines?: unknown };
    return new Set(Array.isArray(parsed.lines) ? parsed.lines.filter((n) => typeof n === "number") : []);
  } catch {
    return new Set();
  }
}

/** The earlier batch of `apiUrl` within the window that shares the most payments with `plan`, if beyond the share. */
export async function findNearCopy(
  stateDir: string,
  plan: Plan,
  apiUrl: string,
  now: Date = new Date(),
  passOver: (earlierFile: string) => boolean = () => false,
): Promise<NearCopy | null> {
  const mine = new Map<string, number>();
  let rows = 0;
  for (const request of plan.requests) {
    for (const row of request.rows) {
      const payment = paymentOf(row);
      mine.set(payment, (mine.get(payment) ?? 0) + 1);
      rows++;
    }
  }
  if (rows === 0) return null;
  const since = now.getTime() - NEAR_COPY_WINDOW_DAYS * 86_400_000;
  const names = await readdir(stateDir).catch(() => [] as string[]);
  let best: NearCopy | null = null;
  for (const batchId of names) {
    if (batchId === plan.batchId) continue;
    const journalPath = journalPathFor(stateDir, batchId);
    const { state, payments } = await journalPayments(journalPath);
    const begin = state.begin;
    if (!begin || apiIdentity(begin.api) !== apiIdentity(apiUrl)) continue;
    if (!(Date.parse(begin.at) >= since) || passOver(begin.file)) continue;
    const released = await releasedLines(journalPath);
    const theirs = new Map<string, number>();
    const accepted = new Map<string, number>();
    const maybeAccepted = new Map<string, number>();
    const freed = new Map<string, number>();
    for (const [line, record] of state.rows) {
      const payment = payments.get(line);
      if (!payment) continue;
      if (record.status === "failed" || released.has(line)) {
        freed.set(payment, (freed.get(payment) ?? 0) + 1);
        continue;
      }
      theirs.set(payment, (theirs.get(payment) ?? 0) + 1);
      const step = state.steps.get(record.requestId)?.accept_quote;
      if (step === "done") accepted.set(payment, (accepted.get(payment) ?? 0) + 1);
      else if (step === "intent") maybeAccepted.set(payment, (maybeAccepted.get(payment) ?? 0) + 1);
    }
    let same = 0;
    let sameAccepted = 0;
    let sameMaybe = 0;
    // Rows it released, sent again: how they get paid, so they do not dilute the share.
    let resent = 0;
    for (const [payment, count] of mine) {
      const paid = Math.min(count, theirs.get(payment) ?? 0);
      same += paid;
      sameAccepted += Math.min(count, accepted.get(payment) ?? 0);
      sameMaybe += Math.min(count, maybeAccepted.get(payment) ?? 0);
      resent += Math.min(count - paid, freed.get(payment) ?? 0);
    }
    if (same > 0 && same >= (rows - resent) * NEAR_COPY_SHARE && (!best || same > best.same)) {
      best = {
        batchId,
        file: begin.file,
        begunAt: begin.at,
        same,
        accepted: sameAccepted,
        maybeAccepted: sameMaybe,
        rows,
      };
    }
  }
  return best;
}

/**
 * A journal folded as it is read, with each line's payment (its intents'); an unreadable
 * journal is an empty one (no batch this tool can speak for).
 */
async function journalPayments(
  journalPath: string,
): Promise<{ state: JournalState; payments: Map<number, string> }> {
  const fold = new JournalFold();
  const payments = new Map<number, string>();
  try {
    for await (const entry of journalEntries(journalPath)) {
      fold.add(entry);
      if (entry.t === "intent" && entry.payment) payments.set(entry.line, entry.payment);
    }
  } catch {
    return { state: foldJournal([]), payments: new Map() };
  }
  return { state: fold.state, payments };
}
