/** Data passed between the pipeline stages (read → validate → plan → submit → report). */
import type { PortCode } from "./ports.js";

/** One problem with one input row, as data: the report shows it and nothing is thrown. */
export interface RowError {
  line: number;
  /** Canonical column name, or "" when the problem is with the row as a whole. */
  column: string;
  code: string;
  message: string;
}

/** A row that passed validation: every value checked and canonical. */
export interface ValidRow {
  line: number;
  reference: string;
  /** "" means the API key's owner pays (Concierge). */
  payerUserId: string;
  senderPort: PortCode;
  recipientUserId: string;
  port: PortCode;
  /** Exactly one of amount / budget is set: canonical decimal text ("1234.56"). */
  amount: string | null;
  budget: string | null;
  withdrawalInstructionId: string;
}

/** What validation says of one input record, in input order. */
export type CheckedRow =
  | { line: number; ok: true; row: ValidRow; raw: RawCells }
  | { line: number; ok: false; errors: RowError[]; raw: RawCells };

/** The cells of an input record as the file had them (for echoing invalid rows in the report). */
export interface RawCells {
  reference: string;
  payer_user_id: string;
  sender_port: string;
  recipient_user_id: string;
  port: string;
  amount: string;
  budget: string;
  withdrawal_instruction_id: string;
  extra: Record<string, string>;
}

export interface PlannedRequest {
  /** `${payerUserId}|${senderPort}`: the grouping key of DESIGN.md section 5. */
  key: string;
  externalId: string;
  payerUserId: string;
  senderPort: PortCode;
  /** Input order. */
  rows: ValidRow[];
}

export interface Plan {
  batchId: string;
  requests: PlannedRequest[];
  /** Hash of every planned row; a journal written for another plan is refused. */
  fingerprint: string;
}

/** What the server said of a row's output and its request when they were last read. */
export interface ServerFacts {
  requestState: string;
  /** Exact decimal text as the server has it ("850000", "1200.5"); null until it knows. */
  amount: string | null;
  budget: string | null;
  cancellationReason: string | null;
}

/** What became of a valid row on the server; `pending` rows are not finished (run again). */
export type RowOutcome =
  | {
      status: "created";
      requestId: string;
      outputId: string;
      state: string;
      at: string;
      /** Set once the output was read back after its create (quote, accept, status). */
      server?: ServerFacts;
    }
  | { status: "failed"; requestId: string; code: string; error: string; at: string }
  | { status: "pending"; requestId: string; code: string; error: string };
