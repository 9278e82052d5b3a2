/**
 * Header names → canonical columns (docs/design.md section 4). Names are compared after
 * normalisation (case, accents, spaces, `-`, punctuation), then looked up in an alias table
 * that the README lists. Aliases are deliberately narrow: a bare "recipient", "payer",
 * "destinatario" or "beneficiario" is as often a column of names as of ids, and "user_id"
 * could be either party, so none of them is taken; the missing-column error then points
 * at them as the closest header present. The aliases are in model.ts's column table.
 */

import { BatchError } from "../errors.js";
import { ALL_INPUT_COLUMN_TABLE, ALL_INPUT_COLUMNS, INPUT_COLUMN_TABLE, type InputColumn } from "../model.js";
import { shownWord } from "../redact.js";
import { normalWord } from "../words.js";

/** The input columns (model.ts `INPUT_COLUMN_TABLE`), by the name the rest of the code uses. */
export const CANONICAL_COLUMNS = ALL_INPUT_COLUMNS;
export type CanonicalColumn = InputColumn;

/** Accepted names per column, in normalised form (see `normalizeHeader`), canonical first. */
export const HEADER_ALIASES = Object.fromEntries(
  ALL_INPUT_COLUMN_TABLE.map((column) => [column.name, column.aliases]),
) as unknown as Readonly<Record<CanonicalColumn, readonly string[]>>;

const BY_ALIAS: ReadonlyMap<string, CanonicalColumn> = new Map(
  ALL_INPUT_COLUMN_TABLE.flatMap((column) => column.aliases.map((alias) => [alias, column.name] as const)),
);

const UNTRIMMED: ReadonlySet<CanonicalColumn> = new Set(
  ALL_INPUT_COLUMN_TABLE.filter((column) => column.kind === "text").map((column) => column.name),
);

/** Whether the reader trims the column's cells: all but text (a reference is given back as written). */
export function trimsCell(column: CanonicalColumn): boolean {
  return !UNTRIMMED.has(column);
}

/** A header cell as its name is matched: without a BOM, then words.ts normalWord. */
export function normalizeHeader(name: string): string {
  return normalWord(name.replace(/^\uFEFF/, ""));
}

export function canonicalColumn(name: string): CanonicalColumn | null {
  return BY_ALIAS.get(normalizeHeader(name)) ?? null;
}

/** The columns of each way of naming the payee (model.ts `group`): Bitex ids, or details. */
export const ID_GROUP_COLUMNS: readonly CanonicalColumn[] = ALL_INPUT_COLUMN_TABLE.filter(
  (column) => "group" in column && column.group === "ids",
).map((column) => column.name);
export const DETAIL_GROUP_COLUMNS: readonly CanonicalColumn[] = ALL_INPUT_COLUMN_TABLE.filter(
  (column) => "group" in column && column.group === "details",
).map((column) => column.name);
const DETAIL_GROUP_REQUIRED: readonly CanonicalColumn[] = ALL_INPUT_COLUMN_TABLE.filter(
  (column) => column.required === "in-group",
).map((column) => column.name);

/** The header has a column of the payee-details group: its rows may name payees that way. */
export function headerGivesDetails(index: Partial<Record<CanonicalColumn, number>>): boolean {
  return DETAIL_GROUP_COLUMNS.some((column) => index[column] !== undefined);
}

/**
 * One of two groups: a header with no details column is read as always (the ids required);
 * one with a details column needs the ids no more, but then needs the details' own required
 * columns unless the ids are all there too (a row may carry both).
 */
function groupRequirements(
  required: readonly RequiredColumn[],
  index: Partial<Record<CanonicalColumn, number>>,
): { required: readonly RequiredColumn[]; byDetails: boolean } {
  if (!headerGivesDetails(index)) return { required, byDetails: false };
  const idsComplete = ID_GROUP_COLUMNS.every((column) => index[column] !== undefined);
  const others = required.filter((r) => !(typeof r === "string" && ID_GROUP_COLUMNS.includes(r)));
  return { required: idsComplete ? others : [...others, ...DETAIL_GROUP_REQUIRED], byDetails: !idsComplete };
}

/** A required column, or a list of which at least one must be present (amount or budget). */
export type RequiredColumn = CanonicalColumn | readonly CanonicalColumn[];

/** The columns docs/design.md section 4 requires; `sender_port` may come from `--sender-port`. */
export function requiredColumns(options: { senderPortOption?: boolean } = {}): RequiredColumn[] {
  const required: RequiredColumn[] = [];
  const money = INPUT_COLUMN_TABLE.filter((column) => column.required === "one-of-money").map(
    (column) => column.name,
  );
  for (const column of INPUT_COLUMN_TABLE) {
    if (column.required === "yes") required.push(column.name);
    if (column.required === "unless-option" && !options.senderPortOption) required.push(column.name);
    // The money columns are one requirement, where the first of them stands.
    if (column.required === "one-of-money" && column.name === money[0]) required.push(money);
  }
  return required;
}

