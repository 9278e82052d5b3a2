import { expect } from "chai";
import { BatchError } from "../../src/errors.js";
import { decodeBytes, decodeToUtf8, decodeWindows1252 } from "../../src/read/decode.js";
import { parseEncodingOption } from "../helpers/encoding.js";

const file = "input.csv";
const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(
    parts.map((part) => (typeof part === "string" ? Buffer.from(part, "utf8") : Buffer.from(part))),
  );

function refusal(run: () => unknown): BatchError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(BatchError);
    return error as BatchError;
  }
  throw new Error("expected a BatchError");
}

describe("decodeBytes", () => {
  it("reads plain UTF-8 without a notice", () => {
    expect(decodeBytes(bytes("a,b\nJosé,1\n"), { file })).to.deep.equal({
      text: "a,b\nJosé,1\n",
      encoding: "utf8",
      bom: false,
    });
  });

  it("strips a UTF-8 BOM, so it is never part of the first header", () => {
    expect(decodeBytes(bytes([0xef, 0xbb, 0xbf], "amount\n"), { file })).to.deep.equal({
      text: "amount\n",
      encoding: "utf8",
      bom: true,
    });
  });

  it("follows a UTF-16LE BOM", () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("monto\tJosé\r\n", "utf16le")]);
    expect(decodeBytes(utf16, { file })).to.deep.equal({
      text: "monto\tJosé\r\n",
      encoding: "utf16le",
      bom: true,
    });
  });

  it("follows a UTF-16BE BOM", () => {
    const le = Buffer.from("a;Ñ\n", "utf16le");
    const be = Buffer.from(le).swap16();
    expect(decodeBytes(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), { file })).to.deep.equal({
      text: "a;Ñ\n",
      encoding: "utf16be",
      bom: true,
    });
  });

  it("falls back to Windows-1252 for bytes that are not UTF-8, and says so in one line", () => {
    // "José – Núñez" in Windows-1252: é=E9, en dash=96, ú=FA, ñ=F1.
    const cp1252 = bytes("Jos", [0xe9, 0x20, 0x96, 0x20], "N", [0xfa, 0xf1], "ez\n");
    expect(decodeBytes(cp1252, { file })).to.deep.equal({
      text: "José – Núñez\n",
      encoding: "windows-1252",
      bom: false,
      notice: "input.csv is not valid UTF-8; read it as Windows-1252 (use --encoding to choose)",
    });
  });

  it("refuses a file that is UTF-8 on one line and Windows-1252 on another, naming both lines (helper-88)", () => {
    // Line 2 "Muñoz" in UTF-8 (C3 B1), line 3 "Núñez" pasted from a Windows-1252 file (FA F1).
    const mixed = bytes("name\nMuñoz\nN", [0xfa, 0xf1], "ez\n");
    const error = refusal(() => decodeToUtf8(mixed, { file }));
    expect(error.code).to.equal("input");
    expect(error.message).to.equal(
      'input.csv: line 3 holds a byte that is not UTF-8 (0xFA) while line 2 holds UTF-8 text ("ñ"): the file mixes two encodings, and either reading would garble names',
    );
    expect(error.hint).to.equal(
      "type that line's accented letters again and save the file as CSV UTF-8; if the whole file is Windows-1252, pass --encoding windows-1252",
    );
    // Told which, it reads it so.
    expect(decodeBytes(mixed, { file, encoding: "windows-1252" }).text).to.equal("name\nMuÃ±oz\nNúñez\n");
    // A Windows-1252 file whose high bytes never form a UTF-8 sequence still falls back.
    const cp1252 = bytes("N", [0xba], " Pe", [0xf1], "a ", [0xc1, 0x41], "\n");
    expect(decodeBytes(cp1252, { file }).encoding).to.equal("windows-1252");
    // Nor when a pair of its bytes is UTF-8 by chance, beside lone bytes on its line: “JOSÉ” (helper-92).
    const quoted = bytes("name\nPago ", [0x93], "JOS", [0xc9, 0x94], " Mu", [0xf1], "oz\n");
    expect(decodeBytes(quoted, { file }).text).to.equal("name\nPago “JOSÉ” Muñoz\n");
  });

  it("decodes Windows-1252 by the WHATWG table, 0x80–0x9F included", () => {
    const table: Array<[number, string]> = [
      [0x41, "A"],
      [0x80, "€"],
      [0x81, "\u0081"],
      [0x92, "’"],
      [0x93, "“"],
      [0x96, "–"],
      [0x9f, "Ÿ"],
      [0xa0, "\u00a0"],
      [0xe9, "é"],
      [0xff, "ÿ"],
    ];
    for (const [byte, char] of table)
      expect(decodeWindows1252(Uint8Array.of(byte)), `byte 0x${byte.toString(16)}`).to.equal(char);
  });

  it("obeys a forced encoding", () => {
    const utf8 = bytes("Señor\n");
    expect(decodeBytes(utf8, { file, encoding: "windows-1252" }).text).to.equal("SeÃ±or\n");
    expect(decodeBytes(bytes("Se", [0xf1], "or"), { file, encoding: "latin1" })).to.deep.equal({
      text: "Señor",
      encoding: "latin1",
      bom: false,
    });
    // A UTF-8 byte order mark is not text under a forced single-byte encoding (helper-76: it
    // renamed the first column "ï»¿reference", which was then dropped as unknown).
    for (const encoding of ["latin1", "windows-1252"] as const)
      expect(decodeBytes(bytes([0xef, 0xbb, 0xbf], "reference\n"), { file, encoding })).to.deep.equal({
        text: "reference\n",
        encoding,
        bom: true,
      });
    // latin1 is read as Windows-1252, as WHATWG does: 0x80 is the euro sign, not a C1 control.
    expect(decodeBytes(bytes([0x80]), { file, encoding: "latin1" }).text).to.equal("€");
    expect(decodeBytes(Buffer.from("a\tb", "utf16le"), { file, encoding: "utf16le" })).to.deep.equal({
      text: "a\tb",
      encoding: "utf16le",
      bom: false,
    });
  });

  it("refuses --encoding utf8 on bytes that are not UTF-8", () => {
    const error = refusal(() => decodeBytes(bytes("Se", [0xf1], "or"), { file, encoding: "utf8" }));
    expect(error.code).to.equal("input");
    expect(error.message).to.equal("input.csv: --encoding utf8 was given but the file is not valid UTF-8");
  });

  it("refuses a UTF-8 BOM followed by bytes that are not UTF-8", () => {
    const error = refusal(() => decodeBytes(bytes([0xef, 0xbb, 0xbf], "Se", [0xf1], "or"), { file }));
    expect(error.message).to.equal("input.csv: starts with a UTF-8 byte order mark but is not valid UTF-8");
    expect(error.hint).to.match(/--encoding windows-1252/);
  });

  it("refuses a file with a NUL byte as binary, naming the offset", () => {
    const error = refusal(() => decodeBytes(bytes("a,b\n", [0x00, 0x01]), { file }));
    expect(error.code).to.equal("input");
    expect(error.message).to.equal("input.csv: looks like a binary file, not CSV (NUL byte at offset 4)");
    expect(error.hint).to.match(/--encoding utf16le/);
  });

  it("recognises an Excel workbook picked instead of its CSV export", () => {
    const error = refusal(() =>
      decodeBytes(bytes([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), { file: "pagos.xlsx" }),
    );
    expect(error.message).to.equal(
      "pagos.xlsx: looks like a binary file, not CSV (it starts like an Excel workbook or other zip file)",
    );
    expect(error.hint).to.equal("in Excel use File > Save As > CSV UTF-8");
  });

  it("refuses NUL characters in UTF-16 text and an odd UTF-16 byte count", () => {
    const nul = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("ab\0", "utf16le")]);
    expect(refusal(() => decodeBytes(nul, { file })).message).to.equal(
      "input.csv: looks like a binary file, not CSV (NUL character at offset 6)",
    );
    const odd = Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x42]);
    expect(refusal(() => decodeBytes(odd, { file })).message).to.equal(
      "input.csv: is not valid UTF-16LE text",
    );
  });
});

