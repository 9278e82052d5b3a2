/** `validate <csv>`: read, validate, plan and write the report; sends nothing (`--online` only reads). */
import { BatchError } from "../errors.js";
import type { ReportFormat } from "../report/dialect.js";
import { reportRows } from "../report/rows.js";
import { type ApiArgs, connect, resolveApi } from "./connect.js";
import { finish } from "./finish.js";
import { type LoadArgs, loadBatch } from "./load.js";
import { checkOnline, readOnlyFailure } from "./online.js";
import { createOutput } from "./output.js";

export interface ValidateArgs extends LoadArgs, ApiArgs {
  reportFormat: ReportFormat;
  json: boolean;
  quiet: boolean;
  online: boolean;
}

export async function validateCommand(args: ValidateArgs): Promise<void> {
  if (args.json && args.report === "-")
    throw new BatchError("usage", "--json and --report - both want stdout; pick one");
  const target = args.online ? resolveApi(args) : null;
  const out = createOutput({
    json: args.json,
    quiet: args.quiet,
    stdoutTaken: args.report === "-",
    secrets: target ? [target.apiKey] : [],
  });
  const loaded = await loadBatch(args, out);
  let checked = loaded.checked;
  if (args.online) {
    const connection = await connect(args, out, { concurrency: 2, rate: 5 });
    try {
      checked = await checkOnline(connection.client, checked);
    } catch (error) {
      throw readOnlyFailure(error);
    } finally {
      await connection.close();
    }
  }
  process.exitCode = await finish(out, {
    command: "validate",
    file: loaded.file,
    batchId: loaded.plan.batchId,
    reportPath: loaded.reportPath,
    format: args.reportFormat,
    extraColumns: loaded.extraColumns,
    rows: () => reportRows(checked, { kind: "checked" }, new Date()),
  });
}
