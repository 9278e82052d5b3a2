/** `export`: every request and output of a period, read from the API, for the accountant. Read-only. */
import { resolveApi } from "../app/connect.js";
import { type ExportArgs, exportPeriod, prepareExport } from "../app/export.js";
import { reportCommandOutput } from "./console.js";
import { ioOf } from "./terminal.js";

export async function exportCommand(given: ExportArgs): Promise<number> {
  const args = { ...given, io: ioOf(given.io) };
  const period = prepareExport(args);
  const target = resolveApi(args);
  const out = reportCommandOutput(args, target?.apiKey);
  return (await exportPeriod(args, period, out)).exitCode;
}
