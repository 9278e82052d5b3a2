/**
 * Resolution of rows by payee details (pure; docs/design.md, "Input modes"): given the users
 * the payer's key manages and each one's withdrawal instructions, as Bitex lists them, find
 * each row's payee by email and an instruction of that payee holding the same account, and
 * plan what would have to be created: one user per email however many rows name it, one
 * instruction per user and account. Nothing here calls the API (app/create-payees.ts creates).
 */
import { createHash } from "node:crypto";
import {
  accountBank,
  accountTypeOf,
  bankParts,
  idNumber,
  type PayeeAccount,
  type PayeeDetails,
  type RowError,
  type ValidRow,
} from "../model.js";
import { isPort, portCountry, portCurrency } from "../ports.js";

/** A user as `GET /users` lists it (flattened); only the id and email are relied on. */
export interface ListedUser {
  id: string;
  email?: unknown;
  /** Not in any recorded user; read if a future API gives it. */
  tax_id?: unknown;
}

/**
 * A withdrawal instruction as listed (flattened). Two generations of body: the legacy one
 * (`body.payment_method`, `cbu`, `bank_account_number`, `bank`, `cuit`, `currency`, …) and
 * the newer one (`payment_method_type` "ar_domestic_bank" with `body.cbu`).
 */
export interface ListedInstruction {
  id: string;
  body?: unknown;
  payment_method_type?: unknown;
  /** Bitex's attributes beside the body (null or absent where an answer leaves them out). */
  user_id?: string | null;
  port_code?: string | null;
}

export interface PayeeDirectory {
  users: readonly ListedUser[];
  /** Each managed user's instructions, by user id (listed acting as that user where needed). */
  instructionsByUser: ReadonlyMap<string, readonly ListedInstruction[]>;
}

/** A payee that would be created: the first row that names the email gives the details. */
export interface NewPayee extends Omit<PayeeDetails, "account"> {
  /** Lines of the rows paying this payee. */
  lines: number[];
}

/** An instruction that would be created for a payee (existing or new) and one account. */
export interface NewAccount {
  /** The payee's Bitex id, or null for a payee that is new too. */
  userId: string | null;
  email: string;
  name: string;
  /** The port's currency, lower-case, that the instruction pays out in. */
  currency: string;
  account: PayeeAccount;
  lines: number[];
}

export type RowPayee = {
  line: number;
  /** Bitex ids where they exist; null where the plan creates them. */
  userId: string | null;
  instructionId: string | null;
  status: "found" | "would create";
};

export interface PayeePlan {
  /** Every row by details (or by both), in input order, that resolved. */
  rows: RowPayee[];
  newPayees: NewPayee[];
  newAccounts: NewAccount[];
  /** Rows whose payee and account both exist. */
  found: number;
  /** Rows that cannot be resolved, as row errors (the file's line and a column). */
  errors: RowError[];
}

const NUMBER_FIELDS = ["cbu", "cvu", "clabe", "cci", "iban", "bank_account_number", "account_number"];
const TAX_FIELDS = ["cuit", "cuil", "rut", "tax_id"];

/** Letters and digits only, upper-case: how numbers are compared, whoever wrote them. */
function normal(value: unknown): string {
  return typeof value === "string" || typeof value === "number"
    ? String(value)
        .toUpperCase()
        .replace(/[^0-9A-Z]/g, "")
    : "";
}

/**
 * A tax id as compared: compact, without leading zeros. A Uruguayan CI is written
 * `0.123.456-1` or `123.456-1`, and a spreadsheet's number cell drops the zero: one CI
 * (helper-81: refused as another tax id, or two payees for one person). Fixed-length kinds
 * (a CUIT, an SSN) are unchanged by it.
 */
function taxIdKey(value: unknown): string {
  return normal(value).replace(/^0+(?=.)/, "");
}

