/**
 * A worksheet's XML → its rows, streamed: the smallest SAX reading of SpreadsheetML that keeps
 * what a payroll must not lose (ECMA-376 part 1, 18.3.1): which rows and columns are hidden,
 * which cells are merged, and the `<v>` text of a number (never a parsed float). exceljs' row reader is
 * not used because it drops all three.
 */
import type { SheetCell } from "./cells.js";
import { XmlScanner } from "./xml-scan.js";

export interface SheetRow {
  /** The sheet's row number (1-based), as Excel shows it. */
  line: number;
  hidden: boolean;
  /** By column index (0 = A); holes are empty cells. */
  cells: Array<SheetCell | undefined>;
  /** The sheet's columns (one object for every row: `<cols>` comes before the rows). */
  columns: ColumnWidths;
}

/**
 * How wide a number in the General format may be in a column, in digits: the column's width
 * (`<col width>`, else `<sheetFormatPr defaultColWidth>`, both counting 5 pixels of padding,
 * a digit being 7; else `baseColWidth`, 8 by default), and never more than 11, General's own
 * limit. A wider number is shown rounded (123456.78 as 123456.8), or as 1.2E+09 (helper-107).
 * Not rounded down: a point is narrower than a digit (number-format.ts generalWidth), and
 * LibreOffice's default width, 8.54, shows 44328.25 whole (helper-110).
 */
export interface ColumnWidths {
  generalRoom(column: number): number;
}

/** General's own limit, whatever the width (Microsoft, KB 65903). */
const GENERAL_MOST = 11;
const PADDING_CHARACTERS = 5 / 7;

/** A merged range, as 1-based rows and 0-based columns, with its A1 text. */
export interface MergedRange {
  ref: string;
  top: number;
  bottom: number;
}

/** An array formula's `ref` ("F2:F40", or "F2" alone) as the rows and columns it fills. */
function arrayRange(ref: string | undefined) {
  const [from, to = from] = (ref ?? "").split(":");
  if (!from || !to) return null;
  const [top, bottom] = [rowOf(from), rowOf(to)];
  const [left, right] = [columnIndex(from.replace(/\$/g, "")), columnIndex(to.replace(/\$/g, ""))];
  return top > 0 && bottom >= top && left >= 0 && right >= left ? { top, bottom, left, right } : null;
}

/** "B12" → 1 (column index); "AA3" → 26. */
export function columnIndex(ref: string): number {
  let index = 0;
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i);
    if (code < 65 || code > 90) break;
    index = index * 26 + (code - 64);
  }
  return index - 1;
}

/**
 * A row or column drawn with no room to read its cells: a height under 3 points (a line of the
 * smallest text Excel offers, 1 point, is 3 points tall), a width under one character (a number
 * shows as "#", text not at all). helper-107: a row 0.75 points tall was paid, nobody saw it.
 */
const MIN_HEIGHT_POINTS = 3;
const MIN_WIDTH_CHARACTERS = 1;
const tooSmall = (size: string | undefined, least: number) =>
  size !== undefined && size.trim() !== "" && Number(size) < least;

function rowOf(ref: string): number {
  return Number(/\d+/.exec(ref)?.[0] ?? "0");
}

/**
 * A cell's reference names its own row, after the row's previous cell: a spreadsheet puts
 * a cell where its reference says, so one written elsewhere would be read in another row.
 */
function cellInPlace(ref: string, column: number, previous: number, line: number): void {
  if (column < 0 || !/^[A-Z]+[1-9]\d*$/.test(ref))
    throw new Error(`cell "${ref}" is not a cell reference such as ${ref.toUpperCase()}`);
  if (rowOf(ref) !== line) throw new Error(`cell ${ref} is written in row ${line}`);
  if (column <= previous)
    throw new Error(
      `cell ${ref} comes after cell ${columnLetter(previous)}${line} in row ${line}; a spreadsheet shows one cell per column, in order`,
    );
}

/** A conditional format: the ranges it covers and what its rules may apply. */
export interface ConditionalFormat {
  /** `F2:F100 H2`, as the sheet writes it. */
  sqref: string;
  /** The styles' `<dxf>` its rules apply (by index). */
  dxfIds: number[];
  /** A rule of its own carries a number format (Excel 2010's `<x14:dxf>` inside the rule). */
  numFmt: boolean;
}

