/** The problem said of a row Bitex refused names the ids as they went out (src/app/problems.ts). */
import { expect } from "chai";
import { Problems } from "../../src/app/problems.js";
import { reportRow } from "../helpers/report-rows.js";

describe("Problems: a row refused at create", () => {
  it("names the ids as sent, without their leading zeros (0112 went out as 112: helper-77)", () => {
    const problems = new Problems();
    problems.addFailed(
      reportRow({
        status: "failed",
        payer_user_id: "0112",
        recipient_user_id: "00301",
        withdrawal_instruction_id: "002101",
        error_code: "api_not_found",
        error: "Bitex has no such resource (404)",
      }),
    );
    expect(problems.kept.map((problem) => problem.message)).to.deep.equal([
      "Bitex has no such resource (404); ids sent: payer_user_id 112, recipient_user_id 301, withdrawal_instruction_id 2101; check them with `bitex-batch validate --online`",
    ]);
  });
});
