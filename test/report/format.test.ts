import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { REPORT_COLUMNS, type ReportRow } from "../../src/report/columns.js";
import {
  csvField,
  DIALECTS,
  type Dialect,
  neutralizeFormula,
  numberCell,
  REPORT_FORMATS,
  type ReportFormat,
  stringifyRecords,
} from "../../src/report/dialect.js";
import { renderReport, reportChunks, reportLine } from "../../src/report/format.js";
import { FAILED_BUDGET_ROW, reportRow } from "./rows.js";

const HEADER_NAMES = REPORT_COLUMNS.join(",");
const ROWS = [reportRow(), FAILED_BUDGET_ROW];

/** Reads a report back the way a careful consumer would: the dialect's delimiter, BOM stripped. */
function parseBack(text: string, format: ReportFormat): string[][] {
  return parse(text, { delimiter: DIALECTS[format].delimiter, bom: true });
}

describe("report/format: exact bytes of each dialect", () => {
  it("csv: no BOM, comma, dot decimals, LF, quotes only where needed", () => {
    expect(renderReport(ROWS, "csv")).to.equal(
      `${HEADER_NAMES}\n` +
        "2,EMP-1001,112,ar_ars,300,cl_clp,1329000,,CLP,2100,created,7,41,accepting,,1329000,CLP,,,,,,2026-11-22T10:15:00Z\n" +
        '3,"Pérez, Ana",112,us_usd,301,mx_mxn,,1250.50,USD,2101,failed,7,,,,,,1250.50,USD,,api_unprocessable,' +
        '"Instrucción ""2101"" rechazada",2026-11-22T10:15:00Z\n',
    );
    const bytes = Buffer.from(renderReport(ROWS, "csv"), "utf8");
    expect([...bytes.subarray(0, 4)]).to.deep.equal([0x6c, 0x69, 0x6e, 0x65]); // "line", no EF BB BF
    expect(bytes.includes(0x0d)).to.equal(false);
  });

  it("excel: BOM, semicolon, decimal comma in amount and budget only, CRLF", () => {
    expect(renderReport(ROWS, "excel")).to.equal(
      `\uFEFF${REPORT_COLUMNS.join(";")}\r\n` +
        "2;EMP-1001;112;ar_ars;300;cl_clp;1329000;;CLP;2100;created;7;41;accepting;;1329000;CLP;;;;;;2026-11-22T10:15:00Z\r\n" +
        "3;Pérez, Ana;112;us_usd;301;mx_mxn;;1250,50;USD;2101;failed;7;;;;;;1250,50;USD;;api_unprocessable;" +
        '"Instrucción ""2101"" rechazada";2026-11-22T10:15:00Z\r\n',
    );
    const bytes = Buffer.from(renderReport(ROWS, "excel"), "utf8");
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
  });

  it("excel-en: BOM, comma, dot decimals, CRLF", () => {
    expect(renderReport(ROWS, "excel-en")).to.equal(
      `\uFEFF${HEADER_NAMES}\r\n` +
        "2,EMP-1001,112,ar_ars,300,cl_clp,1329000,,CLP,2100,created,7,41,accepting,,1329000,CLP,,,,,,2026-11-22T10:15:00Z\r\n" +
        '3,"Pérez, Ana",112,us_usd,301,mx_mxn,,1250.50,USD,2101,failed,7,,,,,,1250.50,USD,,api_unprocessable,' +
        '"Instrucción ""2101"" rechazada",2026-11-22T10:15:00Z\r\n',
    );
  });

  it("excel: a dot in a text column is not turned into a comma", () => {
    const row = reportRow({ reference: "12.5", state: "v1.2", amount: "99.90", currency: "USD" });
    const [, cells] = parseBack(renderReport([row], "excel"), "excel");
    expect(cells?.slice(0, 12)).to.deep.equal([
      "2",
      "12.5",
      "112",
      "ar_ars",
      "300",
      "cl_clp",
      "99,90",
      "",
      "USD",
      "2100",
      "created",
      "7",
    ]);
    expect(cells?.[13]).to.equal("v1.2");
  });

  it("an empty report is the header alone", () => {
    expect(renderReport([], "csv")).to.equal(`${HEADER_NAMES}\n`);
    expect(renderReport([], "excel")).to.equal(`\uFEFF${REPORT_COLUMNS.join(";")}\r\n`);
  });
});

