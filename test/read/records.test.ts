import { expect } from "chai";
import { BatchError } from "../../src/errors.js";
import type { InputRecord } from "../../src/model.js";
import { type AmountCell, scanAmount } from "../../src/read/amount.js";
import { requiredColumns } from "../../src/read/headers.js";
import type { ReadOptions } from "../../src/read/records.js";
import { readAllRecords, readRecords, readRecordsFromBytes } from "../helpers/read.js";
import { resolveAmounts } from "../helpers/validate.js";
import { FIXTURE_DIR } from "./make-fixtures.js";

const required = requiredColumns();
const HEADER = "sender_port,recipient_user_id,port,amount,withdrawal_instruction_id,reference";

async function read(text: string | Buffer, options: Partial<ReadOptions> = {}) {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const result = await readRecordsFromBytes(bytes, { file: "in.csv", requiredColumns: required, ...options });
  const records: InputRecord[] = [];
  for await (const batch of result.batches) records.push(...batch);
  return { ...result, records };
}

async function readError(text: string, options: Partial<ReadOptions> = {}): Promise<BatchError> {
  try {
    await read(text, options);
  } catch (error) {
    expect(error).to.be.instanceOf(BatchError);
    return error as BatchError;
  }
  throw new Error("expected a BatchError");
}

const lines = (records: readonly InputRecord[]) => records.map((record) => record.line);

describe("readRecords: line numbers", () => {
  // Every chunk size from 1 byte up, so that CRLF pairs, quotes and UTF-8 characters are
  // split across chunk boundaries at every possible place.
  for (const chunkSize of [1, 2, 3, 5, 64, 1 << 20]) {
    it(`counts physical lines across quoted newlines, blank lines and mixed line endings (chunks of ${chunkSize})`, async () => {
      const text = [
        `${HEADER}\r\n`, // 1
        'ar_ars,1,cl_clp,10,5,"first\r\nsecond"\r\n', // 2–3
        "\r\n", // 4 blank
        ";\r\n".replace(";", ",,,,,"), // 5: empty cells only (Excel), skipped
        'ar_ars,2,cl_clp,11,5,"a\nb\rc"\n', // 6–8
        "ar_ars,3,cl_clp,12,5,Núñez\r", // 9 (CR)
        "\n", // 10 blank (LF after CR is its own line here? no: CR LF is one break)
        "ar_ars,4,cl_clp,13,5,last", // see below
      ].join("");
      const { records } = await read(text, { chunkSize });
      expect(records.map((r) => [r.line, r.fields.recipient_user_id, r.fields.reference])).to.deep.equal([
        [2, "1", "first\r\nsecond"],
        [6, "2", "a\nb\rc"],
        // "…Núñez\r\n" is one CRLF, so the last record is on line 10.
        [9, "3", "Núñez"],
        [10, "4", "last"],
      ]);
    });
  }

  it("counts lines before a header preceded by blank lines", async () => {
    const { header, records } = await read(`\n\n${HEADER}\nar_ars,1,cl_clp,10,5,r\n`);
    expect(header.line).to.equal(3);
    expect(lines(records)).to.deep.equal([4]);
  });

  it("a last line of DOS's end-of-file mark alone (Ctrl-Z) is no row, in a file quoted or not (helper-107)", async () => {
    for (const row of ["ar_ars,1,cl_clp,10,5,r", 'ar_ars,1,cl_clp,10,5,"r, quoted"']) {
      const { records } = await read(`${HEADER}\r\n${row}\r\n\u001a`);
      expect(lines(records)).to.deep.equal([2]);
      expect(records[0]?.problems ?? []).to.deep.equal([]);
    }
  });

  it("reads CR-only line endings (classic Mac Excel)", async () => {
    const { records } = await read(`${HEADER}\rar_ars,1,cl_clp,10,5,"x\ry"\rar_ars,2,cl_clp,11,5,z\r`);
    expect(records.map((r) => [r.line, r.fields.reference])).to.deep.equal([
      [2, "x\ry"],
      [4, "z"],
    ]);
  });
});

