/**
 * Rows by payee details against Bitex, read-only (`validate --online`, `submit --dry-run`):
 * the users the key manages (every page), then the withdrawal instructions of each user
 * whose email a row names, read acting as that user; then resolution (plan/payees.ts).
 * Calls: user pages + instruction pages of the payees found, never one per row, and nothing
 * is created.
 */
import type { BitexClient } from "../bitex/client.js";
import type { User } from "../bitex/jsonapi.js";
import type { CheckedRow, RowError, ValidRow } from "../model.js";
import { emailKey, type PayeeDirectory, type PayeePlan, resolvePayees } from "../plan/payees.js";
import { maskId } from "../validate/payee/index.js";
import { complianceOf, resolvedDuplicates } from "./payee-rows.js";
import type { Console } from "./session.js";

/** What `--json` says of the payees: counts, and each one that would be created, masked. */
export interface PayeesJson {
  new_payees: number;
  new_accounts: number;
  found: number;
  created: number;
  would_create: {
    payees: Array<{ name: string; email: string; tax_id: string; lines: number[] }>;
    accounts: Array<{
      name: string;
      email: string;
      user_id: string | null;
      account: string;
      kind: string;
      currency: string;
      lines: number[];
    }>;
  };
}

/** Reads what resolution needs and resolves; `users` when the caller already listed them. */
export async function resolveOnline(
  client: Pick<BitexClient, "listUsers" | "listWithdrawalInstructions">,
  rows: readonly ValidRow[],
  users?: readonly User[],
): Promise<PayeePlan> {
  return resolvePayees(rows, await readPayeeDirectory(client, rows, users));
}

/**
 * The users the key manages (every page) and the instructions of each one a row's email
 * names, read acting as that user: never a call per row.
 */
export async function readPayeeDirectory(
  client: Pick<BitexClient, "listUsers" | "listWithdrawalInstructions">,
  rows: readonly ValidRow[],
  users?: readonly User[],
): Promise<PayeeDirectory> {
  const listed = users ?? (await client.listUsers());
  const emails = new Set(rows.map((row) => emailKey(row.payee?.email)));
  const named = listed.filter((user) => emails.has(emailKey(user.email)));
  const results = await Promise.allSettled(
    named.map(async (user) => [user.id, await client.listWithdrawalInstructions(user.id)] as const),
  );
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  const instructionsByUser = new Map(
    results.map((result) => (result as PromiseFulfilledResult<readonly [string, never[]]>).value),
  );
  return { users: listed, instructionsByUser };
}

/** The rows by details (alone or with ids) among the valid ones, read lazily. */
export function validRowsWithPayee(checked: Iterable<CheckedRow>): ValidRow[] {
  const rows: ValidRow[] = [];
  for (const item of checked) if (item.ok && item.row.payee) rows.push(item.row);
  return rows;
}

/** The checked rows with resolution's errors added to theirs (a row with one is invalid), lazily. */
export function* withPayeeErrors(
  checked: Iterable<CheckedRow>,
  errors: readonly RowError[],
): Generator<CheckedRow> {
  const byLine = new Map<number, RowError[]>();
  for (const error of errors) byLine.set(error.line, [...(byLine.get(error.line) ?? []), error]);
  for (const item of checked) {
    const more = byLine.get(item.line);
    if (!more) yield item;
    else
      yield { line: item.line, ok: false, errors: item.ok ? more : [...item.errors, ...more], raw: item.raw };
  }
}

/** Rows by details with what the plan says of them: the ids found, `found` or `would create`. */
function* withPlanned(
  checked: Iterable<CheckedRow>,
  plan: PayeePlan,
  /** Each user's compliance review as listed (complianceOf); none: "" for every row. */
  compliance: ReadonlyMap<string, string> = new Map(),
): Generator<CheckedRow> {
  const byLine = new Map(plan.rows.map((row) => [row.line, row]));
  for (const item of checked) {
    const planned = item.ok ? byLine.get(item.line) : undefined;
    if (!item.ok || planned === undefined) yield item;
    else
      yield {
        ...item,
        row: {
          ...item.row,
          recipientUserId: planned.userId ?? "",
          withdrawalInstructionId: planned.instructionId ?? "",
          resolved: { status: planned.status, compliance: compliance.get(planned.userId ?? "") ?? "" },
        },
      };
  }
}