/**
 * The functions Excel and LibreOffice calculate again at every opening, and with them every
 * formula that depends on them: a saved result of such a workbook is what the sheet showed
 * when it was saved, not what it shows when it is opened (helper-107: `=IF(TODAY()>…,500,100)`
 * saved as 100 was paid 100 while both programs showed 500).
 */
export const VOLATILE =
  /(?<![\w.])(?:_xlfn\.)?(NOW|TODAY|RAND|RANDBETWEEN|RANDARRAY|OFFSET|INDIRECT|CELL|INFO)\s*\(/i;

export interface SheetEnd {
  /** The sheet's first formula using a VOLATILE function (`TODAY()`, and its cell `F2`), if any. */
  volatile?: { name: string; cell: string };
  merged: MergedRange[];
  /** Hidden columns (`<col hidden="1">`), as 0-based inclusive ranges. */
  hiddenColumns: Array<{ from: number; to: number }>;
  conditionalFormats: ConditionalFormat[];
}

/** 0 → "A", 26 → "AA": a column as Excel names it. */
export function columnLetter(index: number): string {
  let name = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/**
 * The rows of a sheet in batches (one per chunk of XML), then, returned when done, what only
 * the end of the sheet says (merged ranges come after the rows).
 */
export async function* sheetRows(xml: AsyncIterable<Buffer | string>): AsyncGenerator<SheetRow[], SheetEnd> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let batch: SheetRow[] = [];
  const merged: MergedRange[] = [];
  const hiddenColumns: SheetEnd["hiddenColumns"] = [];
  const conditionalFormats: ConditionalFormat[] = [];
  let conditional: ConditionalFormat | null = null;
  let row: SheetRow | null = null;
  const widths: Array<{ from: number; to: number; width: number }> = [];
  let defaultWidth: number | undefined;
  let baseWidth = 8;
  const columns: ColumnWidths = {
    generalRoom(column) {
      const width = widths.find((span) => column >= span.from && column <= span.to)?.width ?? defaultWidth;
      return Math.min(GENERAL_MOST, width === undefined ? baseWidth : width - PADDING_CHARACTERS);
    },
  };
  /** The cells array formulas fill (their `ref`), as read so far. */
  const arrays: Array<{ top: number; bottom: number; left: number; right: number }> = [];
  let cell: SheetCell | null = null;
  let column = -1;
  let lastLine = 0;
  /** Where text goes: the cell's value, (inside <is>) its inline string, or a conditional format's range. */
  let capture: "v" | "t" | "sqref" | "f" | null = null;
  let volatile: SheetEnd["volatile"];
  let inInline = false;
  let inPhonetic = false;
  let text = "";
  const scanner = new XmlScanner({
    open(name, attributes) {
      switch (name) {
        case "row": {
          const r = attributes.get("r");
          const line = r ? Number(r) : lastLine + 1;
          // A spreadsheet shows one row per number (the later one's cells over the earlier),
          // so a repeated row would pay a row nobody saw.
          if (!(line > lastLine))
            throw new Error(
              `row ${line} comes after row ${lastLine}; a spreadsheet shows one row per number, in order`,
            );
          lastLine = line;
          const hiddenText = attributes.get("hidden");
          // A row too low to read shows nothing either.
          const hidden =
            hiddenText === "1" || hiddenText === "true" || tooSmall(attributes.get("ht"), MIN_HEIGHT_POINTS);
          row = { line, hidden, cells: [], columns };
          column = -1;
          break;
        }
        case "c":
          if (!row) break;
          {
            const r = attributes.get("r");
            const style = attributes.get("s");
            const previous = column;
            column = r ? columnIndex(r) : column + 1;
            if (r) cellInPlace(r, column, previous, row.line);
            const line = row.line;
            cell = {
              type: attributes.get("t"),
              style: style ? Number(style) : 0,
              value: undefined,
              // A cell an array formula fills (Excel writes the formula in its first cell only)
              // holds that formula's result too, not a value typed in.
              formula: arrays.some(
                (a) => line >= a.top && line <= a.bottom && column >= a.left && column <= a.right,
              ),
            };
            break;
          }
        case "f": {
          if (cell) cell.formula = true;
          // Its text, while no volatile function was found (a shared formula's is its first cell's).
          if (row && volatile === undefined) {
            capture = "f";
            text = "";
          }
          const range = attributes.get("t") === "array" ? arrayRange(attributes.get("ref")) : null;
          if (range) arrays.push(range);
          break;
        }
        case "v":
          if (cell) {
            capture = "v";
            text = "";
          }
          break;
        case "is":
          if (cell) {
            inInline = true;
            text = "";
          }
          break;
        case "t":
          if (inInline && !inPhonetic) capture = "t";
          break;
        case "rPh": // phonetic guide of East Asian text: not part of the value
          inPhonetic = true;
          break;
        case "col": {
          const hiddenText = attributes.get("hidden");
          const unseen =
            hiddenText === "1" ||
            hiddenText === "true" ||
            tooSmall(attributes.get("width"), MIN_WIDTH_CHARACTERS);
          const min = Number(attributes.get("min"));
          const max = Number(attributes.get("max") ?? min);
          if (unseen && min >= 1 && max >= min) hiddenColumns.push({ from: min - 1, to: max - 1 });
          const width = Number(attributes.get("width") ?? Number.NaN);
          if (Number.isFinite(width) && min >= 1 && max >= min)
            widths.push({ from: min - 1, to: max - 1, width });
          break;
        }
        case "sheetFormatPr": {
          const width = Number(attributes.get("defaultColWidth") ?? Number.NaN);
          if (Number.isFinite(width)) defaultWidth = width;
          const base = Number(attributes.get("baseColWidth") ?? Number.NaN);
          if (Number.isFinite(base)) baseWidth = base;
          break;
        }
        case "conditionalFormatting":
          conditional = { sqref: attributes.get("sqref") ?? "", dxfIds: [], numFmt: false };
          break;
        case "cfRule": {
          const id = attributes.get("dxfId");
          if (conditional && id !== undefined) conditional.dxfIds.push(Number(id));
          break;
        }
        case "numFmt":
          if (conditional) conditional.numFmt = true;
          break;
        case "sqref":
          if (conditional) {
            capture = "sqref";
            text = "";
          }
          break;
        case "mergeCell": {
          const ref = attributes.get("ref") ?? "";
          const [from, to = from] = ref.split(":") as [string, string?];
          merged.push({ ref, top: rowOf(from), bottom: rowOf(to as string) });
          break;
        }
      }
    },
    text(value) {
      if (capture) text += value;
    },
    close(name) {
      switch (name) {
        case "v":
          if (cell && capture === "v") cell.value = text;
          capture = null;
          break;
        case "f": {
          const hit = capture === "f" && row ? VOLATILE.exec(text)?.[1] : undefined;
          if (hit && row)
            volatile = {
              name: `${hit.toUpperCase()}()`,
              cell: `${columnLetter(Math.max(column, 0))}${row.line}`,
            };
          if (capture === "f") capture = null;
          break;
        }
        case "t":
          if (capture === "t") capture = null;
          break;
        case "rPh":
          inPhonetic = false;
          break;
        case "sqref":
          if (conditional && capture === "sqref") conditional.sqref += ` ${text}`;
          capture = null;
          break;
        case "conditionalFormatting":
          if (conditional) conditionalFormats.push(conditional);
          conditional = null;
          break;
        case "is":
          if (cell) cell.value = text;
          inInline = false;
          capture = null;
          break;
        case "c":
          if (row && cell && column >= 0) row.cells[column] = cell;
          cell = null;
          break;
        case "row":
          if (row) batch.push(row);
          row = null;
          break;
      }
    },
  });
  for await (const chunk of xml) {
    scanner.write(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  scanner.write(decoder.decode());
  scanner.end();
  if (batch.length > 0) yield batch;
  return { merged, hiddenColumns, conditionalFormats, ...(volatile === undefined ? {} : { volatile }) };
}
