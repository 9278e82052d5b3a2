/**
 * What a cell's number format shows (ECMA-376 part 1, 18.8.31): of a number, its shape
 * (digits and decimals, scaled, hidden, with digits of its own…), read once per format;
 * the workbook's cells are checked against it in cells.ts.
 */

/** A number format's sections (split at each `;` outside quotes). */
function sections(numFmt: string): string[] {
  return numFmt.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
}

/** A section of a number format with quoted text, escapes, fills and [brackets] removed. */
function formatCode(section: string): string {
  return section.replace(/"[^"]*"|\\.|_.|\*.|\[[^\]]*\]/g, "");
}

export type FormatShape =
  | { kind: "general" }
  | { kind: "number"; decimals: number }
  | { kind: "percent" | "date" | "scientific" | "text" }
  /** Shows the number divided by 1,000 per comma after its digits (`#,##0,` shows 1329000 as 1,329). */
  | { kind: "scaled" }
  /** Shows no digit of the number at all (`;;;`, `"-"`). */
  | { kind: "hidden" }
  /** Writes digits, or a point or comma among the number's digits, of its own (`0"."00`). */
  | { kind: "literal" }
  /** Sections with conditions (`[<1000]0;#,##0,"K"`) that show numbers of some sizes in another way. */
  | { kind: "conditional" };

const SHAPES = new Map<string, FormatShape>();

/** What a cell's number format shows of a number (a sheet has few formats: each is read once). */
export function formatShape(numFmt: string | undefined): FormatShape {
  if (numFmt === undefined) return GENERAL;
  let shape = SHAPES.get(numFmt);
  if (!shape) {
    shape = readFormat(numFmt);
    SHAPES.set(numFmt, shape);
  }
  return shape;
}

const GENERAL: FormatShape = { kind: "general" };

function readFormat(numFmt: string): FormatShape {
  if (numFmt === undefined || numFmt === "" || /^general$/i.test(numFmt.trim())) return { kind: "general" };
  const [first = "", ...others] = sections(numFmt);
  const shape = sectionShape(first);
  // Without a condition the first section shows every positive number; with one, any may.
  if (!/\[[<>=]/.test(numFmt)) return shape;
  const same = others.map(sectionShape).every((other) => other.kind === "text" || sameShape(other, shape));
  return same ? shape : { kind: "conditional" };
}

function sameShape(a: FormatShape, b: FormatShape): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Whether a section's quoted or escaped text adds a digit, or a point or comma between the
 * number's digits (`0"."00` shows 125000 as 1250.00); a currency's own point (`"Bs."`)
 * before or after the number is no part of it.
 */
function ownDigits(section: string): boolean {
  const marks = section.replace(/"[^"]*"|\\.|_.|\*.|\[[^\]]*\]|([0#?])|./g, (token, digit?: string) => {
    if (digit) return "0";
    if (!/^["\\]/.test(token)) return "";
    return /\d/.test(token) ? "D" : /[.,]/.test(token) ? "S" : "";
  });
  return marks.includes("D") || /0S+0/.test(marks);
}

function sectionShape(section: string): FormatShape {
  const code = formatCode(section);
  if (code.trim() === "@") return { kind: "text" };
  if (code.includes("%")) return { kind: "percent" };
  if (/[eE][+-]/.test(code)) return { kind: "scientific" };
  if (/general/i.test(code)) return { kind: "general" };
  if (/[dmyhsDMYHS]/.test(code)) return { kind: "date" };
  if (!/[0#?]/.test(code)) return { kind: "hidden" };
  if (/[0#?],+(?![0#?,])/.test(code)) return { kind: "scaled" };
  if (ownDigits(section)) return { kind: "literal" };
  const fraction = /\.([0#?]*)/.exec(code);
  return { kind: "number", decimals: fraction ? (fraction[1] as string).length : 0 };
}
