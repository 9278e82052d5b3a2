/**
 * What this host's journals know of the requests and outputs it made, for the export's
 * batch_id, reference and line columns. The API stays the source of truth: a journal only
 * names rows, it never adds or removes one. A journal counts only for the API it was written
 * against, and a request only when its external_id still matches, so a request id that
 * another server (or a reset emulator) reuses is never joined to the wrong batch.
 */
import { readdir } from "node:fs/promises";
import { type JournalEntry, kindOf, readJournal } from "../batch/journal.js";
import { journalPathFor } from "../batch/paths.js";

export interface JournaledRequest {
  batchId: string;
  externalId: string;
  /** When this host journaled the request as created (ISO 8601). */
  at: string;
}

export interface JournaledOutput {
  batchId: string;
  requestId: string;
  line: number;
  /** "" when the row had none, or the journal predates references (then it is unknown). */
  reference: string;
}

export interface JournalIndex {
  /** By request id. */
  requests: Map<string, JournaledRequest>;
  /** By output id. */
  outputs: Map<string, JournaledOutput>;
  /** Journals of this API that were read. */
  journals: number;
}

/** "https://host/api/" and "https://host/api" are one API. */
const sameApi = (a: string, b: string) => a.replace(/\/+$/, "") === b.replace(/\/+$/, "");

/** Adds one batch's journal to the index (pure). Journals of another API add nothing. */
export function indexJournal(index: JournalIndex, entries: readonly JournalEntry[], apiUrl: string): void {
  const begin = entries.find((entry) => entry.t === "begin");
  if (!begin || !sameApi(begin.api, apiUrl)) return;
  const batchId = begin.batch_id;
  index.journals++;
  const references = new Map<number, string>();
  for (const entry of entries) {
    if (entry.t === "request" && !index.requests.has(entry.request_id))
      index.requests.set(entry.request_id, { batchId, externalId: entry.external_id, at: entry.at });
    else if (entry.t === "intent" && kindOf(entry) === "output" && typeof entry.reference === "string")
      references.set(entry.line, entry.reference);
  }
  for (const entry of entries) {
    if (entry.t !== "created" || kindOf(entry) !== "output" || index.outputs.has(entry.output_id)) continue;
    const reference = references.get(entry.line) ?? "";
    index.outputs.set(entry.output_id, { batchId, requestId: entry.request_id, line: entry.line, reference });
  }
}

/**
 * Every journal under the state directory (one folder per batch, in name order so the result
 * does not depend on the filesystem). A missing directory is no journal; a journal that cannot
 * be read is skipped with a warning, since the export can still say everything the API says.
 */
export async function readJournalIndex(
  stateDir: string,
  apiUrl: string,
  warn: (line: string) => void,
): Promise<JournalIndex> {
  const index: JournalIndex = { requests: new Map(), outputs: new Map(), journals: 0 };
  const entries = await readdir(stateDir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  for (const name of names.sort()) {
    try {
      indexJournal(index, await readJournal(journalPathFor(stateDir, name)), apiUrl);
    } catch (error) {
      warn(`skipped the journal of batch ${name}: ${(error as Error).message}`);
    }
  }
  return index;
}
