import type { CellKind, TableColumn, TableRow } from "./table.js";
import { exactNumber, moneyDecimals, moneyFormat, xmlSafe, type ZoneClock } from "./xlsx-cells.js";

export type CellValue = string | number | Date | null;

/** line: a whole number; money: a number (text when no double is exact); time: a date; text: text. */
export type ColumnStyle = "line" | "text" | "money" | "time";

export interface RowColumn<Row> {
  name: string;
  style: ColumnStyle;
  /** A long text (WRAPPED): shown on as many lines as it needs, not cut at the next cell. */
  wrap?: boolean;
  /** The cell's value, and in `formats[index]` its number format when it needs its own. */
  cell(row: Row, clock: ZoneClock, formats: (string | undefined)[], index: number): CellValue;
}

/** A column as a spec: what its cells are, and how to read one from a row. */
export interface ColumnSpec<Row> {
  name: string;
  kind: CellKind;
  /** The cell's text ("" when unknown); a `line` spec may give the number itself. */
  value(row: Row): string | number;
  /** money: the currency (ISO 4217) of the row's figure; "" when unknown. */
  currency?(row: Row): string;
}

const STYLE_OF: Readonly<Record<CellKind, ColumnStyle>> = {
  text: "text",
  // Ids stay text: a 20-digit id or "00300" must come back as written.
  id: "text",
  line: "line",
  money: "money",
  time: "time",
};

/** The xlsx column of a spec: the cell rules of each kind, shared by every table. */
export function specColumn<Row>(spec: ColumnSpec<Row>): RowColumn<Row> {
  const { name, value } = spec;
  const style = STYLE_OF[spec.kind];
  if (style === "line") {
    return {
      name,
      style,
      cell: (row) => {
        const line = value(row);
        if (typeof line === "number") return line;
        if (line === "") return null;
        return /^\d{1,15}$/.test(line) ? Number(line) : xmlSafe(line);
      },
    };
  }
  if (style === "time") {
    // A time that is not an ISO 8601 timestamp stays as written, as text.
    return {
      name,
      style,
      cell: (row, clock, formats, index) => {
        const text = textOf(value(row));
        const date = clock.fromReport(text);
        if (date !== null) formats[index] = clock.lastTimeFormat();
        if (date !== null || text === "") return date;
        formats[index] = "@";
        return xmlSafe(text);
      },
    };
  }
  if (style === "money") {
    const currencyOf = spec.currency ?? (() => "");
    return {
      name,
      style,
      cell: (row, _clock, formats, index) => {
        const text = textOf(value(row));
        if (text === "") return null;
        const number = exactNumber(text);
        // No double shows this decimal: text is right, a nearby number would not be.
        formats[index] = number === null ? "@" : moneyFormat(moneyDecimals(text, currencyOf(row)));
        return number ?? xmlSafe(text);
      },
    };
  }
  return { name, style, wrap: WRAPPED.has(name), cell: (row) => textOrNull(textOf(value(row))) };
}

function textOf(value: string | number | null | undefined): string {
  return typeof value === "string" ? value : value === null || value === undefined ? "" : String(value);
}

function textOrNull(text: string): string | null {
  return text === "" ? null : xmlSafe(text);
}

/**
 * The columns of a table described by TableColumns (table.ts), whose rows hold one text cell
 * per column: a money column's currency is the cell of the column its spec names.
 */
export function tableColumns(columns: readonly TableColumn[]): RowColumn<TableRow>[] {
  const at = (column: TableColumn, name: string) => {
    const index = columns.findIndex((other) => other.name === name);
    if (index < 0) throw new Error(`column ${column.name}: its currency column ${name} is not in the table`);
    return index;
  };
  return columns.map((column, i) => {
    const currency = column.currency === undefined ? undefined : at(column, column.currency);
    return specColumn<TableRow>({
      name: column.name,
      kind: column.kind,
      value: (row) => row[i] ?? "",
      currency: currency === undefined ? undefined : (row) => row[currency] ?? "",
    });
  });
}

/**
 * Widths the first rows may not show the need for: an error or a late state can first
 * appear far down the sheet, whose columns are sized before its first row is written.
 */
const MIN_WIDTH: Partial<Record<string, number>> = {
  state: 10,
  request_state: 14,
  cancellation_reason: 20,
  error_code: 26,
  error: 50,
  updated_at: 26,
};

/** Text columns whose cells can be longer than a screen column: an error and what to do about it. */
const WRAPPED: ReadonlySet<string> = new Set(["error"]);

/** Widths in characters that fit the header and the given rows, within bounds a screen can show. */
export function widthsOf<Row>(columns: readonly RowColumn<Row>[], rows: readonly Row[]): number[] {
  const widths = columns.map((column) => Math.max(column.name.length, MIN_WIDTH[column.name] ?? 0));
  const formats: (string | undefined)[] = [];
  for (const row of rows) {
    columns.forEach((column, i) => {
      widths[i] = Math.max(widths[i] ?? 0, shownLength(column.cell(row, NO_CLOCK, formats, i)));
    });
  }
  return widths.map((width) => Math.min(Math.max(width + 2, 8), 60));
}

/** Widths need no zone: every time shows as "yyyy-mm-dd hh:mm:ss -03:00". */
const NO_CLOCK = {
  fromReport: (text: string) => (text === "" ? null : new Date(0)),
  lastTimeFormat: () => "",
} as unknown as ZoneClock;

function shownLength(value: CellValue): number {
  if (value === null) return 0;
  if (value instanceof Date) return 26;
  if (typeof value === "number") {
    // Digits, a group mark every three, the decimals with their mark.
    const [whole = "", fraction = ""] = String(value).split(".");
    return (
      whole.length + Math.floor((whole.length - 1) / 3) + (fraction ? Math.max(fraction.length, 2) + 1 : 3)
    );
  }
  return value.length;
}
