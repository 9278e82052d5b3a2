/**
 * The three CSV dialects the tool writes (docs/design.md section 7) and the cell rules shared by the report
 * and the template: formula neutralising for text, plain numbers for amounts and ids (kept as
 * text in the spreadsheet dialects where a spreadsheet would change them).
 * Quoting is csv-stringify's: a field is quoted only when it holds the delimiter, a quote,
 * CR or LF, and quotes inside are doubled (RFC 4180).
 */
import { stringify } from "csv-stringify/sync";
import { significantDigits } from "./xlsx-cells.js";

/** The report formats that are CSV text (the template is offered in these only). */
export const CSV_FORMATS = ["csv", "excel", "excel-en"] as const;

export type CsvFormat = (typeof CSV_FORMATS)[number];

/** Every report format: the CSV dialects and the typed workbook (src/report/xlsx.ts). */
export const REPORT_FORMATS = [...CSV_FORMATS, "xlsx"] as const;

export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isCsvFormat(format: ReportFormat): format is CsvFormat {
  return format !== "xlsx";
}

export interface Dialect {
  bom: boolean;
  delimiter: "," | ";";
  recordDelimiter: "\n" | "\r\n";
  decimalComma: boolean;
  /**
   * Meant to be opened by a spreadsheet, which reads any cell that looks like a number as
   * one: digit strings it would change are then written so that it keeps them as text.
   */
  spreadsheet: boolean;
}

export const DIALECTS: Readonly<Record<CsvFormat, Dialect>> = {
  // RFC 4180 for programs: no BOM, LF (the common Unix reading of the RFC's CRLF).
  csv: { bom: false, delimiter: ",", recordDelimiter: "\n", decimalComma: false, spreadsheet: false },
  // Excel with a Spanish/Latin-American locale: the BOM makes it read UTF-8 (accents), `;`
  // is that locale's list separator and `,` its decimal mark.
  excel: { bom: true, delimiter: ";", recordDelimiter: "\r\n", decimalComma: true, spreadsheet: true },
  "excel-en": { bom: true, delimiter: ",", recordDelimiter: "\r\n", decimalComma: false, spreadsheet: true },
};

/** Serialises records of finished cells; `withBom` is for the first chunk of a file only. */
export function stringifyRecords(records: readonly string[][], dialect: Dialect, withBom: boolean): string {
  return stringify(records as string[][], {
    bom: withBom && dialect.bom,
    delimiter: dialect.delimiter,
    record_delimiter: dialect.recordDelimiter,
    // csv-stringify stops quoting a lone LF or CR once record_delimiter is set; a reference
    // with a newline must still come back as one field.
    quote_record_delimiter: true,
    eof: true,
  });
}

const NEEDS_QUOTES: Readonly<Record<Dialect["delimiter"], RegExp>> = { ",": /[",\r\n]/, ";": /[";\r\n]/ };

/**
 * One field exactly as `stringifyRecords` writes it (test/report/format.test.ts compares the
 * two on every troublesome character): by hand because it runs for every cell of a
 * million-row report, where csv-stringify's per-field option handling was 15% of `validate`.
 */
