/** Data passed between the pipeline stages (read → validate → plan → submit → report). */
import { shortestDecimal } from "./decimal.js";
import { PAYEE_COLUMN_TABLE } from "./payee-columns.js";
import { type PortCode, portCountry } from "./ports.js";
import { normalWord } from "./words.js";

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
  /**
   * The payee's details, when the row gives them (docs/design.md, "Input modes"). A row by
   * details alone has "" for recipientUserId and withdrawalInstructionId until resolution
   * (plan/payees.ts) finds or plans them; a row by ids has no `payee`.
   */
  payee?: PayeeDetails;
  /**
   * A row by details once resolved (app/payee-rows.ts): its ids above are then the payee's
   * and the instruction's, and this says whether they were found or created by the batch
   * (or, in a dry run, would be), and the payee's compliance review as Bitex last showed it.
   */
  resolved?: { status: "found" | "created" | "would create"; compliance: string };
}

/** A payee's bank account, as a row by details gives it, each number compact. */
export interface PayeeAccount {
  /** The column whose number names the account. */
  kind: "cbu" | "cvu" | "clabe" | "cci" | "iban" | "account_number";
  /** Compact: no spaces, dots or dashes; letters upper-case. */
  number: string;
  /** "" when not given: a Bitex bank code in Chile, the bank's name elsewhere. */
  bank: string;
  accountType: "checking" | "savings" | "";
  routingNumber: string;
  swift: string;
}

/** Who a row by details pays: the email finds the payee at Bitex again. */
export interface PayeeDetails {
  /** Trimmed, as written; compared case-insensitively. */
  email: string;
  /** recipient_name, else first and last name joined. */
  name: string;
  firstName: string;
  lastName: string;
  /** Compact form. */
  taxId: string;
  /** validate/details/tax.ts TaxIdKind: "cuit", "rut", "rfc", … */
  taxIdKind: string;
  account: PayeeAccount;
}

/**
 * What makes a payment that payment, whatever the file, the row's line or reference, or how
 * its amount was written: who pays from which port, who is paid on which port, the figure
 * the row gave (amount or budget) and the instruction it is paid into. The duplicate check,
 * the payments digest, the plan's fingerprint and reconciliation all read it from here.
 */
export interface PaymentIdentity {
  payerUserId: string;
  senderPort: PortCode;
  recipientUserId: string;
  port: PortCode;
  /** The one figure the row specified, canonical decimal text. */
  money: { column: "amount" | "budget"; value: string };
  withdrawalInstructionId: string;
  /**
   * A row by details alone (no ids yet): the account the money goes to ("cbu:0110…"), not the
   * email: two rows paying one account are one payment whoever they name (an email typed
   * twice differently is two users, one account). Absent for every row with ids, so their
   * keys are what they always were.
   */
  payee?: string;
}

/**
 * A plain number's bank, as far as it is named (resolution compares each part only where both
 * sides name it): the bank as written, in any case and without accents or spaces; the US
 * routing number; the SWIFT's first 8 characters (the bank: a branch suffix, `XXX` or none,
 * is not another account). Read from a row or from an instruction's body alike.
 */
export function bankParts(bank: unknown, routing: unknown, swift: unknown): [string, string, string] {
  const text = (value: unknown) =>
    typeof value === "string" || typeof value === "number" ? String(value) : "";
  const name = text(bank)
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "_")
    .replace(/^_+|_+$/g, "");
  const compact = (value: unknown) =>
    text(value)
      .toUpperCase()
      .replace(/[^0-9A-Z]/g, "");
  return [name, compact(routing), compact(swift).slice(0, 8)];
}

/** The bank of a row's plain account number as one text: the parts it names, joined. */
export function accountBank(account: PayeeAccount): string {
  if (account.kind !== "account_number") return "";
  return bankParts(account.bank, account.routingNumber, account.swift)
    .filter((part) => part !== "")
    .join("/");
}

/**
 * The account as a payment names it: a plain account number without the leading zeros
 * spreadsheets drop ("0012345678" and "12345678" are one account), at its bank as far as a
 * code names it (Chile's Bitex bank code, a routing number, a SWIFT), not by a bank's name as
 * typed: outside Chile that is free text, and "Itaú" and "Banco Itaú" on two rows paid one
 * account twice (helper-81). Two rows of the same digits and amount are then a possible
 * duplicate, which distinct references (or --allow-duplicates) say are both meant.
 */
