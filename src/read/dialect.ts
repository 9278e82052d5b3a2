/**
 * The CSV dialect: which delimiter. Excel writes `;` where the decimal separator is a comma
 * (Spanish and Latin-American locales) and `,` elsewhere; tab and `|` come from other
 * exports. Line endings need no detection: the reader accepts LF, CRLF and CR, even mixed.
 */
import { BatchError } from "../errors.js";

export const DELIMITERS = [",", ";", "\t", "|"] as const;
export type Delimiter = (typeof DELIMITERS)[number];

const NAMES: Record<string, Delimiter> = {
  ",": ",",
  comma: ",",
  ";": ";",
  semicolon: ";",
  "\t": "\t",
  "\\t": "\t",
  tab: "\t",
  "|": "|",
  pipe: "|",
};

/** Parses `--delimiter` (`,` `;` `tab` `|`, or their names). */
export function parseDelimiterOption(value: string): Delimiter {
  const delimiter = NAMES[value] ?? NAMES[value.trim().toLowerCase()];
  if (delimiter) return delimiter;
  throw new BatchError("usage", `--delimiter: expected one of , ; tab |, got ${JSON.stringify(value)}`);
}

/** How a delimiter is named in messages (a tab is invisible). */
export function delimiterName(delimiter: Delimiter): string {
  return delimiter === "\t" ? "tab" : `"${delimiter}"`;
}

/**
 * The first non-blank line of `sample`, up to the first line break outside quotes (a quoted
 * header name may contain a newline). Leading blank lines are skipped like the reader does.
 */
export function firstLine(sample: string): string {
  const start = sample.search(/[^\r\n]/);
  if (start < 0) return "";
  let quoted = false;
  for (let i = start; i < sample.length; i++) {
    const char = sample[i];
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === "\n" || char === "\r")) return sample.slice(start, i);
  }
  return sample.slice(start);
}

/** Occurrences of each candidate delimiter outside double quotes. */
export function countDelimiters(line: string): Record<Delimiter, number> {
  const counts: Record<Delimiter, number> = { ",": 0, ";": 0, "\t": 0, "|": 0 };
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char in counts) counts[char as Delimiter]++;
  }
  return counts;
}

/**
 * The delimiter of a file, from its header line (the one line whose content we know: names,
 * no amounts with decimal commas). The most frequent candidate wins; a tie or no candidate
 * means `,`, the RFC 4180 default, and a wrong guess then surfaces as a missing column.
 */
export function detectDelimiter(sample: string): Delimiter {
  const counts = countDelimiters(firstLine(sample));
  let best: Delimiter = ",";
  let bestCount = 0;
  let tie = false;
  for (const delimiter of DELIMITERS) {
    const count = counts[delimiter];
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
      tie = false;
    } else if (count === bestCount && count > 0) tie = true;
  }
  return tie ? "," : best;
}
