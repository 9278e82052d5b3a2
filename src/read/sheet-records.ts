/**
 * One sheet's rows → records, as a CSV's rows become records (records.ts), so that the same
 * checks apply. What a CSV could not show is named, never guessed: a hidden row is invalid
 * (`hidden_row`), merged cells among the rows and a hidden column that is read refuse the
 * file, and a trailing totals row
 * ("Total", no recipient) is left out only when it is exactly the sum of the rows above, and
 * said so; otherwise it is invalid (`totals_row`, totals.ts).
 */
import { BatchError } from "../errors.js";
import {
  ALL_INPUT_COLUMN_TABLE,
  type InputColumn,
  type InputRecord,
  type MoneyColumn,
  type RecordProblem,
} from "../model.js";
import { knownPort, portCurrency } from "../ports.js";
import { type CellContext, type CellText, cellText } from "./cells.js";
import { otherCurrency } from "./format-currency.js";
import { type HeaderMap, mapHeader, type RequiredColumn } from "./headers.js";
import { extraNames, ignoredColumnsNotice, toRecord } from "./records.js";
import { columnIndex, columnLetter, type SheetEnd, type SheetRow } from "./sheet-xml.js";
import { TotalsWatch } from "./totals.js";

/** Shared, so that 100,000 rows of number amounts keep one array, not 100,000. */
const AMOUNT: readonly MoneyColumn[] = Object.freeze(["amount"]);
const BUDGET: readonly MoneyColumn[] = Object.freeze(["budget"]);
const BOTH: readonly MoneyColumn[] = Object.freeze(["amount", "budget"]);

const KIND = new Map(ALL_INPUT_COLUMN_TABLE.map((column) => [column.name as InputColumn, column.kind]));

/** The cells of a row as text (the header, or a row of a sheet not being read). */
export function texts(row: SheetRow, context: CellContext): string[] {
  return Array.from(row.cells, (cell) => (cell ? cellText(cell, "extra", context).text : ""));
}

/** The types of a formula's saved result that are text (a number's `<v></v>` is a damaged cell). */
const TEXT_RESULT = new Set(["str", "inlineStr", "s"]);

/**
 * A row that shows nothing: every cell blank, a formula's too when its saved result is the
 * empty string (a template's `=IF(E4="","",…)` filled down to row 500). A formula with no
 * saved result (`formula_no_value`), or any in a workbook recalculated on opening (or using a
 * function calculated again at every opening), may show
 * something once calculated: its row is read, and refused.
 */
export function isBlank(
  values: readonly string[],
  row: SheetRow,
  context: CellContext,
  /** The positions of the columns read, once the header is known: a formula elsewhere pays nothing. */
  read?: (position: number) => boolean,
): boolean {
  if (!values.every((value) => value.trim() === "")) return false;
  return !row.cells.some(
    (cell, position) =>
      cell?.formula &&
      (read === undefined || read(position)) &&
      (context.recalculatedOnOpening ||
        context.volatile !== undefined ||
        cell.value === undefined ||
        !TEXT_RESULT.has(cell.type ?? "n")),
  );
}

/** The records of one sheet: the header first, then the rows as they are read. */
export class SheetRecords {
  extraColumns: string[] = [];
  private map: HeaderMap | undefined;
  private headerLine = 0;
  private pending: SheetRow[] = [];
  /** The first formula cell of a column read (`F2`), for checkVolatile. */
  private firstFormula: string | null = null;
  private extras: Array<{ position: number; name: string }> | null = null;
  private names: string[] = [];
  private kinds: Array<ReturnType<typeof KIND.get> | "extra"> = [];

  constructor(
    private readonly file: string,
    private readonly sheet: string,
    private readonly context: CellContext & { numberFormatDxfs: ReadonlySet<number> },
    private readonly options: {
      requiredColumns: readonly RequiredColumn[];
      keepColumns?: boolean;
      senderPort?: string;
    },
    private readonly rows: AsyncGenerator<SheetRow[], SheetEnd>,
    private readonly notices: string[],
  ) {}

