/**
 * UTF-8 bytes → CSV rows with the physical line each starts on. csv-parse does the parsing,
 * as a stream fed in chunks (content without a double quote is split here instead, as
 * csv-parse would split it: `quoteFreeRows`); line numbers are counted here because
 * csv-parse's own counter counts a CRLF inside a quoted field as two lines.
 *
 * Physical lines: a line break is CRLF, CR or LF, everywhere (the reader accepts the three,
 * even mixed, as record delimiters). Empty lines are not skipped by csv-parse but come out
 * as one-field records, so every physical line belongs to exactly one record, and a record
 * spans one line more than the line breaks inside its quoted fields. (csv-parse's `info`
 * option would give skipped-line counts, but it doubles the parsing time.)
 */
import { StringDecoder } from "node:string_decoder";
import { CsvError, parse } from "csv-parse";
import { parse as parseSync, CsvError as SyncCsvError } from "csv-parse/sync";
import { BatchError } from "../errors.js";
import { type Delimiter, delimiterName, firstLine } from "./dialect.js";

/** A record of a payment file is a few hundred bytes; one above this is not a payment (a stray quote, a blob). */
export const MAX_RECORD_BYTES = 1 << 20;

export interface CsvRow {
  /** Physical 1-based line where the row starts. */
  line: number;
  values: string[];
}

export interface CsvRowsOptions {
  delimiter: Delimiter;
  /** Name of the file, for messages. */
  file: string;
  /** Bytes per chunk fed to the parser (tests use tiny ones to cross every boundary). */
  chunkSize?: number;
  /** The content has no CR at all (then LF is the only record delimiter to look for). */
  onlyLf?: boolean;
  /** The content has no double quote: no field spans lines, every record is one line. */
  noQuotes?: boolean;
}

/** The chunks cut again to `size` bytes when a test asks for it. */
async function* resized(chunks: AsyncIterable<Buffer>, size: number | undefined): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    if (size === undefined) yield chunk;
    else for (let start = 0; start < chunk.length; start += size) yield chunk.subarray(start, start + size);
  }
}

const LINE_BREAK = /\r\n|\r|\n/g;

function lineBreaksIn(values: readonly string[]): number {
  let count = 0;
  for (const value of values) {
    // Most fields have no line break; skip the regex for them.
    if (value.includes("\n") || value.includes("\r")) count += value.match(LINE_BREAK)?.length ?? 0;
  }
  return count;
}

/** Line breaks in bytes [0, end), CRLF counted once: only used to place an error. */
function lineBreaksBefore(bytes: Buffer, end: number): number {
  let count = 0;
  for (let i = 0; i < end; i++) {
    const byte = bytes[i];
    if (byte === 0x0a) count++;
    else if (byte === 0x0d) {
      count++;
      if (bytes[i + 1] === 0x0a && i + 1 < end) i++;
    }
  }
  return count;
}

/** The whole content again, to place an error (only on the error path). */
async function allBytes(chunks: () => AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks()) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A row whose cells are all blank: a blank line, or Excel's `;;;` for a row that once held formatting. */
function isBlank(values: readonly string[]): boolean {
  return values.every((value) => value.trim() === "");
}

/**
 * The header cells, for naming a column in an error that came before the header was read
 * (a stream that fails drops the records it had buffered). Best effort.
 */