describe("report/format: formula injection (OWASP)", () => {
  const cases: Array<[string, string]> = [
    ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tTAB", "'\tTAB"],
    ["\rCR", "'\rCR"],
    ["\uFF1D1+1", "'\uFF1D1+1"],
    ["EMP-1", "EMP-1"],
    ["a=b", "a=b"],
    ["", ""],
  ];
  for (const format of REPORT_FORMATS) {
    for (const [input, expected] of cases) {
      it(`${format}: reference ${JSON.stringify(input)} comes out as ${JSON.stringify(expected)}`, () => {
        const [, cells] = parseBack(renderReport([reportRow({ reference: input })], format), format);
        expect(cells?.[1]).to.equal(expected);
      });
    }
  }

  it("neutralises every text column and kept columns, headers included", () => {
    const row = reportRow({
      status: "failed",
      sender_port: "=A1",
      port: "+A1",
      currency: "-A1",
      state: "@A1",
      request_state: "=R1",
      receive_currency: "+C",
      spend_currency: "-C",
      cancellation_reason: "@C",
      error_code: "\t=A1",
      error: "=cmd|' /C calc'!A0",
      updated_at: "=NOW()",
      extra: { "=name": "=1+1", note: "+2" },
    });
    const [header, cells] = parseBack(renderReport([row], "csv", ["=name", "note"]), "csv");
    expect(header?.slice(REPORT_COLUMNS.length)).to.deep.equal(["'=name", "note"]);
    expect(cells?.[3]).to.equal("'=A1");
    expect(cells?.[5]).to.equal("'+A1");
    expect(cells?.[8]).to.equal("'-A1");
    expect(cells?.slice(13)).to.deep.equal([
      "'@A1",
      "'=R1",
      "1329000",
      "'+C",
      "",
      "'-C",
      "'@C",
      "'\t=A1",
      "'=cmd|' /C calc'!A0",
      "'=NOW()",
      "'=1+1",
      "'+2",
    ]);
  });

  it("never prefixes an amount, budget or id cell that is a number", () => {
    const rows: ReportRow[] = [
      reportRow({ amount: "1329000" }),
      reportRow({ amount: "", budget: "0.01", currency: "USD", payer_user_id: "", output_id: "" }),
      reportRow({ status: "invalid", amount: "-5", budget: "-5.5", recipient_user_id: "-3" }),
    ];
    for (const format of REPORT_FORMATS) {
      const records = parseBack(renderReport(rows, format), format).slice(1);
      for (const cells of records) {
        for (const index of [0, 2, 4, 6, 7, 9, 11, 12, 15, 17])
          expect(cells[index]).to.match(/^(-?\d+([.,]\d+)?)?$/);
      }
    }
  });

  it("an invalid row's money cell is echoed verbatim, neutralised only when it is not a number", () => {
    const row = reportRow({ status: "invalid", amount: "1.234", budget: "=1+1", payer_user_id: "+112" });
    const [, cells] = parseBack(renderReport([row], "excel"), "excel");
    expect([cells?.[2], cells?.[6], cells?.[7]]).to.deep.equal(["'+112", "1.234", "'=1+1"]);
  });
});

/** The cells a row should read back as, column by column from REPORT_COLUMNS: the oracle for reportLine. */
function expectedCells(row: ReportRow, dialect: Dialect, extraColumns: readonly string[]): string[] {
  const ids = new Set([
    "payer_user_id",
    "recipient_user_id",
    "withdrawal_instruction_id",
    "request_id",
    "output_id",
  ]);
  const money = new Set(["amount", "budget"]);
  const fields = row as unknown as Record<string, string | number>;
  return [
    ...REPORT_COLUMNS.map((column) => {
      const value = String(fields[column]);
      if (column === "line") return value;
      if (money.has(column)) return numberCell(value, dialect, row.status !== "invalid");
      if (ids.has(column)) return numberCell(value, dialect, false);
      return neutralizeFormula(value);
    }),
    ...extraColumns.map((name) =>
      neutralizeFormula(Object.hasOwn(row.extra ?? {}, name) ? (row.extra?.[name] ?? "") : ""),
    ),
  ];
}

