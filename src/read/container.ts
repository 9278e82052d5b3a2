/**
 * What kind of file the input is, from its bytes, never its name: a CSV (any text), an xlsx
 * workbook (a zip holding `xl/workbook.xml`), or one of the spreadsheet files that cannot be
 * read and must be named: a password-protected workbook (Office encrypts an xlsx into an OLE
 * compound file holding `EncryptedPackage`), an old binary `.xls` (an OLE compound file too),
 * a zip that is not a workbook (an OpenDocument sheet, a Word file) or a damaged zip.
 *
 * The zip's entry names come from its central directory (the end of the file), so a
 * workbook is recognised without inflating anything. Before a workbook is read, `verifyZip`
 * inflates every entry of up to a megabyte once and checks it against the directory's size
 * and CRC-32: a damaged workbook is refused up front, by name, rather than failing (or
 * stalling) halfway through the unzipping reader. A larger entry (a sheet, its shared strings)
 * is checked the same way while it is read (`entryChunks`), once its last byte is inflated,
 * before any row of it can be used (nothing is sent, and `validate`'s report is kept, only
 * once the whole file is read): inflating a 100,000-row sheet twice cost about 80 ms.
 */
import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32, createInflateRaw } from "node:zlib";
import { BatchError } from "../errors.js";

export type Container = "text" | "workbook";

const ZIP_LOCAL = 0x04034b50;
const ZIP_END = 0x06054b50;
const ZIP_CENTRAL = 0x02014b50;
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const CHUNK = 1 << 16;
/** The end record is 22 bytes plus a comment of at most 64 KB. */
const END_SEARCH = 22 + 0xffff;

const SAVE_AS = "open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx) or CSV UTF-8";

function inputError(file: string, message: string, hint: string): BatchError {
  return new BatchError("input", `${file}: ${message}`, { hint });
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** One entry of a zip's central directory: where its data is and what it must inflate to. */
export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The names in a zip's central directory, or null when the directory is not where its end record says. */
export async function zipEntryNames(handle: FileHandle, size: number): Promise<string[] | null> {
  return (await zipEntries(handle, size))?.map((entry) => entry.name) ?? null;
}

/** A zip's central directory, or null when it is not where its end record says. */
export async function zipEntries(handle: FileHandle, size: number): Promise<ZipEntry[] | null> {
  const tailStart = Math.max(0, size - END_SEARCH);
  const tail = await readAt(handle, tailStart, size - tailStart);
  let end = -1;
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) === ZIP_END) {
      end = at;
      break;
    }
  }
  if (end < 0) return null;
  const count = tail.readUInt16LE(end + 10);
  const length = tail.readUInt32LE(end + 12);
  const offset = tail.readUInt32LE(end + 16);
  // Zip64 (over 4 GB or 65,535 entries) is never a payroll; its markers read as "not found".
  if (offset === 0xffffffff || offset + length > tailStart + end) return null;
  const directory = await readAt(handle, offset, length);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== ZIP_CENTRAL) return null;
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    entries.push({
      name: directory.toString("utf8", at + 46, at + 46 + nameLength),
      method: directory.readUInt16LE(at + 10),
      crc: directory.readUInt32LE(at + 16),
      compressedSize: directory.readUInt32LE(at + 20),
      size: directory.readUInt32LE(at + 24),
      localOffset: directory.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The chunks of `length` bytes from `position`, read as they are consumed. */
async function* fileRange(handle: FileHandle, position: number, length: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < length; ) {
    const bytes = await readAt(handle, position + offset, Math.min(CHUNK, length - offset));
    if (bytes.length === 0) throw new Error("the file ends inside an entry");
    offset += bytes.length;
    yield bytes;
  }
}

/** Where an entry's data starts (after its local header), or null when that header is missing. */
async function dataStart(handle: FileHandle, entry: ZipEntry): Promise<number | null> {
  const local = await readAt(handle, entry.localOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== ZIP_LOCAL) return null;
  return entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
}

/** Entries larger than this (inflated) are checked while they are read, not in `verifyZip` too. */
const CHECKED_WHEN_READ = 1 << 20;

/**
 * The inflated bytes of an entry as they are read, straight from the file (no copy): a large
 * sheet costs a chunk of memory, not its size. Stopping early (`return()`) stops the reading.
 * Read to its end, the entry must be the size and CRC-32 the zip's directory says, else it
 * throws (the caller names the part and the damage).
 */
export async function* entryChunks(handle: FileHandle, entry: ZipEntry): AsyncGenerator<Buffer> {
  let crc = 0;
  let size = 0;
  for await (const chunk of inflatedChunks(handle, entry)) {
    crc = crc32(chunk, crc);
    size += chunk.length;
    yield chunk;
  }
  if (size !== entry.size || crc >>> 0 !== entry.crc)
    throw new Error("its content does not match its checksum");
}

async function* inflatedChunks(handle: FileHandle, entry: ZipEntry): AsyncGenerator<Buffer> {
  const start = await dataStart(handle, entry);
  if (start === null) throw new Error("its entry header is missing");
  if (entry.method !== 0 && entry.method !== 8)
    throw new Error(`compression method ${entry.method} is not one Excel writes`);
  const data = fileRange(handle, start, entry.compressedSize);
  if (entry.method === 0) {
    yield* data;
    return;
  }
  const inflate = createInflateRaw({ chunkSize: CHUNK });
  const feeding = pipeline(Readable.from(data), inflate);
  // The pipeline's failure surfaces through the inflate stream; this only keeps it handled.
  feeding.catch(() => {});
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } finally {
    inflate.destroy();
  }
  await feeding;
}

