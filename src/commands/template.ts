import type { CsvFormat } from "../report/dialect.js";
import { templateCsv } from "../report/template.js";

export function templateCommand(args: { reportFormat: CsvFormat }): void {
  process.stdout.write(templateCsv(args.reportFormat));
  process.exitCode = 0;
}