describe("report/format: round trip", () => {
  const tricky = [
    reportRow({ reference: "line one\nline two; with a semicolon, and a comma" }),
    reportRow({ line: 5, reference: 'say "hi"\r\nback', error: "a;b,c" }),
    reportRow({ line: 7, reference: "Ñandú áéíóú ü €", extra: { constructor: "kept" } }),
  ];
  for (const format of REPORT_FORMATS) {
    it(`${format}: csv-parse reads back exactly the cells written`, () => {
      const parsed = parseBack(renderReport(tricky, format, ["constructor", "missing"]), format);
      expect(parsed[0]).to.deep.equal([...REPORT_COLUMNS, "constructor", "missing"]);
      expect(parsed.slice(1)).to.deep.equal(
        tricky.map((row) => expectedCells(row, DIALECTS[format], ["constructor", "missing"])),
      );
      expect(parsed[1]?.[1]).to.equal("line one\nline two; with a semicolon, and a comma");
      expect(parsed[2]?.[1]).to.equal('say "hi"\r\nback');
      expect(parsed[3]?.slice(-2)).to.deep.equal(["kept", ""]);
    });
  }
});

describe("report/format: chunks", () => {
  it("yields the header, then rows in bounded chunks; the BOM only once", () => {
    const rows = Array.from({ length: 2500 }, (_, i) => reportRow({ line: i + 2, reference: `EMP-${i}` }));
    const chunks = [...reportChunks(rows, "excel", [], 1000)];
    expect(chunks).to.have.length(4);
    expect(chunks.join("")).to.equal(renderReport(rows, "excel"));
    expect(chunks.filter((chunk) => chunk.includes("\uFEFF"))).to.have.length(1);
    expect(chunks[3]?.split("\r\n")).to.have.length(501);
  });
});

describe("report/format: cells follow REPORT_COLUMNS", () => {
  it("puts each field of the row in its column", () => {
    // Every field a distinct text, so a swapped pair of columns cannot go unnoticed.
    const row = { line: 9, status: "created", extra: {} } as unknown as ReportRow;
    const fields = row as unknown as Record<string, string>;
    for (const column of REPORT_COLUMNS)
      if (column !== "line" && column !== "status") fields[column] = `v-${column}`;
    const [cells = []] = parseBack(reportLine(row, DIALECTS.csv), "csv");
    expect(cells).to.have.length(REPORT_COLUMNS.length);
    REPORT_COLUMNS.forEach((column, i) => {
      const expected = column === "line" ? "9" : column === "status" ? "created" : `v-${column}`;
      expect(cells[i], column).to.equal(expected);
    });
  });
});

describe("report/dialect: csvField writes what csv-stringify writes", () => {
  // Every string up to 3 characters over the characters quoting cares about, plus a few longer.
  const alphabet = ["a", " ", ",", ";", '"', "\r", "\n", "é", "'", "="];
  const cells: string[] = [""];
  for (let length = 1; length <= 3; length++) {
    for (const prefix of cells.filter((cell) => cell.length === length - 1))
      for (const char of alphabet) cells.push(prefix + char);
  }
  cells.push('a "quoted" word', "line\r\nbreak", "x;y,z", "  padded  ", "\uFEFFbom");
  for (const format of REPORT_FORMATS) {
    it(`${format}: ${cells.length} cells, one record each and all in one record`, () => {
      const dialect = DIALECTS[format];
      const record = (values: string[]) =>
        values.map((value) => csvField(value, dialect)).join(dialect.delimiter) + dialect.recordDelimiter;
      for (const cell of cells) {
        expect(record([cell, "x"]), JSON.stringify(cell)).to.equal(
          stringifyRecords([[cell, "x"]], dialect, false),
        );
      }
      expect(record(cells)).to.equal(stringifyRecords([cells], dialect, false));
    });
  }
});
