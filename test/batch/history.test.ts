import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  batchCounts,
  batchWords,
  earlierBatches,
  paymentsDigest,
  refuseNewBatchOfOldPayments,
  refuseResumeOverLaterBatch,
} from "../../src/batch/history.js";
import { foldJournal, type JournalEntry } from "../../src/batch/journal.js";
import { plannedEntries } from "../../src/batch/near-copy.js";
import { recordReleased } from "../../src/batch/released.js";
import { BatchError } from "../../src/errors.js";
import type { ValidRow } from "../../src/model.js";
import { plan } from "../../src/plan/plan.js";
import { validRow } from "../helpers/valid-row.js";

const row = validRow;

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

describe("batchWords", () => {
  it('says what an earlier batch did with its rows, never "paid" for rows it only staged', () => {
    expect(batchWords({ created: 6, accepted: 6, maybeAccepted: 0, maybeSent: 0, toCreate: 0 })).to.equal(
      "accepted 6 row(s) for payment",
    );
    expect(batchWords({ created: 2, accepted: 0, maybeAccepted: 0, maybeSent: 0, toCreate: 0 })).to.equal(
      "staged 2 row(s) (created in requests it never accepted: not paid by it)",
    );
    expect(batchWords({ created: 4, accepted: 3, maybeAccepted: 0, maybeSent: 2, toCreate: 0 })).to.equal(
      "accepted 3 row(s) for payment, staged 1 row(s) (created in requests it never accepted: not paid by it), may have created 2 row(s) (creates with no answer on record)",
    );
    expect(batchWords({ created: 0, accepted: 0, maybeAccepted: 0, maybeSent: 3, toCreate: 0 })).to.equal(
      "may have created 3 row(s) (creates with no answer on record)",
    );
    expect(batchWords({ created: 0, accepted: 0, maybeAccepted: 0, maybeSent: 0, toCreate: 0 })).to.equal(
      "has created none of them yet (a run of it may be creating them now, or will when it is run again)",
    );
    // Begun with its rows planned and none sent yet: the same words.
    expect(batchWords({ created: 0, accepted: 0, maybeAccepted: 0, maybeSent: 0, toCreate: 5 })).to.equal(
      "has created none of them yet (a run of it may be creating them now, or will when it is run again)",
    );
    expect(batchWords({ created: 2, accepted: 0, maybeAccepted: 0, maybeSent: 0, toCreate: 5 })).to.equal(
      "staged 2 row(s) (created in requests it never accepted: not paid by it), has still to create 5 row(s) (a run of it may be creating them now, or will when it is run again)",
    );
  });
});

