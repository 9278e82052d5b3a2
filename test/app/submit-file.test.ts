/**
 * submitFile as a drop folder will call it: two files submitted one after the other in one
 * process, each with its own session, each returning its own outcome, nothing of the process
 * (exit code, signal handlers, --json) touched between them.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { type Console, type Session, StopControl } from "../../src/app/session.js";
import { prepareSubmit, type SubmitArgs, submitFile } from "../../src/app/submit.js";
import { createConsole } from "../../src/commands/console.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { tempDir, textSink } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

function session(out: Console): Session {
  return { out, stops: new StopControl(), resumeHint: "run it again" };
}

describe("submitFile: two files in one process", () => {
  let box: Sandbox;
  let dir: string;
  before(async () => {
    box = await sandbox();
    dir = await tempDir();
  });
  after(async () => box.close());

  it("gives two outcomes, one per file, each its own batch, with no process-global state between them", async () => {
    const [header, ...rows] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
    const files = [join(dir, "first.csv"), join(dir, "second.csv")];
    await writeFile(files[0] as string, `${header}\n${rows.slice(0, 20).join("\n")}\n`);
    await writeFile(files[1] as string, `${header}\n${rows.slice(20).join("\n")}\n`);
    const exitCodeBefore = process.exitCode;
    const listenersBefore = process.listenerCount("SIGINT");

    const outcomes = [];
    const stdouts = [];
    for (const csv of files) {
      const stdout = textSink();
      const env = apiEnv(box);
      const args: SubmitArgs = {
        csv,
        encoding: "auto",
        allowDuplicates: false,
        keepColumns: false,
        reportFormat: "csv",
        json: true,
        quiet: true,
        sandbox: false,
        stateDir: join(dir, "state"),
        dryRun: false,
        skipInvalid: false,
        until: "created",
        concurrency: 4,
        rate: 50,
        io: { stdout, stderr: textSink(), env },
      };
      const out = createConsole({
        json: true,
        quiet: true,
        stdout,
        stderr: textSink(),
        secrets: [box.apiKey],
      });
      outcomes.push(await submitFile(args, prepareSubmit(args, env), session(out)));
      stdouts.push(stdout.text);
    }

    expect(outcomes.map((outcome) => outcome.exitCode)).to.deep.equal([0, 0]);
    const [first, second] = outcomes.map((outcome) => outcome.json as Record<string, unknown>);
    expect(first).to.include({ command: "submit", file: files[0], rows: 20, exit_code: 0 });
    expect(second).to.include({ command: "submit", file: files[1], rows: 28, exit_code: 0 });
    const none = { valid: 0, invalid: 0, blocked: 0, failed: 0, pending: 0 };
    expect(first?.by_status).to.deep.equal({ ...none, created: 20 });
    expect(second?.by_status).to.deep.equal({ ...none, created: 28 });
    expect(first?.batch_id).to.not.equal(second?.batch_id);
    // Each run printed its own one JSON object, the one its outcome holds.
    expect(stdouts.map((text) => JSON.parse(text))).to.deep.equal([first, second]);
    // The server holds every row of both files once.
    expect(box.state().outputs).to.have.length(48);
    expect(process.exitCode).to.equal(exitCodeBefore);
    expect(process.listenerCount("SIGINT")).to.equal(listenersBefore);
  });
});
