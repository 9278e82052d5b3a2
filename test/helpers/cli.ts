/**
 * Runs the built CLI: `spawnCli` as a child process (dist/cli.js), the way a user or cron
 * does; `runCli` through the built entry's `run(argv, io)` (dist/main.js) in this process
 * when no real process is needed, else as a child.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { ROOT } from "./root.js";

export { ROOT };
export const CLI = join(ROOT, "dist", "cli.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stderr's words: each line without the time a log line begins with (see `log`). */
  stderr: string;
  /** stderr as written: a log (not a terminal), so every line begins with its time. */
  log: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** A shell line run before the CLI, e.g. "ulimit -f 2" (the CLI then replaces the shell). */
  shellPrefix?: string;
}

/** A log line's time: the one human form, in the operator's zone (src/time.ts). */
export const LOG_STAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d /;

/** JSON's times: ISO 8601 with the zone's offset ("Z" in UTC). */
export const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/;

/** A log's lines without the time each begins with. */
export function unstamped(log: string): string {
  return log.replace(new RegExp(LOG_STAMP.source, "gm"), "");
}

/** What a run wrote, stderr as written (`log`) and without its times (`stderr`). */
function resultOf(
  code: number | null,
  signal: NodeJS.Signals | null,
  stdout: string,
  log: string,
): CliResult {
  return { code, signal, stdout, stderr: unstamped(log), log };
}

/** Where a test's runs keep their journals and locks unless it says otherwise: never the real home. */
export const stateDirOf = (cwd: string) => join(cwd, ".state", "bitex-batch");

/**
 * The environment without any real Bitex settings, so nothing can reach the real service,
 * and with the per-user state directory inside the test's own directory.
 */
export function cleanEnv(cwd: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
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
    child.on("close", (code, signal) => resolvePromise(resultOf(code, signal, stdout, stderr)));
  });
  return { child, done };
}

/**
 * What only a process of its own can do: be killed at a crash point, live under a shell's
 * limits, print yargs' help (it writes to the process's console), write a report to its
 * own stdout, serve the emulator until a signal, or hold a batch's lock (keyed by pid)
 * while another run of this process holds it too.
 */
function needsProcess(args: string[], options: CliOptions): boolean {
  if (options.shellPrefix !== undefined || options.env?.BITEX_BATCH_CRASH_AT !== undefined) return true;
  if (inProcessRuns > 0 || startedThisTurn > 1 || args.length === 0) return true;
  const command = args.find((arg) => !arg.startsWith("-"));
  if (command === undefined || ["help", "completion", "sandbox"].includes(command)) return true;
  return args.some((arg) => ["-", "--help", "-h", "--version"].includes(arg));
}

let inProcessRuns = 0;
/** Runs asked for in this turn of the event loop: two at once (Promise.all) are two processes. */
let startedThisTurn = 0;

type Main = typeof import("../../src/main.js");
let builtMain: Promise<Main> | undefined;

/** A stream that keeps what is written to it, as text: a run's stdout or stderr in this process. */
export function textSink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = "";
  return stream;
}

/** The built CLI's `run` in this process, in `options.cwd`, with the same clean environment. */
async function runInProcess(args: string[], options: CliOptions): Promise<CliResult> {
  const before = process.cwd();
  try {
    builtMain ??= import(pathToFileURL(join(ROOT, "dist", "main.js")).href) as Promise<Main>;
    const { run } = await builtMain;
    const stdout = textSink();
    const stderr = textSink();
    process.chdir(options.cwd);
    const code = await run(args, { stdout, stderr, env: cleanEnv(options.cwd, options.env) });
    return resultOf(code, null, stdout.text, stderr.text);
  } finally {
    process.chdir(before);
    inProcessRuns--;
  }
}

export async function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  startedThisTurn++;
  // Decide after this turn, when every run started together with this one is counted.
  await new Promise((resolve) => setImmediate(resolve));
  const apart = needsProcess(args, options);
  if (!apart) inProcessRuns++;
  setImmediate(() => {
    startedThisTurn = 0;
  });
  return apart ? spawnCli(args, options).done : runInProcess(args, options);
}

export function tempDir(prefix = "bb-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * A new folder on a file system other than the temporary folder's, for moves that cross file
 * systems (EXDEV): memory (/dev/shm) when the tests' files are on disk, a disk folder when
 * npm test put them in memory (test/suite.sh). The caller removes it.
 */
export async function otherFileSystemDir(prefix: string): Promise<string> {
  const here = (await stat(tmpdir())).dev;
  for (const base of ["/dev/shm", "/var/tmp", ROOT]) {
    const dev = (await stat(base).catch(() => null))?.dev;
    if (dev !== undefined && dev !== here) return mkdtemp(join(base, prefix));
  }
  throw new Error(`no folder on another file system than ${tmpdir()} (tried /dev/shm, /var/tmp, ${ROOT})`);
}
