import { expect } from "chai";
import { complianceWords } from "../../src/report/compliance.js";

describe("report/compliance: a payee's review in words", () => {
  it("defers a payment only while it is not final, and promises nothing of a final row (helper-108)", () => {
    expect(complianceWords("enabled")).to.equal("approved");
    expect(complianceWords("new")).to.equal(
      "in review at Bitex: Bitex may defer the payment until it approves the payee and may ask for more (documents)",
    );
    expect(complianceWords("new", true)).to.equal("in review at Bitex");
    expect(complianceWords("rejected")).to.equal(
      "refused by Bitex's compliance review: Bitex will not pay this payee",
    );
    // Refused after a payment that settled: never "will not pay" beside "paid".
    expect(complianceWords("rejected", true)).to.equal("refused by Bitex's compliance review");
  });
});
