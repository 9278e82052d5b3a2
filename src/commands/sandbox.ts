/** `sandbox`: run the embedded Bitex emulator until SIGINT/SIGTERM (then exit 0). */
import { type ListStyle, runSandboxServer } from "../sandbox/index.js";

export interface SandboxArgs {
  port: number;
  host: string;
  seed?: string;
  latencyMs: number;
  jitterMs: number;
  failRate: number;
  dropRate: number;
  rateLimit: number;
  faultSeed?: number;
  listStyle: ListStyle;
  pageCap?: number;
  timeScale: number;
}

export async function sandboxCommand(args: SandboxArgs): Promise<number> {
  await runSandboxServer({
    port: args.port,
    host: args.host,
    seed: args.seed,
    faults: {
      latency_ms: args.latencyMs,
      jitter_ms: args.jitterMs,
      fail_rate: args.failRate,
      drop_rate: args.dropRate,
      rate_limit: args.rateLimit,
      ...(args.faultSeed === undefined ? {} : { fault_seed: args.faultSeed }),
      list_style: args.listStyle,
      page_cap: args.pageCap ?? null,
    },
    timeScale: args.timeScale,
    print: (line) => process.stdout.write(`${line}\n`),
  });
  return 0;
}
