/**
 * csv-spectrum conformance: every case, read through the project's
 * decoder and reader, gives exactly its expected JSON. fixtures/csv-spectrum is a byte copy
 * of the upstream cases (see its README for source, licence and the CRLF files).
 */
import { readdirSync, readFileSync } from "node:fs";
import { expect } from "chai";
import { decodeBytes } from "../../src/read/decode.js";
import { parseCsvText } from "../helpers/read.js";
import { fromRoot } from "../helpers/root.js";

const DIR = `${fromRoot("fixtures", "csv-spectrum")}/`;
const CASES = readdirSync(`${DIR}csvs`)
  .filter((name) => name.endsWith(".csv"))
  .map((name) => name.slice(0, -".csv".length))
  .sort();

async function parseCase(name: string, chunkSize?: number) {
  const { text } = decodeBytes(readFileSync(`${DIR}csvs/${name}.csv`), { file: `${name}.csv` });
  const parsed = await parseCsvText(text, chunkSize ? { chunkSize } : {});
  return parsed.rows.map((row) => row.values);
}

describe("csv-spectrum", () => {
  it("has all 11 cases, each with its expected JSON", () => {
    expect(CASES).to.deep.equal([
      "comma_in_quotes",
      "empty",
      "empty_crlf",
      "escaped_quotes",
      "json",
      "newlines",
      "newlines_crlf",
      "quotes_and_newlines",
      "simple",
      "simple_crlf",
      "utf8",
    ]);
  });

  it("keeps the CRLF cases in CRLF (no tool normalised them)", () => {
    for (const name of ["empty_crlf", "newlines_crlf", "simple_crlf"]) {
      const bytes = readFileSync(`${DIR}csvs/${name}.csv`, "latin1");
      expect(bytes.split("\r\n").length, name).to.be.greaterThan(2);
      expect(bytes.replaceAll("\r\n", "").includes("\n"), name).to.equal(false);
    }
  });

  for (const name of CASES) {
    it(`${name}.csv parses to ${name}.json`, async () => {
      const expected = JSON.parse(readFileSync(`${DIR}json/${name}.json`, "utf8"));
      expect(await parseCase(name)).to.deep.equal(expected);
      // The same through one-byte chunks: no quote, CRLF or UTF-8 sequence may depend on a boundary.
      expect(await parseCase(name, 1)).to.deep.equal(expected);
    });
  }

  it("gives each record the line it starts on", async () => {
    const { text } = decodeBytes(readFileSync(`${DIR}csvs/newlines_crlf.csv`), { file: "newlines_crlf.csv" });
    expect((await parseCsvText(text)).rows.map((row) => row.line)).to.deep.equal([2, 3, 5]);
  });
});
