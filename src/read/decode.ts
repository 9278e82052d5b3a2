/**
 * Bytes → text. Accountants' files arrive as UTF-8 (with or without BOM), UTF-16 with a BOM
 * (Excel's "Unicode text") or Windows-1252 (Excel's "CSV" on a Spanish Windows). `auto`
 * follows the byte order mark, then tries UTF-8, then falls back to Windows-1252 and says
 * so: every byte sequence is valid Windows-1252, so the fallback never fails, and a file
 * that is valid UTF-8 is almost never meant as Windows-1252 (accented letters in cp1252
 * are lone high bytes, which UTF-8 forbids).
 *
 * The CSV parser reads UTF-8 bytes, so `decodeToUtf8` is what the reader uses: for a UTF-8
 * file it returns a view of the input (no copy), for the others one re-encoded buffer.
 */
import { isUtf8 } from "node:buffer";
import { BatchError } from "../errors.js";

/** Values of `--encoding`. */
export const ENCODING_OPTIONS = ["auto", "utf8", "latin1", "windows-1252", "utf16le"] as const;
export type EncodingOption = (typeof ENCODING_OPTIONS)[number];

/** What the file turned out to be. */
export type Encoding = "utf8" | "utf16le" | "utf16be" | "windows-1252" | "latin1";

export interface DecodedText {
  text: string;
  encoding: Encoding;
  /** The file started with a byte order mark (never part of the text). */
  bom: boolean;
  /** One line for the user when the encoding was guessed rather than certain. */
  notice?: string;
}

export interface DecodedUtf8 {
  /** The content as UTF-8, without byte order mark. */
  utf8: Buffer;
  encoding: Encoding;
  bom: boolean;
  notice?: string;
}

export interface DecodeOptions {
  /** Name of the file, for messages. */
  file: string;
  encoding?: EncodingOption;
}

/**
 * Signatures of the binary files people pick by mistake instead of the CSV export. Not all
 * of them have a NUL byte near the start, and naming the format makes the fix obvious.
 */
const SIGNATURES: Array<{ bytes: number[]; what: string; hint: string }> = [
  {
    bytes: [0x50, 0x4b, 0x03, 0x04],
    what: "an Excel workbook or other zip file",
    hint: "in Excel use File > Save As > CSV UTF-8",
  },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0],
    what: "an old Excel workbook (.xls)",
    hint: "in Excel use File > Save As > CSV UTF-8",
  },
  {
    bytes: [0x25, 0x50, 0x44, 0x46, 0x2d],
    what: "a PDF document",
    hint: "export the data as CSV from the program that made the PDF",
  },
];
const BINARY_HINT =
  "export the sheet as CSV (UTF-8); a UTF-16 file without byte order mark can be read with --encoding utf16le";

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.length <= bytes.length && prefix.every((byte, i) => bytes[i] === byte);
}

function binaryError(file: string, detail: string, hint: string): BatchError {
  return new BatchError("input", `${file}: looks like a binary file, not CSV (${detail})`, { hint });
}

/** True when the bytes start like one of the binary files people pick by mistake. */
export function hasBinarySignature(bytes: Uint8Array): boolean {
  return SIGNATURES.some((signature) => startsWith(bytes, signature.bytes));
}

