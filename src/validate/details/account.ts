/**
 * The bank account of a row by payee details: which columns the destination port's country
 * takes, and each checked offline (README, "Paying by payee details"). Bitex pays only into
 * an account held by the payee, so the account's holder is the row's payee and its tax id.
 */
import {
  accountTypeOf,
  type PayeeAccount,
  type PayeeColumn,
  type RawCells,
  type RowError,
} from "../../model.js";
import { normalizeHeader } from "../../read/headers.js";
import { shownWord } from "../../redact.js";
import { ACCOUNT_NUMBER, checkNumber, type NumberRule, SWIFT } from "./numbers.js";

export const ACCOUNT_COLUMNS = [
  "cbu",
  "cvu",
  "clabe",
  "cci",
  "iban",
  "swift",
  "bank",
  "account_type",
  "account_number",
  "routing_number",
] as const satisfies readonly PayeeColumn[];
type AccountColumn = (typeof ACCOUNT_COLUMNS)[number];

/**
 * Per country: the ways to give the account (one of them exactly; each a number column and the
 * columns it needs), and the columns it may carry besides.
 */
interface CountryAccount {
  ways: ReadonlyArray<{ number: AccountColumn; needs: readonly AccountColumn[] }>;
  optional: readonly AccountColumn[];
}

const BY_COUNTRY: Readonly<Record<string, CountryAccount>> = {
  ar: {
    ways: [
      { number: "cbu", needs: [] },
      { number: "cvu", needs: [] },
    ],
    optional: ["account_type", "bank"],
  },
  mx: { ways: [{ number: "clabe", needs: [] }], optional: [] },
  cl: { ways: [{ number: "account_number", needs: ["bank", "account_type"] }], optional: [] },
  us: { ways: [{ number: "account_number", needs: ["routing_number", "account_type"] }], optional: [] },
  uy: { ways: [{ number: "account_number", needs: ["bank"] }], optional: ["account_type"] },
  py: { ways: [{ number: "account_number", needs: ["bank"] }], optional: ["account_type"] },
  other: {
    ways: [
      { number: "iban", needs: [] },
      { number: "cci", needs: [] },
      { number: "account_number", needs: ["swift"] },
    ],
    optional: ["swift", "bank", "account_type"],
  },
};

const NUMBER_RULES: Readonly<Record<AccountColumn, NumberRule | null>> = {
  cbu: { kind: "cbu" },
  cvu: { kind: "cvu" },
  clabe: { kind: "clabe" },
  cci: { kind: "pe_cci" },
  iban: { kind: "iban" },
  swift: { shape: SWIFT },
  account_number: { shape: ACCOUNT_NUMBER },
  routing_number: { kind: "us_aba" },
  bank: null,
  account_type: null,
};

/** Bitex's Chilean bank codes (its SDK's list of `bank` values for a domestic CL account). */
export const CL_BANKS = [
  "bco_chile",
  "bco_int",
  "bco_estado",
  "scotia_chile",
  "credito_chile",
  "corpbanca",
  "bice",
  "hsbc_ch",
  "santander_ch",
  "itau_chile",
  "tokio",
  "security",
  "falabella",
  "deutsche",
  "ripley",
  "rabobank",
  "consorcio",
  "penta",
  "paris",
  "bbva_ch",
  "desarrollo",
  "coopeuch",
] as const;

export function countryAccount(country: string): CountryAccount {
  return BY_COUNTRY[country] ?? (BY_COUNTRY.other as CountryAccount);
}

function cell(raw: RawCells, column: AccountColumn): string {
  return (raw[column] ?? "").trim();
}

function waysText(account: CountryAccount): string {
  return account.ways.map((way) => [way.number, ...way.needs].join(" + ")).join(", or ");
}

/** The account of a row paying into `country`; its problems pushed onto `errors`. */
export function checkAccount(
  errors: RowError[],
  line: number,
  raw: RawCells,
  country: string,
  port: string,
): PayeeAccount | null {
  const account = countryAccount(country);
  const before = errors.length;
  const allowed = new Set<AccountColumn>([
    ...account.ways.flatMap((way) => [way.number, ...way.needs]),
    ...account.optional,
  ]);
  for (const column of ACCOUNT_COLUMNS) {
    if (cell(raw, column) !== "" && !allowed.has(column)) {
      errors.push({
        line,
        column,
        code: "account_column_not_for_port",
        message: `${column} is not part of an account paid on ${port}; leave it empty (this port takes ${waysText(account)})`,
      });
    }
  }
  const given = account.ways.filter((way) => cell(raw, way.number) !== "");
  const way = given[0];
  if (given.length > 1) {
    errors.push({
      line,
      column: given[1]?.number ?? "",
      code: "account_twice",
      message: `${given.map((w) => w.number).join(" and ")} are both filled; give the one account to pay into`,
    });
  }
  if (!way) {
    errors.push({
      line,
      column: account.ways[0]?.number ?? "",
      code: "account_missing",
      message: `the bank account is empty; a payment on ${port} needs ${waysText(account)}`,
    });
    return null;
  }
  const values: Partial<Record<AccountColumn, string>> = {};
  for (const column of new Set([way.number, ...way.needs, ...account.optional])) {
    const text = cell(raw, column);
    if (text === "") {
      if (column === way.number || way.needs.includes(column)) {
        errors.push({
          line,
          column,
          code: `${column}_missing`,
          message: `${column} is empty; ${way.number} on ${port} needs ${[way.number, ...way.needs].join(" + ")}`,
        });
      }
      continue;
    }
    const value = checkCell(errors, line, column, text, country);
    if (value !== null) values[column] = value;
  }
  if (errors.length > before) return null;
  return {
    kind: way.number === "account_number" ? "account_number" : way.number,
    number: values[way.number] ?? "",
    bank: values.bank ?? "",
    accountType: (values.account_type as PayeeAccount["accountType"] | undefined) ?? "",
    routingNumber: values.routing_number ?? "",
    swift: values.swift ?? "",
  } as PayeeAccount;
}

/** One filled cell, checked; its canonical value, or null with the problem pushed. */
function checkCell(
  errors: RowError[],
  line: number,
  column: AccountColumn,
  text: string,
  country: string,
): string | null {
  if (column === "account_type") {
    const type = accountTypeOf(text);
    if (type) return type;
    errors.push({
      line,
      column,
      code: "account_type_unknown",
      message: `"${shownWord(text)}" is not an account type Bitex pays into; write checking (corriente) or savings (ahorro, poupança)`,
    });
    return null;
  }
  if (column === "bank") {
    if (country !== "cl") return text;
    const code = normalizeHeader(text);
    if ((CL_BANKS as readonly string[]).includes(code)) return code;
    errors.push({
      line,
      column,
      code: "bank_unknown",
      message: `"${shownWord(text)}" is not one of Bitex's Chilean bank codes; write one of ${CL_BANKS.join(", ")}`,
    });
    return null;
  }
  const rule = NUMBER_RULES[column];
  if (!rule) return text;
  const result = checkNumber(rule, text);
  if (result.ok) return result.value;
  errors.push({ line, column, code: result.code, message: result.message });
  return null;
}
