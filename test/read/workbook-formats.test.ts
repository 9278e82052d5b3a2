/**
 * What the sheet shows against what the cell holds, in workbooks written by hand (exceljs
 * cannot write a damaged `<v>` nor every style): a number's `<v>` text, a text cell under a
 * format with a text section, an id or account number under a format that is not plain.
 */
import { expect } from "chai";
import { bytesRefusal, errorOf, HEADER, handMade, MAIN, outcomes, RELS, readBytes } from "./read-workbook.js";

/** A cell: inline text, or `{ v, s, t }` as the XML has it. */
type Cell = string | { v: string; s?: number; t?: string } | null;

function cellXml(ref: string, cell: Cell): string {
  if (cell === null) return "";
  if (typeof cell === "string") return `<c r="${ref}" t="inlineStr"><is><t>${cell}</t></is></c>`;
  const style = cell.s === undefined ? "" : ` s="${cell.s}"`;
  const type = cell.t === undefined ? "" : ` t="${cell.t}"`;
  return type === ' t="inlineStr"'
    ? `<c r="${ref}"${style}${type}><is><t>${cell.v}</t></is></c>`
    : `<c r="${ref}"${style}${type}><v>${cell.v}</v></c>`;
}

/** What a workbook holds besides its cells: its `<dxfs>`, and XML after the sheet's rows. */
interface Extra {
  dxfs?: string;
  afterRows?: string;
}