describe("readRecords: cells", () => {
  it("trims canonical cells except reference, which is kept exactly", async () => {
    const header = HEADER.replaceAll(",", ";");
    const { records } = await read(
      `${header}\n ar_ars ;\u00A0300\u00A0; cl_clp ;  1 234,56\u202F; 2100 ;  EMP 1 \n`,
    );
    expect(records[0]?.fields).to.deep.equal({
      sender_port: "ar_ars",
      recipient_user_id: "300",
      port: "cl_clp",
      amount: "1 234,56",
      withdrawal_instruction_id: "2100",
      reference: "  EMP 1 ",
    });
  });

  it("gives empty strings for the missing cells of a short row, without a problem", async () => {
    const { records } = await read(`${HEADER}\nar_ars,300\n`);
    expect(records[0]).to.deep.equal({
      line: 2,
      fields: {
        sender_port: "ar_ars",
        recipient_user_id: "300",
        port: "",
        amount: "",
        withdrawal_instruction_id: "",
        reference: "",
      },
      problems: [],
    });
  });

  // A header ending in a delimiter (Excel's `a,b,c,`) has an empty trailing cell: padding, so
  // EMP-1 pushed under it by an unquoted 1,234 is beyond the header, not dropped unseen.
  for (const header of [HEADER, `${HEADER},`]) {
    it(`reports a row with more fields than the header as a problem of that row (header ${JSON.stringify(header.slice(-11))})`, async () => {
      const { records } = await read(
        `${header}\nar_ars,300,cl_clp,1,234,2100,EMP-1\nar_ars,301,cl_clp,5,2101,EMP-2,,\n`,
      );
      expect(records[0]?.problems).to.deep.equal([
        {
          column: "",
          code: "too_many_fields",
          message:
            'the row has 7 fields but the header has 6 (extra: "EMP-1"); quote any value that contains ","',
        },
      ]);
      // Trailing empty cells are Excel's doing, not a problem.
      expect(records[1]?.problems).to.deep.equal([]);
    });
  }

  it("masks what a row pushed past the header when the file holds account numbers or tax ids (last 4 shown)", async () => {
    // An unquoted comma in the name moves every later cell right: the account number is
    // what lands beyond the header, and no message repeats an account number whole.
    const header =
      "reference,payer_user_id,sender_port,port,amount,recipient_email,recipient_name,recipient_tax_id,bank,account_type,account_number";
    const { records } = await read(
      `${header}\nEMP-1,112,ar_ars,cl_clp,1329000,ana@example.com,Pérez, Ana,12053214-6,bco_chile,checking,10009876543\n`,
    );
    expect(records[0]?.problems).to.deep.equal([
      {
        column: "",
        code: "too_many_fields",
        message:
          'the row has 12 fields but the header has 11 (extra: "*******6543"); quote any value that contains ","',
      },
    ]);
  });

  it("refuses a row whose unquoted 1,500 split the amount, though what it pushed past the header is blank", async () => {
    // The reference is empty, so the shift leaves only a blank cell beyond the header:
    // amount 1, instruction 500, reference 2100 would otherwise be a valid payment.
    const { records } = await read(
      `${HEADER}\nar_ars,300,cl_clp,1,500,2100,\nar_ars,300,cl_clp,12,50,2100,\n`,
    );
    expect(records.map((record) => record.problems)).to.deep.equal([
      [
        {
          column: "amount",
          code: "too_many_fields",
          message:
            'the row has 7 fields but the header has 6, and amount "1" then "500" look like 1,500 split by the delimiter; quote the amount ("1,500") or write it without a comma',
        },
      ],
      [
        {
          column: "amount",
          code: "too_many_fields",
          message:
            'the row has 7 fields but the header has 6, and amount "12" then "50" look like 12,50 split by the delimiter; quote the amount ("12,50") or write it without a comma',
        },
      ],
    ]);
  });

  it("refuses a row whose unquoted 1,585.25 or 44.328,50 split the amount (helper-76: paid as 1 and 44.328)", async () => {
    const { records } = await read(
      `${HEADER}\nar_ars,300,cl_clp,1,585.25,2100,\nar_ars,300,cl_clp,44.328,50,2100,\nar_ars,300,cl_clp,100,2100,R1,\n`,
    );
    expect(records.map((record) => record.problems)).to.deep.equal([
      [
        {
          column: "amount",
          code: "too_many_fields",
          message:
            'the row has 7 fields but the header has 6, and amount "1" then "585.25" look like 1,585.25 split by the delimiter; quote the amount ("1,585.25") or write it without a comma',
        },
      ],
      [
        {
          column: "amount",
          code: "too_many_fields",
          message:
            'the row has 7 fields but the header has 6, and amount "44.328" then "50" look like 44.328,50 split by the delimiter; quote the amount ("44.328,50") or write it without a comma',
        },
      ],
      [],
    ]);
  });

  it("refuses a row whose stray quote swallows the rows after it, in a column not read too (helper-76: rows lost)", async () => {
    const text = `${HEADER},name\nar_ars,302,uy_uyu,44328.00,2102,R1,"Pepe Diaz\nar_ars,300,cl_clp,1329000,2100,R2,Ana Perez\nar_ars,301,mx_mxn,23886.75,2101,R3,Juan Gomez"\nar_ars,303,cl_clp,10,2103,R4,"Two\nlines, a comma"\n`;
    const { records } = await read(text);
    expect(records.map((record) => [record.line, record.problems])).to.deep.equal([
      [
        2,
        [
          {
            column: "",
            code: "rows_in_quoted_cell",
            message:
              'a quoted cell (name) runs over 3 lines, and this record holds the "," of two rows or more: a quote opened in it closes only lines later, and the rows between would be lost as its text; close or remove the stray quote (a text really written over lines with that many ",": write it on one line)',
          },
        ],
      ],
      [5, []],
    ]);
  });

  it("a stray quote opened and closed mid-row is caught wherever it opens (helper-77)", async () => {
    // The quote opens in line 2's reference and closes in line 3's: line 2's payment is the
    // cell's text, line 3 reads as the row.
    const mid = await read(
      `${HEADER}\n"Sueldo,ar_ars,300,cl_clp,1329000,2100\nEMP-2",ar_ars,302,uy_uyu,44328.00,2102\nar_ars,303,py_pyg,7695000,2103,EMP-3\n`,
    );
    expect(
      mid.records.map((record) => [record.line, (record.problems ?? []).map((p) => p.code)]),
    ).to.deep.equal([
      [2, ["rows_in_quoted_cell"]],
      [4, []],
    ]);
  });

  it("no split amount where a fee column follows the amount, or the header's own trailing cells match the row's (helper-77)", async () => {
    const header = "sender_port,recipient_user_id,port,withdrawal_instruction_id,amount,fee,reference";
    const { records } = await read(
      `${header}\nar_ars,300,cl_clp,2100,100,150.00,R1\nar_ars,300,cl_clp,2100,1.500,150,R2\n`,
    );
    expect(records.map((record) => record.problems)).to.deep.equal([[], []]);
    const padded = await read(`${HEADER},,\nar_ars,300,cl_clp,100,21,R1,,\n`);
    expect(padded.records.map((record) => record.problems)).to.deep.equal([[]]);
  });

  it("a split amount with a currency after it (1,500 CLP unquoted) is refused, not paid as 1 (helper-77)", async () => {
    const header = "reference,sender_port,recipient_user_id,port,withdrawal_instruction_id,amount,notes";
    const { records } = await read(`${header}\nR1,ar_ars,300,cl_clp,2100,1,500 CLP,\n`);
    expect(records.map((record) => (record.problems ?? []).map((p) => p.code))).to.deep.equal([
      ["too_many_fields"],
    ]);
  });

  it("keeps unknown columns only with keepColumns, under unique names", async () => {
    const text = `${HEADER},Nombre,,Nombre\nar_ars,300,cl_clp,10,2100,R1,José Núñez,x, Otro \n`;
    const kept = await read(text, { keepColumns: true });
    expect(kept.extraColumns).to.deep.equal(["Nombre", "column_8", "Nombre_2"]);
    expect(kept.records[0]?.extra).to.deep.equal({ Nombre: "José Núñez", column_8: "x", Nombre_2: " Otro " });
    expect(kept.notices).to.deep.equal([]);
    const dropped = await read(text);
    expect(dropped.records[0]).to.not.have.property("extra");
    expect(dropped.notices).to.deep.equal([
      'in.csv: ignoring unknown columns "Nombre", "Nombre" (--keep-columns copies them into the report)',
    ]);
  });

  it("stores a column named __proto__ as data", async () => {
    const { records } = await read(`${HEADER},__proto__\nar_ars,300,cl_clp,10,2100,R1,x\n`, {
      keepColumns: true,
    });
    const extra = records[0]?.extra as Record<string, string>;
    expect(Object.keys(extra)).to.deep.equal(["__proto__"]);
    expect(Object.getPrototypeOf(extra)).to.equal(Object.prototype);
  });

  it("uses a forced delimiter", async () => {
    const { delimiter, records } = await read(
      "recipient_user_id|sender_port;port|amount|withdrawal_instruction_id\n1|a;b|2|3\n",
      {
        delimiter: "|",
        requiredColumns: ["recipient_user_id"],
      },
    );
    expect(delimiter).to.equal("|");
    expect(records[0]?.fields).to.deep.equal({
      recipient_user_id: "1",
      amount: "2",
      withdrawal_instruction_id: "3",
    });
  });

  it("stops parsing when the consumer stops iterating", async () => {
    const body = Array.from({ length: 5000 }, (_, i) => `ar_ars,${i},cl_clp,10,2100,R${i}\n`).join("");
    const result = await readRecordsFromBytes(Buffer.from(`${HEADER}\n${body}`), {
      file: "in.csv",
      requiredColumns: required,
      chunkSize: 256,
    });
    let seen = 0;
    for await (const batch of result.batches) {
      seen += batch.length;
      break;
    }
    // The parser was fed 256-byte chunks: the first batch is what it had parsed by then, not the 5000.
    expect(seen).to.be.greaterThan(0).and.lessThan(5000);
  });
});

