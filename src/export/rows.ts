/**
 * The export's rows (pure): the requests of the period, one row per output, in a stable order
 * (request time, request id, output id), with what the journals know of each row.
 * Money stays exact decimal text throughout.
 *
 * A request's time, in this order of evidence (the row's `request_placed_by` names which):
 *   1. `created_at`, as the emulator shows it (no Bitex source shows it on concierge requests);
 *   2. `quote_requested_at` (Bitex's guide, "Quoting"): later than the creation, by the minutes
 *      between create and quote, which can move a request made at a month's end into the next;
 *   3. this host's journal: when the request was journaled as created (only for a request whose
 *      external_id matches the journal's), within seconds of its creation;
 *   4. none: the request is listed with `unplaced` and no time, in every period (of the payer,
 *      when given), so that no payment drops from the books for want of a date.
 */
import { badResponse } from "../bitex/errors.js";
import type { ConciergeOutput, ConciergeRequest } from "../bitex/jsonapi.js";
import { decimalOrNull, format, rescale } from "../decimal.js";
import { idNumber } from "../model.js";
import { isPort, minorUnits, portCurrency } from "../ports.js";
import { isoTime, serverTime } from "../time.js";
import type { TableColumn } from "../writers/table.js";
import type { JournalIndex } from "./journals.js";
import type { Period } from "./period.js";

export interface ExportRow {
  request_id: string;
  external_id: string;
  batch_id: string;
  reference: string;
  line: string;
  payer_user_id: string;
  sender_port: string;
  request_state: string;
  request_created_at: string;
  output_id: string;
  recipient_user_id: string;
  port: string;
  withdrawal_instruction_id: string;
  receive_amount: string;
  receive_currency: string;
  spend_amount: string;
  spend_currency: string;
  state: string;
  cancellation_reason: string;
  updated_at: string;
  request_placed_by: PlacedBy;
}

/** Which evidence gave the request's time (see the top of this file). */
export type PlacedBy = "created_at" | "quote_requested_at" | "journal" | "unplaced";

const column = (name: keyof ExportRow, kind: TableColumn["kind"], currency?: keyof ExportRow) =>
  currency === undefined ? { name, kind } : { name, kind, currency };

/** docs/design.md section 13, in this order; each figure's currency is in the column it names. */
export const EXPORT_COLUMNS = [
  column("request_id", "id"),
  column("external_id", "text"),
  column("batch_id", "text"),
  column("reference", "text"),
  column("line", "line"),
  column("payer_user_id", "id"),
  column("sender_port", "text"),
  column("request_state", "text"),
  column("request_created_at", "time"),
  column("output_id", "id"),
  column("recipient_user_id", "id"),
  column("port", "text"),
  column("withdrawal_instruction_id", "id"),
  column("receive_amount", "money", "receive_currency"),
  column("receive_currency", "text"),
  column("spend_amount", "money", "spend_currency"),
  column("spend_currency", "text"),
  column("state", "text"),
  column("cancellation_reason", "text"),
  column("updated_at", "time"),
  column("request_placed_by", "text"),
] as const;

export function cellsOf(row: ExportRow): string[] {
  return EXPORT_COLUMNS.map((c) => row[c.name]);
}

/** Ids are digit strings: shorter is smaller, then digit by digit ("9" < "10"), with no float. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length && /^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface DatedRequest {
  request: ConciergeRequest;
  /** null: no evidence placed it (`placedBy` "unplaced"). */
  createdAt: Date | null;
  placedBy: PlacedBy;
}

/** How far a journal's server time may be off: `Date` headers carry whole seconds. */
const SERVER_TIME_MARGIN_MS = 1_000;

/**
 * A request's time: its `created_at`, else the earlier of its `quote_requested_at` and the
 * time a journal recorded it as created. The earlier, so that a request never moves to a later
 * period once placed: a draft is placed by its journal entry, and its quote, the next day,
 * must not take it out of the month an export already gave it to (helper-97). A server time
 * that is present but is not a time is the server saying something wrong, and fails the
 * export rather than being passed over for weaker evidence.
 */
export function placeRequest(
  request: ConciergeRequest,
  journal?: JournalIndex,
): { at: Date | null; by: PlacedBy } {
  const created = serverTimeOf(request, "created_at");
  if (created !== null) return { at: created, by: "created_at" };
  const quoted = serverTimeOf(request, "quote_requested_at");
  const known = journal?.requests.get(request.id);
  const journaled =
    known !== undefined && known.externalId === (request.external_id ?? "") ? serverTime(known.at) : null;
  // The journal's server time is read off `Date` headers of whole seconds: within a second
  // of the server's own quote_requested_at, the server's time is the better evidence.
  if (
    journaled !== null &&
    (quoted === null || journaled.getTime() < quoted.getTime() - SERVER_TIME_MARGIN_MS)
  )
    return { at: journaled, by: "journal" };
  if (quoted !== null) return { at: quoted, by: "quote_requested_at" };
  return { at: null, by: "unplaced" };
}

