import { expect } from "chai";
import { parse } from "csv-parse/sync";
import { REPORT_COLUMNS, type ReportRow } from "../../src/report/columns.js";
import { reportChunks, reportLine } from "../../src/report/format.js";
import {
  CSV_FORMATS,
  type CsvFormat,
  csvField,
  DIALECTS,
  type Dialect,
  idCell,
  numberCell,
  numberField,
  stringifyRecords,
  textCell,
} from "../../src/writers/dialect.js";
import { renderReport } from "../helpers/report.js";
import { FAILED_BUDGET_ROW, reportRow } from "../helpers/report-rows.js";

const HEADER_NAMES = REPORT_COLUMNS.join(",");
const ROWS = [reportRow(), FAILED_BUDGET_ROW];

/** Reads a report back the way a careful consumer would: the dialect's delimiter, BOM stripped. */
function parseBack(text: string, format: CsvFormat): string[][] {
  return parse(text, { delimiter: DIALECTS[format].delimiter, bom: true });
}

describe("report/format: exact bytes of each dialect", () => {
  it("csv: no BOM, comma, dot decimals, LF, quotes only where needed", () => {
    expect(renderReport(ROWS, "csv")).to.equal(
      `${HEADER_NAMES}\n` +
        "2,EMP-1001,112,ar_ars,300,cl_clp,1329000,,CLP,2100,created,7,41,accepting,,1329000,CLP,,,,,,2026-11-22T10:15:00Z,,,,,,\n" +
        '3,"Pérez, Ana",112,us_usd,301,mx_mxn,,1250.50,USD,2101,failed,7,,,,,,1250.50,USD,,api_unprocessable,' +
        '"Instrucción ""2101"" rechazada",2026-11-22T10:15:00Z,,,,,,\n',
    );
    const bytes = Buffer.from(renderReport(ROWS, "csv"), "utf8");
    expect([...bytes.subarray(0, 4)]).to.deep.equal([0x6c, 0x69, 0x6e, 0x65]); // "line", no EF BB BF
    expect(bytes.includes(0x0d)).to.equal(false);
  });

  it("excel: BOM, semicolon, decimal comma in amount and budget only, CRLF", () => {
    expect(renderReport(ROWS, "excel")).to.equal(
      `\uFEFF${REPORT_COLUMNS.join(";")}\r\n` +
        "2;EMP-1001;112;ar_ars;300;cl_clp;1329000;;CLP;2100;created;7;41;accepting;;1329000;CLP;;;;;;2026-11-22T10:15:00Z;;;;;;\r\n" +
        "3;Pérez, Ana;112;us_usd;301;mx_mxn;;1250,50;USD;2101;failed;7;;;;;;1250,50;USD;;api_unprocessable;" +
        '"Instrucción ""2101"" rechazada";2026-11-22T10:15:00Z;;;;;;\r\n',
    );
    const bytes = Buffer.from(renderReport(ROWS, "excel"), "utf8");
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
  });

  it("excel-en: BOM, comma, dot decimals, CRLF", () => {
    expect(renderReport(ROWS, "excel-en")).to.equal(
      `\uFEFF${HEADER_NAMES}\r\n` +
        "2,EMP-1001,112,ar_ars,300,cl_clp,1329000,,CLP,2100,created,7,41,accepting,,1329000,CLP,,,,,,2026-11-22T10:15:00Z,,,,,,\r\n" +
        '3,"Pérez, Ana",112,us_usd,301,mx_mxn,,1250.50,USD,2101,failed,7,,,,,,1250.50,USD,,api_unprocessable,' +
        '"Instrucción ""2101"" rechazada",2026-11-22T10:15:00Z,,,,,,\r\n',
    );
  });

  it("excel: a dot in a text column is not turned into a comma (and a number-like one is kept as text)", () => {
    const row = reportRow({ reference: "12.5", state: "v1.2", amount: "99.90", currency: "USD" });
    const [, cells] = parseBack(renderReport([row], "excel"), "excel");
    expect(cells?.slice(0, 12)).to.deep.equal([
      "2",
      "'12.5",
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
  for (const format of CSV_FORMATS) {
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
      payee: "=found",
      payee_review: "+approved",
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
      "",
      "",
      "'=found",
      "'+approved",
      "",
      "",
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
    for (const format of CSV_FORMATS) {
      const records = parseBack(renderReport(rows, format), format).slice(1);
      for (const cells of records) {
        for (const index of [0, 2, 4, 6, 7, 9, 11, 12, 15, 17])
          expect(cells[index]).to.match(/^(-?\d+([.,]\d+)?)?$/);
      }
    }
  });

  it("an invalid row's money goes verbatim to raw_amount/raw_budget, as text; amount and budget stay empty", () => {
    const row = reportRow({
      status: "invalid",
      amount: "",
      budget: "",
      raw_amount: "1.234",
      raw_budget: "=1+1",
      payer_user_id: "+112",
    });
    const raw = REPORT_COLUMNS.indexOf("raw_amount");
    const excel = parseBack(renderReport([row], "excel"), "excel")[1] ?? [];
    // A spreadsheet would read "1.234" as a number (1234 or 1.234, by locale): the quote keeps it text.
    expect([excel[2], excel[6], excel[7], excel[raw], excel[raw + 1]]).to.deep.equal([
      "'+112",
      "",
      "",
      "'1.234",
      "'=1+1",
    ]);
    const csv = parseBack(renderReport([row], "csv"), "csv")[1] ?? [];
    expect([csv[6], csv[7], csv[raw], csv[raw + 1]]).to.deep.equal(["", "", "1.234", "'=1+1"]);
  });

  it("raw_amount and raw_budget follow updated_at, then payee and payee_review, then charged_amount and refunded_amount, each added last", () => {
    expect(REPORT_COLUMNS.slice(-7)).to.deep.equal([
      "updated_at",
      "raw_amount",
      "raw_budget",
      "payee",
      "payee_review",
      "charged_amount",
      "refunded_amount",
    ]);
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
  const money = new Set(["amount", "budget", "receive_amount", "spend_amount"]);
  const fields = row as unknown as Record<string, string | number>;
  return [
    ...REPORT_COLUMNS.map((column) => {
      const value = String(fields[column]);
      if (column === "line") return value;
      if (money.has(column)) return numberCell(value, dialect, true);
      if (ids.has(column)) return idCell(value, dialect);
      return textCell(value, dialect);
    }),
    ...extraColumns.map((name) =>
      textCell(Object.hasOwn(row.extra ?? {}, name) ? (row.extra?.[name] ?? "") : "", dialect),
    ),
  ];
}

describe("report/format: round trip", () => {
  const tricky = [
    reportRow({ reference: "line one\nline two; with a semicolon, and a comma" }),
    reportRow({ line: 5, reference: 'say "hi"\r\nback', error: "a;b,c" }),
    reportRow({ line: 7, reference: "Ñandú áéíóú ü €", extra: { constructor: "kept" } }),
    reportRow({
      line: 8,
      reference: "0012345",
      recipient_user_id: "12345678901234567890",
      extra: { missing: "007" },
    }),
  ];
  for (const format of CSV_FORMATS) {
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

describe("report/format: digits a spreadsheet would change stay text in the excel dialects", () => {
  // [cell, as the excel dialects write it]; the csv dialect (for programs) writes every cell as is.
  const cases: Array<[string, string]> = [
    ["0012345", "'0012345"],
    ["12345678901234567890", "'12345678901234567890"],
    ["1234567890123456789", "'1234567890123456789"],
    ["123456789012", "'123456789012"], // Excel's General format would show 1.23457E+11
    ["12345678901", "12345678901"],
    ["0", "0"],
    ["300", "300"],
  ];
  for (const [cell, excel] of cases) {
    it(`${JSON.stringify(cell)} as an id and as a reference: ${JSON.stringify(excel)} in excel and excel-en, as is in csv`, () => {
      const row = reportRow({
        reference: cell,
        recipient_user_id: cell,
        request_id: cell,
        extra: { legajo: cell },
      });
      for (const format of CSV_FORMATS) {
        const [, cells = []] = parseBack(renderReport([row], format, ["legajo"]), format);
        const expected = format === "csv" ? cell : excel;
        expect([cells[1], cells[4], cells[11], cells.at(-1)], format).to.deep.equal([
          expected,
          expected,
          expected,
          expected,
        ]);
      }
    });
  }

  it("exact bytes: an excel line with a 20-digit output id and a reference 0012345", () => {
    const row = reportRow({ reference: "0012345", output_id: "12345678901234567890" });
    expect(reportLine(row, DIALECTS.excel)).to.equal(
      "2;'0012345;112;ar_ars;300;cl_clp;1329000;;CLP;2100;created;7;'12345678901234567890;accepting;;1329000;CLP;;;;;;2026-11-22T10:15:00Z;;;;;;\r\n",
    );
  });

  it("text a locale could read as a number keeps its quote mark; plain words and amounts do not get one", () => {
    const dialect = DIALECTS.excel;
    expect(["40987,72", "1.234", "1 500", "1e5", "15%", ".5"].map((t) => textCell(t, dialect))).to.deep.equal(
      ["'40987,72", "'1.234", "'1 500", "'1e5", "'15%", "'.5"],
    );
    expect(["EMP-0012", "e5", "v1.2", "2026-11-22T10:15:00Z"].map((t) => textCell(t, dialect))).to.deep.equal(
      ["EMP-0012", "e5", "v1.2", "2026-11-22T10:15:00Z"],
    );
    expect(numberCell("123456789012.50", dialect, true)).to.equal("123456789012,50");
    expect(numberCell("0.50", dialect, true)).to.equal("0,50");
  });

  it("text a spreadsheet turns into another value on opening keeps its quote mark: brackets, currency signs, truth values, times, fractions, dates", () => {
    // Excel converts each of these (LibreOffice with its special-number detection): in raw_amount
    // "(1500)" would be summed as -1500, "1/2" as a date.
    const values = [
      "(100)",
      "(1500)",
      "($ 1.500)",
      "$5",
      "$1,500",
      "€1.500,50",
      "TRUE",
      "falso",
      "12:30",
      "9:05 pm",
      "12:30 p. m.",
      "1500 €",
      "1.500,00 €",
      "$(1500)",
      "1500-",
      "#N/A",
      "#div/0!",
    ];
    const dates = [
      "1 1/2",
      "1/2",
      "26/12/2026",
      "12-26",
      "12/2026",
      "2026-11-22",
      "2026-12-07 10:00",
      "5/12/2026 9:00",
      "Dec-26",
      "26 dic",
      "dic 2026",
      "3-ene",
      "Sept. 5",
      "Dec 26, 2026",
    ];
    for (const dialect of [DIALECTS.excel, DIALECTS["excel-en"]])
      expect([...values, ...dates].map((t) => textCell(t, dialect))).to.deep.equal(
        [...values, ...dates].map((t) => `'${t}`),
      );
    // Words that only hold a number or a month's name, and the report's own timestamps, are left as they are.
    const words = [
      "EMP-0012",
      "A-12",
      "A-1/2",
      "INV 12/26",
      "12-345",
      "Dec",
      "Mayo",
      "March bonus",
      "true story",
      "(EMP)",
      "12:30 extra",
      "#7",
    ];
    expect([...words, "2026-11-22T10:15:00Z"].map((t) => textCell(t, DIALECTS.excel))).to.deep.equal([
      ...words,
      "2026-11-22T10:15:00Z",
    ]);
    // csv writes every cell as it is.
    expect(textCell("(1500)", DIALECTS.csv)).to.equal("(1500)");
  });
});

describe("report/format: amounts a spreadsheet would round stay text in the excel dialects", () => {
  // [amount, excel (decimal comma), excel-en]: past 15 significant digits a spreadsheet keeps 15
  // (12345678901234567 would read as 12345678901234600), so the cell is kept as text, as an id is.
  const cases: Array<[string, string, string]> = [
    ["12345678901234567", "'12345678901234567", "'12345678901234567"],
    ["98765432109876543.21", "'98765432109876543,21", "'98765432109876543.21"],
    ["-1234567890123456.7", "'-1234567890123456,7", "'-1234567890123456.7"],
    ["0.1234567890123456", "'0,1234567890123456", "'0.1234567890123456"],
    // 15 significant digits, or zeros at either end that are not significant: a number, kept exactly.
    ["1234567890123.45", "1234567890123,45", "1234567890123.45"],
    ["123456789012345000000", "123456789012345000000", "123456789012345000000"],
    ["0.000000000000012345", "0,000000000000012345", "0.000000000000012345"],
    ["1500000.50", "1500000,50", "1500000.50"],
  ];
  for (const [amount, excel, excelEn] of cases) {
    it(`${amount}: ${excel} in excel, ${excelEn} in excel-en, as is in csv`, () => {
      expect(CSV_FORMATS.map((format) => numberField(amount, DIALECTS[format], true))).to.deep.equal([
        amount,
        excel,
        excelEn,
      ]);
    });
  }

  it("exact bytes: an excel report line whose receive and spend amounts are 17 and 19 digits", () => {
    const row = reportRow({
      receive_amount: "12345678901234567",
      spend_amount: "98765432109876543.21",
      spend_currency: "ARS",
    });
    expect(reportLine(row, DIALECTS.excel)).to.equal(
      "2;EMP-1001;112;ar_ars;300;cl_clp;1329000;;CLP;2100;created;7;41;accepting;;'12345678901234567;CLP;'98765432109876543,21;ARS;;;;2026-11-22T10:15:00Z;;;;;;\r\n",
    );
  });
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

describe("report/format: a chunk writes each repeated cell once", () => {
  it("gives every line what it gives alone, in every dialect, past the values a column remembers", () => {
    // 200 rows: references, amounts and recipients all distinct (past the 64 a column keeps),
    // ports, currencies and states repeating, some cells needing quotes, a quote mark or neutralising.
    const rows = Array.from({ length: 200 }, (_, i) =>
      reportRow({
        line: i + 2,
        reference: i % 3 === 0 ? `=EMP,${i}` : i % 3 === 1 ? `00${i}` : `EMP "${i}"`,
        recipient_user_id: String(300 + i),
        amount: `${1000 + i}.50`,
        port: i % 2 === 0 ? "cl_clp" : "mx_mxn",
        state: i % 4 === 0 ? "accepting" : "settled",
      }),
    );
    for (const format of CSV_FORMATS) {
      const alone = rows.map((row) => reportLine(row, DIALECTS[format])).join("");
      const chunks = [...reportChunks(rows, format, [], 500)];
      expect(chunks.slice(1).join(""), format).to.equal(alone);
    }
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
  for (const format of CSV_FORMATS) {
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
