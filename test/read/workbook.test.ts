/**
 * The xlsx reader through validate/file.ts (what every command reads with): workbooks made
 * by exceljs in a temp dir, each showing one thing a CSV could not, checked row by row.
 */
import { expect } from "chai";
import type ExcelJS from "exceljs";
import { BatchError } from "../../src/errors.js";
import type { CheckedRow } from "../../src/model.js";
import { formatShape, plainDecimal } from "../../src/read/cells.js";
import { generalWidth } from "../../src/read/number-format.js";
import { columnLetter, type SheetRow, sheetRows } from "../../src/read/sheet-xml.js";
import {
  errorOf,
  HEADER,
  handMade,
  MAIN,
  outcomes,
  RELS,
  read,
  readBytes,
  refusal,
  row,
  usdRow,
} from "./read-workbook.js";

/** The same parts in another order: `first` (in order), then the rest, then `last` (in order). */
function reordered(first: readonly string[], last: readonly string[]) {
  return async (bytes: Buffer): Promise<Buffer> => {
    const { default: JSZip } = await import("jszip");
    const from = await JSZip.loadAsync(bytes);
    const names = Object.keys(from.files).filter((name) => !from.files[name]?.dir);
    const placed = (name: string) => first.some((p) => name.startsWith(p)) || last.includes(name);
    const order = [
      ...first.flatMap((p) => names.filter((name) => name.startsWith(p))),
      ...names.filter((name) => !placed(name)),
      ...last.filter((name) => names.includes(name)),
    ];
    const to = new JSZip();
    for (const name of order) to.file(name, (await from.file(name)?.async("uint8array")) as Uint8Array);
    return to.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
  };
}

/** The sheets first, the workbook's tab list and relationships last. */
const sheetsFirst = reordered(["xl/worksheets/"], ["xl/_rels/workbook.xml.rels", "xl/workbook.xml"]);
/** The shared strings, then the sheets, the styles (number formats) after them. */
const stylesLast = reordered(
  ["xl/sharedStrings.xml", "xl/worksheets/"],
  ["xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/styles.xml"],
);

