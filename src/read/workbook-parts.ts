/**
 * The parts of a workbook the sheet's cells need, read from the zip by name (its order is
 * free, ECMA-376 part 2): the tab list, the date system, whether the formulas are recalculated
 * on opening, the tab it opens on, and where each tab's XML is (xl/workbook.xml and its
 * relationships), the number formats of the cell styles and the shared strings (the parts the
 * relationships name: xl/styles.xml and xl/sharedStrings.xml as a rule, but a writer may put
 * them elsewhere). Each part is streamed from the zip, never copied.
 */
import type { FileHandle } from "node:fs/promises";
import { posix } from "node:path";
import type { CellContext } from "./cells.js";
import { entryChunks, type ZipEntry } from "./container.js";
import { sheetRows, VOLATILE } from "./sheet-xml.js";
import { type XmlEvents, XmlScanner } from "./xml-scan.js";

export interface SheetPart {
  /** The tab's name, as Excel shows it. */
  name: string;
  hidden: boolean;
  /** The zip entry holding its XML, or undefined when the workbook names none. */
  entry: ZipEntry | undefined;
}

export interface WorkbookParts extends CellContext {
  /** Every tab in the workbook's order (worksheets only: a chart sheet holds no rows). */
  sheets: SheetPart[];
  /** The conditional formats (`<dxf>`, by index) that give the cells they match a number format. */
  numberFormatDxfs: ReadonlySet<number>;
  /** The worksheet the workbook opens on (`<workbookView activeTab>`), when it names one. */
  active: string | undefined;
  /** The defined names' formulas (xl/workbook.xml `<definedName>`), for firstVolatile. */
  definedNames: readonly string[];
}

/**
 * The built-in number formats Excel writes by id only (ECMA-376 part 1, 18.8.30), as exceljs
 * names them; the others below 164 (5–8, 23–36, 41–44, 50–81) have no fixed code: each
 * computer shows them as its language says (a currency, accounting, an East Asian date), so
 * they read as General, and a money cell names them (cells.ts, `localFormat`).
 */
const BUILT_IN_FORMATS = new Map<number, string>([
  [1, "0"],
  [2, "0.00"],
  [3, "#,##0"],
  [4, "#,##0.00"],
  [9, "0%"],
  [10, "0.00%"],
  [11, "0.00E+00"],
  [12, "# ?/?"],
  [13, "# ??/??"],
  [14, "mm-dd-yy"],
  [15, "d-mmm-yy"],
  [16, "d-mmm"],
  [17, "mmm-yy"],
  [18, "h:mm AM/PM"],
  [19, "h:mm:ss AM/PM"],
  [20, "h:mm"],
  [21, "h:mm:ss"],
  [22, 'm/d/yy "h":mm'],
  [37, "#,##0 ;(#,##0)"],
  [38, "#,##0 ;[Red](#,##0)"],
  [39, "#,##0.00 ;(#,##0.00)"],
  [40, "#,##0.00 ;[Red](#,##0.00)"],
  [45, "mm:ss"],
  [46, "[h]:mm:ss"],
  [47, "mmss.0"],
  [48, "##0.0E+0"],
  [49, "@"],
]);

/** Streams one entry's XML through the scanner; a fault names the part. */
async function parsePart(handle: FileHandle, entry: ZipEntry, events: Partial<XmlEvents>): Promise<void> {
  const scanner = new XmlScanner({ open() {}, close() {}, ...events });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const chunk of entryChunks(handle, entry))
      scanner.write(decoder.decode(chunk, { stream: true }));
    scanner.write(decoder.decode());
    scanner.end();
  } catch (error) {
    throw new Error(`${entry.name}: ${(error as Error).message}`);
  }
}

/** A relationship target as a zip entry name (relative to xl/, or absolute from the root). */
function partName(target: string): string {
  return target.startsWith("/") ? target.slice(1) : posix.normalize(`xl/${target}`);
}

interface Relationship {
  /** The zip entry name. */
  part: string;
  /** What the part is (`…/relationships/worksheet`). */
  type: string;
}

/** Relationship id → its part and type, from xl/_rels/workbook.xml.rels. */
async function relationships(
  handle: FileHandle,
  entry: ZipEntry | undefined,
): Promise<Map<string, Relationship>> {
  const targets = new Map<string, Relationship>();
  if (!entry) return targets;
  await parsePart(handle, entry, {
    open(name, attributes) {
      if (name !== "Relationship" || attributes.get("TargetMode") === "External") return;
      const id = attributes.get("Id");
      const target = attributes.get("Target");
      if (id && target) targets.set(id, { part: partName(target), type: attributes.get("Type") ?? "" });
    },
  });
  return targets;
}

