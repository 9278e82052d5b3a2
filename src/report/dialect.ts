/**
 * The three CSV dialects the tool writes (issue 5) and the cell rules shared by the report
 * and the template: formula neutralising for text, plain numbers for amounts and ids.
 * Quoting is csv-stringify's: a field is quoted only when it holds the delimiter, a quote,
 * CR or LF, and quotes inside are doubled (RFC 4180).
 */
import { stringify } from "csv-stringify/sync";

export const REPORT_FORMATS = ["csv", "excel", "excel-en"] as const;

export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface Dialect {
  bom: boolean;
  delimiter: "," | ";";
  recordDelimiter: "\n" | "\r\n";
  decimalComma: boolean;
}

export const DIALECTS: Readonly<Record<ReportFormat, Dialect>> = {
  // RFC 4180 for programs: no BOM, LF (the common Unix reading of the RFC's CRLF).
  csv: { bom: false, delimiter: ",", recordDelimiter: "\n", decimalComma: false },
  // Excel with a Spanish/Latin-American locale: the BOM makes it read UTF-8 (accents), `;`
  // is that locale's list separator and `,` its decimal mark.
  excel: { bom: true, delimiter: ";", recordDelimiter: "\r\n", decimalComma: true },
  "excel-en": { bom: true, delimiter: ",", recordDelimiter: "\r\n", decimalComma: false },
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
 * An amount or id cell. A plain number is written as is (never prefixed), with a decimal
 * comma when the dialect wants one and `localize` is set. Anything else can only be bad
 * input echoed on an invalid row, so it is treated as text: verbatim, but neutralised.
 */
export function numberCell(text: string, dialect: Dialect, localize: boolean): string {
  if (text === "") return text;
  if (!PLAIN_NUMBER.test(text)) return neutralizeFormula(text);
  return localize && dialect.decimalComma ? text.replace(".", ",") : text;
}

/** `numberCell` ready for the line: a plain number never needs quotes (its "," only in the ";" dialect). */
export function numberField(text: string, dialect: Dialect, localize: boolean): string {
  if (text === "") return text;
  if (!PLAIN_NUMBER.test(text)) return csvField(neutralizeFormula(text), dialect);
  return localize && dialect.decimalComma ? text.replace(".", ",") : text;
}

/** A text cell ready for the line: neutralised, then quoted when it needs it. */
export function textField(text: string, dialect: Dialect): string {
  return text === "" ? text : csvField(neutralizeFormula(text), dialect);
}
