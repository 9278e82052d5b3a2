/**
 * Batches are per API: the same file (or the same --batch-id) rehearsed on the sandbox and
 * then paid in production are two batches, each with its own journal, lock and report. The
 * batch id stays what the file or --batch-id gives (external ids live on one server each);
 * only the local names differ: the first API to use an id keeps `<state-dir>/<batch-id>/`,
 * any other gets `<batch-id>~<api tag>/`, and its default report `<input>.<host>.report.csv`.
 */
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { apiIdentity } from "../bitex/url.js";
import { foldJournal, readJournalState } from "./journal.js";
import { journalPathFor } from "./paths.js";

const apiTag = (apiUrl: string) => createHash("sha256").update(apiIdentity(apiUrl)).digest("hex").slice(0, 8);

/** The directory (under the state directory) of batch `batchId` on `apiUrl` (null: the embedded emulator). */
export async function batchDirName(
  stateDir: string,
  batchId: string,
  apiUrl: string | null,
): Promise<string> {
  if (apiUrl === null) return batchId;
  const tagged = `${batchId}~${apiTag(apiUrl)}`;
  if (await stat(journalPathFor(stateDir, tagged)).catch(() => null)) return tagged;
  // A journal that cannot be read is the caller's to report, under the plain name.
  const plain = await readJournalState(journalPathFor(stateDir, batchId)).catch(() => foldJournal([]));
  if (!plain.begin || apiIdentity(plain.begin.api) === apiIdentity(apiUrl)) return batchId;
  return tagged;
}

/** `payroll.csv` on https://bitex.la/api → `payroll.bitex.la.report.csv` (the other API's batch). */
export function apiReportPath(csv: string, apiUrl: string, xlsx: boolean): string {
  const url = new URL(apiUrl);
  const host = `${url.hostname}${url.port ? `-${url.port}` : ""}`.replace(/[^A-Za-z0-9.-]/g, "_");
  return join(dirname(csv), `${basename(csv, extname(csv))}.${host}.report.${xlsx ? "xlsx" : "csv"}`);
}
