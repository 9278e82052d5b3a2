/**
 * The reader driven the ways only tests need: from a path, from bytes, every record at once,
 * and plain CSV text through the same parser (the csv-spectrum conformance test). The
 * commands read through validate/file.ts.
 */
import type { InputRecord } from "../../src/model.js";
import { csvRows } from "../../src/read/csv.js";
import { type Delimiter, detectDelimiter } from "../../src/read/dialect.js";
import { type ReadOptions, type ReadResult, readRecordsFrom } from "../../src/read/records.js";
import { openSource, sourceFromBytes } from "../../src/read/source.js";

/** Object keys from file content: define, never assign (a column named "__proto__"). */
function setOwn(target: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Reads records from bytes already in memory (a test's buffer). */
export async function readRecordsFromBytes(
  bytes: Uint8Array,
  options: ReadOptions & { file: string },
): Promise<ReadResult> {
  return readRecordsFrom(sourceFromBytes(bytes, { file: options.file, encoding: options.encoding }), options);
}

/** Reads a payment file in passes (see source.ts); the caller iterates `records` once. */
export async function readRecords(path: string, options: ReadOptions): Promise<ReadResult> {
  const source = await openSource(path, { file: options.file ?? path, encoding: options.encoding });
  const result = await readRecordsFrom(source, options).catch(async (error) => {
    await source.close();
    throw error;
  });
  async function* closing(): AsyncGenerator<InputRecord[]> {
    try {
      yield* result.batches;
    } finally {
      await source.close();
    }
  }
  return { ...result, batches: closing() };
}

/** `readRecords` with every record collected. */
export async function readAllRecords(
  path: string,
  options: ReadOptions,
): Promise<Omit<ReadResult, "batches"> & { records: InputRecord[] }> {
  const { batches, ...result } = await readRecords(path, options);
  const records: InputRecord[] = [];
  for await (const batch of batches) records.push(...batch);
  return { ...result, records };
}

export interface ParsedCsv {
  delimiter: Delimiter;
  /** Header cells as written. */
  header: string[];
  /** Rows as objects keyed by header cell (no aliasing, no trimming), with their line. */
  rows: Array<{ line: number; values: Record<string, string> }>;
}

/**
 * Plain CSV text → objects keyed by the raw header, through the same parser, delimiter
 * detection and line counting as `readRecords` (the csv-spectrum conformance test uses it).
 */
export async function parseCsvText(
  text: string,
  options: { delimiter?: Delimiter; chunkSize?: number } = {},
): Promise<ParsedCsv> {
  const bytes = Buffer.from(text.replace(/^\uFEFF/, ""), "utf8");
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const result: ParsedCsv = { delimiter, header: [], rows: [] };
  const rows = csvRows(
    async function* () {
      yield bytes;
    },
    {
      delimiter,
      file: "<text>",
      // What the source's pass 0 tells the reader (read/source.ts): quote-free content is
      // read without csv-parse.
      onlyLf: !bytes.includes(0x0d),
      noQuotes: !bytes.includes(0x22),
      ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
    },
  );
  for await (const batch of rows) {
    for (const row of batch) {
      if (result.rows.length === 0 && result.header.length === 0) {
        result.header = row.values;
        continue;
      }
      const values: Record<string, string> = {};
      result.header.forEach((name, i) => {
        setOwn(values, name, row.values[i] ?? "");
      });
      result.rows.push({ line: row.line, values });
    }
  }
  return result;
}
