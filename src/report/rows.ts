/**
 * Report rows (pure): one per input record, in input order, from validation and submit
 * outcomes. Rows are produced lazily, so a large report streams to disk without a second
 * copy of the file in memory; each row is one object literal (spreads into a fresh object
 * are several times slower, and this runs once per input row).
 */
import { padScale } from "../decimal.js";
import type { CheckedRow, OutcomeOf, RawCells, ServerFacts, ValidRow } from "../model.js";
import { minorUnits, portCurrency } from "../ports.js";
import { FINAL_OUTPUT_STATES, type OutputState } from "../wire/resources.js";
import { type ReportRow, reportCurrency, reportTimestamp } from "./columns.js";
import { complianceWords } from "./compliance.js";
import { rowMoney } from "./money.js";
import { type RemainingOf, unpaidOf, unpaidSentence } from "./unpaid.js";

export type ReportMode =
  /** validate, or submit --dry-run: valid rows are `valid`. */
  | { kind: "checked" }
  /** submit refused to send: valid rows are `blocked`. */
  | { kind: "blocked"; invalidCount: number }
  /**
   * submit ran: valid rows carry their outcome. `remaining`: what a row not paid is to be
   * submitted in, the batch's remaining file (default: the pattern, unpaid.ts).
   */
  | { kind: "submitted"; outcomes: OutcomeOf; remaining?: RemainingOf };

type Result = Pick<
  ReportRow,
  "status" | "request_id" | "output_id" | "state" | "error_code" | "error" | "updated_at"
> & { server?: ServerFacts };

export function* reportRows(
  checked: Iterable<CheckedRow>,
  mode: ReportMode,
  now: Date,
): Generator<ReportRow> {
  const stamp = reportTimestamp(now);
  const fixed = fixedResult(mode, stamp); // the same for every valid row, so made once
  for (const item of checked) {
    if (!item.ok) yield invalidRow(item, stamp);
    else
      yield validRow(
        item.row,
        item.raw,
        fixed ?? outcomeResult(item.row.line, mode, stamp),
        mode.kind === "submitted" ? mode.remaining : undefined,
      );
  }
}

function invalidRow(item: CheckedRow & { ok: false }, stamp: string): ReportRow {
  const cells = item.raw;
  return {
    line: item.line,
    reference: cells.reference,
    payer_user_id: cells.payer_user_id,
    sender_port: cells.sender_port,
    recipient_user_id: cells.recipient_user_id,
    port: cells.port,
    amount: "",
    budget: "",
    // The currency of the figure the input gave, as the raw cells say which one it is.
    currency: reportCurrency(cells),
    withdrawal_instruction_id: cells.withdrawal_instruction_id,
    status: "invalid",
    request_id: "",
    output_id: "",
    state: "",
    request_state: "",
    receive_amount: "",
    receive_currency: "",
    spend_amount: "",
    spend_currency: "",
    cancellation_reason: "",
    error_code: item.errors[0]?.code ?? "invalid",
    error: item.errors.map((e) => (e.column ? `${e.column}: ${e.message}` : e.message)).join("; "),
    updated_at: stamp,
    raw_amount: cells.amount,
    raw_budget: cells.budget,
    payee: "",
    payee_review: "",
    charged_amount: "",
    refunded_amount: "",
    extra: cells.extra,
  };
}

function validRow(row: ValidRow, raw: RawCells, result: Result, remaining?: RemainingOf): ReportRow {
  const amount = row.amount ?? "";
  const budget = row.budget ?? "";
  const { server } = result;
  // Before a quote only the row's own figure is known; once the server has both, it wins.
  const receive = money(server?.amount ?? row.amount, portCurrency(row.port));
  const spend = money(server?.budget ?? row.budget, portCurrency(row.senderPort));
  const report: ReportRow = {
    line: row.line,
    reference: row.reference,
    payer_user_id: row.payerUserId,
    sender_port: row.senderPort,
    recipient_user_id: row.recipientUserId,
    port: row.port,
    amount,
    budget,
    currency: reportCurrency({ port: row.port, sender_port: row.senderPort, amount, budget }),
    withdrawal_instruction_id: row.withdrawalInstructionId,
    status: result.status,
    request_id: result.request_id,
    output_id: result.output_id,
    state: result.state,
    request_state: server?.requestState ?? "",
    receive_amount: receive.amount,
    receive_currency: receive.currency,
    spend_amount: spend.amount,
    spend_currency: spend.currency,
    cancellation_reason: server?.cancellationReason ?? "",
    error_code: result.error_code,
    error: result.error,
    updated_at: result.updated_at,
    raw_amount: "",
    raw_budget: "",
    payee: row.resolved?.status ?? "",
    payee_review: row.resolved
      ? complianceWords(row.resolved.compliance, FINAL_OUTPUT_STATES.includes(result.state as OutputState))
      : "",
    charged_amount: "",
    refunded_amount: "",
    extra: raw.extra,
  };
  const charges = rowMoney(report);
  report.charged_amount = charges.charged;
  report.refunded_amount = charges.refunded;
  // A row not paid in the end says why in the report too, not only on the terminal.
  const unpaid = report.status === "created" ? unpaidOf(report, remaining) : null;
  if (unpaid) {
    report.error_code = unpaid.code;
    report.error = unpaidSentence(unpaid);
  }
  return report;
}

function fixedResult(mode: ReportMode, stamp: string): Result | null {
  const none = { request_id: "", output_id: "", state: "", updated_at: stamp };
  if (mode.kind === "checked") return { status: "valid", ...none, error_code: "", error: "" };
  if (mode.kind === "blocked") {
    const error = `not sent: ${mode.invalidCount} row(s) of the file are invalid; fix them or pass --skip-invalid`;
    return { status: "blocked", ...none, error_code: "batch_blocked", error };
  }
  return null;
}

function outcomeResult(line: number, mode: ReportMode, stamp: string): Result {
  const outcome = mode.kind === "submitted" ? mode.outcomes.get(line) : undefined;
  if (!outcome) {
    return {
      status: "pending",
      request_id: "",
      output_id: "",
      state: "",
      error_code: "not_finished",
      error: "not sent yet",
      updated_at: stamp,
    };
  }
  const request_id = outcome.requestId;
  if (outcome.status === "created") {
    const at = reportTimestamp(new Date(outcome.at));
    return {
      status: "created",
      request_id,
      output_id: outcome.outputId,
      state: outcome.state,
      error_code: "",
      error: "",
      updated_at: at,
      server: outcome.server,
    };
  }
  const at = outcome.status === "failed" ? reportTimestamp(new Date(outcome.at)) : stamp;
  return {
    status: outcome.status,
    request_id,
    output_id: "",
    state: "",
    error_code: outcome.code,
    error: outcome.error,
    updated_at: at,
  };
}

/**
 * A server or row figure in its currency's minor units ("1200.5" → "1200.50"), never rounded:
 * a figure with more decimals than the currency has is shown as the server sent it.
 */
function money(text: string | null, currency: string): { amount: string; currency: string } {
  if (text === null || text === "") return { amount: "", currency: "" };
  return { amount: padScale(text, minorUnits(currency)), currency: currency.toUpperCase() };
}
