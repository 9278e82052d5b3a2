/**
 * Validation (pure): input records → checked rows, every problem reported as data
 * ({line, column, code, message}), never thrown. Two passes, so that a million-row file
 * never has to be held as objects: pass A (FileFacts) gathers, while the file is read, what
 * only the whole file can say (the decimal convention its amounts prove, repeated
 * references); pass B (checkRows) then checks each row, lazily, in file order, and compares
 * payments for possible duplicates.
 */

import { padScale, shortestDecimal } from "../decimal.js";
import { invisibleCharacter } from "../invisible.js";
import {
  ALL_INPUT_COLUMNS,
  type CheckedRow,
  type InputColumn,
  type InputRecord,
  type InputRow,
  type MoneyColumn,
  PAYEE_COLUMNS,
  paymentIdentity,
  paymentKey,
  type RawCells,
  type RowError,
  type ValidRow,
} from "../model.js";
import { knownPort, minorUnits, type PortCode, portCurrency } from "../ports.js";
import {
  type AmountCell,
  type AmountScan,
  checkDecimals,
  decideConvention,
  type Evidence,
  type FileConvention,
  noteEvidence,
  resolveAmount,
  scanAmount,
} from "../read/amount.js";
import { trimsCell } from "../read/headers.js";
import { checkDetails, givesDetails, givesIds, neitherError } from "./details/index.js";
import { checkId } from "./ids.js";
import { lookKey } from "./look.js";
import { FirstSeen, FirstTexts } from "./seen.js";

export interface ValidateOptions {
  senderPort?: string;
  payer?: string;
  decimalSeparator?: "." | ",";
  allowDuplicates?: boolean;
  /**
   * The header has a payee-details column (read/headers.ts headerGivesDetails): a row may
   * name its payee by ids or by details, and one that does neither is told both ways. Set by
   * validate/file.ts, never by a flag.
   */
  payeeColumns?: boolean;
}

/** What checking a row needs besides the row: the options and what pass A learnt of the file. */
export interface FileContext {
  options: ValidateOptions;
  convention: FileConvention;
  /** Rows whose reference repeats an earlier row's: row index → line of the first. */
  repeatedReferences: ReadonlyMap<number, number>;
  /** Some row has no reference. */
  unreferenced: boolean;
}

/** Rows by index, so that a duplicate can name (and re-check) the earlier row. */
export interface RowSource {
  readonly size: number;
  get(index: number): InputRow;
}

/**
 * The row's money cell when exactly one of amount / budget is filled (else it is an error
 * anyway). `exact`: the cells read from a workbook's numbers, whose text is the exact
 * decimal with a point: they prove no convention and need none.
 */
export function moneyCellOf(
  line: number,
  amount: string,
  budget: string,
  exact?: readonly MoneyColumn[],
): AmountCell | null {
  if ((amount === "") === (budget === "")) return null;
  const column: MoneyColumn = amount !== "" ? "amount" : "budget";
  const text = column === "amount" ? amount : budget;
  return { line, column, scan: exact?.includes(column) ? exactScan(text) : scanAmount(text) };
}

/** A number cell's decimal text: its zero, sign and size checks, but no convention to prove or need. */
function exactScan(text: string): AmountScan {
  const scan = scanAmount(text);
  if (scan.kind === "error") {
    const { convention: _proof, ...error } = scan;
    return error;
  }
  // The reader's text is already the shortest decimal of the number ("1250.5", "0.25").
  return { kind: "ok", text, value: text, convention: "either" };
}

/**
 * Pass A: what only the whole file can say, gathered row by row while it is read: the
 * decimal convention its amounts prove, and which references repeat (a repeated reference
 * is reported on the later row, so file order is all it needs).
 */
export class FileFacts {
  private readonly evidence: Evidence = {};
  private readonly repeated = new Map<number, number>();
  /** Each distinct reference with the line it is first on. */
  private readonly references = new FirstTexts();
  private unreferenced = false;
  /** The last context made, until the evidence or `unreferenced` changes (EarlyCheck asks per row). */
  private cached: { options: ValidateOptions; context: FileContext } | undefined;

  /** Row `index` (0-based, file order). */
  note(index: number, { line, raw: cells, exact }: InputRow): void {
    // Only a "." or "," can prove a convention, and only the first proof of each counts.
    const money = cells.amount || cells.budget;
    const open = !(this.evidence.dot && this.evidence.comma);
    if (open && (money.includes(".") || money.includes(","))) {
      const cell = moneyCellOf(line, cells.amount, cells.budget, exact);
      const { dot, comma } = this.evidence;
      if (cell) noteEvidence(this.evidence, cell);
      if (this.evidence.dot !== dot || this.evidence.comma !== comma) this.cached = undefined;
    }
    // Compared as they look: a pasted copy with a zero-width space is the same reference.
    const reference = lookKey(cells.reference);
    if (reference === "") {
      if (!this.unreferenced) this.cached = undefined;
      this.unreferenced = true;
      return;
    }
    const firstLine = this.references.firstOf(reference, line);
    if (firstLine >= 0) this.repeated.set(index, firstLine);
  }

