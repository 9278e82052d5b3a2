/** The words of a set-aside file's error.txt: exit 5 says money moved; a remaining file is pointed at. */
import { expect } from "chai";
import { errorReason, errorText, setAsideHeadline, takenWords } from "../../src/app/inbox-words.js";

describe("inbox error.txt", () => {
  it("exit 5, partly accepted: money moved, never drop the file again, the remaining file under a new name", () => {
    expect(
      errorText({
        name: "payroll.csv",
        code: 5,
        error: {
          message:
            "batch abc is partly accepted: 6 row(s) accepted for payment, 3 row(s) of cancelled request(s) 2 not paid",
          hint: "the rows not paid are in /srv/in/payroll.remaining.csv: …",
        },
        byStatus: {},
        to: "failed",
        remaining: "payroll.remaining.csv",
      }),
    ).to.equal(
      "batch abc is partly accepted: 6 row(s) accepted for payment, 3 row(s) of cancelled request(s) 2 not paid\n\n" +
        "Money moved, but not as asked: rows of this file were accepted for payment; never drop this file in the folder again.\n\n" +
        "What to do: the rows not paid are in payroll.remaining.csv beside this file (exactly those rows, as in the file): " +
        "fix them there if needed and drop it in the folder under a new name (like payroll-rest.csv), which pays them and nobody else; " +
        "bitex-batch status failed/payroll.csv --watch follows the rows accepted for payment.\n",
    );
  });

  it("exit 5, accepted above the limit: money moved, check the requests at Bitex", () => {
    expect(
      errorText({
        name: "ars.csv",
        code: 5,
        error: { message: "ACCEPTED ABOVE --max-total (read after accepting): ARS: …" },
        byStatus: {},
        to: "failed/abc",
        remaining: null,
      }),
    ).to.equal(
      "ACCEPTED ABOVE --max-total (read after accepting): ARS: …\n\n" +
        "Money moved, but not as asked: rows of this file were accepted for payment; never drop this file in the folder again.\n\n" +
        "What to do: bitex-batch status failed/abc/ars.csv --watch follows the rows accepted for payment; accepting cannot be undone: check the requests at Bitex now.\n",
    );
  });

  it("exit 1 with rows refused by Bitex: the created rows are said, the remaining file pointed at", () => {
    expect(
      errorText({
        name: "b.csv",
        code: 1,
        error: null,
        byStatus: { created: 4, failed: 1, invalid: 0 },
        to: "failed",
        remaining: "b.remaining.csv",
        stage: "none",
      }),
    ).to.equal(
      "the file finished with exit 1: 4 created, 1 failed; 4 row(s) were created on the server and must not be sent again. " +
        "They are in draft requests, not quoted, so nobody is paid for them yet: to pay them without the other rows, run bitex-batch quote failed/b.csv --allow-partial (it prints the quotes and the command to accept them).\n\n" +
        "What to do: read b.csv's report beside this file (its problem column says, row by row, what to fix); " +
        "the rows not paid are in b.remaining.csv beside this file (exactly those rows, as in the file): " +
        "fix them there if needed and drop it in the folder under a new name (like b-rest.csv), which pays them and nobody else.\n",
    );
  });

  it("exit 1 of a batch followed to its end: how many rows are paid, from the server's states, in the file's line and its error.txt (helper-101)", () => {
    const byState = { settled: 18, rejected: 1 };
    expect(setAsideHeadline(1, "final", byState)).to.equal("18 of 19 row(s) paid, 1 not (exit 1)");
    expect(setAsideHeadline(1, "final", { rejected: 2 })).to.equal("not paid as it is (exit 1)");
    expect(setAsideHeadline(1, "staged", undefined)).to.equal("not paid as it is (exit 1)");
    expect(
      errorReason({
        name: "p.csv",
        code: 1,
        error: null,
        byStatus: { created: 19 },
        to: "failed",
        remaining: null,
        stage: "final",
        byState,
      }),
    ).to.equal(
      "the file finished with exit 1: 19 created; 19 row(s) were created on the server and must not be sent again (18 of 19 row(s) paid, 1 not: see the report).",
    );
  });

  it("exit 1 with every row refused by Bitex: no row created, never 'nothing was sent' (helper-90)", () => {
    const text = errorText({
      name: "c.csv",
      code: 1,
      error: null,
      byStatus: { created: 0, failed: 3 },
      to: "failed",
      remaining: "c.remaining.csv",
      stage: "none",
    });
    expect(text.split("\n")[0]).to.equal(
      "the file finished with exit 1: 3 failed; no row was created: Bitex refused them (see the report); nobody is paid.",
    );
  });

  it("a refusal (exit 2) is its message and hint", () => {
    expect(
      errorText({
        name: "c.csv",
        code: 2,
        error: { message: "c.csv holds the same payments as batch x", hint: "nothing was sent" },
        byStatus: {},
        to: "failed",
        remaining: null,
      }),
    ).to.equal("c.csv holds the same payments as batch x\n\nWhat to do: nothing was sent\n");
  });

  it("a file taken before is dated by the folder's zone, as its done/<date> folder is, not by UTC", () => {
    // 22:30 on November 30 in Buenos Aires is already December 1 in UTC.
    const at = "2026-12-01T01:30:00.000Z";
    expect(takenWords("final", at, "America/Argentina/Buenos_Aires")).to.equal(
      "was taken to its end from this folder on 2026-11-30 (every row in a final state: paid, or not paid as its report says)",
    );
    expect(takenWords("staged", at, "UTC")).to.equal(
      "was staged from this folder on 2026-12-01 (its rows created in draft requests; that run paid nobody)",
    );
  });
});