export function csvField(cell: string, dialect: Dialect): string {
  return NEEDS_QUOTES[dialect.delimiter].test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/**
 * OWASP CSV injection: a cell starting with = + - @ tab or CR may run as a formula; a
 * leading single quote makes spreadsheets take it as text (it stays visible, which tells
 * the reader the value was altered). The full-width forms are included because Apple
 * Numbers folds them to ASCII before evaluating (as csv-stringify's escape_formulas does).
 */
const FORMULA_START = new Set(["=", "+", "-", "@", "\t", "\r", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"]);

export function neutralizeFormula(text: string): string {
  const first = text.charCodeAt(0);
  // Every formula start is at most "@" (0x40) or a full-width form (from U+FF0B): skip the rest.
  if (first > 0x40 && first < 0xff0b) return text;
  return FORMULA_START.has(text.charAt(0)) ? `'${text}` : text;
}

/** Digits with an optional "-" and "." fraction: no spreadsheet evaluates that as a formula. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Digits a spreadsheet changes when it reads them as a number: it drops a leading zero
 * ("0012345" → 12345), Excel's General format shows more than 11 digits as "1.23457E+11"
 * (and saves them so), and past 15 digits the value itself is lost (1.23456789012346E+18).
 */
const CHANGED_DIGITS = /^(0\d+|\d{12,})$/;

/** Digits with their separators: "40987,72", "1.234", "1 500". */
const NUMBER = String.raw`[\d.,\s]*\d[\d.,\s]*`;

/**
 * Text a spreadsheet would read as a number under some locale (the raw input of an invalid
 * row: "40987,72", "1.234", "1 500", "1e5", "15%"): it stays text, whatever the locale.
 */
const NUMBER_LIKE = new RegExp(`^${NUMBER}([eE][+-]?\\d+)?%?$`);

/**
 * Text that a spreadsheet must keep as text and would not: in the spreadsheet dialects it
 * gets the same leading single quote as a neutralised formula. Both Excel and LibreOffice
 * then keep the cell as text with every digit, and show the quote, which tells the reader
 * the cell was marked. (`="0012345"` would be a formula, the very thing the report
 * neutralises; a leading tab is a formula start by OWASP's list and invisible.)
 */
function keptAsText(text: string, dialect: Dialect): string {
  if (!dialect.spreadsheet) return text;
  if (/^\d+$/.test(text)) return CHANGED_DIGITS.test(text) ? `'${text}` : text;
  return NUMBER_LIKE.test(text) || readsAsValue(text) ? `'${text}` : text;
}

const MONTHS =
  "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?|oct(ober)?|nov(ember)?|dec(ember)?|" +
  "ene(ro)?|febrero|marzo|abr(il)?|mayo|junio|julio|ago(sto)?|set|sept?iembre|octubre|noviembre|dic(iembre)?";
const SIGN = "[$€£¥]";
const TIME = String.raw`\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?(\s*[ap]\.?\s?m\.?)?`;

/**
 * Other text a spreadsheet turns into a value on opening (Excel always, LibreOffice with its
 * special-number detection): a negative in brackets "(1500)" or with a trailing minus
 * "1500-", an amount with a currency sign before or after it ("$1,500", "1.500,00 €"; a
 * leading "-" or "+" is a formula's start, neutralised before), a truth value, an error value
 * "#N/A", a time "12:30", a fraction "1 1/2", a date "26/12", "12/2026", "Dec-26", "3 ene",
 * "Dec 26, 2026", with or without a time. In `raw_amount` it would be summed as an amount no
 * row has.
 */
const VALUE_LIKE = [
  new RegExp(String.raw`^\(\s*${SIGN}?\s*${NUMBER}${SIGN}?\s*\)$`),
  new RegExp(String.raw`^${SIGN}\s*\(?${NUMBER}\)?$`),
  new RegExp(`^${NUMBER}${SIGN}$`),
  new RegExp(`^${NUMBER}-$`),
  /^(true|false|verdadero|falso)$/i,
  /^#(n\/a|div\/0!|value!|ref!|name\?|num!|null!)$/i,
  new RegExp(`^${TIME}$`, "i"),
  /^\d+\s+\d+\/\d+$/,
  new RegExp(String.raw`^(\d{1,4}[/-]\d{1,2}([/-]\d{1,4})?|\d{1,2}[/-]\d{4})(\s+${TIME})?$`, "i"),
  new RegExp(String.raw`^\d{1,2}[-\s/.]+(${MONTHS})\.?([-\s/.,]+\d{1,4})?$`, "i"),
  new RegExp(String.raw`^(${MONTHS})\.?[-\s/.,]+\d{1,4}(,?\s+\d{2,4})?$`, "i"),
];

/** A cheap first look: every form above holds a digit, or is a truth or error value. */
const MAY_READ_AS_VALUE = /\d|^(true|false|verdadero|falso|#)/i;

function readsAsValue(text: string): boolean {
  return MAY_READ_AS_VALUE.test(text) && VALUE_LIKE.some((pattern) => pattern.test(text));
}

/** A text cell before quoting: formula-neutralised, and kept as text in a spreadsheet. */
export function textCell(text: string, dialect: Dialect): string {
  const neutral = neutralizeFormula(text);
  return neutral === text ? keptAsText(text, dialect) : neutral;
}

/**
 * An amount cell. A plain number is written as is, with a decimal comma when the dialect
 * wants one and `localize` is set; in the spreadsheet dialects one a spreadsheet cannot keep
 * exactly (more than 15 significant digits: 12345678901234567 would be read as
 * 12345678901234600, and summed so) gets the leading single quote an id gets, and stays text
 * with every digit, as the xlsx writer keeps it as text (xlsx-cells.ts `exactNumber`). Anything else
 * can only be bad input, so it is treated as text.
 */
export function numberCell(text: string, dialect: Dialect, localize: boolean): string {
  if (text === "") return text;
  if (!PLAIN_NUMBER.test(text)) return textCell(text, dialect);
  const shown = localize && dialect.decimalComma ? text.replace(".", ",") : text;
  return dialect.spreadsheet && beyondSpreadsheet(text) ? `'${shown}` : shown;
}

/**
 * A plain number of more than 15 significant digits (zeros at either end are not
 * significant), which a spreadsheet reading it as a number does not keep: the rule of the
 * xlsx writer's `exactNumber`. Most amounts are shorter than that, and cost one comparison.
 */
function beyondSpreadsheet(text: string): boolean {
  return text.length > 15 && significantDigits(text) > 15;
}

/** `numberCell` ready for the line: a plain number never needs quotes (its "," only in the ";" dialect). */
export function numberField(text: string, dialect: Dialect, localize: boolean): string {
  if (text === "") return text;
  if (!PLAIN_NUMBER.test(text)) return csvField(textCell(text, dialect), dialect);
  return numberCell(text, dialect, localize);
}

/**
 * An id cell (digits): a plain number, as before, unless a spreadsheet would change it (a
 * leading zero, more than 11 digits), which the spreadsheet dialects keep as text.
 * Anything else can only be bad input, so it is treated as text.
 */
export function idCell(text: string, dialect: Dialect): string {
  if (text === "" || !PLAIN_NUMBER.test(text)) return textCell(text, dialect);
  return dialect.spreadsheet && CHANGED_DIGITS.test(text) ? `'${text}` : text;
}

/** `idCell` ready for the line: a plain number or a quote-marked one never needs quotes. */
export function idField(text: string, dialect: Dialect): string {
  if (text === "" || PLAIN_NUMBER.test(text)) return idCell(text, dialect);
  return csvField(textCell(text, dialect), dialect);
}

/** A text cell ready for the line: neutralised, kept as text, then quoted when it needs it. */
export function textField(text: string, dialect: Dialect): string {
  return text === "" ? text : csvField(textCell(text, dialect), dialect);
}