function accountDigits(account: PayeeAccount, port: PortCode): string {
  if (account.kind !== "account_number") return account.number;
  const [name, routing, swift] = bankParts(account.bank, account.routingNumber, account.swift);
  const bank = [portCountry(port) === "cl" ? name : "", routing, swift].filter((part) => part !== "");
  return `${account.number.replace(/^0+/, "")}@${bank.join("/")}`;
}

export function paymentIdentity(row: ValidRow): PaymentIdentity {
  const byDetails = row.payee !== undefined && row.recipientUserId === "";
  return {
    ...(byDetails && row.payee ? { payee: payeeAccountOf(row.payee, row.port) } : {}),
    payerUserId: row.payerUserId,
    senderPort: row.senderPort,
    recipientUserId: row.recipientUserId,
    port: row.port,
    money:
      row.amount !== null
        ? { column: "amount", value: row.amount }
        : { column: "budget", value: row.budget ?? "0" },
    withdrawalInstructionId: row.withdrawalInstructionId,
  };
}

/**
 * A row naming its payee by details as the account it pays, whatever Bitex user and
 * instruction it resolved to (null for a row by ids alone): what earlier batches are compared
 * by (batch/near-copy.ts), so the same payroll sent again with its emails corrected, or on a
 * new domain, is the same payments though it makes new Bitex users (helper-81).
 */
export function accountPaymentKey(row: ValidRow): string | null {
  const identity = accountIdentity(row);
  return identity === null ? null : paymentKey(identity);
}

/** accountPaymentKey's identity: the row's payment to its account, whatever ids it resolved to. */
export function accountIdentity(row: ValidRow): PaymentIdentity | null {
  if (row.payee === undefined) return null;
  return {
    ...paymentIdentity(row),
    recipientUserId: "",
    withdrawalInstructionId: "",
    payee: payeeAccountOf(row.payee, row.port),
  };
}

function payeeAccountOf(payee: PayeeDetails, port: PortCode): string {
  return `${payee.account.kind}:${accountDigits(payee.account, port)}`;
}

/** A Bitex id (digits) as the number it names: "0300" and "300" are compared as one id. */
export const idNumber = (id: string) => id.replace(/^0+(?=\d)/, "");

/**
 * The identity as one exact text ("112|ar_ars|300|cl_clp|a:1329000|2100"): the figure in its
 * shortest form, so "1000.00" and "1000" are the same payment, and each id without leading
 * zeros, so "0300" and "300" are the same user.
 */
export function paymentKey(identity: PaymentIdentity): string {
  const money = `${identity.money.column === "amount" ? "a" : "b"}:${shortestDecimal(identity.money.value)}`;
  const payee = identity.payee === undefined ? "" : `|${identity.payee}`;
  return `${idNumber(identity.payerUserId)}|${identity.senderPort}|${idNumber(identity.recipientUserId)}|${identity.port}|${money}|${idNumber(identity.withdrawalInstructionId)}${payee}`;
}

/**
 * Who is paid ("300|cl_clp|2100"): recipient, port and instruction (or account), whatever
 * pays them and how much. A remaining file's row fixed in a copy, its amount corrected or
 * sent from another balance (another sender port or payer), is still the same payee
 * (batch/remaining-versions.ts; helper-104).
 */
export function payeeKey(identity: PaymentIdentity): string {
  const payee = identity.payee === undefined ? "" : `|${identity.payee}`;
  return `${idNumber(identity.recipientUserId)}|${identity.port}|${idNumber(identity.withdrawalInstructionId)}${payee}`;
}

/** What validation says of one input record, in input order. */
export type CheckedRow =
  | { line: number; ok: true; row: ValidRow; raw: RawCells }
  | { line: number; ok: false; errors: RowError[]; raw: RawCells };

