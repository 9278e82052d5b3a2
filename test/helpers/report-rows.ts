/** Report rows for the tests: a created CLP amount row, then whatever the test overrides. */
import type { ReportRow } from "../../src/report/columns.js";

export function reportRow(overrides: Partial<ReportRow> = {}): ReportRow {
  return {
    line: 2,
    reference: "EMP-1001",
    payer_user_id: "112",
    sender_port: "ar_ars",
    recipient_user_id: "300",
    port: "cl_clp",
    amount: "1329000",
    budget: "",
    currency: "CLP",
    withdrawal_instruction_id: "2100",
    status: "created",
    request_id: "7",
    output_id: "41",
    state: "accepting",
    request_state: "",
    receive_amount: "1329000",
    receive_currency: "CLP",
    spend_amount: "",
    spend_currency: "",
    cancellation_reason: "",
    error_code: "",
    error: "",
    updated_at: "2026-11-22T10:15:00Z",
    raw_amount: "",
    raw_budget: "",
    payee: "",
    payee_review: "",
    charged_amount: "",
    refunded_amount: "",
    ...overrides,
  };
}

/** A failed USD budget row with text that needs quoting in some dialects. */
export const FAILED_BUDGET_ROW = reportRow({
  line: 3,
  reference: "Pérez, Ana",
  sender_port: "us_usd",
  recipient_user_id: "301",
  port: "mx_mxn",
  amount: "",
  budget: "1250.50",
  currency: "USD",
  withdrawal_instruction_id: "2101",
  status: "failed",
  output_id: "",
  state: "",
  receive_amount: "",
  receive_currency: "",
  spend_amount: "1250.50",
  spend_currency: "USD",
  error_code: "api_unprocessable",
  error: 'Instrucción "2101" rechazada',
});
