/**
 * Cleaning of a payee-id cell before it is checked: what people and spreadsheets put around
 * and between the characters of a number, and nothing that could change which number it is.
 *
 * Removed: surrounding and inner whitespace (including no-break and narrow spaces), dots,
 * slashes, ASCII dashes and the Unicode ones (U+2010-U+2015, such as the EN DASH U+2013 that
 * word processors substitute, and U+2212 MINUS SIGN), zero-width characters, leading
 * apostrophes (Excel's "store as text" prefix, straight or curly), and an Excel text formula
 * wrapper `="..."`. Letters are upper-cased (RUT check `k`, alphanumeric CNPJ, IBAN).
 */
const SEPARATORS = /[\s.\-/\u2010-\u2015\u2212\u200B-\u200D\u2060\uFEFF]/g;
const LEADING_APOSTROPHES = /^['\u2018\u2019\u00B4`]+/;
const FORMULA_TEXT = /^="(.*)"$/s;

export function compactId(raw: string): string {
  let text = raw.trim().replace(LEADING_APOSTROPHES, "");
  const formula = FORMULA_TEXT.exec(text);
  if (formula) text = formula[1] ?? "";
  return text.replace(LEADING_APOSTROPHES, "").replace(SEPARATORS, "").toUpperCase();
}

/**
 * A number as Excel shows it in a General cell once it is too long: mantissa and exponent,
 * with a decimal point or a decimal comma (es-AR, es-ES, pt-BR Excel): `2.85059E+21`,
 * `2,85059E+21`. Checked on the trimmed cell before cleaning, which would remove its dot.
 */
const SCIENTIFIC = /^[+-]?\d+(?:[.,]\d+)?E[+-]?\d+$/i;

export function isScientific(raw: string): boolean {
  return SCIENTIFIC.test(raw.trim().replace(LEADING_APOSTROPHES, ""));
}

/**
 * Excel keeps 15 significant digits and writes zeros for the rest (Microsoft KB 269370): a
 * number of more than 15 digits whose every digit after the 15th is 0. Returns how many such
 * trailing zeros there are (0 when the shape does not match).
 */
export function excelZeroRun(compact: string): number {
  if (compact.length <= 15 || !/^\d+$/.test(compact)) return 0;
  return /^0+$/.test(compact.slice(15)) ? compact.length - 15 : 0;
}
