/**
 * Store records → JSON:API resources, in the wire shapes of src/bitex/resources.ts (money as
 * JsonNumber so it is written from exact decimal text).
 *
 * Users and withdrawal instructions carry exactly the members Bitex was recorded sending
 * (fixtures/recorded/users-list.json, withdrawal_instructions-find.json): an instruction shows
 * `label`, `schema` and `body`, and neither its port nor its owner, which the emulator keeps to
 * itself (directory.ts). Ports are shaped as Bitex's guide drafted them (bitex-la/bitex-guides
 * @605b778 concierge/request/README.md): ids "1".."11", attributes `code`, `country`,
 * `currency_code`. A request also has its `outputs` relationship and
 * `payment_authorization_code` (guide "Quoting", 2020). README "Emulator choices" lists what
 * here is inference.
 */

import { PORTS, type PortCode, portCountry, portCurrency } from "../ports.js";
import type { JsonNumber } from "../wire/json.js";
import type { ConciergeOutputAttributes, ConciergeRequestAttributes } from "../wire/resources.js";
import type { InstructionRecord, UserRecord } from "./directory.js";
import { moneyJson } from "./jsonapi.js";
import type { OutputRecord, RequestRecord } from "./store.js";

type Money<A, K extends keyof A> = Omit<A, K> & { [P in K]: JsonNumber | null };

/** docs/design.md section 12: set when the quote is requested and when it is accepted, else null. */
export interface QuoteTimestamps {
  quote_requested_at: string | null;
  quote_accepted_at: string | null;
}
/** Request attributes of Bitex's guide that the client does not read ("Quoting", 2020). */
export interface RequestExtras {
  /** Sent on create or PATCH (Bitex's Postman collection), stored, shown; null when never sent. */
  payment_authorization_code: string | null;
}
type Identifier = { type: string; id: string };
type Relationships = Record<string, { data: Identifier | Identifier[] | null }>;

export interface WireResource<A> {
  id: string;
  type: string;
  attributes: A;
  relationships?: Relationships;
}

const link = (type: string, id: string) => ({ data: { type, id } });

/** Port ids are 1-based positions in PORTS, the guide's order. */
export function portResource(code: PortCode): WireResource<Record<string, unknown>> {
  return {
    id: String(PORTS.indexOf(code) + 1),
    type: "concierge_ports",
    attributes: { code, country: portCountry(code), currency_code: portCurrency(code) },
  };
}

export function userResource(user: UserRecord): WireResource<Record<string, unknown>> {
  return {
    id: user.id,
    type: "users",
    attributes: {
      // Bitex sets a user's name to the e-mail when none was given (recorded users-create).
      name: user.name ?? user.email,
      email: user.email,
      kyc_accepted: user.complianceState === "enabled",
      otp_enabled: false,
      do_not_email: false,
      trezor_login_enabled: false,
    },
  };
}

export function instructionResource(instruction: InstructionRecord): WireResource<Record<string, unknown>> {
  return {
    id: instruction.id,
    type: "withdrawal_instructions",
    attributes: { label: instruction.label, schema: "bitex", body: instruction.body },
  };
}

export function requestResource(
  request: RequestRecord,
): WireResource<Money<ConciergeRequestAttributes, "total_to_spend"> & QuoteTimestamps & RequestExtras> {
  const c = request.counts;
  return {
    id: request.id,
    type: "concierge_requests",
    attributes: {
      state: request.state,
      port_code: request.portCode,
      external_id: request.externalId,
      cancellation_reason: request.cancellationReason,
      outputs_count: request.outputs.length,
      outputs_accepting: c.accepting,
      outputs_accepted: c.accepted,
      outputs_rejected: c.rejected,
      outputs_working: c.working,
      outputs_settling: c.settling,
      outputs_settled: c.settled,
      outputs_failed: c.failed,
      outputs_returned: c.returned,
      outputs_cancelled: c.cancelled,
      total_to_spend: moneyJson(request.totalToSpend),
      eta: request.eta,
      accept_quote_before: request.acceptQuoteBefore,
      provision_funds_before: request.provisionFundsBefore,
      quote_requested_at: request.quoteRequestedAt,
      quote_accepted_at: request.quoteAcceptedAt,
      payment_authorization_code: request.paymentAuthorizationCode ?? null,
      created_at: request.createdAt,
      updated_at: request.updatedAt,
    },
    relationships: {
      user: link("users", request.userId),
      outputs: {
        data: request.outputs.map((output) => ({ type: "concierge_request_outputs", id: output.id })),
      },
    },
  };
}

export function outputResource(
  output: OutputRecord,
): WireResource<Money<ConciergeOutputAttributes, "amount" | "budget">> {
  return {
    id: output.id,
    type: "concierge_request_outputs",
    attributes: {
      state: output.state,
      port_code: output.portCode,
      amount: moneyJson(output.amount),
      budget: moneyJson(output.budget),
      created_at: output.createdAt,
      updated_at: output.updatedAt,
    },
    relationships: {
      request: link("concierge_requests", output.request.id),
      user: link("users", output.userId),
      withdrawal_instruction: link("withdrawal_instructions", output.instructionId),
    },
  };
}
