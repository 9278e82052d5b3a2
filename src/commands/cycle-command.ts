/** `quote`, `accept` and `status`: the file's batch taken one step of its cycle further. */
import { resolveApi } from "../app/connect.js";
import { type FollowArgs, followBatch, prepareFollow, type Step } from "../app/follow.js";
import { reportCommandOutput } from "./console.js";
import { ioOf, terminalSession } from "./terminal.js";

export async function followCommand(command: string, given: FollowArgs, steps: Step[]): Promise<number> {
  const args = { ...given, io: ioOf(given.io) };
  const plan = prepareFollow(args, steps);
  const target = resolveApi(args);
  const out = reportCommandOutput(args, target?.apiKey);
  const outcome = await followBatch(command, args, plan, terminalSession(out, args.io));
  return outcome.exitCode;
}
