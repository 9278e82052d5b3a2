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
 * however few of its rows were accepted. A row released by any earlier batch is left out of
 * that share, not only by the batch compared: a remaining file written again (more rows
 * released since) keeps the rows released first, which may be another batch's by now.
 */
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { basename } from "node:path";
import { apiIdentity } from "../bitex/url.js";
import {
  accountIdentity,
  accountPaymentKey,
  type Plan,
  payeeKey,
  paymentIdentity,
  paymentKey,
  type ValidRow,
} from "../model.js";
import {
  foldJournal,
  type JournalEntry,
  JournalFold,
  type JournalState,
  journalEntries,
  PLANNED_PER_ENTRY,
} from "./journal.js";
import { journalPathFor } from "./paths.js";
import { releasedLines } from "./released.js";

/** An earlier batch counts when it began at most this long ago. */
export const NEAR_COPY_WINDOW_DAYS = 35;
/**
 * Refused when at least this share of the new file's rows are rows an earlier batch paid, or
 * when the new file holds every row an earlier batch holds, however many it adds.
 */
export const NEAR_COPY_SHARE = 0.5;

export interface NearCopy {
  batchId: string;
  file: string;
  begunAt: string;
  /** Rows of the new file that are payments the earlier batch created, may have created, or is to create. */
  same: number;
  /** Of those, the rows it created (the rest it sent without an answer, or has still to send). */
  created: number;
  /** Of the created, the rows in requests the earlier batch accepted (sent to be paid); the rest were staged only. */
  accepted: number;
  /** Of the created, the rows in requests whose accept it sent with no answer on record: they may be paid. */
  maybeAccepted: number;
  /** Of `same`, the rows whose create it sent with no outcome on record. */
  maybeSent: number;
  /** Of `same`, the rows it planned and has not sent yet (its `planned` entries). */
  toCreate: number;
  /** Rows of the new file. */
  rows: number;
  /** Of the new file's other rows, those earlier batches released (their remaining files). */
  released: number;
}

type Shares = Pick<NearCopy, "created" | "accepted" | "maybeAccepted" | "maybeSent" | "toCreate">;

/** An earlier batch's payments: those it holds, by how far it took them (released rows left out). */
interface EarlierPayments {
  batchId: string;
  file: string;
  begunAt: string;
  theirs: Map<string, number>;
  kinds: Record<keyof Shares, Map<string, number>>;
  /** Its journal names every row it planned (`planned`): `theirs` is the whole batch. */
  whole: boolean;
}

/**
 * The month a file's name carries (`payroll-2026-12.csv` → `2026-12`), the first `YYYY-MM`
 * not inside a longer number; null when it carries none.
 */
export function monthOfName(file: string): string | null {
  const found = /(?<!\d)(\d{4})-(0[1-9]|1[0-2])(?!\d)/.exec(basename(file));
  return found ? `${found[1]}-${found[2]}` : null;
}

/**
 * With names that carry their month (the inbox's --month-in-name, the cron line's batch ids):
 * an earlier batch whose file name or batch id names a month other than every month `names`
 * (this batch's file, id) carry is that month's payroll, not a copy of this one
 * (`payroll-2026-11.csv` and `payroll-2026-12.csv`; `payroll-2026-11` and `payroll-2026-12`).
 * Never when either side names no month.
 */
export function ofAnotherMonth(...names: string[]): (file: string, batchId?: string) => boolean {
  const mine = names.map(monthOfName).filter((month) => month !== null);
  return (file, batchId = "") => {
    const theirs = [monthOfName(file), monthOfName(batchId)].filter((month) => month !== null);
    return mine.length > 0 && theirs.length > 0 && !theirs.some((month) => mine.includes(month));
  };
}

/** One row's payment (payer, sender port, recipient, port, amount or budget, instruction) as 32 hex digits. */
export function paymentOf(row: ValidRow): string {
  return digest(paymentKey(paymentIdentity(row)));
}

/**
 * What a row is matched by against an earlier batch, as the journal keeps it: its payment,
 * and, for a row naming its payee by details, the payment to its account (accountPaymentKey),
 * space-joined. Two rows are the same payment when they share either: the same payroll sent
 * again with its emails corrected or on a new domain makes new Bitex users, not new accounts
 * (helper-81), and a file by ids built from a by-details batch's report names the same ids
 * (helper-86). Journals of earlier versions hold the payment alone.
 */