export interface HeaderMap {
  /** The header cells as written (BOM removed, trimmed). */
  names: string[];
  /** Per position: the canonical column, or null for an unknown or unnamed column. */
  columns: (CanonicalColumn | null)[];
  /** Position of each canonical column present. */
  index: Partial<Record<CanonicalColumn, number>>;
  /** Names of the unknown columns, in file order (unnamed ones are not listed). */
  unknown: string[];
}

export interface MapHeaderOptions {
  required: readonly RequiredColumn[];
  /** Name of the file, for messages. */
  file: string;
  /** Physical line of the header (1 unless blank lines precede it). */
  line?: number;
  /** A workbook's sheet: no delimiter to blame for a single column. */
  sheet?: boolean;
}

/** Edit distance, for "closest header present". Names are short; the O(n·m) table is fine. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The unknown header most like one of `column`'s names, if it is like enough to be a typo or
 * a variant: within a third of the name's length in edits, or one name containing the other.
 */
function closestHeader(
  column: CanonicalColumn,
  names: readonly string[],
  unknownAt: readonly number[],
): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const position of unknownAt) {
    const name = names[position] as string;
    const normal = normalizeHeader(name);
    if (normal === "") continue;
    for (const alias of HEADER_ALIASES[column]) {
      // "recipient" for "recipient_user_id", or "recipient_user_id_bitex"; not a whole
      // header line read as one column because the delimiter is wrong.
      const contains =
        normal.length >= 3 &&
        (alias.includes(normal) || (normal.includes(alias) && normal.length <= alias.length * 1.5));
      const distance = contains ? 0 : levenshtein(normal, alias);
      const close = contains || distance <= Math.max(2, Math.floor(alias.length / 3));
      if (close && (best === null || distance < best.distance)) best = { name, distance };
    }
  }
  return best?.name ?? null;
}

function quoted(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(" or ");
}

/**
 * Maps a header row to canonical columns. Throws an input error for a column that appears
 * twice (under any alias) or a required column that is missing; unknown columns are data
 * (the caller warns or keeps them).
 */
export function mapHeader(cells: readonly string[], options: MapHeaderOptions): HeaderMap {
  const names = cells.map((cell) => cell.replace(/^\uFEFF/, "").trim());
  const where = `${options.file}:${options.line ?? 1}`;
  const columns = names.map(canonicalColumn);
  const index: Partial<Record<CanonicalColumn, number>> = {};
  const unknownAt: number[] = [];
  columns.forEach((column, position) => {
    if (column === null) {
      if (names[position] !== "") unknownAt.push(position);
      return;
    }
    const first = index[column];
    if (first !== undefined) {
      throw new BatchError(
        "input",
        `${where}: columns ${first + 1} ("${names[first]}") and ${position + 1} ("${names[position]}") both mean "${column}"`,
        { hint: "keep one of them, or rename the other to something bitex-batch does not read" },
      );
    }
    index[column] = position;
  });
  const groups = groupRequirements(options.required, index);
  const missing = groups.required.filter((required) =>
    typeof required === "string"
      ? index[required] === undefined
      : required.every((c) => index[c] === undefined),
  );
  // Excel's `sep=;` first line (a hint to Excel itself) stands where the header should.
  const sep = names.length <= 2 && /^sep=.?$/i.test(names[0] ?? "");
  if (missing.length > 0 && sep) {
    throw new BatchError(
      "input",
      `${where}: the first line is Excel's "sep=" line (a hint to Excel of the delimiter), not the header`,
      { hint: "delete that line: bitex-batch finds the delimiter from the header" },
    );
  }
  if (missing.length > 0) {
    let suggested = false;
    const described = missing.map((required) => {
      const alternatives = typeof required === "string" ? [required] : [...required];
      const closest = alternatives
        .map((c) => closestHeader(c, names, unknownAt))
        .find((name) => name !== null);
      if (!closest) return quoted(alternatives);
      suggested = true;
      return `${quoted(alternatives)} (closest header present: "${closest}")`;
    });
    // Without a suggestion, show what the header does hold: a wrong delimiter shows at once.
    // A file whose header was left out shows its first row here: a cell of 5 digits or more
    // (no column's name) may be a tax id or an account number, masked as everywhere else.
    const shown = names.map(shownWord);
    const found = shown.length > 8 ? `${shown.slice(0, 8).join(", ")}, …` : shown.join(", ");
    const context = suggested ? "" : ` (the header has: ${found})`;
    const single =
      names.length !== 1
        ? ""
        : options.sheet
          ? "; a title above the header? The header must be the sheet's first filled row: delete the rows above it"
          : "; with a single column, the delimiter may be wrong (see --delimiter)";
    throw new BatchError(
      "input",
      `${where}: missing column${missing.length > 1 ? "s" : ""} ${described.join(", ")}${context}${single}${groups.byDetails ? `; or give the payees by Bitex ids (${ID_GROUP_COLUMNS.join(" and ")})` : ""}`,
      { hint: "rename the column or see `bitex-batch template`" },
    );
  }
  return { names, columns, index, unknown: unknownAt.map((position) => names[position] as string) };
}