/** A plain account number without the leading zeros that banks and spreadsheets add or drop. */
function accountKey(account: PayeeAccount): string {
  const number = normal(account.number);
  return account.kind === "account_number" ? number.replace(/^0+/, "") : number;
}

function bodyOf(instruction: ListedInstruction): Record<string, unknown> {
  const body = instruction.body;
  return typeof body === "object" && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/** Whether an existing instruction pays into this account in this currency and country. */
function holds(instruction: ListedInstruction, account: PayeeAccount, port: ValidRow["port"]): boolean {
  const body = bodyOf(instruction);
  const key = accountKey(account);
  const numbers = NUMBER_FIELDS.map((field) => {
    const number = normal(body[field]);
    return field === "bank_account_number" || field === "account_number" ? number.replace(/^0+/, "") : number;
  });
  if (key === "" || !numbers.includes(key)) return false;
  const currency = typeof body.currency === "string" ? body.currency.toLowerCase() : "";
  if (currency !== "" && currency !== portCurrency(port)) return false;
  // The port Bitex pays it out on, where it says: another port's instruction is refused at
  // create (helper-81: taken, every run failed on it and the row's account was never made).
  if (
    typeof instruction.port_code === "string" &&
    instruction.port_code !== "" &&
    instruction.port_code !== port
  )
    return false;
  const type = typeof instruction.payment_method_type === "string" ? instruction.payment_method_type : "";
  const country = /^([a-z]{2})_/.exec(type)?.[1];
  if (country !== undefined && country !== portCountry(port)) return false;
  if (!paysIn(body.country, port)) return false;
  // Checking or savings, where both say: the same number of the other type is another account
  // at the bank (helper-108: a row fixing the type was paid to the old instruction's).
  // A body's type this version cannot read ("cuenta vista") is another account, never either (helper-111).
  const written = typeof body.account_type === "string" ? body.account_type.trim() : "";
  if (account.accountType !== "" && written !== "" && accountTypeOf(written) !== account.accountType)
    return false;
  return (
    account.kind !== "account_number" ||
    sameBank(
      bankParts(body.bank, body.routing_number, body.bank_swift),
      bankParts(account.bank, account.routingNumber, account.swift),
    )
  );
}

/** Two plain numbers' banks (bankParts) agree on every part both name. */
function sameBank(a: readonly string[], b: readonly string[]): boolean {
  return a.every((part, i) => part === "" || b[i] === "" || part === b[i]);
}

/**
 * Whether a legacy body's `country` (AR, CL, PY, UY or OTHER; recorded on every instruction)
 * is the port's: the same number at a bank of another country is another account. An account
 * of a country that has no port in the port's currency (CL in USD, as recorded) is an account
 * abroad, paid on the `other_*` port. No country: nothing to compare.
 */
function paysIn(bodyCountry: unknown, port: ValidRow["port"]): boolean {
  if (typeof bodyCountry !== "string" || bodyCountry === "") return true;
  const country = bodyCountry.toLowerCase();
  if (portCountry(port) !== "other") return country === portCountry(port);
  return country === "other" || !isPort(`${country}_${portCurrency(port)}`);
}

/** Tax ids the directory shows for a user: its own attribute (if any) and its instructions' bodies. */
function knownTaxIds(user: ListedUser, instructions: readonly ListedInstruction[]): Set<string> {
  const ids = new Set<string>();
  const own = taxIdKey(user.tax_id);
  if (own !== "") ids.add(own);
  for (const instruction of instructions) {
    const body = bodyOf(instruction);
    for (const field of TAX_FIELDS) {
      const value = taxIdKey(body[field]);
      if (value !== "") ids.add(value);
    }
  }
  return ids;
}

/**
 * An email as compared: trimmed, lower-case, in Unicode's composed form (NFC). A macOS export
 * writes é as e and U+0301: the same address to a reader, and the same payee (helper-78: a
 * second Bitex user was made for someone already paid).
 */
export function emailKey(email: unknown): string {
  return typeof email === "string" ? email.trim().normalize("NFC").toLowerCase() : "";
}

export function resolvePayees(rows: readonly ValidRow[], directory: PayeeDirectory): PayeePlan {
  const byEmail = new Map<string, ListedUser[]>();
  for (const user of directory.users) {
    const key = emailKey(user.email);
    if (key === "") continue;
    const list = byEmail.get(key);
    if (list) list.push(user);
    else byEmail.set(key, [user]);
  }
  const plan: PayeePlan = { rows: [], newPayees: [], newAccounts: [], found: 0, errors: [] };
  const newPayees = new Map<string, NewPayee>();
  const newAccounts = new Map<string, NewAccount>();
  /** The tax id the file first gave each email, and on which line; the email each tax id. */
  const fileTaxIds = new Map<string, { taxId: string; line: number }>();
  const fileEmails = new Map<string, { email: string; line: number }>();
  /** The email the file first gave each account, on which line; the type a row first gave it. */
  const fileHolders = new Map<string, { email: string; line: number; type: string; typeLine: number }>();
  const fail = (row: ValidRow, column: string, code: string, message: string) =>
    plan.errors.push({ line: row.line, column, code, message });

  for (const row of rows) {
    const payee = row.payee;
    if (!payee) continue;
    const email = emailKey(payee.email);
    const first = fileTaxIds.get(email);
    if (first && taxIdKey(first.taxId) !== taxIdKey(payee.taxId)) {
      fail(
        row,
        "recipient_tax_id",
        "payee_tax_id_differs",
        `line ${first.line} gives this email another tax id; one email is one payee: correct the tax id or the email`,
      );
      continue;
    }
    // One person under two emails would be two Bitex users (an email typed two ways). A tax
    // id is a person's in its country and kind: a Chilean RUT and a US SSN may share digits.
    const taxId = `${portCountry(row.port)}|${payee.taxIdKind}|${taxIdKey(payee.taxId)}`;
    const named = fileEmails.get(taxId);
    if (named && named.email !== email) {
      fail(
        row,
        "recipient_email",
        "payee_email_differs",
        `line ${named.line} gives this tax id with another email; one person is one payee: use one email for both rows, or correct the tax id`,
      );
      continue;
    }
    // One account is one payee's: two people given one account (a row copied, its email and
    // tax id changed, its account not) would both be paid into it (helper-108).
    // Its type aside: a CBU is one account whatever a row calls it (helper-111).
    const held = `${portCountry(row.port)}|${accountBank(payee.account)}|${payee.account.kind}:${accountKey(payee.account)}`;
    const holder = fileHolders.get(held);
    if (holder && holder.email !== email) {
      fail(
        row,
        payee.account.kind, // the column that names it
        "account_other_payee",
        `line ${holder.line} gives this account to another payee (${holder.email}); one account is one payee's: correct the account, or, if both are paid into it on purpose, pay this row by Bitex ids alone (recipient_user_id and withdrawal_instruction_id, its details cleared)`,
      );
      continue;
    }
    // One payee's account called checking on one row and savings on another: one instruction
    // would carry both rows, paid into the type the first names; which one is meant is the
    // file's to say.
    const type = payee.account.accountType;
    if (holder && holder.type !== "" && type !== "" && holder.type !== type) {
      fail(
        row,
        "account_type",
        "account_type_differs",
        `line ${holder.typeLine} gives this account as ${holder.type}; one account has one type: correct the account type (or the account) on one of the rows`,
      );
      continue;
    }
    if (!holder) fileHolders.set(held, { email, line: row.line, type, typeLine: row.line });
    else if (holder.type === "" && type !== "") Object.assign(holder, { type, typeLine: row.line });
    if (!named) fileEmails.set(taxId, { email, line: row.line });
    if (!first) fileTaxIds.set(email, { taxId: payee.taxId, line: row.line });
    const users = byEmail.get(email) ?? [];
    if (users.length > 1) {
      fail(
        row,
        "recipient_email",
        "payee_ambiguous",
        `Bitex users ${users.map((u) => u.id).join(" and ")} both have this email; give this row recipient_user_id and withdrawal_instruction_id`,
      );
      continue;
    }
    const user = users[0];
    const instructions = user
      ? ownInstructions(directory.instructionsByUser.get(user.id) ?? [], user.id)
      : [];
    const byIds = row.recipientUserId !== "";
    // Ids compare as numbers: a row's 0300 is the server's 300.
    if (byIds && (user === undefined || idNumber(user.id) !== idNumber(row.recipientUserId))) {
      fail(
        row,
        "recipient_user_id",
        "ids_disagree",
        user
          ? `recipient_user_id ${row.recipientUserId} is not the payee with this email (that is user ${user.id}); correct one of them`
          : `no user Bitex manages for this payer has this email, yet the row names user ${row.recipientUserId}; correct one of them`,
      );
      continue;
    }
    if (user) {
      const taxIds = knownTaxIds(user, instructions);
      if (taxIds.size > 0 && !taxIds.has(taxIdKey(payee.taxId))) {
        fail(
          row,
          "recipient_tax_id",
          "payee_tax_id_differs",
          `Bitex user ${user.id} has this email but another tax id; one email is one payee: correct the tax id or the email (no second user is made for it); if Bitex's record is the one that is wrong, pay this row by Bitex ids alone (recipient_user_id ${user.id} and its withdrawal_instruction_id, the details cleared) and ask Bitex to correct it`,
        );
        continue;
      }
    }
    // The lowest id when several hold it: two writers that raced both settle on that one.
    const existing = holdersOf(instructions, payee.account, row.port)[0];
    if (
      byIds &&
      (existing === undefined || idNumber(existing.id) !== idNumber(row.withdrawalInstructionId))
    ) {
      fail(
        row,
        "withdrawal_instruction_id",
        "ids_disagree",
        existing
          ? `withdrawal_instruction_id ${row.withdrawalInstructionId} does not hold this account (instruction ${existing.id} does); correct one of them`
          : `withdrawal_instruction_id ${row.withdrawalInstructionId} does not hold this account, and no other instruction of user ${row.recipientUserId} does; correct one of them`,
      );
      continue;
    }
    if (!user) {
      const known = newPayees.get(email);
      if (known) known.lines.push(row.line);
      else {
        const { name, firstName, lastName, taxId, taxIdKind } = payee;
        newPayees.set(email, {
          email: payee.email,
          name,
          firstName,
          lastName,
          taxId,
          taxIdKind,
          lines: [row.line],
        });
      }
    }
    if (user && existing) {
      plan.found++;
      plan.rows.push({ line: row.line, userId: user.id, instructionId: existing.id, status: "found" });
      continue;
    }
    const currency = portCurrency(row.port);
    const key = `${user ? user.id : `new:${email}`}|${currency}|${accountBank(payee.account)}|${accountKey(payee.account)}`;
    const account = newAccounts.get(key);
    if (account) account.lines.push(row.line);
    else {
      newAccounts.set(key, {
        userId: user ? user.id : null,
        email: payee.email,
        name: payee.name,
        currency,
        account: payee.account,
        lines: [row.line],
      });
    }
    plan.rows.push({
      line: row.line,
      userId: user ? user.id : null,
      instructionId: null,
      status: "would create",
    });
  }
  plan.newPayees = [...newPayees.values()];
  plan.newAccounts = [...newAccounts.values()];
  return plan;
}

/** The journal key of the instruction for one payee and account: found again whatever its id. */
export function accountCreateKey(email: string, account: PayeeAccount, currency: string): string {
  return `${emailKey(email)}|${currency}|${accountBank(account)}|${account.kind}:${accountKey(account)}`;
}

/** The journal key of a payee's user: its email, trimmed and lower-case. */
export function userCreateKey(email: string): string {
  return emailKey(email);
}

/**
 * What a row by details names as its payee (email, tax id, port and account, and the ids it
 * writes beside them), as a digest: a journaled resolution is the row's at that line only
 * while the row there still names this. A file edited under the same batch id moves rows to
 * other lines (helper-78: a row deleted, and the next row was paid to the deleted row's payee).
 */
export function payeeKeyOf(row: ValidRow, withIds = true): string {
  const payee = row.payee;
  if (payee === undefined) return "";
  const account = accountCreateKey(payee.email, payee.account, portCurrency(row.port));
  // A row giving ids beside its details: the ids as written too, so ids edited after the
  // payees line are never overridden by it (helper-81). Absent for a row by details alone, so
  // journals written before keep their keys; `withIds` false: the key journals of the version
  // before it wrote for a row with ids (resolutionOf).
  const written = withIds && (row.recipientUserId !== "" || row.withdrawalInstructionId !== "");
  const ids = written ? `|${idNumber(row.recipientUserId)}/${idNumber(row.withdrawalInstructionId)}` : "";
  const text = `${row.port}|${payee.taxIdKind}:${payee.taxId}|${account}${ids}`;
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** The label of every instruction this tool creates; duplicates are deleted only under it. */
export const INSTRUCTION_LABEL_PREFIX = "bitex-batch";

/**
 * The body of a new withdrawal instruction, in the legacy "bitex" schema: the only one with
 * recordings and field docs (SDK comments). `domestic_bank` for an account in the port's own
 * country, `international_bank` for an `other_*` port. The number goes in the field its kind
 * names (`cbu` as recorded; `cvu`, `clabe`, `cci`, `iban` where no source names one), a plain
 * number in `bank_account_number`; `cuit` carries the holder's tax id as recorded for
 * Argentina. What a payroll does not hold (city, phone, address) is left empty.
 */
export function instructionBody(
  payee: Pick<PayeeDetails, "name" | "taxId" | "account">,
  port: ValidRow["port"],
): Record<string, unknown> {
  const { account } = payee;
  const country = portCountry(port).toUpperCase();
  const domestic = country !== "OTHER";
  const body: Record<string, unknown> = {
    payment_method: domestic ? "domestic_bank" : "international_bank",
    name: payee.name,
    country,
    currency: portCurrency(port).toUpperCase(),
    cuit: payee.taxId,
    city: "",
    phone: "",
    address: "",
    further_instructions: "",
  };
  if (account.accountType !== "") body.account_type = account.accountType;
  if (account.bank !== "") body.bank = account.bank;
  if (account.kind === "account_number") body.bank_account_number = account.number;
  else body[account.kind] = account.number;
  if (account.routingNumber !== "") body.routing_number = account.routingNumber;
  if (account.swift !== "") body.bank_swift = account.swift;
  return body;
}

/**
 * The instructions listed for a user that Bitex does not show as another user's (helper-81:
 * one listed for user 500 with `user_id` 777 was taken as 500's account, and its body's tax id
 * as 500's).
 */
export function ownInstructions(
  instructions: readonly ListedInstruction[],
  userId: string,
): ListedInstruction[] {
  return instructions.filter(
    (instruction) =>
      typeof instruction.user_id !== "string" ||
      instruction.user_id === "" ||
      idNumber(instruction.user_id) === idNumber(userId),
  );
}

/** Instructions that hold this account (the same test as resolution's), lowest id first. */
export function holdersOf(
  instructions: readonly ListedInstruction[],
  account: PayeeAccount,
  port: ValidRow["port"],
): ListedInstruction[] {
  return instructions
    .filter((instruction) => holds(instruction, account, port))
    .sort((a, b) => Number(a.id) - Number(b.id));
}