export function paymentKeysOf(row: ValidRow): string {
  const account = accountPaymentKey(row);
  return account === null ? paymentOf(row) : `${paymentOf(row)} ${digest(account)}`;
}

/**
 * The row's payee as paymentKeysOf keys its payment, without the amount nor who pays
 * (model.ts payeeKey): by ids and, for a row by details, by its account. What links a
 * remaining file's row to its copy fixed under another name (remaining-versions.ts).
 */
export function payeeKeysOf(row: ValidRow): string {
  const ids = digest(payeeKey(paymentIdentity(row)));
  const account = accountIdentity(row);
  return account === null ? ids : `${ids} ${digest(payeeKey(account))}`;
}

function digest(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 32);
}

/** Rows of a plan by their paymentKeysOf, with how many share them. */
function planKeys(plan: Plan): { keys: Map<string, number>; rows: number } {
  const keys = new Map<string, number>();
  let rows = 0;
  for (const request of plan.requests) {
    for (const row of request.rows) {
      const key = paymentKeysOf(row);
      keys.set(key, (keys.get(key) ?? 0) + 1);
      rows++;
    }
  }
  return { keys, rows };
}

/**
 * An earlier batch's lines by their keys (paymentKeysOf, or payeeKeysOf), how many are left of
 * each, found by any one key.
 */
export class Pool {
  readonly left: Map<string, number>;
  private readonly byKey = new Map<string, string[]>();
  constructor(counts: ReadonlyMap<string, number>) {
    this.left = new Map(counts);
    for (const keys of counts.keys())
      for (const key of keys.split(" ")) this.byKey.set(key, [...(this.byKey.get(key) ?? []), keys]);
  }

  /**
   * Takes `count` lines sharing a key with `keys` (the payment first, then the account), each
   * line once; how many it took (and, in `taken`, of each line's keys).
   */
  take(keys: string, count: number, taken?: Map<string, number>): number {
    let left = count;
    for (const key of keys.split(" ")) {
      for (const theirs of this.byKey.get(key) ?? []) {
        const got = Math.min(left, this.left.get(theirs) ?? 0);
        if (got === 0) continue;
        this.left.set(theirs, (this.left.get(theirs) ?? 0) - got);
        taken?.set(theirs, (taken.get(theirs) ?? 0) + got);
        left -= got;
      }
    }
    return count - left;
  }
}

/**
 * The `planned` entries of a plan: every row's line, payment and payee, PLANNED_PER_ENTRY rows
 * an entry, for the batch's journal before its first create.
 */
export function plannedEntries(plan: Plan, at: string): Array<Extract<JournalEntry, { t: "planned" }>> {
  const rows = plan.requests.flatMap((request) => request.rows);
  const entries: Array<Extract<JournalEntry, { t: "planned" }>> = [];
  for (let start = 0; start < rows.length; start += PLANNED_PER_ENTRY) {
    const piece = rows.slice(start, start + PLANNED_PER_ENTRY);
    entries.push({
      t: "planned",
      lines: piece.map((row) => row.line),
      payments: piece.map(paymentKeysOf),
      payees: piece.map(payeeKeysOf),
      at,
    });
  }
  return entries;
}

/**
 * Whether every row of `plan` is a row the batch of `journalPath` released (to its remaining
 * file, or refused by Bitex): `plan` is then that batch's remaining file, however many of the
 * batch's rows it holds, and never a copy of what that batch pays.
 */
export async function onlyReleasedRows(journalPath: string, plan: Plan): Promise<boolean> {
  const { state, payments } = await journalPayments(journalPath);
  const released = await releasedLines(journalPath);
  const freed = new Map<string, number>();
  for (const [line, payment] of payments)
    if (state.rows.get(line)?.status === "failed" || released.has(line))
      freed.set(payment, (freed.get(payment) ?? 0) + 1);
  const pool = new Pool(freed);
  for (const [keys, count] of planKeys(plan).keys) if (pool.take(keys, count) < count) return false;
  return true;
}

