/**
 * `bitex-batch template payees`: a payroll that names each payee by details instead of Bitex
 * ids, one example row per kind of account (README, "Paying by payee details"). The numbers
 * are published test values that pass the offline checks; `validate` takes the file as is,
 * while `submit` refuses it until payees can be created.
 */
import type { InputColumn } from "../model.js";
import { type CsvFormat, DIALECTS, numberCell, stringifyRecords } from "../writers/dialect.js";

const COLUMNS = [
  "reference",
  "payer_user_id",
  "sender_port",
  "port",
  "amount",
  "budget",
  "recipient_email",
  "recipient_name",
  "recipient_tax_id",
  "recipient_tax_id_kind",
  "cbu",
  "cvu",
  "clabe",
  "bank",
  "account_type",
  "account_number",
  "routing_number",
  "iban",
  "swift",
] as const satisfies readonly InputColumn[];

type Example = Partial<Record<(typeof COLUMNS)[number], string>>;

const COMMON = { payer_user_id: "112", sender_port: "ar_ars" };

const EXAMPLES: readonly Example[] = [
  // Argentina: a CBU (or a CVU in its own column); the tax id is the CUIT/CUIL.
  {
    ...COMMON,
    reference: "EMP-2001",
    port: "ar_ars",
    amount: "850000",
    recipient_email: "ana.perez@example.com",
    recipient_name: "Ana Pérez",
    recipient_tax_id: "20-05536168-2",
    cbu: "2850590940090418135201",
  },
  // Mexico: a CLABE; the tax id is the RFC.
  {
    ...COMMON,
    reference: "EMP-2002",
    port: "mx_mxn",
    amount: "15000",
    recipient_email: "luis.garcia@example.com",
    recipient_name: "Luis García",
    recipient_tax_id: "GODE561231GR8",
    clabe: "002000000000000008",
  },
  // Chile: Bitex's bank code, the account type and number; the tax id is the RUT.
  {
    ...COMMON,
    reference: "EMP-2003",
    port: "cl_clp",
    amount: "1329000",
    recipient_email: "marta.rojas@example.com",
    recipient_name: "Marta Rojas",
    recipient_tax_id: "10.626.628-K",
    bank: "santander_ch",
    account_type: "checking",
    account_number: "0012345678",
  },
  // United States: ABA routing number, account number and type; the tax id is the SSN or EIN.
  {
    ...COMMON,
    reference: "EMP-2004",
    sender_port: "us_usd",
    port: "us_usd",
    budget: "1250.50",
    recipient_email: "john.smith@example.com",
    recipient_name: "John Smith",
    recipient_tax_id: "123-45-6789",
    account_type: "savings",
    account_number: "1234567890",
    routing_number: "021000021",
  },
  // Any other country: an IBAN (and the bank's SWIFT/BIC); the tax id of the payee's country.
  {
    ...COMMON,
    reference: "EMP-2005",
    sender_port: "us_usd",
    port: "other_eur",
    amount: "900",
    recipient_email: "eva.muller@example.com",
    recipient_name: "Eva Müller",
    recipient_tax_id: "X1234567",
    iban: "DE89370400440532013000",
    swift: "COBADEFFXXX",
  },
];

export function templatePayeesCsv(format: CsvFormat): string {
  const dialect = DIALECTS[format];
  const rows = EXAMPLES.map((example) =>
    COLUMNS.map((column) => {
      const cell = example[column] ?? "";
      return column === "amount" || column === "budget" ? numberCell(cell, dialect, true) : cell;
    }),
  );
  return stringifyRecords([[...COLUMNS], ...rows], dialect, true);
}