/** A one-sheet workbook: rows of cells from row 1, style n + 1 in `formats[n]`, shared strings. */
function workbook(
  rows: Cell[][],
  formats: string[] = [],
  strings: string[] = [],
  extra: Extra = {},
): Promise<Buffer> {
  const xml = rows
    .map(
      (cells, r) =>
        `<row r="${r + 1}">${cells.map((cell, c) => cellXml(`${String.fromCharCode(65 + c)}${r + 1}`, cell)).join("")}</row>`,
    )
    .join("");
  const attribute = (text: string) =>
    text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  const parts: Record<string, string> = {
    "xl/workbook.xml": `<workbook xmlns="${MAIN}" xmlns:r="${RELS}"><sheets><sheet name="payroll" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    "xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    "xl/worksheets/sheet1.xml": `<worksheet xmlns="${MAIN}"><sheetData>${xml}</sheetData>${extra.afterRows ?? ""}</worksheet>`,
    "xl/styles.xml": `<styleSheet xmlns="${MAIN}"><numFmts count="${formats.length}">${formats.map((code, n) => `<numFmt numFmtId="${164 + n}" formatCode="${attribute(code)}"/>`).join("")}</numFmts><cellXfs count="${formats.length + 1}"><xf numFmtId="0"/>${formats.map((_, n) => `<xf numFmtId="${164 + n}" applyNumberFormat="1"/>`).join("")}</cellXfs>${extra.dxfs ?? ""}</styleSheet>`,
  };
  if (strings.length > 0)
    parts["xl/sharedStrings.xml"] =
      `<sst xmlns="${MAIN}">${strings.map((s) => `<si><t>${s}</t></si>`).join("")}</sst>`;
  return handMade(parts);
}

/**
 * A payment from `sender` (null: blank, --sender-port's) to `port` whose money cell is the
 * amount, or the budget.
 */
function row(ref: string, sender: string | null, port: string, money: Cell, budget = false): Cell[] {
  return [
    ref,
    { v: "112" },
    sender,
    { v: "300" },
    port,
    budget ? null : money,
    budget ? money : null,
    { v: "2100" },
  ];
}

/** A CLP payment by ids: reference, payer 112, ar_ars, recipient, cl_clp, amount, no budget, instruction 2100. */
function payment(reference: Cell, amount: Cell, recipient: Cell = { v: "300" }): Cell[] {
  return [reference, { v: "112" }, "ar_ars", recipient, "cl_clp", amount, null, { v: "2100" }];
}

describe("workbook formats", function () {
  this.timeout(20_000);

  it("refuses a number cell whose <v> is not a decimal number as a workbook writes one (hex, binary, Infinity, spaces, empty)", async () => {
    const { rows } = await readBytes(
      await workbook([
        HEADER,
        payment("HEX", { v: "0x5D4E" }),
        payment("BIN", { v: "0b1111101000" }),
        payment("INF", { v: "Infinity" }),
        payment("SPACES", { v: "  1000  " }),
        payment("EMPTY", { v: "" }),
        payment("ID", { v: "1000" }, { v: "0x12C" }),
        // What xsd:double allows is read: an exponent, a sign, a point at either end.
        payment("EXP", { v: "1.5e3" }),
        payment("SIGN", { v: "+2000" }),
        payment("POINT", { v: "3000." }),
      ]),
    );
    expect(outcomes(rows)).to.deep.equal([
      [2, "amount:cell_error amount:amount_hex"],
      [3, "amount:cell_error amount:amount_not_a_number"],
      [4, "amount:cell_error amount:amount_not_a_number"],
      [5, "amount:cell_error"],
      [6, "amount:cell_error amount:amount_missing"],
      [7, "recipient_user_id:cell_error recipient_user_id:id_not_numeric"],
      [8, "valid"],
      [9, "valid"],
      [10, "valid"],
    ]);
    expect(errorOf(rows, 2).split(" | ")[0]).to.equal(
      'the cell\'s value "0x5D4E" is not a number as a workbook writes one (a damaged cell); type the value again in Excel or LibreOffice and save the file',
    );
    expect(rows.map((r) => r.raw.amount)).to.deep.equal([
      "0x5D4E",
      "0b1111101000",
      "Infinity",
      "1000",
      "",
      "1000",
      "1500",
      "2000",
      "3000",
    ]);
  });
  it("refuses an amount whose number format shows another currency than its port's (amount: port; budget: sender_port); the port's own sign or code, a peso's $, a locale or plain text pass", async () => {
    const formats = [
      "[$€-2] #,##0.00",
      '#,##0.00 "USD"',
      "[$USD] #,##0",
      '"$"#,##0',
      "$#,##0.00",
      "[$-409]#,##0.00",
      '"US"\\$#,##0.00',
      '"Total "#,##0',
      '"ARS "#,##0.00',
      "[$₲-3C0] #,##0",
      "[$$-340A]#,##0",
      "[$$-es-CL] #,##0",
    ];
    /** A row paying `port` from `sender`: amount or budget a number under style `s`. */
    const n = (v: string, s: number) => ({ v, s });
    const { rows } = await readBytes(
      await workbook(
        [
          HEADER,
          row("EURO", "ar_ars", "uy_uyu", n("1234.56", 1)),
          row("USD-ON-UYU", "ar_ars", "uy_uyu", n("2000", 2)),
          row("USD-ON-USD", "ar_ars", "uy_usd", n("2000", 2)),
          row("USD-ON-CLP", "ar_ars", "cl_clp", n("500", 3)),
          row("PESO", "ar_ars", "cl_clp", n("500", 4)),
          row("PESO-MX", "ar_ars", "mx_mxn", n("500", 5)),
          row("LOCALE", "ar_ars", "uy_uyu", n("500", 6)),
          row("US$-ON-UYU", "ar_ars", "uy_uyu", n("500", 7)),
          row("US$-ON-USD", "ar_ars", "py_usd", n("500", 7)),
          row("TEXT", "ar_ars", "cl_clp", n("500", 8)),
          row("BUDGET-ARS", "ar_ars", "cl_clp", n("500", 9), true),
          row("BUDGET-USD", "us_usd", "cl_clp", n("500", 9), true),
          row("GUARANI", "ar_ars", "py_pyg", n("500", 10)),
          row("GUARANI-ON-CLP", "ar_ars", "cl_clp", n("500", 10)),
          // A sign with its locale, by id or by name: the sign is what the sheet shows.
          row("PESO-LCID", "ar_ars", "cl_clp", n("500", 11)),
          row("PESO-TAG", "ar_ars", "cl_clp", n("500", 12)),
          row("PESO-ON-PYG", "ar_ars", "py_pyg", n("500", 12)),
        ],
        formats,
      ),
    );
    expect(outcomes(rows)).to.deep.equal([
      [2, "amount:amount_currency_symbol"],
      [3, "amount:amount_currency_symbol"],
      [4, "valid"],
      [5, "amount:amount_currency_symbol"],
      [6, "valid"],
      [7, "valid"],
      [8, "valid"],
      [9, "amount:amount_currency_symbol"],
      [10, "valid"],
      [11, "valid"],
      [12, "valid"],
      [13, "budget:amount_currency_symbol"],
      [14, "valid"],
      [15, "amount:amount_currency_symbol"],
      [16, "valid"],
      [17, "valid"],
      [18, "amount:amount_currency_symbol"],
    ]);
    expect(errorOf(rows, 2)).to.equal(
      'the cell holds 1234.56 but its number format "[$€-2] #,##0.00" shows it in €, while port uy_uyu pays UYU (the port sets the currency); check the row\'s port, or format the column as Number',
    );
    expect(errorOf(rows, 13)).to.equal(
      'the cell holds 500.00 but its number format ""ARS "#,##0.00" shows it in ARS, while sender_port us_usd spends USD (the port sets the currency); check the row\'s sender_port, or format the column as Number',
    );
    expect(errorOf(rows, 9)).to.include("shows it in US$, while port uy_uyu pays UYU");
  });
  it("refuses an amount shown in an ISO unit of account the runtime's currency list may lack (Chile's UF as CLF, Uruguay's UI as UYI, Mexico's UDI as MXV)", async () => {
    const n = (v: string, s: number) => ({ v, s });
    const { rows } = await readBytes(
      await workbook(
        [
          HEADER,
          row("UF", "ar_ars", "cl_clp", n("35", 1)),
          row("UI", "ar_ars", "uy_uyu", n("5000", 2)),
          row("UDI", "ar_ars", "mx_mxn", n("5000", 3)),
          row("PESO", "ar_ars", "cl_clp", n("500", 4)),
        ],
        ["[$CLF] #,##0.00", '#,##0 "UYI"', '"MXV "#,##0', '"CLP "#,##0'],
      ),
    );
    expect(outcomes(rows)).to.deep.equal([
      [2, "amount:amount_currency_symbol"],
      [3, "amount:amount_currency_symbol"],
      [4, "amount:amount_currency_symbol"],
      [5, "valid"],
    ]);
    expect(errorOf(rows, 2)).to.include('"[$CLF] #,##0.00" shows it in CLF, while port cl_clp pays CLP');
  });

  it("judges the currency a format shows as helper-99 wrote it: the port's code beside a sign, a label, a sign's locale, a code in pieces, every section a condition may pick, a budget's --sender-port", async () => {
    const formats = [
      '"MXN $"#,##0.00',
      '"$ USD "#,##0.00',
      '"$US "#,##0.00',
      '"Total $ "#,##0.00',
      "[$$-409]#,##0.00",
      "[$$-2C0A] #,##0.00",
      "\\U\\S\\D\\ #,##0.00",
      '[<1000]"$"#,##0;"US$"#,##0',
      '#,##0.00 "Dlls."',
      '"UF "#,##0',
      '"US$"#,##0.00',
      '"U$"\\ #,##0.00',
    ];
    const { rows } = await readBytes(
      await workbook(
        [
          HEADER,
          row("MXN-ON-MXN", "ar_ars", "mx_mxn", { v: "1500", s: 1 }),
          row("$USD-ON-MXN", "ar_ars", "mx_mxn", { v: "1500", s: 2 }),
          row("$USD-ON-USD", "ar_ars", "us_usd", { v: "1500", s: 2 }),
          row("$US-ON-USD", "ar_ars", "us_usd", { v: "1500", s: 3 }),
          row("LABEL", "ar_ars", "ar_ars", { v: "1500", s: 4 }),
          row("EN-US-ON-ARS", "ar_ars", "ar_ars", { v: "1500", s: 5 }),
          row("ES-AR-ON-USD", "ar_ars", "us_usd", { v: "1500", s: 6 }),
          row("ES-AR-ON-ARS", "ar_ars", "ar_ars", { v: "1500", s: 6 }),
          row("PIECES", "ar_ars", "ar_ars", { v: "1500", s: 7 }),
          row("CONDITION", "ar_ars", "ar_ars", { v: "1500", s: 8 }),
          row("DLLS-ON-MXN", "ar_ars", "mx_mxn", { v: "1500", s: 9 }),
          row("UF-ON-CLP", "ar_ars", "cl_clp", { v: "1500", s: 10 }),
          // A blank sender_port is --sender-port's (ar_ars): the budget is in pesos.
          row("BUDGET-US$", null, "mx_mxn", { v: "1500", s: 11 }, true),
          row("U$-ON-UY-USD", "ar_ars", "uy_usd", { v: "1500", s: 12 }),
        ],
        formats,
      ),
      { senderPort: "ar_ars" },
    );
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      [3, "amount:amount_currency_symbol"],
      [4, "valid"],
      [5, "valid"],
      [6, "valid"],
      [7, "amount:amount_currency_symbol"],
      [8, "amount:amount_currency_symbol"],
      [9, "valid"],
      [10, "amount:amount_currency_symbol"],
      [11, "amount:amount_currency_symbol"],
      [12, "amount:amount_currency_symbol"],
      [13, "amount:amount_currency_symbol"],
      [14, "budget:amount_currency_symbol"],
      [15, "valid"],
    ]);
    expect(errorOf(rows, 14)).to.include("shows it in US$, while sender_port ar_ars spends ARS");
    expect(errorOf(rows, 3)).to.include("shows it in $USD, while port mx_mxn pays MXN");
  });

  it('refuses a text amount or id whose number format\'s text section does not show it as written (;;;, 0;0;0;"500", "USD "@)', async () => {
    const formats = [";;;", '0;0;0;"500"', "0;-0;;@", "#,##0;-#,##0;0;[Red]@_)", '"USD "@', "0.00", "@"];
    const text = (v: string, s: number, t = "inlineStr") => ({ v, s, t });
    const { rows } = await readBytes(
      await workbook(
        [
          HEADER,
          payment("HIDDEN", text("1000", 1)),
          payment("SHARED", text("0", 2, "s")),
          payment("FORMULA", text("1000", 1, "str")),
          // A text section that is @ (with a colour or spacing) shows the text as written.
          payment("TEXT", text("1000", 3)),
          payment("RED", text("1000", 4)),
          payment("PREFIX", text("1000", 5)),
          // No text section: Excel shows text as written.
          payment("NUMBER", text("1000", 6)),
          payment("ID", { v: "1000" }, text("301", 1)),
          payment("ID-TEXT", { v: "1000" }, text("301", 7)),
        ],
        formats,
        ["1000"],
      ),
    );
    expect(outcomes(rows)).to.deep.equal([
      [2, "amount:amount_format_mismatch"],
      [3, "amount:amount_format_mismatch"],
      [4, "amount:amount_format_mismatch"],
      [5, "valid"],
      [6, "valid"],
      [7, "amount:amount_format_mismatch"],
      [8, "valid"],
      [9, "recipient_user_id:cell_format_mismatch"],
      [10, "valid"],
    ]);
    expect(errorOf(rows, 2)).to.equal(
      'the cell holds the text "1000" but its number format ";;;" shows nothing, so the sheet shows another amount than the one that would be paid; clear the cell\'s number format (format it as General or Text) and check what it shows',
    );
    expect(errorOf(rows, 3)).to.equal(
      'the cell holds the text "1000" but its number format "0;0;0;"500"" shows it as "500", so the sheet shows another amount than the one that would be paid; clear the cell\'s number format (format it as General or Text) and check what it shows',
    );
    expect(errorOf(rows, 7)).to.match(/ shows it as "USD 1000", so /);
    expect(errorOf(rows, 9)).to.equal(
      'the cell holds the text "301" but its number format ";;;" shows nothing, so the sheet shows another id than the one that would be sent; clear the cell\'s number format (format it as General or Text) and check what it shows',
    );
  });

  it("refuses an id stored as a number whose format scales it, writes digits of its own or hides it; zero padding is the number's", async () => {
    const formats = ["0,", '0"1"', ";;;", "0000000000", "#,##0", "0%"];
    const { rows } = await readBytes(
      await workbook(
        [
          HEADER,
          payment("SCALED", { v: "1000" }, { v: "301000", s: 1 }),
          payment("LITERAL", { v: "1000" }, { v: "30", s: 2 }),
          payment("HIDDEN", { v: "1000" }, { v: "301", s: 3 }),
          payment("PADDED", { v: "1000" }, { v: "301", s: 4 }),
          payment("GROUPED", { v: "1000" }, { v: "301", s: 5 }),
          [
            "PERCENT",
            { v: "112" },
            "ar_ars",
            { v: "300" },
            "cl_clp",
            { v: "1000" },
            null,
            { v: "2100", s: 6 },
          ],
        ],
        formats,
      ),
    );
    expect(outcomes(rows)).to.deep.equal([
      [2, "recipient_user_id:cell_format_mismatch"],
      [3, "recipient_user_id:cell_format_mismatch"],
      [4, "recipient_user_id:cell_format_mismatch"],
      [5, "valid"],
      [6, "valid"],
      [7, "withdrawal_instruction_id:cell_format_mismatch"],
    ]);
    expect(errorOf(rows, 2)).to.equal(
      'the cell holds 301000 but its number format "0," shows it divided by 1,000 or more (a comma after the digits), so the sheet shows another id than the one that would be sent; clear the cell\'s number format (format it as General or Text) and check what it shows',
    );
    expect(errorOf(rows, 3)).to.match(
      /^the cell holds 30 but its number format "0"1"" writes digits or a separator of its own among the number's, so /,
    );
    expect(errorOf(rows, 4)).to.match(/^the cell holds 301 but its number format ";;;" shows nothing, so /);
    expect(errorOf(rows, 7)).to.match(
      /^the cell holds 2100 but its number format "0%" shows it as a percentage, so /,
    );
    // An id is a number (0000000301 and 301 name one user): read as the number, as ever.
    expect(rows.map((r) => r.raw.recipient_user_id)).to.deep.equal([
      "301000",
      "30",
      "301",
      "301",
      "301",
      "300",
    ]);
  });

  it("reads an account number stored as a number under a zero-padding format as the sheet shows it (0012345678), and refuses one the format hides, never showing it", async () => {
    const header = [
      "payer_user_id",
      "sender_port",
      "port",
      "amount",
      "recipient_email",
      "recipient_name",
      "recipient_tax_id",
      "bank",
      "account_type",
      "account_number",
    ];
    const payee = (account: Cell, amount = "1000"): Cell[] => [
      { v: "112" },
      "ar_ars",
      "cl_clp",
      { v: amount },
      "zeros@example.com",
      "Zeta Ceros",
      "12053214-6",
      "bco_chile",
      "checking",
      account,
    ];
    const { rows } = await readBytes(
      await workbook(
        [
          header,
          payee({ v: "12345678", s: 1 }),
          payee({ v: "12345678", s: 2 }),
          payee({ v: "12345678", s: 3, t: "inlineStr" }),
          payee({ v: "12345678", s: 4 }, "2000"),
        ],
        ["0000000000", ";;;", '0;0;0;"87654321"', "0"],
      ),
    );
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      [3, "account_number:cell_format_mismatch"],
      [4, "account_number:cell_format_mismatch"],
      [5, "valid"],
    ]);
    // As a CSV saved from the sheet gives it: the zeros are the account's.
    expect(rows.map((r) => r.raw.account_number)).to.deep.equal([
      "0012345678",
      "12345678",
      "12345678",
      "12345678",
    ]);
    expect(errorOf(rows, 3)).to.equal(
      'the cell holds a number but its number format ";;;" shows nothing, so the sheet shows another number than the one that would be sent; clear the cell\'s number format (format it as General or Text) and check what it shows',
    );
    expect(errorOf(rows, 4)).to.equal(
      'the cell holds text but its number format "0;0;0;"87654321"" shows other text, so the sheet shows another number than the one that would be sent; clear the cell\'s number format (format it as General or Text) and check what it shows',
    );
  });

  it("takes a cell's number format from <numFmts> only, never from a conditional format's <dxf> of the same id", async () => {
    const { rows } = await readBytes(
      await workbook([HEADER, payment("SCALED", { v: "1329000", s: 1 })], ["#,##0,"], [], {
        dxfs: '<dxfs count="1"><dxf><numFmt numFmtId="164" formatCode="0.00"/></dxf></dxfs>',
      }),
    );
    expect(outcomes(rows)).to.deep.equal([[2, "amount:amount_format_mismatch"]]);
    expect(errorOf(rows, 2)).to.match(
      /^the cell holds 1329000 but its number format "#,##0," shows it divided/,
    );
  });

  it("refuses a sheet whose conditional formatting gives a read column a number format (it may show 1329000 as 1,329K); colours only, or over a column not read, are no matter", async () => {
    const dxfs =
      '<dxfs count="2"><dxf><font><color rgb="FFFF0000"/></font></dxf><dxf><numFmt numFmtId="165" formatCode="#,##0,&quot;K&quot;"/></dxf></dxfs>';
    const rule = (sqref: string, dxfId: number) =>
      `<conditionalFormatting sqref="${sqref}"><cfRule type="cellIs" dxfId="${dxfId}" priority="1" operator="greaterThan"><formula>1000</formula></cfRule></conditionalFormatting>`;
    const sheet = (afterRows: string) =>
      workbook([HEADER, payment("K", { v: "1329000", s: 1 })], ["0"], [], { dxfs, afterRows });
    // Colours only; a number format over the header row or over a column not read (I).
    const fine = await readBytes(await sheet(rule("F2:F100", 0) + rule("A1:H1", 1) + rule("I:I", 1)));
    expect(outcomes(fine.rows)).to.deep.equal([[2, "valid"]]);
    const refused = await bytesRefusal(await sheet(rule("A2 F2:F100", 1)));
    expect(refused.message).to.match(
      /: sheet "payroll" has conditional formatting that changes the number format of columns A \(reference\), F \(amount\), which are read; the sheet may show some cells otherwise than they hold$/,
    );
    expect(refused.hint).to.match(
      /^remove those conditional formatting rules, or make them change colours only/,
    );
    // Excel 2010's form: the rule carries its number format, its range is an <xm:sqref>.
    const x14 = await bytesRefusal(
      await sheet(
        '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}"><x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:cfRule type="cellIs" priority="1" operator="greaterThan" id="{00000000-0000-0000-0000-000000000001}"><xm:f>1000</xm:f><x14:dxf><numFmt numFmtId="165" formatCode="0.0,"/></x14:dxf></x14:cfRule><xm:sqref>$F:$F</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>',
      ),
    );
    expect(x14.message).to.match(/number format of column F \(amount\), which is read;/);
  });

  it("reads a routing number stored as a number under a zero-padding format as the sheet shows it (021000021), as an account number", async () => {
    const header = [
      "payer_user_id",
      "sender_port",
      "port",
      "amount",
      "recipient_email",
      "recipient_name",
      "recipient_tax_id",
      "account_type",
      "account_number",
      "routing_number",
    ];
    const payee = (routing: Cell): Cell[] => [
      { v: "112" },
      "us_usd",
      "us_usd",
      { v: "100" },
      "john.smith@example.com",
      "John Smith",
      "123-45-6789",
      "savings",
      { v: "1234567890", s: 1 },
      routing,
    ];
    const { rows } = await readBytes(
      await workbook(
        [header, payee({ v: "21000021", s: 2 }), payee({ v: "21000021" })],
        ["0000000000", "000000000"],
      ),
    );
    expect(rows.map((r) => [r.line, r.raw.routing_number, r.raw.account_number])).to.deep.equal([
      [2, "021000021", "1234567890"],
      [3, "21000021", "1234567890"],
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      // As the sheet shows it: without its zero.
      [3, "routing_number:excel_leading_zero_lost"],
    ]);
  });

  it('reads a number in a text column (a reference) as the sheet shows it under zeros and text of its format\'s own (00000, "EMP-"0), and refuses any other format', async () => {
    const formats = ["00000", '"EMP-"0', "\\E\\M\\P\\-0000", '[Blue]"R"00000', "General", "@", "0"];
    const refused = ["#,##0", "0.00", '0;"neg "0', "0-00", "d/m/yyyy"];
    const reference = (v: string, format: string) => ({ v, s: [...formats, ...refused].indexOf(format) + 1 });
    const amount = (n: number) => ({ v: String(1000 + n) });
    const { rows } = await readBytes(
      await workbook(
        [
          HEADER,
          payment("01001", amount(0)),
          payment(reference("1001", "00000"), amount(1)),
          payment("EMP-1002", amount(2)),
          payment(reference("1002", '"EMP-"0'), amount(3)),
          payment(reference("1003", "\\E\\M\\P\\-0000"), amount(4)),
          payment(reference("7", '[Blue]"R"00000'), amount(5)),
          payment(reference("1004", "General"), amount(6)),
          payment(reference("1005", "@"), amount(7)),
          payment(reference("1006", "0"), amount(8)),
          // Grouped, with decimals, in sections, two runs of digits, a date; a fraction or a
          // negative number under zeros (rounded, signed).
          payment(reference("1234", "#,##0"), amount(9)),
          payment(reference("5", "0.00"), amount(10)),
          payment(reference("6", '0;"neg "0'), amount(11)),
          payment(reference("4321", "0-00"), amount(12)),
          payment(reference("46000", "d/m/yyyy"), amount(13)),
          payment(reference("1007.5", "00000"), amount(14)),
          payment(reference("-3", '"EMP-"0'), amount(15)),
        ],
        [...formats, ...refused],
      ),
    );
    expect(rows.slice(0, 9).map((r) => r.raw.reference)).to.deep.equal([
      "01001",
      "01001",
      "EMP-1002",
      "EMP-1002",
      "EMP-1003",
      "R00007",
      "1004",
      "1005",
      "1006",
    ]);
    expect(outcomes(rows)).to.deep.equal([
      [2, "valid"],
      // What the sheet shows twice is one reference: never two payments.
      [3, "reference:duplicate_reference"],
      [4, "valid"],
      [5, "reference:duplicate_reference"],
      ...[6, 7, 8, 9, 10].map((line): [number, string] => [line, "valid"]),
      ...[11, 12, 13, 14].map((line): [number, string] => [line, "reference:cell_format_mismatch"]),
      [15, "reference:cell_is_date"],
      [16, "reference:cell_format_mismatch"],
      [17, "reference:cell_format_mismatch"],
    ]);
    expect(errorOf(rows, 11)).to.equal(
      'the cell holds the number 1234 but its number format "#,##0" may show it otherwise (rounded, grouped, signed, in another section or scaled), so the sheet may show other text than would be read; format the column as Text and type the values again',
    );
  });
});
