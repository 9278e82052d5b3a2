import type { ReportFormat } from "../report/dialect.js";
import { templateCsv } from "../report/template.js";

export function templateCommand(args: { reportFormat: ReportFormat }): void {
  process.stdout.write(templateCsv(args.reportFormat));
  process.exitCode = 0;
}
