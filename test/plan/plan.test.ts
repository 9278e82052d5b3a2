import { expect } from "chai";
import type { ValidRow } from "../../src/model.js";
import { batchIdHash, batchIdOf, externalIdFor, plan } from "../../src/plan/plan.js";

/** The batch id of a file held whole in memory (the commands hash it while reading). */
function batchIdFor(fileName: string, content: Uint8Array): string {
  return batchIdOf(batchIdHash(fileName).update(content));
}

function row(line: number, payerUserId: string, senderPort: ValidRow["senderPort"]): ValidRow {
  return {
    line,
    reference: `EMP-${line}`,
    payerUserId,
    senderPort,
    recipientUserId: String(300 + line),
    port: "cl_clp",
    amount: "1000",
    budget: null,
    withdrawalInstructionId: String(2000 + line),
  };
}

describe("plan (grouping)", () => {
  const rows = [
    row(2, "112", "ar_ars"),
    row(3, "112", "us_usd"),
    row(4, "", "ar_ars"),
    row(5, "112", "ar_ars"),
    row(6, "", "ar_ars"),
  ];

  const cases: Array<[string, string[], number[][]]> = [
    [
      "one request per (payer, sender port), first-seen order",
      ["112|ar_ars", "112|us_usd", "|ar_ars"],
      [[2, 5], [3], [4, 6]],
    ],
  ];
  for (const [name, keys, lines] of cases) {
    it(name, () => {
      const result = plan("batch-1", rows);
      expect(result.requests.map((r) => r.key)).to.deep.equal(keys);
      expect(result.requests.map((r) => r.rows.map((x) => x.line))).to.deep.equal(lines);
    });
  }

  it("an empty payer (the key's owner) is its own group, not merged with an explicit one", () => {
    const result = plan("b", [row(2, "", "ar_ars"), row(3, "112", "ar_ars")]);
    expect(result.requests.map((r) => r.payerUserId)).to.deep.equal(["", "112"]);
  });

  it("external ids are stable per batch and group, distinct across both, and short", () => {
    expect(externalIdFor("b1", "112|ar_ars")).to.equal(externalIdFor("b1", "112|ar_ars"));
    expect(externalIdFor("b1", "112|ar_ars")).to.not.equal(externalIdFor("b2", "112|ar_ars"));
    expect(externalIdFor("b1", "112|ar_ars")).to.not.equal(externalIdFor("b1", "112|us_usd"));
    expect(externalIdFor("b1", "112|ar_ars")).to.match(/^bb-[0-9a-f]{20}$/);
  });

  it("the fingerprint changes when any planned value changes", () => {
    const a = plan("b", rows).fingerprint;
    expect(plan("b", rows).fingerprint).to.equal(a);
    expect(
      plan("b", [...rows.slice(0, 4), { ...(rows[4] as ValidRow), amount: "1001" }]).fingerprint,
    ).to.not.equal(a);
  });

  it("the default batch id depends on the file's name and bytes", () => {
    const bytes = new TextEncoder().encode("a,b\n1,2\n");
    expect(batchIdFor("p.csv", bytes)).to.equal(batchIdFor("p.csv", bytes));
    expect(batchIdFor("q.csv", bytes)).to.not.equal(batchIdFor("p.csv", bytes));
    expect(batchIdFor("p.csv", new TextEncoder().encode("a,b\n1,3\n"))).to.not.equal(
      batchIdFor("p.csv", bytes),
    );
  });
});
