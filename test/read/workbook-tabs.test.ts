/**
 * Which tabs of a workbook are sheets with rows: told by their relationship's type, as
 * Excel tells them, wherever the zip keeps their parts.
 */
import { expect } from "chai";
import { bytesRefusal, HEADER, handMade, MAIN, RELS, readBytes } from "./read-workbook.js";

const PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships";

/** A sheet paying `reference` 1000 CLP, all cells inline text. */
function sheet(reference: string): string {
  const cells = (line: number, values: string[]) =>
    values
      .map((v, c) => `<c r="${String.fromCharCode(65 + c)}${line}" t="inlineStr"><is><t>${v}</t></is></c>`)
      .join("");
  return `<worksheet xmlns="${MAIN}"><sheetData><row r="1">${cells(1, HEADER)}</row><row r="2">${cells(2, [reference, "112", "ar_ars", "300", "cl_clp", "1000", "", "2100"])}</row></sheetData></worksheet>`;
}

/** A workbook whose tabs are `tabs` in order: name, relationship type (under RELS) or null for none, part. */
function workbook(
  tabs: Array<{ name: string; type: string | null; part: string; xml?: string }>,
): Promise<Buffer> {
  const parts: Record<string, string> = {
    "xl/workbook.xml": `<workbook xmlns="${MAIN}" xmlns:r="${RELS}"><sheets>${tabs.map((tab, n) => `<sheet name="${tab.name}" sheetId="${n + 1}" r:id="rId${n + 1}"/>`).join("")}</sheets></workbook>`,
    "xl/_rels/workbook.xml.rels": `<Relationships xmlns="${PACKAGE_RELS}">${tabs
      .map((tab, n) =>
        tab.type === null ? "" : `<Relationship Id="rId${n + 1}" Type="${tab.type}" Target="${tab.part}"/>`,
      )
      .join("")}</Relationships>`,
  };
  for (const tab of tabs) if (tab.xml !== undefined) parts[`xl/${tab.part}`] = tab.xml;
  return handMade(parts);
}

describe("workbook tabs", function () {
  this.timeout(20_000);

  it("reads a worksheet whose part is outside xl/worksheets/ (its place comes from the relationship), never skipping it for the next tab", async () => {
    // The first tab, kept in xl/sheets/: it was dropped, and the second tab paid.
    const tabs = [
      { name: "December", type: `${RELS}/worksheet`, part: "sheets/current.xml", xml: sheet("DEC-1") },
      { name: "November", type: `${RELS}/worksheet`, part: "worksheets/sheet2.xml", xml: sheet("NOV-1") },
    ];
    const error = await bytesRefusal(await workbook(tabs));
    expect(error.message).to.match(
      /payroll\.xlsx: 2 sheets look like payrolls: "December", "November"; which one to pay is not guessed$/,
    );
    const only = await readBytes(await workbook(tabs.slice(0, 1)));
    expect(only.rows.map((r) => r.raw.reference)).to.deep.equal(["DEC-1"]);
  });

  it("passes over a chart, dialog or macro sheet (no rows), wherever its part is, by its relationship's type", async () => {
    const { rows } = await readBytes(
      await workbook([
        { name: "Chart", type: `${RELS}/chartsheet`, part: "worksheets/sheet1.xml", xml: "<chartsheet/>" },
        {
          name: "Macro",
          type: "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
          part: "macrosheets/sheet1.xml",
        },
        {
          name: "Payroll",
          type: "http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet",
          part: "worksheets/sheet2.xml",
          xml: sheet("P-1"),
        },
      ]),
    );
    expect(rows.map((r) => r.raw.reference)).to.deep.equal(["P-1"]);
  });

  it("refuses a tab that cannot be told a worksheet or not (no relationship, or one of another type), never skipping it", async () => {
    const payroll = {
      name: "Payroll",
      type: `${RELS}/worksheet`,
      part: "worksheets/sheet2.xml",
      xml: sheet("P-1"),
    };
    const none = await bytesRefusal(
      await workbook([
        { name: "December", type: null, part: "worksheets/sheet1.xml", xml: sheet("DEC-1") },
        payroll,
      ]),
    );
    expect(none.code).to.equal("input");
    expect(none.message).to.match(
      /payroll\.xlsx: a damaged Excel workbook \(xl\/workbook\.xml: tab "December" has no relationship in xl\/_rels\/workbook\.xml\.rels, so what it holds is not known\)$/,
    );
    const other = await bytesRefusal(
      await workbook([
        { name: "December", type: `${RELS}/image`, part: "media/image1.png", xml: "x" },
        payroll,
      ]),
    );
    expect(other.message).to.match(
      /payroll\.xlsx: a damaged Excel workbook \(xl\/workbook\.xml: tab "December" is a part of type "http:\/\/schemas\.openxmlformats\.org\/officeDocument\/2006\/relationships\/image", not a worksheet, chart sheet, dialog sheet or macro sheet\)$/,
    );
  });
});