/**
 * The tabs that hold no rows, by the last word of their relationship's type (the same under
 * transitional and strict OOXML's namespaces, and Microsoft's for Excel 4 macro sheets).
 */
const NO_ROWS = new Set(["chartsheet", "dialogsheet", "macrosheet", "xlMacrosheet", "xlIntlMacrosheet"]);

/**
 * A tab's part when it is a worksheet, null when it is a tab without rows. As Excel, by its
 * relationship's type, never by where the zip keeps it (`xl/sheets/current.xml` is as
 * good as `xl/worksheets/sheet1.xml`); a tab that cannot be told is refused, never skipped:
 * skipping it would pay the next tab instead.
 */
function worksheetPart(name: string, relationship: Relationship | undefined): string | null {
  if (!relationship) {
    throw new Error(
      `tab "${name}" has no relationship in xl/_rels/workbook.xml.rels, so what it holds is not known`,
    );
  }
  const kind = relationship.type.slice(relationship.type.lastIndexOf("/") + 1);
  if (kind === "worksheet") return relationship.part;
  if (NO_ROWS.has(kind)) return null;
  throw new Error(
    `tab "${name}" is a part of type "${relationship.type}", not a worksheet, chart sheet, dialog sheet or macro sheet`,
  );
}

/** Custom formats are numbered from 164; below, a built-in id the file need not define. */
const FIRST_CUSTOM = 164;

/** Per style index: the number format code (undefined: General), or the language-dependent built-in id. */
async function numberFormats(
  handle: FileHandle,
  entry: ZipEntry | undefined,
): Promise<{ codes: Array<string | undefined>; local: Array<number | undefined>; dxfs: Set<number> }> {
  const custom = new Map<number, string>();
  const ids: number[] = [];
  const dxfs = new Set<number>();
  if (entry) {
    let inCellXfs = false;
    /** The `<dxf>` being read (its index), -1 outside; those of an `<extLst>` are another list. */
    let dxf = -1;
    let dxfCount = 0;
    let inExtension = 0;
    // Only `<numFmts>` defines the cells' formats: a conditional format's `<dxf>` holds a
    // `<numFmt>` too, often with an id of the list's, which must not replace the cell's own.
    let inNumFmts = false;
    await parsePart(handle, entry, {
      open(name, attributes) {
        const id = attributes.get("numFmtId");
        if (name === "numFmt" && inNumFmts && id !== undefined)
          custom.set(Number(id), attributes.get("formatCode") ?? "");
        else if (name === "numFmts") inNumFmts = true;
        else if (name === "cellXfs") inCellXfs = true;
        else if (name === "xf" && inCellXfs) ids.push(Number(id ?? 0));
        else if (name === "extLst") inExtension++;
        else if (name === "dxf" && inExtension === 0) dxf = dxfCount++;
        else if (name === "numFmt" && dxf >= 0) dxfs.add(dxf);
      },
      close(name) {
        if (name === "cellXfs") inCellXfs = false;
        else if (name === "numFmts") inNumFmts = false;
        else if (name === "extLst") inExtension--;
        else if (name === "dxf" && inExtension === 0) dxf = -1;
      },
    });
  }
  const codes = ids.map((id) => (id ? (custom.get(id) ?? BUILT_IN_FORMATS.get(id)) : undefined));
  const local = ids.map((id, style) =>
    id > 0 && id < FIRST_CUSTOM && codes[style] === undefined ? id : undefined,
  );
  return { codes, local, dxfs };
}

/**
 * The shared strings: each `<si>`'s text, its rich-text runs joined, without the phonetic
 * guide (`<rPh>`) East Asian text may carry.
 */
async function sharedStrings(handle: FileHandle, entry: ZipEntry | undefined): Promise<string[]> {
  const strings: string[] = [];
  if (!entry) return strings;
  let text = "";
  let inText = false;
  let inPhonetic = false;
  await parsePart(handle, entry, {
    open(name) {
      if (name === "si") text = "";
      else if (name === "t") inText = !inPhonetic;
      else if (name === "rPh") inPhonetic = true;
    },
    text(value) {
      if (inText) text += value;
    },
    close(name) {
      if (name === "t") inText = false;
      else if (name === "rPh") inPhonetic = false;
      else if (name === "si") strings.push(text);
    },
  });
  return strings;
}

