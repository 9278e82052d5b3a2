/** A payment's identity: one definition for the duplicate check, the digest, the fingerprint and reconciliation. */
import { createHash } from "node:crypto";
import { expect } from "chai";
import { paymentIdentity, paymentKey, type ValidRow } from "../src/model.js";
import { plan } from "../src/plan/plan.js";

const row: ValidRow = {
  line: 2,
  reference: "EMP-1",
  payerUserId: "112",
  senderPort: "ar_ars",
  recipientUserId: "300",
  port: "cl_clp",
  amount: "1000.50",
  budget: null,
  withdrawalInstructionId: "2100",
};

describe("paymentIdentity", () => {
  it("is who pays from where, who is paid where, the row's one figure and the instruction", () => {
    expect(paymentIdentity(row)).to.deep.equal({
      payerUserId: "112",
      senderPort: "ar_ars",
      recipientUserId: "300",
      port: "cl_clp",
      money: { column: "amount", value: "1000.50" },
      withdrawalInstructionId: "2100",
    });
    expect(paymentIdentity({ ...row, amount: null, budget: "20" }).money).to.deep.equal({
      column: "budget",
      value: "20",
    });
  });

  it("its key ignores line, reference and how the figure is written; an amount is never a budget", () => {
    expect(paymentKey(paymentIdentity(row))).to.equal("112|ar_ars|300|cl_clp|a:1000.5|2100");
    expect(paymentKey(paymentIdentity({ ...row, line: 9, reference: "X", amount: "1000.500" }))).to.equal(
      paymentKey(paymentIdentity(row)),
    );
    expect(paymentKey(paymentIdentity({ ...row, amount: null, budget: "1000.50" }))).to.equal(
      "112|ar_ars|300|cl_clp|b:1000.5|2100",
    );
  });

  it("the plan's fingerprint is the text every journal so far was begun with", () => {
    const text = "b1\n2,112|ar_ars,300,cl_clp,1000.50,,2100\n3,112|ar_ars,301,cl_clp,,20,2101";
    const expected = createHash("sha256").update(text).digest("hex").slice(0, 32);
    const second: ValidRow = {
      ...row,
      line: 3,
      recipientUserId: "301",
      amount: null,
      budget: "20",
      withdrawalInstructionId: "2101",
    };
    expect(plan("b1", [row, second]).fingerprint).to.equal(expected);
  });
});
