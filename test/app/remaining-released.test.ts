/**
 * The remaining file keeps the rows the batch released before (released.json), whatever a
 * later run finds: the batch never pays them. Only a released row whose request is read
 * accepted (a run that read the release too late) leaves the file and the record: it is
 * being paid by the batch.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { writeRemainingFile } from "../../src/app/remaining.js";
import { recordReleased } from "../../src/batch/released.js";
import type { CheckedRow, RowOutcome, ValidRow } from "../../src/model.js";
import { recordingConsole } from "../helpers/console.js";

const valid = (line: number): CheckedRow => ({ line, ok: true, row: { line } as ValidRow, raw: {} as never });
const created = (requestId: string): RowOutcome => ({
  status: "created",
  requestId,
  outputId: "o",
  state: "accepting",
  at: "t",
});

describe("writeRemainingFile: rows released before", () => {
  it("keeps those in a draft or a quote never accepted; drops one whose request is read accepted", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bb-remaining-"));
    const csv = join(dir, "payroll.csv");
    await writeFile(csv, "reference,amount\nA,1\nB,2\nC,3\nD,4\n");
    await mkdir(join(dir, "state"));
    const journalPath = join(dir, "state", "journal.jsonl");
    // Lines 2 (request 1), 3 (request 2) and 4 (request 3) were released by an earlier run.
    await recordReleased(journalPath, [2, 3, 4]);
    const outcomes = new Map<number, RowOutcome>([
      [2, created("1")],
      [3, created("2")],
      [4, created("3")],
      [5, created("1")],
    ]);
    const rows = await writeRemainingFile(recordingConsole(), {
      csv,
      source: csv,
      checked: () => [2, 3, 4, 5].map(valid),
      outcomes,
      // This run finds no reason to release any row (no cancelled request that counts).
      requestStates: new Map([
        ["1", "draft"],
        ["2", "quoted"],
        ["3", "quote_accepted"],
      ]),
      journalPath,
      batchId: "b",
    });
    expect(rows).to.deep.equal({ rows: 2, file: join(dir, "payroll.remaining.csv") });
    expect(await readFile(join(dir, "payroll.remaining.csv"), "utf8")).to.equal(
      "reference,amount\nA,1\nB,2\n",
    );
    // The file it wrote them to is named there, with its bytes' digest: its own (remaining.ts).
    expect(JSON.parse(await readFile(join(dir, "state", "released.json"), "utf8"))).to.deep.equal({
      lines: [2, 3],
      file: "payroll.remaining.csv",
      sha256: [createHash("sha256").update("reference,amount\nA,1\nB,2\n").digest("hex")],
      homes: { 2: "payroll.remaining.csv", 3: "payroll.remaining.csv" },
    });
  });
});
