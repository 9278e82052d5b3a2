/**
 * A remaining file is one batch's (app/remaining.ts): a later run of that batch writes over
 * the file it wrote, never over one another batch wrote there (two batches of one input name)
 * or one changed since; its rows then go to `<input>.<batch>.remaining.csv`, and stay there.
 * A file of a drop folder gets its remaining file where the inbox moved it, never back in the
 * folder, and only while no inbox run works the folder (remaining-home.ts).
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  type RemainingInput,
  remainingFileOf,
  remainingOf,
  writeRemainingFile,
} from "../../src/app/remaining.js";
import { recordReleased } from "../../src/batch/released.js";
import type { CheckedRow, RowOutcome, ValidRow } from "../../src/model.js";
import { tempDir } from "../helpers/cli.js";
import { recordingConsole } from "../helpers/console.js";

const failed: RowOutcome = { status: "failed", requestId: "r", code: "x", error: "refused", at: "t" };
const valid = (line: number): CheckedRow => ({ line, ok: true, row: { line } as ValidRow, raw: {} as never });

const CSV = "reference,amount\nA,1\nB,2\nC,3\n";
const rowsOf = (...lines: number[]) =>
  `reference,amount\n${lines.map((n) => `${"ABC"[n - 2]},${n - 1}\n`).join("")}`;

/** A batch of `csv` (its journal in `<dir>/state/<id>/`) whose rows at `refused` Bitex refused. */
async function batch(dir: string, csv: string, id: string, refused: number[]): Promise<RemainingInput> {
  await mkdir(join(dir, "state", id), { recursive: true });
  await writeFile(join(dir, "state", id, "journal.jsonl"), "");
  return {
    csv,
    source: csv,
    checked: () => [2, 3, 4].map(valid),
    outcomes: new Map(refused.map((line) => [line, failed])),
    requestStates: new Map(),
    journalPath: join(dir, "state", id, "journal.jsonl"),
    batchId: id,
  };
}

