import { templateCsv } from "../report/template.js";
import { templatePayeesCsv } from "../report/template-payees.js";
import type { CsvFormat } from "../writers/dialect.js";

export function templateCommand(
  args: { reportFormat: CsvFormat; mode?: "payees" },
  io: { stdout: NodeJS.WritableStream } = { stdout: process.stdout },
): number {
  io.stdout.write(
    args.mode === "payees" ? templatePayeesCsv(args.reportFormat) : templateCsv(args.reportFormat),
  );
  return 0;
}
