/** `submit <csv>`: validate, plan, create requests and outputs exactly once, write the report. */
import { resolveApi } from "../app/connect.js";
import { prepareSubmit, type SubmitArgs, submitFile } from "../app/submit.js";
import { reportCommandOutput } from "./console.js";
import { ioOf, terminalSession } from "./terminal.js";

export async function submitCommand(args: SubmitArgs): Promise<number> {
  const io = ioOf(args.io);
  const prepared = prepareSubmit(args, io.env);
  // Refuse a missing key or an insecure URL before reading anything (exit 2, nothing sent).
  const target = args.dryRun ? null : resolveApi({ ...args, io });
  const out = reportCommandOutput({ ...args, io }, target?.apiKey);
  const outcome = await submitFile({ ...args, io }, prepared, terminalSession(out, io));
  return outcome.exitCode;
}
