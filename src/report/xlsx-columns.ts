/**
 * The columns of the xlsx rows sheet (pure): the report's columns in their order, then the
 * kept input columns, each with the kind of cell it holds.
 */
import { isPort, portCurrency } from "../ports.js";
import { REPORT_COLUMNS, type ReportColumn, type ReportRow } from "./columns.js";
import { exactNumber, moneyDecimals, moneyFormat, xmlSafe, type ZoneClock } from "./xlsx-cells.js";

export type CellValue = string | number | Date | null;

/** line: a whole number; money: a number (text when no double is exact); time: a date; text: text. */
export type ColumnStyle = "line" | "text" | "money" | "time";

export interface RowColumn {
  name: string;
  style: ColumnStyle;
  /** The cell's value, and in `formats[index]` its number format when it needs its own. */
  cell(row: ReportRow, clock: ZoneClock, formats: (string | undefined)[], index: number): CellValue;
}

/** Each money column and the currency its figures are in (DESIGN.md sections 7 and 12). */
const MONEY_CURRENCY: Partial<Record<ReportColumn, (row: ReportRow) => string>> = {
  amount: (row) => (isPort(row.port) ? portCurrency(row.port).toUpperCase() : row.currency),
  budget: (row) => (isPort(row.sender_port) ? portCurrency(row.sender_port).toUpperCase() : row.currency),
  receive_amount: (row) => row.receive_currency,
  spend_amount: (row) => row.spend_currency,
};

function reportColumn(name: ReportColumn): RowColumn {
  if (name === "line") return { name, style: "line", cell: (row) => row.line };
  if (name === "updated_at") {
    // A time that is not the report's own format stays as written, as text.
    return {
      name,
      style: "time",
      cell: (row, clock) => clock.fromReport(row.updated_at) ?? textOrNull(row.updated_at),
    };
  }
  const currencyOf = MONEY_CURRENCY[name];
  if (currencyOf) {
    return {
      name,
      style: "money",
      cell: (row, _clock, formats, index) => {
        const text = row[name] as string;
        if (text === "") return null;
        const value = exactNumber(text);
        // No double shows this decimal: text is right, a nearby number would not be.
        formats[index] = value === null ? "@" : moneyFormat(moneyDecimals(text, currencyOf(row)));
        return value ?? xmlSafe(text);
      },
    };
  }
  return { name, style: "text", cell: (row) => textOrNull(row[name] as string) };
}

function keptColumn(name: string): RowColumn {
  return {
    name,
    style: "text",
    // hasOwn: a kept column named "constructor" must not read Object.prototype.
    cell: (row) => textOrNull(row.extra && Object.hasOwn(row.extra, name) ? (row.extra[name] ?? "") : ""),
  };
}

function textOrNull(text: string): string | null {
  return text === "" ? null : xmlSafe(text);
}

export function rowColumns(extraColumns: readonly string[]): RowColumn[] {
  return [...REPORT_COLUMNS.map(reportColumn), ...extraColumns.map(keptColumn)];
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
  updated_at: 19,
};

/** Widths in characters that fit the header and the given rows, within bounds a screen can show. */
export function widthsOf(columns: readonly RowColumn[], rows: readonly ReportRow[]): number[] {
  const widths = columns.map((column) => Math.max(column.name.length, MIN_WIDTH[column.name] ?? 0));
  const formats: (string | undefined)[] = [];
  for (const row of rows) {
    columns.forEach((column, i) => {
      widths[i] = Math.max(widths[i] ?? 0, shownLength(column.cell(row, NO_CLOCK, formats, i)));
    });
  }
  return widths.map((width) => Math.min(Math.max(width + 2, 8), 60));
}

/** Widths need no zone: every time shows as "yyyy-mm-dd hh:mm:ss". */
const NO_CLOCK = { fromReport: (text: string) => (text === "" ? null : new Date(0)) } as unknown as ZoneClock;

function shownLength(value: CellValue): number {
  if (value === null) return 0;
  if (value instanceof Date) return 19;
  if (typeof value === "number") {
    // Digits, a group mark every three, the decimals with their mark.
    const [whole = "", fraction = ""] = String(value).split(".");
    return (
      whole.length + Math.floor((whole.length - 1) / 3) + (fraction ? Math.max(fraction.length, 2) + 1 : 3)
    );
  }
  return value.length;
}
