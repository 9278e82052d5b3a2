/** Words shared by the commands' messages, and the one way a written word is compared. */

/** Lines of a file, the first 10 named: `line 4`, `lines 4, 9 and 3 more`. */
export function linesWords(lines: readonly number[]): string {
  const shown = lines.slice(0, 10).join(", ");
  const more = lines.length > 10 ? ` and ${lines.length - 10} more` : "";
  return `line${lines.length > 1 ? "s" : ""} ${shown}${more}`;
}

/**
 * " Instrucción-Retiro " → "instruccion_retiro": lowercase, accents stripped (NFD, then the
 * combining marks removed), every run of other characters than letters and digits → "_",
 * none at either end. How a header, a bank's code or an account type is matched as written.
 */
export function normalWord(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "_")
    .replace(/^_+|_+$/g, "");
}
