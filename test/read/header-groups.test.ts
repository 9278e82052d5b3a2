/**
 * The header's two groups of payee columns: a header by ids reads as it always did; one with
 * a payee-details column needs the ids no more, but the details' own required columns unless
 * the ids are all there; the details columns' Spanish and Portuguese names.
 */
import { expect } from "chai";
import { BatchError } from "../../src/errors.js";
import { canonicalColumn, mapHeader, requiredColumns } from "../../src/read/headers.js";

const required = requiredColumns();
const file = "nomina.csv";

function refusal(header: string[]): string {
  try {
    mapHeader(header, { required, file });
  } catch (error) {
    if (error instanceof BatchError) return error.message;
    throw error;
  }
  return "";
}

describe("read/headers: ids or payee details", () => {
  it("a header by details alone needs no ids", () => {
    const header = mapHeader(
      ["sender_port", "port", "amount", "recipient_email", "recipient_tax_id", "cbu"],
      {
        required,
        file,
      },
    );
    expect(header.index).to.deep.equal({
      sender_port: 0,
      port: 1,
      amount: 2,
      recipient_email: 3,
      recipient_tax_id: 4,
      cbu: 5,
    });
  });

  it("a header with both groups whole reads both; the details' required columns are not needed", () => {
    const header = mapHeader(
      ["sender_port", "recipient_user_id", "port", "amount", "withdrawal_instruction_id", "cbu"],
      { required, file },
    );
    expect(header.index.cbu).to.equal(5);
  });

  it("a details header with one id only needs the details' required columns", () => {
    expect(refusal(["sender_port", "recipient_user_id", "port", "amount", "cbu"])).to.equal(
      'nomina.csv:1: missing columns "recipient_email", "recipient_tax_id" (the header has: sender_port, recipient_user_id, port, amount, cbu); or give the payees by Bitex ids (recipient_user_id and withdrawal_instruction_id)',
    );
  });

  it("suggests the closest header for a details column", () => {
    expect(refusal(["sender_port", "port", "amount", "Email", "recipient_tax_id", "cbu"])).to.equal(
      'nomina.csv:1: missing column "recipient_email" (closest header present: "Email"); or give the payees by Bitex ids (recipient_user_id and withdrawal_instruction_id)',
    );
  });

  const aliases: Array<[string, string | null]> = [
    ["Correo Beneficiario", "recipient_email"],
    ["E-mail do Beneficiário", "recipient_email"],
    ["Nombre Completo", "recipient_name"],
    ["Nome do Beneficiário", "recipient_name"],
    ["Apellidos", "recipient_last_name"],
    ["Sobrenome", "recipient_last_name"],
    ["CUIT/CUIL", "recipient_tax_id"],
    ["RUT", "recipient_tax_id"],
    ["CPF/CNPJ", "recipient_tax_id"],
    ["Tipo de Documento Fiscal", "recipient_tax_id_kind"],
    ["CLABE Interbancaria", "clabe"],
    ["Código de Cuenta Interbancario", "cci"],
    ["Banco", "bank"],
    ["Nome do Banco", "bank"],
    ["Tipo de Cuenta", "account_type"],
    ["Tipo de Conta", "account_type"],
    ["Número de Cuenta", "account_number"],
    ["Número da Conta", "account_number"],
    ["ABA Routing Number", "routing_number"],
    ["SWIFT/BIC", "swift"],
    // Too often someone else's: the company's, a contact's, a note.
    ["Email", null],
    ["Nombre", null],
    ["name", null],
    ["Cuenta", null],
  ];
  for (const [name, column] of aliases) {
    it(`"${name}" → ${column ?? "unknown"}`, () => {
      expect(canonicalColumn(name)).to.equal(column);
    });
  }
});
