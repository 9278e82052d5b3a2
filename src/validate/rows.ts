/**
 * Validation (pure): input records → checked rows, every problem reported as data
 * ({line, column, code, message}), never thrown. Per-row checks come first; then the checks
 * that need the whole file: the decimal convention of the amounts, repeated references and
 * possible duplicate payments.
 */

import { decimal, normalize } from "../decimal.js";
import type { CheckedRow, RawCells, RowError, ValidRow } from "../model.js";
import { isPort, type PortCode, portCurrency } from "../ports.js";
import { type AmountScan, checkDecimals, resolveAmounts, scanAmount } from "./amount.js";
import { checkId } from "./ids.js";

export interface RecordIn {
  line: number;
  fields: Partial<Record<Exclude<keyof RawCells, "extra">, string>>;
  extra?: Record<string, string>;
  problems?: ReadonlyArray<{ column: string; code: string; message: string }>;
}

export interface ValidateOptions {
  senderPort?: string;
  payer?: string;
  decimalSeparator?: "." | ",";
  allowDuplicates?: boolean;
}

interface Draft {
  line: number;
  raw: RawCells;
  errors: RowError[];
  senderPort: PortCode | null;
  port: PortCode | null;
  moneyColumn: "amount" | "budget" | null;
  scan: AmountScan | null;
  payer: string;
  recipient: string;
  instruction: string;
}

function cellsOf(record: RecordIn): RawCells {
  const f = record.fields;
  return {
    reference: f.reference ?? "",
    payer_user_id: (f.payer_user_id ?? "").trim(),
    sender_port: (f.sender_port ?? "").trim(),
    recipient_user_id: (f.recipient_user_id ?? "").trim(),
    port: (f.port ?? "").trim(),
    amount: (f.amount ?? "").trim(),
    budget: (f.budget ?? "").trim(),
    withdrawal_instruction_id: (f.withdrawal_instruction_id ?? "").trim(),
    extra: record.extra ?? {},
  };
}

function checkPort(
  draft: Draft,
  column: "port" | "sender_port",
  value: string,
  label: string,
): PortCode | null {
  const error = (code: string, message: string) =>
    draft.errors.push({ line: draft.line, column, code, message });
  if (value === "") {
    error(
      `${column}_missing`,
      `${label} is empty; fill it in${column === "sender_port" ? " or pass --sender-port" : ""}`,
    );
    return null;
  }
  const code = value.toLowerCase();
  if (!isPort(code)) {
    error("unknown_port", `${label} "${value}" is not a Bitex port; see \`bitex-batch ports\``);
    return null;
  }
  return code;
}

function checkIdCell(
  draft: Draft,
  column: keyof RawCells,
  value: string,
  label: string,
  required: boolean,
): string {
  if (value === "" && !required) return "";
  const problem = checkId(value);
  if (problem) {
    const code = problem.code === "id_empty" ? `${column}_missing` : problem.code;
    draft.errors.push({ line: draft.line, column, code, message: `${label}: ${problem.message}` });
    return "";
  }
  return value;
}

function checkRecord(record: RecordIn, options: ValidateOptions): Draft {
  const raw = cellsOf(record);
  const draft: Draft = {
    line: record.line,
    raw,
    errors: (record.problems ?? []).map((p) => ({ line: record.line, ...p })),
    senderPort: null,
    port: null,
    moneyColumn: null,
    scan: null,
    payer: "",
    recipient: "",
    instruction: "",
  };
  draft.senderPort = checkPort(
    draft,
    "sender_port",
    raw.sender_port || options.senderPort || "",
    "sender_port",
  );
  draft.port = checkPort(draft, "port", raw.port, "port");
  draft.payer = checkIdCell(
    draft,
    "payer_user_id",
    raw.payer_user_id || options.payer || "",
    "payer_user_id",
    false,
  );
  draft.recipient = checkIdCell(draft, "recipient_user_id", raw.recipient_user_id, "recipient_user_id", true);
  draft.instruction = checkIdCell(
    draft,
    "withdrawal_instruction_id",
    raw.withdrawal_instruction_id,
    "withdrawal_instruction_id",
    true,
  );
  if (raw.amount !== "" && raw.budget !== "") {
    draft.errors.push({
      line: draft.line,
      column: "budget",
      code: "amount_and_budget",
      message:
        "both amount and budget are filled; keep only one (amount: what the payee gets; budget: what you spend)",
    });
  } else if (raw.amount === "" && raw.budget === "") {
    draft.errors.push({
      line: draft.line,
      column: "amount",
      code: "amount_missing",
      message: "amount and budget are both empty; fill one of them",
    });
  } else {
    draft.moneyColumn = raw.amount !== "" ? "amount" : "budget";
    draft.scan = scanAmount(raw[draft.moneyColumn]);
  }
  return draft;
}

