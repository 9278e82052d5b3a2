/**
 * `validate --online`: a few list calls (ports, users, withdrawal instructions), then every
 * valid row is checked against them (onlineChecks, a pure function). Read-only: nothing is
 * created. A check the API's answers cannot support (Bitex shows neither the port nor the owner
 * of a withdrawal instruction) is counted as not checked, never passed.
 */
import type { BitexClient } from "../bitex/client.js";
import type { Port, User, WithdrawalInstruction } from "../bitex/jsonapi.js";
import type { BatchError } from "../errors.js";
import { type CheckedRow, idNumber, type RowError } from "../model.js";
import { stopFor } from "./stop.js";

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

/** What the API's lists let `validate --online` check (read with checkOnline, judged by onlineChecks). */
export interface OnlineLists {
  ports: readonly Port[];
  users: readonly User[];
  instructions: readonly WithdrawalInstruction[];
}

/**
 * How much of the online check could be done: `checked` valid rows were held against the lists;
 * of those whose instruction exists, `not_checked` counts the rows whose instruction's port or
 * owner the API does not show (Bitex's recorded instructions show neither), so that check was
 * not made. Such a row is not an error, and not a pass either: it is counted here.
 */
export interface OnlineCounts {
  checked: number;
  not_checked: { instruction_port: number; instruction_owner: number };
}

export interface OnlineOutcome {
  rows: CheckedRow[];
  counts: OnlineCounts;
  /** The users listed, for resolving rows by payee details without listing them again. */
  users: readonly User[];
}

/**
 * Reads the three lists (ports, users, withdrawal instructions), then judges every row. Each
 * list is asked for what the rows name: a list whose end a server does not let the client
 * prove still serves when it holds all of that. The users must be whole when a row is by
 * payee details (resolution concludes from a user's absence).
 */
export async function checkOnline(
  client: Pick<BitexClient, "listPorts" | "listUsers" | "listWithdrawalInstructions" | "getMe">,
  checked: readonly CheckedRow[],
): Promise<OnlineOutcome> {
  const ports = new Set<string>();
  const users = new Set<string>();
  const instructions = new Set<string>();
  let byDetails = false;
  for (const item of checked) {
    if (!item.ok) continue;
    const { row } = item;
    ports.add(row.senderPort).add(row.port);
    if (row.payerUserId !== "") users.add(row.payerUserId);
    if (row.payee) byDetails = true;
    if (row.recipientUserId !== "") users.add(row.recipientUserId);
    if (row.withdrawalInstructionId !== "") instructions.add(row.withdrawalInstructionId);
  }
  const [listedPorts, listedUsers, listedInstructions] = await allOrFirstError([
    client.listPorts(ports),
    client.listUsers(byDetails ? undefined : users),
    client.listWithdrawalInstructions(undefined, instructions),
  ]);
  const known = await withOwner(client, [...users], listedUsers);
  const theirs = await payeesInstructions(client, checked, known, listedInstructions);
  const lists = { ports: listedPorts, users: known, instructions: [...listedInstructions, ...theirs] };
  return { ...onlineChecks(lists, checked), users: listedUsers };
}

/**
 * The users listed, and the key's own user (`GET /users/me`, one call) when a row names a user
 * the listing lacks: Bitex's recorded `GET /users` of a master lists the users it manages and
 * not the master, whose id a payroll may name as its payer.
 */
async function withOwner(
  client: Pick<BitexClient, "getMe">,
  named: readonly string[],
  listed: readonly User[],
): Promise<readonly User[]> {
  const ids = new Set(listed.map((user) => user.id));
  if (named.every((id) => ids.has(id))) return listed;
  const me = await client.getMe();
  return ids.has(me.id) ? listed : [...listed, me];
}

/**
 * The instructions the key's own list lacks, looked for acting as each row's recipient
 * (`Authorization: <key>; user=<id>`, as Bitex's recordings act as a managed user): Bitex
 * records the key listing its own instructions, and no source shows whether it also lists its
 * users' (the emulator does). One list per recipient (a user of the key) whose rows name such
 * an instruction, none when the key's list held them all; each found is that user's.
 */
async function payeesInstructions(
  client: Pick<BitexClient, "listWithdrawalInstructions">,
  checked: readonly CheckedRow[],
  users: readonly User[],
  listed: readonly WithdrawalInstruction[],
): Promise<WithdrawalInstruction[]> {
  const known = new Set(listed.map((instruction) => idNumber(instruction.id)));
  const userIds = new Set(users.map((user) => idNumber(user.id)));
  const wanted = new Map<string, Set<string>>();
  for (const item of checked) {
    if (!item.ok) continue;
    const user = idNumber(item.row.recipientUserId);
    const id = idNumber(item.row.withdrawalInstructionId);
    if (id === "" || known.has(id) || !userIds.has(user)) continue;
    const ids = wanted.get(user) ?? new Set<string>();
    wanted.set(user, ids.add(id));
  }
  const lists = await allOrFirstError(
    [...wanted].map(async ([user, ids]) =>
      (await client.listWithdrawalInstructions(user, ids)).map((instruction) => ({
        ...instruction,
        user_id: instruction.user_id ?? user,
      })),
    ),
  );
  const found = new Map<string, WithdrawalInstruction>();
  for (const instruction of lists.flat())
    if (!known.has(instruction.id)) found.set(instruction.id, instruction);
  return [...found.values()];
}