/** Refuses files that are not text: known binary signatures, then any NUL byte. */
function refuseBinary(bytes: Uint8Array, file: string): void {
  for (const signature of SIGNATURES) {
    if (startsWith(bytes, signature.bytes))
      throw binaryError(file, `it starts like ${signature.what}`, signature.hint);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw binaryError(file, `NUL byte at offset ${nul}`, BINARY_HINT);
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];

/**
 * WHATWG index-windows-1252 for bytes 0x80–0x9F; every other byte is its own code point.
 * Decoded here rather than with `new TextDecoder("windows-1252")` because Node ≥ 20.18.3
 * decodes that label as Latin-1 (nodejs/node#60888, #56542): the en dash of "Sueldo – marzo"
 * came out as the invisible U+0096.
 */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

export function decodeWindows1252(bytes: Uint8Array): string {
  return asBuffer(bytes)
    .toString("latin1")
    .replace(/[\u0080-\u009f]/g, (char) =>
      String.fromCharCode(CP1252_HIGH[char.charCodeAt(0) - 0x80] as number),
    );
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeUtf16(bytes: Uint8Array, encoding: "utf16le" | "utf16be", file: string): string {
  let text: string;
  try {
    // TextDecoder drops the BOM itself; `fatal` turns an odd byte count or a lone surrogate
    // into an error instead of a silent U+FFFD.
    text = new TextDecoder(encoding === "utf16le" ? "utf-16le" : "utf-16be", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new BatchError(
      "input",
      `${file}: is not valid ${encoding === "utf16le" ? "UTF-16LE" : "UTF-16BE"} text`,
      {
        hint: "save the file again as CSV UTF-8, or pass another --encoding",
        cause,
      },
    );
  }
  const nul = text.indexOf("\0");
  // Each UTF-16 code unit is two bytes, after the two-byte BOM when there is one.
  const bomBytes = startsWith(bytes, encoding === "utf16le" ? UTF16LE_BOM : UTF16BE_BOM) ? 2 : 0;
  if (nul >= 0) throw binaryError(file, `NUL character at offset ${bomBytes + 2 * nul}`, BINARY_HINT);
  return text;
}

/**
 * The one decision: which encoding, and is it certain. Returns the decoded text only when
 * the bytes are not UTF-8 already (so the UTF-8 path never materialises a string).
 */
function decide(
  bytes: Uint8Array,
  options: DecodeOptions,
): { encoding: Encoding; bom: boolean; utf8?: Buffer; text?: string; notice?: string } {
  const forced = options.encoding ?? "auto";
  const buffer = asBuffer(bytes);
  if (forced === "utf16le")
    return {
      encoding: "utf16le",
      bom: startsWith(bytes, UTF16LE_BOM),
      text: decodeUtf16(bytes, "utf16le", options.file),
    };
  if (forced === "auto" && startsWith(bytes, UTF16LE_BOM)) {
    return { encoding: "utf16le", bom: true, text: decodeUtf16(bytes, "utf16le", options.file) };
  }
  if (forced === "auto" && startsWith(bytes, UTF16BE_BOM)) {
    return { encoding: "utf16be", bom: true, text: decodeUtf16(bytes, "utf16be", options.file) };
  }
  refuseBinary(bytes, options.file);
  if (forced === "windows-1252" || forced === "latin1") {
    // WHATWG (and every browser) reads "latin1" as Windows-1252: identical on the printable
    // ISO-8859-1 range, and 0x80–0x9F become € – “ ” … instead of invisible C1 controls. A UTF-8
    // byte order mark is no text ("ï»¿" would rename the first column, unknown then, dropped).
    const bom = startsWith(bytes, UTF8_BOM);
    return { encoding: forced, bom, text: decodeWindows1252(bom ? bytes.subarray(3) : bytes) };
  }
  const bom = startsWith(bytes, UTF8_BOM);
  const body = bom ? buffer.subarray(3) : buffer;
  const valid = isUtf8(body);
  // A UTF-8 BOM says "this is UTF-8": if the rest disagrees the file is damaged, and reading
  // it anyway would turn names into U+FFFD without a word.
  if (!valid && (forced === "utf8" || bom)) {
    const why = bom ? "starts with a UTF-8 byte order mark but" : "--encoding utf8 was given but the file";
    throw new BatchError("input", `${options.file}: ${why} is not valid UTF-8`, {
      hint: "pass --encoding windows-1252 to read it as Windows-1252, or save it again as CSV UTF-8",
    });
  }
  if (valid) return { encoding: "utf8", bom, utf8: body };
  refuseMixed(body, options.file);
  return {
    encoding: "windows-1252",
    bom: false,
    text: decodeWindows1252(bytes),
    notice: `${options.file} is not valid UTF-8; read it as Windows-1252 (use --encoding to choose)`,
  };
}

/** The length of the UTF-8 sequence at `at` (1 for ASCII), 0 where none starts there. */
function utf8Length(bytes: Uint8Array, at: number): number {
  const b = bytes[at] as number;
  if (b < 0x80) return 1;
  const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (n === 0 || at + n > bytes.length) return 0;
  const second = bytes[at + 1] as number;
  // The second byte's narrower ranges: no overlong form, no surrogate, nothing past U+10FFFF.
  const [low, high] =
    b === 0xe0
      ? [0xa0, 0xbf]
      : b === 0xed
        ? [0x80, 0x9f]
        : b === 0xf0
          ? [0x90, 0xbf]
          : b === 0xf4
            ? [0x80, 0x8f]
            : [0x80, 0xbf];
  if (second < low || second > high) return 0;
  for (let k = 2; k < n; k++) if (((bytes[at + k] as number) & 0xc0) !== 0x80) return 0;
  return n;
}

/**
 * A file that is UTF-8 in places and not in others (a line pasted from a Windows-1252 file into
 * a UTF-8 one) is refused: read as Windows-1252, every UTF-8 name turns into "MuÃ±oz" (and a
 * payee is created under it); read as UTF-8, the other line's letters are lost. The proof is a
 * line whose every byte is UTF-8 and that holds a multi-byte letter, beside a line holding a
 * byte that is not: a Windows-1252 line may form a UTF-8 pair by chance ("É" before "”" in
 * `“JOSÉ”`, helper-92), but then beside the lone bytes of its other accents and quotes.
 */
function refuseMixed(bytes: Uint8Array, file: string): void {
  /** The first clean line with a multi-byte letter, the first line with a byte that is not UTF-8. */
  const found: { clean?: { line: number; at: number }; bad?: { line: number; at: number } } = {};
  let line = 1;
  let multi = -1;
  let lone = -1;
  const endLine = () => {
    if (lone >= 0) found.bad ??= { line, at: lone };
    else if (multi >= 0) found.clean ??= { line, at: multi };
    line++;
    multi = -1;
    lone = -1;
  };
  for (let at = 0; at < bytes.length && !(found.clean && found.bad); ) {
    if (bytes[at] === 0x0a) endLine();
    const n = utf8Length(bytes, at);
    if (n === 0 && lone < 0) lone = at;
    if (n > 1 && multi < 0) multi = at;
    at += Math.max(n, 1);
  }
  endLine();
  const { clean, bad } = found;
  if (!clean || !bad) return;
  const shown = Buffer.from(bytes.subarray(clean.at, clean.at + utf8Length(bytes, clean.at))).toString(
    "utf8",
  );
  const byte = (bytes[bad.at] as number).toString(16).toUpperCase();
  throw new BatchError(
    "input",
    `${file}: line ${bad.line} holds a byte that is not UTF-8 (0x${byte}) while line ${clean.line} holds UTF-8 text ("${shown}"): the file mixes two encodings, and either reading would garble names`,
    {
      hint: "type that line's accented letters again and save the file as CSV UTF-8; if the whole file is Windows-1252, pass --encoding windows-1252",
    },
  );
}

function withNotice<T extends object>(value: T, notice: string | undefined): T & { notice?: string } {
  return notice === undefined ? value : { ...value, notice };
}

/** Bytes → text, BOM removed. */
export function decodeBytes(bytes: Uint8Array, options: DecodeOptions): DecodedText {
  const decision = decide(bytes, options);
  const text = decision.text ?? (decision.utf8 as Buffer).toString("utf8");
  return withNotice({ text, encoding: decision.encoding, bom: decision.bom }, decision.notice);
}

/** Bytes → UTF-8 bytes, BOM removed; a view of the input (no copy) when it is UTF-8 already. */
export function decodeToUtf8(bytes: Uint8Array, options: DecodeOptions): DecodedUtf8 {
  const decision = decide(bytes, options);
  const utf8 = decision.utf8 ?? Buffer.from(decision.text as string, "utf8");
  return withNotice({ utf8, encoding: decision.encoding, bom: decision.bom }, decision.notice);
}
