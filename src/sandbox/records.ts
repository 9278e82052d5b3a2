/**
 * The emulator's records of requests and outputs, as the store keeps them and the progress
 * moves them (apart from both, so that neither imports the other for its types).
 */
import type { Decimal } from "../decimal.js";
import type { PortCode } from "../ports.js";
import type { CancellationReason, OutputState, RequestState } from "../wire/resources.js";

export type OutputCounts = Record<OutputState, number>;

export interface RequestRecord {
  id: string;
  /** The payer. */
  userId: string;
  portCode: PortCode;
  externalId: string | null;
  /** Bitex's guide shows it; sent on create or PATCH, stored and shown. Absent means null. */
  paymentAuthorizationCode?: string | null;
  state: RequestState;
  cancellationReason: CancellationReason | null;
  /** Kept in step with `outputs` by Progress.moveOutput, so the outputs_* counters are O(1). */
  counts: OutputCounts;
  outputs: OutputRecord[];
  totalToSpend: Decimal | null;
  /** Times are ISO 8601 on the emulator's clock. */
  eta: string | null;
  acceptQuoteBefore: string | null;
  provisionFundsBefore: string | null;
  quoteRequestedAt: string | null;
  quoteAcceptedAt: string | null;
  /** Funding is attempted once (timeline.ts says why); then only the deadline is left. */
  fundingTried: boolean;
  createdAt: string;
  /** Its last change, or its outputs' last change; outside draft only transitions change it. */
  updatedAt: string;
}

export interface OutputRecord {
  id: string;
  request: RequestRecord;
  /** The payee. */
  userId: string;
  instructionId: string;
  portCode: PortCode;
  /** What the payee receives; null until quoted when the output was created with a budget. */
  amount: Decimal | null;
  /** What the payer spends; null until quoted when the output was created with an amount. */
  budget: Decimal | null;
  state: OutputState;
  createdAt: string;
  updatedAt: string;
}
