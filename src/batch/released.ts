/**
 * What a batch released to its remaining file (`released.json` beside its journal): the lines,
 * the file each went into (`homes`), the bytes last written there, and the files a later batch
 * was begun from (`taken`), so that a row is paid from one file only (docs/design.md section 7,
 * app/remaining.ts). Read by the follow-through before each money step and by the near-copy rule.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { apiIdentity } from "../bitex/url.js";
import { replaceDurably } from "../disk.js";
import { type JournalEntry, journalBegin, journalEntries } from "./journal.js";
import { inputCopyPath, journalPathFor, releasedPathFor } from "./paths.js";

/**
 * What a batch released: its lines, and the remaining file it last put them in (its name, and
 * the sha256 of the bytes written there; while a write is under way, also of those before it),
 * so that a later run knows that file for its own and never writes over another's.
 */
export interface ReleasedRecord {
  lines: Set<number>;
  /** Absent for a workbook (no remaining file) and in records of older versions. */
  file?: string;
  sha256: string[];
  /** Remaining files of this batch that a later batch was begun from, and the lines they held. */
  taken: TakenRelease[];
  /**
   * Line → the name of the remaining file it was released into: its only one, never written
   * into another (an older record's lines: its `file`).
   */
  homes: Map<number, string>;
}

/**
 * Rows of a remaining file a later batch was begun from (`withTakers`): batch `batchId` pays
 * them (`lines`, of this batch), and they are never released again into another file
 * (app/remaining.ts; helper-101).
 */
export interface TakenRelease {
  file: string;
  batchId: string;
  begunAt: string;
  lines: number[];
  /** The file that batch was begun from, as its journal names it (absent in older records). */
  from?: string;
}

/**
 * Records the lines a batch released to its remaining file (never paid by it), with that
 * file's name and digests; the caller keeps those released before (app/remaining.ts).
 */
export async function recordReleased(
  journalPath: string,
  lines: Iterable<number>,
  file?: { name: string; sha256: string[] },
  taken: readonly TakenRelease[] = [],
  homes: ReadonlyMap<number, string> = new Map(),
): Promise<void> {
  const record = {
    lines: [...lines].sort((a, b) => a - b),
    ...(file ? { file: file.name, sha256: file.sha256 } : {}),
    ...(taken.length > 0 ? { taken } : {}),
    ...(homes.size > 0 ? { homes: Object.fromEntries(homes) } : {}),
  };
  // Durable before the remaining file is relied on: a record lost or emptied by a power cut
  // would let the batch quote and accept rows its remaining file pays too.
  await replaceDurably(releasedPathFor(journalPath), `${JSON.stringify(record)}\n`);
}

/** The record of what the batch of `journalPath` released (no lines when none, or unreadable). */
export async function readReleased(journalPath: string): Promise<ReleasedRecord> {
  try {
    const parsed = JSON.parse(await readFile(releasedPathFor(journalPath), "utf8")) as {
      lines?: unknown;
      file?: unknown;
      sha256?: unknown;
      taken?: unknown;
      homes?: unknown;
    };
    const numbers = (list: unknown) => (Array.isArray(list) ? list.filter((n) => typeof n === "number") : []);
    const taken = Array.isArray(parsed.taken)
      ? parsed.taken.flatMap((item: Partial<Record<keyof TakenRelease, unknown>> | null) =>
          item &&
          typeof item.file === "string" &&
          typeof item.batchId === "string" &&
          typeof item.begunAt === "string"
            ? [
                {
                  file: item.file,
                  batchId: item.batchId,
                  begunAt: item.begunAt,
                  lines: numbers(item.lines),
                  ...(typeof item.from === "string" ? { from: item.from } : {}),
                },
              ]
            : [],
        )
      : [];
    const lines = new Set(numbers(parsed.lines));
    const homes = new Map<number, string>();
    if (parsed.homes && typeof parsed.homes === "object")
      for (const [line, name] of Object.entries(parsed.homes))
        if (typeof name === "string" && lines.has(Number(line))) homes.set(Number(line), name);
    if (typeof parsed.file === "string")
      for (const line of lines) if (!homes.has(line)) homes.set(line, parsed.file);
    return {
      lines,
      ...(typeof parsed.file === "string" ? { file: parsed.file } : {}),
      sha256: Array.isArray(parsed.sha256) ? parsed.sha256.filter((h) => typeof h === "string") : [],
      taken,
      homes,
    };
  } catch {
    return { lines: new Set(), sha256: [], taken: [], homes: new Map() };
  }
}

/** The lines the batch of `journalPath` released to its remaining file (empty when none, or unreadable). */
export async function releasedLines(journalPath: string): Promise<Set<number>> {
  return (await readReleased(journalPath)).lines;
}

