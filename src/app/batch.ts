/**
 * The batch a command works on, from the file: the same batch id rules, validation and plan
 * as `submit`, and what the batch's journal says (docs/design.md section 12: `quote`, `accept`
 * and `status` name the file, never a batch id the operator has to copy around).
 */

import { foldJournal, type JournalState, readJournal } from "../batch/journal.js";
import { journalPathFor } from "../batch/paths.js";
import { BatchError } from "../errors.js";
import type { Plan, ValidRow } from "../model.js";
import { refuseRowsByDetails } from "../plan/payees.js";
import { plan } from "../plan/plan.js";
import { type LoadArgs, type Loaded, loadBatch } from "./load.js";
import type { Console } from "./session.js";

export interface Batch {
  loaded: Loaded;
  plan: Plan;
  journalPath: string;
  /** What the journal held when the command started (empty when it is gone). */
  past: JournalState;
}

export async function openBatch(args: LoadArgs, stateDir: string, out: Console): Promise<Batch> {
  const loaded = await loadBatch(args, out);
  const valid: ValidRow[] = [];
  for (const item of loaded.checked()) if (item.ok) valid.push(item.row);
  refuseRowsByDetails(loaded.file, valid);
  const batchPlan = plan(loaded.batchId, valid);
  const journalPath = journalPathFor(stateDir, loaded.batchId);
  const past = foldJournal(await readJournal(journalPath));
  if (past.begin && past.begin.fingerprint !== batchPlan.fingerprint) {
    throw new BatchError(
      "input",
      `${loaded.file}: the journal of batch ${loaded.batchId} was written for different rows`,
      {
        hint: "name the file the batch was submitted from, or pass that batch's --batch-id",
      },
    );
  }
  if (batchPlan.requests.length === 0) {
    throw new BatchError("input", `${loaded.file}: no valid rows, so no batch to follow`, {
      hint: "run bitex-batch validate on it to see why",
    });
  }
  return { loaded, plan: batchPlan, journalPath, past };
}