/**
 * The online checks, given the three lists: each valid row's ports must be offered, its payer
 * (when named) and recipient must be users of the key, its instruction must exist and, when the
 * API shows them, belong to the recipient and pay out on the row's port. Rows already invalid
 * pass through untouched. Row error codes: port_not_offered (sender_port, port),
 * unknown_payer, unknown_recipient, unknown_withdrawal_instruction,
 * instruction_of_another_user, instruction_port_mismatch.
 */
export function onlineChecks(
  lists: OnlineLists,
  checked: readonly CheckedRow[],
): Omit<OnlineOutcome, "users"> {
  // Ids compare as the numbers they name: "0300" is user 300, as for duplicates (model.ts).
  const portCodes = new Set(lists.ports.map((port) => port.code));
  const userIds = new Set(lists.users.map((user) => idNumber(user.id)));
  const instructionById = new Map(
    lists.instructions.map((instruction) => [idNumber(instruction.id), instruction]),
  );
  const counts: OnlineCounts = { checked: 0, not_checked: { instruction_port: 0, instruction_owner: 0 } };
  const rows = checked.map((item): CheckedRow => {
    if (!item.ok) return item;
    counts.checked++;
    const { row } = item;
    const errors: RowError[] = [];
    const error = (column: string, code: string, message: string) =>
      errors.push({ line: row.line, column, code, message });
    if (!portCodes.has(row.senderPort))
      error("sender_port", "port_not_offered", `the API does not offer port ${row.senderPort}`);
    if (!portCodes.has(row.port))
      error("port", "port_not_offered", `the API does not offer port ${row.port}`);
    if (row.payerUserId !== "" && !userIds.has(idNumber(row.payerUserId))) {
      error("payer_user_id", "unknown_payer", `user ${row.payerUserId} is not one of this key's users`);
    }
    // A row by payee details alone has no ids to check: resolution (app/payees.ts) finds them.
    if (row.recipientUserId === "" && row.payee) {
      return errors.length === 0 ? item : { line: item.line, ok: false, errors, raw: item.raw };
    }
    if (!userIds.has(idNumber(row.recipientUserId))) {
      error(
        "recipient_user_id",
        "unknown_recipient",
        `user ${row.recipientUserId} is not one of this key's users`,
      );
    }
    const instruction = instructionById.get(idNumber(row.withdrawalInstructionId));
    if (!instruction) {
      // Looked for acting as the recipient too, when the recipient is one of the key's users.
      const where = userIds.has(idNumber(row.recipientUserId))
        ? `is neither one of this key's nor one of user ${row.recipientUserId}'s`
        : "does not exist";
      error(
        "withdrawal_instruction_id",
        "unknown_withdrawal_instruction",
        `withdrawal instruction ${row.withdrawalInstructionId} ${where}`,
      );
    } else {
      if (instruction.user_id === null) counts.not_checked.instruction_owner++;
      else if (idNumber(instruction.user_id) !== idNumber(row.recipientUserId)) {
        error(
          "withdrawal_instruction_id",
          "instruction_of_another_user",
          `withdrawal instruction ${row.withdrawalInstructionId} belongs to user ${instruction.user_id}, not ${row.recipientUserId}`,
        );
      }
      if (instruction.port_code === null) counts.not_checked.instruction_port++;
      else if (instruction.port_code !== row.port) {
        error(
          "withdrawal_instruction_id",
          "instruction_port_mismatch",
          `withdrawal instruction ${row.withdrawalInstructionId} pays out on ${instruction.port_code}, not ${row.port}`,
        );
      }
    }
    return errors.length === 0 ? item : { line: item.line, ok: false, errors, raw: item.raw };
  });
  return { rows, counts };
}

/** The stderr line: how many rows were checked online, and what could not be checked. */
export function onlineCountsLine(counts: OnlineCounts): string {
  const { instruction_port, instruction_owner } = counts.not_checked;
  const head = `online: ${counts.checked} valid row(s) checked against the API`;
  const gaps = [
    ...(instruction_port > 0 ? [`port (${instruction_port} row(s))`] : []),
    ...(instruction_owner > 0 ? [`owner (${instruction_owner} row(s))`] : []),
  ];
  return gaps.length === 0
    ? head
    : `${head}; not checked, as the API does not show them: the withdrawal instruction's ${gaps.join(" and ")}`;
}
