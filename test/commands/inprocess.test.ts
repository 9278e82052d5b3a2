/**
 * Commands run in-process with a small io ({stdout, stderr, env}) and RETURN their
 * exit code; only the CLI entry sets process.exitCode. validate, submit --dry-run, template
 * and ports here, without a child process.
 */
import { renameSync, writeFileSync } from "node:fs";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { expect } from "chai";
import type { Io } from "../../src/app/session.js";
import { portsCommand } from "../../src/commands/ports.js";
import { submitCommand } from "../../src/commands/submit-command.js";
import { templateCommand } from "../../src/commands/template.js";
import { validateCommand } from "../../src/commands/validate-command.js";
import { BatchError, exitCodeFor } from "../../src/errors.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { LOG_STAMP, tempDir, textSink, unstamped } from "../helpers/cli.js";
import { readReport } from "../helpers/report.js";
import { DEMO_CSV, sandbox } from "../helpers/sandbox.js";

function io(env: NodeJS.ProcessEnv = {}): Io & { stdout: { text: string }; stderr: { text: string } } {
  return { stdout: textSink(), stderr: textSink(), env };
}

const LOAD = {
  encoding: "auto" as const,
  allowDuplicates: false,
  keepColumns: false,
  reportFormat: "csv" as const,
  json: false,
  quiet: false,
  sandbox: false,
};

describe("commands in-process", () => {
  let dir: string;
  let box: Sandbox | undefined;
  let exitCodeBefore: typeof process.exitCode;
  beforeEach(async () => {
    dir = await tempDir();
    exitCodeBefore = process.exitCode;
  });
  afterEach(async () => {
    await box?.close();
    box = undefined;
    // No command sets the process's exit code: only the CLI entry does.
    expect(process.exitCode).to.equal(exitCodeBefore);
  });

  it("validate returns 1 for a file with a bad row, prints the problem line, writes <input>.validation.csv", async () => {
    const csv = join(dir, "p.csv");
    await writeFile(
      csv,
      "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id\n" +
        "A,112,ar_ars,300,cl_clp,1000,,2100\nB,112,ar_ars,301,cl-clp,1000,,2101\n",
    );
    const streams = io();
    const code = await validateCommand({ ...LOAD, csv, online: false, io: streams });
    expect(code).to.equal(1);
    // Not a terminal: a log, whose lines begin with their time.
    expect(streams.stderr.text).to.match(LOG_STAMP);
    expect(unstamped(streams.stderr.text)).to.equal(
      'line 3, port "cl-clp": port "cl-clp" is not a Bitex port; see `bitex-batch ports`; did you mean cl_clp? [unknown_port]\n',
    );
    expect(streams.stdout.text.split("\n")[0]).to.equal("2 rows: 1 valid, 1 invalid");
    expect((await readFile(join(dir, "p.validation.csv"), "utf8")).split("\n")).to.have.length(4);
  });

  describe("validate reading the file again (the end of the file changed an earlier answer)", () => {
    const HEADER =
      "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id,note\n";
    // A row without a reference, then a repeated one: the rows' payments must be compared.
    const ROWS =
      "A,112,ar_ars,300,cl_clp,1000,,2100,x\n,112,ar_ars,300,cl_clp,1000,,2100,y\nA,112,ar_ars,302,cl_clp,5,,2102,z\n";
    const NOTICE = 'p.csv: ignoring unknown column "note" (--keep-columns copies them into the report)';

    it("says the file's notices once and reports every row as the whole file says", async () => {
      const csv = join(dir, "p.csv");
      await writeFile(csv, HEADER + ROWS);
      const streams = io();
      const code = await validateCommand({ ...LOAD, csv, online: false, io: streams });
      expect(code).to.equal(1);
      const lines = unstamped(streams.stderr.text).split("\n");
      expect(lines.filter((line) => line.includes("ignoring unknown column"))).to.deep.equal([
        `${csv.slice(0, -"p.csv".length)}${NOTICE}`,
      ]);
      const report = await readReport(join(dir, "p.validation.csv"));
      expect(report.map((row) => [row.line, row.status, row.error_code])).to.deep.equal([
        ["2", "valid", ""],
        ["3", "invalid", "possible_duplicate"],
        ["4", "invalid", "duplicate_reference"],
      ]);
    });

    it("refuses a file replaced between its two readings (exit 2), naming it", async () => {
      const csv = join(dir, "p.csv");
      await writeFile(csv, HEADER + ROWS);
      const streams = io();
      // The first reading is under way when its notice is said: the file is replaced then, as
      // an export overwriting it would; the first reading goes on with the bytes it opened.
      let replaced = false;
      const stderr = new Writable({
        write(chunk, _encoding, done) {
          if (!replaced && String(chunk).includes("ignoring unknown column")) {
            replaced = true;
            writeFileSync(`${csv}.new`, `${HEADER}${ROWS}C,112,ar_ars,303,cl_clp,7,,2103,w\n`);
            renameSync(`${csv}.new`, csv);
          }
          streams.stderr.text += String(chunk);
          done();
        },
      });
      const error = await validateCommand({ ...LOAD, csv, online: false, io: { ...streams, stderr } }).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(replaced).to.equal(true);
      expect(error).to.be.instanceOf(BatchError);
      expect((error as BatchError).code).to.equal("input");
      expect((error as BatchError).message).to.equal(`${csv} changed while it was being validated`);
      expect(exitCodeFor(error)).to.equal(2);
    });
  });

  it("submit --dry-run returns 0 and sends nothing (no key needed)", async () => {
    const csv = join(dir, "payroll.csv");
    await copyFile(DEMO_CSV, csv);
    const streams = io();
    const code = await submitCommand({
      ...LOAD,
      csv,
      stateDir: join(dir, "state"),
      dryRun: true,
      skipInvalid: false,
      until: "created",
      concurrency: 4,
      rate: 5,
      io: streams,
    });
    expect(code).to.equal(0);
    expect(streams.stdout.text.split("\n")[0]).to.equal("48 rows: 48 valid");
    // The plan: what a submit would send, request by request.
    expect(streams.stdout.text.trimEnd().split("\n").slice(-4)).to.deep.equal([
      "plan (nothing sent): 48 valid row(s) in 3 request(s), one per payer and sender port:",
      "  payer 112, from ar_ars: 24 row(s)",
      "  payer 112, from us_usd: 8 row(s)",
      "  payer 113, from uy_uyu: 16 row(s)",
    ]);
    expect(streams.stderr.text).to.equal("");
  });

  it("template returns 0 and writes the template to the given stdout", async () => {
    const streams = io();
    expect(await templateCommand({ reportFormat: "csv" }, streams)).to.equal(0);
    expect(streams.stdout.text.split("\n")[0]).to.equal(
      "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id",
    );
  });

  it("ports returns 0 and lists the emulator's ports, the key from io.env", async () => {
    box = await sandbox();
    const streams = io({ BITEX_API_KEY: box.apiKey, BITEX_API_URL: box.url });
    const code = await portsCommand({ sandbox: false, json: false, quiet: false, io: streams });
    expect(code).to.equal(0);
    expect(streams.stdout.text.split("\n")).to.include("cl_clp");
    expect(streams.stderr.text).to.equal("");
  });
});
