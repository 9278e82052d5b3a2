/**
 * The input file as UTF-8 bytes, read in passes instead of held whole, so a million-row file
 * costs its chunks, not its size, in memory. `openSource` makes pass 0: it decides the
 * encoding, refuses binaries and feeds every byte to a hash (the batch id); each `chunks()`
 * reads the file again through the same descriptor. Only a file that is not plain UTF-8
 * (Windows-1252, UTF-16, or an error to report) is read whole and decoded by `decodeToUtf8`,
 * which owns every encoding rule; pass 0 only recognises the case where it would answer
 * "UTF-8, as is".
 *
 * The file must not change while it is read (Excel saving it again, a copy still running):
 * `verifyUnchanged` compares its size and mtime with pass 0's.
 */
import { isUtf8 } from "node:buffer";
import type { Hash } from "node:crypto";
import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { BatchError } from "../errors.js";
import { decodeToUtf8, type Encoding, type EncodingOption, hasBinarySignature } from "./decode.js";

export interface Source {
  file: string;
  encoding: Encoding;
  bom: boolean;
  /** One line for the user when the encoding was guessed. */
  notice?: string;
  /** The start of the text (up to 64 KB), for delimiter detection. */
  head: string;
  /** No CR anywhere: LF is the only line break, and the parser looks for nothing else (~10% faster). */
  onlyLf: boolean;
  /** No double quote anywhere: no field is quoted, so none holds a line break. */
  noQuotes: boolean;
  /** A fresh pass over the content as UTF-8, without BOM. */
  chunks(): AsyncIterable<Buffer>;
  /** Throws when the file changed since pass 0. */
  verifyUnchanged(): Promise<void>;
  close(): Promise<void>;
}

/**
 * 32 KB: the records of one chunk (~550 rows) are checked and written before the next is
 * read, so they die young; with 64 KB more of them outlived a scavenge, and a million-row
 * validate peaked 30 MB higher.
 */
const CHUNK = 1 << 15;
const HEAD = 1 << 16;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A source over bytes already in memory (tests, and decoded non-UTF-8 files). */
export function sourceFromBytes(
  bytes: Uint8Array,
  options: { file: string; encoding?: EncodingOption },
): Source {
  const decoded = decodeToUtf8(bytes, { file: options.file, encoding: options.encoding ?? "auto" });
  return memorySource(options.file, decoded);
}

function memorySource(
  file: string,
  decoded: ReturnType<typeof decodeToUtf8>,
  close = async () => {},
): Source {
  const { utf8 } = decoded;
  return {
    file,
    encoding: decoded.encoding,
    bom: decoded.bom,
    ...(decoded.notice ? { notice: decoded.notice } : {}),
    head: utf8.subarray(0, HEAD).toString("utf8"),
    onlyLf: utf8.indexOf(0x0d) < 0,
    noQuotes: utf8.indexOf(0x22) < 0,
    async *chunks() {
      for (let start = 0; start < utf8.length; start += CHUNK) yield utf8.subarray(start, start + CHUNK);
    },
    verifyUnchanged: async () => {},
    close,
  };
}

/**
 * Bytes of a UTF-8 stream up to the last complete character, so that each piece can be
 * checked alone: a multi-byte character cut by a chunk boundary waits for the next chunk.
 */
function completePrefix(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/** Pass 0 over an open file: is it plain UTF-8 (what `decodeToUtf8` would read as is)? */
async function scanUtf8(
  handle: FileHandle,
  encoding: EncodingOption,
  hash: Hash | undefined,
): Promise<{ plain: boolean; bom: boolean; size: number; head: Buffer; onlyLf: boolean; noQuotes: boolean }> {
  let offset = 0;
  let carry: Buffer = Buffer.alloc(0);
  let plain = encoding === "auto" || encoding === "utf8";
  let bom = false;
  let onlyLf = true;
  let noQuotes = true;
  const head: Buffer[] = [];
  let headBytes = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    hash?.update(chunk);
    if (onlyLf && chunk.indexOf(0x0d) >= 0) onlyLf = false;
    if (noQuotes && chunk.indexOf(0x22) >= 0) noQuotes = false;
    if (plain) {
      let body = chunk;
      if (offset === 0) {
        bom = chunk.subarray(0, 3).equals(UTF8_BOM);
        if (bom) body = chunk.subarray(3);
        // decodeToUtf8 explains binaries; UTF-16 byte order marks are never valid UTF-8.
        if (hasBinarySignature(chunk)) plain = false;
      }
      if (headBytes < HEAD) {
        head.push(body.subarray(0, HEAD - headBytes));
        headBytes += Math.min(body.length, HEAD - headBytes);
      }
      const text = carry.length > 0 ? Buffer.concat([carry, body]) : body;
      const cut = completePrefix(text);
      if (text.indexOf(0) >= 0 || !isUtf8(text.subarray(0, cut))) plain = false;
      carry = Buffer.from(text.subarray(cut));
    }
    offset += bytesRead;
  }
  if (carry.length > 0) plain = false;
  return { plain, bom, size: offset, head: Buffer.concat(head), onlyLf, noQuotes };
}

