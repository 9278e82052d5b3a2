/**
 * The payees' compliance review as Bitex shows it (reviewedPayees, complianceOf): a user record
 * read in the shapes Bitex was recorded in, and one that shows no review at all.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import type { Loaded } from "../../src/app/load.js";
import { complianceOf, reviewedPayees } from "../../src/app/payee-rows.js";
import { decodePage, type User } from "../../src/bitex/jsonapi.js";
import type { CheckedRow, RawCells, ValidRow } from "../../src/model.js";

const RAW = {} as RawCells;

function byDetails(line: number, recipientUserId: string): CheckedRow {
  const row: ValidRow = {
    line,
    reference: `R${line}`,
    payerUserId: "112",
    senderPort: "ar_ars",
    recipientUserId,
    port: "ar_ars",
    amount: "1000",
    budget: null,
    withdrawalInstructionId: "2100",
    resolved: { status: "found", compliance: "" },
  };
  return { line, ok: true, row, raw: RAW };
}

function loaded(rows: CheckedRow[]): Loaded {
  return {
    file: "payroll.csv",
    source: "payroll.csv",
    contentId: "x",
    reportPath: "payroll.report.csv",
    batchId: "x",
    extraColumns: [],
    rowCount: rows.length,
    checked: () => rows,
    earlyHeld: false,
  };
}

async function review(users: User[], final: ReadonlySet<number> = new Set()) {
  const said: string[][] = [];
  const warned: string[] = [];
  const fresh = await reviewedPayees(
    loaded([byDetails(2, "594"), byDetails(3, "597")]),
    { listUsers: async () => users },
    { warn: (line) => warned.push(line), summary: (lines) => said.push(lines) },
    final,
  );
  const compliance = [...fresh.checked()].map((item) => (item.ok ? item.row.resolved?.compliance : ""));
  return { said, warned, compliance };
}

describe("payees' compliance review as Bitex shows it", () => {
  // fixtures/recorded/users-list.json: users 594 and 597, `kyc_accepted: false`, no compliance_state.
  const recording = JSON.parse(
    readFileSync(new URL("../../fixtures/recorded/users-list.json", import.meta.url), "utf8"),
  ) as { response: { body: unknown } };
  const recorded = decodePage(recording.response.body, "users").items;

  it("the recorded users (kyc_accepted false) are not approved, in words", async () => {
    const { said, compliance } = await review(recorded);
    expect(compliance).to.deep.equal(["not approved", "not approved"]);
    expect(said).to.deep.equal([
      [
        "payees not approved by Bitex's compliance review: 2",
        "  payee 594: not approved at Bitex yet (in review or refused): Bitex may defer the payment until it approves the payee",
        "  payee 597: not approved at Bitex yet (in review or refused): Bitex may defer the payment until it approves the payee",
      ],
    ]);
  });

  it("a payee whose row is final (rejected, settled, …) is not said to have its payment deferred", async () => {
    const { said } = await review(recorded, new Set([2]));
    expect(said).to.deep.equal([
      [
        "payees not approved by Bitex's compliance review: 1",
        "  payee 597: not approved at Bitex yet (in review or refused): Bitex may defer the payment until it approves the payee",
      ],
    ]);
    expect((await review(recorded, new Set([2, 3]))).said).to.deep.equal([]);
  });

  it("a user that shows neither compliance_state nor kyc_accepted is not said to be refused or unapproved", async () => {
    const bare = recorded.map(({ kyc_accepted: _, ...user }) => user as User);
    expect(bare.map(complianceOf)).to.deep.equal(["", ""]);
    const { said, compliance } = await review(bare);
    expect(compliance).to.deep.equal(["", ""]);
    expect(said).to.deep.equal([
      [
        "payees whose compliance review Bitex does not show: 2 (594, 597); their payments may be deferred until Bitex approves them",
      ],
    ]);
  });
});
