/**
 * What the state directory knows of earlier batches, so that a batch id derived from the
 * file's bytes never silently pays a file twice (an edited file is a new batch, and so is
 * the same file under another name) or not at all (the same file next month is the old batch).
 */
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { basename } from "node:path";
import { BatchError } from "../errors.js";
import { type Plan, paymentIdentity, paymentKey } from "../model.js";
import { foldJournal, readJournal } from "./journal.js";
import { journalPathFor } from "./paths.js";

export interface EarlierBatch {
  batchId: string;
  /** The input file as that batch named it. */
  file: string;
  begunAt: string;
  created: number;
  /** Rows whose create was sent without an outcome on record: they may have been paid. */
  maybeSent: number;
  /** Its paymentsDigest, when its journal has one. */
  payments: string | undefined;
}

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
      const text = paymentKey(paymentIdentity(row));
      sum = (sum + BigInt(`0x${createHash("sha256").update(text).digest("hex").slice(0, 32)}`)) % modulus;
      rows++;
    }
  }
  return `${rows}:${sum.toString(16).padStart(32, "0")}`;
}

/** Every other batch of the state directory that created, or may have created, at least one output. */
export async function earlierBatches(stateDir: string, exceptBatchId: string): Promise<EarlierBatch[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  const found: EarlierBatch[] = [];
  for (const batchId of names) {
    if (batchId === exceptBatchId) continue;
    // A stray file or an unreadable directory is no batch this tool can speak for.
    const entries = await readJournal(journalPathFor(stateDir, batchId)).catch(() => []);
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
      batchId,
      file: state.begin.file,
      begunAt: state.begin.at,
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

/**
 * An edited file is a new batch, and so is the same file under another name: refuse to pay
 * it silently while an earlier batch of the state directory has sent rows (created, or sent
 * without an answer) from a file of that name, or holds exactly the same payments.
 */
export async function refuseNewBatchOfOldPayments(
  stateDir: string,
  loaded: { batchId: string; file: string; plan: Plan },
): Promise<void> {
  const batchPlan = loaded.plan;
  // Resuming this batch: its own journal decides; the scan is only for a batch that is new.
  if (await stat(journalPathFor(stateDir, loaded.batchId)).catch(() => null)) return;
  const earlier = await earlierBatches(stateDir, loaded.batchId);
  const last = earlier.find((batch) => basename(batch.file) === basename(loaded.file));
  if (last) {
    throw new BatchError(
      "input",
      `${loaded.file} changed since batch ${last.batchId} (begun ${last.begunAt}) ${paidWords(last)} from it; sending it as a new batch could pay them again`,
      {
        hint: "put only the rows still to pay in a new file, or pass --batch-id <new id> if this is a new payment run",
      },
    );
  }
  const payments = paymentsDigest(batchPlan);
  const copy = earlier.find((batch) => batch.payments === payments);
  if (copy) {
    throw new BatchError(
      "input",
      `${loaded.file} holds the same payments as batch ${copy.batchId} (file ${copy.file}, begun ${copy.begunAt}), which ${paidWords(copy)}; sending it as a new batch would pay them again`,
      {
        hint: "nothing was sent; if this is a new payment run of the same payments (next month's payroll), pass --batch-id <new id>",
      },
    );
  }
}
