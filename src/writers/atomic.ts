import { type FileHandle, link, lstat, open, rename, rm, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { removeLeftovers, syncDirectory, tempPathFor } from "../disk.js";

export { removeLeftovers, tempPathFor };

export const REPORT_MODE = 0o600;

/**
 * A file written to a temp file beside its target, which it replaces only on `commit`
 * (fsync, rename, fsync of the directory), so a crash never leaves half a report where an
 * accountant would take it for a whole one.
 */
export class AtomicFile {
  /** The write in flight: each chunk is rendered while the one before is being written. */
  private writing: Promise<void> = Promise.resolve();
  /** A pipe written into as it is lost its reader (EPIPE): nothing more is written to it. */
  private readerGone = false;

  private constructor(
    private readonly target: string,
    /** null: the target is written into as it is (a device or a pipe, see `open`). */
    private readonly temp: string | null,
    private handle: FileHandle | undefined,
  ) {}

  static async open(path: string): Promise<AtomicFile> {
    const target = resolve(path);
    // A device or a pipe (/dev/null, /dev/stdout, a FIFO a program reads) is written into as
    // it is: renamed over, it would become a file, and /dev/null one no one else can use.
    const existing = await stat(target).catch(() => null);
    if (existing && !existing.isFile() && !existing.isDirectory())
      return new AtomicFile(target, null, await open(target, "w"));
    await removeLeftovers(target);
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

  async append(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    await this.writing;
    // The reader of a pipe went away (`--report /dev/stdout | head -1`): no failure, as with
    // `--report -`; the rest is produced (the summary counts it) and no longer written.
    if (this.readerGone) return;
    this.writing = writeAll(this.live(), bytes).catch((error: unknown) => {
      if (this.temp !== null || (error as NodeJS.ErrnoException).code !== "EPIPE") throw error;
      this.readerGone = true;
    });
    this.writing.catch(() => undefined); // awaited next turn; until then a failure must not count as unhandled
  }

  async commit(): Promise<void> {
    await this.writing;
    const handle = this.live();
    if (this.temp !== null) await handle.sync();
    await handle.close();
    this.handle = undefined;
    if (this.temp === null) return;
    // rename replaces the target's inode, so a report that existed as 0644 becomes 0600.
    await rename(this.temp, this.target);
    await syncDirectory(dirname(this.target));
  }

  /**
   * As `commit`, but only where nothing is at the target yet (a hard link, which refuses an
   * existing name; where links are not supported, a rename after a look): false, and nothing
   * written, when something is there, so a file another writer made meanwhile is never replaced.
   */
  async commitNew(): Promise<boolean> {
    if (this.temp === null) {
      await this.discard();
      return false;
    }
    await this.writing;
    const handle = this.live();
    await handle.sync();
    await handle.close();
    this.handle = undefined;
    try {
      await link(this.temp, this.target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const noLinks = code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP";
      if (!noLinks || (await lstat(this.target).catch(() => null))) {
        await this.discard();
        if (code === "EEXIST" || noLinks) return false;
        throw error;
      }
      await rename(this.temp, this.target);
      await syncDirectory(dirname(this.target));
      return true;
    }
    await rm(this.temp, { force: true });
    await syncDirectory(dirname(this.target));
    return true;
  }

  async discard(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    if (this.temp !== null) await rm(this.temp, { force: true }).catch(() => undefined);
  }

  private live(): FileHandle {
    if (!this.handle) throw new Error("report file already committed or discarded");
    return this.handle;
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
