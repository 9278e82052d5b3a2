/**
 * What this host's journals know of the requests and outputs it made, for the export's
 * batch_id, reference and line columns. The API stays the source of truth: a journal only
 * names rows, it never adds or removes one. A journal counts only for the API it was written
 * against, and a request only when its external_id still matches, so a request id that
 * another server (or a reset emulator) reuses is never joined to the wrong batch.
 */
import { readdir } from "node:fs/promises";
import { type JournalEntry, journalEntries, kindOf } from "../batch/journal.js";
import { journalPathFor } from "../batch/paths.js";

export interface JournaledRequest {
  batchId: string;
  externalId: string;
  /** When this host journaled the request as created (ISO 8601): by the server's clock, else (older journals) this host's. */
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
export function indexJournal(index: JournalIndex, entries: Iterable<JournalEntry>, apiUrl: string): void {
  const batch = new BatchIndex();
  for (const entry of entries) batch.add(entry);
  batch.into(index, apiUrl);
}

/** indexJournal one entry at a time, so that a journal is indexed as it is read. */
class BatchIndex {
  private begin: Extract<JournalEntry, { t: "begin" }> | undefined;
  private readonly requests = new Map<string, { externalId: string; at: string }>();
  private readonly references = new Map<number, string>();
  /** The first `created` line of each output, in journal order. */
  private readonly created = new Map<string, { requestId: string; line: number }>();

  add(entry: JournalEntry): void {
    if (entry.t === "begin") this.begin ??= entry;
    else if (entry.t === "request" && !this.requests.has(entry.request_id))
      this.requests.set(entry.request_id, { externalId: entry.external_id, at: entry.server_at ?? entry.at });
    else if (entry.t === "intent" && kindOf(entry) === "output" && typeof entry.reference === "string")
      this.references.set(entry.line, entry.reference);
    else if (entry.t === "created" && kindOf(entry) === "output" && !this.created.has(entry.output_id))
      this.created.set(entry.output_id, { requestId: entry.request_id, line: entry.line });
  }

  /** What an earlier journal put in the index stays. */
  into(index: JournalIndex, apiUrl: string): void {
    const { begin } = this;
    if (!begin || !sameApi(begin.api, apiUrl)) return;
    const batchId = begin.batch_id;
    index.journals++;
    for (const [requestId, { externalId, at }] of this.requests)
      if (!index.requests.has(requestId)) index.requests.set(requestId, { batchId, externalId, at });
    for (const [outputId, { requestId, line }] of this.created) {
      if (index.outputs.has(outputId)) continue;
      const reference = this.references.get(line) ?? "";
      index.outputs.set(outputId, { batchId, requestId, line, reference });
    }
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
      // Read as indexed: a large batch's journal is never held whole.
      const batch = new BatchIndex();
      for await (const entry of journalEntries(journalPathFor(stateDir, name))) batch.add(entry);
      batch.into(index, apiUrl);
    } catch (error) {
      warn(`skipped the journal of batch ${name}: ${(error as Error).message}`);
    }
  }
  return index;
}
