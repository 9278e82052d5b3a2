/**
 * The drop folder's ledger: what a kill in the middle of an append leaves does not hide the
 * entries written after it.
 */
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import {
  appendLedger,
  INBOX_STATE,
  type MoveIntent,
  paidMove,
  readLedger,
  unfinishedMoves,
} from "../../src/batch/inbox-ledger.js";
import { tempDir } from "../helpers/cli.js";

const intent = (id: string, batch: string): MoveIntent => ({
  t: "move",
  id,
  batch_id: batch,
  name: "a.csv",
  outcome: "done",
  to: "done/2026-12-06",
  names: ["a.report.csv", "a.csv"],
  at: "2026-12-06T06:00:00.000Z",
});

describe("inbox ledger", () => {
  it("a line torn by a kill mid-append (no newline) does not swallow the next entry: the paid batch is still known", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, INBOX_STATE));
    await appendLedger(dir, intent("one", "batch0000000001"));
    // A kill (or a full disk) in the middle of the next append: half a line, no newline.
    await appendFile(join(dir, INBOX_STATE, "ledger.jsonl"), '{"t":"move","id":"two","batch_');
    await appendLedger(dir, intent("three", "batch0000000003"));
    await appendLedger(dir, { t: "moved", id: "three", at: "2026-12-06T06:00:01.000Z" });
    const entries = await readLedger(dir);
    expect(paidMove(entries, "batch0000000003")?.id).to.equal("three");
    expect(unfinishedMoves(entries).map((entry) => entry.id)).to.deep.equal(["one"]);
  });
});
