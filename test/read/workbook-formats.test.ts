/**
 * What the sheet shows against what the cell holds, in workbooks written by hand (exceljs
 * cannot write a damaged `<v>` nor every style): a number's `<v>` text, a text cell under a
 * format with a text section, an id or account number under a format that is not plain.
 */
import { expect } from "chai";
import { errorOf, HEADER, handMade, MAIN, outcomes, RELS, readBytes } from "./read-workbook.js";

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

/** A one-sheet workbook: rows of cells from row 1, style n + 1 in `formats[n]`, shared strings. */
function workbook(rows: Cell[][], formats: string[] = [], strings: string[] = []): Promise<Buffer> {
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
    "xl/worksheets/sheet1.xml": `<worksheet xmlns="${MAIN}"><sheetData>${xml}</sheetData></worksheet>`,
    "xl/styles.xml": `<styleSheet xmlns="${MAIN}"><numFmts count="${formats.length}">${formats.map((code, n) => `<numFmt numFmtId="${164 + n}" formatCode="${attribute(code)}"/>`).join("")}</numFmts><cellXfs count="${formats.length + 1}"><xf numFmtId="0"/>${formats.map((_, n) => `<xf numFmtId="${164 + n}" applyNumberFormat="1"/>`).join("")}</cellXfs></styleSheet>`,
  };
  if (strings.length > 0)
    parts["xl/sharedStrings.xml"] =
      `<sst xmlns="${MAIN}">${strings.map((s) => `<si><t>${s}</t></si>`).join("")}</sst>`;
  return handMade(parts);
}

/** A CLP payment by ids: reference, payer 112, ar_ars, recipient, cl_clp, amount, no budget, instruction 2100. */
function payment(reference: string, amount: Cell, recipient: Cell = { v: "300" }): Cell[] {
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
});
