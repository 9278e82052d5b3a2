/**
 * submit with rows by payee details against the emulator: each new payee and account created
 * once and the rows paid with the ids they resolved to; a rerun creates nothing; a kill at
 * each point of the payee phase, then a rerun: still once; a payee whose tax id differs from
 * what Bitex shows is refused before anything is created.
 */
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { ROOT, runCli, tempDir } from "../helpers/cli.js";
import { expectPayeesOnce, PAYEE_HEADER, payeeWorld, seedWithAnasAccount } from "../helpers/payee-world.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";

const FAST = ["--rate", "1000", "--concurrency", "4"];
const SETTLE = { BITEX_BATCH_SETTLE_MS: "200" };
const SEEDED_USERS = 50;
const DEMO_PAYEES_CSV = join(ROOT, "fixtures", "demo", "payroll-payees.csv");

describe("submit pays rows by payee details, creating each payee and account once", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  async function setUp(fresh: number, returning: number, repeat: number) {
    const world = payeeWorld(fresh, returning, repeat);
    box = await sandbox();
    const dir = await tempDir();
    await writeFile(join(dir, "p.csv"), world.csv);
    const submit = (env: Record<string, string> = {}) =>
      runCli(["submit", "p.csv", ...FAST], {
        cwd: dir,
        env: { ...SETTLE, ...apiEnv(box as Sandbox), ...env },
      });
    return { world, dir, submit, box };
  }

  it("new payees and a returning payee's new account: created once, every row created with their ids; a rerun creates nothing", async () => {
    const { world, dir, submit, box } = await setUp(3, 2, 2);
    const first = await submit();
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stderr).to.include("payees: creating 3 payee(s) and 5 bank account(s) at Bitex");
    expectPayeesOnce(box, world, SEEDED_USERS);
    const state = box.state();
    // The returning payees keep their user: a new instruction on user 300 and 301, no new user.
    expect(state.users.filter((u) => u.email === "ana.300@example.com").map((u) => u.id)).to.deep.equal([
      "300",
    ]);
    const report = await readReport(join(dir, "p.report.csv"));
    expect(report.map((row) => `${row.status}:${row.payee}`)).to.deep.equal(
      report.map(() => "created:created"),
    );
    const ana = report.find((row) => row.reference === "R0-3");
    const anasInstruction = state.withdrawal_instructions.find(
      (w) => w.user_id === "300" && w.body.cbu === world.accounts[3]?.cbu,
    );
    expect([ana?.recipient_user_id, ana?.withdrawal_instruction_id]).to.deep.equal([
      "300",
      anasInstruction?.id,
    ]);
    expect(ana?.payee_review).to.equal("approved");
    const fresh = report.find((row) => row.reference === "R1-0");
    expect(fresh?.payee_review).to.match(
      /^in review at Bitex: Bitex may defer the payment|^not approved at Bitex yet/,
    );
    expect(first.stderr + first.stdout).not.to.include(world.accounts[0]?.cbu as string);

    const calls = box.state().stats.calls;
    const again = await submit();
    expect(again.code, again.stderr).to.equal(0);
    expectPayeesOnce(box, world, SEEDED_USERS);
    expect(again.stderr).not.to.include("payees: creating");
    expect(box.state().stats.calls - calls, "a rerun reads, it creates nothing").to.be.greaterThan(0);

    // status takes the rows' ids from the journal and reads the payees' review again.
    box.advance({ minutes: 31 });
    const status = await runCli(["status", "p.csv", "--rate", "1000"], { cwd: dir, env: apiEnv(box) });
    expect(status.code, status.stderr).to.equal(3);
    const after = await readReport(join(dir, "p.report.csv"));
    expect(
      after.map((row) => `${row.recipient_user_id}/${row.withdrawal_instruction_id}/${row.payee}`),
    ).to.deep.equal(report.map((row) => `${row.recipient_user_id}/${row.withdrawal_instruction_id}/created`));
    expect(after.every((row) => row.payee_review === "approved")).to.equal(true);
    expectPayeesOnce(box, world, SEEDED_USERS);
  });

  for (const point of [
    "payee-user:intent",
    "payee-user:answered",
    "payee-instruction:intent",
    "payee-instruction:answered",
    "payees-done",
  ]) {
    it(`SIGKILL at ${point}, then run again: one user per email, one instruction per account, one output per row`, async () => {
      const { world, submit, box } = await setUp(2, 1, 2);
      const killed = await submit({ BITEX_BATCH_CRASH_AT: point });
      expect(killed.signal, killed.stderr).to.equal("SIGKILL");
      const again = await submit();
      expect(again.code, again.stderr).to.equal(0);
      expectPayeesOnce(box, world, SEEDED_USERS);
    });
  }

  it("the demo payroll by details (npm run demo:payees) pays to final states on the embedded emulator: one payee found, the new ones created, the planted refusal rejected", async () => {
    const dir = await tempDir();
    await copyFile(DEMO_PAYEES_CSV, join(dir, "pp.csv"));
    const result = await runCli(
      [
        "submit",
        "pp.csv",
        "--sandbox",
        "--until",
        "final",
        "--max-total",
        "ARS=10000000",
        "--max-total",
        "UYU=2000000",
      ],
      { cwd: dir },
    );
    expect(result.code, result.stderr).to.equal(1);
    const report = await readReport(join(dir, "pp.report.csv"));
    expect(report.map((row) => `${row.reference}:${row.payee}:${row.state}`)).to.deep.equal([
      "EMP-2001:found:settled",
      "EMP-2002:created:settled",
      "EMP-2003:created:settled",
      "EMP-2004:created:settled",
      "EMP-2005:created:settled",
      "EMP-2006:created:rejected",
    ]);
    // Ana was found with her account; Lucía's two rows share one new user and one account.
    expect([report[0]?.recipient_user_id, report[0]?.withdrawal_instruction_id]).to.deep.equal([
      "300",
      "2100",
    ]);
    expect(report[3]?.recipient_user_id).to.equal(report[4]?.recipient_user_id);
    expect(report[3]?.withdrawal_instruction_id).to.equal(report[4]?.withdrawal_instruction_id);
    // Users show only kyc_accepted, as recorded: refused and in review read alike. Its row is
    // final (rejected): no payment of it is deferred, so none is said to be, in the report or
    // in the run's summary.
    expect(report[5]?.payee_review).to.equal("not approved at Bitex yet (in review or refused)");
    expect(report[2]?.payee_review).to.equal("approved");
    expect(result.stdout).not.to.include("payees not approved by Bitex's compliance review");
    expect(result.stdout + result.stderr).not.to.include("may defer the payment");
    // This world returns no payout: the closing word names only the rejection it planted.
    expect(result.stdout).to.include(
      "(the demo world rejects one payee on purpose, to show what that looks like; see fixtures/demo/seed.json)",
    );
    expect(result.stdout).not.to.include("returns one payout");
  });

  it("a payee whose email Bitex knows with another tax id: exit 2 naming the row, nothing created", async () => {
    const { seed } = await seedWithAnasAccount();
    box = await sandbox({}, seed);
    const dir = await tempDir();
    const world = payeeWorld(1, 1, 1);
    await writeFile(join(dir, "p.csv"), world.csv);
    const result = await runCli(["submit", "p.csv", ...FAST], { cwd: dir, env: apiEnv(box) });
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.include(
      "p.csv:3: recipient_tax_id: Bitex user 300 has this email but another tax id; one email is one payee",
    );
    expect(box.state().users).to.have.length(SEEDED_USERS);
    expect(box.state().withdrawal_instructions.map((w) => w.id)).to.include("2900");
    expect(box.state().outputs).to.have.length(0);
    expect(PAYEE_HEADER).to.include("recipient_tax_id");
  });

  it("one payment twice, once by ids and once by the same payee's details (no references): a possible duplicate once resolved, nothing paid", async () => {
    box = await sandbox();
    const dir = await tempDir();
    const header =
      "reference,payer_user_id,sender_port,recipient_user_id,port,amount,withdrawal_instruction_id,recipient_email,recipient_name,recipient_tax_id,bank,account_type,account_number";
    // Ana (user 300) is paid into instruction 2100, account 10000000 at bco_chile, in the demo world.
    const byIds = ",112,ar_ars,300,cl_clp,1329000,2100,,,,,,";
    const byDetails =
      ",112,ar_ars,,cl_clp,1329000,,ana.300@example.com,Ana Pérez,12053214-6,bco_chile,checking,10000000";
    await writeFile(join(dir, "p.csv"), `${header}\n${byIds}\n${byDetails}\n`);
    // The read-only runs show what submit refuses: the copy is invalid in their reports.
    const copy = [
      "2:valid:",
      "3:invalid:possible_duplicate: the same payment as line 2 once its payee is resolved (user 300, instruction 2100): delete the copy; if both payments are meant, give them distinct references (or pass --allow-duplicates)",
    ];
    const rowsOf = async (file: string) =>
      (await readReport(join(dir, file))).map(
        (row) => `${row.line}:${row.status}:${row.error_code}${row.error ? `: ${row.error}` : ""}`,
      );
    const online = await runCli(["validate", "p.csv", "--online"], { cwd: dir, env: apiEnv(box) });
    expect(online.code, online.stderr).to.equal(1);
    expect(await rowsOf("p.validation.csv")).to.deep.equal(copy);
    const dry = await runCli(["submit", "p.csv", "--dry-run"], { cwd: dir, env: apiEnv(box) });
    expect(dry.code, dry.stderr).to.equal(1);
    expect(await rowsOf("p.report.csv")).to.deep.equal(copy);
    const allowed = await runCli(["submit", "p.csv", "--dry-run", "--allow-duplicates"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(allowed.code, allowed.stderr).to.equal(0);
    expect(await rowsOf("p.report.csv")).to.deep.equal(["2:valid:", "3:valid:"]);
    expect(box.state().users).to.have.length(SEEDED_USERS);
    const result = await runCli(["submit", "p.csv", ...FAST], { cwd: dir, env: apiEnv(box) });
    expect(box.state().outputs).to.have.length(0);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.include(
      "p.csv:3: the same payment as line 2 once its payee is resolved (user 300, instruction 2100); nothing was paid",
    );
    // Distinct references say both payments are meant: both are paid.
    const meant = `${header}\nA${byIds}\nB${byDetails}\n`;
    await writeFile(join(dir, "q.csv"), meant);
    const both = await runCli(["submit", "q.csv", ...FAST], { cwd: dir, env: apiEnv(box) });
    expect(both.code, both.stderr).to.equal(0);
    expect(box.state().outputs.map((o) => o.relationships?.withdrawal_instruction?.data?.id)).to.deep.equal([
      "2100",
      "2100",
    ]);
  });
});