  context(options: ValidateOptions): FileContext {
    if (this.cached?.options === options) return this.cached.context;
    const declared =
      options.decimalSeparator === "," ? "comma" : options.decimalSeparator === "." ? "dot" : undefined;
    const context = {
      options,
      // A copy: the evidence object itself goes on changing while the file is read.
      convention: decideConvention({ ...this.evidence }, declared),
      repeatedReferences: this.repeated,
      unreferenced: this.unreferenced,
    };
    this.cached = { options, context };
    return context;
  }
}

/** What cellsOf asks of each column, asked once (it runs for every row). */
type CellColumn = { column: InputColumn; payee: boolean; trims: boolean };
const CELL_COLUMNS: readonly CellColumn[] = ALL_INPUT_COLUMNS.map((column) => ({
  column,
  payee: PAYEE_COLUMNS.has(column),
  trims: trimsCell(column),
}));

/**
 * The columns cellsOf looks at in the records read under a header: every id-mode column,
 * and the payee-details ones only where the header has them (no record holds the others, and
 * looking up some 30 absent cells of every row showed in its profile).
 */
function cellColumnsFor(header: { columns: readonly (string | null)[] }): readonly CellColumn[] {
  const present = new Set(header.columns);
  return CELL_COLUMNS.filter(({ column, payee }) => !payee || present.has(column));
}

/** Shared by every record without kept columns (nothing writes to a row's `extra`). */
const NO_EXTRA: Readonly<Record<string, string>> = Object.freeze({});

/** Every input column's cell, "" where the header lacks the column, trimmed as the reader trims. */
function cellsOf(record: InputRecord, columns: readonly CellColumn[]): RawCells {
  const f = record.fields;
  const raw = {} as RawCells;
  for (const { column, payee, trims } of columns) {
    const given = f[column];
    if (given === undefined && payee) continue;
    const value = given ?? "";
    const cell = trims ? value.trim() : value;
    if (cell !== "" || !payee) raw[column] = cell;
  }
  raw.extra = record.extra ?? NO_EXTRA;
  return raw;
}

function checkPort(
  errors: RowError[],
  line: number,
  column: "port" | "sender_port",
  value: string,
): PortCode | null {
  if (value === "") {
    const fix = column === "sender_port" ? " or pass --sender-port" : "";
    errors.push({
      line,
      column,
      code: `${column}_missing`,
      message: `${column} is empty; fill it in${fix}`,
    });
    return null;
  }
  const port = knownPort(value.toLowerCase());
  if (port) return port;
  errors.push({
    line,
    column,
    code: "unknown_port",
    message: `${column} "${value}" is not a Bitex port; see \`bitex-batch ports\``,
  });
  return null;
}

function checkIdCell(
  errors: RowError[],
  line: number,
  column: keyof RawCells,
  value: string,
  required: boolean,
): string {
  if (value === "" && !required) return "";
  const problem = checkId(value);
  if (!problem) return value;
  const code = problem.code === "id_empty" ? `${column}_missing` : problem.code;
  // The column is named once, by whoever shows the error (report: "column: message").
  const message = problem.code === "id_empty" ? "the id is empty; fill it in" : problem.message;
  errors.push({ line, column, code, message });
  return "";
}