function headerOf(bytes: Buffer, delimiter: Delimiter): readonly string[] | null {
  try {
    const rows: string[][] = parseSync(firstLine(bytes.subarray(0, 1 << 16).toString("utf8")), {
      delimiter,
      relax_quotes: true,
    });
    return rows[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * Turns a csv-parse syntax error into an input error naming the line and column where the
 * bad field starts. `error.bytes` is the offset of the delimiter before that field, or of the
 * end of the previous record when it is the first field (then blank lines may follow).
 */
function syntaxError(
  error: CsvError,
  bytes: Buffer,
  options: CsvRowsOptions,
  header: readonly string[] | null,
  firstLine = 1,
): BatchError {
  const field = typeof error.column === "number" ? error.column : 0;
  let offset = typeof error.bytes === "number" ? error.bytes : 0;
  if (field === 0) while (bytes[offset] === 0x0a || bytes[offset] === 0x0d) offset++;
  const line = firstLine + lineBreaksBefore(bytes, offset);
  const name = (header ?? headerOf(bytes, options.delimiter))?.[field]?.trim();
  const column = `column ${field + 1}${name ? ` ("${name}")` : ""}`;
  const at = `${options.file}:${line}`;
  const quoting = 'quote the whole field and double every quote inside it, e.g. "Pedro ""el Rayo"" Díaz"';
  switch (error.code) {
    case "CSV_MAX_RECORD_SIZE":
      return new BatchError(
        "input",
        `${at}: a record larger than ${MAX_RECORD_BYTES / (1 << 20)} MB (${column} onwards); a payment row is a few hundred bytes`,
        {
          hint: `look for a quote left open before it, or a pasted blob; ${quoting}`,
          cause: error,
        },
      );
    case "CSV_QUOTE_NOT_CLOSED":
      return new BatchError(
        "input",
        `${at}: unclosed quote starting in ${column}; the field runs to the end of the file`,
        {
          hint: `close the quote; ${quoting}`,
          cause: error,
        },
      );
    case "INVALID_OPENING_QUOTE":
      return new BatchError("input", `${at}: a quote (") inside the unquoted field in ${column}`, {
        hint: quoting,
        cause: error,
      });
    case "CSV_INVALID_CLOSING_QUOTE":
      return new BatchError("input", `${at}: text after the closing quote of the field in ${column}`, {
        hint: `${quoting}; check the delimiter is ${delimiterName(options.delimiter)}`,
        cause: error,
      });
    default:
      return new BatchError("input", `${at}: ${error.message}`, { cause: error });
  }
}

/**
 * The rows of a CSV (header first) in batches, skipping blank ones. Throws BatchError("input")
 * on a syntax error; stops reading when the consumer stops iterating.
 *
 * The parser is driven by hand: each chunk is written to it and every record it produced is
 * read back at once (csv-parse transforms synchronously). A pipeline with an async iterator
 * costs a promise per record, about a fifth of the parsing time.
 */
export function csvRows(
  chunks: () => AsyncIterable<Buffer>,
  options: CsvRowsOptions,
): AsyncGenerator<CsvRow[]> {
  return options.noQuotes ? quoteFreeRows(chunks, options) : parsedRows(chunks, options);
}

/** csv-parse's options for every reading: the stream's, and a long line's of quote-free content. */
function parserOptions(options: CsvRowsOptions) {
  return {
    delimiter: options.delimiter,
    // Explicit, so that a file mixing line endings still splits on each of them; CRLF first
    // so it is one delimiter, not CR then an empty line.
    record_delimiter: options.onlyLf ? ["\n"] : ["\r\n", "\n", "\r"],
    // The BOM is gone already (decode); never let the parser guess an encoding from bytes.
    bom: false,
    relax_column_count: true,
    // A bounded record: a stray quote cannot make the parser hold the rest of the file.
    max_record_size: MAX_RECORD_BYTES,
  };
}

async function* parsedRows(
  chunks: () => AsyncIterable<Buffer>,
  options: CsvRowsOptions,
): AsyncGenerator<CsvRow[]> {
  const parser = parse(parserOptions(options));
  let failure: { error: unknown } | undefined;
  let ended = false;
  parser.on("error", (error) => {
    failure ??= { error };
  });
  parser.on("end", () => {
    ended = true;
  });
  let nextLine = 1;
  let header: string[] | null = null;
  const take = (): CsvRow[] => {
    const rows: CsvRow[] = [];
    for (let record = parser.read() as string[] | null; record !== null; record = parser.read()) {
      const line = nextLine;
      nextLine = options.noQuotes ? line + 1 : line + 1 + lineBreaksIn(record);
      if (isBlank(record)) continue;
      header ??= record;
      rows.push({ line, values: record });
    }
    if (failure) throw failure.error;
    return rows;
  };
  try {
    for await (const chunk of resized(chunks(), options.chunkSize)) {
      parser.write(chunk);
      const rows = take();
      if (rows.length > 0) yield rows;
    }
    // The last record may only come out of the parser's flush, which ends the stream.
    parser.end();
    while (!ended) {
      await new Promise<void>((resolve) => {
        if (ended || failure || parser.readableLength > 0) return resolve();
        const wake = () => {
          parser.off("readable", wake).off("end", wake).off("error", wake);
          resolve();
        };
        parser.on("readable", wake).on("end", wake).on("error", wake);
      });
      const rows = take();
      if (rows.length > 0) yield rows;
    }
  } catch (error) {
    if (error instanceof CsvError) throw syntaxError(error, await allBytes(chunks), options, header);
    throw error;
  } finally {
    parser.destroy();
  }
}

/** A line of more UTF-16 units than this may reach the record limit (3 bytes per unit at most): csv-parse reads it. */
const LONG_LINE = Math.floor(MAX_RECORD_BYTES / 3);

/** csv-parse's error for a line of quote-free content, with the line and its text to place it. */
class LongLineError extends Error {
  constructor(
    readonly error: CsvError,
    readonly text: string,
    readonly line: number,
  ) {
    super(error.message);
  }
}

/**
 * Content without a double quote (pass 0 saw none, and the source refuses a file changed
 * since): no field is quoted, so a record is a physical line and its fields are what the
 * delimiter separates, which is what csv-parse gives for it (test/read/quote-free.test.ts
 * compares the two), at a fraction of the cost. A line long enough to near the record limit
 * is given to csv-parse itself, whose answer (its fields, or its error) is the reader's; so is
 * a line still unfinished when it grows past that (and again each time it doubles), so that a
 * file with no line break fails after about as much as csv-parse reads, not after all of it.
 */
async function* quoteFreeRows(
  chunks: () => AsyncIterable<Buffer>,
  options: CsvRowsOptions,
): AsyncGenerator<CsvRow[]> {
  const breaks = options.onlyLf ? "\n" : LINE_BREAK;
  const decoder = new StringDecoder("utf8");
  let nextLine = 1;
  let header: string[] | null = null;
  /** The text of the line not yet ended (without a CR held at the end of a chunk). */
  let pending = "";
  /** The last chunk ended with a CR, maybe the first half of a CRLF: it waits for the next chunk. */
  let heldCr = false;
  /** When `pending` is longer than this, csv-parse is asked whether it is already over the limit. */
  let checkAt = LONG_LINE;
  const rowsOf = (lines: readonly string[]): CsvRow[] => {
    const rows: CsvRow[] = [];
    for (const text of lines) {
      const line = nextLine++;
      const values = text.length > LONG_LINE ? longLine(text, line) : text.split(options.delimiter);
      if (isBlank(values)) continue;
      header ??= values;
      rows.push({ line, values });
    }
    return rows;
  };
  const longLine = (text: string, line: number): string[] => {
    try {
      // With its line break: csv-parse measures a record once more at the byte that ends it.
      return (parseSync(`${text}\n`, parserOptions(options)) as string[][])[0] ?? [""];
    } catch (error) {
      // csv-parse/sync's class: under a loader that takes its CommonJS build, not the stream's.
      if (error instanceof SyncCsvError || error instanceof CsvError)
        throw new LongLineError(error, text, line);
      throw error;
    }
  };
  try {
    for await (const chunk of resized(chunks(), options.chunkSize)) {
      // Only the new text is split: a line that never ends is not split again at every chunk.
      let text = decoder.write(chunk);
      if (heldCr) text = `\r${text}`;
      heldCr = !options.onlyLf && text.endsWith("\r");
      if (heldCr) text = text.slice(0, -1);
      const lines = text.split(breaks);
      lines[0] = pending + lines[0];
      pending = lines.pop() ?? "";
      if (lines.length > 0) checkAt = LONG_LINE;
      const rows = rowsOf(lines);
      if (pending.length > checkAt) {
        // A prefix over the limit is the whole line's error, at the same byte: csv-parse checks as it reads.
        longLine(pending, nextLine);
        checkAt = 2 * pending.length;
      }
      if (rows.length > 0) yield rows;
    }
    const rest = pending + (heldCr ? "\r" : "") + decoder.end();
    // The text after the last line break is a record unless it is empty (as csv-parse ends).
    const lines = rest === "" ? [] : rest.split(breaks);
    if (lines.at(-1) === "") lines.pop();
    const rows = rowsOf(lines);
    if (rows.length > 0) yield rows;
  } catch (error) {
    if (!(error instanceof LongLineError)) throw error;
    // Before any row, csv-parse's reader names the column from the file's first line: so does this one.
    const names = header ?? headerOf(await allBytes(chunks), options.delimiter) ?? [];
    throw syntaxError(error.error, Buffer.from(error.text), options, names, error.line);
  }
}
