/**
 * Text compared as people see it. Two references that look the same on a screen are one
 * reference: a payer who pastes a row and leaves a zero-width space, a non-breaking space or a
 * typographic hyphen in its copy has not meant a second payment (helper-88: both were paid).
 */

/** Characters no screen shows: format characters (zero-width space, joiners, BOM) and controls. */
const INVISIBLE = /[\p{Cf}\p{Cc}]/u;

/** Where `text` holds a character no screen shows, and its code point as U+XXXX; null if none. */
export function invisibleCharacter(text: string): { position: number; code: string } | null {
  const at = text.search(INVISIBLE);
  if (at < 0) return null;
  const code = (text.codePointAt(at) ?? 0).toString(16).toUpperCase().padStart(4, "0");
  return { position: at + 1, code: `U+${code}` };
}

/**
 * The key two texts that look alike share: compatibility forms folded (NFKC: full-width
 * letters, the non-breaking space), invisible characters dropped, every dash and minus a
 * hyphen, runs of spaces one space, and case folded ("EMP-4" and "emp-4" name one row).
 */
export function lookKey(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/[\p{Cf}\p{Cc}]/gu, "")
    .replace(/[\p{Pd}\u2212]/gu, "-")
    .replace(/\s+/gu, " ")
    .trim()
    .toLowerCase();
}
