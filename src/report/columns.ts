/**
 * The report's columns (docs/design.md section 7) and the row type every stage hands to the
 * report writer. The report shows what happened to each input record; money is text here
 * (canonical decimals), never a float.
 */
import { isPort, portCurrency } from "../ports.js";

/**
 * How a column's cells are written: `line` a number, `id` digits (kept as text where a
 * spreadsheet would change them), `money` a plain number in its currency's decimals, `time`
 * a timestamp, `text` as it is (formula-like text neutralised).
 */
export type ReportCellKind = "line" | "text" | "id" | "money" | "time";

/**
 * The report's one description: its columns in order and how each is written. The CSV
 * header and lines (format.ts), the xlsx sheet (xlsx-columns.ts) and the row's keys
 * (ReportRow, checked below) all come from it. `currency`: a money column's currency, read
 * off the row.
 */
export const REPORT_TABLE = [
  { name: "line", kind: "line" },
  { name: "reference", kind: "text" },
  { name: "payer_user_id", kind: "id" },
  { name: "sender_port", kind: "text" },
  { name: "recipient_user_id", kind: "id" },
  { name: "port", kind: "text" },
  {
    name: "amount",
    kind: "money",
    currency: (row: ReportRow) => (isPort(row.port) ? portCurrency(row.port).toUpperCase() : row.currency),
  },
  {
    name: "budget",
    kind: "money",
    currency: (row: ReportRow) =>
      isPort(row.sender_port) ? portCurrency(row.sender_port).toUpperCase() : row.currency,
  },
  { name: "currency", kind: "text" },
  { name: "withdrawal_instruction_id", kind: "id" },
  { name: "status", kind: "text" },
  { name: "request_id", kind: "id" },
  { name: "output_id", kind: "id" },
  { name: "state", kind: "text" },
  { name: "request_state", kind: "text" },
  { name: "receive_amount", kind: "money", currency: (row: ReportRow) => row.receive_currency },
  { name: "receive_currency", kind: "text" },
  { name: "spend_amount", kind: "money", currency: (row: ReportRow) => row.spend_currency },
  { name: "spend_currency", kind: "text" },
  { name: "cancellation_reason", kind: "text" },
  { name: "error_code", kind: "text" },
  { name: "error", kind: "text" },
  { name: "updated_at", kind: "time" },
  // Added last, so that every earlier column keeps its place (docs/design.md section 7). The
  // input's own text: converting "1.234" to "1,234" would assert a reading that validation
  // refused to make, so it is text, never a number.
  { name: "raw_amount", kind: "text" },
  { name: "raw_budget", kind: "text" },
  { name: "payee", kind: "text" },
  { name: "payee_review", kind: "text" },
  // What the payer was charged for the row and what came back (report/money.ts): 0 for a
  // rejected or cancelled row, which Bitex does not charge; empty until the request is funded.
  { name: "charged_amount", kind: "money", currency: (row: ReportRow) => row.spend_currency },
  { name: "refunded_amount", kind: "money", currency: (row: ReportRow) => row.spend_currency },
] as const satisfies readonly {
  name: string;
  kind: ReportCellKind;
  currency?: (row: ReportRow) => string;
}[];

export type ReportColumn = (typeof REPORT_TABLE)[number]["name"];

/** The report's column names, in order. */
export const REPORT_COLUMNS: readonly ReportColumn[] = REPORT_TABLE.map((column) => column.name);

export const STATUSES = ["valid", "invalid", "blocked", "created", "failed", "pending"] as const;

export type Status = (typeof STATUSES)[number];

/**
 * One report row per input record. Every text field is "" when unknown, never undefined.
 * - `amount` / `budget`: canonical decimal text ("1234.56") for rows that passed validation,
 *   "" for `invalid` rows: those columns hold numbers only (docs/design.md section 7).
 * - `raw_amount` / `raw_budget`: for `invalid` rows, the cells exactly as the input had them
 *   (no decimal-comma conversion), because a raw "1.234" must not be shown as a number it
 *   may not be; "" for every other row.
 * - `currency`: ISO 4217 upper-case code of the money figure on the row: the destination
 *   currency when `amount` is given, the sender currency when only `budget` is. Build it
 *   with `reportCurrency` so "budget 1250.00 MXN" can never be read off a USD budget.
 * - id columns (`payer_user_id`, `recipient_user_id`, `withdrawal_instruction_id`,
 *   `request_id`, `output_id`): digit strings.
 * - `receive_*`: what the payee gets (destination currency); `spend_*`: what the payer is
 *   charged (sender currency). Before a quote only the row's own figure is known, in its
 *   column; the server fills both once it quotes (docs/design.md section 12).
 * - `request_state`, `cancellation_reason`: the request's, as last read from the server.
 * - `updated_at`: `reportTimestamp(date)`, e.g. "2026-11-22T10:15:00Z": when the row's data
 *   was last read from the server (or decided locally, for rows never sent).
 * - `payee`, `payee_review`: added after `raw_budget` so every earlier column keeps its place.
 * - `charged_amount` / `refunded_amount`: rowMoney (report/money.ts): the spend charged once the
 *   request is funded ("0.00" for a rejected or cancelled row), the spend of a returned payout.
 * - `extra`: the input's unknown columns kept by `--keep-columns`, by header name.
 */
export interface ReportRow {
  line: number;
  reference: string;
  payer_user_id: string;
  sender_port: string;
  recipient_user_id: string;
  port: string;
  amount: string;
  budget: string;
  currency: string;
  withdrawal_instruction_id: string;
  status: Status;
  request_id: string;
  output_id: string;
  state: string;
  request_state: string;
  receive_amount: string;
  receive_currency: string;
  spend_amount: string;
  spend_currency: string;
  cancellation_reason: string;
  error_code: string;
  error: string;
  updated_at: string;
  raw_amount: string;
  raw_budget: string;
  /** A row by payee details: `found` or `created` at Bitex (`would create` in a dry run); "" by ids. */
  payee: string;
  /** A row by payee details: the payee's compliance review at Bitex in plain words; "" by ids. */
  payee_review: string;
  charged_amount: string;
  refunded_amount: string;
  extra?: Readonly<Record<string, string>>;
}

/** ReportRow has a key for every column and none other (besides `extra`): the compiler checks both ways. */
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const rowKeysAreColumns: Exactly<Exclude<keyof ReportRow, "extra">, ReportColumn> = true;
void rowKeysAreColumns;

/** The `currency` cell for a row: see ReportRow. "" when the relevant port is unknown. */
export function reportCurrency(cells: {
  port: string;
  sender_port: string;
  amount: string;
  budget: string;
}): string {
  const port = cells.amount !== "" ? cells.port : cells.budget !== "" ? cells.sender_port : "";
  return isPort(port) ? portCurrency(port).toUpperCase() : "";
}

/**
 * ISO-8601 UTC to the second, "2026-11-22T10:15:00Z". Built on Date#toISOString, which the
 * language defines as UTC: date-fns 4 formats in the process's local zone unless given a
 * UTC context (@date-fns/utc, not a dependency), so a cron host in Santiago would write
 * "-03:00" offsets. Milliseconds are dropped: accountants read this, nothing sorts by it.
 */
export function reportTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Kept input columns whose names would repeat a report column (check before sending anything). */
export function extraColumnConflicts(names: readonly string[]): string[] {
  const taken = new Set<string>(REPORT_COLUMNS);
  return names.filter((name) => taken.has(name));
}
