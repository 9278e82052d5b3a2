/** `sandbox`: run the embedded Bitex emulator until SIGINT/SIGTERM (then exit 0). */
import { type Includes, type ListStyle, listeningLine, runSandboxServer } from "../sandbox/index.js";

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
  includes: Includes;
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
      includes: args.includes,
    },
    timeScale: args.timeScale,
    print: (line) => process.stdout.write(`${line}\n`),
    banner: sandboxBanner,
  });
  return 0;
}

/**
 * What to paste to use it: the line tools read first, the two exports for another shell,
 * then the control surface (loopback, no key) as commands that run.
 */
export function sandboxBanner({ url, apiKey }: { url: string; apiKey: string }): string[] {
  const root = new URL("/_sandbox", url).href;
  const controls: Array<[string, string]> = [
    [`curl -s ${root}/state`, "the world as JSON, and its clock"],
    [`curl -s -X POST ${root}/advance -d '{"minutes": 30}'`, "move the clock 30 minutes"],
    [`curl -s -X POST ${root}/faults -d '{"fail_rate": 0.2}'`, "answer 1 call in 5 with a 503"],
    [`curl -s -X POST ${root}/faults -d '{"fail_rate": 0}'`, "and back"],
  ];
  const width = Math.max(...controls.map(([command]) => command.length));
  return [
    listeningLine({ url, apiKey }),
    `export BITEX_API_URL=${url}`,
    `export BITEX_API_KEY=${apiKey}`,
    "controls (loopback, no key):",
    ...controls.map(([command, what]) => `  ${command.padEnd(width)}  # ${what}`),
  ];
}
