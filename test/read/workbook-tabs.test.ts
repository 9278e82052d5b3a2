/**
 * Which tabs of a workbook are sheets with rows: told by their relationship's type, as
 * Excel tells them, wherever the zip keeps their parts.
 */
import { expect } from "chai";
import { bytesRefusal, HEADER, handMade, MAIN, RELS, readBytes } from "./read-workbook.js";

const PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships";

/** A sheet paying `reference` 1000 CLP, all cells inline text; `title`: a row of it and a blank one above the header. */
function sheet(reference: string, title?: string): string {
  const row = (line: number, values: readonly string[]) =>
    `<row r="${line}">${values
      .map((v, c) => `<c r="${String.fromCharCode(65 + c)}${line}" t="inlineStr"><is><t>${v}</t></is></c>`)
      .join("")}</row>`;
  const top = title === undefined ? 1 : 3;
  return `<worksheet xmlns="${MAIN}"><sheetData>${title === undefined ? "" : row(1, [title])}${row(top, HEADER)}${row(top + 1, [reference, "112", "ar_ars", "300", "cl_clp", "1000", "", "2100"])}</sheetData></worksheet>`;
}

/** A sheet whose tab is `name`, kept at xl/worksheets/`file`. */
const worksheet = (name: string, file: string, xml: string) => ({
  name,
  type: `${RELS}/worksheet`,
  part: `worksheets/${file}`,
  xml,
});

/**
 * A workbook whose tabs are `tabs` in order: name, relationship type (under RELS) or null for
 * none, part; `active`: the tab it opens on; `styles`: its styles part, where it is kept.
 */
function workbook(
  tabs: Array<{ name: string; type: string | null; part: string; xml?: string }>,
  more: { active?: number; styles?: { part: string; xml: string } } = {},
): Promise<Buffer> {
  const views =
    more.active === undefined ? "" : `<bookViews><workbookView activeTab="${more.active}"/></bookViews>`;
  const styles = more.styles
    ? `<Relationship Id="rIdS" Type="${RELS}/styles" Target="${more.styles.part}"/>`
    : "";
  const parts: Record<string, string> = {
    "xl/workbook.xml": `<workbook xmlns="${MAIN}" xmlns:r="${RELS}">${views}<sheets>${tabs.map((tab, n) => `<sheet name="${tab.name}" sheetId="${n + 1}" r:id="rId${n + 1}"/>`).join("")}</sheets></workbook>`,
    "xl/_rels/workbook.xml.rels": `<Relationships xmlns="${PACKAGE_RELS}">${tabs
      .map((tab, n) =>
        tab.type === null ? "" : `<Relationship Id="rId${n + 1}" Type="${tab.type}" Target="${tab.part}"/>`,
      )
      .join("")}${styles}</Relationships>`,
  };
  for (const tab of tabs) if (tab.xml !== undefined) parts[`xl/${tab.part}`] = tab.xml;
  if (more.styles) parts[`xl/${more.styles.part}`] = more.styles.xml;
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

  describe("the tab the workbook opens on (helper-107)", () => {
    const nov = worksheet("Nov", "sheet1.xml", sheet("NOV-1"));
    // This month's tab, where the operator looks, with a title above its header.
    const dec = worksheet("Dec", "sheet2.xml", sheet("DEC-1", "December payroll"));

    it("another tab than the first, holding anything: refused, naming both, never last month's first tab paid", async () => {
      const error = await bytesRefusal(await workbook([nov, dec], { active: 1 }));
      expect(error.code).to.equal("input");
      expect(error.message).to.match(
        /payroll\.xlsx: the workbook opens on sheet "Dec", a payroll too, and "Nov" is its first sheet; which one to pay is not guessed$/,
      );
      expect(error.hint).to.equal('pass --sheet "Dec" or --sheet "Nov" (nothing was sent)');
      // --sheet picks either: the title above Dec's header is named as what to delete.
      const named = await readBytes(await workbook([nov, dec], { active: 1 }), { sheet: "Nov" });
      expect(named.rows.map((r) => r.raw.reference)).to.deep.equal(["NOV-1"]);
      const title = await bytesRefusal(await workbook([nov, dec], { active: 1 }), { sheet: "Dec" });
      expect(title.message).to.match(
        /the header has: December payroll\); a title above the header\? The header must be the sheet's first filled row: delete the rows above it$/,
      );
    });

    it("a payroll tab open whose header is deep or refused (amount beside monto) is a payroll too (helper-111)", async () => {
      const cells = (line: number, values: readonly string[]) =>
        `<row r="${line}">${values.map((v, c) => `<c r="${String.fromCharCode(65 + c)}${line}" t="inlineStr"><is><t>${v}</t></is></c>`).join("")}</row>`;
      const payment = ["DEC-1", "112", "ar_ars", "300", "cl_clp", "1000", "", "2100"];
      const notes = Array.from({ length: 11 }, (_, n) => cells(n + 1, [`note ${n + 1}`]));
      const deep = `<worksheet xmlns="${MAIN}"><sheetData>${[...notes, cells(12, HEADER), cells(13, payment)].join("")}</sheetData></worksheet>`;
      const twice = `<worksheet xmlns="${MAIN}"><sheetData>${[cells(1, [...HEADER, "monto"]), cells(2, [...payment, "1000"])].join("")}</sheetData></worksheet>`;
      for (const xml of [deep, twice]) {
        const error = await bytesRefusal(
          await workbook([nov, worksheet("Dec", "sheet2.xml", xml)], { active: 1 }),
        );
        expect(error.message).to.include(
          'the workbook opens on sheet "Dec", a payroll too, and "Nov" is its first sheet',
        );
      }
    });

    it("the first tab active, or an empty or notes tab active: the first tab read, as before (helper-110)", async () => {
      const empty = worksheet("Sheet2", "sheet2.xml", `<worksheet xmlns="${MAIN}"><sheetData/></worksheet>`);
      const notes = worksheet(
        "Instrucciones",
        "sheet2.xml",
        `<worksheet xmlns="${MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Fill in one row per payment</t></is></c></row></sheetData></worksheet>`,
      );
      for (const [tabs, active] of [
        [[nov, dec], 0],
        [[nov, empty], 1],
        [[nov, notes], 1],
      ] as const) {
        const { rows } = await readBytes(await workbook([...tabs], { active }));
        expect(rows.map((r) => r.raw.reference)).to.deep.equal(["NOV-1"]);
      }
    });
  });

  it("finds the styles part by its relationship, wherever the zip keeps it: a format hiding decimals is still refused", async () => {
    // 23886.75 under "#,##0" shows 23,887: read as General (the styles not found), it was paid.
    const styled = sheet("S-1")
      .replace(">cl_clp<", ">mx_mxn<") // a currency with cents: the format alone is what is wrong
      .replace(/<c r="F2" t="inlineStr"><is><t>1000<\/t><\/is><\/c>/, '<c r="F2" s="1"><v>23886.75</v></c>');
    const styles = `<styleSheet xmlns="${MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>`;
    const { rows } = await readBytes(
      await workbook([worksheet("Payroll", "sheet1.xml", styled)], {
        styles: { part: "theme-styles.xml", xml: styles },
      }),
    );
    expect(rows.map((r) => [r.line, r.ok ? "valid" : r.errors.map((e) => e.code).join()])).to.deep.equal([
      [2, "amount_format_mismatch"],
    ]);
  });
});
