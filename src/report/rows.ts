/** Report rows (pure): one per input record, in input order, from validation and submit outcomes. */
import type { CheckedRow } from "../model.js";
import type { RowOutcome } from "../submit/engine.js";
import { type ReportRow, reportCurrency, reportTimestamp, type Status } from "./columns.js";

export type ReportMode =
  /** validate, or submit --dry-run: valid rows are `valid`. */
  | { kind: "checked" }
  /** submit refused to send: valid rows are `blocked`. */
  | { kind: "blocked"; invalidCount: number }
  /** submit ran: valid rows carry their outcome. */
  | { kind: "submitted"; outcomes: ReadonlyMap<number, RowOutcome> };

const EMPTY = { request_id: "", output_id: "", state: "", error_code: "", error: "" };

export function buildReportRows(checked: readonly CheckedRow[], mode: ReportMode, now: Date): ReportRow[] {
  const stamp = reportTimestamp(now);
  return checked.map((item) => reportRow(item, mode, stamp));
}

function reportRow(item: CheckedRow, mode: ReportMode, stamp: string): ReportRow {
  if (!item.ok) {
    const cells = { ...item.raw };
    const first = item.errors[0];
    return {
      line: item.line,
      reference: cells.reference,
      payer_user_id: cells.payer_user_id,
      sender_port: cells.sender_port,
      recipient_user_id: cells.recipient_user_id,
      port: cells.port,
      amount: cells.amount,
      budget: cells.budget,
      currency: reportCurrency(cells),
      withdrawal_instruction_id: cells.withdrawal_instruction_id,
      status: "invalid",
      ...EMPTY,
      error_code: first?.code ?? "invalid",
      error: item.errors.map((e) => (e.column ? `${e.column}: ${e.message}` : e.message)).join("; "),
      updated_at: stamp,
      extra: cells.extra,
    };
  }
  const row = item.row;
  const cells = {
    port: row.port,
    sender_port: row.senderPort,
    amount: row.amount ?? "",
    budget: row.budget ?? "",
  };
  const base = {
    line: row.line,
    reference: row.reference,
    payer_user_id: row.payerUserId,
    sender_port: row.senderPort,
    recipient_user_id: row.recipientUserId,
    port: row.port,
    amount: cells.amount,
    budget: cells.budget,
    currency: reportCurrency(cells),
    withdrawal_instruction_id: row.withdrawalInstructionId,
    updated_at: stamp,
    extra: item.raw.extra,
  };
  if (mode.kind === "checked") return { ...base, status: "valid", ...EMPTY };
  if (mode.kind === "blocked") {
    return {
      ...base,
      status: "blocked",
      ...EMPTY,
      error_code: "batch_blocked",
      error: `not sent: ${mode.invalidCount} row(s) of the file are invalid; fix them or pass --skip-invalid`,
    };
  }
  const outcome = mode.outcomes.get(row.line);
  if (!outcome)
    return { ...base, status: "pending", ...EMPTY, error_code: "not_finished", error: "not sent yet" };
  const common = { ...base, ...EMPTY, status: outcome.status as Status, request_id: outcome.requestId };
  if (outcome.status === "created") {
    const at = reportTimestamp(new Date(outcome.at));
    return { ...common, output_id: outcome.outputId, state: outcome.state, updated_at: at };
  }
  if (outcome.status === "failed") {
    return {
      ...common,
      error_code: outcome.code,
      error: outcome.error,
      updated_at: reportTimestamp(new Date(outcome.at)),
    };
  }
  return { ...common, error_code: outcome.code, error: outcome.error };
}
