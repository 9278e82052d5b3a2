/** `ports`: list the ports the API offers. */
import { type ApiArgs, connect, resolveApi } from "../app/connect.js";
import { readOnlyFailure } from "../app/online.js";
import { operatorZone } from "../time.js";
import { createConsole } from "./console.js";
import { ioOf } from "./terminal.js";

export async function portsCommand(
  given: ApiArgs & { json: boolean; quiet: boolean; tz?: string },
): Promise<number> {
  const args = { ...given, io: ioOf(given.io) };
  const target = resolveApi(args);
  const out = createConsole({
    json: args.json,
    quiet: args.quiet,
    secrets: target ? [target.apiKey] : [],
    stdout: args.io.stdout,
    stderr: args.io.stderr,
    jsonSink: args.io.json,
    zone: operatorZone(args.tz, args.io.env),
  });
  const connection = await connect(args, out, { concurrency: 1, rate: 5 });
  try {
    const ports = await connection.client.listPorts();
    if (args.json) out.json({ ports: ports.map((port) => port.code) });
    else args.io.stdout.write(`${ports.map((port) => port.code).join("\n")}\n`);
    return 0;
  } catch (error) {
    throw readOnlyFailure(error);
  } finally {
    await connection.close();
  }
}
