/**
 * One workbook cell → the text the record pipeline reads, exactly, with the problem a CSV
 * could not have shown (the cell's type says what Excel did to it):
 *
 *  - Text cells stay text: "0012345" keeps its zeros, a 20-digit account all its digits.
 *    In a money, id or account column, a format whose text section shows other text (`;;;`
 *    nothing, `0;0;0;"500"` 500) is refused: `amount_format_mismatch`, `cell_format_mismatch`.
 *  - A number's `<v>` is a decimal as a workbook writes it, or a damaged cell (`cell_error`).
 *    An id, account number or tax id is checked against its format as an amount is
 *    (`cell_format_mismatch`, idNumber); an account under `0000000000` reads as shown.
 *  - In any other column a number reads as the sheet shows it (`00000`: 01001, `"EMP-"0`:
 *    EMP-1002, a routing number under `000000000`: 021000021), or the row is invalid
 *    (`cell_format_mismatch`, `cell_is_date`) when that is not certain (shownNumber).
 *  - A number is its shortest round-trip decimal (what the double holds, no float money):
 *    `<v>1250.5</v>` → "1250.5", shown with the decimals its number format shows ("1250.50"
 *    for "#,##0.00", as a CSV export of the sheet writes it). In an id column, a number longer than 15 digits has lost its
 *    last digits (Excel keeps 15): `excel_damaged_number`; so has one in an account number or
 *    tax id column (a check digit may still match: Excel's zeros are not told from the digits). In a money column it is checked
 *    against the cell's number format: a value with more decimals than the format shows is
 *    not what the sheet shows (`amount_format_mismatch`), nor is one its format scales
 *    (`#,##0,`: thousands), writes with digits or a point of its own (`0"."00`: cents),
 *    does not show (`;;;`) or may show in another section chosen by a
 *    condition (`[<1000]0;#,##0,"K"`); a percentage or a date is not
 *    an amount. The currency's decimals are checked later, like any amount.
 *  - A formula is read by its cached value; one with none (a file written by a program that
 *    does not calculate) is `formula_no_value`; in a workbook that asks to be recalculated on
 *    opening, any formula is `formula_not_calculated`. An error value (#N/A) is `cell_error`.
 */
import type { InputColumnSpec, RecordProblem } from "../model.js";
import { formatCurrencies } from "./format-currency.js";
import { formatShape, generalWidth, shownNumber, shownText, zeroPadding } from "./number-format.js";

export { type FormatShape, formatShape } from "./number-format.js";

/** The fix for an id Excel stored as a number (validate/ids.ts says it of a CSV's text too). */
export const EXCEL_HINT =
  "re-export the column as text (in Excel: format the column as Text, then paste the ids again)";

/** A cell as the sheet's XML has it. */
export interface SheetCell {
  /** The `t` attribute: s, str, inlineStr, b, e, n (or absent: n). */
  type: string | undefined;
  /** The `s` attribute: index of the cell's style. */
  style: number;
  /** The `<v>` text, or the `<is>` text of an inline string. */
  value: string | undefined;
  /** The cell holds a formula (`<f>`), whatever its text (a shared formula has none). */
  formula: boolean;
}

export interface CellContext {
  sharedString(index: number): string | undefined;
  numFmt(style: number): string | undefined;
  /** The built-in format id whose look depends on the computer's language, if the style has one. */
  localFormat(style: number): number | undefined;
  date1904: boolean;
  /**
   * The workbook asks to be recalculated when opened (`<calcPr fullCalcOnLoad="1">`, as
   * exceljs writes when told its saved results are stale): a formula's saved result may not
   * be what the sheet shows.
   */
  recalculatedOnOpening: boolean;
  /**
   * The workbook's first function calculated again at every opening (TODAY, OFFSET…), and
   * where: any formula's saved result may then not be what the sheet shows (workbook-parts.ts).
   */
  volatile?: string | undefined;
}

export interface CellText {
  text: string;
  problem?: Omit<RecordProblem, "column">;
  /** A money cell read from a number: exact, whatever decimal separator the file's text cells use. */
  exact?: boolean;
  /** The currency signs or codes the money cell's number format shows (`[$€-2]`, `"USD"`), and that format. */
  currency?: { marks: readonly string[]; numFmt: string };
}

type Kind = InputColumnSpec["kind"] | "extra";

/** A double as plain decimal text, never in exponent form ("1e+21" → "1000000000000000000000"). */
export function plainDecimal(value: number): string {
  const text = String(value);
  if (text.indexOf("e") < 0) return text;
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, lead, rest = "", exponentText] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const digits = lead + rest;
  const exponent = Number(exponentText);
  if (exponent >= 0) {
    return `${sign}${digits.length > exponent + 1 ? `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}` : digits.padEnd(exponent + 1, "0")}`;
  }
  return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
}

