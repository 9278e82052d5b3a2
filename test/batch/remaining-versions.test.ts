/** A second version of a remaining file (remaining-versions.ts), on journals written here. */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { plannedEntries } from "../../src/batch/near-copy.js";
import { recordReleased } from "../../src/batch/released.js";
import { findSecondVersion } from "../../src/batch/remaining-versions.js";
import type { ValidRow } from "../../src/model.js";
import { plan } from "../../src/plan/plan.js";
import { validRow } from "../helpers/valid-row.js";

const API = "https://bitex.la/api";
const row = validRow;

const planOf = (rows: ValidRow[], batchId = "new") => plan(batchId, rows);

/**
 * Batch `id`'s journal: begun at `at` from `file`, its rows planned; `released` lines written
 * to its remaining file. `payees: false` writes the planned lines of older versions.
 */
async function batch(
  state: string,
  id: string,
  rows: ValidRow[],
  {
    at,
    file,
    released = [],
    payees = true,
  }: { at: string; file: string; released?: number[]; payees?: boolean },
): Promise<void> {
  await mkdir(join(state, id));
  const planned = plannedEntries(planOf(rows, id), at).map(({ payees: keys, ...entry }) =>
    payees ? { ...entry, payees: keys } : entry,
  );
  const lines = [
    { t: "begin", v: 1, batch_id: id, fingerprint: "f", api: API, file, rows: rows.length, at },
    ...planned,
  ];
  const journal = join(state, id, "journal.jsonl");
  await writeFile(journal, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
  if (released.length > 0) await recordReleased(journal, released);
}

describe("a second version of a remaining file", () => {
  const now = new Date("2026-12-07T12:00:00Z");
  let state: string;
  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), "bb-versions-"));
    // November's batch: both rows lapsed, released to its remaining file.
    await batch(state, "nov", [row(2, "1", "100"), row(3, "2", "200")], {
      at: "2026-12-01T10:00:00Z",
      file: "payroll.csv",
      released: [2, 3],
    });
  });
  const remaining = () => planOf([row(2, "1", "100"), row(3, "2", "200")]);

  it("the remaining file after a copy of it fixed under another name: that copy's batch, both payees", async () => {
    await batch(state, "fixed", [row(2, "1", "110"), row(3, "2", "210")], {
      at: "2026-12-02T10:00:00Z",
      file: "fixed.csv",
    });
    expect(await findSecondVersion(state, remaining(), API, now)).to.deep.equal({
      released: { batchId: "nov", file: "payroll.csv", begunAt: "2026-12-01T10:00:00Z" },
      holder: { batchId: "fixed", file: "fixed.csv", begunAt: "2026-12-02T10:00:00Z" },
      lines: [2, 3],
      rows: 2,
    });
    // Only one of them fixed and sent: its one payee.
    expect((await findSecondVersion(state, planOf([row(2, "1", "100")]), API, now))?.lines.length).to.equal(
      1,
    );
  });

  it("the same payees sent from another balance (another sender port or payer) in the copy, and November begun beyond the window (helper-104)", async () => {
    const fromUsd = (r: ValidRow) => ({ ...r, senderPort: "us_usd", payerUserId: "113" }) as ValidRow;
    await batch(state, "fixed", [fromUsd(row(2, "1", "110")), fromUsd(row(3, "2", "210"))], {
      at: "2026-12-02T10:00:00Z",
      file: "fixed.csv",
    });
    expect((await findSecondVersion(state, remaining(), API, now))?.holder.batchId).to.equal("fixed");
    // Dealt with two months later: the batch that released counts at any age, the holder in the window.
    const later = new Date("2027-01-30T12:00:00Z");
    expect(await findSecondVersion(state, remaining(), API, later)).to.equal(null);
    await batch(state, "fixed-late", [row(2, "1", "120"), row(3, "2", "220")], {
      at: "2027-01-29T10:00:00Z",
      file: "fixed-late.csv",
    });
    expect((await findSecondVersion(state, remaining(), API, later))?.holder.batchId).to.equal("fixed-late");
  });

  it("a fixed copy diluted by late hires (2 rows fixed, 3 new payees): a version both ways (helper-104)", async () => {
    const hires = [row(4, "5", "500"), row(5, "6", "600"), row(6, "7", "700")];
    await batch(state, "fixed", [row(2, "1", "110"), row(3, "2", "210"), ...hires], {
      at: "2026-12-02T10:00:00Z",
      file: "fixed.csv",
    });
    // The hires paid again since (December's payroll) were still new when the copy was made.
    await batch(state, "dec", hires, { at: "2026-12-05T10:00:00Z", file: "dec.csv" });
    expect(await findSecondVersion(state, remaining(), API, now)).to.deep.include({ lines: [2, 3], rows: 2 });
    expect((await findSecondVersion(state, remaining(), API, now))?.holder.batchId).to.equal("fixed");
  });

  it("the remaining file paid first, then a copy of it fixed with 3 late hires appended: refused for its 2 rows", async () => {
    await batch(state, "rest", [row(2, "1", "100"), row(3, "2", "200")], {
      at: "2026-12-02T10:00:00Z",
      file: "payroll.remaining.csv",
    });
    const hires = [row(4, "5", "500"), row(5, "6", "600"), row(6, "3", "300")];
    const diluted = planOf([row(2, "1", "110"), row(3, "2", "210"), ...hires]);
    const found = await findSecondVersion(state, diluted, API, now);
    expect([found?.holder.batchId, found?.lines.length, found?.rows]).to.deep.equal(["rest", 2, 5]);
    // A released payee and a new one beside three paid before: no version.
    await october();
    const paidBefore = [row(3, "7", "700"), row(4, "8", "800"), row(5, "9", "900")];
    const monthly = planOf([row(2, "1", "110"), ...paidBefore, row(6, "5", "500")]);
    expect(await findSecondVersion(state, monthly, API, now)).to.equal(null);
  });

  it("a diluted copy staged, the remaining file paid since, the hires paid in a later payroll: taking the copy up again is refused", async () => {
    const hires = [row(4, "5", "500"), row(5, "6", "600"), row(6, "3", "300")];
    const copy = planOf([row(2, "1", "110"), row(3, "2", "210"), ...hires], "copy");
    await batch(state, "rest", [row(2, "1", "100"), row(3, "2", "200")], {
      at: "2026-12-03T10:00:00Z",
      file: "payroll.remaining.csv",
    });
    await batch(state, "dec", hires, { at: "2026-12-05T10:00:00Z", file: "dec.csv" });
    // The copy's batch (begun 12-02, before both) is the one taken up: its hires were new then.
    const found = await findSecondVersion(state, copy, API, now, undefined, "2026-12-02T10:00:00Z");
    expect([found?.holder.batchId, found?.lines.length, found?.rows]).to.deep.equal(["rest", 2, 5]);
  });

  it("a payee released twice (a salary and a bonus), one fixed and paid: the other goes through, both again do not (helper-104)", async () => {
    await batch(state, "dec", [row(2, "9", "100"), row(3, "9", "50")], {
      at: "2026-12-03T10:00:00Z",
      file: "dec.csv",
      released: [2, 3],
    });
    await batch(state, "salary", [row(2, "9", "110")], { at: "2026-12-04T10:00:00Z", file: "salary.csv" });
    expect(await findSecondVersion(state, planOf([row(2, "9", "50")]), API, now)).to.equal(null);
    const both = await findSecondVersion(state, planOf([row(2, "9", "100"), row(3, "9", "50")]), API, now);
    expect([both?.holder.batchId, both?.lines.length]).to.deep.equal(["salary", 1]);
  });

  /** October's payroll: payees 7, 8 and 9, paid. */
  const october = () =>
    batch(state, "oct", [row(2, "7", "700"), row(3, "8", "800"), row(4, "9", "900")], {
      at: "2026-11-05T10:00:00Z",
      file: "oct.csv",
    });

  it("none when the later batch pays one released payee among others paid before (next month's payroll)", async () => {
    await october();
    await batch(state, "dec", [row(2, "1", "110"), row(3, "7", "700"), row(4, "8", "800")], {
      at: "2026-12-02T10:00:00Z",
      file: "payroll-dec.csv",
    });
    expect(await findSecondVersion(state, planOf([row(2, "1", "100")]), API, now)).to.equal(null);
  });

  it("none when the other version released the rows too, began first, is of another API or of an older version", async () => {
    await batch(state, "lapsed", [row(2, "1", "110"), row(3, "2", "210")], {
      at: "2026-12-02T10:00:00Z",
      file: "fixed.csv",
      released: [2, 3],
    });
    await batch(state, "before", [row(2, "1", "120"), row(3, "2", "220")], {
      at: "2026-11-30T10:00:00Z",
      file: "early.csv",
    });
    await batch(state, "old", [row(2, "1", "130"), row(3, "2", "230")], {
      at: "2026-12-03T10:00:00Z",
      file: "old.csv",
      payees: false,
    });
    expect(await findSecondVersion(state, remaining(), API, now)).to.equal(null);
    expect(await findSecondVersion(state, remaining(), "https://sandbox.bitex.la/api", now)).to.equal(null);
  });

  it("none for a file mostly of payees paid before, and none for the passed over (another month's name)", async () => {
    await october();
    await batch(state, "fixed", [row(2, "1", "110"), row(3, "2", "210")], {
      at: "2026-12-02T10:00:00Z",
      file: "fixed.csv",
    });
    const mostlyPaid = planOf([row(2, "1", "100"), row(3, "7", "700"), row(4, "8", "800")]);
    expect(await findSecondVersion(state, mostlyPaid, API, now)).to.equal(null);
    expect(await findSecondVersion(state, remaining(), API, now, (file) => file === "fixed.csv")).to.equal(
      null,
    );
  });
});