/**
 * Why an entry's data does not inflate to what the directory says (size and CRC-32), or null
 * when it does.
 */
async function entryDamage(handle: FileHandle, entry: ZipEntry): Promise<string | null> {
  if ((await dataStart(handle, entry)) === null) return "its entry header is missing";
  if (entry.method !== 0 && entry.method !== 8)
    return `compression method ${entry.method} is not one Excel writes`;
  try {
    for await (const _chunk of entryChunks(handle, entry)) {
      // entryChunks checks the size and CRC-32 at the end
    }
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}

/** Throws the "damaged" input error unless every entry up to CHECKED_WHEN_READ inflates to what the zip's directory says. */
export async function verifyZip(handle: FileHandle, size: number, file: string): Promise<void> {
  const entries = await zipEntries(handle, size);
  if (entries === null) throw damagedZip(file);
  for (const entry of entries) {
    if (entry.name.endsWith("/") || entry.size > CHECKED_WHEN_READ) continue;
    const damage = await entryDamage(handle, entry);
    if (damage) throw damagedZip(file, `${entry.name}: ${damage}`);
  }
}

function damagedZip(file: string, detail?: string): BatchError {
  return inputError(
    file,
    detail === undefined
      ? "a damaged Excel workbook or zip file (its table of contents is missing or cut short; was the copy complete?)"
      : `a damaged Excel workbook (${detail})`,
    `copy or download the file again, or ${SAVE_AS}`,
  );
}

/** Whether an OLE compound file holds an encrypted Office package (its stream names are UTF-16LE). */
async function oleIsEncrypted(handle: FileHandle, size: number): Promise<boolean> {
  const marker = Buffer.from("EncryptedPackage", "utf16le");
  const chunk = 1 << 16;
  for (let position = 0; position < size; position += chunk - marker.length) {
    const bytes = await readAt(handle, position, chunk);
    if (bytes.includes(marker)) return true;
    if (bytes.length < chunk) break;
  }
  return false;
}

/** The kind of the open file; throws the input error (exit 2) for a spreadsheet it cannot read. */
export async function detectContainer(handle: FileHandle, file: string): Promise<Container> {
  const { size } = await handle.stat();
  const head = await readAt(handle, 0, 8);
  if (head.length >= 8 && head.equals(OLE)) {
    if (await oleIsEncrypted(handle, size)) {
      throw inputError(
        file,
        "the workbook is password-protected (encrypted), so it cannot be read",
        "remove the password (in Excel: File > Info > Protect Workbook > Encrypt with Password, clear it, save) and run again",
      );
    }
    throw inputError(file, "an old binary Excel workbook (.xls), which bitex-batch does not read", SAVE_AS);
  }
  if (head.length < 4 || head.readUInt32LE(0) !== ZIP_LOCAL) {
    // An empty zip is its end record alone.
    if (head.length >= 4 && head.readUInt32LE(0) === ZIP_END) {
      throw inputError(file, "an empty zip file, not an Excel workbook", SAVE_AS);
    }
    return "text";
  }
  const names = await zipEntryNames(handle, size);
  if (names === null) throw damagedZip(file);
  if (names.includes("xl/workbook.xml")) return "workbook";
  const what = names.includes("content.xml")
    ? "an OpenDocument file (LibreOffice .ods), not an Excel workbook"
    : names.some((name) => name.startsWith("word/"))
      ? "a Word document, not a payroll"
      : "a zip file, not an Excel workbook (it has no xl/workbook.xml)";
  throw inputError(file, what, SAVE_AS);
}

/** `detectContainer` for a path (the file is opened and closed here). */
export async function containerOf(path: string, file: string): Promise<Container> {
  let handle: FileHandle;
  try {
    // Non-blocking, as the CSV reader opens it: a FIFO with no writer must not hang here.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return "text"; // the CSV reader names a missing or unreadable file
  }
  try {
    // Only a regular file is sniffed; the CSV reader refuses a directory, FIFO or device.
    if (!(await handle.stat()).isFile()) return "text";
    return await detectContainer(handle, file);
  } finally {
    await handle.close();
  }
}
