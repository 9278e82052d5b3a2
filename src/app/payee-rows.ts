/**
 * Rows by payee details with the ids their payees resolved to (docs/design.md, "Input
 * modes"): the loaded file seen through its resolution, so the plan, the report, the
 * remaining file and the follow-through read resolved rows like rows by ids.
 */
import type { PayeeResolution } from "../batch/journal.js";
import type { BitexClient } from "../bitex/client.js";
import { BatchError } from "../errors.js";
import {
  type CheckedRow,
  idNumber,
  paymentIdentity,
  paymentKey,
  type RowError,
  type ValidRow,
} from "../model.js";
import { payeeKeyOf } from "../plan/payees.js";
import { complianceWords } from "../report/compliance.js";
import { lookKey } from "../validate/look.js";
import type { Loaded } from "./load.js";
import type { Console } from "./session.js";

/**
 * The journaled resolution of the row at its line, when that row names the payee it was
 * resolved for: a file edited under the same batch id may hold another payee at that line.
 */
export function resolutionOf(
  row: ValidRow,
  resolutions: ReadonlyMap<number, PayeeResolution>,
): PayeeResolution | undefined {
  const resolution = resolutions.get(row.line);
  if (row.payee === undefined || resolution === undefined) return undefined;
  if (resolution.payee_key === undefined || resolution.payee_key === payeeKeyOf(row)) return resolution;
  // Journaled by the version before a row's written ids were part of its key (helper-86: such
  // a batch could no longer be followed): the row's still while those ids are the ones resolved.
  const same = (written: string, resolved: string) =>
    written === "" || idNumber(written) === idNumber(resolved);
  const writesIds = row.recipientUserId !== "" || row.withdrawalInstructionId !== "";
  return writesIds &&
    resolution.payee_key === payeeKeyOf(row, false) &&
    same(row.recipientUserId, resolution.user_id) &&
    same(row.withdrawalInstructionId, resolution.withdrawal_instruction_id)
    ? resolution
    : undefined;
}

/** A row with its resolution applied; a row by ids, or one not resolved, as it was. */
export function resolvedRow(row: ValidRow, resolution: PayeeResolution | undefined): ValidRow {
  if (row.payee === undefined || resolution === undefined) return row;
  return {
    ...row,
    recipientUserId: resolution.user_id,
    withdrawalInstructionId: resolution.withdrawal_instruction_id,
    resolved: { status: resolution.status, compliance: resolution.compliance },
  };
}

/** The loaded file whose rows by details carry their resolved ids (lazily, like checked()). */
export function withResolution(loaded: Loaded, resolutions: ReadonlyMap<number, PayeeResolution>): Loaded {
  if (resolutions.size === 0) return loaded;
  return {
    ...loaded,
    *checked(): Generator<CheckedRow> {
      for (const item of loaded.checked())
        yield item.ok ? { ...item, row: resolvedRow(item.row, resolutionOf(item.row, resolutions)) } : item;
    },
  };
}

/**
 * A row by details reaches the plan only with its ids: `quote`, `accept` and `status` take
 * them from the batch's journal (the `payees` line submit writes), so a row without one was
 * never submitted by this batch.
 */
export function refuseUnresolved(file: string, rows: readonly ValidRow[]): void {
  const unresolved = rows.filter((row) => row.payee !== undefined && row.resolved === undefined);
  const first = unresolved[0];
  if (!first) return;
  throw new BatchError(
    "input",
    `${file}:${first.line}: ${unresolved.length} row(s) name the payee by details and this batch has not resolved them`,
    {
      hint: "run `bitex-batch submit` on the file first: it finds or creates each payee and journals their ids",
    },
  );
}

/** `compliance_state` when the user shows it, else what `kyc_accepted` says (2019 shape), else "". */
export function complianceOf(listed: object | undefined): string {
  if (listed === undefined) return "";
  const user = listed as Record<string, unknown>;
  if (typeof user.compliance_state === "string") return user.compliance_state;
  if (user.kyc_accepted === true) return "enabled";
  if (user.kyc_accepted === false) return "not approved";
  return "";
}