describe("readRecords: oversized input", () => {
  it("a cell longer than 1,000 characters is a problem of its row, naming the column; 1,000 is fine", async () => {
    const { records } = await read(
      `${HEADER},notes\nar_ars,1,cl_clp,10,5,${"r".repeat(1000)},x\nar_ars,2,cl_clp,10,5,${"r".repeat(1001)},${"n".repeat(1200)}\n`,
      { keepColumns: true },
    );
    expect(records[0]?.problems).to.deep.equal([]);
    expect(records[1]?.problems).to.deep.equal([
      { column: "reference", code: "cell_too_long", message: "1001 characters; a cell holds at most 1000" },
      { column: "notes", code: "cell_too_long", message: "1200 characters; a cell holds at most 1000" },
    ]);
  });

  it("an ignored column's long cell is no problem (it is not read)", async () => {
    const { records } = await read(`${HEADER},notes\nar_ars,1,cl_clp,10,5,r,${"n".repeat(5000)}\n`);
    expect(records[0]?.problems).to.deep.equal([]);
  });

  it("a record larger than 1 MB stops the read with an input error naming its line", async () => {
    const error = await readError(
      `${HEADER}\nar_ars,1,cl_clp,10,5,r\nar_ars,2,cl_clp,10,5,${"r".repeat(1 << 20)}\n`,
    );
    expect(error.code).to.equal("input");
    expect(error.message).to.equal(
      'in.csv:3: a record larger than 1 MB (column 6 ("reference") onwards); a payment row is a few hundred bytes',
    );
    expect(error.hint).to.match(/^look for a quote left open before it/);
  });
});

