/** Requests, outputs and journals for the follow-through tests, built inline. */

import { foldJournal, type JournalEntry, type JournalState } from "../../src/batch/journal.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { BatchFollow, type FollowOptions } from "../../src/follow/run.js";
import type { PlannedRequest, ValidRow } from "../../src/model.js";

export function row(line: number, over: Partial<ValidRow> = {}): ValidRow {
  return {
    line,
    reference: `EMP-${line}`,
    payerUserId: "112",
    senderPort: "ar_ars",
    recipientUserId: String(300 + line),
    port: "cl_clp",
    amount: "850000",
    budget: null,
    withdrawalInstructionId: String(2100 + line),
    ...over,
  };
}

export function planned(rows: ValidRow[]): PlannedRequest {
  return { key: "112|ar_ars", externalId: "bb-test-1", payerUserId: "112", senderPort: "ar_ars", rows };
}

export function request(over: Partial<ConciergeRequest> = {}): ConciergeRequest {
  return {
    id: "7",
    state: "draft",
    port_code: "ar_ars",
    external_id: "bb-test-1",
    cancellation_reason: null,
    outputs_count: 0,
    outputs_accepting: 0,
    outputs_accepted: 0,
    outputs_rejected: 0,
    outputs_working: 0,
    outputs_settling: 0,
    outputs_settled: 0,
    outputs_failed: 0,
    outputs_returned: 0,
    outputs_cancelled: 0,
    total_to_spend: null,
    eta: null,
    accept_quote_before: null,
    provision_funds_before: null,
    created_at: "2026-11-29T10:00:00Z",
    updated_at: "2026-11-29T10:00:00Z",
    user_id: "112",
    ...over,
  };
}

/** The output a row would have on the server. */
export function outputOf(r: ValidRow, id: string, over: Partial<ConciergeOutput> = {}): ConciergeOutput {
  return {
    id,
    state: "accepting",
    port_code: r.port,
    amount: r.amount,
    budget: r.budget,
    created_at: "2026-11-29T10:00:00Z",
    updated_at: "2026-11-29T10:00:00Z",
    request_id: "7",
    user_id: r.recipientUserId,
    withdrawal_instruction_id: r.withdrawalInstructionId,
    ...over,
  };
}

const AT = "2026-11-29T10:00:00Z";

/** A journal in which each [line, output id] was created in request 7; null output id = failed. */
export function journalOf(created: Array<[number, string | null]>, extra: JournalEntry[] = []): JournalState {
  const entries: JournalEntry[] = [
    { t: "request", key: "112|ar_ars", external_id: "bb-test-1", request_id: "7", state: "draft", at: AT },
  ];
  for (const [line, outputId] of created) {
    entries.push(
      outputId === null
        ? { t: "failed", line, request_id: "7", code: "api_unprocessable", error: "refused", at: AT }
        : {
            t: "created",
            line,
            request_id: "7",
            output_id: outputId,
            state: "accepting",
            via: "response",
            at: AT,
          },
    );
  }
  return foldJournal([...entries, ...extra]);
}

/** Two payers' requests of one row each: "112|ar_ars" (line 2) and "113|ar_ars" (line 3). */
export const TWO_PAYERS: PlannedRequest[] = [
  { key: "112|ar_ars", externalId: "bb-test-1", payerUserId: "112", senderPort: "ar_ars", rows: [row(2)] },
  {
    key: "113|ar_ars",
    externalId: "bb-test-2",
    payerUserId: "113",
    senderPort: "ar_ars",
    rows: [row(3, { payerUserId: "113" })],
  },
];

/** A `created` journal line: `line`'s output `outputId` in request `requestId`, accepting. */
export function created(line: number, requestId: string, outputId: string): JournalEntry {
  return {
    t: "created",
    line,
    request_id: requestId,
    output_id: outputId,
    state: "accepting",
    via: "response",
    at: AT,
  };
}

/** TWO_PAYERS's journal: requests 7 and 8, then `rows` (created or failed lines). */
export function twoPayersJournal(rows: JournalEntry[]): JournalState {
  return foldJournal([
    { t: "request", key: "112|ar_ars", external_id: "bb-test-1", request_id: "7", state: "draft", at: AT },
    { t: "request", key: "113|ar_ars", external_id: "bb-test-2", request_id: "8", state: "draft", at: AT },
    ...rows,
  ]);
}

/**
 * A follow-through of TWO_PAYERS' batch, each row created in its request (7 and 8), its steps
 * journaled nowhere, times said as `<iso>`; `over` replaces any of that.
 */
export function twoPayersFollow(api: FollowOptions["api"], over: Partial<FollowOptions> = {}): BatchFollow {
  return new BatchFollow({
    api,
    file: "payroll.csv",
    plan: { batchId: "test", requests: TWO_PAYERS, fingerprint: "f" },
    past: twoPayersJournal([created(2, "7", "71"), created(3, "8", "81")]),
    journal: { append: async () => undefined },
    signal: new AbortController().signal,
    settleMs: 1,
    allowPartial: false,
    say: () => undefined,
    tellTime: (iso) => `<${iso}>`,
    ...over,
  });
}