/**
 * The input columns (docs/design.md section 4), in the order the template and the report show
 * them: the one table the header aliases, the raw cells, the row store, the template and
 * the report's input cells are derived from. Adding a column is a line here plus its check
 * in validate/rows.ts.
 * - `aliases`: accepted header names in normalised form (read/headers.ts `normalizeHeader`),
 *   the canonical name first. Deliberately narrow: a bare "recipient", "payer",
 *   "destinatario" or "beneficiario" is as often a column of names as of ids, and "user_id"
 *   could be either party, so none of them is taken.
 * - `required`: "yes"; "unless-option" (`sender_port`, which `--sender-port` may give);
 *   "one-of-money" (at least one of the money columns); "no".
 * - `kind`: "text" cells are kept exactly as written (the report gives a reference back as
 *   it came, newlines included); the others are trimmed (Excel pads numbers and ids).
 *   "secret" cells (account numbers, tax ids) are shown masked outside the report file.
 * - `group`: a row names its payee one of two ways, by Bitex ids ("ids", here) or by the
 *   payee's details ("details": PAYEE_COLUMN_TABLE in payee-columns.ts, read with these as
 *   ALL_INPUT_COLUMN_TABLE). The "yes" columns of the ids group are waived when the header
 *   holds a details column; docs/design.md, "Input modes".
 */
export const INPUT_COLUMN_TABLE = [
  {
    name: "reference",
    aliases: ["reference", "ref", "external_reference", "referencia", "ref_externa", "referencia_externa"],
    required: "no",
    kind: "text",
  },
  {
    name: "payer_user_id",
    aliases: [
      "payer_user_id",
      "payer_id",
      "payer_user",
      "paying_user_id",
      "usuario_pagador",
      "id_usuario_pagador",
      "id_pagador",
      "pagador_id",
    ],
    required: "no",
    kind: "id",
  },
  {
    name: "sender_port",
    aliases: [
      "sender_port",
      "source_port",
      "origin_port",
      "from_port",
      "puerto_origen",
      "puerto_de_origen",
      "puerto_emisor",
    ],
    required: "unless-option",
    kind: "port",
  },
  {
    name: "recipient_user_id",
    aliases: [
      "recipient_user_id",
      "recipient_id",
      "recipient_user",
      "payee_id",
      "payee_user_id",
      "usuario_destinatario",
      "id_usuario_destinatario",
      "id_destinatario",
      "destinatario_id",
    ],
    required: "yes",
    kind: "id",
    group: "ids",
  },
  {
    name: "port",
    aliases: [
      "port",
      "destination_port",
      "dest_port",
      "to_port",
      "target_port",
      "puerto",
      "puerto_destino",
      "puerto_de_destino",
    ],
    required: "yes",
    kind: "port",
  },
  {
    name: "amount",
    aliases: ["amount", "payout_amount", "amount_to_receive", "monto", "importe", "monto_a_recibir"],
    required: "one-of-money",
    kind: "money",
  },
  {
    name: "budget",
    aliases: ["budget", "amount_to_spend", "spend", "presupuesto", "monto_a_gastar"],
    required: "one-of-money",
    kind: "money",
  },
  {
    name: "withdrawal_instruction_id",
    aliases: [
      "withdrawal_instruction_id",
      "withdrawal_instruction",
      "instruction_id",
      "instruccion_retiro",
      "instruccion_de_retiro",
      "id_instruccion_retiro",
      "instruccion_retiro_id",
    ],
    required: "yes",
    kind: "id",
    group: "ids",
  },
] as const satisfies ReadonlyArray<{
  name: string;
  aliases: readonly string[];
  required: "yes" | "no" | "unless-option" | "one-of-money" | "in-group";
  kind: "text" | "id" | "port" | "money" | "detail" | "secret";
  group?: "ids" | "details";
}>;

/** The columns of a file by Bitex ids: the template's and the report's input columns. */
export type IdModeColumn = (typeof INPUT_COLUMN_TABLE)[number]["name"];
/** The columns of the payee-details group (payee-columns.ts). */
export type PayeeColumn = (typeof PAYEE_COLUMN_TABLE)[number]["name"];
/** Every column the reader knows: the table's, then the payee-details group's. */
export type InputColumn = IdModeColumn | PayeeColumn;

/** Both tables as one: what the header map, the reader's trimming and the row store read. */
export const ALL_INPUT_COLUMN_TABLE = [...INPUT_COLUMN_TABLE, ...PAYEE_COLUMN_TABLE] as const;
export type InputColumnSpec = (typeof ALL_INPUT_COLUMN_TABLE)[number];