  async header(): Promise<HeaderMap & { line: number }> {
    for (let next = await this.rows.next(); !next.done; next = await this.rows.next()) {
      const at = next.value.findIndex((row) => !isBlank(texts(row, this.context), row, this.context));
      if (at < 0) continue;
      const row = next.value[at] as SheetRow;
      this.pending = next.value.slice(at + 1);
      this.headerLine = row.line;
      const map = mapHeader(texts(row, this.context), {
        required: this.options.requiredColumns,
        file: this.file,
        line: row.line,
        sheet: true,
      });
      this.map = map;
      this.extras = this.options.keepColumns ? extraNames(map) : null;
      this.extraColumns = this.extras?.map((extra) => extra.name) ?? [];
      const byPosition = new Map(this.extras?.map((extra) => [extra.position, extra.name]));
      this.names = map.columns.map(
        (column, position) =>
          column ?? byPosition.get(position) ?? map.names[position] ?? `column_${position + 1}`,
      );
      this.kinds = map.columns.map((column) => (column ? KIND.get(column) : "extra"));
      const ignored = ignoredColumnsNotice(this.file, map, this.options.keepColumns);
      if (ignored) this.notices.push(ignored);
      return { ...map, line: row.line };
    }
    throw new BatchError(
      "input",
      `${this.file}: sheet "${this.sheet}" is empty; expected a header row and one row per payment`,
      {
        hint: "see `bitex-batch template --format xlsx` for the columns",
      },
    );
  }

  private record(row: SheetRow): InputRecord | null {
    const map = this.map as HeaderMap;
    const values: string[] = [];
    const problems: RecordProblem[] = [];
    const exact: MoneyColumn[] = [];
    const shown: ShownCurrency[] = [];
    /** The row's first formula in a column read (`F2`). */
    let formula: string | undefined;
    for (let position = 0; position < row.cells.length; position++) {
      const cell = row.cells[position];
      if (!cell) {
        values.push("");
        continue;
      }
      const column = map.columns[position] ?? null;
      const kind = this.kinds[position] ?? "extra";
      if (cell.formula && column !== null) formula ??= `${columnLetter(position)}${row.line}`;
      // Only a money cell is judged by what its column's width lets General show.
      const read = cellText(
        cell,
        kind,
        this.context,
        kind === "money" ? row.columns.generalRoom(position) : undefined,
      );
      values.push(read.text);
      if (column === null) continue; // an unread column's errors do not stop a payment
      if (read.problem) problems.push({ column, ...read.problem });
      if (read.exact && (column === "amount" || column === "budget")) exact.push(column);
      if (read.currency && (column === "amount" || column === "budget"))
        shown.push({ column, text: read.text, currency: read.currency });
    }
    // Counted on a row that reads blank too: a formula saved as "" beside TODAY() may show a
    // payment once the file is opened (helper-111: such a new hire's row was skipped).
    if (formula !== undefined) this.firstFormula ??= formula;
    // Formulas of unread columns aside (helper-110: a template's `=IF(F4="","",…)` filled down
    // beside a TODAY() elsewhere made every empty row below the payroll an invalid one).
    if (isBlank(values, row, this.context, (position) => map.columns[position] != null)) return null;
    const record = toRecord(row.line, values, map, this.extras, null);
    for (const cell of shown) {
      const problem = currencyProblem(cell, record.fields, this.options.senderPort);
      if (problem) problems.push(problem);
    }
    if (row.hidden) {
      problems.unshift({
        column: "",
        code: "hidden_row",
        message: `row ${row.line} is hidden in the sheet, so nobody checking the sheet saw it; unhide it and check it, or delete it`,
      });
    }
    if (problems.length > 0) record.problems = [...(record.problems ?? []), ...problems];
    if (exact.length > 0) record.exact = exact.length === 2 ? BOTH : exact[0] === "amount" ? AMOUNT : BUDGET;
    return record;
  }

