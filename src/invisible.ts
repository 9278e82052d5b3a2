/**
 * Characters no screen shows: format characters (zero-width space, joiners, left-to-right
 * marks, BOM), controls, the other code points Unicode says to show as nothing
 * (Default_Ignorable_Code_Point: the combining grapheme joiner U+034F, variation selectors, the
 * Hangul fillers U+115F, U+1160, U+3164, U+FFA0) and the blank Braille pattern U+2800
 * (helper-108: an email holding U+034F passed, as another address). A cell holding one looks
 * like another text than it is: said by where it is and its code point, for the person to type
 * the cell again.
 */
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/**
 * Where `text` holds a character no screen shows, and its code point as U+XXXX; null if none.
 * `spacing`: tab and line breaks are spacing there (a free text cell, a reference written on
 * two lines), not invisible.
 */
export function invisibleCharacter(text: string, spacing = false): { position: number; code: string } | null {
  for (const match of text.matchAll(INVISIBLE)) {
    if (spacing && "\t\n\r".includes(match[0])) continue;
    const code = (match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    return { position: match.index + 1, code: `U+${code}` };
  }
  return null;
}
