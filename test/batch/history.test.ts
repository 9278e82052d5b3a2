import { expect } from "chai";
import { type EarlierBatch, paidWords, paymentsDigest } from "../../src/batch/history.js";
import type { ValidRow } from "../../src/model.js";
import { plan } from "../../src/plan/plan.js";

const row = (line: number, recipient: string, amount: string): ValidRow => ({
  line,
  reference: `R${line}`,
  payerUserId: "112",
  senderPort: "ar_ars",
  recipientUserId: recipient,
  port: "cl_clp",
  amount,
  budget: null,
  withdrawalInstructionId: `9${recipient}`,
});

describe("paymentsDigest (the same payments under any name)", () => {
  const rows = [row(2, "1", "100"), row(3, "2", "200"), row(4, "2", "200")];
  const digest = paymentsDigest(plan("a", rows));

  it("does not depend on the batch id, the rows' order or lines, or how an amount is written", () => {
    const reordered = [row(7, "2", "200.00"), row(9, "1", "100"), row(8, "2", "200")];
    expect(paymentsDigest(plan("b", reordered))).to.equal(digest);
  });

  it("changes with an amount, a recipient, or one identical row more or less", () => {
    expect(
      paymentsDigest(plan("a", [row(2, "1", "101"), row(3, "2", "200"), row(4, "2", "200")])),
    ).to.not.equal(digest);
    expect(
      paymentsDigest(plan("a", [row(2, "3", "100"), row(3, "2", "200"), row(4, "2", "200")])),
    ).to.not.equal(digest);
    expect(paymentsDigest(plan("a", rows.slice(0, 2)))).to.not.equal(digest);
  });
});

describe("paidWords", () => {
  const batch = (created: number, maybeSent: number): EarlierBatch => ({
    batchId: "b",
    dir: "b",
    file: "p.csv",
    begunAt: "t",
    api: "https://sandbox.bitex.la/api",
    created,
    maybeSent,
    payments: undefined,
  });
  it("says what an earlier batch paid, and what it may have paid", () => {
    expect(paidWords(batch(6, 0))).to.equal("paid 6 row(s)");
    expect(paidWords(batch(4, 2))).to.equal(
      "paid 4 row(s) and may have paid 2 more (creates left without an answer)",
    );
    expect(paidWords(batch(0, 3))).to.equal("may have paid 3 row(s) (creates left without an answer)");
  });
});
