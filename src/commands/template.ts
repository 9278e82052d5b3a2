import { BatchError } from "../errors.js";
import { templateCsv, templateXlsx } from "../report/template.js";
import { templatePayeesCsv } from "../report/template-payees.js";
import type { CsvFormat } from "../writers/dialect.js";

export async function templateCommand(
  args: { reportFormat: CsvFormat; format?: CsvFormat | "xlsx"; mode?: "payees" },
  io: { stdout: NodeJS.WritableStream & { isTTY?: boolean } } = { stdout: process.stdout },
): Promise<number> {
  const format = args.format ?? args.reportFormat;
  if (format !== "xlsx") {
    io.stdout.write(args.mode === "payees" ? templatePayeesCsv(format) : templateCsv(format));
    return 0;
  }
  if (args.mode === "payees") {
    throw new BatchError("usage", "template payees is written as CSV only", {
      hint: "bitex-batch template payees > payroll.csv (or --format excel for Excel's CSV)",
    });
  }
  if (io.stdout.isTTY) {
    throw new BatchError("usage", "template --format xlsx writes a workbook, which a terminal cannot show", {
      hint: "redirect it to a file: bitex-batch template --format xlsx > payroll.xlsx",
    });
  }
  const bytes = await templateXlsx();
  await new Promise<void>((resolve, reject) =>
    io.stdout.write(bytes, (error) => (error ? reject(error) : resolve())),
  );
  return 0;
}
