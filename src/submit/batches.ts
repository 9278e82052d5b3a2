/**
 * What the state directory knows of earlier batches, so that a batch id derived from the
 * file's bytes never silently pays a file twice (an edited file is a new batch, and so is
 * the same file under another name) or not at all (the same file next month is the old batch).
 */
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { shortestDecimal } from "../decimal.js";
import type { Plan, ValidRow } from "../model.js";
import { foldJournal, readJournal } from "./journal.js";

export interface EarlierBatch {
  batchId: string;
  /** Its directory under the state directory (batch-dir.ts: per API). */
  dir: string;
  /** The input file as that batch named it. */
  file: string;
  begunAt: string;
  created: number;
  /** Rows whose create was sent without an outcome on record: they may have been paid. */
  maybeSent: number;
  /** The API it was begun on. */
  api: string;
  /** Its paymentsDigest, when its journal has one. */
  payments: string | undefined;
}

export const journalPathFor = (stateDir: string, batchId: string) => join(stateDir, batchId, "journal.jsonl");

/**
 * The payments of a plan, whatever the file's name, the rows' order or the way an amount is
 * written: the sum of one hash per row (payer, sender port, recipient, port, amount or
 * budget, instruction), so that identical rows count once each and nothing is sorted.
 */
export function paymentsDigest(plan: Plan): string {
  const modulus = 1n << 128n;
  let sum = 0n;
  let rows = 0;
  for (const request of plan.requests) {
    for (const row of request.rows) {
      sum = (sum + BigInt(`0x${paymentOf(row)}`)) % modulus;
      rows++;
    }
  }
  return `${rows}:${sum.toString(16).padStart(32, "0")}`;
}

/** One row's payment (payer, sender port, recipient, port, amount or budget, instruction) as 32 hex digits. */
export function paymentOf(row: ValidRow): string {
  const money =
    row.amount !== null ? `a:${shortestDecimal(row.amount)}` : `b:${shortestDecimal(row.budget ?? "0")}`;
  const text = `${row.payerUserId}|${row.senderPort}|${row.recipientUserId}|${row.port}|${money}|${row.withdrawalInstructionId}`;
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** Every other batch (`exceptBatchId`: a directory name) of the state directory that created, or may have created, at least one output. */
export async function earlierBatches(stateDir: string, exceptBatchId: string): Promise<EarlierBatch[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  const found: EarlierBatch[] = [];
  for (const dir of names) {
    if (dir === exceptBatchId) continue;
    // A stray file or an unreadable directory is no batch this tool can speak for.
    const entries = await readJournal(journalPathFor(stateDir, dir)).catch(() => []);
    const state = foldJournal(entries);
    if (!state.begin) continue;
    let created = 0;
    let maybeSent = 0;
    for (const row of state.rows.values()) {
      if (row.status === "created") created++;
      else if (row.status === "intent" || row.status === "ambiguous") maybeSent++;
    }
    if (created + maybeSent === 0) continue;
    found.push({
      batchId: state.begin.batch_id ?? dir,
      dir,
      file: state.begin.file,
      begunAt: state.begin.at,
      api: state.begin.api,
      created,
      maybeSent,
      payments: state.begin.payments,
    });
  }
  return found.sort((a, b) => (a.begunAt < b.begunAt ? 1 : -1));
}

/** "paid 6 row(s)", "paid 4 row(s) and may have paid 2 more (creates left without an answer)". */
export function paidWords(batch: EarlierBatch): string {
  const maybe =
    batch.maybeSent > 0
      ? `${batch.created > 0 ? " and" : ""} may have paid ${batch.maybeSent}${batch.created > 0 ? " more" : " row(s)"} (creates left without an answer)`
      : "";
  return batch.created > 0 ? `paid ${batch.created} row(s)${maybe}` : maybe.trimStart();
}