/**
 * Every problem resolution finds: its own errors, and (unless duplicates are allowed) each
 * row that pays the same as another once resolved as planned, which `submit` would refuse.
 * A row whose account is still to be created has no instruction to compare yet; it is
 * compared by its details, as validation did.
 */
export function resolutionErrors(
  checked: () => Iterable<CheckedRow>,
  plan: PayeePlan,
  allowDuplicates: boolean,
): RowError[] {
  if (allowDuplicates) return plan.errors;
  const rows: ValidRow[] = [];
  for (const item of withPlanned(withPayeeErrors(checked(), plan.errors), plan)) {
    if (!item.ok) continue;
    const toCreate = item.row.payee !== undefined && item.row.withdrawalInstructionId === "";
    rows.push(toCreate ? { ...item.row, recipientUserId: "" } : item.row);
  }
  return [...plan.errors, ...resolvedDuplicates(rows).map((copy) => copy.error)];
}

/**
 * `submit --dry-run` of a file with rows by details: resolves them (read-only, a connection
 * of its own) and prints the plan; the rows come back with resolution's errors, as often as
 * asked (the report and the plan of requests each read them once).
 */
export async function dryRunPayees(
  checked: () => Iterable<CheckedRow>,
  open: () => Promise<{
    client: Pick<BitexClient, "listUsers" | "listWithdrawalInstructions">;
    close(): Promise<void>;
  }>,
  out: Console,
  allowDuplicates: boolean,
): Promise<{ rows: () => Iterable<CheckedRow>; payees?: PayeesJson }> {
  const byDetails = validRowsWithPayee(checked());
  if (byDetails.length === 0) return { rows: checked };
  const connection = await open();
  let directory: PayeeDirectory;
  try {
    directory = await readPayeeDirectory(connection.client, byDetails);
  } finally {
    await connection.close();
  }
  const plan = resolvePayees(byDetails, directory);
  // A payee found is said with its review as the listing shows it, as submit says it
  // (helper-108: a payee Bitex refused was "found", its review left empty).
  const compliance = new Map(directory.users.map((user) => [user.id, complianceOf(user)]));
  printPayeePlan(out, plan);
  const errors = resolutionErrors(checked, plan, allowDuplicates);
  return {
    rows: () => withPlanned(withPayeeErrors(checked(), errors), plan, compliance),
    payees: payeesJson(plan),
  };
}

function accountText(plan: PayeePlan["newAccounts"][number]): string {
  const { account } = plan;
  const kind = account.kind === "account_number" ? "account" : account.kind;
  return `${kind} ${maskId(account.number)}`;
}

/** "2 new payees, 3 new bank accounts, 5 found", then each new one (name, email, masked account). */
export function printPayeePlan(out: Console, plan: PayeePlan): void {
  out.info(
    `payees: ${plan.newPayees.length} new payee(s), ${plan.newAccounts.length} new bank account(s), ${plan.found} row(s) found at Bitex; nothing created`,
  );
  for (const payee of plan.newPayees)
    out.info(`  new payee: ${payee.name} <${payee.email}>, tax id ${maskId(payee.taxId)}`);
  for (const account of plan.newAccounts) {
    const owner = account.userId === null ? "new payee" : `user ${account.userId}`;
    out.info(`  new bank account: ${account.name} <${account.email}> (${owner}), ${accountText(account)}`);
  }
}

export function payeesJson(plan: PayeePlan): PayeesJson {
  return {
    new_payees: plan.newPayees.length,
    new_accounts: plan.newAccounts.length,
    found: plan.found,
    created: 0,
    would_create: {
      payees: plan.newPayees.map((p) => ({
        name: p.name,
        email: p.email,
        tax_id: maskId(p.taxId),
        lines: p.lines,
      })),
      accounts: plan.newAccounts.map((a) => ({
        name: a.name,
        email: a.email,
        user_id: a.userId,
        account: maskId(a.account.number),
        kind: a.account.kind,
        currency: a.currency,
        lines: a.lines,
      })),
    },
  };
}
