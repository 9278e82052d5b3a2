/**
 * Runs that explain themselves: a resumed run on a terminal (a pty through
 * `script`) says "resuming" before the bar and the bar starts at the rows already created;
 * an outage is one line when it starts and one when it ends; a log (stderr not a terminal)
 * has timestamped notices and no carriage returns or escapes.
 */
import { execFile } from "node:child_process";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { outageNotices } from "../../src/app/connect.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { CLI, LOG_STAMP, runCli, spawnCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

const run = promisify(execFile);
const ESC = String.fromCharCode(27);

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A gateway in front of the emulator that answers 503 until `downUntil`, then passes calls on. */
async function flakyGateway(
  target: string,
  downForMs: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  // Down from the first call it gets, for downForMs; but a call is refused at most 5 times, so
  // that the client's sixth and last attempt always goes through and the run never depends on
  // how its retries' random jitter happened to add up; then it is up for every call.
  let downUntil: number | undefined;
  const refused = new Map<string, number>();
  const server = http.createServer((req, res) => {
    downUntil ??= Date.now() + downForMs;
    const call = `${req.method} ${req.url}`;
    const times = refused.get(call) ?? 0;
    if (Date.now() < downUntil && times < 5) {
      refused.set(call, times + 1);
      res.writeHead(503, { "content-type": "text/html" }).end("<html>down</html>");
      return;
    }
    // The first call let through ends the outage for every call: one outage, however quickly
    // the retries' jitter brought a call to its sixth attempt.
    downUntil = Math.min(downUntil, Date.now());
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("terminal and log output", function () {
  this.timeout(60_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("a 10 s outage of many failing calls is two lines: since when, and back after how long", () => {
    let now = Date.parse("2026-11-29T10:15:02Z");
    const said: string[] = [];
    const outage = outageNotices(
      (line) => said.push(line),
      () => now,
      "America/Argentina/Buenos_Aires",
    );
    for (let i = 0; i < 40; i++) {
      outage.onRetry({ error: new Error("GET /concierge_ports: Bitex answered 503") });
      now += 250;
    }
    outage.onAnswer();
    outage.onAnswer();
    expect(said).to.deep.equal([
      "API unreachable since 2026-11-29 07:15:02 -03:00 (GET /concierge_ports: Bitex answered 503), retrying…",
      "API back after 10 s",
    ]);
  });

  it("a burst of 429s is one line, the rate limit and the wait, never 'API unreachable'", () => {
    let now = Date.parse("2026-11-29T10:15:02Z");
    const said: string[] = [];
    const outage = outageNotices(
      (line) => said.push(line),
      () => now,
      "UTC",
    );
    const limited = Object.assign(new Error("GET /concierge_ports: Bitex rate limit reached (429)"), {
      kind: "rate_limited",
    });
    for (let i = 0; i < 20; i++) {
      outage.onRetry({ error: limited, delayMs: 1200 });
      outage.onAnswer();
      now += 200;
    }
    expect(said).to.deep.equal(["rate limit hit (429), waiting 2 s; calls slow down"]);
    now += 10_000;
    outage.onRetry({ error: limited, delayMs: 300 });
    expect(said.at(-1)).to.equal("rate limit hit (429), waiting 1 s; calls slow down");
  });

  it("a log: an outage is two lines, notices carry an ISO time, no carriage return nor escape", async () => {
    box = await sandbox();
    const gateway = await flakyGateway(box.url, 1500);
    try {
      const dir = await tempDir();
      await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
      const result = await runCli(["submit", "payroll.csv", "--rate", "1000"], {
        cwd: dir,
        env: { BITEX_API_KEY: box.apiKey, BITEX_API_URL: gateway.url },
      });
      expect(result.code, result.stderr).to.equal(0);
      const lines = result.log.trimEnd().split("\n");
      expect(result.log).to.not.include("\r");
      expect(result.log).to.not.include(ESC);
      for (const line of lines) expect(line).to.match(LOG_STAMP);
      const outage = lines.filter((line) => /API (unreachable since|back after)/.test(line));
      expect(outage).to.have.length(2);
      expect(outage[0]).to.match(
        / API unreachable since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(.*503.*\), retrying…$/,
      );
      expect(outage[1]).to.match(/ API back after [1-9]\d* s$/);
      // The state directory, the batch, the outage's two, a progress line, the batch's stage.
      expect(lines.length, result.stderr).to.be.at.most(6);
    } finally {
      await gateway.close();
    }
  });

  it("a run resumed after a kill says how long it waits for the calls the killed run left in flight", async () => {
    box = await sandbox({ latency_ms: 300 });
    const dir = await tempDir();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const env = { ...apiEnv(box), BITEX_BATCH_SETTLE_MS: "8000" };
    const first = spawnCli(["submit", "payroll.csv", "--rate", "1000", "--concurrency", "4"], {
      cwd: dir,
      env,
    });
    await waitFor(() => (box?.counts().outputs ?? 0) >= 5, "5 outputs");
    // Killed with creates in flight: their outcome is unknown to the journal.
    first.child.kill("SIGKILL");
    await first.done;
    const again = await runCli(["submit", "payroll.csv", "--rate", "1000"], { cwd: dir, env });
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr, again.stderr).to.match(
      /^waiting [1-8] s for calls the last run may have left in flight \(so that nothing is sent twice\)$/m,
    );
    expect(box.state().outputs).to.have.length(48);
  });

  it("on a terminal (pty): a resumed run says so before the bar, and the bar starts at the rows already created", async () => {
    box = await sandbox({ latency_ms: 40 });
    const dir = await tempDir();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    // Rows cut off by the signal need not wait 30 s before a listing may rule them out.
    const env = { ...apiEnv(box), BITEX_BATCH_SETTLE_MS: "0" };
    const first = spawnCli(["submit", "payroll.csv", "--rate", "20", "--concurrency", "1"], {
      cwd: dir,
      env,
    });
    await waitFor(() => (box?.counts().outputs ?? 0) >= 10, "10 outputs");
    first.child.kill("SIGINT");
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).to.equal(3);
    const created = box.state().outputs.length;
    expect(created).to.be.within(10, 47);

    const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;
    const command = [process.execPath, CLI, "submit", "payroll.csv", "--rate", "1000"].map(quote).join(" ");
    const { stdout } = await run("script", ["-qec", command, "/dev/null"], {
      cwd: dir,
      env: { ...process.env, ...env, XDG_STATE_HOME: join(dir, ".state"), TERM: "xterm", NO_COLOR: "" },
    });
    const screen = stdout.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, "g"), "");
    const resuming = screen.indexOf(`resuming batch `);
    const bar = screen.indexOf("submit [");
    expect(resuming, screen).to.be.greaterThan(-1);
    expect(bar, screen).to.be.greaterThan(resuming);
    expect(screen.slice(resuming).split(/\r?\n/)[0]).to.match(
      new RegExp(
        `^resuming batch [0-9a-f]{16} \\(begun .*\\): ${created} of 48 row\\(s\\) already created on `,
      ),
    );
    expect(screen.slice(bar)).to.match(new RegExp(`^submit \\[[█░]+\\] ${created}/48 rows`));
    expect(screen).to.include("48 rows: 48 created");
  });

  for (const plain of [{ TERM: "dumb" }, { NO_COLOR: "1", TERM: "xterm" }]) {
    it(`on a terminal with ${Object.keys(plain)[0]}=${Object.values(plain)[0]}: plain lines, no bar, no escapes`, async () => {
      const dir = await tempDir();
      const demo = (await readFile(DEMO_CSV, "utf8")).split("\n");
      await writeFile(join(dir, "payroll.csv"), `${demo.slice(0, 5).join("\n")}\n`);
      const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;
      const command = [process.execPath, CLI, "submit", "payroll.csv", "--sandbox"].map(quote).join(" ");
      const { stdout } = await run("script", ["-qec", command, "/dev/null"], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: "", ...plain, XDG_STATE_HOME: join(dir, ".state") },
      });
      expect(stdout).to.not.include(ESC);
      expect(stdout).to.not.include("█");
      expect(stdout).to.include("4 rows: 4 created");
    });
  }
});
