import { expect } from "chai";
import { matchOutputs, outputDifference, type ServerOutput } from "../../src/batch/reconcile.js";
import type { ValidRow } from "../../src/model.js";

function row(line: number, over: Partial<ValidRow> = {}): ValidRow {
  return {
    line,
    reference: "",
    payerUserId: "112",
    senderPort: "ar_ars",
    recipientUserId: "345",
    port: "cl_clp",
    amount: "850000",
    budget: null,
    withdrawalInstructionId: "2121",
    ...over,
  };
}

function out(id: string, over: Partial<ServerOutput> = {}): ServerOutput {
  return {
    id,
    recipientUserId: "345",
    portCode: "cl_clp",
    withdrawalInstructionId: "2121",
    amount: "850000",
    budget: null,
    ...over,
  };
}

const none = new Set<string>();

describe("matchOutputs (multiset reconciliation)", () => {
  it("matches each server output to one row and reports the rest missing", () => {
    const rows = [row(2), row(3, { recipientUserId: "346", withdrawalInstructionId: "2122" })];
    const result = matchOutputs(rows, [out("10")], none);
    expect([...result.matched]).to.deep.equal([[2, "10"]]);
    expect(result.missing.map((r) => r.line)).to.deep.equal([3]);
    expect(result.strangers).to.deep.equal([]);
  });

  it("treats identical rows as a multiset: three rows, two outputs → one missing", () => {
    const rows = [row(2), row(3), row(4)];
    const result = matchOutputs(rows, [out("10"), out("11")], none);
    expect([...result.matched]).to.deep.equal([
      [2, "10"],
      [3, "11"],
    ]);
    expect(result.missing.map((r) => r.line)).to.deep.equal([4]);
  });

  it("takes away outputs already journaled to other rows", () => {
    // Rows 2 and 3 are identical; row 2 is journaled with output 10, so only 11 is free for row 3.
    const result = matchOutputs([row(3)], [out("10"), out("11")], new Set(["10"]));
    expect([...result.matched]).to.deep.equal([[3, "11"]]);
    expect(result.missing).to.deep.equal([]);
  });

  it("does not match when the only identical output is already accounted for", () => {
    const result = matchOutputs([row(3)], [out("10")], new Set(["10"]));
    expect(result.matched.size).to.equal(0);
    expect(result.missing.map((r) => r.line)).to.deep.equal([3]);
  });

  it("compares ids as the numbers they name: a row's 0345 and 02121 are the server's 345 and 2121 (helper-71)", () => {
    const rows = [row(2, { recipientUserId: "0345", withdrawalInstructionId: "02121" })];
    const result = matchOutputs(rows, [out("10")], none);
    expect([...result.matched]).to.deep.equal([[2, "10"]]);
    expect(result.strangers).to.deep.equal([]);
  });

  it("compares amounts as exact decimals, whatever their trailing zeros", () => {
    const rows = [row(2, { port: "mx_mxn", amount: "1200.50" })];
    const result = matchOutputs(rows, [out("10", { portCode: "mx_mxn", amount: "1200.5" })], none);
    expect([...result.matched]).to.deep.equal([[2, "10"]]);
  });

  it("matches a budget row on the budget, even once the quote filled the amount", () => {
    const rows = [row(2, { amount: null, budget: "1500000.00" })];
    const outputs = [out("10", { amount: "1410000", budget: "1500000" })];
    expect([...matchOutputs(rows, outputs, none).matched]).to.deep.equal([[2, "10"]]);
  });

  it("does not take an amount row for a budget output of the same figure", () => {
    const rows = [row(2, { amount: "5000" })];
    const outputs = [out("10", { amount: null, budget: "5000" })];
    const result = matchOutputs(rows, outputs, none);
    expect(result.matched.size).to.equal(0);
    expect(result.strangers.map((o) => o.id)).to.deep.equal(["10"]);
  });

  for (const [field, value] of [
    ["recipientUserId", "999"],
    ["portCode", "mx_mxn"],
    ["withdrawalInstructionId", "9999"],
    ["amount", "850001"],
  ] as const) {
    it(`leaves a row missing when the output differs in ${field}`, () => {
      const result = matchOutputs([row(2)], [out("10", { [field]: value })], none);
      expect(result.matched.size).to.equal(0);
      expect(result.missing.map((r) => r.line)).to.deep.equal([2]);
      expect(result.strangers.map((o) => o.id)).to.deep.equal(["10"]);
    });
  }

  it("partial match among mixed rows keeps input order for the missing ones", () => {
    const rows = [row(2), row(3, { amount: "900000" }), row(4), row(5, { amount: "900000" })];
    const outputs = [out("20", { amount: "900000" }), out("21")];
    const result = matchOutputs(rows, outputs, none);
    expect([...result.matched]).to.deep.equal([
      [2, "21"],
      [3, "20"],
    ]);
    expect(result.missing.map((r) => r.line)).to.deep.equal([4, 5]);
  });
});

describe("outputDifference: how Bitex's answer to a create differs from the row sent (helper-113)", () => {
  it("names the first part that differs, in the row's terms; null when the output is the row's", () => {
    expect(outputDifference(out("1"), row(2))).to.equal(null);
    // The same amount written otherwise, and ids with leading zeros, are the same.
    expect(outputDifference(out("1", { amount: "850000.00" }), row(2, { recipientUserId: "0345" }))).to.equal(
      null,
    );
    expect(outputDifference(out("1", { amount: "850001" }), row(2))).to.equal(
      "amount 850001 where the row says 850000",
    );
    expect(outputDifference(out("1", { withdrawalInstructionId: "2999" }), row(2))).to.equal(
      "withdrawal_instruction_id 2999 where the row says 2121",
    );
    expect(outputDifference(out("1", { recipientUserId: "9" }), row(2))).to.equal(
      "recipient_user_id 9 where the row says 345",
    );
    expect(outputDifference(out("1", { portCode: "uy_uyu" }), row(2))).to.equal(
      "port uy_uyu where the row says cl_clp",
    );
    // A budget row: its budget is what it fixed; the amount a quote fills in is no difference.
    const budgetRow = row(2, { amount: null, budget: "1000.00" });
    expect(outputDifference(out("1", { amount: "777", budget: "1000" }), budgetRow)).to.equal(null);
    expect(outputDifference(out("1", { amount: null, budget: null }), budgetRow)).to.equal(
      "budget none where the row says 1000.00",
    );
  });
});
