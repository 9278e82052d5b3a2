import { templateCsv } from "../report/template.js";
import type { CsvFormat } from "../writers/dialect.js";

export function templateCommand(
  args: { reportFormat: CsvFormat },
  io: { stdout: NodeJS.WritableStream } = { stdout: process.stdout },
): number {
  io.stdout.write(templateCsv(args.reportFormat));
  return 0;
}
