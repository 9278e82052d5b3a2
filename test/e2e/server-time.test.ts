/**
 * Deadlines counted down by the server's clock, through the built CLI against the emulator:
 * after the emulator's clock jumps (`advance`), and with it running 120 times real time, the
 * "(in N min)" of each request is the server's deadline minus the server's time, within a
 * minute; this machine's clock would be 30 minutes (or hours) off.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, DEMO_SEED, demoSeed } from "../helpers/sandbox.js";

/** Rows paid from ar_ars to ports Bitex quotes at once, none of the demo's planned failures. */
async function fastPayroll(dir: string): Promise<void> {
  const [header, ...rows] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
  const fast = rows.filter((row) => {
    const [reference, , sender, , port] = row.split(",");
    return (
      sender === "ar_ars" &&
      ["cl_clp", "uy_uyu", "py_pyg"].includes(port ?? "") &&
      !["EMP-1010", "EMP-1020"].includes(reference ?? "")
    );
  });
  await writeFile(join(dir, "payroll.csv"), `${[header, ...fast.slice(0, 6)].join("\n")}\n`);
}

/** Every "<what> <time> (in N min)" of a request line, as [request id, N]. */
function countdowns(stdout: string, what: string): Array<[string, number]> {
  const pattern = new RegExp(
    `^request (\\d+) .*; ${what} \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d \\(in (\\d+) min\\)$`,
    "gm",
  );
  return [...stdout.matchAll(pattern)].map((m) => [m[1] as string, Number(m[2])]);
}

/** Minutes from the server's `now` to a request's deadline attribute, as the emulator has them. */
function serverMinutes(box: Sandbox, id: string, attribute: string, now: number): number {
  const request = box.state().requests.find((r) => r.id === id);
  const deadline = Date.parse(
    String((request?.attributes as Record<string, unknown> | undefined)?.[attribute]),
  );
  return (deadline - now) / 60_000;
}

describe("countdowns by the server's clock", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  const cli = (dir: string, args: string[], sandbox: Sandbox) =>
    runCli([...args, "--state-dir", "state", "--rate", "1000", "--tz", "UTC"], {
      cwd: dir,
      env: apiEnv(sandbox),
    });

  /** The demo world where payer 112 holds no pesos: an accepted request waits 12 h for them. */
  async function unfunded(timeScale: number): Promise<Sandbox> {
    const seed = await demoSeed();
    seed.balances = (seed.balances ?? []).filter((b) => !(b.user_id === "112" && b.currency === "ars"));
    return startSandbox({ port: 0, seed, faults: { rate_limit: 0 }, timeScale });
  }

  /** `status`: every "<what> … (in N min)" within a minute of the server's own count. */
  async function expectCountdown(
    dir: string,
    sandbox: Sandbox,
    what = "funds needed by",
    attribute = "provision_funds_before",
  ): Promise<Array<[string, number]>> {
    const from = Date.parse(sandbox.state().clock.now);
    const status = await cli(dir, ["status", "payroll.csv"], sandbox);
    const to = Date.parse(sandbox.state().clock.now);
    const shown = countdowns(status.stdout, what);
    expect(shown, `${status.stdout}${status.stderr}`).to.have.length(1);
    for (const [id, minutes] of shown) {
      // The server's time of the read lies between `from` and `to`: its countdown too.
      const most = serverMinutes(sandbox, id, attribute, from);
      const least = serverMinutes(sandbox, id, attribute, to);
      expect(minutes, `${status.stdout}\nbetween ${least} and ${most}`).to.be.within(
        Math.floor(least) - 1,
        Math.ceil(most),
      );
    }
    return shown;
  }

  async function accepted(sandbox: Sandbox): Promise<string> {
    const dir = await tempDir();
    await fastPayroll(dir);
    const run = await cli(
      dir,
      ["submit", "payroll.csv", "--until", "accepted", "--max-total", "ARS=999999999"],
      sandbox,
    );
    expect(run.code, run.stderr).to.equal(0);
    return dir;
  }

  it("after advance 30 minutes: 'funds needed by' counts 30 minutes less, as the server does", async () => {
    // The server's clock stands still (scale 0) but for the advance: the real seconds between the
    // two reads cannot cross a minute and take a minute more off the second count.
    box = await unfunded(0);
    const dir = await accepted(box);
    // The client's estimate of the server's now is its last Date header (whole seconds) plus the
    // local seconds since: put the deadline half a minute past a whole minute of the standing
    // clock, so that neither count sits on a minute's edge (a busy machine crossed it).
    const now = Date.parse(box.state().clock.now);
    const deadline = Date.parse(
      String(box.state().requests.find((r) => r.id === "1")?.attributes.provision_funds_before),
    );
    box.advance({ minutes: ((((deadline - now - 30_000) % 60_000) + 60_000) % 60_000) / 60_000 });
    const before = await expectCountdown(dir, box);
    box.advance({ minutes: 30 });
    const after = await expectCountdown(dir, box);
    // This machine's clock did not move: counted by it, nothing would have changed.
    expect(after.map(([id, minutes]) => [id, minutes + 30])).to.deep.equal(before);
  });

  it("at --time-scale 120, the server's clock minutes ahead of this machine's: the server's count", async () => {
    box = await unfunded(120);
    const dir = await accepted(box);
    // 3 s at 120 times: the server's clock runs 6 minutes ahead of this machine's.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(Date.parse(box.state().clock.now) - Date.now()).to.be.above(5 * 60_000);
    await expectCountdown(dir, box);
  });

  it("at --time-scale 120: 'accept before' is the quote's deadline minus the server's time", async () => {
    box = await startSandbox({ port: 0, seed: DEMO_SEED, faults: { rate_limit: 0 }, timeScale: 120 });
    const dir = await tempDir();
    await fastPayroll(dir);
    const quoted = await cli(dir, ["submit", "payroll.csv", "--until", "quoted"], box);
    expect(quoted.code, quoted.stderr).to.equal(0);
    await expectCountdown(dir, box, "accept before", "accept_quote_before");
  });
});
