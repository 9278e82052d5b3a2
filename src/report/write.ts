/**
 * Writing the report: to stdout for `--report -`, otherwise atomically (temp file in the
 * same directory, fsync, rename) so a crash or a kill never leaves a half report where an
 * accountant would take it for a whole one, and owner-only (0600) because it lists who is
 * paid what.
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { BatchError } from "../errors.js";
import type { ReportRow } from "./columns.js";
import type { ReportFormat } from "./dialect.js";
import { reportChunks, reportChunksAsync } from "./format.js";

/** The part of a Writable the stdout path needs; process.stdout fits. */
export interface ChunkSink {
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

export interface WriteReportOptions {
  format: ReportFormat;
  extraColumns?: readonly string[];
  /** Where `-` writes; process.stdout unless a test injects another. */
  stdout?: ChunkSink;
}

const REPORT_MODE = 0o600;

/** Writes every row; resolves with the number of rows written. */
export async function writeReport(
  path: string,
  rows: Iterable<ReportRow> | AsyncIterable<ReportRow>,
  options: WriteReportOptions,
): Promise<{ rows: number }> {
  const counted = { rows: 0 };
  const count = (row: ReportRow) => {
    counted.rows++;
    return row;
  };
  // Rows already in hand are rendered synchronously: an await per row of a million-row report adds up.
  const chunks =
    Symbol.asyncIterator in rows
      ? reportChunksAsync(mapAsync(rows, count), options.format, options.extraColumns)
      : reportChunks(mapSync(rows, count), options.format, options.extraColumns);
  try {
    if (path === "-") await writeToSink(options.stdout ?? process.stdout, chunks);
    else await writeFileAtomically(path, chunks);
  } catch (error) {
    if (error instanceof BatchError) throw error;
    // Exit 3 (stopped before the end): after a submit the journal still knows every row,
    // so `status` or a second run rewrites the report.
    throw new BatchError("internal", `could not write the report ${path}: ${messageOf(error)}`, {
      cause: error,
      hint: "check the report's directory and free space, then run again (nothing is sent twice)",
    });
  }
  return counted;
}

/**
 * Fails with a usage error (exit 2) when the report could not be written, so the CLI can
 * find out before anything is sent rather than after the money moved.
 */
export async function checkReportTarget(path: string): Promise<void> {
  if (path === "-") return;
  const target = resolve(path);
  const hint = "choose another --report path, or --report - for stdout";
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory())
    throw new BatchError("usage", `the report path ${path} is a directory`, { hint });
  const probe = tempPathFor(target);
  try {
    await (await open(probe, "wx", REPORT_MODE)).close();
    await rm(probe, { force: true });
  } catch (error) {
    throw new BatchError("usage", `cannot write the report to ${path}: ${messageOf(error)}`, {
      cause: error,
      hint,
    });
  }
}

async function writeToSink(sink: ChunkSink, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  // Waiting for each write's callback is the backpressure, and surfaces EPIPE and the like.
  for await (const chunk of chunks) {
    await new Promise<void>((done, fail) => {
      sink.write(chunk, (error) => (error ? fail(error) : done()));
    });
  }
}

async function writeFileAtomically(
  path: string,
  chunks: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  const target = resolve(path);
  const temp = tempPathFor(target);
  let handle: FileHandle | undefined;
  try {
    // "wx": never reuse or follow an existing file. The mode can only be narrowed by the
    // umask; chmod then sets exactly 0600 whatever the umask was.
    handle = await open(temp, "wx", REPORT_MODE);
    await handle.chmod(REPORT_MODE);
    // Each chunk is rendered while the one before is being written.
    let writing: Promise<void> = Promise.resolve();
    for await (const chunk of chunks) {
      const bytes = Buffer.from(chunk, "utf8");
      await writing;
      writing = writeAll(handle, bytes);
      writing.catch(() => undefined); // awaited next turn; until then a failure must not count as unhandled
    }
    await writing;
    await handle.sync();
    await handle.close();
    handle = undefined;
    // rename replaces the target's inode, so a report that existed as 0644 becomes 0600.
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(target));
}

/** `.<name>.<pid>.<random>.tmp` beside the target: same filesystem, so rename is atomic. */
function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** Makes the rename itself durable. Best-effort: some platforms cannot open or fsync a directory. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Windows and some network filesystems refuse; the data itself is already fsynced.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function* mapSync<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}

async function* mapAsync<T, U>(items: AsyncIterable<T>, f: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield f(item);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
