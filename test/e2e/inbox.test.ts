/**
 * The drop folder end to end against the emulator: files dropped in a folder are paid once
 * each and moved with their reports; what cannot be paid goes to failed/ with its reason; a
 * file being written is left alone; overlapping runs, a kill and an outage change nothing of
 * that.
 */
import { appendFile, copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type CliResult, ROOT, runCli, spawnCli, tempDir } from "../helpers/cli.js";
import { acceptOutage, holdingProxy } from "../helpers/proxy.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

const today = () => new Date().toISOString().slice(0, 10);

/** The payroll's header and its first `count` rows. */
async function payroll(count: number, from = 0): Promise<string> {
  const [header, ...rows] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
  return `${header}\n${rows.slice(from, from + count).join("\n")}\n`;
}

function lines(result: CliResult): Array<Record<string, unknown>> {
  return result.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const ls = async (path: string) => (await readdir(path).catch(() => [])).sort();

const XLSX_DEMO = join(ROOT, "fixtures", "xlsx", "demo-exceljs.xlsx");

/** The server's outputs as `recipient|port|instruction|amount|budget`, sorted. */
const held = (box: Sandbox) =>
  box
    .state()
    .outputs.map(
      (o) =>
        `${o.relationships?.user?.data?.id}|${o.attributes.port_code}|${o.relationships?.withdrawal_instruction?.data?.id}|${o.attributes.amount ?? ""}|${o.attributes.budget ?? ""}`,
    )
    .sort();

describe("inbox: a drop folder paid once", function () {
  this.timeout(120_000);
  let box: Sandbox;
  let dir: string;
  let inbox: string;
  let env: Record<string, string>;
  const inboxRun = (...extra: string[]) =>
    runCli(["inbox", inbox, "--settle", "0", "--tz", "UTC", "--json", "--rate", "1000", ...extra], {
      cwd: dir,
      env: { ...env, BITEX_BATCH_SETTLE_MS: "0" },
    });

  beforeEach(async () => {
    box = await sandbox();
    dir = await tempDir();
    inbox = join(dir, "in");
    await mkdir(inbox);
    env = apiEnv(box);
  });
  afterEach(async () => box.close());

  it("pays a valid file into done/, sets aside one with an invalid row and a renamed copy in failed/", async () => {
    const first = await payroll(5);
    await writeFile(join(inbox, "a.csv"), first);
    const bad = (await payroll(3, 10)).split("\n");
    bad[2] = (bad[2] as string).replace(/^([^,]*,[^,]*,[^,]*,[^,]*,[^,]*,)[^,]*/, "$1abc");
    await writeFile(join(inbox, "b.csv"), bad.join("\n"));
    await writeFile(join(inbox, "c.csv"), first);

    const run = await inboxRun();
    expect(run.code, run.stderr).to.equal(2);
    const [a, b, c, summary] = lines(run);
    expect([a?.file, a?.outcome, a?.exit_code, a?.moved_to]).to.deep.equal([
      "a.csv",
      "done",
      0,
      `done/${today()}`,
    ]);
    expect([b?.file, b?.outcome, b?.exit_code, b?.moved_to]).to.deep.equal(["b.csv", "failed", 1, "failed"]);
    expect([c?.file, c?.outcome, c?.exit_code, c?.moved_to]).to.deep.equal(["c.csv", "failed", 2, "failed"]);
    expect(c?.reason).to.match(/^.*c\.csv holds the same payments as batch \w+ \(file .*a\.csv/);
    // The next step names the file where it went, never the path it left.
    expect(run.stderr).to.include(
      `a.csv: next: bitex-batch quote ${join(inbox, "done", today(), "a.csv")}\n`,
    );
    expect(run.stderr).not.to.include(`next: bitex-batch quote ${join(inbox, "a.csv")}`);
    // Every line, each file's and the summary, says when it began and ended (--tz UTC: "Z").
    for (const line of [a, b, c, summary]) {
      expect([line?.started_at, line?.finished_at]).to.satisfy((times: unknown[]) =>
        times.every((at) => typeof at === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(at)),
      );
      expect(Date.parse(String(line?.finished_at))).to.be.at.least(Date.parse(String(line?.started_at)));
    }
    expect(summary).to.include({
      command: "inbox",
      files: 3,
      done: 1,
      failed: 2,
      left: 0,
      exit_code: 2,
      error: null,
    });
    expect(run.stderr).to.match(/^inbox .*\/in: 1 done, 2 failed, 0 left for the next run$/m);

    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "done", "failed"]);
    expect(await ls(join(inbox, "done", today()))).to.deep.equal(["a.csv", "a.report.csv"]);
    expect(await ls(join(inbox, "failed"))).to.deep.equal([
      "b.csv",
      "b.csv.error.txt",
      "b.report.csv",
      "c.csv",
      "c.csv.error.txt",
    ]);
    const bError = await readFile(join(inbox, "failed", "b.csv.error.txt"), "utf8");
    expect(bError).to.equal(
      "the file finished with exit 1: 1 invalid, 2 blocked; nothing was sent.\n\n" +
        "What to do: read b.csv's report beside this file (its problem column says, row by row, what to fix); " +
        "put only the rows still to pay in a new file and drop it in the folder.\n",
    );
    const cError = await readFile(join(inbox, "failed", "c.csv.error.txt"), "utf8");
    expect(cError).to.match(
      /^\/.*\/in\/c\.csv holds the same payments as batch \w{16} \(file \/.*\/in\/done\/\d{4}-\d\d-\d\d\/a\.csv, begun [^)]+\), which staged 5 row\(s\) \(created in requests it never accepted: not paid by it\); sending it as a new batch would pay them again\n\nWhat to do: nothing was sent; a new payroll is dropped under a name of its own \(like payroll-2026-12\.csv\)\n$/,
    );
    expect(await readFile(join(inbox, "done", today(), "a.csv"), "utf8")).to.equal(first);

    // The server holds one output per row of the first file, and nothing else.
    const held = box
      .state()
      .outputs.map(
        (o) =>
          `${o.relationships?.user?.data?.id}|${o.attributes.port_code}|${o.relationships?.withdrawal_instruction?.data?.id}`,
      )
      .sort();
    const rowsOfFirst = first
      .trimEnd()
      .split("\n")
      .slice(1)
      .map((line) => {
        const [, , , recipient, port, , , instruction] = line.split(",");
        return `${recipient}|${port}|${instruction}`;
      })
      .sort();
    expect(held).to.deep.equal(rowsOfFirst);

    // Dropping the staged file again (same name, same bytes) sends nothing: failed/ says where it went.
    await writeFile(join(inbox, "a.csv"), first);
    const again = await inboxRun();
    expect(again.code, again.stderr).to.equal(2);
    const [repeat] = lines(again);
    expect([repeat?.outcome, repeat?.moved_to]).to.deep.equal(["failed", "failed"]);
    expect(repeat?.reason).to.match(
      new RegExp(
        `was staged from this folder on ${today()} \\(its rows created in draft requests; that run paid nobody\\) and moved to done/${today()}/a\\.csv`,
      ),
    );
    expect(await ls(join(inbox, "failed"))).to.include.members(["a.csv", "a.csv.error.txt"]);
    expect(await readFile(join(inbox, "failed", "a.csv.error.txt"), "utf8")).to.equal(
      `this file (same name and bytes) was staged from this folder on ${today()} (its rows created in draft requests; that run paid nobody) and moved to done/${today()}/a.csv; nothing was sent\n\n` +
        `What to do: to pay that batch's rows, go on with it: bitex-batch accept ${join(inbox, "done", today(), "a.csv")} --max-total CUR=AMOUNT; only if it is a new payment run of the same rows, run bitex-batch submit on it with --batch-id <new id>\n`,
    );
    expect(box.state().outputs).to.have.length(5);

    // Another payroll under the used name (no row in common): its words name where the earlier
    // file is now, and what the inbox takes, never --batch-id (helper-83).
    await writeFile(join(inbox, "a.csv"), await payroll(2, 30));
    const reused = await inboxRun();
    expect(reused.code, reused.stderr).to.equal(2);
    // Where the inbox last moved that batch's file: failed/, the same bytes dropped again above.
    const there = join(inbox, "failed");
    expect(await readFile(join(there, "a.csv"), "utf8")).to.equal(first);
    const aside = join(inbox, String(lines(reused)[0]?.moved_to), "a.csv.error.txt");
    expect((await readFile(aside, "utf8")).split("\n\nWhat to do: ")[1]).to.equal(
      `nothing was sent; bitex-batch status ${join(there, "a.csv")} follows that batch and writes ${join(there, "a.remaining.csv")} with its rows not paid, to fix and submit; a new payroll is dropped under a name of its own (like payroll-2026-12.csv)\n`,
    );
    expect(box.state().outputs).to.have.length(5);
  });

  it("the folder's guard file: a batch quoted above it is not accepted and goes to failed/ with the reason", async () => {
    // EMP-1001 and EMP-1004 pay from ar_ars: their quotes come at once.
    const [header, ...rows] = (await payroll(4)).trimEnd().split("\n");
    await writeFile(
      join(inbox, "ars.csv"),
      `${[header, ...rows.filter((row) => row.includes(",ar_ars,"))].join("\n")}\n`,
    );
    await writeFile(join(inbox, "max-total.txt"), "# the most one file may spend\nARS=1\n");
    const run = await inboxRun("--until", "accepted", "--wait", "30");
    expect(run.code, run.stderr).to.equal(2);
    const [file] = lines(run);
    expect([file?.file, file?.outcome, file?.moved_to]).to.deep.equal(["ars.csv", "failed", "failed"]);
    const text = await readFile(join(inbox, "failed", "ars.csv.error.txt"), "utf8");
    expect(text).to.match(/above --max-total ARS=1/);
    expect(text).to.include("What to do:");
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "failed", "max-total.txt"]);
    expect(await ls(join(inbox, "failed"))).to.deep.equal(["ars.csv", "ars.csv.error.txt", "ars.report.csv"]);
    expect(box.state().requests.map((request) => request.attributes.state)).to.deep.equal(["quoted"]);
  });

  it("leaves a file that is still being written, and one younger than the settle time", async () => {
    const growing = join(inbox, "growing.csv");
    await writeFile(growing, await payroll(1));
    const rest = (await payroll(20, 1)).split("\n").slice(1);
    let next = 0;
    const writer = setInterval(() => {
      void appendFile(growing, `${rest[next++ % rest.length]}\n`);
    }, 100);
    try {
      const run = await inboxRun();
      expect(run.code, run.stderr).to.equal(0);
      const [left, summary] = lines(run);
      expect([left?.file, left?.outcome, left?.moved_to]).to.deep.equal(["growing.csv", "left", null]);
      expect(summary).to.include({ files: 0, done: 0, failed: 0, left: 1, exit_code: 0 });
    } finally {
      clearInterval(writer);
    }
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "growing.csv"]);
    expect(box.state().outputs).to.have.length(0);

    // Unchanged now, but younger than the default settle time (60 s): left too.
    const young = await runCli(["inbox", inbox, "--json"], { cwd: dir, env });
    expect(young.code, young.stderr).to.equal(0);
    expect(lines(young)[0]).to.include({ file: "growing.csv", outcome: "left" });
    expect(box.state().outputs).to.have.length(0);
  });

  it("two runs started together: one works, the other exits 4 at once; nothing is paid twice", async () => {
    await writeFile(join(inbox, "a.csv"), await payroll(8));
    // Slow answers keep the first run working while the second starts.
    box.setFaults({ latency_ms: 100 });
    const [one, two] = await Promise.all([inboxRun(), inboxRun()]);
    const codes = [one.code, two.code].sort();
    expect(codes, `${one.stderr}\n${two.stderr}`).to.deep.equal([0, 4]);
    const loser = one.code === 4 ? one : two;
    expect(lines(loser)).to.have.length(1);
    expect(lines(loser)[0]).to.include({ command: "inbox", exit_code: 4 });
    const error = lines(loser)[0]?.error as { code: string; message: string };
    expect(error.code).to.equal("locked");
    expect(error.message).to.match(/^another inbox run works .*\/in: another run \(pid \d+ on /);
    expect(box.state().outputs).to.have.length(8);
    expect(await ls(join(inbox, "done", today()))).to.deep.equal(["a.csv", "a.report.csv"]);
  });

  for (const point of ["requests-ready", "outputs-done"]) {
    it(`SIGKILL mid-file (${point}), then a rerun: the file's batch completes once and the file moves once`, async () => {
      await writeFile(join(inbox, "a.csv"), await payroll(6));
      const killed = await runCli(
        ["inbox", inbox, "--settle", "0", "--tz", "UTC", "--json", "--rate", "1000"],
        { cwd: dir, env: { ...env, BITEX_BATCH_SETTLE_MS: "0", BITEX_BATCH_CRASH_AT: point } },
      );
      expect(killed.signal).to.equal("SIGKILL");
      expect(await ls(inbox)).to.include("a.csv");
      expect(await ls(join(inbox, "done"))).to.deep.equal([]);
      const rerun = await inboxRun();
      expect(rerun.code, rerun.stderr).to.equal(0);
      expect(lines(rerun)[0]).to.include({ file: "a.csv", outcome: "done", exit_code: 0 });
      expect(box.state().outputs).to.have.length(6);
      expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "done"]);
      expect(await ls(join(inbox, "done", today()))).to.deep.equal(["a.csv", "a.report.csv"]);
      // One move, written once in the folder's ledger.
      const ledger = (await readFile(join(inbox, ".bitex-inbox", "ledger.jsonl"), "utf8"))
        .trimEnd()
        .split("\n");
      expect(ledger.map((line) => (JSON.parse(line) as { t: string }).t)).to.deep.equal(["move", "moved"]);
    });
  }

  it("SIGKILL between moving the report and moving the file: the rerun finishes the move, sends nothing", async () => {
    await writeFile(join(inbox, "a.csv"), await payroll(4));
    const killed = await runCli(
      ["inbox", inbox, "--settle", "0", "--tz", "UTC", "--json", "--rate", "1000"],
      {
        cwd: dir,
        env: { ...env, BITEX_BATCH_SETTLE_MS: "0", BITEX_BATCH_CRASH_AT: "inbox:moving" },
      },
    );
    expect(killed.signal).to.equal("SIGKILL");
    // The report went, the file had not yet.
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "a.csv", "done"]);
    expect(await ls(join(inbox, "done", today()))).to.deep.equal(["a.report.csv"]);
    const calls = box.state().outputs.length;
    expect(calls).to.equal(4);

    const rerun = await inboxRun();
    expect(rerun.code, rerun.stderr).to.equal(0);
    expect(rerun.stderr).to.include("a.csv: finishing its move to done/");
    // The file's outcome, kept in the move's intent, is said by the run that finishes it: its
    // line, its count, its next step naming it where it went (helper-83: none of it was said).
    expect(rerun.stderr).to.include(`a.csv: done; moved to done/${today()}\n`);
    expect(rerun.stderr).to.include(
      `a.csv: next: bitex-batch quote ${join(inbox, "done", today(), "a.csv")}`,
    );
    expect(
      lines(rerun).map((line) => [line.file, line.outcome, line.exit_code, line.moved_to, line.done]),
    ).to.deep.equal([
      ["a.csv", "done", 0, `done/${today()}`, undefined],
      [undefined, undefined, 0, undefined, 1],
    ]);
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "done"]);
    expect(await ls(join(inbox, "done", today()))).to.deep.equal(["a.csv", "a.report.csv"]);
    expect(box.state().outputs).to.have.length(4);
  });

  it("an API outage: exit 3, nothing moved; the rerun completes", async () => {
    await writeFile(join(inbox, "a.csv"), await payroll(3));
    await writeFile(join(inbox, "b.csv"), await payroll(2, 30));
    // The emulator stops listening and keeps its world, as a server outage would.
    await box.suspend();
    const down = await inboxRun();
    expect(down.code, down.stderr).to.equal(3);
    const [a, b, summary] = lines(down);
    expect([a?.file, a?.outcome, a?.exit_code]).to.deep.equal(["a.csv", "left", 3]);
    expect([b?.file, b?.outcome, b?.reason]).to.deep.equal([
      "b.csv",
      "left",
      "not tried: the run stopped before it",
    ]);
    expect(summary).to.include({ exit_code: 3 });
    expect((await ls(inbox)).filter((name) => !name.endsWith(".report.csv"))).to.deep.equal([
      ".bitex-inbox",
      "a.csv",
      "b.csv",
    ]);
    expect(box.state().outputs).to.have.length(0);

    await box.resume();
    const up = await inboxRun();
    expect(up.code, up.stderr).to.equal(0);
    expect(lines(up).map((line) => line.outcome)).to.deep.equal(["done", "done", undefined]);
    expect(await ls(join(inbox, "done", today()))).to.deep.equal([
      "a.csv",
      "a.report.csv",
      "b.csv",
      "b.report.csv",
    ]);
    expect(box.state().outputs).to.have.length(5);
  });

  it("a near copy (the paid file with one amount changed) dropped later goes to failed/ with the refusal's words; the server keeps the first file's outputs only", async () => {
    const first = await payroll(6);
    await writeFile(join(inbox, "a.csv"), first);
    const paid = await inboxRun();
    expect(paid.code, paid.stderr).to.equal(0);
    const before = held(box);
    expect(before).to.have.length(6);
    const requestsBefore = box.state().requests.map((r) => `${r.id}:${r.attributes.state}`);

    const rows = first.split("\n");
    rows[3] = (rows[3] as string).replace(",44328.00,", ",44329.00,");
    expect(rows[3]).to.include(",44329.00,");
    await writeFile(join(inbox, "b.csv"), rows.join("\n"));
    const near = await inboxRun();
    expect(near.code, near.stderr).to.equal(2);
    const [b, summary] = lines(near);
    expect([b?.file, b?.outcome, b?.exit_code, b?.moved_to]).to.deep.equal(["b.csv", "failed", 2, "failed"]);
    expect(summary).to.include({ files: 1, done: 0, failed: 1, left: 0, exit_code: 2 });
    expect(await ls(join(inbox, "failed"))).to.deep.equal(["b.csv", "b.csv.error.txt"]);
    expect(await readFile(join(inbox, "failed", "b.csv"), "utf8")).to.equal(rows.join("\n"));
    const words = await readFile(join(inbox, "failed", "b.csv.error.txt"), "utf8");
    expect(words).to.match(
      /^\/.*\/in\/b\.csv: 5 of its 6 row\(s\) are payments batch \w{16} \(file \/.*\/in\/done\/\d{4}-\d\d-\d\d\/a\.csv, begun [^)]+\) holds: staged 5 row\(s\) \(created in requests it never accepted: not paid by it\); sending it as a new batch could pay them again\n\nWhat to do: nothing was sent; rows an earlier batch did not pay are in its remaining file \(bitex-batch status \/.*\/in\/done\/\d{4}-\d\d-\d\d\/a\.csv writes it\); a new payroll is dropped under a name of its own \(like payroll-2026-12\.csv\)\n$/,
    );
    expect(b?.reason).to.equal(words.split("\n")[0]);
    // Nothing was sent: the server holds exactly what the first file created.
    expect(held(box)).to.deep.equal(before);
    expect(box.state().requests.map((r) => `${r.id}:${r.attributes.state}`)).to.deep.equal(requestsBefore);
  });

  it("an xlsx workbook dropped in the folder is paid as its CSV twin; the twin dropped after it is the same payments, refused", async () => {
    await copyFile(XLSX_DEMO, join(inbox, "payroll.xlsx"));
    const run = await inboxRun();
    expect(run.code, run.stderr).to.equal(0);
    const [file] = lines(run);
    expect([file?.file, file?.outcome, file?.exit_code, file?.moved_to]).to.deep.equal([
      "payroll.xlsx",
      "done",
      0,
      `done/${today()}`,
    ]);
    expect(await ls(join(inbox, "done", today()))).to.deep.equal(["payroll.report.csv", "payroll.xlsx"]);
    const fromWorkbook = held(box);
    expect(fromWorkbook).to.have.length(48);

    // The CSV twin paid on an emulator of its own creates the same outputs.
    const twinBox = await sandbox();
    try {
      const twinDir = await tempDir();
      await copyFile(DEMO_CSV, join(twinDir, "payroll.csv"));
      const twin = await runCli(["submit", "payroll.csv", "--rate", "1000"], {
        cwd: twinDir,
        env: apiEnv(twinBox),
      });
      expect(twin.code, twin.stderr).to.equal(0);
      expect(fromWorkbook).to.deep.equal(held(twinBox));
    } finally {
      await twinBox.close();
    }

    // The twin dropped in the same folder holds the same payments: refused, nothing sent.
    await copyFile(DEMO_CSV, join(inbox, "payroll-export.csv"));
    const copy = await inboxRun();
    expect(copy.code, copy.stderr).to.equal(2);
    const [again] = lines(copy);
    expect([again?.file, again?.outcome, again?.moved_to]).to.deep.equal([
      "payroll-export.csv",
      "failed",
      "failed",
    ]);
    expect(again?.reason).to.match(
      /payroll-export\.csv holds the same payments as batch \w{16} \(file .*\/in\/done\/\d{4}-\d\d-\d\d\/payroll\.xlsx,/,
    );
    expect(held(box)).to.deep.equal(fromWorkbook);
  });

  it("--month-in-name: next month's identical payroll is paid, a copy within its month is not; without it the identical payroll is refused", async () => {
    const month = await payroll(4);
    await writeFile(join(inbox, "payroll-2026-11.csv"), month);
    const november = await inboxRun("--month-in-name");
    expect(november.code, november.stderr).to.equal(0);
    const once = held(box);
    expect(once).to.have.length(4);

    // Without the option the same salaries under December's name are a copy of November's.
    await writeFile(join(inbox, "payroll-2026-12.csv"), month);
    const refused = await inboxRun();
    expect(refused.code, refused.stderr).to.equal(2);
    expect(lines(refused)[0]?.reason).to.match(
      /payroll-2026-12\.csv holds the same payments as batch \w{16} \(file .*\/in\/done\/\d{4}-\d\d-\d\d\/payroll-2026-11\.csv,/,
    );
    expect(await ls(join(inbox, "failed"))).to.deep.equal([
      "payroll-2026-12.csv",
      "payroll-2026-12.csv.error.txt",
    ]);
    expect(held(box)).to.deep.equal(once);

    // With it, December's payroll is December's: paid once more, every row once.
    await writeFile(join(inbox, "payroll-2026-12.csv"), month);
    const december = await inboxRun("--month-in-name");
    expect(december.code, december.stderr).to.equal(0);
    expect(lines(december)[0]).to.include({ file: "payroll-2026-12.csv", outcome: "done" });
    expect(held(box)).to.deep.equal([...once, ...once].sort());

    // A copy of December's file within December is still a copy: refused, nothing sent.
    await writeFile(join(inbox, "payroll-2026-12 (1).csv"), month);
    const copy = await inboxRun("--month-in-name");
    expect(copy.code, copy.stderr).to.equal(2);
    const [twice] = lines(copy);
    expect([twice?.file, twice?.outcome]).to.deep.equal(["payroll-2026-12 (1).csv", "failed"]);
    expect(twice?.reason).to.match(
      /holds the same payments as batch \w{16} \(file .*\/in\/done\/\d{4}-\d\d-\d\d\/payroll-2026-12\.csv,/,
    );
    // What to do names what the inbox takes, never --batch-id (helper-83).
    expect(await readFile(join(inbox, "failed", "payroll-2026-12 (1).csv.error.txt"), "utf8")).to.match(
      /\n\nWhat to do: nothing was sent; a new payroll is dropped under a name of its own \(its month in the name, as --month-in-name reads it\)\n$/,
    );
    expect(held(box)).to.deep.equal([...once, ...once].sort());
  });

  it("a row refused by Bitex: the file goes to failed/ with its remaining file, which dropped again under a new name pays that row once", async () => {
    const good = await payroll(5);
    const rows = good.trimEnd().split("\n");
    const broken = (rows[2] as string).replace(",301,", ",999999,");
    expect(broken).to.include(",999999,");
    await writeFile(join(inbox, "b.csv"), good.replace(rows[2] as string, broken));
    const run = await inboxRun();
    expect(run.code, run.stderr).to.equal(1);
    const [file] = lines(run);
    expect([file?.file, file?.outcome, file?.exit_code, file?.moved_to]).to.deep.equal([
      "b.csv",
      "failed",
      1,
      "failed",
    ]);
    // Said as the folder pays it, never by the path it has left (helper-112).
    expect(run.stderr).to.include(
      "b.csv: 1 row(s) not paid and not being paid: in b.remaining.csv, which moves with b.csv; to pay them, fix them there if needed and drop it into the folder under a new name (like b-rest.csv)\n",
    );
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "failed"]);
    expect(await ls(join(inbox, "failed"))).to.deep.equal([
      "b.csv",
      "b.csv.error.txt",
      "b.remaining.csv",
      "b.report.csv",
    ]);
    expect(await readFile(join(inbox, "failed", "b.remaining.csv"), "utf8")).to.equal(
      `${rows[0]}\n${broken}\n`,
    );
    expect(await readFile(join(inbox, "failed", "b.csv.error.txt"), "utf8")).to.equal(
      "the file finished with exit 1: 4 created, 1 failed; 4 row(s) were created on the server and must not be sent again. " +
        `They are in draft requests, not quoted, so nobody is paid for them yet: to pay them without the other rows, run bitex-batch quote ${join(inbox, "failed", "b.csv")} --allow-partial (it prints the quotes and the command to accept them).\n\n` +
        "What to do: read b.csv's report beside this file (its problem column says, row by row, what to fix); " +
        "the rows not paid are in b.remaining.csv beside this file (exactly those rows, as in the file): " +
        "fix them there if needed and drop it in the folder under a new name (like b-rest.csv), which pays them and nobody else.\n",
    );
    const four = held(box);
    expect(four).to.have.length(4);

    // The remaining file, its id fixed, dropped as b-rest.csv: that row is paid, nobody else.
    await writeFile(join(inbox, "b-rest.csv"), `${rows[0]}\n${rows[2]}\n`);
    const rest = await inboxRun();
    expect(rest.code, rest.stderr).to.equal(0);
    expect(lines(rest)[0]).to.include({ file: "b-rest.csv", outcome: "done", exit_code: 0 });
    const all = held(box);
    expect(all).to.have.length(5);
    expect(all.filter((output) => !four.includes(output))).to.have.length(1);
    expect(all.filter((output) => output.startsWith("301|"))).to.have.length(1);
  });

  it("a status of a file in the folder whose remaining file comes after the inbox moved the file: it goes beside the moved file, never back into the folder", async () => {
    const good = await payroll(5);
    const rows = good.trimEnd().split("\n");
    const broken = (rows[2] as string).replace(",301,", ",999999,");
    await writeFile(join(inbox, "b.csv"), good.replace(rows[2] as string, broken));
    // One gateway for every run; it holds the first call made after holdNext() until release().
    const proxy = await holdingProxy(box.url);
    try {
      const through = { ...env, BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "0" };
      const inboxArgs = ["inbox", inbox, "--settle", "0", "--tz", "UTC", "--json", "--rate", "1000"];
      // An inbox run killed once the creates are done: the file stays in the folder, its batch created.
      const killed = await runCli(inboxArgs, {
        cwd: dir,
        env: { ...through, BITEX_BATCH_CRASH_AT: "outputs-done" },
      });
      expect(killed.signal).to.equal("SIGKILL");
      expect(await ls(inbox)).to.include("b.csv");
      // The operator looks at it: status has read the file, its first call waits at the gateway.
      const seen = proxy.holdNext();
      const status = spawnCli(["status", join("in", "b.csv"), "--tz", "UTC", "--rate", "1000"], {
        cwd: dir,
        env: through,
      });
      await seen;
      // Meanwhile the next inbox run resumes the batch and moves the file to failed/.
      const moved = await runCli(inboxArgs, { cwd: dir, env: through });
      expect(moved.code, moved.stderr).to.equal(1);
      expect(lines(moved)[0]).to.include({ file: "b.csv", outcome: "failed", moved_to: "failed" });
      proxy.release();
      const read = await status.done;
      expect(read.code, read.stderr).to.equal(3);
      // Nothing of the batch's rows is back in the folder, where it would sit beside the next
      // file of that name; the remaining file is the one beside the moved file.
      expect((await ls(inbox)).filter((name) => !name.endsWith(".report.csv"))).to.deep.equal([
        ".bitex-inbox",
        "failed",
      ]);
      const remaining = join("in", "failed", "b.remaining.csv");
      expect(await readFile(join(dir, remaining), "utf8")).to.equal(`${rows[0]}\n${broken}\n`);
      expect(read.stdout).to.include(
        `1 row(s) not paid and not being paid: ${remaining} (fix them there if needed, then bitex-batch submit ${remaining})`,
      );
      expect(box.state().outputs).to.have.length(4);
    } finally {
      await proxy.close();
    }
  });

  it("a file partly accepted (one request's accept lost in an outage, its quote lapsed): exit 5, failed/ with its remaining file and what to do; the remaining file dropped under a new name pays each of its rows once", async () => {
    // Request 1 pays from 112's ar_ars, request 2 from 113's uy_uyu; every port here is quoted at once.
    const [header, ...demo] = (await payroll(12)).trimEnd().split("\n");
    const pick = (reference: string) => demo.find((row) => row.startsWith(`${reference},`)) as string;
    const first = ["EMP-1001", "EMP-1003", "EMP-1004"].map(pick);
    const second = ["EMP-1006", "EMP-1012"].map(pick);
    const text = `${[header, ...first, ...second].join("\n")}\n`;
    await writeFile(join(inbox, "a.csv"), text);
    await writeFile(join(inbox, "max-total.txt"), "ARS=1000000000\nUYU=1000000000\n");
    // Every call goes through a gateway; until the outage ends, request 2's accept never reaches Bitex.
    const proxy = await acceptOutage(box.url, "2");
    env = { ...env, BITEX_API_URL: proxy.url };
    const accepted = () => inboxRun("--until", "accepted", "--wait", "30");
    const perRequest = () => box.state().stats.per_request;
    try {
      const cut = await accepted();
      expect(cut.code, cut.stderr).to.equal(3);
      expect(lines(cut)[0]).to.include({ file: "a.csv", outcome: "left", exit_code: 3 });
      expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "a.csv", "a.report.csv", "max-total.txt"]);
      expect(box.state().requests.map((r) => `${r.id}:${r.attributes.state}`)).to.deep.equal([
        "1:quote_accepted",
        "2:quoted",
      ]);
      proxy.end();
      box.advance({ minutes: 11 }); // past accept_quote_before: request 2 lapses

      const partly = await accepted();
      expect(partly.code, partly.stderr).to.equal(5);
      const [file, summary] = lines(partly);
      expect(file).to.include({ file: "a.csv", outcome: "failed", exit_code: 5, moved_to: "failed" });
      expect(file?.reason).to.match(
        /^batch \w{16} is partly accepted: 3 row\(s\) accepted for payment, 2 row\(s\) of cancelled request\(s\) 2 not paid$/,
      );
      expect(summary).to.include({ command: "inbox", files: 1, done: 0, failed: 1, left: 0, exit_code: 5 });
      expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "failed", "max-total.txt"]);
      expect(await ls(join(inbox, "failed"))).to.deep.equal([
        "a.csv",
        "a.csv.error.txt",
        "a.remaining.csv",
        "a.report.csv",
      ]);
      expect(await readFile(join(inbox, "failed", "a.csv"), "utf8")).to.equal(text);
      // The report moved with the file names the remaining file beside it, not where it was
      // in the folder before the move (helper-101).
      const unpaid = (await readReport(join(inbox, "failed", "a.report.csv"))).filter(
        (row) => row.error !== "",
      );
      expect(unpaid.map((row) => row.reference)).to.deep.equal(["EMP-1006", "EMP-1012"]);
      for (const row of unpaid)
        expect(row.error).to.match(
          /; submit a\.remaining\.csv \(beside a\.csv, where the inbox moves them\) to pay the row in a new request$/,
        );
      // The remaining file: the header and exactly request 2's rows, as in the file.
      expect(await readFile(join(inbox, "failed", "a.remaining.csv"), "utf8")).to.equal(
        `${[header, ...second].join("\n")}\n`,
      );
      expect(await readFile(join(inbox, "failed", "a.csv.error.txt"), "utf8")).to.equal(
        `${file?.reason}\n\n` +
          "Money moved, but not as asked: rows of this file were accepted for payment; never drop this file in the folder again.\n\n" +
          "What to do: the rows not paid are in a.remaining.csv beside this file (exactly those rows, as in the file): " +
          "fix them there if needed and drop it in the folder under a new name (like a-rest.csv), which pays them and nobody else; " +
          `bitex-batch status ${join(inbox, "failed", "a.csv")} --watch follows the rows accepted for payment.\n`,
      );
      expect(perRequest()).to.deep.equal({
        "1": { request_quote: 1, accept_quote: 1 },
        "2": { request_quote: 1, accept_quote: 0 },
      });
      // The error file's own command, run from elsewhere than the folder, follows the moved
      // file's batch.
      const followed = await runCli(["status", join(inbox, "failed", "a.csv"), "--json"], {
        cwd: dir,
        env: { ...env, XDG_STATE_HOME: join(dir, ".state") },
      });
      expect(followed.code, followed.stderr).to.equal(1); // request 2's rows stay cancelled in this batch
      expect(JSON.parse(followed.stdout)).to.deep.include({
        batch_id: file?.batch_id,
        by_state: { settled: 3, cancelled: 2 },
        remaining: { file: join(inbox, "failed", "a.remaining.csv"), rows: 2 },
      });

      // As the error file says: the remaining file dropped as a-rest.csv pays those rows, nobody else.
      await copyFile(join(inbox, "failed", "a.remaining.csv"), join(inbox, "a-rest.csv"));
      const rest = await accepted();
      expect(rest.code, rest.stderr).to.equal(0);
      expect(lines(rest)[0]).to.include({ file: "a-rest.csv", outcome: "done", exit_code: 0 });
      expect(await ls(join(inbox, "done", today()))).to.deep.equal(["a-rest.csv", "a-rest.report.csv"]);
      expect(perRequest()).to.deep.equal({
        "1": { request_quote: 1, accept_quote: 1 },
        "2": { request_quote: 1, accept_quote: 0 },
        "3": { request_quote: 1, accept_quote: 1 },
      });
      // One output per row of the file in the accepted requests; request 2's outputs were never paid.
      const state = box.state();
      const byRequest = (id: string) =>
        state.outputs
          .filter((o) => o.relationships?.request?.data?.id === id)
          .map(
            (o) => `${o.relationships?.user?.data?.id}|${o.relationships?.withdrawal_instruction?.data?.id}`,
          )
          .sort();
      const ids = (rows: string[]) =>
        rows
          .map((row) => {
            const cells = row.split(",");
            return `${cells[3]}|${cells[7]}`;
          })
          .sort();
      expect(byRequest("1")).to.deep.equal(ids(first));
      expect(byRequest("3")).to.deep.equal(ids(second));
      const [one, two, three] = state.requests.map((r) => r.attributes.state);
      expect([one, two]).to.deep.equal(["finished", "cancelled"]); // the clock moved 11 minutes on
      expect(["quote_accepted", "working", "finished"]).to.include(three);
    } finally {
      await proxy.close();
    }
  });
});
