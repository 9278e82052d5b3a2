/**
 * Text compared as people see it. Two references that look the same on a screen are one
 * reference: a payer who pastes a row and leaves a zero-width space, a non-breaking space or a
 * typographic hyphen in its copy has not meant a second payment (helper-88: both were paid).
 */

/**
 * The key two texts that look alike share: compatibility forms folded (NFKC: full-width
 * letters, the non-breaking space), invisible characters dropped, every dash and minus a
 * hyphen, runs of spaces (tabs and line breaks too) one space, and case folded ("EMP-4" and
 * "emp-4" name one row).
 */
export function lookKey(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/[\t\n\r]/g, " ")
    .replace(/[\p{Cf}\p{Cc}]/gu, "")
    .replace(/[\p{Pd}\u2212]/gu, "-")
    .replace(/\s+/gu, " ")
    .trim()
    .toLowerCase();
}
