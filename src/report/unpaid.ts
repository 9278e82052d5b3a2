/**
 * A row not paid in the end, in words (pure): rejected, returned, cancelled, or never created
 * because Bitex refused it. The same words go to the report's `error` column, to stderr and to
 * `problems[]` of `--json`, so the three never disagree. What to do points at the remaining
 * file (`<input>.remaining.csv`), which holds exactly those rows.
 */
import { cancelledRow } from "./money.js";

export interface Unpaid {
  /** A stable code for the report's `error_code` and `problems[].code`. */
  code: "payee_rejected" | "payout_returned" | "request_cancelled" | "create_failed";
  /** The state in plain words. */
  state: string;
  reason: string;
  todo: string;
}

/**
 * What a row not paid is to be paid from: the remaining file (its name, or words for it), or,
 * by line, the batch its remaining file went out as (the operator submitted that file).
 */
export type RemainingOf =
  | string
  | ((line: number) => string | { file: string; batchId: string; status: string });

interface UnpaidRow {
  line?: number;
  status: string;
  state: string;
  request_state: string;
  cancellation_reason: string;
  error: string;
}

/** Null for a row that is paid, on its way, or never sent (invalid, blocked: said as such). */
export function unpaidOf(
  row: UnpaidRow,
  remainingOf: RemainingOf = "the remaining file (<input>.remaining.csv)",
): Unpaid | null {
  const where = typeof remainingOf === "function" ? remainingOf(row.line ?? 0) : remainingOf;
  const unpaid = unpaidIn(row, typeof where === "string" ? where : where.file);
  // Its remaining file went out as a batch: that batch pays it, never a file submitted again.
  if (unpaid && typeof where !== "string")
    unpaid.todo = `its remaining file ${where.file} went out as batch ${where.batchId}, which answers for it: it pays it, or its own remaining file holds it (${where.status} follows it)`;
  return unpaid;
}

function unpaidIn(row: UnpaidRow, remaining: string): Unpaid | null {
  if (row.status === "failed") {
    return {
      code: "create_failed",
      state: "not created: Bitex refused it",
      reason: row.error || "the API refused this row",
      todo: `fix the row in ${remaining} and submit that file`,
    };
  }
  if (row.status !== "created") return null;
  if (row.state === "rejected") {
    return {
      code: "payee_rejected",
      state: "rejected: Bitex's checks refused this payee",
      reason: "not paid, and not charged",
      todo: `ask Bitex why the payee was refused; once cleared, submit ${remaining}`,
    };
  }
  if (row.state === "returned") {
    return {
      code: "payout_returned",
      state: "returned: the payee's bank sent the payout back",
      reason: "not paid; the spend is refunded to the payer",
      todo: `check the payee's bank details (withdrawal instruction), fix them in ${remaining} and submit it`,
    };
  }
  if (cancelledRow(row)) {
    const why = row.cancellation_reason || "no reason given";
    return {
      code: "request_cancelled",
      state:
        row.request_state === "cancelled"
          ? `cancelled with its request (${why})`
          : `cancelled at Bitex (${why})`,
      reason: "not paid, and not charged",
      todo: `submit ${remaining} to pay the row in a new request`,
    };
  }
  return null;
}

/** The report's `error` sentence for an unpaid row. */
export function unpaidSentence(unpaid: Unpaid): string {
  return `${unpaid.state}; ${unpaid.reason}; ${unpaid.todo}`;
}
