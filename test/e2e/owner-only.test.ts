/**
 * Every file the tool creates holds personal data (who is paid what, their accounts) or
 * says where it is: each is readable by its owner only (files 0600, folders 0700), whatever
 * the umask of the shell that runs it. Run under `umask 000`, which would leave every file
 * the tool does not restrict itself open to everyone (0666, folders 0777).
 */
import { chmod, lstat, mkdir, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

/** The payroll's header and `count` of its rows from `from`. */
async function payroll(count: number, from = 0): Promise<string> {
  const [header, ...rows] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
  return `${header}\n${rows.slice(from, from + count).join("\n")}\n`;
}

/** Every path under `dir` with its permission bits, as `relative path mode` (octal). */
async function modesUnder(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const info = await lstat(path);
    out.push(`${relative(root, path)} ${(info.mode & 0o777).toString(8)}`);
    if (info.isDirectory()) out.push(...(await modesUnder(path, root)));
  }
  return out;
}

describe("files the tool creates are owner-only whatever the umask", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => box?.close());

  it("reports, exports, journals, locks, input copies, the inbox's ledger, folders and error.txt: 0600 files, 0700 folders under umask 000", async () => {
    box = await sandbox();
    const dir = await tempDir();
    const inbox = join(dir, "in");
    await mkdir(inbox);
    await chmod(inbox, 0o755);
    // The operator's own files, open to all: what the tool makes of them must not be.
    const mine = new Map<string, string>([
      [join(inbox, "a.csv"), await payroll(3)],
      [
        join(inbox, "b.csv"),
        (await payroll(2, 10)).replace(/^(EMP-\d+,[^,]*,[^,]*,[^,]*,[^,]*,)[^,]*/m, "$1abc"),
      ],
      [join(dir, "x.csv"), await payroll(4, 20)],
    ]);
    for (const [path, text] of mine) {
      await writeFile(path, text);
      await chmod(path, 0o644);
    }
    const run = (args: string[]) =>
      runCli([...args, ...(args[0] === "validate" ? [] : ["--rate", "1000"]), "--tz", "UTC"], {
        cwd: dir,
        env: { ...apiEnv(box as Sandbox), BITEX_BATCH_SETTLE_MS: "0" },
        shellPrefix: "umask 000",
      });
    const month = new Date().toISOString().slice(0, 7);
    const codes = [
      (await run(["inbox", inbox, "--settle", "0"])).code,
      (await run(["validate", "x.csv"])).code,
      (await run(["submit", "x.csv"])).code,
      (await run(["status", "x.csv", "--report-format", "xlsx"])).code,
      (await run(["export", "--month", month])).code,
      (await run(["export", "--month", month, "--report-format", "xlsx"])).code,
    ];
    // status: the drafts are not final yet (3).
    expect(codes).to.deep.equal([1, 0, 0, 3, 0, 0]);

    const made = (await modesUnder(dir)).filter((line) => {
      const path = join(dir, line.slice(0, line.lastIndexOf(" ")));
      // The operator's folder and payrolls keep the modes they were given.
      return (
        path !== inbox && ![...mine.keys()].some((file) => path.endsWith(file.slice(file.lastIndexOf("/"))))
      );
    });
    const wrong = [];
    for (const line of made) {
      const path = join(dir, line.slice(0, line.lastIndexOf(" ")));
      const want = (await lstat(path)).isDirectory() ? "700" : "600";
      if (!line.endsWith(` ${want}`)) wrong.push(line);
    }
    // The run made what this test is about: the inbox's folders, its ledger and error.txt.
    for (const expected of [
      "in/.bitex-inbox/ledger.jsonl",
      "in/failed/b.csv.error.txt",
      "in/failed/b.report.csv",
    ])
      expect(made.map((line) => line.slice(0, line.lastIndexOf(" ")))).to.include(expected);
    expect(wrong, made.join("\n")).to.deep.equal([]);
  });
});

describe("the state folder of a --sandbox run killed before its end", function () {
  this.timeout(120_000);

  it("holds the payroll and the journal until the next --sandbox run removes it; that run's own goes at its end", async () => {
    const dir = await tempDir();
    const tmp = join(dir, "tmp");
    await mkdir(tmp);
    await writeFile(join(dir, "x.csv"), await payroll(4));
    const run = (env: Record<string, string> = {}) =>
      runCli(["submit", "x.csv", "--sandbox", "--rate", "1000", "--tz", "UTC"], {
        cwd: dir,
        env: { TMPDIR: tmp, ...env },
        // A process of its own: os.tmpdir() reads the process's TMPDIR, not the run's env.
        shellPrefix: "umask 022",
      });
    const killed = await run({ BITEX_BATCH_CRASH_AT: "outputs-done" });
    expect(killed.signal).to.equal("SIGKILL");
    const [left, ...others] = await readdir(tmp);
    expect(others).to.deep.equal([]);
    expect(left).to.match(/^bitex-batch-sandbox-/);
    const held = await readdir(join(tmp, left as string), { recursive: true });
    expect(held.filter((path) => /input\.csv$|journal\.jsonl$/.test(path))).to.have.length(2);
    // Long enough ago that no run could still be starting in it.
    const before = new Date(Date.now() - 3_600_000);
    await utimes(join(tmp, left as string), before, before);

    const next = await run();
    expect(next.code, next.stderr).to.equal(0);
    expect(next.stderr).to.include(`removed 1 state folder(s) that killed --sandbox runs left in ${tmp}`);
    expect(await readdir(tmp)).to.deep.equal([]);
  });
});
