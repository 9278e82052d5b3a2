/** `ports`: list the ports the API offers. */
import { type ApiArgs, connect, resolveApi } from "../app/connect.js";
import { readOnlyFailure } from "../app/online.js";
import { createConsole } from "./console.js";

export async function portsCommand(args: ApiArgs & { json: boolean; quiet: boolean }): Promise<number> {
  const target = resolveApi(args);
  const out = createConsole({
    json: args.json,
    quiet: args.quiet,
    secrets: target ? [target.apiKey] : [],
    stdout: args.io?.stdout,
    stderr: args.io?.stderr,
  });
  const connection = await connect(args, out, { concurrency: 1, rate: 5 });
  try {
    const ports = await connection.client.listPorts();
    if (args.json) out.json({ ports: ports.map((port) => port.code) });
    else (args.io?.stdout ?? process.stdout).write(`${ports.map((port) => port.code).join("\n")}\n`);
    return 0;
  } catch (error) {
    throw readOnlyFailure(error);
  } finally {
    await connection.close();
  }
}
