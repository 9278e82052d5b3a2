/** Runs the built CLI (dist/cli.js) as a child process, the way a user or cron does. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const CLI = join(ROOT, "dist", "cli.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** A shell line run before the CLI, e.g. "ulimit -f 2" (the CLI then replaces the shell). */
  shellPrefix?: string;
}

/** Where a test's runs keep their journals and locks unless it says otherwise: never the real home. */
export const stateDirOf = (cwd: string) => join(cwd, ".state", "bitex-batch");

/**
 * The environment without any real Bitex settings, so nothing can reach the real service,
 * and with the per-user state directory inside the test's own directory.
 */
function cleanEnv(cwd: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: join(cwd, ".state") };
  delete env.BITEX_API_KEY;
  delete env.BITEX_API_KEY_FILE;
  delete env.BITEX_API_URL;
  delete env.BITEX_BATCH_SETTLE_MS;
  delete env.BITEX_BATCH_CRASH_AT;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export function spawnCli(
  args: string[],
  options: CliOptions,
): { child: ChildProcess; done: Promise<CliResult> } {
  const [command, argv] = options.shellPrefix
    ? ["bash", ["-c", `${options.shellPrefix}; exec "$0" "$@"`, process.execPath, CLI, ...args]]
    : [process.execPath, [CLI, ...args]];
  const child = spawn(command, argv, {
    cwd: options.cwd,
    env: cleanEnv(options.cwd, options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return spawnCli(args, options).done;
}

export function tempDir(prefix = "bb-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