describe("readRecords: refusals", () => {
  it("names the file, line and column of an unclosed quote", async () => {
    const error = await readError(
      `${HEADER}\r\nar_ars,1,cl_clp,10,5,"a\r\nb"\r\n\r\nar_ars,2,cl_clp,10,5,"never closed\r\nar_ars,3\r\n`,
    );
    expect(error.code).to.equal("input");
    expect(error.message).to.equal(
      'in.csv:5: unclosed quote starting in column 6 ("reference"); the field runs to the end of the file',
    );
    expect(error.hint).to.match(/^close the quote/);
  });

  it("places an unclosed quote in the first column after blank lines", async () => {
    const error = await readError(`${HEADER}\nar_ars,1,cl_clp,10,5,r\n\n\n"ar_ars,2\n`);
    expect(error.message).to.equal(
      'in.csv:5: unclosed quote starting in column 1 ("sender_port"); the field runs to the end of the file',
    );
  });

  it("refuses a quote inside an unquoted field, and text after a closing quote", async () => {
    const opening = await readError(`${HEADER}\nar_ars,1,cl_clp,10,5,Pedro "el Rayo"\n`);
    expect(opening.message).to.equal(
      'in.csv:2: a quote (") inside the unquoted field in column 6 ("reference")',
    );
    const closing = await readError(`${HEADER}\nar_ars,1,cl_clp,"10"5,5,r\n`);
    expect(closing.message).to.equal(
      'in.csv:2: text after the closing quote of the field in column 4 ("amount")',
    );
  });

  it("refuses an empty file and a file of blank lines", async () => {
    for (const text of ["", "\r\n\r\n", ",,,\n"]) {
      const error = await readError(text);
      expect(error.message).to.equal(
        "in.csv: the file is empty; expected a header row and one row per payment",
      );
    }
  });

  it("accepts a header with no rows (validation decides what an empty batch means)", async () => {
    const { records, header } = await read(`${HEADER}\r\n\r\n`);
    expect([records.length, header.line]).to.deep.equal([0, 1]);
  });

  it("refuses a missing file with its name", async () => {
    try {
      await readRecords("/nonexistent/pagos.csv", { requiredColumns: required });
      expect.fail("expected a BatchError");
    } catch (error) {
      expect((error as BatchError).code).to.equal("input");
      expect((error as BatchError).message).to.equal(
        "/nonexistent/pagos.csv: cannot read the file (no such file)",
      );
    }
  });

  it("refuses a binary file and an Excel workbook", async () => {
    for (const [name, detail] of [
      ["binary.dat", "NUL byte at offset 15"],
      ["workbook.xlsx", "it starts like an Excel workbook or other zip file"],
    ]) {
      try {
        await readRecords(FIXTURE_DIR + name, { requiredColumns: required, file: name });
        expect.fail("expected a BatchError");
      } catch (error) {
        expect((error as BatchError).code).to.equal("input");
        expect((error as BatchError).message).to.equal(
          `${name}: looks like a binary file, not CSV (${detail})`,
        );
      }
    }
  });
});

