/** Plan (pure): group valid rows into one CrossBorder request per (payer, sender port). */
import { createHash, type Hash } from "node:crypto";
import { type Plan, type PlannedRequest, paymentIdentity, type ValidRow } from "../model.js";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function groupKey(row: Pick<ValidRow, "payerUserId" | "senderPort">): string {
  return `${row.payerUserId}|${row.senderPort}`;
}

/**
 * A short key stable across runs, so a later run (even without its journal) can find the
 * request again with `filter[external_id]`. Bitex ids are opaque; this one we control.
 */
export function externalIdFor(batchId: string, key: string): string {
  return `bb-${sha256(`${batchId}\n${key}`).slice(0, 20)}`;
}

/**
 * Default batch id: the file's name and bytes, so the same file resumes the same batch. In
 * parts, for a file read in chunks: feed the hash every byte, then `batchIdOf`.
 */
export function batchIdHash(fileName: string): Hash {
  return createHash("sha256").update(fileName).update("\0");
}

export function batchIdOf(hash: Hash): string {
  return hash.digest("hex").slice(0, 16);
}

export function plan(batchId: string, rows: readonly ValidRow[]): Plan {
  const groups = new Map<string, PlannedRequest>();
  const fingerprint = createHash("sha256").update(batchId);
  for (const row of rows) {
    // A row by payee details has no ids until its payee is resolved; it is never sent without.
    if (row.recipientUserId === "" || row.withdrawalInstructionId === "")
      throw new Error(`line ${row.line}: a row without Bitex ids reached the plan`);
    const key = groupKey(row);
    let request = groups.get(key);
    if (!request) {
      request = {
        key,
        externalId: externalIdFor(batchId, key),
        payerUserId: row.payerUserId,
        senderPort: row.senderPort,
        rows: [],
      };
      groups.set(key, request);
    }
    request.rows.push(row);
    // The same text as every journal so far was begun with: the line, then the payment.
    const { recipientUserId, port, money, withdrawalInstructionId } = paymentIdentity(row);
    const amount = money.column === "amount" ? money.value : "";
    const budget = money.column === "budget" ? money.value : "";
    fingerprint.update(
      `\n${row.line},${key},${recipientUserId},${port},${amount},${budget},${withdrawalInstructionId}`,
    );
  }
  return { batchId, requests: [...groups.values()], fingerprint: fingerprint.digest("hex").slice(0, 32) };
}