/** "44328" → "44328.00" for 2: zeros added, never a digit removed (the caller checked there are no more). */
function padDecimals(text: string, decimals: number): string {
  const missing = decimals - decimalsOf(text);
  if (missing <= 0) return text;
  return `${text}${text.includes(".") ? "" : "."}${"0".repeat(missing)}`;
}

function decimalsOf(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** An Excel serial date as ISO text (a date in a reference or a kept column). */
function serialDate(serial: number, date1904: boolean): string {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  const iso = new Date(epoch + Math.round(serial * 86_400_000)).toISOString();
  return serial % 1 === 0 ? iso.slice(0, 10) : iso.slice(0, 19).replace("T", " ");
}

/** How many digits a whole number's text has from its first non-zero one. */
function significantDigits(text: string): number {
  // Its digits are fewer than its characters: only a longer text can have lost digits.
  return text.length > 15 ? text.replace(/^-/, "").replace(/^0+/, "").length : 0;
}

/** The language-dependent built-in formats that are currency or accounting formats. */
const LOCAL_CURRENCY = new Set([5, 6, 7, 8, 41, 42, 43, 44]);

/**
 * A number's `<v>` as a workbook writes it: an xsd:double in decimal (`1250.5`, `1.5E3`).
 * `Number()` also reads `0x5D4E`, `0b11`, `Infinity` and blanks, which no writer writes.
 */
const DECIMAL_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** What a message says of a cell: `masked` for an account number or tax id, never shown outside the report. */
const said = (kind: Kind, masked: string, plain: string) => (kind === "secret" ? masked : plain);

function numberCell(value: string, kind: Kind, style: number, context: CellContext, room?: number): CellText {
  const numFmt = context.numFmt(style);
  const number = Number(value);
  if (!DECIMAL_NUMBER.test(value) || !Number.isFinite(number)) {
    const holds = said(kind, "the cell's value", `the cell's value "${value}"`);
    return {
      text: value,
      problem: {
        code: "cell_error",
        message: `${holds} is not a number as a workbook writes one (a damaged cell); type the value again in Excel or LibreOffice and save the file`,
      },
    };
  }
  const text = plainDecimal(number);
  const shape = formatShape(numFmt);
  const digits = Number.isInteger(number) ? significantDigits(text) : 0;
  if (kind === "secret" && digits > 15) {
    // An account number or tax id: the message never shows it (it is masked outside the report).
    return {
      text,
      problem: {
        code: "excel_damaged_number",
        message: `the cell holds a number of ${digits} digits: Excel keeps 15 significant digits, so a number this long stored as a number has lost its last ones; re-export the column as text (in Excel: format the column as Text, then paste the numbers again from their source)`,
      },
    };
  }
  if (kind === "id") {
    if (digits > 15) {
      return {
        text,
        problem: {
          code: "excel_damaged_number",
          message: `the cell holds the number ${text}: Excel keeps 15 significant digits, so an id of ${digits} digits stored as a number has lost its last ones; ${EXCEL_HINT}`,
        },
      };
    }
  }
  if (kind === "id" || kind === "secret") return idNumber(text, number, kind, numFmt);
  if (kind === "money") {
    const local = context.localFormat(style);
    // A currency or accounting format (5–8, 41–44) shows a whole number's digits in any
    // language; any other such format, or decimals it may round away, is not known here.
    if (local !== undefined && !(LOCAL_CURRENCY.has(local) && Number.isInteger(number))) {
      return {
        text,
        exact: true,
        problem: {
          code: "amount_format_mismatch",
          message: `the cell holds ${text} but its number format is Excel's built-in format ${local}, which each computer shows as its language settings say (a currency with or without decimals, or a date), so what the sheet showed is not known; format the column as Number with the decimals to pay`,
        },
      };
    }
    if (shape.kind === "date") return { text, problem: dateProblem(numFmt) };
    if (shape.kind === "percent" || shape.kind === "scientific") {
      return {
        text,
        problem: {
          code: "amount_format_mismatch",
          message: `the cell holds ${text} but its number format "${numFmt}" shows it as a ${shape.kind === "percent" ? "percentage" : "number in scientific notation"}; format the column as Number`,
        },
      };
    }
    if (shape.kind === "conditional") {
      return {
        text,
        exact: true,
        problem: {
          code: "amount_format_mismatch",
          message: `the cell holds ${text} but its number format "${numFmt}" shows amounts of some sizes in another way (a section with a condition such as [<1000]), so the sheet may show another amount than the one that would be paid; format the column as Number`,
        },
      };
    }
    if (shape.kind === "scaled" || shape.kind === "hidden" || shape.kind === "literal") {
      const shows = SHOWS[shape.kind];
      return {
        text,
        exact: true,
        problem: {
          code: "amount_format_mismatch",
          message: `the cell holds ${text} but its number format "${numFmt}" ${shows}, so the sheet shows another amount than the one that would be paid; format the column as Number${shape.kind === "scaled" ? " without scaling" : ""}`,
        },
      };
    }
    if (shape.kind === "number" && decimalsOf(text) > shape.decimals) {
      const shows =
        shape.decimals === 0 ? "no decimals" : `${shape.decimals} decimal${shape.decimals > 1 ? "s" : ""}`;
      return {
        text,
        exact: true,
        problem: {
          code: "amount_format_mismatch",
          message: `the cell holds ${text} but its number format "${numFmt}" shows ${shows}, so the sheet shows another amount than the one that would be paid; round the value in the sheet (e.g. =ROUND(…, 2)) or show all its decimals`,
        },
      };
    }
    if (shape.kind === "general" && room !== undefined && generalWidth(text) > room + 1e-9) {
      return {
        text,
        exact: true,
        problem: {
          code: "amount_format_mismatch",
          message: `the cell holds ${text} in the General format, in a column too narrow to show it whole (room for ${Math.floor(room + 1e-9)} digits), so the sheet shows it rounded (or as 1.2E+09), another amount than the one that would be paid; widen the column, or format it as Number with the decimals to pay`,
        },
      };
    }
    // As the sheet shows it: 44328 formatted "#,##0.00" is 44328.00, as a CSV export writes it.
    const shown = shape.kind === "number" ? padDecimals(text, shape.decimals) : text;
    const marks = formatCurrencies(numFmt);
    if (marks.length === 0 || numFmt === undefined) return { text: shown, exact: true };
    return { text: shown, exact: true, currency: { marks, numFmt } };
  }
  // Any other column is text: the number is read as the sheet shows it (a routing number
  // under `000000000` is 021000021, a reference under `"EMP-"0` EMP-1002), or refused. Read
  // as the bare number, a reference typed `01001` and 1001 under `00000` would be two
  // references that look the same, both paid.
  const shown = shownNumber(numFmt, number, text);
  if (shown !== null) return { text: shown };
  // A kept column nothing is decided on: a date as ISO text (its problems go unsaid).
  if (shape.kind === "date")
    return kind === "extra"
      ? { text: serialDate(number, context.date1904) }
      : { text, problem: dateProblem(numFmt) };
  return {
    text,
    problem: {
      code: "cell_format_mismatch",
      message: `the cell holds the number ${text} but its number format "${numFmt}" may show it otherwise (rounded, grouped, signed, in another section or scaled), so the sheet may show other text than would be read; format the column as Text and type the values again`,
    },
  };
}

/** What a format that is not plain digits does to a number, for the messages. */
const SHOWS = {
  scaled: "shows it divided by 1,000 or more (a comma after the digits)",
  literal: "writes digits or a separator of its own among the number's",
  hidden: "shows nothing",
  conditional: "shows numbers of some sizes in another way (a section with a condition such as [<1000])",
  percent: "shows it as a percentage",
  scientific: "shows it in scientific notation",
} as const;

type Checked = "money" | "id" | "secret";

const ANOTHER: Record<Checked, string> = {
  money: "another amount than the one that would be paid",
  id: "another id than the one that would be sent",
  secret: "another number than the one that would be sent",
};

/** A cell the sheet shows otherwise than it holds (`holds`: as the message may name it). */
function formatMismatch(
  kind: Checked,
  holds: string,
  numFmt: string | undefined,
  shows: string,
): Omit<RecordProblem, "column"> {
  return {
    code: kind === "money" ? "amount_format_mismatch" : "cell_format_mismatch",
    message: `the cell holds ${holds} but its number format "${numFmt}" ${shows}, so the sheet shows ${ANOTHER[kind]}; clear the cell's number format (format it as General or Text) and check what it shows`,
  };
}

/**
 * An id, account number or tax id stored as a number, as the sheet shows it: a format that
 * shows other digits (scaled, digits of its own, hidden, a percentage…) is refused, as in a
 * money column. Zero padding (`0000000000`) is an account's own zeros, kept as a CSV saved
 * from the sheet keeps them; an id is the number it names (`0300` is user 300), so it is
 * read as that number, as ever (validate/ids.ts).
 */
function idNumber(text: string, number: number, kind: "id" | "secret", numFmt: string | undefined): CellText {
  const shape = formatShape(numFmt);
  if (shape.kind === "date") return { text, problem: dateProblem(numFmt) };
  if (shape.kind in SHOWS) {
    const shows = SHOWS[shape.kind as keyof typeof SHOWS];
    return { text, problem: formatMismatch(kind, said(kind, "a number", text), numFmt, shows) };
  }
  const width = kind === "secret" && Number.isInteger(number) && number >= 0 ? zeroPadding(numFmt) : 0;
  return { text: text.padStart(width, "0") };
}

/** A text cell: refused in a money, id or account column when its format shows other text. */
function textCell(text: string, kind: Kind, style: number, context: CellContext): CellText {
  if (kind !== "money" && kind !== "id" && kind !== "secret") return { text };
  const numFmt = context.numFmt(style);
  const shown = shownText(numFmt, text);
  if (shown === null) return { text };
  const shows =
    shown.trim() === "" ? "shows nothing" : said(kind, "shows other text", `shows it as "${shown}"`);
  return { text, problem: formatMismatch(kind, said(kind, "text", `the text "${text}"`), numFmt, shows) };
}

function dateProblem(numFmt: string | undefined): Omit<RecordProblem, "column"> {
  return {
    code: "cell_is_date",
    message: `the cell is formatted as a date ("${numFmt}"), so the sheet does not show the number it holds; format the column as Number (amounts) or Text (ids)`,
  };
}

/** The text of `cell` for a column of `kind`, and what is wrong with it. */
export function cellText(cell: SheetCell, kind: Kind, context: CellContext, room?: number): CellText {
  const read = withoutControls(savedText(cell, kind, context, room));
  if (!cell.formula || read.problem) return read;
  if (!context.recalculatedOnOpening) {
    if (context.volatile === undefined) return read;
    // Whether this formula depends on it is not followed: any may, so none is taken as saved.
    return {
      ...read,
      problem: {
        code: "formula_not_calculated",
        message: `the cell holds a formula whose saved result (${read.text}) may not be what the sheet shows: the workbook uses ${context.volatile}, which Excel and LibreOffice calculate again at every opening, with every formula depending on it; paste the column's values (Paste Special > Values) and save, or take the function out`,
      },
    };
  }
  return {
    ...read,
    problem: {
      code: "formula_not_calculated",
      message: `the cell holds a formula whose saved result (${read.text}) Excel recalculates when the file is opened (the workbook asks it to: fullCalcOnLoad), so the sheet may show another value; open the file in Excel or LibreOffice and save it, or paste the values`,
    },
  };
}

/** XML 1.0 allows none of these; a raw one (a NUL) got past the scanner. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is looked for
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
const CONTROLS = new RegExp(CONTROL.source, "g");

/**
 * A cell's text holding a control character no sheet shows: refused, the character replaced
 * (the row store separates cells by NUL: one kept would move every later cell of its row).
 */
function withoutControls(read: CellText): CellText {
  const first = CONTROL.exec(read.text)?.[0];
  if (first === undefined) return read;
  const code = `U+${first.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  return {
    ...read,
    text: read.text.replace(CONTROLS, "\uFFFD"),
    problem: read.problem ?? {
      code: "cell_error",
      message: `the cell holds a control character (${code}) that no sheet shows; retype the cell`,
    },
  };
}

/** `room`: how wide, in digits, a General number may be in the cell's column (sheet-xml.ts ColumnWidths). */
function savedText(cell: SheetCell, kind: Kind, context: CellContext, room?: number): CellText {
  const { value } = cell;
  if (value === undefined) {
    if (!cell.formula) return { text: "" };
    return {
      text: "",
      problem: {
        code: "formula_no_value",
        message:
          "the cell holds a formula with no saved result (the program that wrote the file did not calculate it); open the file in Excel or LibreOffice and save it, or paste the values",
      },
    };
  }
  switch (cell.type) {
    case "s": {
      const text = context.sharedString(Number(value));
      if (text === undefined) {
        return {
          text: "",
          problem: {
            code: "cell_error",
            message: `the cell points to shared string ${value}, which the workbook lacks`,
          },
        };
      }
      return textCell(text, kind, cell.style, context);
    }
    case "str":
    case "inlineStr":
      return textCell(value, kind, cell.style, context);
    case "b":
      return { text: value === "1" ? "TRUE" : "FALSE" };
    case "e":
      return {
        text: value,
        problem: {
          code: "cell_error",
          message: `the cell shows the error ${value}; fix its formula or type the value`,
        },
      };
    default:
      return numberCell(value, kind, cell.style, context, room);
  }
}