describe("the remaining file is one batch's", () => {
  it("another batch of the input's name leaves the file of the first as it is: its rows go to a file of its own, run after run", async () => {
    const dir = await tempDir();
    const csv = join(dir, "payroll.csv");
    await writeFile(csv, CSV);
    const nov = await batch(dir, csv, "nov", [2]);
    const dec = await batch(dir, csv, "dec", [3, 4]);
    expect(await writeRemainingFile(recordingConsole(), nov)).to.deep.equal({
      rows: 1,
      file: join(dir, "payroll.remaining.csv"),
    });
    const out = recordingConsole();
    expect(await writeRemainingFile(out, dec)).to.deep.equal({
      rows: 2,
      file: join(dir, "payroll.dec.remaining.csv"),
    });
    expect(out.said[0]).to.equal(
      `${join(dir, "payroll.remaining.csv")} is not this batch's (another batch's remaining file, or changed since this batch wrote it): left as it is; the rows of batch dec not paid go to ${join(dir, "payroll.dec.remaining.csv")}`,
    );
    expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(rowsOf(2));
    expect(await readFile(join(dir, "payroll.dec.remaining.csv"), "utf8")).to.equal(rowsOf(3, 4));
    // Each run of each batch writes its own file again, and the words name it before it does.
    expect(await remainingFileOf(dec)).to.equal(join(dir, "payroll.dec.remaining.csv"));
    expect(await remainingFileOf(nov)).to.equal(join(dir, "payroll.remaining.csv"));
    const again = recordingConsole();
    expect(await writeRemainingFile(again, dec)).to.deep.equal({
      rows: 2,
      file: join(dir, "payroll.dec.remaining.csv"),
    });
    expect(again.said).to.have.length(1); // the file it wrote, no warning
    expect(
      (
        await writeRemainingFile(recordingConsole(), {
          ...nov,
          outcomes: new Map([
            [2, failed],
            [4, failed],
          ]),
        })
      ).file,
    ).to.equal(join(dir, "payroll.remaining.csv"));
    expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(rowsOf(2, 4));
    expect(await readFile(join(dir, "payroll.dec.remaining.csv"), "utf8")).to.equal(rowsOf(3, 4));
  });

  it("the same rows released by two batches are two files, never one file for both", async () => {
    const dir = await tempDir();
    const csv = join(dir, "payroll.csv");
    await writeFile(csv, CSV);
    const nov = await batch(dir, csv, "nov", [2]);
    const dec = await batch(dir, csv, "dec", [2]);
    expect((await writeRemainingFile(recordingConsole(), nov)).file).to.equal(
      join(dir, "payroll.remaining.csv"),
    );
    expect((await writeRemainingFile(recordingConsole(), dec)).file).to.equal(
      join(dir, "payroll.dec.remaining.csv"),
    );
    expect((await readdir(dir)).sort()).to.deep.equal([
      "payroll.csv",
      "payroll.dec.remaining.csv",
      "payroll.remaining.csv",
      "state",
    ]);
  });

  it("a file changed since the batch wrote it (edited by hand) is left as it is, and its rows are never written into another file; rows released since go to the batch's own", async () => {
    const dir = await tempDir();
    const csv = join(dir, "payroll.csv");
    await writeFile(csv, CSV);
    const nov = await batch(dir, csv, "nov", [2]);
    await writeRemainingFile(recordingConsole(), nov);
    // The operator corrects the row there (an amount): that file pays it, once (helper-101).
    await writeFile(join(dir, "payroll.remaining.csv"), "reference,amount\nA,100\n");
    const out = recordingConsole();
    expect(await writeRemainingFile(out, nov)).to.deep.equal({ rows: 0, file: null });
    expect(out.said).to.include(
      `1 row(s) not paid and not being paid were released to ${join(dir, "payroll.remaining.csv")} before, which changed or is gone since: never written into another file; pay them from that file if it still holds them`,
    );
    expect((await readdir(dir)).sort()).to.deep.equal(["payroll.csv", "payroll.remaining.csv", "state"]);
    // Row 3 not paid since: the batch's own file, with row 3 alone.
    expect(
      (
        await writeRemainingFile(recordingConsole(), {
          ...nov,
          outcomes: new Map([
            [2, failed],
            [3, failed],
          ]),
        })
      ).file,
    ).to.equal(join(dir, "payroll.nov.remaining.csv"));
    expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal("reference,amount\nA,100\n");
    expect(await readFile(join(dir, "payroll.nov.remaining.csv"), "utf8")).to.equal(rowsOf(3));
    expect(JSON.parse(await readFile(join(dir, "state", "nov", "released.json"), "utf8"))).to.deep.include({
      lines: [2, 3],
      homes: { 2: "payroll.remaining.csv", 3: "payroll.nov.remaining.csv" },
    });
    // That file gone (moved away to be submitted under another name): row 3 is not written
    // again; row 4, not paid since, goes to a name never used.
    await rm(join(dir, "payroll.nov.remaining.csv"));
    const gone = recordingConsole();
    const all = new Map([2, 3, 4].map((line) => [line, failed] as const));
    expect(await writeRemainingFile(gone, { ...nov, outcomes: all })).to.deep.equal({
      rows: 1,
      file: join(dir, "payroll.nov.2.remaining.csv"),
    });
    expect(gone.said).to.include(
      `${join(dir, "payroll.nov.remaining.csv")} is gone (moved or deleted since this batch wrote it: submitted under another name?): its rows are not written again; the rows of batch nov not paid since go to ${join(dir, "payroll.nov.2.remaining.csv")}`,
    );
    expect(await readFile(join(dir, "payroll.nov.2.remaining.csv"), "utf8")).to.equal(rowsOf(4));
    expect((await readdir(dir)).sort()).to.deep.equal([
      "payroll.csv",
      "payroll.nov.2.remaining.csv",
      "payroll.remaining.csv",
      "state",
    ]);
  });

  it("a remaining file submitted as a batch is that batch's (its input's bytes are the file's): never written again, its rows in no other file; rows released since go to the batch's own", async () => {
    const dir = await tempDir();
    const csv = join(dir, "payroll.csv");
    await writeFile(csv, CSV);
    const API = "http://x/api";
    /** A batch begun from `file` at `at`, its input copy `bytes` beside its journal. */
    const begun = async (id: string, file: string, at: string, bytes: string, api = API) => {
      await mkdir(join(dir, "state", id), { recursive: true });
      const begin = { t: "begin", v: 1, batch_id: id, fingerprint: "f", api, file, rows: 1, at };
      await writeFile(join(dir, "state", id, "journal.jsonl"), `${JSON.stringify(begin)}\n`);
      await writeFile(join(dir, "state", id, "input.csv"), bytes);
    };
    const nov = await batch(dir, csv, "nov", [2]);
    await begun("nov", "payroll.csv", "2026-11-30T10:00:00.000Z", CSV);
    await writeRemainingFile(recordingConsole(), nov);
    const written = await readFile(join(dir, "payroll.remaining.csv"), "utf8");
    // Batches that take nothing: a file of that name with other bytes (another folder's payroll,
    // next month's), the same bytes rehearsed on another API, one begun before this batch, and
    // a copy under another name.
    await begun("beta", "beta/payroll.remaining.csv", "2026-11-30T10:30:00.000Z", "reference,amount\nZ,9\n");
    await begun("rehearsal", "payroll.remaining.csv", "2026-11-30T10:40:00.000Z", written, "http://y/api");
    await begun("before", "payroll.remaining.csv", "2026-11-30T09:00:00.000Z", written);
    await begun("copy", "rest.csv", "2026-11-30T10:50:00.000Z", written);
    expect((await remainingOf(nov)).taken.size).to.equal(0);
    // The row fixed there, and that file submitted: its bytes are the new batch's input.
    const fixed = "reference,amount\nA,100\n";
    await writeFile(join(dir, "payroll.remaining.csv"), fixed);
    await begun("fix", "payroll.remaining.csv", "2026-11-30T11:00:00.000Z", fixed);
    const out = recordingConsole();
    const cancelled = {
      ...nov,
      outcomes: new Map([
        [2, failed],
        [3, failed],
      ]),
    };
    expect(await writeRemainingFile(out, cancelled)).to.deep.equal({
      rows: 1,
      file: join(dir, "payroll.nov.remaining.csv"),
    });
    expect(out.said[0]).to.match(
      /^1 row\(s\) released to \S+\/payroll\.remaining\.csv went out as batch fix \(begun [^)]+\), which holds them: that batch answers for them \(it pays them, or its own remaining file holds those it cannot\), never this one nor another remaining file \(bitex-batch status payroll\.remaining\.csv follows it\)$/,
    );
    expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(fixed);
    expect(await readFile(join(dir, "payroll.nov.remaining.csv"), "utf8")).to.equal(rowsOf(3));
    expect(await remainingFileOf(cancelled)).to.equal(join(dir, "payroll.nov.remaining.csv"));
    expect((await remainingOf(cancelled)).taken.get(2)).to.include({
      file: "payroll.remaining.csv",
      batchId: "fix",
    });
    // Its own file submitted unchanged and moved away (bytes as this batch last wrote them).
    const own = await readFile(join(dir, "payroll.nov.remaining.csv"), "utf8");
    await rm(join(dir, "payroll.nov.remaining.csv"));
    await begun("own", "payroll.nov.remaining.csv", "2026-11-30T12:00:00.000Z", own);
    expect((await remainingOf(cancelled)).taken.get(3)).to.include({
      file: "payroll.nov.remaining.csv",
      batchId: "own",
    });
  });

  it("a file written by a version that recorded no name is the batch's when its bytes are what it released", async () => {
    const dir = await tempDir();
    const csv = join(dir, "payroll.csv");
    await writeFile(csv, CSV);
    const nov = await batch(dir, csv, "nov", [2, 3]);
    await recordReleased(nov.journalPath, [2]);
    await writeFile(join(dir, "payroll.remaining.csv"), rowsOf(2));
    expect((await writeRemainingFile(recordingConsole(), nov)).file).to.equal(
      join(dir, "payroll.remaining.csv"),
    );
    expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(rowsOf(2, 3));
    expect(JSON.parse(await readFile(join(dir, "state", "nov", "released.json"), "utf8"))).to.deep.equal({
      lines: [2, 3],
      file: "payroll.remaining.csv",
      sha256: [
        createHash("sha256").update(rowsOf(2, 3)).digest("hex"),
        createHash("sha256").update(rowsOf(2)).digest("hex"),
      ],
      homes: { 2: "payroll.remaining.csv", 3: "payroll.remaining.csv" },
    });
  });

  it("rows whose release cannot be recorded are not written: the batch would not know that file pays them", async () => {
    const dir = await tempDir();
    const csv = join(dir, "payroll.csv");
    await writeFile(csv, CSV);
    const nov = await batch(dir, csv, "nov", [2]);
    // released.json cannot be put in place (a directory is there).
    await mkdir(join(dir, "state", "nov", "released.json", "x"), { recursive: true });
    const out = recordingConsole();
    expect(await writeRemainingFile(out, nov)).to.deep.equal({ rows: 0, file: null });
    expect(out.said).to.have.length(1);
    expect(out.said[0]).to.match(
      new RegExp(`^bitex-batch: could not write ${join(dir, "payroll.remaining.csv")}: .*released\\.json`),
    );
    expect((await readdir(dir)).sort()).to.deep.equal(["payroll.csv", "state"]);
  });

  it("a batch with no journal here (its state directory gone) takes the file for its own, as before, unless a batch of the state directory records it", async () => {
    const dir = await tempDir();
    const csv = join(dir, "payroll.csv");
    await writeFile(csv, CSV);
    // The file this batch wrote before its state directory was lost: nothing says whose it is.
    await writeFile(join(dir, "payroll.remaining.csv"), rowsOf(2));
    const gone = {
      ...(await batch(dir, csv, "b", [2, 3])),
      journalPath: join(dir, "gone", "b", "journal.jsonl"),
    };
    expect((await writeRemainingFile(recordingConsole(), gone)).file).to.equal(
      join(dir, "payroll.remaining.csv"),
    );
    expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(rowsOf(2, 3));
    // Where a batch of the state directory records the file as its own, it is left alone.
    const other = join(dir, "other.csv");
    await writeFile(other, CSV);
    const nov = await batch(dir, other, "nov", [2]);
    await writeRemainingFile(recordingConsole(), nov);
    const orphan = { ...nov, batchId: "orphan", journalPath: join(dir, "state", "orphan", "journal.jsonl") };
    const out = recordingConsole();
    expect((await writeRemainingFile(out, { ...orphan, outcomes: new Map([[3, failed]]) })).file).to.equal(
      join(dir, "other.orphan.remaining.csv"),
    );
    expect(out.said[0]).to.match(/other\.remaining\.csv is not this batch's/);
    expect(await readFile(join(dir, "other.remaining.csv"), "utf8")).to.equal(rowsOf(2));
  });
});

