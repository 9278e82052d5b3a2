/** Words shared by the commands' messages. */

/** Lines of a file, the first 10 named: `line 4`, `lines 4, 9 and 3 more`. */
export function linesWords(lines: readonly number[]): string {
  const shown = lines.slice(0, 10).join(", ");
  const more = lines.length > 10 ? ` and ${lines.length - 10} more` : "";
  return `line${lines.length > 1 ? "s" : ""} ${shown}${more}`;
}
