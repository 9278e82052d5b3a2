/**
 * Reconciliation (pure). Bitex has no idempotency keys, so after a create whose outcome is
 * unknown we list the request's outputs and match them to planned rows as a multiset:
 * each server output pays for at most one row, outputs already journaled to a row are
 * taken away first, and identical rows each need an output of their own.
 */

import type { ConciergeOutput } from "../bitex/jsonapi.js";
import { decimal, normalize } from "../decimal.js";
import { idNumber, paymentIdentity, type ValidRow } from "../model.js";

export interface ServerOutput {
  id: string;
  recipientUserId: string;
  portCode: string;
  withdrawalInstructionId: string;
  /** Numbers from the server as canonical text; after a quote both are set. */
  amount: string | null;
  budget: string | null;
}

export interface MatchResult {
  /** line → output id, for rows now known to exist on the server. */
  matched: Map<number, string>;
  /** Rows still missing on the server: the only ones that may be sent (again). */
  missing: ValidRow[];
  /** Server outputs that belong to no planned row (someone else added them): reported, never used. */
  strangers: ServerOutput[];
}

function same(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && normalize(decimal(a)) === normalize(decimal(b));
}

/**
 * A row matches an output when the value the row specified (amount or budget) is the same. Ids
 * compare as the numbers they name: a row's `0300` is sent as 300 (jsonapi.ts) and answered so.
 */
export function outputMatchesRow(output: ServerOutput, row: ValidRow): boolean {
  return outputDifference(output, row) === null;
}

/** How an output differs from the row it was made for, in words; null when it matches. */
export function outputDifference(output: ServerOutput, row: ValidRow): string | null {
  const { recipientUserId, port, withdrawalInstructionId, money } = paymentIdentity(row);
  const held = money.column === "amount" ? output.amount : output.budget;
  const [name, theirs, ours] =
    idNumber(output.recipientUserId) !== idNumber(recipientUserId)
      ? ["recipient_user_id", output.recipientUserId, recipientUserId]
      : output.portCode !== port
        ? ["port", output.portCode, port]
        : idNumber(output.withdrawalInstructionId) !== idNumber(withdrawalInstructionId)
          ? ["withdrawal_instruction_id", output.withdrawalInstructionId, withdrawalInstructionId]
          : !same(held, money.value)
            ? [money.column, held ?? "none", money.value]
            : [];
  return name === undefined ? null : `${name} ${theirs} where the row says ${ours}`;
}

function identity(parts: { recipientUserId: string; port: string; wi: string }): string {
  return `${idNumber(parts.recipientUserId)}|${parts.port}|${idNumber(parts.wi)}`;
}

/**
 * @param rows      rows of one request not yet accounted for, in input order
 * @param outputs   every output of that request on the server
 * @param accounted output ids already journaled to some row
 */
export function matchOutputs(
  rows: readonly ValidRow[],
  outputs: readonly ServerOutput[],
  accounted: ReadonlySet<string>,
): MatchResult {
  // Bucket free outputs by recipient/port/instruction so matching stays linear in practice.
  const free = new Map<string, ServerOutput[]>();
  for (const output of outputs) {
    if (accounted.has(output.id)) continue;
    const key = identity({
      recipientUserId: output.recipientUserId,
      port: output.portCode,
      wi: output.withdrawalInstructionId,
    });
    const bucket = free.get(key);
    if (bucket) bucket.push(output);
    else free.set(key, [output]);
  }
  const matched = new Map<number, string>();
  const missing: ValidRow[] = [];
  for (const row of rows) {
    const bucket = free.get(
      identity({ recipientUserId: row.recipientUserId, port: row.port, wi: row.withdrawalInstructionId }),
    );
    const index = bucket ? bucket.findIndex((output) => outputMatchesRow(output, row)) : -1;
    if (bucket && index >= 0) {
      const [output] = bucket.splice(index, 1);
      matched.set(row.line, (output as ServerOutput).id);
    } else {
      missing.push(row);
    }
  }
  return { matched, missing, strangers: [...free.values()].flat() };
}

/** An output the engine can match safely, or null when the server left out what matching needs. */
export function toServerOutput(
  output: Pick<
    ConciergeOutput,
    "id" | "user_id" | "withdrawal_instruction_id" | "port_code" | "amount" | "budget"
  >,
): ServerOutput | null {
  if (!output.user_id || !output.withdrawal_instruction_id || !output.port_code) return null;
  if (output.amount === null && output.budget === null) return null;
  return {
    id: output.id,
    recipientUserId: output.user_id,
    portCode: output.port_code,
    withdrawalInstructionId: output.withdrawal_instruction_id,
    amount: output.amount,
    budget: output.budget,
  };
}