/** Any failure to read the input: exit 2, naming the file (nothing has been sent). */
function readError(file: string, cause: unknown): BatchError {
  const code = (cause as NodeJS.ErrnoException).code;
  const reason =
    code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (cause as Error).message;
  return new BatchError("input", `${file}: cannot read the file (${reason})`, {
    hint: "check the path",
    cause,
  });
}

/** `-`: standard input, read whole (it can be read only once), named "standard input". */
async function stdinSource(options: { encoding?: EncodingOption; hash?: Hash }): Promise<Source> {
  const file = "standard input";
  const parts: Buffer[] = [];
  try {
    for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  } catch (cause) {
    throw readError(file, cause);
  }
  const bytes = Buffer.concat(parts);
  options.hash?.update(bytes);
  return memorySource(file, decodeToUtf8(bytes, { file, encoding: options.encoding ?? "auto" }));
}

/** Opens `path` and makes pass 0. `hash` receives every byte of the file. */
export async function openSource(
  path: string,
  options: { file: string; encoding?: EncodingOption; hash?: Hash },
): Promise<Source> {
  if (path === "-") return stdinSource(options);
  const { file } = options;
  let handle: FileHandle;
  try {
    // Non-blocking: a FIFO with no writer would otherwise hang here; it is refused below.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw readError(file, cause);
  }
  try {
    const before = await handle.stat();
    if (before.isDirectory()) throw readError(file, new Error("it is a directory"));
    if (!before.isFile()) {
      // A FIFO, a socket or a device (/dev/zero, /dev/urandom) never ends, or cannot be read twice.
      const kind = before.isFIFO()
        ? "a FIFO"
        : before.isCharacterDevice() || before.isBlockDevice()
          ? "a device"
          : before.isSocket()
            ? "a socket"
            : "not a regular file";
      throw new BatchError(
        "input",
        `${file}: ${kind}, not a regular file; only files (or - for standard input) are read`,
        {
          hint: "save the data to a file and name that file",
        },
      );
    }
    const scan = await scanUtf8(handle, options.encoding ?? "auto", options.hash).catch((cause) => {
      throw readError(file, cause);
    });
    const verifyUnchanged = async () => {
      const after = await handle.stat();
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || scan.size !== before.size) {
        throw new BatchError("input", `${file}: the file changed while it was being read`, {
          hint: "run again once the program writing it has finished (nothing was sent)",
        });
      }
    };
    const close = () => handle.close();
    if (!scan.plain) {
      const bytes = Buffer.allocUnsafe(scan.size);
      const { bytesRead } = await handle.read(bytes, 0, scan.size, 0).catch((cause) => {
        throw readError(file, cause);
      });
      const decoded = decodeToUtf8(bytes.subarray(0, bytesRead), {
        file,
        encoding: options.encoding ?? "auto",
      });
      return { ...memorySource(file, decoded, close), verifyUnchanged };
    }
    const start = scan.bom ? 3 : 0;
    return {
      file,
      encoding: "utf8",
      bom: scan.bom,
      head: scan.head.toString("utf8"),
      onlyLf: scan.onlyLf,
      noQuotes: scan.noQuotes,
      async *chunks() {
        // The next chunk is read while this one is parsed: reading and parsing overlap.
        const readAt = (offset: number) => {
          const buffer = Buffer.allocUnsafe(CHUNK);
          const read = handle.read(buffer, 0, CHUNK, offset).then(
            ({ bytesRead }) => buffer.subarray(0, bytesRead),
            (cause) => {
              throw readError(file, cause);
            },
          );
          read.catch(() => undefined); // awaited below; until then a failure must not count as unhandled
          return read;
        };
        let next = readAt(start);
        try {
          for (let offset = start; ; ) {
            const chunk = await next;
            if (chunk.length === 0) return;
            offset += chunk.length;
            next = readAt(offset);
            yield chunk;
          }
        } finally {
          await next.catch(() => undefined); // a consumer that stops early leaves one read in flight
        }
      },
      verifyUnchanged,
      close,
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
