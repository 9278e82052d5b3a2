/**
 * How far a plain `submit` leaves its batch, and the words for it. A plain submit reads no
 * request back, so it speaks from its journal: the steps this machine took on the batch
 * (docs/design.md section 12), each journaled after the server answered. `status` reads the
 * server for the rest (a batch accepted here may be final by now).
 */
import type { JournalState } from "../batch/journal.js";
import type { Stage } from "./follow-words.js";
import { bitexCommand } from "./shell-words.js";

/** `none` unless every row was created; else the least advanced request's step decides. */
export function journalStage(past: JournalState, allCreated: boolean): Stage {
  if (!allCreated || past.requests.size === 0) return "none";
  let stage: Stage = "accepted";
  for (const { requestId } of past.requests.values()) {
    const steps = past.steps.get(requestId) ?? {};
    if (steps.accept_quote === "done") continue;
    if (steps.request_quote === "done") stage = stage === "staged" ? "staged" : "quoted";
    else stage = "staged";
  }
  return stage;
}

/** The notice a log reader cannot take for "paid" (none once accepted), and the one next step. */
export function stageWords(stage: Stage, rows: number, csv: string): { notice: string | null; next: string } {
  if (stage === "staged") {
    return {
      notice: `STAGED, NOT PAID: ${rows} row(s) created in draft requests; nobody is paid until the quotes are requested and accepted (submit --until final --max-total CUR=AMOUNT does it all in one run)`,
      next: `next: ${bitexCommand("quote", csv)}`,
    };
  }
  if (stage === "quoted") {
    return {
      notice:
        "QUOTED, NOT PAID: quotes were requested by an earlier run; nobody is paid until they are accepted",
      next: `next: ${bitexCommand("quote", csv)} (prints the quotes, their deadline and the accept command)`,
    };
  }
  return {
    notice: null,
    next: `next: ${bitexCommand("status", csv)} (the quotes were accepted by an earlier run: it shows where each row is and what was charged)`,
  };
}