describe("readRecords: the same payroll from Excel in Spanish and in English", () => {
  const read = (name: string) =>
    readAllRecords(FIXTURE_DIR + name, { requiredColumns: required, keepColumns: true, file: name });

  /** The records with amounts resolved the way validation does: one convention per file. */
  function canonical(records: readonly InputRecord[]) {
    const cells: AmountCell[] = records.map((record) => {
      const column = record.fields.amount ? "amount" : "budget";
      return { line: record.line, column, scan: scanAmount(record.fields[column] ?? "") };
    });
    const amounts = resolveAmounts(cells);
    return records.map((record, i) => ({
      line: record.line,
      fields: { ...record.fields, amount: undefined, budget: undefined },
      money: [cells[i]?.column, amounts.get(record.line)],
      extra: Object.values(record.extra ?? {}),
      problems: record.problems,
    }));
  }

  it("reads the Windows-1252 ';' Spanish file and its UTF-8 ',' English twin to the same records", async () => {
    const spanish = await read("payroll-es-cp1252.csv");
    const english = await read("payroll-en.csv");
    expect([spanish.encoding, spanish.delimiter, english.encoding, english.delimiter]).to.deep.equal([
      "windows-1252",
      ";",
      "utf8",
      ",",
    ]);
    expect(spanish.notices).to.deep.equal([
      "payroll-es-cp1252.csv is not valid UTF-8; read it as Windows-1252 (use --encoding to choose)",
    ]);
    expect(english.notices).to.deep.equal([]);
    expect(spanish.header.columns).to.deep.equal(english.header.columns);
    expect(canonical(spanish.records)).to.deep.equal(canonical(english.records));
  });

  it("gets the names, the amounts and the line numbers right", async () => {
    const spanish = await read("payroll-es-cp1252.csv");
    const rows = canonical(spanish.records);
    expect(spanish.extraColumns).to.deep.equal(["Nombre", "Concepto"]);
    expect(rows.map((row) => row.extra)).to.deep.equal([
      ["José Núñez", "Sueldo – marzo"],
      ["María Peña", "Sueldo – marzo"],
      ["Ángela Ibáñez", "Honorarios; marzo"],
      ["Iñaki Güemes", 'Bono "extra"'],
      ["Zoë Ñandú", "Reintegro"],
      ["Søren Ødegård", "Sueldo – marzo"],
    ]);
    expect(rows.map((row) => [row.line, row.fields.reference, ...row.money])).to.deep.equal([
      [2, "EMP-001", "amount", { value: "1329000" }],
      [3, "EMP-002", "amount", { value: "23886.75" }],
      [4, "EMP-003", "amount", { value: "44328.00" }],
      [5, "EMP-004\nanticipo", "amount", { value: "7695000" }],
      [7, "EMP-005", "budget", { value: "1500.50" }],
      [8, "EMP-006", "amount", { value: "1500" }],
    ]);
  });

  it("reads the same payroll saved as UTF-8 with BOM, as UTF-16LE text and with CR line endings", async () => {
    const english = canonical((await read("payroll-en.csv")).records);
    const bom = await read("payroll-en-bom.csv");
    expect([bom.encoding, bom.bom, bom.header.names[0]]).to.deep.equal(["utf8", true, "reference"]);
    expect(canonical(bom.records)).to.deep.equal(english);
    const utf16 = await read("payroll-en-utf16le.csv");
    expect([utf16.encoding, utf16.bom, utf16.delimiter, utf16.header.names[0]]).to.deep.equal([
      "utf16le",
      true,
      "\t",
      "reference",
    ]);
    expect(canonical(utf16.records)).to.deep.equal(english);
    const cr = canonical((await read("payroll-en-cr.csv")).records);
    expect(cr.map((row) => row.fields.reference)).to.deep.equal(
      english.map((row) => row.fields.reference?.replace("\n", "\r")),
    );
    expect(cr.map((row) => ({ ...row, fields: { ...row.fields, reference: "" } }))).to.deep.equal(
      english.map((row) => ({ ...row, fields: { ...row.fields, reference: "" } })),
    );
  });
});

