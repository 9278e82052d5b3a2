/**
 * A whole `submit --until final` on a terminal (a pty through `script`) 60 and 100 columns
 * wide, through a 503 outage and a 429 burst of the emulator: on the rendered screen no line
 * is written over another, the outage and the rate limit are each said, and every `next:`
 * line printed (by this run, and by a run that only stages a file), pasted back into a
 * shell, runs. The file's name has spaces and an accent. One test file per width
 * (pty-60.test.ts, pty-100.test.ts), so the two run side by side.
 */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { CLI, tempDir } from "./cli.js";
import { DEMO_CSV, demoSeed, FAST_QUOTE_LATER_MINUTES } from "./sandbox.js";
import { renderScreen } from "./screen.js";

const run = promisify(execFile);
const FILE = "Sueldos Diciembre 2026 ñ.csv";
const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;
const MAX_TOTALS = ["--max-total", "ARS=37000000", "--max-total", "USD=12000", "--max-total", "UYU=1400000"];

interface Place {
  dir: string;
  env: NodeJS.ProcessEnv;
}

/** A folder with the payroll, and `bitex-batch` on PATH (the built CLI), as an operator has it. */
async function place(box: Sandbox): Promise<Place> {
  const dir = await tempDir("bb-pty-");
  await copyFile(DEMO_CSV, join(dir, FILE));
  // Other payments (each amount one more): not refused as a copy of the paid file.
  const [header, ...rows] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
  const other = rows
    .slice(0, 3)
    .map((row) =>
      row.replace(/,(\d+)(\.\d+)?,,/, (_, units, cents = "") => `,${Number(units) + 1}${cents},,`),
    );
  await writeFile(join(dir, `staged ${FILE}`), `${[header, ...other].join("\n")}\n`);
  const bin = join(dir, "bin");
  await mkdir(bin);
  await writeFile(
    join(bin, "bitex-batch"),
    `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(CLI)} "$@"\n`,
  );
  await chmod(join(bin, "bitex-batch"), 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    XDG_STATE_HOME: join(dir, ".state"),
    BITEX_API_URL: box.url,
    BITEX_API_KEY: box.apiKey,
    // Creates cut by the outage are settled by listing at once, not 30 s later.
    BITEX_BATCH_SETTLE_MS: "0",
    TERM: "xterm",
    NO_COLOR: "",
  };
  delete env.BITEX_API_KEY_FILE;
  return { dir, env };
}

/** `bitex-batch <args>` on a pty `columns` wide: what the terminal was sent. */
async function onTerminal(where: Place, columns: number, args: string[]): Promise<string> {
  const command = `stty cols ${columns} rows 50; exec bitex-batch ${args.map(quote).join(" ")}`;
  const done = await run("script", ["-qfec", command, "/dev/null"], {
    cwd: where.dir,
    env: where.env,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout: string }) => error);
  return done.stdout;
}

/** Every `next: <command>` of a screen: the command as printed. */
function nextCommands(lines: readonly string[]): string[] {
  return lines.flatMap((line) => {
    const at = line.indexOf("next: ");
    return at < 0 ? [] : [line.slice(at + "next: ".length)];
  });
}

/** The trial on a terminal `columns` wide. */
export function describePty(columns: number): void {
  describe(`on a terminal ${columns} columns wide, through an outage and a 429 burst`, function () {
    this.timeout(300_000);
    let box: Sandbox | undefined;
    afterEach(async () => {
      await box?.close();
      box = undefined;
    });
    it(`${columns} columns: no line overwritten, the outage and the rate limit said, every next: line runs as pasted`, async () => {
      // 120 times real time: the demo's slow quote comes in 2 s (fastSandbox's 4 minutes).
      // Bitex's 5 calls a second, and the run asks 20: a 429 burst.
      const seed = { ...(await demoSeed()), quote_later_minutes: FAST_QUOTE_LATER_MINUTES };
      box = await startSandbox({ port: 0, seed, faults: { rate_limit: 5 }, timeScale: 120 });
      const sandbox = box;
      const where = await place(sandbox);
      // A 3-second outage while the run follows the accepted requests (reads, which are
      // retried): every call answered 503.
      const outage = (async () => {
        // Every quote accepted first: an outage there would outlast the 5 s (at 120 times) a quote stands.
        const accepted = () => {
          const states = sandbox.state().requests.map((r) => r.attributes.state);
          return (
            states.length === 3 &&
            states.every((state) => state !== "quoted" && state !== "quote_requested" && state !== "draft")
          );
        };
        while (!accepted()) await new Promise((resolve) => setTimeout(resolve, 100));
        sandbox.setFaults({ fail_rate: 1 });
        await new Promise((resolve) => setTimeout(resolve, 3000));
        sandbox.setFaults({ fail_rate: 0 });
      })();
      const raw = await onTerminal(where, columns, [
        "submit",
        FILE,
        "--until",
        "final",
        ...MAX_TOTALS,
        "--rate",
        "20",
        "--interval",
        "0.5",
      ]);
      await outage;
      const screen = renderScreen(raw, columns);
      const text = screen.lines.join("\n");
      expect(screen.overwrites, text).to.deep.equal([]);
      expect(text, text).to.match(/^rate limit hit \(429\), waiting \d+ s; calls slow down$/m);
      expect(text, text).to.match(/^API unreachable since .*503.*, retrying…$/m);
      expect(text, text).to.match(/^API back after \d+ s$/m);
      expect(text, text).to.match(
        /^48 row\(s\): 1 payee rejected by Bitex \(rejected\), 1 paid out, then returned \(returned\), 46 paid \(settled\)$/m,
      );
      // Every payment made once, whatever the outage cut.
      expect(sandbox.state().outputs).to.have.length(48);

      // A file only staged: its next step, as printed, pasted into a shell.
      const staged = renderScreen(await onTerminal(where, columns, ["submit", `staged ${FILE}`]), columns);
      expect(staged.overwrites).to.deep.equal([]);
      const pasted = [...nextCommands(screen.lines), ...nextCommands(staged.lines)];
      expect(pasted, staged.lines.join("\n")).to.not.be.empty;
      for (const line of pasted) {
        // Shell-quoting the file name in next: lines is the other half of this work (it fails
        // until then: "Unknown arguments: Diciembre, 2026, ñ.csv").
        const ran = await run("bash", ["-c", line], { cwd: where.dir, env: where.env }).then(
          () => ({ code: 0, stderr: "" }),
          (error: { code: number; stderr: string }) => error,
        );
        expect([line, ran.code], ran.stderr).to.deep.equal([line, 0]);
      }
    });
  });
}