describe("refuseNewBatchOfOldPayments", () => {
  it("the same payments as a batch begun that has sent nothing yet (its run may be sending them now) are refused", async () => {
    const api = "https://bitex.la/api";
    const rows = [row(2, "1", "100"), row(3, "2", "200")];
    const state = await mkdtemp(join(tmpdir(), "bb-history-"));
    await mkdir(join(state, "a"));
    const begin = {
      t: "begin",
      v: 1,
      batch_id: "a",
      fingerprint: "f",
      payments: paymentsDigest(plan("a", rows)),
      api,
      file: "/in/a.csv",
      rows: 2,
      // 01:30 on December 1 in UTC: still November 30 for an operator in Buenos Aires.
      at: "2026-12-01T01:30:00.000Z",
    };
    await writeFile(join(state, "a", "journal.jsonl"), `${JSON.stringify(begin)}\n`);
    const refused = await refuseNewBatchOfOldPayments(state, {
      batchId: "b",
      dir: "b",
      file: "/in/b.csv",
      plan: plan("b", rows),
      apiUrl: api,
      remainingFileOf: async () => "/in/b.remaining.csv",
      zone: "America/Argentina/Buenos_Aires",
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(BatchError);
    expect((refused as BatchError).message).to.equal(
      "/in/b.csv holds the same payments as batch a (file /in/a.csv, begun 2026-11-30 22:30:00 -03:00), which has created none of them yet (a run of it may be creating them now, or will when it is run again); sending it as a new batch would pay them again",
    );
  });
});

describe("refuseNewBatchOfOldPayments: the command its hint offers", () => {
  it("an edited file whose earlier batch created rows: status of that file, quoted to paste", async () => {
    const api = "https://bitex.la/api";
    const state = await mkdtemp(join(tmpdir(), "bb-history-"));
    await mkdir(join(state, "a"));
    const file = "/in/Sueldos Diciembre 2026.csv";
    const entries = [
      {
        t: "begin",
        v: 1,
        batch_id: "a",
        fingerprint: "f",
        payments: paymentsDigest(plan("a", [row(2, "1", "100")])),
        api,
        file,
        rows: 1,
        at: "2026-12-01T09:00:00.000Z",
      },
      {
        t: "created",
        line: 2,
        request_id: "7",
        output_id: "71",
        state: "accepting",
        via: "response",
        at: "2026-12-01T09:00:01.000Z",
      },
    ];
    await writeFile(join(state, "a", "journal.jsonl"), entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
    const refused = await refuseNewBatchOfOldPayments(state, {
      batchId: "b",
      dir: "b",
      file,
      plan: plan("b", [row(2, "1", "150")]),
      apiUrl: api,
      remainingFileOf: async () => "/in/Sueldos Diciembre 2026.remaining.csv",
      zone: "UTC",
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(BatchError);
    expect((refused as BatchError).hint).to.equal(
      "nothing was sent; that batch kept no copy of the file as submitted: put /in/Sueldos Diciembre 2026.csv back as it was, and bitex-batch status '/in/Sueldos Diciembre 2026.csv' will follow that batch and write /in/Sueldos Diciembre 2026.remaining.csv with its rows not paid, to fix and submit; a new payment run (next month's payroll) is named with --batch-id, as the README's cron line does",
    );
  });
});

describe("batchCounts", () => {
  it("rows in a request whose accept was sent without an answer may be accepted: never 'never accepted: not paid'", () => {
    const at = "2026-12-01T06:00:00Z";
    const created = (line: number, id: string): JournalEntry => ({
      t: "created",
      line,
      request_id: id,
      output_id: `${line}0`,
      state: "accepting",
      via: "response",
      at,
    });
    const step = (id: string, phase: "intent" | "done"): JournalEntry => ({
      t: "step",
      action: "accept_quote",
      phase,
      request_id: id,
      at,
    });
    const state = foldJournal([
      created(2, "1"),
      created(3, "2"),
      created(4, "2"),
      created(5, "3"),
      step("1", "intent"),
      step("1", "done"),
      step("2", "intent"),
    ]);
    const counts = batchCounts(state);
    expect(counts).to.deep.equal({ created: 4, accepted: 1, maybeAccepted: 2, maybeSent: 0, toCreate: 0 });
    expect(batchWords(counts)).to.equal(
      "accepted 1 row(s) for payment, may have accepted 2 row(s) for payment (an accept left without an answer), staged 1 row(s) (created in requests it never accepted: not paid by it)",
    );
  });
});

describe("earlierBatches with another batch's journal damaged", () => {
  it("refuses, naming that batch's folder and journal line, as another batch's, not this one's (helper-92)", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "bb-history-damaged-"));
    await mkdir(join(stateDir, "6a45fec3ce1ab01e"));
    const path = join(stateDir, "6a45fec3ce1ab01e", "journal.jsonl");
    await writeFile(
      path,
      '{"t":"begin","v":1,"batch_id":"b","fingerprint":"f"}\n{"t":"intent","line":"3"}\n',
    );
    const error = await earlierBatches(stateDir, "other").then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).to.be.instanceOf(BatchError);
    expect((error as BatchError).message).to.equal(
      `another batch of the state directory (6a45fec3ce1ab01e) has a damaged journal: ${path}:2: the batch's journal is damaged (an intent entry without its row); no new batch is sent while it cannot say what it paid`,
    );
  });
});

describe("refuseResumeOverLaterBatch", () => {
  const api = "https://bitex.la/api";
  const rows = [row(2, "1", "100"), row(3, "2", "200"), row(4, "3", "300")];
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

  /** A state directory: batch a (rows 2–4, begun an hour ago, row 2 created) and batch b begun `bAt`, created all `bRows`. */
  async function stateWith(
    bRows: ValidRow[],
    bAt: string,
    released: number[] = [],
    bFile = "/in/b.csv",
    /** Batch b by payee details: its journal opens with a payees line, its begin after it. */
    bByDetails = false,
  ): Promise<string> {
    const state = await mkdtemp(join(tmpdir(), "bb-history-resume-"));
    const journal = async (id: string, at: string, batchRows: ValidRow[], created: number[]) => {
      await mkdir(join(state, id));
      const p = plan(id, batchRows);
      const resolved = batchRows.map((r) => ({
        line: r.line,
        user_id: r.recipientUserId,
        withdrawal_instruction_id: r.withdrawalInstructionId,
        status: "found" as const,
        compliance: "accepted",
      }));
      const payees: JournalEntry[] = id === "b" && bByDetails ? [{ t: "payees", rows: resolved, at }] : [];
      const entries: JournalEntry[] = [
        ...payees,
        {
          t: "begin",
          v: 1,
          batch_id: id,
          fingerprint: p.fingerprint,
          api,
          file: id === "b" ? bFile : `/in/${id}.csv`,
          rows: batchRows.length,
          at,
        },
        ...plannedEntries(p, at),
        ...created.map(
          (line): JournalEntry => ({
            t: "created",
            line,
            request_id: "1",
            output_id: `${id}${line}`,
            state: "accepting",
            via: "response",
            at,
          }),
        ),
      ];
      await writeFile(
        join(state, id, "journal.jsonl"),
        `${entries.map((e) => JSON.stringify(e)).join("\n")}\n`,
      );
    };
    await journal("a", ago(60), rows, [2]);
    await journal(
      "b",
      bAt,
      bRows,
      bRows.map((r) => r.line),
    );
    if (released.length > 0)
      await writeFile(
        join(state, "a", "released.json"),
        JSON.stringify({ lines: released, file: "a.remaining.csv", sha256: [] }),
      );
    return state;
  }
  const resume = (
    state: string,
    file = "/in/a.csv",
    batchId = "a",
    open: "unsent" | "unaccepted" = "unaccepted",
  ) =>
    refuseResumeOverLaterBatch(state, {
      batchId,
      file,
      open,
      plan: plan("a", rows),
      apiUrl: api,
      journalPath: join(state, "a", "journal.jsonl"),
      zone: "UTC",
    }).then(
      () => null,
      (error: unknown) => error as BatchError,
    );

  it("refuses to send the rows a batch begun after it holds (its file edited, paid under --batch-id, put back: helper-89)", async () => {
    const refused = await resume(await stateWith(rows, ago(30)));
    expect(refused).to.be.instanceOf(BatchError);
    expect(refused?.message).to.match(
      /^\/in\/a\.csv: 3 of the 3 row\(s\) batch a \(begun [^)]+\) has not had accepted yet are payments batch b \(file \/in\/b\.csv, begun later, [^)]+\) holds: /,
    );
    expect(refused?.hint).to.equal(
      "nothing was sent; bitex-batch status /in/b.csv --batch-id b shows what that batch paid; if these rows are other payments (a payroll still due beside a later one), submit them as a new batch with a --batch-id of its own (this batch's requests are then never quoted nor accepted)",
    );
  });

  it("lets it go on beside a batch begun before it, other payments, or its own remaining file's rows", async () => {
    expect(await resume(await stateWith(rows, ago(90)))).to.equal(null);
    expect(await resume(await stateWith([row(2, "7", "700"), row(3, "8", "800")], ago(30)))).to.equal(null);
    expect(await resume(await stateWith([row(2, "2", "200"), row(3, "3", "300")], ago(30), [3, 4]))).to.equal(
      null,
    );
    // A later batch of another month, by file name (the inbox's) or batch id (the cron line's), is no copy.
    const months = await stateWith(rows, ago(30), [], "/in/payroll-2026-12.csv");
    expect(await resume(months, "/in/payroll-2026-11.csv")).to.equal(null);
    expect(await resume(months, "/in/payroll.csv", "payroll-2026-11")).to.equal(null);
    expect(await resume(months, "/in/payroll.csv")).to.be.instanceOf(BatchError);
    expect(await resume(months, "/in/payroll-2026-12.csv")).to.be.instanceOf(BatchError);
    // A submit sends only rows not created: row 2 is, and rows 3 and 4 are the later batch's.
    expect((await resume(await stateWith(rows, ago(30)), "/in/a.csv", "a", "unsent"))?.message).to.match(
      /: 2 of the 2 row\(s\) batch a \(begun [^)]+\) has still to send are payments batch b /,
    );
    expect(await resume(await stateWith([row(2, "1", "100")], ago(30)), "/in/a.csv", "a", "unsent")).to.equal(
      null,
    );
    // A later batch by details is seen past its payee lines (helper-93).
    expect(await resume(await stateWith(rows, ago(30), [], "/in/b.csv", true))).to.be.instanceOf(BatchError);
  });
});