describe("decodeToUtf8", () => {
  it("returns a view of UTF-8 input without copying it", () => {
    const input = bytes([0xef, 0xbb, 0xbf], "a,b\n");
    const { utf8 } = decodeToUtf8(input, { file });
    expect(utf8.toString()).to.equal("a,b\n");
    expect(utf8.buffer).to.equal(input.buffer);
  });

  it("re-encodes Windows-1252 as UTF-8", () => {
    const result = decodeToUtf8(bytes("Jos", [0xe9]), { file });
    expect(result.utf8.toString("utf8")).to.equal("José");
    expect(result.encoding).to.equal("windows-1252");
  });
});

describe("parseEncodingOption", () => {
  const table: Array<[string, string]> = [
    ["auto", "auto"],
    ["UTF-8", "utf8"],
    ["utf8", "utf8"],
    ["cp1252", "windows-1252"],
    ["Windows-1252", "windows-1252"],
    ["ISO-8859-1", "latin1"],
    ["utf-16le", "utf16le"],
  ];
  for (const [input, expected] of table)
    it(`${input} → ${expected}`, () => expect(parseEncodingOption(input)).to.equal(expected));

  it("refuses anything else with the accepted list", () => {
    const error = refusal(() => parseEncodingOption("ebcdic"));
    expect(error.code).to.equal("usage");
    expect(error.message).to.equal(
      '--encoding: expected one of auto, utf8, latin1, windows-1252, utf16le, got "ebcdic"',
    );
  });
});
