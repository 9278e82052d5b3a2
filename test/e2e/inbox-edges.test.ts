/**
 * The drop folder at its edges, end to end against the emulator: a file named like standard
 * input, files named like the tool's own outputs that it did not write, a file changed while
 * its run holds it, a kill while error.txt is written, a batch gone on by hand, and a move
 * that cannot finish.
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { CLI, type CliResult, cleanEnv, otherFileSystemDir, runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

const today = () => new Date().toISOString().slice(0, 10);

/** The payroll's header and its rows `from` to `from + count`. */
async function payroll(count: number, from = 0): Promise<string> {
  const [header, ...rows] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
  return `${header}\n${rows.slice(from, from + count).join("\n")}\n`;
}

function lines(result: { stdout: string }): Array<Record<string, unknown>> {
  return result.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const ls = async (path: string) => (await readdir(path).catch(() => [])).sort();

/** The server's outputs as `recipient|instruction`, sorted. */
const held = (box: Sandbox) =>
  box
    .state()
    .outputs.map(
      (o) => `${o.relationships?.user?.data?.id}|${o.relationships?.withdrawal_instruction?.data?.id}`,
    )
    .sort();

/** CSV rows of the demo layout as `recipient|instruction`, sorted: what `held` shows once each is created. */
const payees = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .slice(1)
    .map((row) => {
      const cells = row.split(",");
      return `${cells[3]}|${cells[7]}`;
    })
    .sort();

describe("inbox: a drop folder at its edges", function () {
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

  /** `inbox .` run from inside the folder, `stdin` its standard input. */
  const dotRun = (stdin: string) =>
    new Promise<CliResult>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [CLI, "inbox", ".", "--settle", "0", "--tz", "UTC", "--json", "--rate", "1000"],
        {
          cwd: inbox,
          env: cleanEnv(dir, { ...env, BITEX_BATCH_SETTLE_MS: "0" }),
          stdio: ["pipe", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr } as CliResult));
      child.stdin.end(stdin);
    });

  it("a file named '-' with `inbox .` run inside the folder is that file, never standard input: named as no payroll is, it is listed ignored and nothing is created", async () => {
    const text = await payroll(2);
    await writeFile(join(inbox, "-"), text);
    // Other rows on standard input (a terminal, a pipe): never read.
    const run = await dotRun(await payroll(3, 20));
    // It reads as a payroll: said, and exit 2, never left unpaid unsaid (helper-115).
    expect(run.code, run.stderr).to.equal(2);
    expect(run.stderr).to.include("-: named as no payroll is (");
    const [file, summary] = lines(run);
    expect([file?.file, file?.outcome, file?.exit_code, file?.moved_to]).to.deep.equal([
      "-",
      "ignored",
      2,
      null,
    ]);
    expect(summary).to.include({
      command: "inbox",
      dir: ".",
      files: 0,
      done: 0,
      failed: 0,
      left: 0,
      exit_code: 2,
    });
    expect(held(box)).to.deep.equal([]);
    expect(await ls(inbox)).to.include("-");
    // Renamed as a payroll is, it is taken: that file's rows, once.
    await rename(join(inbox, "-"), join(inbox, "-.csv"));
    const taken = await dotRun(await payroll(3, 20));
    expect(taken.code, taken.stderr).to.equal(0);
    expect(lines(taken)[0]).to.include({ file: "-.csv", outcome: "done" });
    expect(held(box)).to.deep.equal(payees(text));
    expect(await ls(join(inbox, "done", today()))).to.deep.equal(["-.csv", "-.report.csv"]);
    expect(taken.stderr).to.include(
      `-.csv: next: bitex-batch quote ${join(inbox, "done", today(), "-.csv")}\n`,
    );
  });

  it("a file whose plain report is another batch's: its own report, named after its batch, moves with it (helper-77)", async () => {
    // An earlier batch of pay.csv, submitted by hand: every row refused by Bitex, its report kept.
    const [header, ...rows] = (await payroll(2)).trimEnd().split("\n");
    const unknown = rows.map((row) => row.replace(/^((?:[^,]*,){3})[^,]*/, "$1999999"));
    const bad = `${[header, ...unknown].join("\n")}\n`;
    await writeFile(join(inbox, "pay.csv"), bad);
    const byHand = await runCli(["submit", join(inbox, "pay.csv"), "--rate", "1000"], {
      cwd: dir,
      env: { ...env, BITEX_BATCH_SETTLE_MS: "0" },
    });
    expect(byHand.code, byHand.stderr).to.equal(1);
    const theirs = await readFile(join(inbox, "pay.report.csv"), "utf8");
    // The corrected file dropped: a batch of its own, whose report cannot take the plain name.
    await writeFile(join(inbox, "pay.csv"), await payroll(2));
    const run = await inboxRun();
    expect(run.code, run.stderr).to.equal(0);
    const moved = await ls(join(inbox, "done", today()));
    expect(moved).to.have.length(2);
    expect(moved[0]).to.match(/^pay\.[0-9a-f]{16}\.report\.csv$/);
    expect(moved[1]).to.equal("pay.csv");
    // The earlier batch's report and remaining file stay, as they were.
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "done", "pay.remaining.csv", "pay.report.csv"]);
    expect(await readFile(join(inbox, "pay.report.csv"), "utf8")).to.equal(theirs);
  });

  it("files named like a.csv's outputs that its batch did not write stay in the folder, listed as ignored, never moved with it nor named in its error.txt", async () => {
    // a.csv: one invalid row (nothing sent); beside it, the operator's own files under names
    // the tool uses for its outputs.
    const bad = (await payroll(3, 10)).split("\n");
    bad[2] = (bad[2] as string).replace(/^([^,]*,[^,]*,[^,]*,[^,]*,[^,]*,)[^,]*/, "$1abc");
    await writeFile(join(inbox, "a.csv"), bad.join("\n"));
    const theirs = await payroll(2, 20);
    await writeFile(join(inbox, "a.remaining.csv"), theirs);
    await writeFile(join(inbox, "a.validation.csv"), "notes\n");
    // b.csv: valid; beside it, the operator's b.remaining.csv.
    const good = await payroll(3);
    await writeFile(join(inbox, "b.csv"), good);
    await writeFile(join(inbox, "b.remaining.csv"), theirs);

    const run = await inboxRun();
    expect(run.code, run.stderr).to.equal(1);
    const files = lines(run);
    expect(files.map((line) => [line.file, line.outcome, line.exit_code, line.moved_to])).to.deep.equal([
      ["a.csv", "failed", 1, "failed"],
      ["a.remaining.csv", "ignored", 0, null],
      ["a.validation.csv", "ignored", 0, null],
      ["b.csv", "done", 0, `done/${today()}`],
      ["b.remaining.csv", "ignored", 0, null],
      [undefined, undefined, 1, undefined],
    ]);
    expect(files.slice(1, 3).map((line) => line.reason)).to.deep.equal([
      "named like a.csv's remaining file, but a.csv's batch did not write it (not its rows): not moved with a.csv, not taken; a remaining file is paid dropped under a new name (like a-rest.csv)",
      "named like a.csv's report, but a.csv's batch did not write it: not moved with a.csv, not taken",
    ]);
    expect(files[5]).to.include({ done: 1, failed: 1, left: 0 });
    expect(run.stderr).to.match(/: 1 done, 1 failed, 0 left for the next run, 3 not taken \(ignored\)$/m);
    expect(await ls(inbox)).to.deep.equal([
      ".bitex-inbox",
      "a.remaining.csv",
      "a.validation.csv",
      "b.remaining.csv",
      "done",
      "failed",
    ]);
    expect(await readFile(join(inbox, "a.remaining.csv"), "utf8")).to.equal(theirs);
    expect(await readFile(join(inbox, "b.remaining.csv"), "utf8")).to.equal(theirs);
    expect(await ls(join(inbox, "failed"))).to.deep.equal(["a.csv", "a.csv.error.txt", "a.report.csv"]);
    expect(await ls(join(inbox, "done", today()))).to.deep.equal(["b.csv", "b.report.csv"]);
    expect(await readFile(join(inbox, "failed", "a.csv.error.txt"), "utf8")).to.equal(
      "the file finished with exit 1: 1 invalid, 2 blocked; nothing was sent.\n\n" +
        "What to do: read a.csv's report beside this file (its problem column says, row by row, what to fix); " +
        "put only the rows still to pay in a new file and drop it in the folder.\n",
    );
    expect(held(box)).to.deep.equal(payees(good));

    // Alone in the folder now, each is listed as any lone output is, and nothing is sent.
    const again = await inboxRun();
    expect(again.code, again.stderr).to.equal(0);
    expect(lines(again).map((line) => [line.file, line.outcome])).to.deep.equal([
      ["a.remaining.csv", "ignored"],
      ["a.validation.csv", "ignored"],
      ["b.remaining.csv", "ignored"],
      [undefined, undefined],
    ]);
    expect(held(box)).to.deep.equal(payees(good));
  });

  it("a file staged from the folder, then quoted and accepted by hand, dropped again: its error.txt says what its batch's journal says (accepted), never unpaid drafts to accept", async () => {
    const [header, ...rows] = (await payroll(4)).trimEnd().split("\n");
    const text = `${[header, ...rows.filter((row) => row.includes(",ar_ars,"))].join("\n")}\n`;
    await writeFile(join(inbox, "a.csv"), text);
    expect((await inboxRun()).code).to.equal(0);
    const moved = join(inbox, "done", today(), "a.csv");
    const byHand = { cwd: dir, env: { ...env, BITEX_BATCH_SETTLE_MS: "0" } };
    expect((await runCli(["quote", moved, "--rate", "1000", "--wait", "30"], byHand)).code).to.equal(0);
    const accepted = await runCli(
      ["accept", moved, "--max-total", "ARS=100000000", "--rate", "1000"],
      byHand,
    );
    expect(accepted.code, accepted.stderr).to.equal(0);
    const count = payees(text).length;

    await writeFile(join(inbox, "a.csv"), text);
    const again = await inboxRun();
    expect(again.code, again.stderr).to.equal(2);
    const reason = `this file (same name and bytes) was staged from this folder on ${today()} (its rows created in draft requests; that run paid nobody) and moved to done/${today()}/a.csv; since then its batch accepted ${count} row(s) for payment; nothing was sent`;
    expect(lines(again)[0]).to.include({ file: "a.csv", outcome: "failed", exit_code: 2, reason });
    expect(await readFile(join(inbox, "failed", "a.csv.error.txt"), "utf8")).to.equal(
      `${reason}\n\nWhat to do: if it is a new payment run of the same rows, run bitex-batch submit on it with --batch-id <new id>\n`,
    );
    expect(held(box)).to.deep.equal(payees(text));
  });

  it("done/ on another file system (EXDEV): the file is copied, synced, and only then unlinked; every file is paid once and moved", async () => {
    const other = await otherFileSystemDir("bb-inbox-");
    try {
      await symlink(other, join(inbox, "done"));
      const a = await payroll(3);
      const b = await payroll(2, 30);
      await writeFile(join(inbox, "a.csv"), a);
      await writeFile(join(inbox, "b.csv"), b);
      const run = await inboxRun();
      expect(run.code, run.stderr).to.equal(0);
      expect(lines(run).map((line) => [line.file, line.outcome, line.exit_code])).to.deep.equal([
        ["a.csv", "done", 0],
        ["b.csv", "done", 0],
        [undefined, undefined, 0],
      ]);
      expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "done"]);
      expect(await ls(join(other, today()))).to.deep.equal([
        "a.csv",
        "a.report.csv",
        "b.csv",
        "b.report.csv",
      ]);
      expect(await readFile(join(other, today(), "a.csv"), "utf8")).to.equal(a);
      expect(held(box)).to.deep.equal([...payees(a), ...payees(b)].sort());
      const again = await inboxRun();
      expect(again.code, again.stderr).to.equal(0);
      expect(held(box)).to.have.length(5);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("a staged file moved back by hand from done/: set aside in failed/, its words name it there, never the path it left (helper-112)", async () => {
    const a = await payroll(2);
    await writeFile(join(inbox, "a.csv"), a);
    expect((await inboxRun()).code).to.equal(0);
    await rename(join(inbox, "done", today(), "a.csv"), join(inbox, "a.csv"));
    const again = await inboxRun();
    expect(again.code, again.stderr).to.equal(2);
    expect(lines(again)[0]).to.include({ file: "a.csv", outcome: "failed", moved_to: "failed" });
    expect(await readFile(join(inbox, "failed", "a.csv.error.txt"), "utf8")).to.include(
      `What to do: to pay that batch's rows, go on with it: bitex-batch accept ${join(inbox, "failed", "a.csv")} --max-total CUR=AMOUNT;`,
    );
    expect(held(box)).to.deep.equal(payees(a));
  });

  it("a move that fails right after its submit: the file's line still names its batch and what its submit said (helper-112)", async () => {
    const a = await payroll(3);
    await writeFile(join(inbox, "a.csv"), a);
    await writeFile(join(inbox, "done"), "not a folder\n"); // done/ cannot be made
    const run = await inboxRun();
    expect(run.code, run.stderr).to.equal(3);
    const line = lines(run).find((said) => said.file === "a.csv");
    expect(line).to.include({ outcome: "left", exit_code: 3 });
    expect(line?.batch_id).to.match(/^[0-9a-f]{16}$/);
    expect(line?.submit).to.include({ batch_id: line?.batch_id, exit_code: 0 });
    expect(held(box)).to.deep.equal(payees(a));
    // The next run, done/ still not a folder: the file's line still names its batch (helper-115).
    const again = await inboxRun();
    expect(again.code, again.stderr).to.equal(3);
    expect(lines(again).find((said) => said.file === "a.csv")).to.include({
      outcome: "left",
      exit_code: 3,
      batch_id: line?.batch_id,
    });
    expect(held(box)).to.deep.equal(payees(a));
  });

  it("a move that cannot finish (its target taken by another file) is said, exit 3, and the run goes on with the other files; the stuck file is never taken again", async () => {
    const a = await payroll(3);
    await writeFile(join(inbox, "a.csv"), a);
    expect((await inboxRun()).code).to.equal(0);
    // As a kill after the intent leaves it, with someone's other file put at the target since.
    const ledger = join(inbox, ".bitex-inbox", "ledger.jsonl");
    const [intent] = (await readFile(ledger, "utf8")).trimEnd().split("\n");
    await writeFile(ledger, `${intent}\n`);
    const target = join(inbox, "done", today());
    for (const name of ["a.csv", "a.report.csv"]) await rename(join(target, name), join(inbox, name));
    await writeFile(join(target, "a.csv"), "someone else's file\n");
    const b = await payroll(2, 30);
    await writeFile(join(inbox, "b.csv"), b);

    for (const turn of [1, 2]) {
      const run = await inboxRun();
      expect(run.code, `${turn}: ${run.stderr}`).to.equal(3);
      expect(run.stderr).to.include(
        `a.csv: its move to done/${today()} cannot finish: ${join(target, "a.csv")} exists already (another file); not replacing it: a.csv stays in the folder, not taken again until it can; move that file out of the way and run the inbox again\n`,
      );
      const said = lines(run).map((line) => [line.file, line.outcome, line.exit_code]);
      expect(said).to.deep.equal(
        turn === 1
          ? [
              ["a.csv", "left", 3],
              ["b.csv", "done", 0],
              [undefined, undefined, 3],
            ]
          : [
              ["a.csv", "left", 3],
              [undefined, undefined, 3],
            ],
      );
      expect(await readFile(join(target, "a.csv"), "utf8")).to.equal("someone else's file\n");
    }
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "a.csv", "done"]);
    expect(held(box)).to.deep.equal([...payees(a), ...payees(b)].sort());
  });
});