describe("the remaining file of a file in a drop folder", () => {
  /** A drop folder `in/` with payroll.csv in it, the inbox's ledger holding `entries`. */
  async function folder(entries: object[]) {
    const dir = await tempDir();
    const inbox = join(dir, "in");
    await mkdir(join(inbox, ".bitex-inbox"), { recursive: true });
    await writeFile(
      join(inbox, ".bitex-inbox", "ledger.jsonl"),
      entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""),
    );
    const csv = join(inbox, "payroll.csv");
    await writeFile(csv, CSV);
    return { inbox, csv, input: await batch(dir, csv, "b1", [3]) };
  }
  const move = {
    t: "move",
    id: "m1",
    batch_id: "b1",
    name: "payroll.csv",
    outcome: "failed",
    to: "failed",
    names: [],
    at: "t",
  };

  it("goes beside the file where the inbox moved it", async () => {
    const { inbox, input } = await folder([move, { t: "moved", id: "m1", at: "t" }]);
    await mkdir(join(inbox, "failed"));
    expect(await remainingFileOf(input)).to.equal(join(inbox, "failed", "payroll.remaining.csv"));
    expect((await writeRemainingFile(recordingConsole(), input)).file).to.equal(
      join(inbox, "failed", "payroll.remaining.csv"),
    );
    expect((await readdir(inbox)).sort()).to.deep.equal([".bitex-inbox", "failed", "payroll.csv"]);
  });

  it("beside the file while the inbox has not moved it; another batch's move is not its", async () => {
    const { inbox, input } = await folder([
      { ...move, batch_id: "b0" },
      { t: "moved", id: "m1", at: "t" },
    ]);
    expect((await writeRemainingFile(recordingConsole(), input)).file).to.equal(
      join(inbox, "payroll.remaining.csv"),
    );
  });

  it("is not written while the move is unfinished, nor while an inbox run works the folder; said", async () => {
    const unfinished = await folder([move]);
    const out = recordingConsole();
    expect(await writeRemainingFile(out, unfinished.input)).to.deep.equal({ rows: 0, file: null });
    expect(out.said).to.deep.equal([
      `the remaining file is not written: the inbox's move of payroll.csv to ${join(unfinished.inbox, "failed")} is unfinished (a run stopped in the middle of it); the next inbox run finishes it, then run this again on ${join(unfinished.inbox, "failed", "payroll.csv")}`,
    ]);
    const working = await folder([]);
    // A live process (this one's parent) holds the folder's lock, as an inbox run does.
    const owner = { pid: process.ppid, host: hostname(), started_at: new Date().toISOString() };
    await writeFile(join(working.inbox, ".bitex-inbox", "lock"), JSON.stringify(owner));
    const told = recordingConsole();
    expect(await writeRemainingFile(told, working.input)).to.deep.equal({ rows: 0, file: null });
    expect(told.said).to.deep.equal([
      `the remaining file is not written: ${working.inbox} is a drop folder that an inbox run works now, and it may move payroll.csv out of it; run this again once that run ends, on the file where it went (done/ or failed/)`,
    ]);
    expect((await readdir(working.inbox)).sort()).to.deep.equal([".bitex-inbox", "payroll.csv"]);
  });

  it("the inbox's own run writes it beside the file, which it moves with it", async () => {
    const { inbox, input } = await folder([move, { t: "moved", id: "m1", at: "t" }]);
    expect((await writeRemainingFile(recordingConsole(), { ...input, inboxRun: true })).file).to.equal(
      join(inbox, "payroll.remaining.csv"),
    );
  });
});