/**
 * The first volatile function (sheet-xml.ts VOLATILE) of the workbook outside the sheet read,
 * and where: the other worksheets' formulas (a shared formula's text is its first cell's) and
 * the defined names (a named range may be an OFFSET). The sheet read is searched as it is read
 * (SheetEnd.volatile): searched here too, a 100,000-row sheet was inflated twice.
 */
export async function firstVolatile(
  handle: FileHandle,
  sheets: readonly SheetPart[],
  names: readonly string[],
): Promise<string | undefined> {
  for (const formula of names) {
    const found = VOLATILE.exec(formula)?.[1];
    if (found) return `${found.toUpperCase()}() in a defined name`;
  }
  for (const sheet of sheets) {
    // Most sheets name none of them anywhere: told by a search of the text, then read as the
    // sheet read is (sheet-xml.ts), to the end, where its first such formula is known.
    if (!sheet.entry || !(await mentions(handle, sheet.entry, VOLATILE))) continue;
    const rows = sheetRows(entryChunks(handle, sheet.entry));
    let next = await rows.next();
    while (!next.done) next = await rows.next();
    const found = next.value.volatile;
    if (found) return `${found.name} in sheet "${sheet.name}", cell ${found.cell}`;
  }
  return undefined;
}

/** Whether a part's text holds a match of `pattern` (one that spans at most 32 characters). */
async function mentions(handle: FileHandle, entry: ZipEntry, pattern: RegExp): Promise<boolean> {
  const decoder = new TextDecoder("utf-8");
  let tail = "";
  for await (const chunk of entryChunks(handle, entry)) {
    const text = tail + decoder.decode(chunk, { stream: true });
    if (pattern.test(text)) return true;
    tail = text.slice(-32);
  }
  return false;
}

/** The workbook's tabs, date system, number formats and shared strings. */
export async function readParts(handle: FileHandle, entries: readonly ZipEntry[]): Promise<WorkbookParts> {
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const rels = await relationships(handle, byName.get("xl/_rels/workbook.xml.rels"));
  const tabs: Array<{ name: string; hidden: boolean; part: string | null }> = [];
  /** The first view's tab, by its place among every tab (chart sheets too). */
  let activeTab: number | undefined;
  let date1904 = false;
  let recalculatedOnOpening = false;
  const definedNames: string[] = [];
  let definedName: string | null = null;
  const workbook = byName.get("xl/workbook.xml");
  if (workbook) {
    await parsePart(handle, workbook, {
      text(value) {
        if (definedName !== null) definedName += value;
      },
      close(name) {
        if (name !== "definedName" || definedName === null) return;
        definedNames.push(definedName);
        definedName = null;
      },
      open(name, attributes) {
        if (name === "definedName") definedName = "";
        else if (name === "workbookPr") {
          const date1904Text = attributes.get("date1904");
          date1904 = date1904Text === "1" || date1904Text === "true";
        } else if (name === "workbookView" && activeTab === undefined) {
          activeTab = Number(attributes.get("activeTab") ?? 0);
        } else if (name === "calcPr") {
          const full = attributes.get("fullCalcOnLoad");
          recalculatedOnOpening = full === "1" || full === "true";
        } else if (name === "sheet") {
          const id = attributes.getLocal("id");
          const state = attributes.get("state");
          const name = attributes.get("name") ?? "";
          tabs.push({
            name,
            hidden: state === "hidden" || state === "veryHidden",
            part: worksheetPart(name, id === undefined ? undefined : rels.get(id)),
          });
        }
      },
    });
  }
  const sheets = tabs.flatMap(({ name, hidden, part }) =>
    part === null ? [] : [{ name, hidden, entry: byName.get(part) }],
  );
  // As the sheets, each part where the workbook's relationships put it (the usual name else).
  const part = (type: string, usual: string) =>
    byName.get([...rels.values()].find((rel) => rel.type.endsWith(`/${type}`))?.part ?? usual);
  const formats = await numberFormats(handle, part("styles", "xl/styles.xml"));
  const strings = await sharedStrings(handle, part("sharedStrings", "xl/sharedStrings.xml"));
  const opened = activeTab === undefined ? undefined : tabs[activeTab];
  return {
    sheets,
    definedNames,
    active: opened?.part ? opened.name : undefined,
    date1904,
    recalculatedOnOpening,
    numberFormatDxfs: formats.dxfs,
    numFmt: (style) => formats.codes[style],
    localFormat: (style) => formats.local[style],
    sharedString: (index) => strings[index],
  };
}
