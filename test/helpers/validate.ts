/**
 * Validation driven the ways only tests need: both passes over records held in memory, and
 * a file's amounts resolved at once. The commands validate through validate/file.ts.
 */
import type { CheckedRow, InputRecord, InputRow } from "../../src/model.js";
import {
  type AmountCell,
  type AmountOutcome,
  type Convention,
  decideConvention,
  type Evidence,
  type FileConvention,
  noteEvidence,
  resolveAmount,
} from "../../src/read/amount.js";
import {
  checkRows,
  FileFacts,
  inputRowOf,
  type RowSource,
  type ValidateOptions,
} from "../../src/validate/rows.js";

/** Both passes over records already in memory (tests, small inputs). */
export function validateRecords(
  records: readonly InputRecord[],
  options: ValidateOptions = {},
): CheckedRow[] {
  const rows = records.map(inputRowOf);
  const source: RowSource = { size: rows.length, get: (index) => rows[index] as InputRow };
  const facts = new FileFacts();
  rows.forEach((row, index) => {
    facts.note(index, row);
  });
  return [...checkRows(source, facts.context(options))];
}

/** The convention that every cell of a file, noted in order, proves (or `declared`). */
export function fileConvention(cells: readonly AmountCell[], declared?: Convention): FileConvention {
  const evidence: Evidence = {};
  for (const cell of cells) noteEvidence(evidence, cell);
  return decideConvention(evidence, declared);
}

/**
 * Resolves every amount cell of a file (amount and budget together: one file, one
 * convention) to a canonical value or an error, keyed by line (one money cell per line).
 * Errors from `scanAmount` pass through.
 */
export function resolveAmounts(
  cells: readonly AmountCell[],
  declared?: Convention,
): Map<number, AmountOutcome> {
  const file = fileConvention(cells, declared);
  const outcomes = new Map<number, AmountOutcome>();
  for (const cell of cells) {
    if (outcomes.has(cell.line)) throw new RangeError(`resolveAmounts: line ${cell.line} given twice`);
    outcomes.set(cell.line, resolveAmount(cell.scan, file));
  }
  return outcomes;
}
