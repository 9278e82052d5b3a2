/** A row by ids for the batch record's tests: payer 112 pays `recipient` from ar_ars to cl_clp. */
import type { ValidRow } from "../../src/model.js";

export const validRow = (line: number, recipient: string, amount: string): ValidRow => ({
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
