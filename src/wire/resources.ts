/**
 * Wire shapes of the Bitex resources bitex-batch uses (JSON:API 1.0). The client in
 * src/bitex/ and the emulator in src/sandbox/ share them on purpose (src/wire/ is the only
 * code they share); docs/design.md section 9 holds the facts.
 *
 * POST /concierge_requests
 *   {"data":{"type":"concierge_requests","attributes":{"port_code":"ar_ars","external_id":"bb-…"},
 *            "relationships":{"user":{"data":{"type":"users","id":"112"}}}}}      (user optional: key owner)
 * POST /concierge_request_outputs
 *   {"data":{"type":"concierge_request_outputs","attributes":{"port_code":"cl_clp","amount":850000,"budget":null},
 *            "relationships":{"request":{"data":{"type":"concierge_requests","id":"1"}},
 *                             "user":{"data":{"type":"users","id":"345"}},
 *                             "withdrawal_instruction":{"data":{"type":"withdrawal_instructions","id":"2121"}}}}}
 * Exactly one of amount/budget is a positive JSON number; the other is null or absent.
 * Relationship ids may be sent as numbers or strings; responses always use digit strings.
 */
export type RequestState =
  | "draft"
  | "quote_requested"
  | "quoted"
  | "quote_accepted"
  | "working"
  | "finished"
  | "cancelled";

export type CancellationReason = "draft_was_pruned" | "quote_not_accepted" | "payment_not_received";

export type OutputState =
  | "accepting"
  | "accepted"
  | "rejected"
  | "working"
  | "settling"
  | "settled"
  | "failed"
  | "returned"
  | "cancelled";

export const FINAL_OUTPUT_STATES: readonly OutputState[] = ["rejected", "settled", "returned", "cancelled"];

export interface ResourceIdentifier {
  type: string;
  id: string;
}

export interface Resource<A> {
  id: string;
  type: string;
  attributes: A;
  relationships?: Record<string, { data: ResourceIdentifier | null }>;
}

export interface ConciergeRequestAttributes {
  state: RequestState;
  port_code: string;
  external_id: string | null;
  cancellation_reason: CancellationReason | null;
  outputs_count: number;
  outputs_accepting: number;
  outputs_accepted: number;
  outputs_rejected: number;
  outputs_working: number;
  outputs_settling: number;
  outputs_settled: number;
  outputs_failed: number;
  outputs_returned: number;
  outputs_cancelled: number;
  /** Sender-currency total of every output's budget plus fees, once quoted; else null. */
  total_to_spend: number | null;
  eta: string | null;
  accept_quote_before: string | null;
  provision_funds_before: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConciergeOutputAttributes {
  state: OutputState;
  port_code: string;
  /** What the payee receives, destination currency. Filled by the quote when created with a budget. */
  amount: number | null;
  /** What the payer spends, sender currency. Filled by the quote when created with an amount. */
  budget: number | null;
  created_at: string;
  updated_at: string;
}

export interface ListMeta {
  total_items: number;
  total_pages: number;
  page: number;
  page_size: number;
}

export interface ListLinks {
  self: string;
  first: string;
  last: string;
  prev: string | null;
  next: string | null;
}

/** Largest page[size] the emulator (and the client) use; default page size is 25. */
export const MAX_PAGE_SIZE = 500;
