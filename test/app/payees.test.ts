import { expect } from "chai";
import { resolutionErrors } from "../../src/app/payees.js";
import type { CheckedRow, PayeeDetails, RawCells, ValidRow } from "../../src/model.js";
import type { PayeePlan, RowPayee } from "../../src/plan/payees.js";

const RAW = {} as RawCells;

function byIds(line: number, reference = "", instruction = "2100"): CheckedRow {
  return { line, ok: true, raw: RAW, row: row(line, reference, "300", instruction) };
}

function byDetails(line: number, account: string, reference = ""): CheckedRow {
  const payee: PayeeDetails = {
    email: "ana.300@example.com",
    name: "Ana Pérez",
    firstName: "",
    lastName: "",
    taxId: "120532146",
    taxIdKind: "rut",
    account: {
      kind: "account_number",
      number: account,
      bank: "bco_chile",
      accountType: "checking",
      routingNumber: "",
      swift: "",
    },
  };
  return { line, ok: true, raw: RAW, row: { ...row(line, reference, "", ""), payee } };
}

function row(line: number, reference: string, recipient: string, instruction: string): ValidRow {
  return {
    line,
    reference,
    payerUserId: "112",
    senderPort: "ar_ars",
    recipientUserId: recipient,
    port: "cl_clp",
    amount: "1329000",
    budget: null,
    withdrawalInstructionId: instruction,
  };
}

function plan(rows: RowPayee[]): PayeePlan {
  return { rows, newPayees: [], newAccounts: [], found: 0, errors: [] };
}

const COPY_OF_2 =
  "the same payment as line 2 once its payee is resolved (user 300, instruction 2100): delete the copy; if both payments are meant, give them distinct references (or pass --allow-duplicates)";

describe("resolutionErrors: what submit would refuse once rows by details resolve as planned", () => {
  it("a row by details found as the instruction a row by ids pays, same money: the later row is a possible duplicate", () => {
    const rows = [byIds(2), byDetails(3, "10000000")];
    const found = plan([{ line: 3, userId: "300", instructionId: "2100", status: "found" }]);
    expect(resolutionErrors(() => rows, found, false)).to.deep.equal([
      { line: 3, column: "", code: "possible_duplicate", message: COPY_OF_2 },
    ]);
    expect(
      resolutionErrors(() => rows, found, true),
      "--allow-duplicates",
    ).to.deep.equal([]);
  });

  it("distinct references say both are meant; another instruction is another payment", () => {
    const found = plan([{ line: 3, userId: "300", instructionId: "2100", status: "found" }]);
    expect(
      resolutionErrors(() => [byIds(2, "A"), byDetails(3, "10000000", "B")], found, false),
    ).to.deep.equal([]);
    expect(
      resolutionErrors(() => [byIds(2, "", "2101"), byDetails(3, "10000000")], found, false),
    ).to.deep.equal([]);
  });

  it("two new accounts of one payee are two payments, though neither has an instruction yet", () => {
    const rows = [byDetails(2, "10000001"), byDetails(3, "10000002")];
    const toCreate = plan([
      { line: 2, userId: "300", instructionId: null, status: "would create" },
      { line: 3, userId: "300", instructionId: null, status: "would create" },
    ]);
    expect(resolutionErrors(() => rows, toCreate, false)).to.deep.equal([]);
  });

  it("keeps resolution's own errors first", () => {
    const error = { line: 3, column: "recipient_tax_id", code: "payee_mismatch", message: "another tax id" };
    const withError: PayeePlan = { ...plan([]), errors: [error] };
    expect(resolutionErrors(() => [byIds(2), byDetails(3, "10000000")], withError, false)).to.deep.equal([
      error,
    ]);
  });
});