describe("workbook reader", function () {
  this.timeout(20_000);

  it("reads a workbook written with namespace prefixes, rich shared strings, built-in and custom formats, an absolute part name", async () => {
    const header = HEADER.map((name) => `<x:si><x:t>${name}</x:t></x:si>`).join("");
    const cells = (line: number, values: string[]) =>
      values.map((cell, column) =>
        cell.replace("<x:c", `<x:c r="${String.fromCharCode(65 + column)}${line}"`),
      );
    const sheet = (line: number, reference: string, amount: string, port: string, instruction: string) =>
      `<x:row r="${line}">${cells(line, [
        reference,
        "<x:c><x:v>113</x:v></x:c>",
        '<x:c t="s"><x:v>10</x:v></x:c>',
        "<x:c><x:v>304</x:v></x:c>",
        port,
        amount,
        "<x:c/>",
        `<x:c><x:v>${instruction}</x:v></x:c>`,
      ]).join("")}</x:row>`;
    const bytes = await handMade({
      // The sheet first, its part named from the root, as some writers do.
      "xl/worksheets/payroll.xml": `<?xml version="1.0" encoding="UTF-8"?>
<x:worksheet xmlns:x="${MAIN}"><x:sheetData>
<x:row r="1">${HEADER.map((_, i) => `<x:c r="${String.fromCharCode(65 + i)}1" t="s"><x:v>${i}</x:v></x:c>`).join("")}</x:row>
${sheet(2, '<x:c t="s"><x:v>8</x:v></x:c>', '<x:c s="1"><x:v>12</x:v></x:c>', '<x:c t="inlineStr"><x:is><x:t>us_usd</x:t></x:is></x:c>', "2104")}
${sheet(3, '<x:c t="s"><x:v>9</x:v></x:c>', '<x:c s="2"><x:v>12.5</x:v></x:c>', '<x:c t="s"><x:v>11</x:v></x:c>', "2104")}
${sheet(4, '<x:c t="str"><x:v>C &amp; D</x:v></x:c>', '<x:c s="3"><x:v>0.25</x:v></x:c>', '<x:c t="s"><x:v>11</x:v></x:c>', "2104")}
</x:sheetData></x:worksheet>`,
      "xl/sharedStrings.xml": `<x:sst xmlns:x="${MAIN}">${header}<x:si><x:t>A&amp;B &#233;</x:t></x:si><x:si><x:r><x:t>B</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t xml:space="preserve"> 2</x:t></x:r><x:rPh sb="0" eb="1"><x:t>ビ</x:t></x:rPh></x:si><x:si><x:t>uy_</x:t><x:r><x:t>uyu</x:t></x:r></x:si><x:si><x:t><![CDATA[us_usd]]></x:t></x:si></x:sst>`,
      "xl/styles.xml": `<x:styleSheet xmlns:x="${MAIN}"><x:numFmts count="1"><x:numFmt numFmtId="164" formatCode="#,##0.0&quot; USD&quot;"/></x:numFmts><x:cellStyleXfs count="1"><x:xf numFmtId="10"/></x:cellStyleXfs><x:cellXfs count="4"><x:xf numFmtId="0"/><x:xf numFmtId="4"/><x:xf numFmtId="164"/><x:xf numFmtId="10"/></x:cellXfs></x:styleSheet>`,
      "xl/workbook.xml": `<x:workbook xmlns:x="${MAIN}" xmlns:rel="${RELS}"><x:sheets><x:sheet name="Pagos &amp; más" sheetId="1" rel:id="rId9"/></x:sheets></x:workbook>`,
      "xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="${RELS}/worksheet" Target="/xl/worksheets/payroll.xml"/></Relationships>`,
    });
    const { rows } = await readBytes(bytes, { sheet: "Pagos & más" });
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      [3, "valid"],
      [4, "amount:amount_format_mismatch"],
    ]);
    // Rich runs joined, the phonetic guide left out; style 1 is built-in #,##0.00, style 2 the custom format.
    expect(rows.map((r) => [r.raw.reference, r.raw.sender_port, r.raw.amount])).to.deep.equal([
      ["A&B é", "uy_uyu", "12.00"],
      ["B 2", "uy_uyu", "12.5"],
      ["C & D", "uy_uyu", "0.25"],
    ]);
    expect(errorOf(rows, 4)).to.match(/number format "0\.00%" shows it as a percentage/);
  });

  it("a cell holding a raw control character (a NUL) is refused, replaced, and moves no other cell (helper-76)", async () => {
    const bytes = await handMade({
      "xl/workbook.xml": `<workbook xmlns="${MAIN}" xmlns:r="${RELS}"><sheets><sheet name="payroll" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      "xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      "xl/worksheets/sheet1.xml": `<worksheet xmlns="${MAIN}"><sheetData><row r="1">${HEADER.map((name) => `<c t="inlineStr"><is><t>${name}</t></is></c>`).join("")}</row><row r="2">${[
        "EMP-1\u0000X",
        "113",
        "uy_uyu",
        "304",
        "us_usd",
        "12",
        "",
        "2104",
      ]
        .map((text) => `<c t="inlineStr"><is><t>${text}</t></is></c>`)
        .join("")}</row></sheetData></worksheet>`,
    });
    const { rows } = await readBytes(bytes);
    expect(outcomes(rows)).to.deep.equal([[2, "reference:cell_error"]]);
    expect(errorOf(rows, 2)).to.equal(
      "the cell holds a control character (U+0000) that no sheet shows; retype the cell",
    );
    expect([rows[0]?.raw.reference, rows[0]?.raw.payer_user_id, rows[0]?.raw.port]).to.deep.equal([
      "EMP-1\uFFFDX",
      "113",
      "us_usd",
    ]);
  });

  it("refuses a sheet whose XML is cut or mismatched, or that the workbook names but the zip lacks, naming the part", async () => {
    const workbook = (sheet: string | null) => {
      const parts: Record<string, string> = {
        "xl/workbook.xml": `<workbook xmlns="${MAIN}" xmlns:r="${RELS}"><sheets><sheet name="payroll" sheetId="1" r:id="rId1"/></sheets></workbook>`,
        "xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      };
      if (sheet !== null) parts["xl/worksheets/sheet1.xml"] = sheet;
      return handMade(parts);
    };
    const header = `<row r="1">${HEADER.map((name) => `<c t="inlineStr"><is><t>${name}</t></is></c>`).join("")}</row>`;
    const refused = async (bytes: Buffer) => {
      try {
        await readBytes(bytes);
      } catch (error) {
        expect(error).to.be.instanceOf(BatchError);
        return (error as BatchError).message;
      }
      throw new Error("expected the workbook to be refused");
    };
    expect(
      await refused(
        await workbook(`<worksheet xmlns="${MAIN}"><sheetData>${header}<row r="2"><c><v>1</v></row>`),
      ),
    ).to.match(
      /payroll\.xlsx: a damaged Excel workbook \(xl\/worksheets\/sheet1\.xml: <\/row> closes <c>\)$/,
    );
    expect(
      await refused(await workbook(`<worksheet xmlns="${MAIN}"><sheetData>${header}<row r="2">`)),
    ).to.match(
      /payroll\.xlsx: a damaged Excel workbook \(xl\/worksheets\/sheet1\.xml: the XML ends inside <row>\)$/,
    );
    expect(await refused(await workbook(null))).to.match(
      /payroll\.xlsx: a damaged Excel workbook \(sheet "payroll" has no part in the zip\)$/,
    );
  });

  it("refuses a sheet whose rows or cells repeat, come out of order or name another row (a spreadsheet shows one of them, or elsewhere)", async () => {
    const header = `<row r="1">${HEADER.map((name) => `<c t="inlineStr"><is><t>${name}</t></is></c>`).join("")}</row>`;
    const cells = (line: number, reference: string, amount: string, amountRef = `F${line}`) =>
      `<c r="A${line}" t="inlineStr"><is><t>${reference}</t></is></c><c r="B${line}"><v>112</v></c><c r="C${line}" t="inlineStr"><is><t>ar_ars</t></is></c><c r="D${line}"><v>300</v></c><c r="E${line}" t="inlineStr"><is><t>cl_clp</t></is></c><c r="${amountRef}"><v>${amount}</v></c><c r="H${line}"><v>2100</v></c>`;
    const refused = async (rows: string) => {
      const bytes = await handMade({
        "xl/workbook.xml": `<workbook xmlns="${MAIN}" xmlns:r="${RELS}"><sheets><sheet name="payroll" sheetId="1" r:id="rId1"/></sheets></workbook>`,
        "xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
        "xl/worksheets/sheet1.xml": `<worksheet xmlns="${MAIN}"><sheetData>${header}${rows}</sheetData></worksheet>`,
      });
      try {
        await readBytes(bytes);
      } catch (error) {
        expect(error).to.be.instanceOf(BatchError);
        expect((error as BatchError).code).to.equal("input");
        return (error as BatchError).message.replace(/^.*payroll\.xlsx: /, "");
      }
      throw new Error("expected the workbook to be refused");
    };
    // LibreOffice shows row 2 once, with the second one's cells: paying both pays a row nobody saw.
    expect(
      await refused(`<row r="2">${cells(2, "A", "1000")}</row><row r="2">${cells(2, "B", "2000")}</row>`),
    ).to.equal(
      "a damaged Excel workbook (xl/worksheets/sheet1.xml: row 2 comes after row 2; a spreadsheet shows one row per number, in order)",
    );
    expect(
      await refused(`<row r="3">${cells(3, "A", "1000")}</row><row r="2">${cells(2, "B", "2000")}</row>`),
    ).to.equal(
      "a damaged Excel workbook (xl/worksheets/sheet1.xml: row 2 comes after row 3; a spreadsheet shows one row per number, in order)",
    );
    // LibreOffice shows the amount of row 2 in row 3, and the later of two cells F2.
    expect(await refused(`<row r="2">${cells(2, "A", "1000", "F3")}</row>`)).to.equal(
      "a damaged Excel workbook (xl/worksheets/sheet1.xml: cell F3 is written in row 2)",
    );
    expect(await refused(`<row r="2">${cells(2, "A", "1000")}<c r="F2"><v>9000</v></c></row>`)).to.equal(
      "a damaged Excel workbook (xl/worksheets/sheet1.xml: cell F2 comes after cell H2 in row 2; a spreadsheet shows one cell per column, in order)",
    );
    expect(await refused(`<row r="2">${cells(2, "A", "1000", "f2")}</row>`)).to.equal(
      'a damaged Excel workbook (xl/worksheets/sheet1.xml: cell "f2" is not a cell reference such as F2)',
    );
  });

  it("reads a workbook whose zip holds the sheets before the tab list (the zip's order is free)", async () => {
    const sheets = [{ name: "Nómina", rows: [HEADER, row("A", 1329000)] }];
    const { rows } = await read(sheets, { reorder: sheetsFirst });
    expect(outcomes(rows)).to.deep.equal([[2, "valid"]]);
    expect((await read(sheets, { sheet: "Nómina", reorder: sheetsFirst })).rows.length).to.equal(1);
  });

  it("reads number formats when the zip holds xl/styles.xml after the sheets", async () => {
    const sheets = [{ name: "payroll", rows: [HEADER, usdRow("B", { value: 12, numFmt: "#,##0.00" })] }];
    const inOrder = await read(sheets);
    const { rows } = await read(sheets, { reorder: stylesLast });
    expect(outcomes(rows)).to.deep.equal([[2, "valid"]]);
    expect(rows).to.deep.equal(inOrder.rows);
    expect(rows.map((r) => (r.ok ? r.row.amount : r.raw.amount))).to.deep.equal(["12.00"]);
  });

  it("numbers the records by the sheet's rows, skipping blank rows, and reads number cells exactly", async () => {
    const { rows } = await read([
      {
        name: "payroll",
        rows: [
          HEADER,
          row("A", 1329000),
          [],
          usdRow("B", { value: 1585.25, numFmt: "#,##0.00" }),
          usdRow("C", { value: 12, numFmt: "#,##0.00" }),
          usdRow("D", 0.1 + 0.2),
        ],
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      [4, "valid"],
      [5, "valid"],
      // General shows 0.30000000000000004 as 0.3 in a column of 8 characters: not what is held.
      [6, "amount:amount_format_mismatch amount:amount_too_many_decimals"],
    ]);
    const amounts = rows.map((r) => (r.ok ? r.row.amount : r.raw.amount));
    // 12 shown "12.00"; 0.1 + 0.2 is the double 0.30000000000000004, never rounded to 0.3.
    expect(amounts).to.deep.equal(["1329000", "1585.25", "12.00", "0.30000000000000004"]);
  });

  it("refuses a General amount its column is too narrow to show whole (123456.78 shown 123456.8), not one the column fits (helper-107)", async () => {
    const sheets = (width?: number) => [
      {
        name: "payroll",
        rows: [HEADER, usdRow("A", 123456.78), usdRow("B", 23886.75), usdRow("C", 1234567)],
        edit: (sheet: ExcelJS.Worksheet) => {
          if (width !== undefined) sheet.getColumn(6).width = width;
        },
      },
    ];
    const narrow = await read(sheets());
    expect(outcomes(narrow.rows)).to.deep.equal([
      [2, "amount:amount_format_mismatch"],
      [3, "valid"],
      [4, "valid"],
    ]);
    expect(errorOf(narrow.rows, 2)).to.equal(
      "the cell holds 123456.78 in the General format, in a column too narrow to show it whole (room for 8 digits), so the sheet shows it rounded (or as 1.2E+09), another amount than the one that would be paid; widen the column, or format it as Number with the decimals to pay",
    );
    expect(outcomes((await read(sheets(14))).rows).map(([, outcome]) => outcome)).to.deep.equal([
      "valid",
      "valid",
      "valid",
    ]);
  });

  it("refuses an amount whose number format shows other decimals than the cell holds, a percentage and a date", async () => {
    const { rows } = await read([
      {
        name: "payroll",
        rows: [
          HEADER,
          usdRow("A", { value: 1585.257, numFmt: "#,##0.00" }),
          usdRow("B", { value: 0.5, numFmt: "0%" }),
          usdRow("C", { value: 45000, numFmt: "yyyy-mm-dd" }),
          usdRow("D", { value: 1585.5, numFmt: "0.00" }),
        ],
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      // Two decimals shown, three held, and USD takes two: both are said.
      [2, "amount:amount_format_mismatch amount:amount_too_many_decimals"],
      [3, "amount:amount_format_mismatch"],
      [4, "amount:cell_is_date"],
      [5, "valid"],
    ]);
    expect(errorOf(rows, 2)).to.equal(
      'the cell holds 1585.257 but its number format "#,##0.00" shows 2 decimals, so the sheet shows another amount than the one that would be paid; round the value in the sheet (e.g. =ROUND(…, 2)) or show all its decimals | 1585.257 has 3 decimals, but USD allows at most 2; round it to 2 decimals',
    );
  });

  it("refuses an amount whose number format shows it in thousands or millions (a comma after the digits), or hides it (an empty section)", async () => {
    const { rows } = await read([
      {
        name: "payroll",
        rows: [
          HEADER,
          row("A", { value: 1329000, numFmt: "#,##0," }),
          usdRow("B", { value: 1500000, numFmt: '#,##0.0,,"M"' }),
          usdRow("C", { value: 1500, numFmt: ";;;" }),
          row("D", { value: 1329000, numFmt: "#,##0" }),
        ],
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "amount:amount_format_mismatch"],
      [3, "amount:amount_format_mismatch"],
      [4, "amount:amount_format_mismatch"],
      [5, "valid"],
    ]);
    expect(errorOf(rows, 2)).to.equal(
      'the cell holds 1329000 but its number format "#,##0," shows it divided by 1,000 or more (a comma after the digits), so the sheet shows another amount than the one that would be paid; format the column as Number without scaling',
    );
    expect(errorOf(rows, 4)).to.equal(
      'the cell holds 1500 but its number format ";;;" shows nothing, so the sheet shows another amount than the one that would be paid; format the column as Number',
    );
  });

  it('refuses an amount whose number format has sections for sizes that show it otherwise ([<1000]0;#,##0.0,"K")', async () => {
    const byMagnitude = '[<1000]0;[<1000000]#,##0.0,"K";#,##0.0,,"M"';
    const { rows } = await read([
      {
        name: "payroll",
        rows: [
          HEADER,
          row("A", { value: 1329000, numFmt: byMagnitude }),
          row("B", { value: 1329, numFmt: "[<1000]0;0" }),
          usdRow("C", { value: 1585.5, numFmt: "[Blue][<=1000]0.00;[Red][>1000]0.00" }),
        ],
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "amount:amount_format_mismatch"],
      [3, "valid"],
      [4, "valid"],
    ]);
    expect(errorOf(rows, 2)).to.equal(
      `the cell holds 1329000 but its number format "${byMagnitude}" shows amounts of some sizes in another way (a section with a condition such as [<1000]), so the sheet may show another amount than the one that would be paid; format the column as Number`,
    );
    expect(rows.map((r) => r.raw.amount)).to.deep.equal(["1329000", "1329", "1585.50"]);
  });

  it('refuses an amount whose number format writes digits or a separator of its own among the number\'s (cents shown as 1250.00: 0"."00)', async () => {
    const { rows } = await read([
      {
        name: "payroll",
        rows: [
          HEADER,
          // A payroll kept in cents, shown with a literal point: 125000 shows as 1250.00.
          usdRow("A", { value: 125000, numFmt: '0"."00' }),
          usdRow("B", { value: 125000, numFmt: "#,##0\\.00" }),
          // Kept in thousands, shown in units: 1250 shows as 1,250,000.
          row("C", { value: 1250, numFmt: '#,##0",000"' }),
          // A currency sign's own points are no part of the number (a sign of another currency
          // than the port's is refused for that: workbook-formats.test.ts).
          usdRow("D", { value: 1250.5, numFmt: '"U.S.$"#,##0.00;"U.S.$"\\-#,##0.00' }),
          usdRow("E", { value: 1250.5, numFmt: '#,##0.00" U.S.D."' }),
        ],
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "amount:amount_format_mismatch"],
      [3, "amount:amount_format_mismatch"],
      [4, "amount:amount_format_mismatch"],
      [5, "valid"],
      [6, "valid"],
    ]);
    expect(errorOf(rows, 2)).to.equal(
      'the cell holds 125000 but its number format "0"."00" writes digits or a separator of its own among the number\'s, so the sheet shows another amount than the one that would be paid; format the column as Number',
    );
    expect(rows.map((r) => r.raw.amount)).to.deep.equal(["125000", "125000", "1250", "1250.50", "1250.50"]);
  });

  it("keeps text cells as text and names a long id stored as a number excel_damaged_number", async () => {
    const { rows } = await read([
      {
        name: "payroll",
        rows: [
          HEADER,
          row("0012345", 1000, "0000300"),
          row("B", 1000, Number("12345678901234567890") as unknown as string),
          row("C", 1000, 123456789012345 as unknown as string),
        ],
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      [3, "recipient_user_id:excel_damaged_number"],
      [4, "valid"],
    ]);
    const first = rows[0] as CheckedRow & { ok: true };
    expect([first.row.reference, first.row.recipientUserId]).to.deep.equal(["0012345", "0000300"]);
    expect(errorOf(rows, 3)).to.equal(
      "the cell holds the number 12345678901234567000: Excel keeps 15 significant digits, so an id of 20 digits stored as a number has lost its last ones; re-export the column as text (in Excel: format the column as Text, then paste the ids again)",
    );
  });

  it("names an account number stored as a number of more than 15 digits, never showing it (a check digit may still pass)", async () => {
    const header = [
      "payer_user_id",
      "sender_port",
      "port",
      "amount",
      "recipient_email",
      "recipient_name",
      "recipient_tax_id",
      "clabe",
      "routing_number",
      "account_number",
      "account_type",
    ];
    const payee = ["112", "ar_ars", "mx_mxn", 1000, "ana@example.com", "Ana Pérez", "GODE561231GR8"];
    const { rows } = await read([
      {
        name: "payroll",
        rows: [
          header,
          // The CLABE 646180123456705453 as Excel keeps it: its check digit, now 0, still matches.
          [...payee, 646180123456705000],
          // 12345678901234567 as a writer that keeps every digit stores it (JavaScript reads …568).
          [
            ...payee.slice(0, 2),
            "us_usd",
            1000,
            ...payee.slice(4, 6),
            "123-45-6789",
            null,
            "021000021",
            Number("12345678901234567"),
            "savings",
          ],
          [...payee, { value: Number("646180123456705453"), numFmt: "@" }],
        ],
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "clabe:excel_damaged_number"],
      [3, "account_number:excel_damaged_number"],
      // Its own check digit fails too: both are said.
      [4, "clabe:excel_damaged_number clabe:id_wrong_check_digit"],
    ]);
    expect(errorOf(rows, 2)).to.equal(
      "the cell holds a number of 18 digits: Excel keeps 15 significant digits, so a number this long stored as a number has lost its last ones; re-export the column as text (in Excel: format the column as Text, then paste the numbers again from their source)",
    );
    expect(errorOf(rows, 3)).to.not.include("1234567890");
  });

  it("reads a formula by its cached value; one without a value and an error value are row errors", async () => {
    const { rows } = await read([
      {
        name: "payroll",
        rows: [
          HEADER,
          row("A", { formula: "1000+329", result: 1329 }),
          row("B", { formula: "1000+329" }),
          row("C", { error: "#N/A" }),
        ],
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      [3, "amount:formula_no_value amount:amount_missing"],
      [4, "amount:cell_error amount:amount_not_a_number"],
    ]);
  });

  it("takes a row of formulas whose saved results are empty (a template filled down) as blank, not as a payment with every cell missing", async () => {
    const empty = { formula: 'IF(I2="","",I2)', result: "" };
    const blank = HEADER.map(() => empty);
    const sheets = (fullCalcOnLoad: boolean) => [
      {
        name: "payroll",
        rows: [
          HEADER,
          row("A", 1000),
          blank,
          row("B", 1500, "301"),
          // A formula with no saved result may show anything: read, and refused.
          blank.map((cell, c) => (c === 5 ? { formula: "1000+329" } : cell)),
          // One real value: a row, with its empty cells said.
          blank.map((cell, c) => (c === 0 ? "C" : cell)),
          blank,
          blank,
        ],
        edit: (sheet: ExcelJS.Worksheet) => {
          if (fullCalcOnLoad) sheet.workbook.calcProperties.fullCalcOnLoad = true;
        },
      },
    ];
    const { rows } = await read(sheets(false));
    expect(outcomes(rows).map(([line, outcome]) => [line, outcome.split(" ")[0]])).to.deep.equal([
      [2, "valid"],
      [4, "valid"],
      [5, "amount:formula_no_value"],
      [6, "sender_port:sender_port_missing"],
    ]);
    // Recalculated on opening, an empty saved result may show a value: every such row is read.
    const recalculated = await read(sheets(true));
    expect(recalculated.rows.map((r) => r.line)).to.deep.equal([2, 3, 4, 5, 6, 7, 8]);
  });

  it("refuses a formula's saved result when the workbook asks to be recalculated on opening (what Excel shows is the new result)", async () => {
    // A program fills in a template's inputs and leaves its formulas' old results, asking
    // Excel to recalculate when the file is opened (exceljs: calcProperties.fullCalcOnLoad).
    const sheets = (fullCalcOnLoad: boolean) => [
      {
        name: "payroll",
        rows: [HEADER, row("A", { formula: "1000+329", result: 999 }), row("B", 1500, "301")],
        edit: (sheet: ExcelJS.Worksheet) => {
          if (fullCalcOnLoad) sheet.workbook.calcProperties.fullCalcOnLoad = true;
        },
      },
    ];
    const { rows } = await read(sheets(true));
    expect(outcomes(rows)).to.deep.equal([
      [2, "amount:formula_not_calculated"],
      [3, "valid"],
    ]);
    expect(errorOf(rows, 2)).to.equal(
      "the cell holds a formula whose saved result (999) Excel recalculates when the file is opened (the workbook asks it to: fullCalcOnLoad), so the sheet may show another value; open the file in Excel or LibreOffice and save it, or paste the values",
    );
    // Without that request the saved result is what the sheet shows.
    expect(outcomes((await read(sheets(false))).rows)).to.deep.equal([
      [2, "valid"],
      [3, "valid"],
    ]);
  });

  it("refuses every formula's saved result in a workbook using a function calculated at every opening (TODAY, OFFSET…), wherever it is (helper-107)", async () => {
    // Pay prorated by TODAY(): saved as 100, both programs show 500 when the file is opened.
    // In the sheet read, found as it is read: the whole file refused at its end.
    const today = { formula: "IF(TODAY()>DATE(2026,12,1),500,100)", result: 100 };
    const error = await refusal([
      { name: "payroll", rows: [HEADER, row("B", 1500, "301"), row("A", today)] },
    ]);
    expect(error.message).to.match(
      /payroll\.xlsx: sheet "payroll" uses TODAY\(\) in cell F3, which Excel and LibreOffice calculate again at every opening with every formula depending on it, and its payroll columns hold formulas \(cell F3 first\): their saved results may not be what the sheet shows$/,
    );
    expect(error.hint).to.equal(
      "paste the payroll columns' values (Paste Special > Values) and save, or take the function out, then run again (nothing was sent)",
    );
    // A volatile function in a column not read, beside a plain formula in a read one: the same.
    const plainFormula = row("A", { formula: "1000+329", result: 1329 });
    const titled = await refusal([
      {
        name: "payroll",
        rows: [
          [...HEADER, "as of"],
          [...plainFormula, { formula: "TODAY()", result: 46000 }],
        ],
      },
    ]);
    expect(titled.message).to.include("uses TODAY() in cell I2,");
    expect(titled.message).to.include("(cell F2 first)");
    // A row whose read cells are formulas saved as "" (a new hire who shows once the file is
    // opened in December) reads blank, yet refuses the file all the same (helper-111).
    const hire = { formula: 'IF(TODAY()>=DATE(2026,12,1),"EMP-9","")', result: "" };
    const hidden = await refusal([
      { name: "payroll", rows: [HEADER, row("B", 1500, "301"), HEADER.map(() => hire)] },
    ]);
    expect(hidden.message).to.include("uses TODAY() in cell A3,");
    expect(hidden.message).to.include("(cell A3 first)");
    // A formula depending on a volatile one of another sheet (its rate by INDIRECT): refused too,
    // and so is one through a defined name that is an OFFSET.
    const rates = { name: "rates", rows: [["rate"], [{ formula: 'INDIRECT("B1")*2', result: 7 }]] };
    const doubled = row("A", { formula: "rates!A2*100", result: 700 });
    const other = await read([{ name: "payroll", rows: [HEADER, doubled] }, rates], { sheet: "payroll" });
    expect(outcomes(other.rows)).to.deep.equal([[2, "amount:formula_not_calculated"]]);
    expect(errorOf(other.rows, 2)).to.include('the workbook uses INDIRECT() in sheet "rates", cell A2,');
    const named = await read([
      {
        name: "payroll",
        rows: [HEADER, row("A", { formula: "SUM(hours)*10", result: 80 })],
        edit: (sheet: ExcelJS.Worksheet) => {
          (sheet.workbook as unknown as { definedNames: { model: unknown[] } }).definedNames.model = [
            { name: "hours", ranges: ["OFFSET(payroll!$J$1,0,0,3,1)"] },
          ];
        },
      },
    ]);
    expect(outcomes(named.rows)).to.deep.equal([[2, "amount:formula_not_calculated"]]);
    expect(errorOf(named.rows, 2)).to.include("the workbook uses OFFSET() in a defined name,");
    // A formula of a workbook without any such function is what the sheet shows.
    const plain = await read([
      { name: "payroll", rows: [HEADER, row("A", { formula: "1000+329", result: 1329 })] },
    ]);
    expect(outcomes(plain.rows)).to.deep.equal([[2, "valid"]]);
  });

  it("a row empty in every column read is blank, whatever formulas an unread column holds, TODAY() elsewhere or not (helper-110)", async () => {
    const control = { formula: 'IF(F2="","",1)', result: "" };
    const { rows } = await read(
      [
        {
          name: "payroll",
          rows: [
            [...HEADER, "control"],
            [...row("A", 1000), control],
            ...[3, 4, 5].map(() => [...HEADER.map(() => null), control]),
          ],
        },
        { name: "Portada", rows: [["as of"], [{ formula: "TODAY()", result: 46000 }]] },
      ],
      { sheet: "payroll" },
    );
    expect(outcomes(rows)).to.deep.equal([[2, "valid"]]);
  });

  it("refuses an amount in a built-in number format whose look depends on the computer's language (currency, accounting, East Asian dates)", async () => {
    // openpyxl writes these by id only (no formatCode): Excel shows id 42 as "$ 1,251" in en-US.
    const inline = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
    const payment = (line: number, amount: string) =>
      `<row r="${line}">${inline(`A${line}`, `R${line}`)}<c r="B${line}"><v>113</v></c>${inline(`C${line}`, "uy_uyu")}<c r="D${line}"><v>304</v></c>${inline(`E${line}`, "us_usd")}<c r="F${line}" ${amount}</v></c><c r="H${line}"><v>2104</v></c></row>`;
    // Styles 1–4 are the language's own formats 42, 44, 31 and 7; style 5 is #,##0.00.
    const amounts = [
      's="1"><v>1250.5',
      's="2"><v>1250',
      's="3"><v>45000',
      's="4"><v>1250.25',
      's="5"><v>1250.5',
    ];
    const bytes = await handMade({
      "xl/workbook.xml": `<workbook xmlns="${MAIN}" xmlns:r="${RELS}"><sheets><sheet name="payroll" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      "xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      "xl/styles.xml": `<styleSheet xmlns="${MAIN}"><cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="42"/><xf numFmtId="44"/><xf numFmtId="31"/><xf numFmtId="7"/><xf numFmtId="4"/></cellXfs></styleSheet>`,
      "xl/worksheets/sheet1.xml": `<worksheet xmlns="${MAIN}"><sheetData><row r="1">${HEADER.map((name) => `<c t="inlineStr"><is><t>${name}</t></is></c>`).join("")}</row>${amounts.map((amount, at) => payment(at + 2, amount)).join("")}</sheetData></worksheet>`,
    });
    const { rows } = await readBytes(bytes);
    expect(outcomes(rows)).to.deep.equal([
      [2, "amount:amount_format_mismatch"],
      [3, "valid"],
      [4, "amount:amount_format_mismatch"],
      [5, "amount:amount_format_mismatch"],
      [6, "valid"],
    ]);
    expect(errorOf(rows, 2)).to.equal(
      "the cell holds 1250.5 but its number format is Excel's built-in format 42, which each computer shows as its language settings say (a currency with or without decimals, or a date), so what the sheet showed is not known; format the column as Number with the decimals to pay",
    );
    // A whole number in a currency format shows its digits whatever the language.
    expect(rows.map((r) => r.raw.amount)).to.deep.equal(["1250.5", "1250", "45000", "1250.25", "1250.50"]);
  });

  it("makes a hidden row invalid, naming it", async () => {
    const { rows } = await read([
      {
        name: "payroll",
        rows: [HEADER, row("A", 1000), row("B", 2000, "301")],
        edit: (sheet) => {
          sheet.getRow(3).hidden = true;
        },
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      [3, ":hidden_row"],
    ]);
    expect(errorOf(rows, 3)).to.equal(
      "row 3 is hidden in the sheet, so nobody checking the sheet saw it; unhide it and check it, or delete it",
    );
  });

  it("refuses a hidden column that is read (nobody checking the sheet saw its cells); a hidden column not read is no matter", async () => {
    const error = await refusal([
      {
        name: "payroll",
        rows: [HEADER, row("A", 1000), row("B", 2000, "301")],
        edit: (sheet) => {
          sheet.getColumn(6).hidden = true;
        },
      },
    ]);
    expect(error.code).to.equal("input");
    expect(error.message).to.match(
      /payroll\.xlsx: sheet "payroll" hides column F \(amount\), which is read; nobody checking the sheet saw its cells$/,
    );
    const { rows } = await read([
      {
        name: "payroll",
        rows: [
          [...HEADER, "note"],
          [...row("A", 1000), "x"],
        ],
        edit: (sheet) => {
          sheet.getColumn(9).hidden = true;
        },
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([[2, "valid"]]);
  });

  it("refuses merged cells among the rows", async () => {
    const error = await refusal([
      {
        name: "payroll",
        rows: [HEADER, row("A", 1000), row("B", 2000, "301"), row("C", 3000, "302")],
        edit: (sheet) => sheet.mergeCells("B3:B4"),
      },
    ]);
    expect(error.code).to.equal("input");
    expect(error.message).to.match(
      /payroll\.xlsx: sheet "payroll" has merged cells among the payroll rows \(B3:B4\); a merged cell's value belongs to one row only$/,
    );
  });

  it("leaves out a trailing totals row that is the exact sum, and says so", async () => {
    const { rows, notices } = await read([
      {
        name: "payroll",
        rows: [
          HEADER,
          usdRow("A", { value: 1585.25, numFmt: "#,##0.00" }),
          usdRow("B", "14,75"),
          [
            "Total",
            null,
            null,
            null,
            null,
            { value: { formula: "SUM(F2:F3)", result: 1600 }, numFmt: "#,##0.00" },
          ],
        ],
        edit: (sheet) => sheet.mergeCells("A4:E4"),
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      [3, "valid"],
    ]);
    expect(notices).to.include(
      `${notices.find((n) => n.includes("totals row"))?.split(":")[0]}: row 4 of sheet "payroll" is a totals row ("Total": amount 1600.00, the sum of the rows above); it is not a payment and is not read`,
    );
  });

  it("makes a totals row that does not add up invalid (totals_row), never guessing", async () => {
    const { rows } = await read([
      {
        name: "payroll",
        rows: [HEADER, usdRow("A", 1585.25), usdRow("B", 14.75), ["Totales", null, null, null, null, 1700]],
      },
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      [3, "valid"],
      // One error: the empty payee cells are what make it a totals row, not mistakes of their own.
      [4, ":totals_row"],
    ]);
    expect((rows[2] as CheckedRow & { ok: false }).errors[0]?.message).to.equal(
      'this looks like a totals row ("Totales", no recipient) but amount 1700 is not the sum of the rows above (1600); delete the row, or fill it in if it is a payment',
    );
  });

  describe("which sheet", () => {
    const payroll = (reference: string) => ({ rows: [HEADER, row(reference, 1000)] });

    it("refuses several payroll sheets without --sheet, listing them; --sheet picks one", async () => {
      const sheets = [
        { name: "Notas", rows: [["notes"], ["nothing to pay here"]] },
        { name: "Enero", ...payroll("JAN") },
        { name: "Febrero", ...payroll("FEB") },
      ];
      const error = await refusal(sheets);
      expect(error.message).to.match(
        /payroll\.xlsx: 2 sheets look like payrolls: "Enero", "Febrero"; which one to pay is not guessed$/,
      );
      expect(error.hint).to.equal('pass --sheet with one of them, e.g. --sheet "Enero"');
      const picked = await read(sheets, { sheet: "Febrero" });
      expect(picked.rows.map((r) => r.raw.reference)).to.deep.equal(["FEB"]);
    });

    it("never reads a hidden sheet: it is no payroll candidate, and --sheet naming it is refused (nobody checking the workbook saw its rows)", async () => {
      // Last month's payroll, hidden in front of this month's: neither picked nor suggested.
      const sheets = [
        { name: "Octubre", state: "hidden" as const, ...payroll("OCT") },
        { name: "Noviembre", ...payroll("NOV") },
      ];
      const { rows } = await read(sheets);
      expect(rows.map((r) => r.raw.reference)).to.deep.equal(["NOV"]);
      const error = await refusal(sheets, { sheet: "Octubre" });
      expect(error.message).to.match(
        /payroll\.xlsx: sheet "Octubre" is hidden in the workbook, so nobody checking it saw its rows$/,
      );
      expect(error.hint).to.equal(
        "unhide the sheet (right-click a tab > Unhide) and check it, then run again (nothing was sent)",
      );
      // A visible sheet that is no payroll does not point at a hidden one.
      const summary = await refusal([
        { name: "Resumen", rows: [["total", "2000"]] },
        { name: "Octubre", state: "hidden" as const, ...payroll("OCT") },
      ]);
      expect(summary.hint ?? "").to.not.include("Octubre");
    });

    it("reads the first visible sheet by default, and names an unknown --sheet with the sheets there are", async () => {
      const sheets = [
        { name: "Vieja", state: "hidden" as const, rows: [["x"]] },
        { name: "Nómina", ...payroll("NOV") },
        { name: "Notas", rows: [["notes"]] },
      ];
      const { rows, notices } = await read(sheets);
      expect(rows.map((r) => r.raw.reference)).to.deep.equal(["NOV"]);
      expect(
        notices.some((n) => n.endsWith('reading sheet "Nómina", the first of 3 (--sheet picks another)')),
      ).to.equal(true);
      const error = await refusal(sheets, { sheet: "Nomina" });
      expect(error.hint).to.equal("pass --sheet with one of those names (as the tab shows it)");
      expect(error.message).to.match(
        /payroll\.xlsx: no sheet named "Nomina"; its sheets are "Vieja", "Nómina", "Notas"$/,
      );
    });
  });

  it("points at the one payroll sheet when the first sheet is not one", async () => {
    const error = await refusal([
      { name: "Instrucciones", rows: [["Complete la hoja Nómina"]] },
      { name: "Nómina", rows: [HEADER, row("NOV", 1000)] },
    ]);
    expect(error.message).to.match(/payroll\.xlsx:1: missing columns /);
    expect(error.hint).to.equal('sheet "Nómina" looks like the payroll: pass --sheet "Nómina"');
  });

  it("refuses --encoding and --decimal-separator with a workbook (usage, exit 2)", async () => {
    const sheets = [{ name: "payroll", rows: [HEADER, row("A", 1000)] }];
    const error = await refusal(sheets, { encoding: "utf8", decimalSeparator: "," });
    expect(error.code).to.equal("usage");
    expect(error.message).to.match(
      /^--encoding, --decimal-separator: .*payroll\.xlsx is an Excel workbook, read by its cells' types; these options are for CSV files only$/,
    );
  });
});

describe("workbook cells", () => {
  it("writes a double as its shortest round-trip decimal, never in exponent form", () => {
    expect(
      [1329000, 1585.25, 0.30000000000000004, 1e21, 1.5e-7, -2.5, Number("12345678901234567890")].map(
        plainDecimal,
      ),
    ).to.deep.equal([
      "1329000",
      "1585.25",
      "0.30000000000000004",
      "1000000000000000000000",
      "0.00000015",
      "-2.5",
      "12345678901234567000",
    ]);
  });

  it("reads what a number format shows", () => {
    expect(
      [
        "General",
        "0",
        "#,##0.00",
        '"$"#,##0.00;[Red]-"$"#,##0.00',
        "0.0%",
        "dd/mm/yyyy",
        "0.00E+00",
        "@",
        "[$€-C0A] #,##0.000",
        "#,##0,",
        '0.0,,"M"',
        ";;;",
        '"-"',
        "General;[Red]-General",
      ].map((format) => formatShape(format)),
    ).to.deep.equal([
      { kind: "general" },
      { kind: "number", decimals: 0 },
      { kind: "number", decimals: 2 },
      { kind: "number", decimals: 2 },
      { kind: "percent" },
      { kind: "date" },
      { kind: "scientific" },
      { kind: "text" },
      { kind: "number", decimals: 3 },
      { kind: "scaled" },
      { kind: "scaled" },
      { kind: "hidden" },
      { kind: "hidden" },
      { kind: "general" },
    ]);
  });
});

describe("sheet XML", () => {
  it("a row or column too small to read (under 3 points, under a character) is hidden too: nobody sees its cells", async () => {
    // helper-107: a row 0.75 points tall and a column 0.1 characters wide were read as seen.
    const xml = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cols><col min="2" max="2" width="0" customWidth="1"/><col min="3" max="3" width="8.5"/><col min="4" max="5" width="0.1" customWidth="1"/><col min="6" max="6" width="1"/></cols><sheetData>
<row r="1" ht="0" customHeight="1"><c r="A1"><v>1</v></c></row><row r="2" ht="15"><c r="A2"><v>2</v></c></row><row r="3" ht="0.75" customHeight="1"><c r="A3"><v>3</v></c></row><row r="4" ht="3"><c r="A4"><v>4</v></c></row></sheetData></worksheet>`;
    const rows = sheetRows(
      (async function* () {
        yield Buffer.from(xml, "utf8");
      })(),
    );
    const seen: SheetRow[] = [];
    let next = await rows.next();
    for (; !next.done; next = await rows.next()) seen.push(...next.value);
    expect(seen.map((row) => [row.line, row.hidden])).to.deep.equal([
      [1, true],
      [2, false],
      [3, true],
      [4, false],
    ]);
    expect(next.value.hiddenColumns).to.deep.equal([
      { from: 1, to: 1 },
      { from: 3, to: 4 },
    ]);
  });

  it("how many characters of a number General shows in each column: its width less the padding, at most 11 (helper-107)", async () => {
    const widths = async (xml: string) => {
      const seen: SheetRow[] = [];
      for await (const batch of sheetRows(
        (async function* () {
          yield Buffer.from(
            `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${xml}<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>`,
          );
        })(),
      ))
        seen.push(...batch);
      return [0, 1, 2, 3].map((column) => Number(seen[0]?.columns.generalRoom(column).toFixed(2)));
    };
    // Excel's default (8.43 digits, written 9.140625 with its padding); 6 wide: 5.29; 20 wide: 11.
    expect(
      await widths(
        '<cols><col min="1" max="1" width="9.140625"/><col min="2" max="2" width="6"/><col min="3" max="3" width="20"/></cols>',
      ),
    ).to.deep.equal([8.43, 5.29, 11, 8]);
    // LibreOffice's default width: 7.82 digits, room for 44328.25 (7 digits and a point).
    expect(await widths('<sheetFormatPr defaultColWidth="8.5390625"/>')).to.deep.equal([
      7.82, 7.82, 7.82, 7.82,
    ]);
    expect(generalWidth("44328.25")).to.equal(7.5);
    expect(await widths('<sheetFormatPr baseColWidth="6"/>')).to.deep.equal([6, 6, 6, 6]);
  });

  it("a cell an array formula fills holds a formula's result, though Excel writes the formula in its first cell only", async () => {
    const xml = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="2"><c r="E2"><v>1</v></c><c r="F2"><f t="array" ref="F2:G3">H2:I3*2</f><v>1200</v></c><c r="G2"><v>5</v></c><c r="H2"><v>600</v></c></row>
<row r="3"><c r="F3"><v>1400</v></c><c r="G3"><v>6</v></c></row><row r="4"><c r="F4"><v>7</v></c></row></sheetData></worksheet>`;
    const seen: SheetRow[] = [];
    for await (const batch of sheetRows(
      (async function* () {
        yield Buffer.from(xml, "utf8");
      })(),
    ))
      seen.push(...batch);
    expect(
      seen.map((row) => row.cells.flatMap((cell, c) => (cell?.formula ? [columnLetter(c)] : []))),
    ).to.deep.equal([["F", "G"], ["F", "G"], []]);
  });

  it("keeps hidden rows and columns, inline rich text without its phonetic guide, implicit positions and merges", async () => {
    const xml = `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cols><col min="1" max="1" width="9"/><col min="3" max="4" hidden="1"/><col min="28" max="28" hidden="true"/></cols><sheetData>
<row r="2"><c r="B2" t="inlineStr"><is><r><t>Pé</t></r><r><t xml:space="preserve">rez </t></r><rPh sb="0" eb="1"><t>ペ</t></rPh></is></c></row>
<row hidden="1"><c><v>1.5</v></c><c s="3" t="s"><v>7</v></c><c><f>A3*2</f></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="A3:B4"/></mergeCells></worksheet>`;
    // Cut in 7-byte chunks: tags, text and multi-byte characters cross chunk boundaries.
    const bytes = Buffer.from(xml, "utf8");
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += 7) yield bytes.subarray(at, at + 7);
    }
    const rows = sheetRows(chunks());
    const seen: SheetRow[] = [];
    let next = await rows.next();
    for (; !next.done; next = await rows.next()) seen.push(...next.value);
    expect(seen.map(({ columns, ...row }) => row)).to.deep.equal([
      {
        line: 2,
        hidden: false,
        cells: [undefined, { type: "inlineStr", style: 0, value: "Pérez ", formula: false }],
      },
      {
        line: 3,
        hidden: true,
        cells: [
          { type: undefined, style: 0, value: "1.5", formula: false },
          { type: "s", style: 3, value: "7", formula: false },
          { type: undefined, style: 0, value: undefined, formula: true },
        ],
      },
    ]);
    expect(next.value).to.deep.equal({
      merged: [{ ref: "A3:B4", top: 3, bottom: 4 }],
      hiddenColumns: [
        { from: 2, to: 3 },
        { from: 27, to: 27 },
      ],
      conditionalFormats: [],
    });
    expect([0, 25, 26, 27, 701, 702].map(columnLetter)).to.deep.equal(["A", "Z", "AA", "AB", "ZZ", "AAA"]);
  });
});