  /** The records, the last one held back until the sheet ends (it may be a totals row). */
  async *records(): AsyncGenerator<InputRecord[]> {
    const totals = new TotalsWatch(this.map as HeaderMap);
    let held: InputRecord | null = null;
    const take = (batch: readonly SheetRow[]): InputRecord[] => {
      const out: InputRecord[] = [];
      for (const row of batch) {
        const record = this.record(row);
        if (!record) continue;
        if (held) {
          totals.add(held);
          out.push(held);
        }
        held = record;
      }
      return out;
    };
    const first = take(this.pending);
    this.pending = [];
    if (first.length > 0) yield first;
    let next = await this.rows.next();
    for (; !next.done; next = await this.rows.next()) {
      const out = take(next.value);
      if (out.length > 0) yield out;
    }
    const last = held as InputRecord | null;
    let skipped: number | null = null;
    if (last) {
      const verdict = totals.judge(last);
      if (verdict?.sums) {
        skipped = last.line;
        this.notices.push(
          `${this.file}: row ${last.line} of sheet "${this.sheet}" is a totals row (${verdict.label}: ${verdict.figures}, the sum of the rows above); it is not a payment and is not read`,
        );
      } else {
        if (verdict) last.problems = [...(last.problems ?? []), verdict.problem];
        yield [last];
      }
    }
    this.checkMerged(next.value, skipped);
    this.checkHiddenColumns(next.value);
    this.checkConditionalFormats(next.value);
    this.checkVolatile(next.value);
  }

  /**
   * A function the sheet read uses that is calculated again at every opening (sheet-xml.ts
   * VOLATILE), beside formulas in the columns read: their saved results may not be what the
   * sheet shows, and which depend on it is not followed. Found as the sheet is read, so the
   * whole file is refused at its end; one elsewhere in the workbook makes each such cell
   * invalid instead (cells.ts, `formula_not_calculated`).
   */
  private checkVolatile(end: SheetEnd): void {
    if (end.volatile === undefined || this.firstFormula === null) return;
    throw new BatchError(
      "input",
      `${this.file}: sheet "${this.sheet}" uses ${end.volatile.name} in cell ${end.volatile.cell}, which Excel and LibreOffice calculate again at every opening with every formula depending on it, and its payroll columns hold formulas (cell ${this.firstFormula} first): their saved results may not be what the sheet shows`,
      {
        hint: "paste the payroll columns' values (Paste Special > Values) and save, or take the function out, then run again (nothing was sent)",
      },
    );
  }

  /**
   * A conditional format that gives a read column's cells a number format of its own: the
   * sheet may show those cells otherwise than they hold (`#,##0,"K"` shows 1329000 as 1,329K),
   * and which cells its condition picks is not worked out here.
   */
  private checkConditionalFormats(end: SheetEnd): void {
    const map = this.map as HeaderMap;
    const hits = new Set<string>();
    for (const format of end.conditionalFormats) {
      if (!format.numFmt && !format.dxfIds.some((id) => this.context.numberFormatDxfs.has(id))) continue;
      for (const range of format.sqref.split(/\s+/).filter((ref) => ref !== "")) {
        const [first, last = first] = range.split(":") as [string, string?];
        const [from, top] = corner(first);
        const [to, bottom] = corner(last as string);
        if (Math.max(top, bottom) <= this.headerLine) continue;
        map.columns.forEach((column, position) => {
          if (column !== null && (from < 0 || (from <= position && position <= to)))
            hits.add(`${columnLetter(position)} (${column})`);
        });
      }
    }
    if (hits.size === 0) return;
    const columns = [...hits];
    throw new BatchError(
      "input",
      `${this.file}: sheet "${this.sheet}" has conditional formatting that changes the number format of column${columns.length > 1 ? "s" : ""} ${columns.join(", ")}, which ${columns.length > 1 ? "are" : "is"} read; the sheet may show some cells otherwise than they hold`,
      {
        hint: "remove those conditional formatting rules, or make them change colours only (in Excel: Home > Conditional Formatting > Manage Rules), then run again (nothing was sent)",
      },
    );
  }

