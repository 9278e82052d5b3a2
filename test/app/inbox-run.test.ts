/**
 * runInbox in one process against the emulator, where a test can act at an exact moment of a
 * file's turn: the folder's ledger says a batch was paid only for the bytes that were paid.
 */
import { renameSync, writeFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { type FileLine, type InboxArgs, runInbox } from "../../src/app/inbox.js";
import { writeWhole } from "../../src/app/inbox-files.js";
import { type Console, StopControl } from "../../src/app/session.js";
import { createConsole } from "../../src/commands/console.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { tempDir, textSink } from "../helpers/cli.js";
import { replaceFs, systemError } from "../helpers/fs-fault.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";
import { workbookBytes } from "../read/make-workbooks.js";

async function payroll(count: number, from = 0): Promise<string> {
  const [header, ...rows] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
  return `${header}\n${rows.slice(from, from + count).join("\n")}\n`;
}

const ls = async (path: string) => (await readdir(path).catch(() => [])).sort();

/**
 * An info or warning line watcher that writes `text` to `path` the first time a line starts
 * with `prefix`, as a writer acting at that moment of the run would; `written()` says if it did.
 */
function writeAt(prefix: string, path: string, text: string) {
  let done = false;
  return {
    onLine: (line: string) => {
      if (done || !line.startsWith(prefix)) return;
      done = true;
      writeFileSync(path, text);
    },
    written: () => done,
  };
}

/** The server's outputs as `recipient|instruction`, sorted. */
const held = (box: Sandbox) =>
  box
    .state()
    .outputs.map(
      (o) => `${o.relationships?.user?.data?.id}|${o.relationships?.withdrawal_instruction?.data?.id}`,
    )
    .sort();

/** CSV rows of the demo layout as `recipient|instruction`, sorted: what `held` shows once each is paid. */
const payees = (rows: readonly string[]) =>
  rows
    .map((row) => {
      const cells = row.split(",");
      return `${cells[3]}|${cells[7]}`;
    })
    .sort();

interface LedgerLine {
  t: string;
  batch_id?: string;
  outcome?: string;
}

describe("inbox run: the ledger holds what was paid", function () {
  this.timeout(60_000);
  let box: Sandbox;
  let dir: string;
  let inbox: string;
  beforeEach(async () => {
    box = await sandbox();
    dir = await tempDir();
    inbox = join(dir, "in");
    await mkdir(inbox);
  });
  afterEach(async () => box.close());

  /** One inbox run; `onLine` sees every info and warning line as it is said; `more`: other options. */
  async function run(
    onLine: (line: string) => void = () => {},
    until: InboxArgs["until"] = "created",
    settleMs = 0,
    more: Partial<InboxArgs> = {},
  ) {
    const env = { ...apiEnv(box), BITEX_BATCH_SETTLE_MS: "0" };
    const plain = createConsole({
      json: true,
      quiet: false,
      stdout: textSink(),
      stderr: textSink(),
      secrets: [box.apiKey],
    });
    const out: Console = {
      ...plain,
      info: (line) => {
        onLine(line);
        plain.info(line);
      },
      warn: (line) => {
        onLine(line);
        plain.warn(line);
      },
    };
    const args: InboxArgs = {
      dir: inbox,
      settleMs,
      pauseMs: 0,
      tz: "UTC",
      encoding: "auto",
      allowDuplicates: false,
      keepColumns: false,
      reportFormat: "csv",
      json: true,
      quiet: false,
      sandbox: false,
      stateDir: join(dir, "state"),
      until,
      maxTotal: until === "created" ? undefined : ["ARS=1000000000", "UYU=1000000000", "USD=1000000000"],
      concurrency: 4,
      rate: 1000,
      io: { stdout: textSink(), stderr: textSink(), env },
      ...more,
    };
    const files: FileLine[] = [];
    const code = await runInbox(
      args,
      { out, stops: new StopControl(), resumeHint: "run it again" },
      {
        line: (line) => files.push(line),
      },
    );
    return { code, files };
  }

  it("a file replaced after it was named and before submit read it: the ledger and the move follow the bytes paid; the first bytes dropped later are paid, not refused as paid", async () => {
    const first = await payroll(3);
    const second = await payroll(2, 10);
    await writeFile(join(inbox, "a.csv"), first);
    // The moment submit starts on the file: its batch id is yet to come from its bytes.
    const swap = writeAt("a.csv: state directory:", join(inbox, "a.csv"), second);
    const one = await run(swap.onLine);
    expect(swap.written()).to.equal(true);
    expect(one.code).to.equal(0);
    const [line] = one.files;
    const submitted = line?.submit as { batch_id: string; rows: number };
    expect(submitted.rows).to.equal(2);
    // The file line and the ledger name the batch that was created: the second bytes'.
    expect(line).to.include({ file: "a.csv", outcome: "done", batch_id: submitted.batch_id });
    const ledger = (await readFile(join(inbox, ".bitex-inbox", "ledger.jsonl"), "utf8"))
      .trimEnd()
      .split("\n")
      .map((text) => JSON.parse(text) as LedgerLine);
    expect(ledger.filter((entry) => entry.t === "move").map((entry) => entry.batch_id)).to.deep.equal([
      submitted.batch_id,
    ]);
    // The bytes paid left the folder with their report.
    const today = new Date().toISOString().slice(0, 10);
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "done"]);
    expect(await readFile(join(inbox, "done", today, "a.csv"), "utf8")).to.equal(second);
    expect(box.state().outputs).to.have.length(2);

    // The first bytes were never paid from the folder: dropped again under the same name they
    // meet submit's rule for an edited file (the name staged another batch), not a claim
    // that they were paid.
    await writeFile(join(inbox, "a.csv"), first);
    const two = await run();
    const [again] = two.files;
    expect([again?.file, again?.outcome, again?.exit_code]).to.deep.equal(["a.csv", "failed", 2]);
    expect(again?.reason).to.match(
      new RegExp(`/in/a\\.csv changed since batch ${submitted.batch_id} \\(begun `),
    );
    expect(box.state().outputs).to.have.length(2);
  });

  it("a file replaced while its batch is created (a row refused): the remaining file moved to failed/ holds that row as the batch read it, and dropped fixed under a new name pays it once", async () => {
    const [header, ...rows] = (await payroll(5)).trimEnd().split("\n");
    const broken = (rows[1] as string).replace(",301,", ",999999,");
    expect(broken).to.include(",999999,");
    await writeFile(join(inbox, "a.csv"), `${[header, rows[0], broken, ...rows.slice(2)].join("\n")}\n`);
    // The HR system drops its corrected export under the same name, one row added at the top.
    const [added] = (await payroll(1, 5)).trimEnd().split("\n").slice(1);
    const export2 = `${[header, added, ...rows].join("\n")}\n`;
    // Bitex refused line 3: the batch was read (and its copy kept) long before.
    const swap = writeAt("a.csv: line 3: ", join(inbox, "a.csv"), export2);
    const one = await run(swap.onLine);
    expect(swap.written()).to.equal(true);
    expect(one.code).to.equal(1);
    expect(one.files.map((file) => [file.file, file.outcome, file.exit_code, file.moved_to])).to.deep.equal([
      ["a.csv", "failed", 1, "failed"],
    ]);
    // The export dropped meanwhile is not the batch's bytes: it stays for the next run.
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "a.csv", "failed"]);
    expect(await ls(join(inbox, "failed"))).to.deep.equal([
      "a.csv.error.txt",
      "a.remaining.csv",
      "a.report.csv",
    ]);
    expect(await readFile(join(inbox, "failed", "a.remaining.csv"), "utf8")).to.equal(
      `${header}\n${broken}\n`,
    );
    expect(box.state().outputs).to.have.length(4);

    // As a.csv.error.txt says: the remaining file, fixed, dropped under a new name pays that row.
    const rest = (await readFile(join(inbox, "failed", "a.remaining.csv"), "utf8")).replace(
      ",999999,",
      ",301,",
    );
    await writeFile(join(inbox, "a-rest.csv"), rest);
    const two = await run();
    expect(two.files.map((file) => [file.file, file.outcome, file.exit_code])).to.deep.equal([
      ["a-rest.csv", "done", 0],
      ["a.csv", "failed", 2],
    ]);
    // Each row of the file paid once, the added row not at all (its export was refused).
    expect(held(box)).to.deep.equal(payees(rows));
  });

  it("a settled file written again while an earlier file has its turn: left for the next run, not paid as the half it was when its turn came", async () => {
    await writeFile(join(inbox, "a.csv"), await payroll(2));
    const b = await payroll(3, 12);
    await writeFile(join(inbox, "b.csv"), b);
    // Both were dropped two minutes ago: settled when the run looks at the folder.
    const before = new Date(Date.now() - 120_000);
    for (const name of ["a.csv", "b.csv"]) await utimes(join(inbox, name), before, before);
    // The HR system exports b.csv again (same name) while a.csv has its turn; its writer has
    // written the header and two of the three rows when b.csv's turn comes.
    const half = `${b.split("\n").slice(0, 3).join("\n")}\n`;
    const rewrite = writeAt("a.csv: state directory:", join(inbox, "b.csv"), half);
    const one = await run(rewrite.onLine, "created", 60_000);
    expect(rewrite.written()).to.equal(true);
    expect(one.code).to.equal(0);
    expect(one.files.map((file) => [file.file, file.outcome, file.exit_code, file.reason])).to.deep.equal([
      ["a.csv", "done", 0, null],
      ["b.csv", "left", 0, "changed since the folder was read (still being written?): left for the next run"],
    ]);
    expect(box.state().outputs).to.have.length(2);

    // The writer ends; once settled, the whole file is paid, each row once.
    await writeFile(join(inbox, "b.csv"), b);
    await utimes(join(inbox, "b.csv"), before, before);
    const two = await run(() => {}, "created", 60_000);
    expect(two.files.map((file) => [file.file, file.outcome, file.exit_code])).to.deep.equal([
      ["b.csv", "done", 0],
    ]);
    const rows = [...(await payroll(2)).trimEnd().split("\n").slice(1), ...b.trimEnd().split("\n").slice(1)];
    expect(held(box)).to.deep.equal(payees(rows));
  });

  it("a remaining file dropped as it is (not renamed) is not taken, and the run says so: listed as ignored, what to do in its reason; a report beside a file still in the folder is not", async () => {
    await writeFile(join(inbox, "a.remaining.csv"), await payroll(2));
    // b.csv is still being written: its report (of an earlier run that stopped) is its own.
    await writeFile(join(inbox, "b.csv"), await payroll(1, 5));
    await writeFile(join(inbox, "b.report.csv"), "line\n");
    const one = await run(() => {}, "created", 60_000);
    expect(one.code).to.equal(0);
    expect(one.files.map((file) => [file.file, file.outcome, file.exit_code, file.reason])).to.deep.equal([
      [
        "a.remaining.csv",
        "ignored",
        0,
        "named like this tool's own output (a report, remaining or error file), with no file of its name beside it: not taken; a remaining file is paid dropped under a new name (like a-rest.csv)",
      ],
      ["b.csv", "left", 0, "still being written (changed recently): left for the next run"],
    ]);
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "a.remaining.csv", "b.csv", "b.report.csv"]);
    expect(box.state().outputs).to.have.length(0);
  });

  it("a workbook with a row refused by Bitex: failed/ holds no remaining file cut from its zip bytes, and its error.txt points at none", async () => {
    const [header, ...rows] = (await payroll(3)).trimEnd().split("\n");
    const sheet = [header, rows[0], (rows[1] as string).replace(",301,", ",999999,"), rows[2]].map((row) =>
      (row as string).split(",").map((cell) => (cell === "" ? null : cell)),
    );
    await writeFile(join(inbox, "pay.xlsx"), await workbookBytes([{ name: "Payroll", rows: sheet }]));
    const one = await run();
    expect(one.code).to.equal(1);
    expect(one.files.map((file) => [file.file, file.outcome, file.exit_code])).to.deep.equal([
      ["pay.xlsx", "failed", 1],
    ]);
    expect(await ls(join(inbox, "failed"))).to.deep.equal([
      "pay.report.csv",
      "pay.xlsx",
      "pay.xlsx.error.txt",
    ]);
    expect(await readFile(join(inbox, "failed", "pay.xlsx.error.txt"), "utf8")).to.equal(
      "the file finished with exit 1: 2 created, 1 failed; 2 row(s) were created on the server and must not be sent again. " +
        `They are in draft requests, not quoted, so nobody is paid for them yet: to pay them without the other rows, run bitex-batch quote ${join(inbox, "failed", "pay.xlsx")} --allow-partial (it prints the quotes and the command to accept them).\n\n` +
        "What to do: read pay.xlsx's report beside this file (its problem column says, row by row, what to fix); " +
        "put only the rows still to pay in a new file and drop it in the folder.\n",
    );
    expect(box.state().outputs).to.have.length(2);
  });

  it("--allow-partial, every row refused by Bitex: nothing to quote or accept, so exit 1 and failed/ with its remaining file, never done/ as a batch taken to its final stage", async () => {
    const [header, ...rows] = (await payroll(2)).trimEnd().split("\n");
    const refused = rows.map((row) => row.replace(/^([^,]*,[^,]*,[^,]*,)30/, "$199999"));
    expect(refused.every((row) => row.includes(",99999"))).to.equal(true);
    await writeFile(join(inbox, "z.csv"), `${[header, ...refused].join("\n")}\n`);
    const one = await run(() => {}, "accepted", 0, { allowPartial: true, wait: 5 });
    expect(one.code).to.equal(1);
    const [line] = one.files;
    expect([line?.file, line?.outcome, line?.exit_code, line?.moved_to]).to.deep.equal([
      "z.csv",
      "failed",
      1,
      "failed",
    ]);
    expect(line?.submit?.stage).to.equal("none");
    expect(await ls(join(inbox, "failed"))).to.deep.equal([
      "z.csv",
      "z.csv.error.txt",
      "z.remaining.csv",
      "z.report.csv",
    ]);
    expect(await readFile(join(inbox, "failed", "z.remaining.csv"), "utf8")).to.equal(
      `${[header, ...refused].join("\n")}\n`,
    );
    const ledger = (await readFile(join(inbox, ".bitex-inbox", "ledger.jsonl"), "utf8"))
      .trimEnd()
      .split("\n")
      .map((text) => JSON.parse(text) as LedgerLine);
    expect(ledger.filter((entry) => entry.t === "move").map((entry) => entry.outcome)).to.deep.equal([
      "failed",
    ]);
    expect(box.state().outputs).to.have.length(0);
    expect(box.state().stats.per_request).to.deep.equal({});
  });

  it("--allow-partial, one row refused and a slow quote still to come: the file is left, and its staged line counts the rows created, not the one refused", async () => {
    const [header, ...rows] = (await payroll(5)).trimEnd().split("\n");
    // EMP-1002 alone pays from us_usd: refused, its request is left out; EMP-1005's quote comes in 30 minutes.
    await writeFile(
      join(inbox, "a.csv"),
      `${[header, ...rows.map((row) => row.replace(",301,", ",999999,"))].join("\n")}\n`,
    );
    const said: string[] = [];
    const one = await run((line) => said.push(line), "accepted", 0, { allowPartial: true, wait: 1 });
    expect(one.code).to.equal(3);
    expect(one.files.map((file) => [file.file, file.outcome, file.exit_code])).to.deep.equal([
      ["a.csv", "left", 3],
    ]);
    expect(box.state().outputs).to.have.length(4);
    expect(said.filter((line) => line.includes("NOT PAID"))).to.deep.equal([
      // Request 3's quote is asked for, not in yet: no draft any more, said as it is.
      "a.csv: STAGED, NOT PAID: 4 row(s) created; the quote of request(s) 3 is requested, not in yet; nobody is paid until the quotes are in and accepted",
    ]);
  });

  it("the API key refused (nothing reached the API): every file stays in the folder and the run stops, exit 2; with the key fixed, the next run pays them", async () => {
    await writeFile(join(inbox, "a.csv"), await payroll(2));
    await writeFile(join(inbox, "b.csv"), await payroll(3, 10));
    const refusedKey = { ...apiEnv(box), BITEX_API_KEY: "revoked-key", BITEX_BATCH_SETTLE_MS: "0" };
    const one = await run(() => {}, "created", 0, {
      io: { stdout: textSink(), stderr: textSink(), env: refusedKey },
    });
    expect(one.code).to.equal(2);
    expect(one.files.map((file) => [file.file, file.outcome, file.exit_code])).to.deep.equal([
      ["a.csv", "left", 2],
      ["b.csv", "left", 0],
    ]);
    expect(one.files[0]?.reason).to.match(/^the API refused the key: .*; nothing reached the API at /);
    expect(one.files[1]?.reason).to.equal("not tried: the run stopped before it");
    expect((await ls(inbox)).filter((name) => !name.endsWith(".report.csv"))).to.deep.equal([
      ".bitex-inbox",
      "a.csv",
      "b.csv",
    ]);

    const two = await run();
    expect(two.code).to.equal(0);
    expect(two.files.map((file) => [file.file, file.outcome])).to.deep.equal([
      ["a.csv", "done"],
      ["b.csv", "done"],
    ]);
    expect(box.state().outputs).to.have.length(5);
  });

  it("the same file dropped again after a run that only staged it: refused, saying it was staged (drafts: nobody paid), not paid", async () => {
    const text = await payroll(3);
    await writeFile(join(inbox, "a.csv"), text);
    expect((await run()).code).to.equal(0);
    await writeFile(join(inbox, "a.csv"), text);
    const again = await run();
    const today = new Date().toISOString().slice(0, 10);
    expect(again.files.map((file) => [file.outcome, file.exit_code, file.reason])).to.deep.equal([
      [
        "failed",
        2,
        `this file (same name and bytes) was staged from this folder on ${today} (its rows created in draft requests; that run paid nobody) and moved to done/${today}/a.csv; nothing was sent`,
      ],
    ]);
    expect(box.state().outputs).to.have.length(3);
  });

  it("the same file dropped again after a run that accepted its quotes: refused, saying it was accepted for payment", async () => {
    const text = await payroll(3);
    await writeFile(join(inbox, "b.csv"), text);
    const first = await run(() => {}, "accepted");
    expect(first.code, JSON.stringify(first.files)).to.equal(0);
    await writeFile(join(inbox, "b.csv"), text);
    const again = await run(() => {}, "accepted");
    const today = new Date().toISOString().slice(0, 10);
    expect(again.files.map((file) => [file.outcome, file.exit_code, file.reason])).to.deep.equal([
      [
        "failed",
        2,
        `this file (same name and bytes) was accepted for payment from this folder on ${today} and moved to done/${today}/b.csv; nothing was sent`,
      ],
    ]);
  });

  it("a file changed after its run read it and before its move: it stays in the folder and the run says so; no next: names a file in done/ that is not there", async () => {
    const first = await payroll(2);
    await writeFile(join(inbox, "a.csv"), first);
    const more = `${first}${(await payroll(3, 2)).split("\n").slice(1).join("\n")}`;
    // The HR system appends rows once the batch was read and created: its report is written.
    const append = writeAt("a.csv: report: ", join(inbox, "a.csv"), more);
    const said: string[] = [];
    const one = await run((line) => {
      said.push(line);
      append.onLine(line);
    });
    expect(append.written()).to.equal(true);
    expect(one.code).to.equal(0);
    const today = new Date().toISOString().slice(0, 10);
    const [line] = one.files;
    const reason = `changed while its run held it: the file as it is now stayed in the folder (the next run takes it as a new file); batch ${line?.batch_id} is the bytes the run read, and what went with it (a.report.csv) moved to done/${today}`;
    expect([line?.file, line?.outcome, line?.exit_code, line?.moved_to, line?.reason]).to.deep.equal([
      "a.csv",
      "done",
      0,
      `done/${today}`,
      reason,
    ]);
    expect(said).to.include(`a.csv: ${reason}`);
    expect(
      said.filter((text) => / moved to done|next: /.test(text) && !text.includes("stayed")),
    ).to.deep.equal([]);
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "a.csv", "done"]);
    expect(await ls(join(inbox, "done", today))).to.deep.equal(["a.report.csv"]);
    expect(await readFile(join(inbox, "a.csv"), "utf8")).to.equal(more);
    expect(box.state().outputs).to.have.length(2);
  });

  it("a new payroll renamed over a.csv while a.csv's move is under way stays in the folder, never linked into done/ unpaid (helper-83)", async () => {
    const paid = await payroll(2);
    const next = await payroll(3, 10);
    await writeFile(join(inbox, "a.csv"), paid);
    await writeFile(join(dir, "next.csv"), next);
    // The HR system renames the next payroll over a.csv at the very moment the move links it.
    let raced = false;
    const fault = replaceFs("link", (real) => async (from, to) => {
      if (!raced && String(from) === join(inbox, "a.csv") && String(to).includes("/done/")) {
        raced = true;
        renameSync(join(dir, "next.csv"), join(inbox, "a.csv"));
      }
      return real(from, to);
    });
    let one: Awaited<ReturnType<typeof run>>;
    try {
      one = await run();
    } finally {
      fault.restore();
    }
    expect(raced).to.equal(true);
    expect(one.code).to.equal(0);
    const today = new Date().toISOString().slice(0, 10);
    const [line] = one.files;
    expect([line?.file, line?.outcome, line?.exit_code, line?.moved_to, line?.reason]).to.deep.equal([
      "a.csv",
      "done",
      0,
      `done/${today}`,
      `changed while its run held it: the file as it is now stayed in the folder (the next run takes it as a new file); batch ${line?.batch_id} is the bytes the run read, and what went with it (a.report.csv) moved to done/${today}`,
    ]);
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "a.csv", "done"]);
    expect(await readFile(join(inbox, "a.csv"), "utf8")).to.equal(next);
    expect(await ls(join(inbox, "done", today))).to.deep.equal(["a.report.csv"]);
    expect(box.state().outputs).to.have.length(2);
  });

  it("a full disk while the report is written: the file is not final, it waits in the folder (exit 3, no --report advice); once there is room, the next run pays it (helper-83)", async () => {
    await writeFile(join(inbox, "a.csv"), await payroll(2));
    const fault = replaceFs(
      "open",
      (real) =>
        (async (path: unknown, ...rest: unknown[]) => {
          if (/\.a\.report\.csv\./.test(String(path))) throw systemError("ENOSPC", "open", String(path));
          return (real as (...args: unknown[]) => Promise<unknown>)(path, ...rest);
        }) as typeof real,
    );
    let one: Awaited<ReturnType<typeof run>>;
    try {
      one = await run();
    } finally {
      fault.restore();
    }
    expect(one.code).to.equal(3);
    expect(one.files.map((file) => [file.file, file.outcome, file.exit_code, file.moved_to])).to.deep.equal([
      ["a.csv", "left", 3, null],
    ]);
    expect(one.files[0]?.reason).to.match(
      new RegExp(
        `^cannot write the report to ${join(inbox, "a.report.csv").replace(/[.]/g, "\\.")}: ENOSPC: .*: nothing of the file is final; left in the folder, taken again by the next run$`,
      ),
    );
    expect(one.files[0]?.reason).to.not.include("--report");
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "a.csv"]);
    expect(box.state().outputs).to.have.length(0);
    const two = await run();
    expect(two.code).to.equal(0);
    expect(two.files.map((file) => [file.file, file.outcome])).to.deep.equal([["a.csv", "done"]]);
    expect(box.state().outputs).to.have.length(2);
  });

  it("a name too long for the report beside it is final: failed/ with error.txt saying to rename the file; a 210-byte name that fails moves whole; a name too long for its error.txt is not taken (helper-83)", async () => {
    const tooLong = `${"t".repeat(226)}.csv`; // its report's temporary name passes 255 bytes
    const long = `${"r".repeat(206)}.csv`; // error.txt's old temporary name passed 255 bytes
    const longest = `${"x".repeat(242)}.csv`; // 246 bytes: <name>.error.txt would pass 255
    await writeFile(join(inbox, tooLong), await payroll(2));
    const bad = (await payroll(2, 3)).split("\n");
    bad[1] = (bad[1] as string).replace(/^([^,]*,[^,]*,[^,]*,[^,]*,[^,]*,)[^,]*/, "$1abc");
    await writeFile(join(inbox, long), bad.join("\n"));
    await writeFile(join(inbox, longest), await payroll(2, 20));
    const one = await run();
    expect(one.code).to.equal(2);
    expect(one.files.map((file) => [file.file, file.outcome, file.exit_code, file.moved_to])).to.deep.equal([
      [longest, "ignored", 0, null],
      [long, "failed", 1, "failed"],
      [tooLong, "failed", 2, "failed"],
    ]);
    expect(one.files[0]?.reason).to.equal(
      `its name is 246 bytes long, longer than 245: its notes (${longest}.error.txt) could not be written beside it; not taken; rename it to a shorter name`,
    );
    expect(one.files[2]?.reason).to.match(
      /: ENAMETOOLONG: .*: the file's name is too long for the files this tool writes beside it$/,
    );
    const note = await readFile(join(inbox, "failed", `${tooLong}.error.txt`), "utf8");
    expect(note).to.match(
      new RegExp(
        `\\n\\nWhat to do: rename ${tooLong} to a shorter name \\(the names of its report and notes are longer by up to 40 bytes, and a name may have 255\\) and drop it in the folder again\\n$`,
      ),
    );
    expect(note).to.not.include("--report");
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "failed", longest]);
    expect(await ls(join(inbox, "failed"))).to.deep.equal(
      [long, `${long}.error.txt`, `${"r".repeat(206)}.report.csv`, tooLong, `${tooLong}.error.txt`].sort(),
    );
    expect(box.state().outputs).to.have.length(0);
    // Nothing is left unfinished: the next run has nothing to do but the long name.
    const two = await run();
    expect(two.code).to.equal(0);
    expect(two.files.map((file) => [file.file, file.outcome])).to.deep.equal([[longest, "ignored"]]);
  });

  it("an unfinished move whose file is gone from the folder and not at its target is closed, saying so, not tried for ever with exit 3 (helper-83)", async () => {
    await writeFile(join(inbox, "a.csv"), await payroll(2));
    expect((await run()).code).to.equal(0);
    // As a kill after the intent leaves it, with someone's file put where the report goes, and
    // the payroll then taken out of the folder by hand.
    const ledger = join(inbox, ".bitex-inbox", "ledger.jsonl");
    const [intent] = (await readFile(ledger, "utf8")).trimEnd().split("\n");
    await writeFile(ledger, `${intent}\n`);
    const today = new Date().toISOString().slice(0, 10);
    const target = join(inbox, "done", today);
    await rename(join(target, "a.report.csv"), join(inbox, "a.report.csv"));
    await writeFile(join(target, "a.report.csv"), "someone else's file\n");
    await rename(join(target, "a.csv"), join(dir, "a.csv"));
    const said: string[] = [];
    const again = await run((line) => said.push(line));
    expect(again.code).to.equal(0);
    const closed = `its move to done/${today} could not finish (${join(target, "a.report.csv")} exists already (another file); not replacing it), and the file it was about is no longer in the folder nor in done/${today} (renamed or removed since): the move is closed; what went with it is where it is now`;
    expect(said).to.include(`a.csv: ${closed}`);
    expect(again.files.map((file) => [file.file, file.outcome, file.exit_code, file.reason])).to.deep.equal([
      ["a.csv", "done", 0, closed],
      [
        "a.report.csv",
        "ignored",
        0,
        "named like this tool's own output (a report, remaining or error file), with no file of its name beside it: not taken",
      ],
    ]);
    const third = await run();
    expect([third.code, third.files.map((file) => file.file)]).to.deep.equal([0, ["a.report.csv"]]);
    expect(await readFile(join(target, "a.report.csv"), "utf8")).to.equal("someone else's file\n");
    expect(box.state().outputs).to.have.length(2);
  });

  it("UTF-16 without a byte order mark goes to submit: set aside with its words on how to read it; with --encoding utf16le it is paid; a name with a line break keeps its whole reason (helper-83)", async () => {
    const text = await payroll(2);
    await writeFile(join(inbox, "a.csv"), Buffer.from(text, "utf16le"));
    await writeFile(join(inbox, "x\ny.csv"), "not,a,payroll\n1,2,3\n");
    const one = await run();
    expect(one.code).to.equal(2);
    expect(one.files.map((file) => [file.file, file.outcome, file.exit_code, file.moved_to])).to.deep.equal([
      ["a.csv", "failed", 2, "failed"],
      ["x\ny.csv", "failed", 2, "failed"],
    ]);
    expect(one.files[0]?.reason).to.equal(
      `${join(inbox, "a.csv")}: looks like a binary file, not CSV (NUL byte at offset 1)`,
    );
    expect(await readFile(join(inbox, "failed", "a.csv.error.txt"), "utf8")).to.include(
      "a UTF-16 file without byte order mark can be read with --encoding utf16le",
    );
    const words = await readFile(join(inbox, "failed", "x\ny.csv.error.txt"), "utf8");
    expect(one.files[1]?.reason).to.equal(words.slice(0, words.indexOf("\n\n")));
    expect(one.files[1]?.reason).to.include(`${join(inbox, "x\ny.csv")}:`);
    await writeFile(join(inbox, "b.csv"), Buffer.from(text, "utf16le"));
    const two = await run(() => {}, "created", 0, { encoding: "utf16le" });
    expect(two.code).to.equal(0);
    expect(two.files.map((file) => [file.file, file.outcome, file.exit_code])).to.deep.equal([
      ["b.csv", "done", 0],
    ]);
    expect(box.state().outputs).to.have.length(2);
  });

  it("a run killed while it wrote error.txt (the note left empty): the next run finishes the move with the note whole, as the ledger's intent says", async () => {
    const bad = (await payroll(3, 10)).split("\n");
    bad[2] = (bad[2] as string).replace(/^([^,]*,[^,]*,[^,]*,[^,]*,[^,]*,)[^,]*/, "$1abc");
    await writeFile(join(inbox, "b.csv"), bad.join("\n"));
    expect((await run()).code).to.equal(1);
    const note = join(inbox, "failed", "b.csv.error.txt");
    const words = await readFile(note, "utf8");
    expect(words).to.match(/^the file finished with exit 1: 1 invalid, 2 blocked; nothing was sent\.\n/);
    // As a kill while the note was written leaves the folder: the intent on the ledger, its
    // end not; the note made but empty; nothing renamed yet.
    const ledger = join(inbox, ".bitex-inbox", "ledger.jsonl");
    const [intent] = (await readFile(ledger, "utf8")).trimEnd().split("\n");
    await writeFile(ledger, `${intent}\n`);
    for (const name of ["b.csv", "b.report.csv"])
      await rename(join(inbox, "failed", name), join(inbox, name));
    await writeFile(note, "");
    // And the note's temporary file, as a kill between writing it and linking it leaves it.
    const { id } = JSON.parse(intent as string) as { id: string };
    await writeFile(join(inbox, "failed", `.bitex-${id}.tmp`), words);
    const said: string[] = [];
    const again = await run((line) => said.push(line));
    // The file's outcome, kept in the intent, is said by the run that finishes its move: its
    // line, its count and its exit code (helper-83: exit 0 and no line, the exit 1 never said).
    expect(again.code).to.equal(1);
    expect(said).to.include("b.csv: finishing its move to failed (a run stopped in the middle of it)");
    expect(said).to.include("b.csv: not paid as it is (exit 1); moved to failed with b.csv.error.txt");
    expect(
      again.files.map((file) => [file.file, file.outcome, file.exit_code, file.moved_to, file.reason]),
    ).to.deep.equal([
      [
        "b.csv",
        "failed",
        1,
        "failed",
        "the file finished with exit 1: 1 invalid, 2 blocked; nothing was sent.",
      ],
    ]);
    expect(await ls(inbox)).to.deep.equal([".bitex-inbox", "failed"]);
    // The move's own temporary file is gone with the move (helper-83: it stayed for ever).
    expect(await ls(join(inbox, "failed"))).to.deep.equal(["b.csv", "b.csv.error.txt", "b.report.csv"]);
    expect(await readFile(note, "utf8")).to.equal(words);
    expect(box.state().outputs).to.have.length(0);
  });

  it("error.txt is written whole or not at all: a note already there with other words is never replaced, nor a torn one left", async () => {
    const path = join(inbox, "x.error.txt");
    expect(await writeWhole(path, "why\n\nWhat to do: this\n")).to.equal("written");
    expect(await writeWhole(path, "why\n\nWhat to do: this\n")).to.equal("kept");
    // A prefix of the words (a write cut short by an older version) is completed.
    await writeFile(path, "why\n\nWhat");
    expect(await writeWhole(path, "why\n\nWhat to do: this\n")).to.equal("written");
    expect(await readFile(path, "utf8")).to.equal("why\n\nWhat to do: this\n");
    // Other words are another note's: left as they are.
    await writeFile(path, "another note\n");
    expect(await writeWhole(path, "why\n\nWhat to do: this\n")).to.equal("other");
    expect(await readFile(path, "utf8")).to.equal("another note\n");
    // No temporary file is left beside it.
    expect(await ls(inbox)).to.deep.equal(["x.error.txt"]);
  });
});
