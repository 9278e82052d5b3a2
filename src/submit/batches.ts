/**
 * What the state directory knows of earlier batches, so that a batch id derived from the
 * file's bytes never silently pays a file twice (an edited file is a new batch) or not at
 * all (the same file next month is the old batch).
 */
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { foldJournal, readJournal } from "./journal.js";

export interface EarlierBatch {
  batchId: string;
  begunAt: string;
  created: number;
}

export const journalPathFor = (stateDir: string, batchId: string) => join(stateDir, batchId, "journal.jsonl");

/** Other batches started from a file with the same name that created at least one output. */
export async function earlierBatchesOf(
  stateDir: string,
  file: string,
  exceptBatchId: string,
): Promise<EarlierBatch[]> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  const found: EarlierBatch[] = [];
  for (const batchId of names) {
    if (batchId === exceptBatchId) continue;
    const state = foldJournal(await readJournal(journalPathFor(stateDir, batchId)));
    if (!state.begin || basename(state.begin.file) !== basename(file)) continue;
    const created = [...state.rows.values()].filter((row) => row.status === "created").length;
    if (created > 0) found.push({ batchId, begunAt: state.begin.at, created });
  }
  return found;
}