  /** A column that is read but hidden: as a hidden row, nobody checking the sheet saw it. */
  private checkHiddenColumns(end: SheetEnd): void {
    const map = this.map as HeaderMap;
    const hidden = map.columns.flatMap((column, position) =>
      column !== null && end.hiddenColumns.some((range) => range.from <= position && position <= range.to)
        ? [`${columnLetter(position)} (${column})`]
        : [],
    );
    if (hidden.length === 0) return;
    throw new BatchError(
      "input",
      `${this.file}: sheet "${this.sheet}" hides column${hidden.length > 1 ? "s" : ""} ${hidden.join(", ")}, which ${hidden.length > 1 ? "are" : "is"} read; nobody checking the sheet saw its cells`,
      { hint: "unhide the column and check it, then run again (nothing was sent)" },
    );
  }

  /** Merged cells among the rows: which row holds the value is not guessed. */
  private checkMerged(end: SheetEnd, skipped: number | null): void {
    const among = end.merged.filter(
      (range) => range.bottom >= this.headerLine && !(range.top === skipped && range.bottom === skipped),
    );
    if (among.length === 0) return;
    const shown = among.slice(0, 3).map((range) => range.ref);
    throw new BatchError(
      "input",
      `${this.file}: sheet "${this.sheet}" has merged cells among the payroll rows (${shown.join(", ")}${among.length > 3 ? `, and ${among.length - 3} more` : ""}); a merged cell's value belongs to one row only`,
      { hint: "unmerge those cells and fill in every row's own value, then run again (nothing was sent)" },
    );
  }
}

/**
 * A range's corner as [column, row]: `$F$2` → [5, 2]; a whole row (`2`) has column -1, a
 * whole column (`F`) the last row there is.
 */
function corner(ref: string): [number, number] {
  const [, letters = "", digits = ""] = /^\$?([A-Z]*)\$?(\d*)$/.exec(ref.toUpperCase()) ?? [];
  return [
    letters === "" ? -1 : columnIndex(letters),
    digits === "" ? Number.POSITIVE_INFINITY : Number(digits),
  ];
}

/** A money cell whose number format shows a currency sign or code. */
interface ShownCurrency {
  column: MoneyColumn;
  text: string;
  currency: NonNullable<CellText["currency"]>;
}

/**
 * A money cell whose number format shows another currency than its port's: the amount is in
 * the port's (`port`'s for amount, `sender_port`'s for budget), and the sheet shows it as
 * something else (format-currency.ts). A port of no port is refused by validation.
 */
function currencyProblem(
  { column, text, currency: { marks, numFmt } }: ShownCurrency,
  fields: InputRecord["fields"],
  senderPort: string | undefined,
): RecordProblem | null {
  const portColumn = column === "amount" ? "port" : "sender_port";
  // A blank sender_port is --sender-port's, as validation reads it.
  const port = fields[portColumn]?.trim() || (column === "budget" ? (senderPort ?? "") : "");
  const known = knownPort(port);
  if (known === null) return null;
  const currency = portCurrency(known).toUpperCase();
  const other = otherCurrency(marks, currency);
  if (other === undefined) return null;
  return {
    column,
    code: "amount_currency_symbol",
    message: `the cell holds ${text} but its number format "${numFmt}" shows it in ${other}, while ${portColumn} ${port} ${column === "amount" ? "pays" : "spends"} ${currency} (the port sets the currency); check the row's ${portColumn}, or format the column as Number`,
  };
}
