/**
 * The XML scanner the workbook reader reads every part with: the events it gives for what
 * Office writers put in a part, wherever the chunks are cut, and what it refuses as damage.
 */
import { expect } from "chai";
import { decodeXml, XmlScanner } from "../../src/read/xml-scan.js";
import { bytesRefusal, handMade, MAIN, RELS } from "./read-workbook.js";

type Event = ["open", string, Record<string, string>] | ["text", string] | ["close", string];

/** The events of `xml` fed in the given pieces, adjacent text joined (one node may come in pieces). */
function scan(pieces: readonly string[]): Event[] {
  const events: Event[] = [];
  const scanner = new XmlScanner({
    open: (name, attributes) => events.push(["open", name, Object.fromEntries(attributes.entries())]),
    text: (value) => {
      const last = events.at(-1);
      if (last?.[0] === "text") last[1] += value;
      else events.push(["text", value]);
    },
    close: (name) => events.push(["close", name]),
  });
  for (const piece of pieces) scanner.write(piece);
  scanner.end();
  return events;
}

function scanError(xml: string): string {
  try {
    scan([xml]);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the XML to be refused");
}

const PART = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- written by hand --><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
  ><x:row r='2' hidden="1"><x:c r="A2" t="inlineStr"><x:is><x:t xml:space="preserve">a &amp; b &lt;c&gt; &#233;&#x20AC; "q" 'a'</x:t></x:is></x:c
  ><x:c r="B2" note="1 > 0 &quot;x&quot;"/><x:c r="C2"><x:v><![CDATA[<raw & kept>]]></x:v></x:c></x:row><?pi data?></x:worksheet>
`;

const EVENTS: Event[] = [
  ["text", "\n"],
  ["open", "worksheet", { "xmlns:x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main" }],
  ["open", "row", { r: "2", hidden: "1" }],
  ["open", "c", { r: "A2", t: "inlineStr" }],
  ["open", "is", {}],
  ["open", "t", { "xml:space": "preserve" }],
  ["text", `a & b <c> é€ "q" 'a'`],
  ["close", "t"],
  ["close", "is"],
  ["close", "c"],
  ["open", "c", { r: "B2", note: '1 > 0 "x"' }],
  ["close", "c"],
  ["open", "c", { r: "C2" }],
  ["open", "v", {}],
  ["text", "<raw & kept>"],
  ["close", "v"],
  ["close", "c"],
  ["close", "row"],
  ["close", "worksheet"],
  ["text", "\n"],
];

describe("XML scanner", () => {
  it("reads elements without their prefix, quoted attributes, entities, CDATA; skips comments and declarations", () => {
    expect(scan([PART])).to.deep.equal(EVENTS);
  });

  it("gives the same events wherever the chunks are cut (tags, entities, CDATA, comments across chunks)", () => {
    for (let cut = 1; cut < PART.length; cut++) {
      expect(scan([PART.slice(0, cut), PART.slice(cut)]), `cut at ${cut}`).to.deep.equal(EVENTS);
    }
    expect(scan([...PART])).to.deep.equal(EVENTS);
  });

  it("gives a long text as it comes, never holding it whole, an entity or CR LF cut by a chunk read whole", () => {
    const given: string[] = [];
    const scanner = new XmlScanner({ open() {}, close() {}, text: (value) => given.push(value) });
    scanner.write("<t>abc &am");
    scanner.write("p; d\r");
    scanner.write("\nef");
    scanner.write("gh</t>");
    scanner.end();
    expect(given).to.deep.equal(["abc ", "& d", "\nef", "gh"]);
  });

  it("reads line ends as XML does and leaves text without entities as it is", () => {
    expect(decodeXml("a\r\nb\rc\nd")).to.equal("a\nb\nc\nd");
    expect(decodeXml("plain text")).to.equal("plain text");
    expect(decodeXml("&#x1F600;&#65;&apos;")).to.equal("😀A'");
  });

  it("refuses what no workbook holds: a DTD, an unknown entity, a stray close tag, an unquoted attribute, a cut document", () => {
    expect(scanError(`<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>`)).to.equal(
      "a document type declaration, which no workbook holds",
    );
    expect(scanError("<x>&nbsp;</x>")).to.equal('an unknown entity "&nbsp"');
    expect(scanError("<x>AT&T</x>")).to.equal('an unknown entity "&"');
    expect(scanError("<x>&#0;</x>")).to.equal('an unknown entity "&#0"');
    expect(scanError("<x><y></x>")).to.equal("</x> closes <y>");
    expect(scanError("<x r=2/>")).to.equal("<x>: attribute r has no quotes");
    expect(scanError("<x><y/>")).to.equal("the XML ends inside <x>");
    expect(scanError('<x><y a="1')).to.equal("the XML ends inside a tag");
  });
  it("refuses markup left unfinished past 1 MB (a comment, CDATA section, tag or entity), so that no chunk copies more than that again", () => {
    const chunk = "a".repeat(1 << 16);
    for (const start of ["<!--", "<![CDATA[", '<c r="', "<c", "<?pi ", "&amp"]) {
      const scanner = new XmlScanner({ open() {}, close() {}, text() {} });
      scanner.write(`<worksheet>${start}`);
      let written = 0;
      let message = "";
      try {
        // 64 chunks of 64 KB: 4 MB held and copied again at each chunk (16 MB: 34 s) without a bound.
        for (; written < 64; written++) scanner.write(chunk);
      } catch (error) {
        message = (error as Error).message;
      }
      // The 16th chunk takes it past 1 MB: 15 were written.
      expect([start, written, message]).to.deep.equal([
        start,
        15,
        "a tag, comment, CDATA section or entity runs on for more than 1 MB without its end, which no spreadsheet writer writes",
      ]);
    }
  });

  it("refuses a sheet holding a comment of several MB as a damaged workbook (exit 2), naming the part", async () => {
    const bytes = await handMade({
      "xl/workbook.xml": `<workbook xmlns="${MAIN}" xmlns:r="${RELS}"><sheets><sheet name="payroll" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      "xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      "xl/worksheets/sheet1.xml": `<worksheet xmlns="${MAIN}"><!--${"a".repeat(8 << 20)}--><sheetData/></worksheet>`,
    });
    const error = await bytesRefusal(bytes);
    expect(error.code).to.equal("input");
    expect(error.message).to.match(
      /payroll\.xlsx: a damaged Excel workbook \(xl\/worksheets\/sheet1\.xml: a tag, comment, CDATA section or entity runs on for more than 1 MB without its end, which no spreadsheet writer writes\)$/,
    );
  });
});
