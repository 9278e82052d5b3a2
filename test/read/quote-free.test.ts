/**
 * Content without a double quote is read without csv-parse (read/csv.ts quoteFreeRows): its
 * rows must be csv-parse's, with the same lines, for any such content cut into any chunks.
 */
import { expect } from "chai";
import { BatchError } from "../../src/errors.js";
import { type CsvRow, csvRows, MAX_RECORD_BYTES } from "../../src/read/csv.js";
import type { Delimiter } from "../../src/read/dialect.js";

async function rowsOf(text: string, delimiter: Delimiter, noQuotes: boolean, chunkSize?: number) {
  const bytes = Buffer.from(text, "utf8");
  const rows: CsvRow[] = [];
  const read = csvRows(
    async function* () {
      yield bytes;
    },
    {
      delimiter,
      file: "in.csv",
      onlyLf: !text.includes("\r"),
      noQuotes,
      ...(chunkSize ? { chunkSize } : {}),
    },
  );
  for await (const batch of read) rows.push(...batch);
  return rows;
}

/** A small deterministic generator (mulberry32), so that a failure can be run again. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ["a", "EMP-1", "1.234,50", " ", "", "ñandú", "€", "😀", "x y", ",", ";", "\t", "|"];
const BREAKS = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\n\r"];

function content(next: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
  let text = "";
  const lines = 1 + Math.floor(next() * 12);
  for (let i = 0; i < lines; i++) {
    const cells = Math.floor(next() * 6);
    for (let j = 0; j < cells; j++) text += pick(PIECES);
    if (i < lines - 1 || next() < 0.5) text += pick(BREAKS);
  }
  return text;
}

describe("read/csv: quote-free content is read as csv-parse reads it", () => {
  it("gives csv-parse's rows and lines for 600 generated contents, every delimiter, chunks of 1 to 40 bytes", async () => {
    const next = random(20261206);
    for (let i = 0; i < 600; i++) {
      const text = content(next);
      const delimiter = ([",", ";", "\t", "|"] as const)[i % 4] as Delimiter;
      const chunkSize = 1 + Math.floor(next() * 40);
      const expected = await rowsOf(text, delimiter, false);
      expect(
        await rowsOf(text, delimiter, true, chunkSize),
        JSON.stringify({ text, delimiter, chunkSize }),
      ).to.deep.equal(expected);
      expect(await rowsOf(text, delimiter, true), JSON.stringify({ text, delimiter })).to.deep.equal(
        expected,
      );
    }
  });

  it("a CRLF cut between two chunks is one line break", async () => {
    const text = "a,b\r\nc,d\r\ne,f\r\n";
    for (let chunkSize = 1; chunkSize <= text.length; chunkSize++)
      expect(await rowsOf(text, ",", true, chunkSize)).to.deep.equal([
        { line: 1, values: ["a", "b"] },
        { line: 2, values: ["c", "d"] },
        { line: 3, values: ["e", "f"] },
      ]);
  });

  it("a line near the record limit is csv-parse's: its fields under the limit, its error over it (same line and column)", async () => {
    const under = `h1,h2\nx,${"r".repeat(MAX_RECORD_BYTES - 10)}\n`;
    expect((await rowsOf(under, ",", true))[1]?.values[1]).to.have.length(MAX_RECORD_BYTES - 10);
    const over = `h1,h2,h3\nx,y,z\n\nx,${"r".repeat(MAX_RECORD_BYTES + 10)}\n`;
    const errors = await Promise.all(
      [true, false].map((noQuotes) =>
        rowsOf(over, ",", noQuotes).then(
          () => null,
          (error: unknown) => error,
        ),
      ),
    );
    expect(errors[0]).to.be.instanceOf(BatchError);
    expect((errors[0] as BatchError).message).to.equal(
      'in.csv:4: a record larger than 1 MB (column 2 ("h2") onwards); a payment row is a few hundred bytes',
    );
    expect((errors[0] as BatchError).message).to.equal((errors[1] as BatchError).message);
  });
});

describe("read/csv: a quote-free line that never ends is bounded as csv-parse bounds it", () => {
  /**
   * Reads `head` then `size` bytes of `fill` with no line break, in 32 KB chunks; counts the
   * chunks the first pass pulled (an error is placed by reading the content again).
   */
  async function endless(head: string, fill: string, size: number, noQuotes: boolean) {
    const chunk = Buffer.from(fill.repeat(Math.ceil((1 << 15) / fill.length)).slice(0, 1 << 15));
    let pulled = 0;
    let passes = 0;
    const read = csvRows(
      async function* () {
        const first = passes++ === 0;
        yield Buffer.from(head);
        for (let sent = 0; sent < size; sent += chunk.length) {
          if (first) pulled++;
          // As a file read does: csv-parse's stream reports its error on a later tick.
          await new Promise((resolve) => setImmediate(resolve));
          yield chunk;
        }
      },
      { delimiter: ",", file: "in.csv", onlyLf: true, noQuotes },
    );
    try {
      for await (const _ of read);
      return { pulled, message: null };
    } catch (error) {
      return { pulled, message: (error as Error).message };
    }
  }

  it("fails after about 1 MB of a line with no line break, not after reading the rest of the file", async () => {
    const size = 6 << 20;
    const parsed = await endless("h1,h2\nx,", "r", size, false);
    const quoteFree = await endless("h1,h2\nx,", "r", size, true);
    expect(parsed.message).to.equal(
      'in.csv:2: a record larger than 1 MB (column 2 ("h2") onwards); a payment row is a few hundred bytes',
    );
    expect(quoteFree.message).to.equal(parsed.message);
    // csv-parse stops at the byte past the limit (33 chunks); the whole content is 192.
    expect(parsed.pulled).to.be.at.most(64);
    expect(quoteFree.pulled).to.be.at.most(64);
  });

  it("a long line under the limit that csv-parse was asked about keeps its fields and the lines after it, its CRLF cut by a chunk", async () => {
    const line = `x,${"é".repeat(400_000)}`;
    const text = `h1,h2\r\n${line}\r\n\r\ny,z\r\n`;
    // The chunk ends between the CR and the LF that end the long line.
    const chunkSize = Buffer.byteLength(`h1,h2\r\n${line}\r`);
    const expected = await rowsOf(text, ",", false);
    expect(expected.map((row) => row.line)).to.deep.equal([1, 2, 4]);
    expect(await rowsOf(text, ",", true, chunkSize)).to.deep.equal(expected);
    expect(await rowsOf(text, ",", true, 1 << 15)).to.deep.equal(expected);
  });

  it("names the column as csv-parse does when the long line is the first row after a blank-looking one", async () => {
    for (const blank of [" \n", ";;\n", "\t\n"]) {
      const [parsed, quoteFree] = await Promise.all(
        [false, true].map((noQuotes) => endless(`${blank}h1,`, "r", 2 << 20, noQuotes)),
      );
      expect(parsed?.message, JSON.stringify(blank)).to.match(/^in\.csv:2: a record larger than 1 MB/);
      // Compared in two parts so that a failure does not print a 64 KB column name.
      expect(quoteFree?.message?.slice(0, 200), JSON.stringify(blank)).to.equal(
        parsed?.message?.slice(0, 200),
      );
      expect(quoteFree?.message === parsed?.message, JSON.stringify(blank)).to.equal(true);
    }
  });
});