/**
 * The record with each remaining file a later batch took: a batch of the same API, begun after
 * this one from a file of that name, whose own copy of its input (kept beside its journal) is
 * the file's bytes: as the file is now in `folder` (fixed there, then submitted), or as this
 * batch last wrote it (submitted unchanged, moved or not). That batch pays the rows the file
 * held, and they are never released again into another file (app/remaining.ts; helper-101). A
 * file of that name with other bytes takes nothing: another folder's payroll of the same name,
 * a rehearsal on another API, next month's payroll (helper-102, helper-103). A copy under
 * another name, or one fixed elsewhere, is not recognised: its rows stay in the file they were
 * released into, and the near-copy rule stands behind a second submit of that file.
 */
export async function withTakers(
  journalPath: string,
  record: ReleasedRecord,
  folder: string,
): Promise<ReleasedRecord> {
  const before = new Set(record.taken.flatMap((item) => item.lines));
  const open = [...record.homes].filter(([line]) => !before.has(line));
  if (open.length === 0) return record;
  const stateDir = dirname(dirname(journalPath));
  const selfDir = basename(dirname(journalPath));
  const begin = await journalBegin(journalPath);
  if (!begin) return record;
  const digest = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
  const sha = async (path: string) => readFile(path).then(digest, () => null);
  const names = new Set(open.map(([, name]) => name));
  const takers: Array<{ batchId: string; from: string; begunAt: string; sha: string }> = [];
  for (const dir of await readdir(stateDir).catch(() => [] as string[])) {
    if (dir === selfDir) continue;
    const theirs = await journalBegin(journalPathFor(stateDir, dir));
    if (!theirs || !names.has(basename(theirs.file))) continue;
    if (apiIdentity(theirs.api) !== apiIdentity(begin.api) || !(theirs.at > begin.at)) continue;
    const copied = await sha(inputCopyPath(stateDir, dir));
    if (copied)
      takers.push({ batchId: theirs.batch_id ?? dir, from: theirs.file, begunAt: theirs.at, sha: copied });
  }
  takers.sort((a, b) => (a.begunAt < b.begunAt ? -1 : 1));
  const taken = [...record.taken];
  for (const file of names) {
    const now = await sha(join(folder, file));
    const written = file === record.file ? record.sha256 : [];
    const taker = takers.find(
      (item) => basename(item.from) === file && (item.sha === now || written.includes(item.sha)),
    );
    if (!taker) continue;
    const lines = open.flatMap(([line, name]) => (name === file ? [line] : []));
    taken.push({ file, batchId: taker.batchId, begunAt: taker.begunAt, lines, from: taker.from });
  }
  return taken.length === record.taken.length ? record : { ...record, taken };
}

/**
 * By line, a later batch (same API, begun after this one) that holds a row of the same
 * reference as that line: its remaining file's row may have been fixed in a copy and paid
 * there, which the bytes cannot tell (withTakers). Said, never taken for paid: references
 * repeat across payrolls (an employee number), so the words warn and the row stays.
 */
export async function laterReferences(
  journalPath: string,
  references: ReadonlyMap<number, string>,
): Promise<Map<number, { batchId: string; file: string; begunAt: string }>> {
  const found = new Map<number, { batchId: string; file: string; begunAt: string }>();
  const fold = (reference: string) => reference.trim().toLowerCase();
  const wanted = new Map<string, number[]>();
  for (const [line, reference] of references)
    if (typeof reference === "string" && reference.trim() !== "")
      wanted.set(fold(reference), [...(wanted.get(fold(reference)) ?? []), line]);
  if (wanted.size === 0) return found;
  const begin = await journalBegin(journalPath);
  if (!begin) return found;
  const stateDir = dirname(dirname(journalPath));
  const selfDir = basename(dirname(journalPath));
  for (const dir of await readdir(stateDir).catch(() => [] as string[])) {
    if (dir === selfDir) continue;
    let theirs: Extract<JournalEntry, { t: "begin" }> | null = null;
    try {
      for await (const entry of journalEntries(journalPathFor(stateDir, dir))) {
        if (entry.t === "begin") {
          theirs = entry;
          if (apiIdentity(entry.api) !== apiIdentity(begin.api) || !(entry.at > begin.at)) break;
        } else if (theirs && entry.t === "intent" && entry.reference)
          for (const line of wanted.get(fold(entry.reference)) ?? [])
            if (!found.has(line))
              found.set(line, { batchId: theirs.batch_id ?? dir, file: theirs.file, begunAt: theirs.at });
      }
    } catch {
      // unreadable: no batch this tool can speak for
    }
  }
  return found;
}
