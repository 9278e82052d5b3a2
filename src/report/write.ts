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
import { reportChunks, reportHeader, reportLines } from "./format.js";
import { type TableColumn, type TableFormat, type TableRow, tableChunks } from "./table.js";

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
  rows: Iterable<ReportRow>,
  options: WriteReportOptions,
): Promise<{ rows: number }> {
  const counted = { rows: 0 };
  function* counting(): Generator<ReportRow> {
    for (const row of rows) {
      counted.rows++;
      yield row;
    }
  }
  // Rendered synchronously, a chunk at a time: an await per row of a million-row report adds up.
  const chunks = reportChunks(counting(), options.format, options.extraColumns);
  try {
    if (path === "-") await writeToSink(options.stdout ?? process.stdout, chunks);
    else await writeFileAtomically(path, chunks);
  } catch (error) {
    throw error instanceof BatchError ? error : reportWriteError(path, error);
  }
  return counted;
}

/**
 * `writeReport` for a table described by a column spec (table.ts), such as `export`'s: the
 * same dialects, cell rules, atomic 0600 file or stdout.
 */
export async function writeTable(
  path: string,
  columns: readonly TableColumn[],
  rows: Iterable<TableRow>,
  options: { format: TableFormat; stdout?: ChunkSink },
): Promise<void> {
  const chunks = tableChunks(columns, rows, options.format);
  try {
    if (path === "-") await writeToSink(options.stdout ?? process.stdout, chunks);
    else await writeFileAtomically(path, chunks);
  } catch (error) {
    throw error instanceof BatchError ? error : reportWriteError(path, error);
  }
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

async function writeToSink(sink: ChunkSink, chunks: Iterable<string>): Promise<void> {
  // Waiting for each write's callback is the backpressure, and surfaces EPIPE and the like.
  for (const chunk of chunks) {
    await new Promise<void>((done, fail) => {
      sink.write(chunk, (error) => (error ? fail(error) : done()));
    });
  }
}

async function writeFileAtomically(path: string, chunks: Iterable<string>): Promise<void> {
  const file = await AtomicFile.open(path);
  try {
    for (const chunk of chunks) await file.append(chunk);
    await file.commit();
  } catch (error) {
    await file.discard();
    throw error;
  }
}

/**
 * A file written to a temp file beside its target, which it replaces only on `commit`
 * (fsync, rename, fsync of the directory), so a crash never leaves half a report where an
 * accountant would take it for a whole one.
 */
class AtomicFile {
  /** The write in flight: each chunk is rendered while the one before is being written. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly target: string,
    private readonly temp: string,
    private handle: FileHandle | undefined,
  ) {}

  static async open(path: string): Promise<AtomicFile> {
    const target = resolve(path);
    const temp = tempPathFor(target);
    // "wx": never reuse or follow an existing file. The mode can only be narrowed by the
    // umask; chmod then sets exactly 0600 whatever the umask was.
    const handle = await open(temp, "wx", REPORT_MODE);
    const file = new AtomicFile(target, temp, handle);
    try {
      await handle.chmod(REPORT_MODE);
    } catch (error) {
      await file.discard();
      throw error;
    }
    return file;
  }

  async append(text: string): Promise<void> {
    const bytes = Buffer.from(text, "utf8");
    await this.writing;
    this.writing = writeAll(this.live(), bytes);
    this.writing.catch(() => undefined); // awaited next turn; until then a failure must not count as unhandled
  }

  async commit(): Promise<void> {
    await this.writing;
    const handle = this.live();
    await handle.sync();
    await handle.close();
    this.handle = undefined;
    // rename replaces the target's inode, so a report that existed as 0644 becomes 0600.
    await rename(this.temp, this.target);
    await syncDirectory(dirname(this.target));
  }

  async discard(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await rm(this.temp, { force: true }).catch(() => undefined);
  }

  private live(): FileHandle {
    if (!this.handle) throw new Error("report file already committed or discarded");
    return this.handle;
  }
}

/**
 * A report written while its rows are still being produced (`validate` checks rows as it
 * reads them): `commit` makes it the report, `discard` leaves no trace.
 */
export interface ReportFile {
  write(rows: Iterable<ReportRow>): Promise<void>;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export async function openReportFile(path: string, options: WriteReportOptions): Promise<ReportFile> {
  const fail = (error: unknown) => {
    throw error instanceof BatchError ? error : reportWriteError(path, error);
  };
  const file = await AtomicFile.open(path).catch(fail);
  const extraColumns = options.extraColumns ?? [];
  await file.append(reportHeader(options.format, extraColumns)).catch(fail);
  return {
    write: (rows) => file.append(reportLines(rows, options.format, extraColumns)).catch(fail),
    commit: () => file.commit().catch(fail),
    discard: () => file.discard(),
  };
}

function reportWriteError(path: string, error: unknown): BatchError {
  // Exit 3 (stopped before the end): after a submit the journal still knows every row,
  // so `status` or a second run rewrites the report.
  return new BatchError("internal", `could not write the report ${path}: ${messageOf(error)}`, {
    cause: error,
    hint: "check the report's directory and free space, then run again (nothing is sent twice)",
  });
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