/**
 * The loaded file with its payees' compliance review as Bitex shows it now (one listing of
 * users), and a line for the payees not approved: Bitex "may defer" paying them. A listing
 * that fails keeps what the journal said, with a warning: the report is still written.
 */
export async function reviewedPayees(
  loaded: Loaded,
  client: Pick<BitexClient, "listUsers">,
  out: Pick<Console, "warn" | "summary">,
  /** Lines whose output is final: its payment's fate is known, nothing of it may be deferred. */
  final: ReadonlySet<number> = new Set(),
): Promise<Loaded> {
  let states: Map<string, string>;
  try {
    states = new Map((await client.listUsers()).map((user) => [user.id, complianceOf(user)]));
  } catch (error) {
    out.warn(
      `payees: their compliance review could not be read (${(error as Error).message}); as submit saw it`,
    );
    return loaded;
  }
  const waiting = new Map<string, string>();
  /** Payees whose user record shows no review at all: not known to be unapproved. */
  const unshown = new Set<string>();
  const fresh: Loaded = {
    ...loaded,
    *checked(): Generator<CheckedRow> {
      for (const item of loaded.checked()) {
        const resolved = item.ok ? item.row.resolved : undefined;
        const state = item.ok ? states.get(item.row.recipientUserId) : undefined;
        if (!item.ok || resolved === undefined || state === undefined) yield item;
        else yield { ...item, row: { ...item.row, resolved: { ...resolved, compliance: state } } };
      }
    },
  };
  for (const item of fresh.checked()) {
    const compliance = item.ok ? item.row.resolved?.compliance : undefined;
    if (!item.ok || compliance === undefined || compliance === "enabled" || final.has(item.line)) continue;
    if (compliance === "") unshown.add(item.row.recipientUserId);
    else waiting.set(item.row.recipientUserId, compliance);
  }
  const lines = [...waiting].map(([userId, state]) => `  payee ${userId}: ${complianceWords(state)}`);
  const summary =
    lines.length > 0 ? [`payees not approved by Bitex's compliance review: ${waiting.size}`, ...lines] : [];
  if (unshown.size > 0)
    summary.push(
      `payees whose compliance review Bitex does not show: ${unshown.size} (${[...unshown].join(", ")}); their payments may be deferred until Bitex approves them`,
    );
  if (summary.length > 0) out.summary(summary);
  return fresh;
}

/** A row that pays the same as an earlier one once resolved, and the row error that says so. */
export interface ResolvedCopy {
  row: ValidRow;
  first: ValidRow;
  error: RowError;
}

/**
 * Validation compares a row by details by the account it pays, a row by ids by its ids: the
 * same payment written once each way is only seen once resolved. Each later copy is a
 * possible duplicate, as validation says of two rows by ids (distinct references say both
 * are meant). `submit` refuses the file on the first; `validate --online` and `submit
 * --dry-run` mark the rows, so that they show what submit would refuse.
 */
export function resolvedDuplicates(rows: Iterable<ValidRow>): ResolvedCopy[] {
  const seen = new Map<string, ValidRow>();
  const found: ResolvedCopy[] = [];
  for (const row of rows) {
    const key = paymentKey(paymentIdentity(row));
    const first = seen.get(key);
    if (!first) {
      seen.set(key, row);
      continue;
    }
    // References compared as they look, as validation compares them (validate/look.ts).
    const [a, b] = [lookKey(first.reference), lookKey(row.reference)];
    if (a !== "" && b !== "" && a !== b) continue;
    const message = `${resolvedCopyWords(row, first)}: ${RESOLVED_COPY_FIX}`;
    found.push({ row, first, error: { line: row.line, column: "", code: "possible_duplicate", message } });
  }
  return found;
}

/** What the row is a copy of, in the row error and in submit's refusal alike. */
export function resolvedCopyWords(row: ValidRow, first: ValidRow): string {
  return `the same payment as line ${first.line} once its payee is resolved (user ${row.recipientUserId}, instruction ${row.withdrawalInstructionId})`;
}

export const RESOLVED_COPY_FIX =
  "delete the copy; if both payments are meant, give them distinct references (or pass --allow-duplicates)";