describe("refuseNewBatchOfOldPayments: a second version of a remaining file dropped in the inbox's folder", () => {
  const api = "https://bitex.la/api";
  /** Batch `id`'s journal: begun at `at` from `file`, its rows planned (with their payees). */
  async function batch(state: string, id: string, rows: ValidRow[], at: string, file: string) {
    await mkdir(join(state, id));
    const begin = { t: "begin", v: 1, batch_id: id, fingerprint: "f", api, file, rows: rows.length, at };
    const lines = [begin, ...plannedEntries(plan(id, rows), at)];
    await writeFile(
      join(state, id, "journal.jsonl"),
      `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`,
    );
  }

  it("says to keep it out of the folder, never to submit it by a path it has left", async () => {
    const state = await mkdtemp(join(tmpdir(), "bb-history-"));
    const now = Date.now();
    const at = (days: number) => new Date(now - days * 86_400_000).toISOString();
    // November's row lapsed (released); a copy of its remaining file, fixed, was paid since.
    await batch(state, "nov", [row(2, "1", "100")], at(5), "/in/done/2026-12-01/b.csv");
    await recordReleased(join(state, "nov", "journal.jsonl"), [2]);
    await batch(state, "fixed", [row(2, "1", "110")], at(4), "/in/done/2026-12-02/b-fixed.csv");
    const refused = await refuseNewBatchOfOldPayments(state, {
      batchId: "rest",
      dir: "rest",
      file: "/in/b.remaining.csv",
      plan: plan("rest", [row(2, "1", "100")]),
      apiUrl: api,
      remainingFileOf: async () => "/in/b.remaining.remaining.csv",
      zone: "UTC",
      inbox: { whereIs: async (file) => file },
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(BatchError);
    const { message, hint } = refused as BatchError;
    expect(message).to.match(
      /^\/in\/b\.remaining\.csv: 1 of its 1 row\(s\) \(line 2\) go to payees that batch fixed/,
    );
    expect(hint).to.include(
      "if it pays these rows, do not drop it in the folder again; if they are other payments",
    );
    expect(hint).to.include("submit it by hand with a --batch-id of its own");
    expect(hint).to.not.include("/in/b.remaining.csv");
  });
});