/** The id-mode input columns' names, in the table's order (the template's header). */
export const INPUT_COLUMNS: readonly IdModeColumn[] = INPUT_COLUMN_TABLE.map((column) => column.name);

/** Every input column's name: INPUT_COLUMNS, then the payee-details columns. */
export const ALL_INPUT_COLUMNS: readonly InputColumn[] = ALL_INPUT_COLUMN_TABLE.map((column) => column.name);

/** Columns of account numbers and tax ids: masked on the terminal, in logs and in --json. */
export const SECRET_COLUMNS: ReadonlySet<string> = new Set(
  PAYEE_COLUMN_TABLE.filter((column) => column.kind === "secret").map((column) => column.name),
);

/** The payee-details columns, whose cells RawCells holds only when filled. */
export const PAYEE_COLUMNS: ReadonlySet<InputColumn> = new Set(
  PAYEE_COLUMN_TABLE.map((column) => column.name),
);

/**
 * The cells of an input record as the file had them (for echoing invalid rows in the report).
 * A payee-details cell is there only when it is not empty: a file by ids carries none of them.
 */
export type RawCells = Record<IdModeColumn, string> &
  Partial<Record<PayeeColumn, string>> & { extra: Record<string, string> };

/** A problem with the shape of a record (too many fields, a cell too long), reported with the row. */
export interface RecordProblem {
  /** Canonical column, or "" for the record as a whole. */
  column: string;
  code: string;
  message: string;
}

/** A record as the reader gives it (read/records.ts) and validation takes it. */
export interface InputRecord {
  /** Physical 1-based line where the record starts (the header is line 1). */
  line: number;
  /** Cells of the input columns present in the header; "" where the row is short. */
  fields: Partial<Record<InputColumn, string>>;
  /** Unknown columns by (unique) header name, only with `keepColumns`. */
  extra?: Record<string, string>;
  problems?: readonly RecordProblem[];
  /** Money cells read from a workbook's number cells: exact decimals, whatever separator the text cells use. */
  exact?: readonly MoneyColumn[];
}

export type MoneyColumn = "amount" | "budget";

/** A record as validation checks it: every input column's cell (trimmed like the reader does). */
export interface InputRow {
  line: number;
  raw: RawCells;
  problems: readonly RecordProblem[];
  exact?: readonly MoneyColumn[];
}

export interface PlannedRequest {
  /** `${payerUserId}|${senderPort}`: the grouping key of docs/design.md section 5. */
  key: string;
  externalId: string;
  payerUserId: string;
  senderPort: PortCode;
  /** Input order. */
  rows: ValidRow[];
}

/**
 * The input options that change which rows a file gives, or what they are (so the plan and its
 * fingerprint): every run of a batch must be given the ones its submit was given.
 */
export const ROW_OPTIONS =
  "--allow-duplicates, --sender-port, --payer, --decimal-separator, --encoding, --delimiter, --sheet";

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

/** Each row's outcome by its line: a Map, or one made row by row as it is asked for. */
export type OutcomeOf = Pick<ReadonlyMap<number, RowOutcome>, "get">;

const ACCOUNT_TYPES: Readonly<Record<string, "checking" | "savings">> = {
  checking: "checking",
  current: "checking",
  corriente: "checking",
  cuenta_corriente: "checking",
  cta_cte: "checking",
  cc: "checking",
  conta_corrente: "checking",
  savings: "savings",
  ahorro: "savings",
  ahorros: "savings",
  caja_de_ahorro: "savings",
  caja_de_ahorros: "savings",
  cuenta_de_ahorro: "savings",
  cuenta_de_ahorros: "savings",
  ca: "savings",
  poupanca: "savings",
  conta_poupanca: "savings",
};

/**
 * An account type as written (`Corriente`, `caja de ahorro`, `checking`), as Bitex names it:
 * checking or savings; undefined for any other text. A row's cell and an instruction's body
 * are read alike (helper-110: a body's "corriente" was another type than a row's checking).
 */
export function accountTypeOf(text: string): PayeeAccount["accountType"] | undefined {
  return ACCOUNT_TYPES[normalWord(text)];
}
