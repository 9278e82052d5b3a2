import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  foldJournal,
  type JournalEntry,
  journalEntries,
  readJournal,
  readJournalState,
} from "../../src/batch/journal.js";
import { JournalDamage, refuseDamagedJournal } from "../../src/batch/journal-check.js";
import { DiskError } from "../../src/disk.js";

const at = "2026-12-05T00:00:00Z";
const API = "http://127.0.0.1/api";

async function collect(path: string): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  for await (const entry of journalEntries(path)) entries.push(entry);
  return entries;
}

/** A journal of `rows` rows, each an intent and a created line (about 230 bytes a row). */
function journalText(rows: number): string {
  const lines: JournalEntry[] = [
    { t: "begin", v: 1, batch_id: "b", fingerprint: "f", api: API, file: "x.csv", rows, at },
    { t: "request", key: "112|ar_ars", external_id: "bb-1", request_id: "7", state: "draft", at },
  ];
  for (let line = 2; line < rows + 2; line++) {
    lines.push({ t: "intent", line, request_id: "7", reference: `R-${line}`, payment: `p${line}`, at });
    lines.push({
      t: "created",
      line,
      request_id: "7",
      output_id: String(1000 + line),
      state: "accepting",
      via: "response",
      at,
    });
  }
  return `${lines.map((entry) => JSON.stringify(entry)).join("\n")}\n`;
}

describe("journal read as it is folded", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bb-journal-stream-"));
  });

  it("reads every line of a journal larger than its chunks, the lines cut between chunks whole", async () => {
    const path = join(dir, "big.jsonl");
    // ~4.6 MB: several 1 MB chunks, whose ends fall inside lines.
    await writeFile(path, journalText(20_000));
    const entries = await collect(path);
    expect(entries).to.have.length(40_002);
    expect(entries).to.deep.equal(await readJournal(path));
    const state = await readJournalState(path);
    expect(state.rows.size).to.equal(20_000);
    expect(state.rows.get(20_001)).to.deep.equal({
      status: "created",
      requestId: "7",
      outputId: "21001",
      state: "accepting",
      at,
    });
    expect(state).to.deep.equal(foldJournal(await readJournal(path)));
  });

  it("skips blank lines and a torn last line, as parseJournal does", async () => {
    const path = join(dir, "torn.jsonl");
    const text = `${journalText(2)}\n  \n{"t":"intent","line":9,"req`;
    await writeFile(path, text);
    expect(await collect(path)).to.deep.equal(await readJournal(path));
    expect((await readJournalState(path)).rows.has(9)).to.equal(false);
  });

  it("skips a write torn by a kill wherever it stands (the next run starts a new line), NULs a file system left too", async () => {
    const path = join(dir, "torn-inside.jsonl");
    const lines = journalText(2).trimEnd().split("\n");
    lines.splice(
      3,
      0,
      '{"t":"intent","line":9,"req',
      "\0\0\0",
      '\0\0{"t":"created","li',
      // Cut right after a row's closing brace inside a payees entry (helper-92).
      '{"t":"payees","rows":[{"line":2,"user_id":"1","withdrawal_instruction_id":"2","status":"found","compliance":"ok"}',
    );
    await writeFile(path, `${lines.join("\n")}\n`);
    const state = await readJournalState(path);
    expect([...state.rows.keys()]).to.deep.equal([2, 3]);
  });

  it("refuses any other damage, naming the journal's line, whichever chunk it falls in (helper-90)", async () => {
    const damaged: Array<[string, string]> = [
      [
        '{"t":"created","line":"2","request_id":"7","output_id":"5","state":"a","via":"response","at":"x"}',
        "a created entry without its row",
      ],
      ["null", "not an entry"],
      ['{"t":"crated","line":2}', 'unknown entry "crated"'],
      ["garbage, not JSON", "a line that is not JSON"],
      ['{"t":"created","line":2,"request_id":"7","state":"a"}', "a created entry without its id"],
      [
        '{"t":"begin","v":2,"batch_id":"b","fingerprint":"f"}',
        "written by another version of bitex-batch (v 2)",
      ],
      [
        '{"t":"step","action":"accept","phase":"done","request_id":"7"}',
        "a step entry without its request, action or phase",
      ],
    ];
    for (const [line, why] of damaged) {
      // Past the first 1 MB chunk: its number counted across chunks.
      const path = join(dir, "damaged.jsonl");
      await writeFile(path, `${journalText(5_000)}${line}\n${journalText(1)}`);
      const error = await readJournalState(path).then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error, line).to.be.instanceOf(JournalDamage);
      expect((error as JournalDamage).message).to.equal(
        `${path}:10003: the batch's journal is damaged (${why}); nothing is sent on it`,
      );
      expect(await readJournal(path).catch((failure: Error) => failure.message)).to.equal(
        (error as Error).message,
      );
    }
  });

  it("refuses a journal of rows without a begin, or with an output of a line that is no row of the batch", () => {
    const rows = foldJournal([
      { t: "intent", line: 2, request_id: "7", at },
      { t: "created", line: 2, request_id: "7", output_id: "9", state: "accepting", via: "response", at },
    ]);
    expect(() => refuseDamagedJournal("j.jsonl", rows, new Set([2]))).to.throw(
      JournalDamage,
      "j.jsonl: the batch's journal is damaged (requests and rows journaled, but no begin line); nothing is sent on it",
    );
    const begun = foldJournal([
      { t: "begin", v: 1, batch_id: "b", fingerprint: "f", api: API, file: "x.csv", rows: 1, at },
      { t: "created", line: 20, request_id: "7", output_id: "9", state: "accepting", via: "response", at },
    ]);
    expect(() => refuseDamagedJournal("j.jsonl", begun, new Set([2]))).to.throw(
      JournalDamage,
      "an output journaled for line 20, no row of the batch",
    );
    expect(() => refuseDamagedJournal("j.jsonl", begun, new Set([2, 20]))).to.not.throw();
  });

  it("reads the last line without its newline", async () => {
    const path = join(dir, "no-newline.jsonl");
    await writeFile(path, journalText(1).trimEnd());
    const entries = await collect(path);
    expect(entries.at(-1)).to.include({ t: "created", output_id: "1002" });
  });

  it("has no entries when the journal does not exist", async () => {
    expect(await collect(join(dir, "absent.jsonl"))).to.deep.equal([]);
    expect(await readJournalState(join(dir, "absent.jsonl"))).to.deep.equal(foldJournal([]));
  });

  it("fails with a DiskError naming a journal it cannot read", async () => {
    const path = join(dir, "a-directory");
    await mkdir(path);
    const error = await readJournalState(path).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).to.be.instanceOf(DiskError);
    expect((error as Error).message).to.include(path);
  });
});