describe("a second version of a remaining file: versions against next month's payroll (helper-105)", () => {
  const now = new Date("2026-12-20T12:00:00Z");
  let state: string;
  /** November: four payees; 1 and 2 lapsed (released), 7 and 8 paid. */
  const november = (dir: string) =>
    batch(dir, "nov", [row(2, "1", "100"), row(3, "2", "200"), row(4, "7", "700"), row(5, "8", "800")], {
      at: "2026-12-01T10:00:00Z",
      file: "nov.csv",
      released: [2, 3],
    });
  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), "bb-versions-"));
    await november(state);
  });
  const hires = [row(6, "5", "500"), row(7, "6", "600"), row(8, "3", "300")];

  it("two fixed copies of one remaining file, each with the same late hires: the second is refused", async () => {
    await batch(state, "copy-a", [row(2, "1", "110"), row(3, "2", "210"), ...hires], {
      at: "2026-12-02T10:00:00Z",
      file: "nov-fixed.csv",
    });
    const copyB = planOf([
      row(2, "1", "120"),
      row(3, "2", "220"),
      ...hires.map((r) => ({ ...r, amount: "1" })),
    ]);
    const found = await findSecondVersion(state, copyB, API, now);
    expect([found?.holder.batchId, found?.lines.length, found?.rows]).to.deep.equal(["copy-a", 2, 5]);
  });

  it("December's payroll (the four, two hires) after November's remaining file was paid: no version", async () => {
    await batch(state, "rest", [row(2, "1", "100"), row(3, "2", "200")], {
      at: "2026-12-03T10:00:00Z",
      file: "nov.remaining.csv",
    });
    const decemberRows = [
      row(2, "1", "105"),
      row(3, "2", "205"),
      row(4, "7", "705"),
      row(5, "8", "805"),
      row(6, "5", "500"),
      row(7, "6", "600"),
    ];
    const december = (dir: string) =>
      batch(dir, "dec", decemberRows, { at: "2026-12-15T10:00:00Z", file: "dec.csv" });
    expect(await findSecondVersion(state, planOf(decemberRows), API, now)).to.equal(null);
    // Nor the other way round: November's remaining file after December's payroll.
    await december(state);
    const remaining = planOf([row(2, "1", "100"), row(3, "2", "200")]);
    expect((await findSecondVersion(state, remaining, API, now))?.holder.batchId).to.equal("rest");
    const fresh = await mkdtemp(join(tmpdir(), "bb-versions-"));
    await november(fresh);
    await december(fresh);
    expect(await findSecondVersion(fresh, remaining, API, now)).to.equal(null);
  });
});