/** The earlier batch of `apiUrl` within the window that shares the most payments with `plan`, if beyond the share. */
export async function findNearCopy(
  stateDir: string,
  plan: Plan,
  apiUrl: string,
  now: Date = new Date(),
  passOver: (earlierFile: string, earlierBatchId: string) => boolean = () => false,
  /** Only batches begun after this instant (ISO): those begun after a batch resumed. */
  after?: string,
  /**
   * A file holding every row an earlier batch planned is a near copy whatever the share; not
   * for a file named with its month under --month-in-name (next month's payroll holds the
   * salary a small remaining batch paid late: helper-102).
   */
  wholeBatches = true,
): Promise<NearCopy | null> {
  const { keys: mine, rows } = planKeys(plan);
  if (rows === 0) return null;
  const since = now.getTime() - NEAR_COPY_WINDOW_DAYS * 86_400_000;
  const names = await readdir(stateDir).catch(() => [] as string[]);
  const add = (map: Map<string, number>, payment: string) => map.set(payment, (map.get(payment) ?? 0) + 1);
  const batches: EarlierPayments[] = [];
  // Rows any earlier batch released: a row one batch released may be held by another, the
  // batch its remaining file was sent as, so the releases of all are counted together.
  const freed = new Map<string, number>();
  for (const batchId of names) {
    if (batchId === plan.batchId) continue;
    const journalPath = journalPathFor(stateDir, batchId);
    const { state, payments } = await journalPayments(journalPath);
    const begin = state.begin;
    if (!begin || apiIdentity(begin.api) !== apiIdentity(apiUrl)) continue;
    if (!(Date.parse(begin.at) >= since) || passOver(begin.file, begin.batch_id)) continue;
    if (after !== undefined && !(Date.parse(begin.at) > Date.parse(after))) continue;
    const released = await releasedLines(journalPath);
    // Per payment: the rows it holds, and how far it took them.
    const theirs = new Map<string, number>();
    const kinds = {
      created: new Map(),
      accepted: new Map(),
      maybeAccepted: new Map(),
      maybeSent: new Map(),
      toCreate: new Map(),
    } satisfies Record<keyof Shares, Map<string, number>>;
    for (const [line, payment] of payments) {
      const record = state.rows.get(line);
      if (record?.status === "failed" || released.has(line)) {
        add(freed, payment);
        continue;
      }
      add(theirs, payment);
      if (!record) add(kinds.toCreate, payment);
      else if (record.status !== "created") add(kinds.maybeSent, payment);
      else {
        add(kinds.created, payment);
        const step = state.steps.get(record.requestId)?.accept_quote;
        if (step === "done") add(kinds.accepted, payment);
        else if (step === "intent") add(kinds.maybeAccepted, payment);
      }
    }
    batches.push({
      batchId,
      file: begin.file,
      begunAt: begin.at,
      theirs,
      kinds,
      whole: state.planned.size > 0,
    });
  }
  let best: NearCopy | null = null;
  for (const { batchId, file, begunAt, theirs, kinds, whole } of batches) {
    let same = 0;
    const shares: Shares = { created: 0, accepted: 0, maybeAccepted: 0, maybeSent: 0, toCreate: 0 };
    // Rows released, sent again: how they get paid, so they do not dilute the share.
    let resent = 0;
    const held = new Pool(theirs);
    const free = new Pool(freed);
    const matched = new Map<string, number>();
    for (const [keys, count] of mine) {
      const paid = held.take(keys, count, matched);
      same += paid;
      resent += free.take(keys, count - paid);
    }
    for (const [payment, count] of matched)
      for (const kind of Object.keys(shares) as Array<keyof Shares>)
        shares[kind] += Math.min(count, kinds[kind].get(payment) ?? 0);
    // Every payment that batch holds is in this file: the file is that batch with rows added
    // (its remaining file with late hires appended), whatever the share (helper-101). Only
    // where its journal names every row it planned (older ones name those it sent).
    let holds = 0;
    for (const count of theirs.values()) holds += count;
    const contained = wholeBatches && whole && same === holds;
    if (same > 0 && (contained || same >= (rows - resent) * NEAR_COPY_SHARE) && (!best || same > best.same)) {
      best = { batchId, file, begunAt, same, ...shares, rows, released: resent };
    }
  }
  return best;
}

/**
 * A journal folded as it is read, with each line's payment: its intent's, else its planned
 * one; an unreadable journal is an empty one (no batch this tool can speak for).
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
  for (const [line, payment] of fold.state.planned) if (!payments.has(line)) payments.set(line, payment);
  return { state: fold.state, payments };
}