function serverTimeOf(request: ConciergeRequest, by: "created_at" | "quote_requested_at"): Date | null {
  const value = (request as unknown as Record<string, unknown>)[by];
  if (value === undefined || value === null) return null;
  const at = serverTime(value);
  if (at === null) {
    const why = `request ${request.id} has ${by} ${JSON.stringify(value)}, not a time`;
    throw badResponse(200, why, "no", "GET /concierge_requests");
  }
  return at;
}

/**
 * The requests placed in [period.start, period.end) (placeRequest), of `payer` when given,
 * oldest first, then every request no evidence places, by id.
 */
export function requestsOfPeriod(
  requests: readonly ConciergeRequest[],
  period: Period,
  payer?: string,
  journal?: JournalIndex,
): DatedRequest[] {
  const selected: DatedRequest[] = [];
  for (const request of requests) {
    const { at, by } = placeRequest(request, journal);
    if (at !== null && (at < period.start || at >= period.end)) continue;
    if (payer !== undefined && (request.user_id === null || idNumber(request.user_id) !== idNumber(payer)))
      continue;
    selected.push({ request, createdAt: at, placedBy: by });
  }
  const time = (dated: DatedRequest) => dated.createdAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return selected.sort((a, b) => {
    const order = time(a) - time(b);
    return (Number.isNaN(order) ? 0 : order) || compareIds(a.request.id, b.request.id);
  });
}

/** One row per output of each request, outputs by id; `outputs` holds each request's listing. */
export function exportRows(
  requests: readonly DatedRequest[],
  outputs: ReadonlyMap<string, readonly ConciergeOutput[]>,
  journal: JournalIndex,
  zone: string,
): ExportRow[] {
  const rows: ExportRow[] = [];
  for (const { request, createdAt, placedBy } of requests) {
    // A server that ignored filter[request_id] must not put another request's outputs here.
    const own = (outputs.get(request.id) ?? []).filter(
      (output) => output.request_id === null || output.request_id === request.id,
    );
    const known = journal.requests.get(request.id);
    const ours = known !== undefined && known.externalId === (request.external_id ?? "");
    const senderCurrency = currencyOf(request.port_code);
    for (const output of [...own].sort((a, b) => compareIds(a.id, b.id))) {
      const made = journal.outputs.get(output.id);
      const row = ours && made?.requestId === request.id ? made : undefined;
      const receive = money(output.amount, currencyOf(output.port_code));
      const spend = money(output.budget, senderCurrency);
      rows.push({
        request_id: request.id,
        external_id: request.external_id ?? "",
        // The request is this host's but the output is in no journal: the batch is known, the row not.
        batch_id: ours ? known.batchId : "",
        reference: row?.reference ?? "",
        line: row ? String(row.line) : "",
        payer_user_id: request.user_id ?? "",
        sender_port: text(request.port_code),
        request_state: text(request.state),
        request_created_at: createdAt === null ? "" : isoTime(createdAt, zone),
        output_id: output.id,
        recipient_user_id: output.user_id ?? "",
        port: text(output.port_code),
        withdrawal_instruction_id: output.withdrawal_instruction_id ?? "",
        receive_amount: receive.amount,
        receive_currency: receive.currency,
        spend_amount: spend.amount,
        spend_currency: spend.currency,
        state: text(output.state),
        cancellation_reason: text(request.cancellation_reason),
        updated_at: timeText(output.updated_at, zone),
        request_placed_by: placedBy,
      });
    }
  }
  return rows;
}

/** A server time in the zone; anything that is not a time is shown as sent. */
function timeText(value: unknown, zone: string): string {
  const date = serverTime(value);
  return date === null ? text(value) : isoTime(date, zone);
}

function text(value: unknown): string {
  return value === null || value === undefined ? "" : String(value);
}

/** "cl_clp" → "CLP"; a port this version does not list still names its currency the same way. */
export function currencyOf(port: unknown): string {
  if (typeof port !== "string") return "";
  if (isPort(port)) return portCurrency(port).toUpperCase();
  const match = /^[a-z]+_([a-z]{3})$/.exec(port);
  return match ? (match[1] as string).toUpperCase() : "";
}

/**
 * A server figure padded to its currency's minor units ("1200.5" → "1200.50"), never rounded.
 * A figure that is not a decimal is shown as sent (the report neutralises it) and has no currency,
 * so it can never be summed into a total.
 */
function money(value: unknown, currency: string): { amount: string; currency: string } {
  if (value === null || value === undefined || value === "") return { amount: "", currency: "" };
  const exact = decimalOrNull(String(value));
  if (exact === null || currency === "") return { amount: String(value), currency: "" };
  return {
    amount: format(rescale(exact, Math.max(exact.scale, minorUnits(currency)))),
    currency,
  };
}
