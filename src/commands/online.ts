/**
 * `validate --online`: a few list calls (ports, users, withdrawal instructions), then every
 * valid row is checked against them. Read-only: nothing is created.
 */
import type { BitexClient } from "../bitex/client.js";
import type { BatchError } from "../errors.js";
import type { CheckedRow, RowError } from "../model.js";
import { stopFor } from "../submit/policy.js";

/** The failure of a read-only command's API call (`validate --online`, `ports`): nothing was sent. */
export function readOnlyFailure(error: unknown): BatchError {
  return stopFor(error, false, "nothing was sent; run the command again later");
}

/** Every promise settled (none left in flight when the connection closes), then the first failure thrown. */
async function allOrFirstError<T extends unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as T;
}

export async function checkOnline(
  client: Pick<BitexClient, "listPorts" | "listUsers" | "listWithdrawalInstructions">,
  checked: readonly CheckedRow[],
): Promise<CheckedRow[]> {
  const [ports, users, instructions] = await allOrFirstError([
    client.listPorts(),
    client.listUsers(),
    client.listWithdrawalInstructions(),
  ]);
  const portCodes = new Set(ports.map((port) => port.code));
  const userIds = new Set(users.map((user) => user.id));
  const instructionById = new Map(instructions.map((instruction) => [instruction.id, instruction]));
  return checked.map((item): CheckedRow => {
    if (!item.ok) return item;
    const { row } = item;
    const errors: RowError[] = [];
    const error = (column: string, code: string, message: string) =>
      errors.push({ line: row.line, column, code, message });
    if (!portCodes.has(row.senderPort))
      error("sender_port", "port_not_offered", `the API does not offer port ${row.senderPort}`);
    if (!portCodes.has(row.port))
      error("port", "port_not_offered", `the API does not offer port ${row.port}`);
    if (row.payerUserId !== "" && !userIds.has(row.payerUserId)) {
      error("payer_user_id", "unknown_payer", `user ${row.payerUserId} is not one of this key's users`);
    }
    if (!userIds.has(row.recipientUserId)) {
      error(
        "recipient_user_id",
        "unknown_recipient",
        `user ${row.recipientUserId} is not one of this key's users`,
      );
    }
    const instruction = instructionById.get(row.withdrawalInstructionId);
    if (!instruction) {
      error(
        "withdrawal_instruction_id",
        "unknown_withdrawal_instruction",
        `withdrawal instruction ${row.withdrawalInstructionId} does not exist`,
      );
    } else if (instruction.user_id !== null && instruction.user_id !== row.recipientUserId) {
      error(
        "withdrawal_instruction_id",
        "instruction_of_another_user",
        `withdrawal instruction ${row.withdrawalInstructionId} belongs to user ${instruction.user_id}, not ${row.recipientUserId}`,
      );
    } else if (instruction.port_code !== null && instruction.port_code !== row.port) {
      error(
        "withdrawal_instruction_id",
        "instruction_port_mismatch",
        `withdrawal instruction ${row.withdrawalInstructionId} pays out on ${instruction.port_code}, not ${row.port}`,
      );
    }
    return errors.length === 0 ? item : { line: item.line, ok: false, errors, raw: item.raw };
  });
}