/** The exact identity of a payment, for spotting the same one twice. */
function paymentKey(row: ValidRow): string {
  const money =
    row.amount !== null
      ? `a:${normalize(decimal(row.amount))}`
      : `b:${normalize(decimal(row.budget ?? "0"))}`;
  return [
    row.payerUserId,
    row.senderPort,
    row.recipientUserId,
    row.port,
    money,
    row.withdrawalInstructionId,
  ].join("|");
}

export function validateRecords(records: readonly RecordIn[], options: ValidateOptions = {}): CheckedRow[] {
  const drafts = records.map((record) => checkRecord(record, options));
  const withMoney = drafts.filter((draft) => draft.scan !== null);
  const resolved = resolveAmounts(
    withMoney.map((draft) => ({
      line: draft.line,
      column: draft.moneyColumn as string,
      scan: draft.scan as AmountScan,
    })),
    options.decimalSeparator === "," ? "comma" : options.decimalSeparator === "." ? "dot" : undefined,
  );
  const references = new Map<string, number>();
  const payments = new Map<string, { line: number; reference: string }>();
  return drafts.map((draft): CheckedRow => {
    const errors = draft.errors;
    const value = draft.scan ? resolved.get(draft.line) : undefined;
    let canonical: string | null = null;
    if (value && "error" in value)
      errors.push({ line: draft.line, column: draft.moneyColumn as string, ...value.error });
    else if (value) {
      const currencyPort = draft.moneyColumn === "amount" ? draft.port : draft.senderPort;
      const decimalsError = currencyPort ? checkDecimals(value.value, portCurrency(currencyPort)) : null;
      if (decimalsError)
        errors.push({ line: draft.line, column: draft.moneyColumn as string, ...decimalsError });
      else canonical = value.value;
    }
    // Cells all good: the row is a payment to compare with the others even if its reference repeats.
    const cellsOk = errors.length === 0;
    const reference = draft.raw.reference.trim();
    if (reference !== "") {
      const first = references.get(reference);
      if (first !== undefined) {
        errors.push({
          line: draft.line,
          column: "reference",
          code: "duplicate_reference",
          message: `reference "${reference}" is already used on line ${first}; references must be unique within a file`,
        });
      } else references.set(reference, draft.line);
    }
    if (!cellsOk || !draft.senderPort || !draft.port || canonical === null) {
      return { line: draft.line, ok: false, errors, raw: draft.raw };
    }
    const row: ValidRow = {
      line: draft.line,
      reference: draft.raw.reference,
      payerUserId: draft.payer,
      senderPort: draft.senderPort,
      recipientUserId: draft.recipient,
      port: draft.port,
      amount: draft.moneyColumn === "amount" ? canonical : null,
      budget: draft.moneyColumn === "budget" ? canonical : null,
      withdrawalInstructionId: draft.instruction,
    };
    const key = paymentKey(row);
    const earlier = payments.get(key);
    // Two identical payments are more often a pasted row than two salaries; distinct
    // references say the payer meant both (a repeated reference says nothing of the kind).
    const distinct =
      earlier !== undefined &&
      earlier.reference !== "" &&
      reference !== "" &&
      earlier.reference !== reference;
    if (earlier && !distinct && !options.allowDuplicates) {
      errors.push({
        line: draft.line,
        column: "",
        code: "possible_duplicate",
        message: `same payment as line ${earlier.line} (payer, ports, recipient, amount, instruction); give each a distinct reference or pass --allow-duplicates`,
      });
    }
    if (!earlier) payments.set(key, { line: draft.line, reference });
    if (errors.length > 0) return { line: draft.line, ok: false, errors, raw: draft.raw };
    return { line: draft.line, ok: true, row, raw: draft.raw };
  });
}
