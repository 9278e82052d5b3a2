/** resolutionOf: a journaled resolution is the row's at its line only while that row names the same payee. */
import { expect } from "chai";
import { resolutionOf } from "../../src/app/payee-rows.js";
import type { PayeeResolution } from "../../src/batch/journal.js";
import type { ValidRow } from "../../src/model.js";
import { payeeKeyOf } from "../../src/plan/payees.js";

/** Ana's row giving ids beside her details, as `submit` validates it. */
const both = (user: string, instruction: string): ValidRow => ({
  line: 2,
  reference: "A",
  payerUserId: "112",
  senderPort: "ar_ars",
  recipientUserId: user,
  port: "cl_clp",
  amount: "1329000",
  budget: null,
  withdrawalInstructionId: instruction,
  payee: {
    email: "ana.300@example.com",
    name: "Ana Pérez",
    firstName: "",
    lastName: "",
    taxId: "120532146",
    taxIdKind: "rut",
    account: {
      kind: "account_number",
      number: "10000000",
      bank: "bco_chile",
      accountType: "checking",
      routingNumber: "",
      swift: "",
    },
  },
});

const journaled = (payee_key: string): Map<number, PayeeResolution> =>
  new Map([
    [
      2,
      {
        line: 2,
        user_id: "300",
        withdrawal_instruction_id: "2100",
        status: "found",
        compliance: "",
        payee_key,
      },
    ],
  ]);

describe("resolutionOf", () => {
  it("a row with ids beside its details: its written ids are part of its key; ids edited since are not served (helper-81)", () => {
    const resolutions = journaled(payeeKeyOf(both("300", "2100")));
    expect(resolutionOf(both("300", "2100"), resolutions)?.user_id).to.equal("300");
    expect(resolutionOf(both("0300", "2100"), resolutions)?.user_id).to.equal("300");
    expect(resolutionOf(both("306", "2106"), resolutions)).to.equal(undefined);
  });

  it("journaled by the version before the written ids were in the key: served while the row's ids are the ones resolved (helper-86)", () => {
    const before = journaled(payeeKeyOf(both("300", "2100"), false));
    expect(resolutionOf(both("300", "2100"), before)?.withdrawal_instruction_id).to.equal("2100");
    expect(resolutionOf(both("300", ""), before)?.withdrawal_instruction_id).to.equal("2100");
    // The same details, other ids written: not that row's resolution.
    expect(resolutionOf(both("306", "2106"), before)).to.equal(undefined);
    expect(resolutionOf(both("300", "2106"), before)).to.equal(undefined);
  });
});
