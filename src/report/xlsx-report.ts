/**
 * The report's xlsx workbook (docs/design.md section 7): sheet "Report" of the same rows and
 * columns as the CSV report (REPORT_TABLE), typed, then the Summary sheet of its totals,
 * on the writers' streamed workbook (src/writers/xlsx.ts).
 */
import { openParts, type Parts, XlsxTable } from "../writers/xlsx.js";
import { type ColumnSpec, type RowColumn, specColumn } from "../writers/xlsx-columns.js";
import { REPORT_TABLE, type ReportRow } from "./columns.js";
import { MoneyBuilder } from "./money.js";
import { StateTotalsBuilder } from "./states.js";
import { SummaryBuilder } from "./summary.js";
import { writeSummarySheet } from "./xlsx-summary.js";

export interface XlsxReportOptions {
  extraColumns?: readonly string[];
  /** For the Summary sheet: the batch and the file it was read from. */
  batchId?: string;
  file?: string;
  /** When the report's data was read; default: when the workbook is committed. */
  asOf?: Date;
  /** IANA zone of every time in the workbook (default UTC). */
  tz?: string;
}

/** A report column as an xlsx spec, from its REPORT_TABLE entry: ids are text there, as every text. */
function reportSpec(column: (typeof REPORT_TABLE)[number]): ColumnSpec<ReportRow> {
  const name = column.name;
  if (column.kind === "line") return { name, kind: "line", value: (row) => row.line };
  if (column.kind === "time") return { name, kind: "time", value: (row) => row[name] as string };
  if ("currency" in column)
    return { name, kind: "money", value: (row) => row[name] as string, currency: column.currency };
  return { name, kind: "text", value: (row) => row[name] as string };
}

function keptSpec(name: string): ColumnSpec<ReportRow> {
  return {
    name,
    kind: "text",
    // hasOwn: a kept column named "constructor" must not read Object.prototype.
    value: (row) => (row.extra && Object.hasOwn(row.extra, name) ? (row.extra[name] ?? "") : ""),
  };
}

export function rowColumns(extraColumns: readonly string[]): RowColumn<ReportRow>[] {
  return [...REPORT_TABLE.map(reportSpec), ...extraColumns.map(keptSpec)].map(specColumn);
}

/** The report's workbook: its rows sheet "Report", then the Summary sheet of its totals. */
export class XlsxReport extends XlsxTable<ReportRow> {
  private readonly summary = new SummaryBuilder();
  private readonly states = new StateTotalsBuilder();
  private readonly money = new MoneyBuilder();

  private constructor(
    parts: Parts,
    private readonly options: XlsxReportOptions,
  ) {
    super(parts, { sheet: "Report", columns: rowColumns(options.extraColumns ?? []) });
  }

  static async open(path: string, options: XlsxReportOptions): Promise<XlsxReport> {
    return new XlsxReport(await openParts(path, options.tz ?? "UTC"), options);
  }

  protected override observe(row: ReportRow): void {
    this.summary.add(row);
    this.states.add(row);
    this.money.add(row);
  }

  /** Ends the rows sheet, writes the Summary sheet, and makes the file the report. */
  async commit(meta: Pick<XlsxReportOptions, "batchId" | "file" | "asOf"> = {}): Promise<void> {
    const options = { ...this.options, ...meta };
    await this.commitWith((workbook, clock) =>
      writeSummarySheet(workbook, {
        batchId: options.batchId ?? "",
        file: options.file ?? "",
        asOf: clock.wall(options.asOf ?? new Date()),
        zone: clock.zone,
        summary: this.summary.result(),
        states: this.states.result(),
        money: this.money.result(),
      }),
    );
  }
}

/** Writes every row; resolves with the number of rows written. */
export async function writeXlsxReport(
  path: string,
  rows: Iterable<ReportRow>,
  options: XlsxReportOptions,
): Promise<{ rows: number }> {
  const report = await XlsxReport.open(path, options);
  try {
    await report.write(rows);
    await report.commit();
  } catch (error) {
    await report.discard();
    throw error;
  }
  return { rows: report.rows };
}
