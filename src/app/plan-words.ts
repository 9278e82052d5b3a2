/**
 * The words of a run that sends nothing further: the plan `submit --dry-run` would send, and
 * what a `--sandbox` run says instead of a next step (its emulator ends with it).
 */
import type { CheckedRow } from "../model.js";
import { groupKey } from "../plan/plan.js";
import { NO_ROW_FLAGS, type RowFlags, sandboxCommand } from "../shell-words.js";

export interface PlannedGroup {
  payer: string;
  senderPort: string;
  rows: number;
}

/** The valid rows by request, as submit would group them: one per payer and sender port, in file order. */
export function planOfRows(checked: Iterable<CheckedRow>): PlannedGroup[] {
  const groups = new Map<string, PlannedGroup>();
  for (const item of checked) {
    if (!item.ok) continue;
    const key = groupKey(item.row);
    const group = groups.get(key) ?? {
      payer: item.row.payerUserId,
      senderPort: item.row.senderPort,
      rows: 0,
    };
    group.rows++;
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** "plan (nothing sent): 48 row(s) in 3 request(s), one per payer and sender port", then one line each. */
export function planLines(groups: readonly PlannedGroup[]): string[] {
  const rows = groups.reduce((sum, group) => sum + group.rows, 0);
  return [
    `plan (nothing sent): ${rows} valid row(s) in ${groups.length} request(s), one per payer and sender port:`,
    ...groups.map(
      (group) => `  payer ${group.payer || "(key owner)"}, from ${group.senderPort}: ${group.rows} row(s)`,
    ),
  ];
}

/** Instead of a next step against the embedded emulator, gone with the run that started it. */
export function sandboxGoneLine(csv: string, flags: RowFlags = NO_ROW_FLAGS, skipInvalid = false): string {
  // A file whose invalid rows this run passed by is refused again without the flag.
  const skip = skipInvalid ? ["--skip-invalid"] : [];
  return `the embedded emulator and its requests ended with this run (nothing real was sent); to see the whole cycle: ${sandboxCommand(flags, csv, ...skip, "--until", "final", "--max-total", "CUR=AMOUNT")}`;
}
