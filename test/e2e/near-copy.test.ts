/**
 * Near-copies of a paid file under another name (one row added, removed or changed, rows
 * reordered) are refused before anything is sent, naming the earlier batch; --batch-id is
 * the operator's decision; a month-later payroll with the same salaries passes with the
 * README's cron line. Through the built CLI against the emulator.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import type { Sandbox, Seed } from "../../src/sandbox/index.js";
import { CLI, ROOT, runCli, tempDir } from "../helpers/cli.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, fastSandbox, sandbox } from "../helpers/sandbox.js";
import { expectExactlyOnce, makeWorld, type WorldRow, worldCsv } from "../helpers/world.js";

const csvOf = worldCsv;

describe("near-copies of a paid file", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  let world: { seed: Seed };
  let dir: string;
  let all: WorldRow[];
  let rows: WorldRow[];

  beforeEach(async () => {
    const made = makeWorld(12);
    world = made;
    box = await sandbox({}, made.seed);
    dir = await tempDir();
    all = made.rows;
    rows = made.rows.slice(0, 10);
    await writeFile(join(dir, "payroll.csv"), csvOf(rows));
  });
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  const run = (args: string[]) =>
    runCli([...args, "--rate", "1000"], { cwd: dir, env: apiEnv(box as Sandbox) });

  it("one row added, one removed, one amount changed: refused with zero calls, naming the batch, its file, date and the rows that are the same; with --batch-id: paid", async () => {
    const paid = await run(["submit", "payroll.csv", "--json"]);
    expect(paid.code, paid.stderr).to.equal(0);
    const { batch_id: batchId } = JSON.parse(paid.stdout) as { batch_id: string };
    const server = box as Sandbox;
    const changed = rows.map((row, i) => (i === 4 ? { ...row, amount: "504500" } : row));
    const variants: Array<[string, WorldRow[], number, number]> = [
      ["added.csv", [...rows, all[10] as WorldRow], 10, 11],
      ["removed.csv", rows.slice(1), 9, 9],
      ["changed.csv", changed, 9, 10],
    ];
    for (const [name, variant, same, count] of variants) {
      await writeFile(join(dir, name), csvOf(variant));
      const calls = server.state().stats.calls;
      const refused = await run(["submit", name]);
      expect(refused.code, `${name}: ${refused.stderr}`).to.equal(2);
      expect(refused.stderr).to.match(
        new RegExp(
          `^bitex-batch: ${name.replace(".", "\\.")}: ${same} of its ${count} row\\(s\\) are payments batch ${batchId} \\(file payroll\\.csv, begun \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d\\) holds: staged ${same} row\\(s\\) \\(created in requests it never accepted: not paid by it\\); sending it as a new batch could pay them again$`,
          "m",
        ),
      );
      expect(server.state().stats.calls, `${name}: nothing sent`).to.equal(calls);
      expect(server.state().outputs).to.have.length(10);
    }
    const deliberate = await run(["submit", "added.csv", "--batch-id", "bonus-2026-11"]);
    expect(deliberate.code, deliberate.stderr).to.equal(0);
    expect(server.state().outputs).to.have.length(21);
  });

  it("rows reordered: refused as the same payments, zero calls, naming the batch and how many rows it paid", async () => {
    const paid = await run(["submit", "payroll.csv", "--json"]);
    const { batch_id: batchId } = JSON.parse(paid.stdout) as { batch_id: string };
    await writeFile(join(dir, "reordered.csv"), csvOf([...rows].reverse()));
    const server = box as Sandbox;
    const calls = server.state().stats.calls;
    const refused = await run(["submit", "reordered.csv"]);
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.match(
      new RegExp(
        `reordered\\.csv holds the same payments as batch ${batchId} \\(file payroll\\.csv, begun \\d{4}-[^)]+\\), which staged 10 row\\(s\\) \\(created in requests it never accepted: not paid by it\\)`,
      ),
    );
    expect(server.state().stats.calls).to.equal(calls);
  });

  it("batches are per API: the same file on two emulators from one state directory pays on both, no refusal, no shared journal or report; each follows its own batch", async () => {
    const made = makeWorld(12);
    const other = await sandbox({}, made.seed);
    try {
      const first = box as Sandbox;
      const on = (server: Sandbox, args: string[]) =>
        runCli([...args, "--rate", "1000", "--json"], { cwd: dir, env: apiEnv(server) });
      const a = await on(first, ["submit", "payroll.csv"]);
      expect(a.code, a.stderr).to.equal(0);
      const b = await on(other, ["submit", "payroll.csv"]);
      expect(b.code, b.stderr).to.equal(0);
      const [jsonA, jsonB] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
      expect(jsonA.batch_id).to.equal(jsonB.batch_id);
      expect(jsonA.report).to.equal("payroll.report.csv");
      expect(jsonB.report).to.equal(`payroll.127.0.0.1-${new URL(other.url).port}.report.csv`);
      expectExactlyOnce(first, rows);
      expectExactlyOnce(other, rows);
      const dirs = (await readdir(join(dir, ".state", "bitex-batch"))).sort();
      expect(dirs).to.deep.equal([jsonA.batch_id, `${jsonA.batch_id}~${dirs[1]?.split("~")[1]}`]);
      expect(dirs[1]).to.match(/^[0-9a-f]{16}~[0-9a-f]{8}$/);
      for (const [name, server] of [
        [dirs[0], first],
        [dirs[1], other],
      ] as const) {
        const journal = await readFile(
          join(dir, ".state", "bitex-batch", name as string, "journal.jsonl"),
          "utf8",
        );
        expect(JSON.parse(journal.split("\n")[0] as string).api).to.equal(server.url);
      }
      // Each API's quote and status find their own batch (no "started against another URL").
      for (const server of [first, other]) {
        const quoted = await on(server, ["quote", "payroll.csv", "--wait", "0"]);
        expect(quoted.code, quoted.stderr).to.equal(3); // the us_usd payouts are quoted 30 min later
        expect(server.state().requests.map((r) => r.attributes.state)).to.include("quote_requested");
      }
      const reportB = await readReport(join(dir, `payroll.127.0.0.1-${new URL(other.url).port}.report.csv`));
      const outputsB = new Set(other.state().outputs.map((o) => o.id));
      expect(reportB.every((row) => outputsB.has(row.output_id as string))).to.equal(true);
    } finally {
      await other.close();
    }
  });

  it("a month-later payroll with the same salaries passes with the README's cron line; the same month run again pays nobody twice", async function () {
    this.timeout(300_000);
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const cronLine = readme.split("\n").find((line) => line.startsWith("0 6 1 * *")) ?? "";
    const bin = join(dir, "bin");
    await mkdir(bin);
    // `date` answers the month the test says (cron runs it on the 1st).
    await writeFile(join(bin, "date"), '#!/bin/sh\necho "$FAKE_MONTH"\n');
    await chmod(join(bin, "date"), 0o755);
    // The line pays to final states: on fastSandbox's clock, the quote of the US payouts
    // comes in 2 s. Its --max-total figures are the operator's own (the
    // README says so): this world's, the most its quotes spend plus a margin. Its refresh every
    // 30 s is of the server's clock: a quarter of a second of this one, 120 times slower.
    await box?.close();
    box = await fastSandbox(world.seed);
    await writeFile(join(dir, ".bitex-key"), `${box.apiKey}\n`, { mode: 0o600 });
    const command = cronLine
      .replace(/^(\S+\s+){5}/, "")
      .replaceAll("\\%", "%")
      .replaceAll("/srv/payroll", dir)
      .replaceAll("/home/pay/.local/bin/bitex-batch", `${process.execPath} ${CLI}`)
      .replace(/( --max-total [A-Z]{3}=\d+)+/, " --max-total ARS=2000000 --max-total USD=40000")
      .replace('mail -s "payroll" ops@example.com', `cat >> ${join(dir, "mail.txt")}`);
    expect(command).to.include("--until final --max-total ARS=2000000 --max-total USD=40000 ");
    const server = box as Sandbox;
    const cron = (month: string) =>
      promisify(execFile)("sh", ["-c", command], {
        cwd: dir,
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          HOME: dir,
          XDG_STATE_HOME: join(dir, ".state"),
          BITEX_API_URL: server.url,
          FAKE_MONTH: month,
        },
      });
    for (const month of ["2026-11", "2026-12"])
      await writeFile(join(dir, `payroll-${month}.csv`), csvOf(rows));
    await cron("2026-11");
    await cron("2026-12");
    await cron("2026-12");
    const runs = (await readFile(join(dir, "submit.json"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { exit_code: number; batch_id: string });
    expect(runs.map((r) => [r.exit_code, r.batch_id])).to.deep.equal([
      [0, "payroll-2026-11"],
      [0, "payroll-2026-12"],
      [0, "payroll-2026-12"],
    ]);
    // Each month paid to the end, once; the same month again sends nothing more.
    expect(server.state().outputs.every((output) => output.attributes.state === "settled")).to.equal(true);
    expect(server.state().outputs).to.have.length(20);
  });
});
