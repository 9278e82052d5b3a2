/** The near-copy rule's threshold, window, API and released rows, on journals written here. */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { batchWords } from "../../src/batch/history.js";
import { PLANNED_PER_ENTRY } from "../../src/batch/journal.js";
import {
  findNearCopy,
  monthOfName,
  NEAR_COPY_WINDOW_DAYS,
  ofAnotherMonth,
  paymentKeysOf,
  paymentOf,
  plannedEntries,
} from "../../src/batch/near-copy.js";
import { recordReleased } from "../../src/batch/released.js";
import type { ValidRow } from "../../src/model.js";
import { plan } from "../../src/plan/plan.js";
import { validRow } from "../helpers/valid-row.js";

const API = "https://bitex.la/api";
const row = validRow;

const earlierRows = [row(2, "1", "100"), row(3, "2", "200"), row(4, "3", "300"), row(5, "4", "400")];

/** Batch `id`'s journal in `state`: `rows` created in request 1 of `api`, its quote accepted or not. */
async function writeBatch(
  state: string,
  id: string,
  rows: ValidRow[],
  { begunAt, api = API, file = "payroll.csv", accepted = false }: BatchOf,
): Promise<void> {
  await mkdir(join(state, id));
  const lines = [
    { t: "begin", v: 1, batch_id: id, fingerprint: "f", api, file, rows: rows.length, at: begunAt },
    ...rows.flatMap((r) => [
      { t: "intent", line: r.line, request_id: "1", payment: paymentKeysOf(r), at: begunAt },
      {
        t: "created",
        line: r.line,
        request_id: "1",
        output_id: `o${r.line}`,
        state: "accepting",
        via: "response",
        at: begunAt,
      },
    ]),
    ...(accepted
      ? [
          {
            t: "step",
            action: "accept_quote",
            phase: "done",
            request_id: "1",
            state: "quote_accepted",
            at: begunAt,
          },
        ]
      : []),
  ];
  await writeFile(join(state, id, "journal.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
}

interface BatchOf {
  begunAt: string;
  api?: string;
  file?: string;
  accepted?: boolean;
}

/** A state directory holding batch "old" of `earlierRows`. */
async function stateWith(
  begunAt: string,
  api = API,
  file = "payroll.csv",
  accepted = false,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "near-copy-"));
  await writeBatch(dir, "old", earlierRows, { begunAt, api, file, accepted });
  return dir;
}

