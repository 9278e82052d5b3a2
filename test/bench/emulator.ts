/**
 * The emulator as a separate process (`node dist/cli.js sandbox`), so the client's figures
 * are not blurred by the server sharing its event loop, plus its /_sandbox control surface.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { SandboxState } from "../../src/sandbox/index.js";
import type { SandboxStats } from "../../src/sandbox/stats.js";

export interface EmulatorOptions {
  cli: string;
  seed: string;
  latencyMs: number;
  /** Calls per second per key; 0 = none. */
  rateLimit: number;
  /** The emulator's clock speed (`--time-scale`); default 1. */
  timeScale?: number;
  /**
   * `--list-style`; default "rich", the style the figures were first measured in (the
   * emulator's own default is "recorded"). `pageCap`: `--page-cap`, when given.
   */
  listStyle?: "rich" | "recorded" | "bare" | "unpaged";
  pageCap?: number;
  /** `--includes`: what a request read with `?include=outputs` gets (the emulator's default: honoured). */
  includes?: "honoured" | "ignored" | "refused";
}

export interface Faults {
  latency_ms?: number;
  fail_rate?: number;
  drop_rate?: number;
  rate_limit?: number;
  fault_seed?: number | null;
}

/** Emulators still running: killed if the bench exits early, so none outlives it. */
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export class Emulator {
  private constructor(
    private readonly child: ChildProcess,
    /** e.g. http://127.0.0.1:40123/api */
    readonly url: string,
    readonly apiKey: string,
    readonly baseUrl: string,
  ) {}

  static async start(options: EmulatorOptions): Promise<Emulator> {
    const args = [
      options.cli,
      "sandbox",
      "--port",
      "0",
      "--latency-ms",
      String(options.latencyMs),
      "--rate-limit",
      String(options.rateLimit),
      "--seed",
      options.seed,
      "--time-scale",
      String(options.timeScale ?? 1),
      "--list-style",
      options.listStyle ?? "rich",
      ...(options.pageCap === undefined ? [] : ["--page-cap", String(options.pageCap)]),
      ...(options.includes === undefined ? [] : ["--includes", options.includes]),
    ];
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    live.add(child);
    child.once("exit", () => live.delete(child));
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      const onData = (chunk: string) => {
        out += chunk;
        const end = out.indexOf("\n");
        if (end >= 0) {
          child.stdout?.off("data", onData);
          resolve(out.slice(0, end));
        }
      };
      child.stdout?.setEncoding("utf8").on("data", onData);
      child.once("exit", (code) =>
        reject(new Error(`the emulator exited (${code}) before listening: ${stderr}`)),
      );
      child.once("error", reject);
    });
    const match = /listening on (\S+) \(api key: (.+)\)$/.exec(line);
    if (!match) throw new Error(`unexpected emulator banner: ${line}`);
    const url = match[1] as string;
    // Keep draining stdout so the child can never block on a full pipe.
    child.stdout?.resume();
    return new Emulator(child, url, match[2] as string, new URL(url).origin);
  }

  /** Environment for a CLI child talking to this emulator. */
  env(): Record<string, string> {
    return { BITEX_API_KEY: this.apiKey, BITEX_API_URL: this.url };
  }

  async state(): Promise<SandboxState> {
    const response = await fetch(`${this.baseUrl}/_sandbox/state`);
    if (!response.ok) throw new Error(`GET /_sandbox/state: ${response.status}`);
    return (await response.json()) as SandboxState;
  }

  async stats(): Promise<SandboxStats> {
    return (await this.state()).stats;
  }

  async resetStats(): Promise<void> {
    await this.post("/_sandbox/reset-stats", {});
  }

  async setFaults(faults: Faults): Promise<void> {
    await this.post("/_sandbox/faults", faults);
  }

  private async post(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.kill("SIGTERM");
    await exited;
  }
}
