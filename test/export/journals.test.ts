import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { JournalEntry } from "../../src/batch/journal.js";
import { journalPathFor } from "../../src/batch/paths.js";
import { readJournalIndex } from "../../src/export/journals.js";

const API = "http://127.0.0.1:5000/api";
const at = "2026-11-02T00:00:00Z";

function journal(batchId: string, api: string, outputIds: string[]): string {
  const entries: JournalEntry[] = [
    { t: "begin", v: 1, batch_id: batchId, fingerprint: "f", api, file: "x.csv", rows: 2, at },
    { t: "request", key: "112|ar_ars", external_id: `bb-${batchId}`, request_id: "7", state: "draft", at },
  ];
  outputIds.forEach((outputId, i) => {
    entries.push({ t: "intent", line: i + 2, request_id: "7", reference: `EMP-${i + 2}`, at });
    entries.push({
      t: "created",
      line: i + 2,
      request_id: "7",
      output_id: outputId,
      state: "accepting",
      via: "response",
      at,
    });
  });
  return `${entries.map((entry) => JSON.stringify(entry)).join("\n")}\n`;
}

describe("export: the journals' index, read from the state directory", () => {
  it("indexes each journal of the API as it is read; the first journal to name a request or output keeps it", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "bb-export-index-"));
    const write = async (dir: string, text: string) => {
      await mkdir(join(stateDir, dir), { recursive: true });
      await writeFile(journalPathFor(stateDir, dir), text);
    };
    await write("a", journal("a", API, ["70", "71"]));
    await write("b", journal("b", API, ["71", "72"]));
    await write("c", journal("c", "http://127.0.0.1:4000/api", ["73"]));
    // A directory where the journal should be: skipped with a warning.
    await mkdir(journalPathFor(stateDir, "d"), { recursive: true });
    const warnings: string[] = [];
    const index = await readJournalIndex(stateDir, API, (line) => warnings.push(line));
    expect(index.journals).to.equal(2);
    expect([...index.requests]).to.deep.equal([["7", { batchId: "a", externalId: "bb-a", at }]]);
    expect([...index.outputs]).to.deep.equal([
      ["70", { batchId: "a", requestId: "7", line: 2, reference: "EMP-2" }],
      ["71", { batchId: "a", requestId: "7", line: 3, reference: "EMP-3" }],
      ["72", { batchId: "b", requestId: "7", line: 3, reference: "EMP-3" }],
    ]);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^skipped the journal of batch d: /);
  });
});