describe("readRecords: a trailing totals row", () => {
  const rows = "ar_ars,300,cl_clp,1000.50,2100,A\nar_ars,301,cl_clp,500,2101,B\n";
  const problemsOf = (records: readonly InputRecord[]) =>
    records.map((record) => (record.problems ?? []).map((p) => `${p.code}: ${p.message}`));

  it("TOTAL with only the sum of the amounts is named as one: delete it", async () => {
    // Read a byte at a time too: the row is held back across chunks until the file ends.
    for (const chunkSize of [1, 1 << 20]) {
      const { records } = await read(`${HEADER}\n${rows},,,1500.50,,TOTAL\n`, { chunkSize });
      expect(problemsOf(records)).to.deep.equal([
        [],
        [],
        [
          'totals_row: this looks like a totals row ("TOTAL": amount 1500.50, the sum of the rows above), not a payment; delete it',
        ],
      ]);
    }
  });

  it("one that does not add up says which figure is off; a row in the middle is a row", async () => {
    const { records } = await read(`${HEADER}\n${rows},,,1600,,Total\n`);
    expect(problemsOf(records)[2]).to.deep.equal([
      'totals_row: this looks like a totals row ("Total", no recipient) but amount 1600 is not the sum of the rows above (1500.5); delete the row, or fill it in if it is a payment',
    ]);
    const middle = await read(`${HEADER}\nar_ars,300,cl_clp,1000.50,2100,A\n,,,1000.50,,TOTAL\n${rows}`);
    expect(problemsOf(middle.records)).to.deep.equal([[], [], [], []]);
  });
});
