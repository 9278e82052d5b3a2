/**
 * What a cell's number format shows (ECMA-376 part 1, 18.8.31): of a number, its shape
 * (digits and decimals, scaled, hidden, with digits of its own…), read once per format;
 * the workbook's cells are checked against it in cells.ts.
 */

/**
 * A format's tokens: quoted text, an escaped character, a space or fill (`_x`, `*x`), a
 * [bracket], or one character; so that a `;` or `@` inside any of them is no separator.
 */
const TOKEN = /"[^"]*"?|\\.|[_*].?|\[[^\]]*\]?|./gs;

export function tokens(code: string): string[] {
  return code.match(TOKEN) ?? [];
}

/** A number format's sections (split at each `;` that is not quoted, escaped or a fill's). */
export function sections(numFmt: string): string[] {
  const all = [""];
  for (const token of tokens(numFmt)) {
    if (token === ";") all.push("");
    else all[all.length - 1] += token;
  }
  return all;
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
  if (numFmt === "" || /^general$/i.test(numFmt.trim())) return GENERAL;
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
 * number's digits (`0"."00` shows 125000 as 1250.00); a currency's own point (`"Gs."`)
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

/** A colour (`[Red]`, `[Color12]`): it changes how the text looks, not what it says. */
const COLOUR = /^\[(black|blue|cyan|green|magenta|red|white|yellow|color\s*\d{1,2})\]$/i;

/** Per format: its text section's tokens, or null when it shows a text cell as written. */
const TEXT_SECTIONS = new Map<string, string[] | null>();

/**
 * What a format shows of a text cell, or null when it shows it as written. Excel shows text
 * through the format's text section: its 4th, or else the one holding `@`; a format with
 * neither shows text as written, and so does `@` with only a colour or spacing around it
 * (`[Red]@`, `_(@_)`). `;;;` shows nothing; `0;0;0;"500"` shows 500, whatever the cell holds.
 */
export function shownText(numFmt: string | undefined, text: string): string | null {
  if (numFmt === undefined) return null;
  let section = TEXT_SECTIONS.get(numFmt);
  if (section === undefined) {
    const all = sections(numFmt).map(tokens);
    const found = all.length >= 4 ? (all[3] as string[]) : all.find((one) => one.includes("@"));
    const kept = found?.filter((token) => !COLOUR.test(token) && !/^[_*]/.test(token));
    section = found === undefined || (kept?.length === 1 && kept[0] === "@") ? null : found;
    TEXT_SECTIONS.set(numFmt, section);
  }
  if (section === null) return null;
  const shown = section
    .map((token) => {
      if (token === "@") return text;
      if (token.startsWith('"'))
        return token.slice(1, token.length > 1 && token.endsWith('"') ? -1 : undefined);
      if (token.startsWith("\\")) return token.slice(1);
      if (token.startsWith("_")) return " ";
      return token.startsWith("*") || token.startsWith("[") ? "" : token;
    })
    .join("");
  return shown === text ? null : shown;
}

/**
 * The width a format pads a whole number to with zeros, when that is all it does
 * (`0000000000` shows 12345678 as 0012345678); 0 for any other format.
 */
export function zeroPadding(numFmt: string | undefined): number {
  return numFmt !== undefined && /^0+$/.test(numFmt) ? numFmt.length : 0;
}

/** Characters a number format shows as themselves without quotes. */
const LITERAL = /^[$\-+/():!^&'~{}<>= ]$/;

/**
 * What a format shows of a number when that is certain, else null. General or `@` show it
 * as it is; one section of zeros (`00000` shows 1001 as `01001`) with text of its own
 * around them (`"EMP-"0` shows 1002 as `EMP-1002`; a colour changes nothing) shows a whole
 * number ≥ 0 padded, with that text. Any other format (decimals, `#`, grouping, sections, a
 * locale, a date…) or number (a fraction rounded, a minus sign placed) is not worked out here.
 */
export function shownNumber(numFmt: string | undefined, number: number, text: string): string | null {
  if (numFmt === undefined || /^(general|@)$/i.test(numFmt.trim())) return text;
  if (!Number.isInteger(number) || number < 0) return null;
  let shown = "";
  /** Where the digits go, their count, and whether the last token was one of them. */
  let at = -1;
  let zeros = 0;
  let inZeros = false;
  for (const token of tokens(numFmt)) {
    if (token === "0") {
      // Zeros after text after zeros ("0-0") are a second run of digits: not worked out.
      if (zeros > 0 && !inZeros) return null;
      if (at < 0) at = shown.length;
      zeros++;
      inZeros = true;
      continue;
    }
    inZeros = false;
    if (token.length > 1 && token.startsWith('"') && token.endsWith('"')) shown += token.slice(1, -1);
    else if (token.startsWith("\\") && token.length === 2) shown += token.slice(1);
    else if (LITERAL.test(token)) shown += token;
    else if (!COLOUR.test(token)) return null;
  }
  return at < 0 ? null : `${shown.slice(0, at)}${text.padStart(zeros, "0")}${shown.slice(at)}`;
}

/** A number's width in digits as a sheet draws it: a point or comma about half a digit. */
export function generalWidth(text: string): number {
  let width = 0;
  for (const character of text) width += character === "." || character === "," ? 0.5 : 1;
  return width;
}
