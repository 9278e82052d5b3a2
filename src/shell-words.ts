/**
 * Commands printed for the operator to paste: every word that a POSIX shell would split or
 * expand (spaces, quotes, accents, `$`, `*`…) goes inside single quotes, so
 * `next: bitex-batch quote 'Sueldos Diciembre 2026.csv'` runs as printed.
 */

/** Characters that stand for themselves in every shell word; anything else is quoted. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellWord(word: string): string {
  if (word !== "" && PLAIN.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `bitex-batch <command> <file> …flags`, each word quoted as needed. */
export function bitexCommand(command: string, file: string, ...flags: string[]): string {
  return ["bitex-batch", command, shellWord(file), ...flags].join(" ");
}
