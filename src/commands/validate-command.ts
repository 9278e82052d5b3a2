/** `validate <csv>`: read, validate, plan and write the report; sends nothing (`--online` only reads). */
import { resolveApi } from "../app/connect.js";
import { prepareValidate, type ValidateArgs, validateFile } from "../app/validate.js";
import { reportCommandOutput } from "./console.js";
import { ioOf } from "./terminal.js";

export async function validateCommand(given: ValidateArgs): Promise<number> {
  const args = await prepareValidate({ ...given, io: ioOf(given.io) });
  const target = args.online ? resolveApi(args) : null;
  const out = reportCommandOutput(args, target?.apiKey);
  return (await validateFile(args, out)).exitCode;
}
