/** `validate <csv>`: read, validate, plan and write the report; sends nothing (`--online` only reads). */
import type { CheckedRow } from "../model.js";
import type { ReportFormat } from "../report/dialect.js";
import { reportRows } from "../report/rows.js";
import { type ApiArgs, connect, resolveApi } from "./connect.js";
import { finish } from "./finish.js";
import { type LoadArgs, loadBatch } from "./load.js";
import { checkOnline, readOnlyFailure } from "./online.js";
import { reportCommandOutput } from "./output.js";

export interface ValidateArgs extends LoadArgs, ApiArgs {
  reportFormat: ReportFormat;
  json: boolean;
  quiet: boolean;
  online: boolean;
}

export async function validateCommand(args: ValidateArgs): Promise<void> {
  const target = args.online ? resolveApi(args) : null;
  const out = reportCommandOutput(args, target?.apiKey);
  const loaded = await loadBatch(args, out);
  let checked: Iterable<CheckedRow> = loaded.checked();
  if (args.online) {
    const connection = await connect(args, out, { concurrency: 2, rate: 5 });
    try {
      checked = await checkOnline(connection.client, [...checked]);
    } catch (error) {
      throw readOnlyFailure(error);
    } finally {
      await connection.close();
    }
  }
  process.exitCode = await finish(out, {
    command: "validate",
    file: loaded.file,
    batchId: loaded.batchId,
    reportPath: loaded.reportPath,
    format: args.reportFormat,
    extraColumns: loaded.extraColumns,
    rows: reportRows(checked, { kind: "checked" }, new Date()),
  });
}