/** The checks that need only the row and the file's convention; `valid` when they all pass. */
function checkCells(row: InputRow, context: FileContext): { errors: RowError[]; valid: ValidRow | null } {
  const { line, raw } = row;
  const { options } = context;
  // A totals row is one error: its empty payee cells are what make it one, not four more mistakes.
  const totalsRow = row.problems.filter((p) => p.code === "totals_row");
  if (totalsRow.length > 0) return { errors: totalsRow.map((p) => ({ line, ...p })), valid: null };
  // So is a row whose cells a delimiter pushed past the header: no cell is under its column, so
  // checking them says wrong things, and would show a bank account under "recipient_email", whole.
  if (row.problems.some((p) => p.code === "too_many_fields" || p.code === "rows_in_quoted_cell"))
    return { errors: row.problems.map((p) => ({ line, ...p })), valid: null };
  const errors: RowError[] = row.problems.length === 0 ? [] : row.problems.map((p) => ({ line, ...p }));
  const senderPort = checkPort(errors, line, "sender_port", raw.sender_port || options.senderPort || "");
  const port = checkPort(errors, line, "port", raw.port);
  const payer = checkIdCell(errors, line, "payer_user_id", raw.payer_user_id || options.payer || "", false);
  // A row names its payee by ids, by details or both (docs/design.md, "Input modes"); a file
  // whose header has no details column is checked by ids as it always was (and its rows,
  // which hold no details cell, are not searched for one: some 30 columns a row).
  const byIds = !options.payeeColumns || givesIds(raw);
  const byDetails = options.payeeColumns === true && givesDetails(raw);
  const recipient = byIds ? checkIdCell(errors, line, "recipient_user_id", raw.recipient_user_id, true) : "";
  const instruction = byIds
    ? checkIdCell(errors, line, "withdrawal_instruction_id", raw.withdrawal_instruction_id, true)
    : "";
  const payee = byDetails ? checkDetails(errors, line, raw, port) : null;
  if (!byIds && !byDetails) errors.push(neitherError(line));
  let canonical: string | null = null;
  const money = moneyCellOf(line, raw.amount, raw.budget, row.exact);
  if (raw.amount !== "" && raw.budget !== "") {
    errors.push({
      line,
      column: "budget",
      code: "amount_and_budget",
      message:
        "both amount and budget are filled; keep only one (amount: what the payee gets; budget: what you spend)",
    });
  } else if (!money) {
    errors.push({
      line,
      column: "amount",
      code: "amount_missing",
      message: "amount and budget are both empty; fill one of them",
    });
  } else {
    const outcome = resolveAmount(money.scan, context.convention);
    const currencyPort = money.column === "amount" ? port : senderPort;
    if ("error" in outcome) errors.push({ line, column: money.column, ...outcome.error });
    else if (
      money.scan.kind === "ambiguous" &&
      currencyPort &&
      minorUnits(portCurrency(currencyPort)) < 3 &&
      outcome.value.includes(".")
    ) {
      // `479.000` CLP or `1.500` USD read with a decimal point is 479 or 1.5: almost always
      // 479000 or 1500 written with a thousands mark, as three decimals fit no currency here.
      // Only the other convention (the mark groups) may read it, and then it is whole.
      const units = minorUnits(portCurrency(currencyPort));
      const currency = portCurrency(currencyPort).toUpperCase();
      const text = money.scan.text;
      const whole = money.scan.asDot === outcome.value ? money.scan.asComma : money.scan.asDot;
      const has = units === 0 ? "no decimals" : `at most ${units} decimals`;
      const read = shortestDecimal(outcome.value);
      // 1.500 USD may also mean 1.5: say how to write that too, where the currency can hold it.
      const fits = units > 0 && checkDecimals(outcome.value, portCurrency(currencyPort)) === null;
      const asDecimal = fits ? `; if ${read} is meant, write ${padScale(read, units)}` : "";
      errors.push({
        line,
        column: money.column,
        code: "amount_ambiguous",
        message: `read as ${read} ${currency}, but ${currency} has ${has} and three digits after "${text.replace(/\d/g, "")}" look like thousands; if ${whole} is meant, write ${whole}${asDecimal}`,
      });
    } else {
      const decimalsError = currencyPort ? checkDecimals(outcome.value, portCurrency(currencyPort)) : null;
      if (decimalsError) errors.push({ line, column: money.column, ...decimalsError });
      else canonical = outcome.value;
    }
  }
  if (errors.length > 0 || !senderPort || !port || canonical === null || !money)
    return { errors, valid: null };
  return {
    errors,
    valid: {
      line,
      reference: raw.reference,
      payerUserId: payer,
      senderPort,
      recipientUserId: recipient,
      port,
      amount: money.column === "amount" ? canonical : null,
      budget: money.column === "budget" ? canonical : null,
      withdrawalInstructionId: instruction,
      ...(payee ? { payee } : {}),
    },
  };
}

/**
 * Two rows with the same payment are a possible duplicate unless both have references and
 * they differ. When every reference is present and unique that always holds: no row can be
 * flagged, and the comparison (a key, a hash and a table probe per row) is skipped.
 */
function comparesPayments(context: FileContext): boolean {
  return !context.options.allowDuplicates && (context.unreferenced || context.repeatedReferences.size > 0);
}

/**
 * Pass B: every row checked, in file order, lazily (a million-row report streams from it).
 * `context` must come from every row first (pass A: FileFacts).
 */
export function* checkRows(rows: RowSource, context: FileContext): Generator<CheckedRow> {
  const payments = comparesPayments(context)
    ? {
        rows,
        seen: new FirstSeen(rows.size, (index) => {
          const { valid } = checkCells(rows.get(index), context);
          return valid ? paymentKey(paymentIdentity(valid)) : "";
        }),
      }
    : null;
  for (let index = 0; index < rows.size; index++) yield checkRow(index, rows.get(index), context, payments);
}