describe("findNearCopy", () => {
  const now = new Date("2026-12-01T06:00:00Z");
  const recent = "2026-11-20T06:00:00Z";
  /** One row of a file of four that an earlier batch, begun recently, created and accepted. */
  const oneAcceptedOfFour = {
    begunAt: recent,
    same: 1,
    created: 1,
    accepted: 1,
    maybeAccepted: 0,
    maybeSent: 0,
    toCreate: 0,
    rows: 4,
  };

  it("half the rows the same is refused, naming the batch, file, date and count; fewer passes", async () => {
    const state = await stateWith(recent);
    const half = plan("new", [
      row(2, "1", "100"),
      row(3, "2", "200"),
      row(4, "9", "900"),
      row(5, "8", "800"),
    ]);
    expect(await findNearCopy(state, half, API, now)).to.deep.equal({
      batchId: "old",
      file: "payroll.csv",
      begunAt: recent,
      same: 2,
      created: 2,
      // Its requests were never accepted: the same rows are staged by it, not paid.
      accepted: 0,
      maybeAccepted: 0,
      maybeSent: 0,
      toCreate: 0,
      rows: 4,
      released: 0,
    });
    // Once its request was accepted, the same rows are counted as accepted for payment.
    const acceptedState = await stateWith(recent, API, "payroll.csv", true);
    expect((await findNearCopy(acceptedState, half, API, now))?.accepted).to.equal(2);
    const fewer = plan("new", [row(2, "1", "100"), row(3, "7", "700"), row(4, "9", "900")]);
    expect(await findNearCopy(state, fewer, API, now)).to.equal(null);
  });

  it("a batch still creating: the rows it planned and has not sent count, so a near copy started meanwhile is refused", async () => {
    const dir = await mkdtemp(join(tmpdir(), "near-copy-"));
    await mkdir(join(dir, "old"));
    const begunAt = recent;
    const planned = [...earlierRows, row(6, "5", "500"), row(7, "6", "600")];
    const lines = [
      {
        t: "begin",
        v: 1,
        batch_id: "old",
        fingerprint: "f",
        api: API,
        file: "payroll.csv",
        rows: 6,
        at: begunAt,
      },
      ...plannedEntries(plan("old", planned), begunAt),
      // One row created, one sent without an answer; the other four not sent yet.
      { t: "intent", line: 2, request_id: "1", payment: paymentOf(planned[0] as ValidRow), at: begunAt },
      {
        t: "created",
        line: 2,
        request_id: "1",
        output_id: "o2",
        state: "accepting",
        via: "response",
        at: begunAt,
      },
      { t: "intent", line: 3, request_id: "1", payment: paymentOf(planned[1] as ValidRow), at: begunAt },
    ];
    await writeFile(join(dir, "old", "journal.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    // The same payroll with one amount corrected, under another name.
    const corrected = plan("new", [...planned.slice(0, 5), row(7, "6", "650")]);
    const near = await findNearCopy(dir, corrected, API, now);
    expect(near).to.deep.include({ same: 5, created: 1, maybeSent: 1, toCreate: 3, accepted: 0, rows: 6 });
    expect(batchWords(near as NonNullable<typeof near>)).to.equal(
      "staged 1 row(s) (created in requests it never accepted: not paid by it), may have created 1 row(s) (creates with no answer on record), has still to create 3 row(s) (a run of it may be creating them now, or will when it is run again)",
    );
    // Without its planned rows (a journal written before them) only the two it sent count: passed.
    const older = lines.filter((line) => line.t !== "planned");
    await writeFile(join(dir, "old", "journal.jsonl"), `${older.map((l) => JSON.stringify(l)).join("\n")}\n`);
    expect(await findNearCopy(dir, corrected, API, now)).to.equal(null);
  });

  it("a file holding every row an earlier batch planned is refused whatever the share (its remaining file with late hires appended, helper-101); a journal naming only the rows it sent is judged by the share", async () => {
    const dir = await mkdtemp(join(tmpdir(), "near-copy-"));
    await mkdir(join(dir, "small"));
    const small = [row(2, "1", "100"), row(3, "2", "200")];
    const created = small.flatMap((r) => [
      { t: "intent", line: r.line, request_id: "1", payment: paymentKeysOf(r), at: recent },
      {
        t: "created",
        line: r.line,
        request_id: "1",
        output_id: `o${r.line}`,
        state: "accepting",
        via: "response",
        at: recent,
      },
    ]);
    const begin = {
      t: "begin",
      v: 1,
      batch_id: "small",
      fingerprint: "f",
      api: API,
      file: "c.remaining.csv",
      rows: 2,
      at: recent,
    };
    const write = (lines: object[]) =>
      writeFile(join(dir, "small", "journal.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    await write([begin, ...plannedEntries(plan("small", small), recent), ...created]);
    const appended = plan("new", [...small, row(4, "7", "700"), row(5, "8", "800"), row(6, "9", "900")]);
    expect(await findNearCopy(dir, appended, API, now)).to.deep.include({
      batchId: "small",
      same: 2,
      rows: 5,
    });
    // Not for a file named with its month under --month-in-name (next month's payroll).
    expect(await findNearCopy(dir, appended, API, now, undefined, undefined, false)).to.equal(null);
    // One of its rows left out: the share decides (2 of 5 is less than half).
    const without = plan("new", [
      small[0] as ValidRow,
      row(4, "7", "700"),
      row(5, "8", "800"),
      row(6, "9", "900"),
    ]);
    expect(await findNearCopy(dir, without, API, now)).to.equal(null);
    await write([begin, ...created]);
    expect(await findNearCopy(dir, appended, API, now)).to.equal(null);
  });

  it("planned rows go to the journal in pieces, every row once with its payment", () => {
    const many = Array.from({ length: PLANNED_PER_ENTRY + 2 }, (_, i) => row(i + 2, String(i), "10"));
    const entries = plannedEntries(plan("b", many), recent);
    expect(entries.map((entry) => entry.lines.length)).to.deep.equal([PLANNED_PER_ENTRY, 2]);
    expect(entries.flatMap((entry) => entry.lines)).to.deep.equal(many.map((r) => r.line));
    expect(entries[1]?.payments).to.deep.equal(many.slice(-2).map(paymentOf));
  });

  it(`counts only batches of the same API begun within ${NEAR_COPY_WINDOW_DAYS} days`, async () => {
    const copy = plan("new", earlierRows);
    const old = new Date(now.getTime() - (NEAR_COPY_WINDOW_DAYS + 1) * 86_400_000).toISOString();
    expect(await findNearCopy(await stateWith(old), copy, API, now)).to.equal(null);
    expect(
      await findNearCopy(await stateWith(recent, "https://sandbox.bitex.la/api"), copy, API, now),
    ).to.equal(null);
    expect((await findNearCopy(await stateWith(recent), copy, API, now))?.same).to.equal(4);
  });

  it("rows released to the remaining file are not counted", async () => {
    const state = await stateWith(recent);
    await recordReleased(join(state, "old", "journal.jsonl"), [2, 3, 4]);
    expect(await findNearCopy(state, plan("new", earlierRows.slice(0, 3)), API, now)).to.equal(null);
  });

  it("rows it released are not counted among the new file's rows either: its file sent again after one row was accepted is refused", async () => {
    // Row 2 was accepted (its request); rows 3-5 were released to the remaining file.
    const state = await stateWith(recent, API, "payroll.csv", true);
    await recordReleased(join(state, "old", "journal.jsonl"), [3, 4, 5]);
    const corrected = plan("new", [...earlierRows.slice(0, 3), row(5, "4", "401")]);
    expect(await findNearCopy(state, corrected, API, now)).to.deep.equal({
      batchId: "old",
      file: "payroll.csv",
      ...oneAcceptedOfFour,
      released: 2,
    });
    // Its remaining file, alone or with new payments, is not a copy of anything it paid.
    const rest = plan("new", [...earlierRows.slice(1), row(6, "9", "900")]);
    expect(await findNearCopy(state, rest, API, now)).to.equal(null);
  });

  it("rows released by one batch and sent again by another: its remaining file written again with more rows is refused as a copy of that other batch", async () => {
    // Row 2 was released first and sent as a batch of its own; rows 3-5 were released later.
    const state = await stateWith(recent);
    await recordReleased(join(state, "old", "journal.jsonl"), [2, 3, 4, 5]);
    await writeBatch(state, "rest", earlierRows.slice(0, 1), {
      begunAt: recent,
      file: "payroll.remaining.csv",
      accepted: true,
    });
    const rewritten = plan("new", earlierRows);
    expect(await findNearCopy(state, rewritten, API, now)).to.deep.equal({
      batchId: "rest",
      file: "payroll.remaining.csv",
      ...oneAcceptedOfFour,
      released: 3,
    });
    // Without the row that batch pays: the other batch's remaining rows, not a copy.
    expect(await findNearCopy(state, plan("new", earlierRows.slice(1)), API, now)).to.equal(null);
  });

  it("names that carry their month (the inbox's --month-in-name): another month's batch is passed over, the same month's and a nameless one's are not", async () => {
    expect(
      [
        "payroll-2026-12.csv",
        "/srv/in/nomina_2026-01-rest.xlsx",
        "pay 2026-13.csv",
        "payroll-202612.csv",
        "x12026-12.csv",
      ].map(monthOfName),
    ).to.deep.equal(["2026-12", "2026-01", null, null, null]);
    const december = ofAnotherMonth("/srv/in/payroll-2026-12 (1).csv");
    expect(
      ["payroll-2026-11.csv", "/srv/in/payroll-2026-12.csv", "payroll.csv"].map((file) => december(file)),
    ).to.deep.equal([true, false, false]);
    expect(ofAnotherMonth("payroll.csv")("payroll-2026-11.csv")).to.equal(false);
    const copy = plan("new", earlierRows);
    const november = await stateWith(recent, API, "/srv/in/payroll-2026-11.csv");
    expect(await findNearCopy(november, copy, API, now, december)).to.equal(null);
    expect(
      (await findNearCopy(november, copy, API, now, ofAnotherMonth("payroll-2026-11 (1).csv")))?.same,
    ).to.equal(4);
    expect((await findNearCopy(november, copy, API, now))?.same).to.equal(4);
  });

  /** A row naming its payee by details, resolved to user `user` (instruction w<user>). */
  const byDetails = (line: number, email: string, cbu: string, amount: string, user: string): ValidRow =>
    ({
      ...row(line, user, amount),
      payee: { email, account: { kind: "cbu", number: cbu, bank: "" } },
      resolved: { status: "created", compliance: "" },
    }) as unknown as ValidRow;
  const cbus = ["0110599500000001000016", "0110599500000001000023", "0110599500000001000030"];

  it("rows by details are compared by the account they pay: the same payroll with new emails, made new Bitex users, is refused (helper-81)", async () => {
    const state = await mkdtemp(join(tmpdir(), "near-copy-"));
    const paid = cbus.map((cbu, i) => byDetails(i + 2, `p${i}@old.example.com`, cbu, "1000", `${300 + i}`));
    await writeBatch(state, "old", paid, { begunAt: recent, accepted: true });
    const resent = cbus.map((cbu, i) => byDetails(i + 2, `p${i}@new.example.com`, cbu, "1000", `${400 + i}`));
    const account = (r: ValidRow) => paymentKeysOf(r).split(" ")[1];
    expect(account(resent[0] as ValidRow)).to.equal(account(paid[0] as ValidRow));
    expect(await findNearCopy(state, plan("new", resent), API, now)).to.deep.include({
      batchId: "old",
      same: 3,
      accepted: 3,
      rows: 3,
    });
    // Another account, or another amount, is another payment.
    const other = byDetails(2, "p0@new.example.com", cbus[1] as string, "1000", "400");
    expect(account(other)).to.not.equal(account(paid[0] as ValidRow));
    expect(account(byDetails(2, "p0@old.example.com", cbus[0] as string, "1001", "300"))).to.not.equal(
      account(paid[0] as ValidRow),
    );
  });

  it("a batch by details, then the same payments written by ids (a file built from its report): refused, the same payments (helper-86)", async () => {
    const state = await mkdtemp(join(tmpdir(), "near-copy-"));
    const paid = cbus.map((cbu, i) => byDetails(i + 2, `p${i}@example.com`, cbu, "1000", `${300 + i}`));
    await writeBatch(state, "old", paid, { begunAt: recent, accepted: true });
    const byIds = cbus.map((_, i) => row(i + 2, `${300 + i}`, "1000"));
    expect(await findNearCopy(state, plan("new", byIds), API, now)).to.deep.include({ same: 3, accepted: 3 });
    // And the exact-copy digest (paymentsDigest sums paymentOf): the same payments both ways.
    expect(byIds.map(paymentOf)).to.deep.equal(paid.map(paymentOf));
  });

  it("a row by details still matches an earlier batch by the ids it resolved to: a file by ids, or a journal of a version that kept only those", async () => {
    const state = await stateWith(recent, API, "payroll.csv", true);
    const sameIds = earlierRows.map((r, i) =>
      byDetails(r.line, `p${i}@example.com`, cbus[i % 3] as string, r.amount as string, r.recipientUserId),
    );
    expect(await findNearCopy(state, plan("new", sameIds), API, now)).to.deep.include({
      same: 4,
      accepted: 4,
    });
  });
});
