/**
 * Row problems where people look: every invalid or failed row becomes one line
 * on stderr (line, column, value, code, and a hint that works), the first 20 of them, then
 * "and N more: see the report". `--quiet` keeps them; `--json` carries the first 100.
 */

import { editDistance } from "../edit-distance.js";
import {
  type CheckedRow,
  type InputColumn,
  idNumber,
  PAYEE_COLUMNS,
  type RawCells,
  SECRET_COLUMNS,
} from "../model.js";
import { PORTS } from "../ports.js";
import { shownWord } from "../redact.js";
import type { ReportRow } from "../report/columns.js";
import { type RemainingOf, unpaidOf } from "../report/unpaid.js";
import { maskId } from "../validate/payee/index.js";

export interface Problem {
  line: number;
  /** Canonical column name, or "" for the row as a whole. */
  column: string;
  /** The cell as the file had it ("" when the problem is the row's). */
  value: string;
  code: string;
  message: string;
  /** A row not paid in the end (report/unpaid.ts): who, its state in plain words, why, what to do. */
  reference?: string;
  payee?: string;
  state?: string;
  reason?: string;
  hint?: string;
}

export const SHOWN_ON_STDERR = 20;
export const SHOWN_IN_JSON = 100;

/** The port closest to a typo ("cl-clp", "CLP", "cl_cpl"), or undefined when none is close. */
export function closestPort(value: string): string | undefined {
  const text = value.trim().toLowerCase().replace(/[\s-]/g, "_");
  let best: { port: string; d: number } | undefined;
  for (const port of PORTS) {
    // A bare currency ("clp") names the port whose currency it is, when only one has it.
    const d = port.endsWith(`_${text}`) ? 1 : editDistance(text, port);
    if (!best || d < best.d) best = { port, d };
  }
  return best && best.d <= 2 ? best.port : undefined;
}

/**
 * The cell as the file had it; an account number or tax id masked (last 4 shown), and so is
 * a number under another payee detail's column (moved there by a cell left out).
 */
function cellOf(raw: RawCells, column: string): string {
  if (!(column in raw) || column === "extra") return "";
  const value = String(raw[column as keyof Omit<RawCells, "extra">] ?? "");
  if (SECRET_COLUMNS.has(column)) return maskId(value);
  return PAYEE_COLUMNS.has(column as InputColumn) ? shownWord(value) : value;
}

/** The message, with the hint that fixes it where the validator's words do not already say it. */
function withHint(value: string, code: string, message: string): string {
  if (code === "unknown_port") {
    const port = closestPort(value);
    return port ? `${message}; did you mean ${port}?` : message;
  }
  return message;
}

/** The ids a failed row sent, so that the operator knows what the API may have refused. */
function idsOf(row: ReportRow): string {
  const ids = [
    ["payer_user_id", row.payer_user_id],
    ["recipient_user_id", row.recipient_user_id],
    ["withdrawal_instruction_id", row.withdrawal_instruction_id],
  ].filter(([, id]) => id !== "");
  // As they went out: without leading zeros (bitex/jsonapi.ts idOut).
  return ids.map(([name, id]) => `${name} ${idNumber(id as string)}`).join(", ");
}

/** Collects the problems of a run, in input order, all of them counted, the first 100 kept. */
export class Problems {
  readonly kept: Problem[] = [];
  count = 0;

  private add(problem: Problem): void {
    this.count++;
    if (this.kept.length < SHOWN_IN_JSON) this.kept.push(problem);
  }

  /** Every error of an invalid row (one line each). */
  addChecked(item: CheckedRow): void {
    if (item.ok) return;
    for (const error of item.errors) {
      const value = error.column ? cellOf(item.raw, error.column) : "";
      this.add({
        line: item.line,
        column: error.column,
        value,
        code: error.code,
        message: withHint(value, error.code, error.message),
      });
    }
  }

  /** A row the API refused (status failed): the id it named, and what it said. */
  addFailed(row: ReportRow): void {
    if (row.status !== "failed") return;
    this.add({
      line: row.line,
      column: "",
      value: "",
      code: row.error_code || "failed",
      message: `${row.error || "the API refused this row"}; ids sent: ${idsOf(row)}; check them with \`bitex-batch validate --online\``,
    });
  }

  /**
   * A row not paid in the end: rejected, returned, cancelled, or refused at create. `remaining`:
   * the file its row is in, to submit once fixed.
   */
  addUnpaid(row: ReportRow, remaining: RemainingOf): void {
    const unpaid = unpaidOf(row, remaining);
    if (!unpaid) return;
    const payee = row.recipient_user_id;
    this.add({
      line: row.line,
      column: "",
      value: "",
      code: unpaid.code,
      message: `${row.reference ? `reference ${row.reference}, ` : ""}payee ${payee || "(by details)"}: ${unpaid.state}; ${unpaid.reason}; what to do: ${unpaid.todo}`,
      reference: row.reference,
      payee,
      state: unpaid.state,
      reason: unpaid.reason,
      hint: unpaid.todo,
    });
  }

  /** Passes rows through, noting every invalid one. */
  *tapChecked(rows: Iterable<CheckedRow>): Generator<CheckedRow> {
    for (const item of rows) {
      this.addChecked(item);
      yield item;
    }
  }
}

/** One stderr line per problem: `line 7, amount "1.234": <message> [amount_ambiguous]`. */
export function problemLine(problem: Problem): string {
  const where =
    problem.column === ""
      ? `line ${problem.line}`
      : `line ${problem.line}, ${problem.column} ${JSON.stringify(problem.value)}`;
  return `${where}: ${problem.message} [${problem.code}]`;
}

/** The lines to print: the first 20, then how many more and where they are. */
export function problemLines(problems: Problems, reportPath: string): string[] {
  const lines = problems.kept.slice(0, SHOWN_ON_STDERR).map(problemLine);
  const more = problems.count - lines.length;
  if (more > 0) {
    const where = reportPath === "-" ? "the report on stdout" : reportPath;
    lines.push(`and ${more} more: see the report (${where})`);
  }
  return lines;
}

/** The `problems` of a JSON summary (the first 100). */
export function problemsJson(problems: Problems | undefined): Problem[] {
  return problems ? problems.kept.map((p) => ({ ...p })) : [];
}