/** `payments`: the rows compared so far, when the file's payments are compared (comparesPayments). */
function checkRow(
  index: number,
  row: InputRow,
  context: FileContext,
  payments: { seen: FirstSeen; rows: RowSource } | null,
): CheckedRow {
  const { line, raw } = row;
  // Cells all good: the row is a payment to compare with the others even if its reference repeats.
  const { errors, valid } = checkCells(row, context);
  // Reference problems leave the payment valid: it is still compared with the others below.
  const hidden = invisibleCharacter(raw.reference, true);
  if (hidden)
    errors.push({
      line,
      column: "reference",
      code: "reference_invisible",
      message: `the reference holds a character no screen shows (${hidden.code}) at character ${hidden.position}; type the reference again`,
    });
  const firstLine = context.repeatedReferences.get(index);
  if (firstLine !== undefined) {
    errors.push({
      line,
      column: "reference",
      code: "duplicate_reference",
      message: `reference "${raw.reference.trim()}" is already used on line ${firstLine}; references must be unique within a file (compared as they look: case, spaces and dashes aside)`,
    });
  }
  if (!valid) return { line, ok: false, errors, raw };
  const first = payments ? payments.seen.firstOf(paymentKey(paymentIdentity(valid)), index) : -1;
  if (payments && first >= 0) {
    const earlier = payments.rows.get(first);
    const reference = lookKey(raw.reference);
    const earlierReference = lookKey(earlier.raw.reference);
    // Two identical payments are more often a pasted row than two salaries; distinct
    // references say the payer meant both (a repeated reference says nothing of the kind,
    // nor does one that only an invisible character or a look-alike dash tells apart).
    const distinct = earlierReference !== "" && reference !== "" && earlierReference !== reference;
    if (!distinct) {
      // A copy (its reference repeated too) is one mistake, said once: the fix is the same.
      const copy = reference !== "" && reference === earlierReference;
      if (copy)
        errors.splice(
          errors.findIndex((e) => e.code === "duplicate_reference"),
          1,
        );
      const what = copy
        ? `a copy of line ${earlier.line} (same reference, payer, ports, recipient, amount, instruction)`
        : `the same payment as line ${earlier.line} (payer, ports, recipient, amount, instruction)`;
      errors.push({
        line,
        column: "",
        code: "possible_duplicate",
        // Deleting comes first: the other fix pays the person twice, which is right only if meant.
        message: `${what}: delete the copy; if both payments are meant, give them distinct references${copy ? "" : " (or pass --allow-duplicates)"}`,
      });
    }
  }
  return errors.length > 0 ? { line, ok: false, errors, raw } : { line, ok: true, row: valid, raw };
}

/** Where a file's convention stood when a row was checked: only the same state gives the same answer. */
function conventionState(convention: FileConvention): string {
  if (convention.declared) return "declared";
  if (convention.evidence.dot && convention.evidence.comma) return "mixed";
  return convention.convention ?? "none";
}

/**
 * Pass B during pass A: each row checked as soon as it is read (after `FileFacts.note`), with
 * what the file has said so far, so that `validate` can write its report in one pass. That is
 * pass B's answer unless the rest of the file changed what an earlier row meant: a decimal
 * convention proved after an amount that needed it, or a missing or repeated reference (then
 * payments must be compared). `held` tells; when it did not hold, check again with checkRows.
 */
export class EarlyCheck {
  /** Convention states that amounts with a "." or "," were read under. */
  private readonly states = new Set<string>();

  constructor(
    private readonly facts: FileFacts,
    private readonly options: ValidateOptions,
  ) {}

  check(index: number, row: InputRow): CheckedRow {
    const context = this.facts.context(this.options);
    const money = row.raw.amount || row.raw.budget;
    // A workbook's number cell needs no convention: its answer cannot change with the file's.
    const exact = row.exact?.includes(row.raw.amount ? "amount" : "budget") ?? false;
    if (!exact && (money.includes(".") || money.includes(",")))
      this.states.add(conventionState(context.convention));
    return checkRow(index, row, context, null);
  }

  /** Every row checked so far got the answer checkRows gives with `final`. */
  held(final: FileContext): boolean {
    if (comparesPayments(final)) return false;
    const state = conventionState(final.convention);
    return [...this.states].every((used) => used === state);
  }
}

/** A record from the reader as validation takes it. */
export function inputRowOf(record: InputRecord): InputRow {
  return rowOf(record, CELL_COLUMNS);
}

/** `inputRowOf` for the records read under `header`, which looks only at the columns it has. */
export function inputRowsUnder(header: {
  columns: readonly (string | null)[];
}): (record: InputRecord) => InputRow {
  const columns = cellColumnsFor(header);
  return (record) => rowOf(record, columns);
}

function rowOf(record: InputRecord, columns: readonly CellColumn[]): InputRow {
  const row: InputRow = { line: record.line, raw: cellsOf(record, columns), problems: record.problems ?? [] };
  if (record.exact) row.exact = record.exact;
  return row;
}
