/**
 * Accounts by a plain number are told apart by their bank: the bank as the operator wrote it
 * (any case) for Uruguay and Paraguay, the routing number for the United States. submit finds
 * again the instruction it created, and never pays a number at one bank into the payee's
 * instruction of the same number at another.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, demoSeed, sandbox } from "../helpers/sandbox.js";

const FAST = ["--rate", "1000", "--concurrency", "4"];
const SETTLE = { BITEX_BATCH_SETTLE_MS: "200" };
const SEEDED_USERS = 50;
const HEADER =
  "reference,payer_user_id,sender_port,port,amount,recipient_email,recipient_name,recipient_tax_id,bank,account_number,routing_number,account_type";

describe("submit: accounts by a plain number, told apart by their bank", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("a Uruguayan account at a bank written in capitals: one instruction created, found again, the row paid into it; a rerun creates nothing", async () => {
    box = await sandbox();
    const dir = await tempDir();
    const row = "U1,112,ar_ars,uy_uyu,15000.00,nueva.uy@example.com,Nueva Uy,1.234.567-2,BROU,001234567,,";
    await writeFile(join(dir, "p.csv"), `${HEADER}\n${row}\n`);
    const submit = () =>
      runCli(["submit", "p.csv", ...FAST], { cwd: dir, env: { ...SETTLE, ...apiEnv(box as Sandbox) } });
    const first = await submit();
    expect(first.code, first.stderr).to.equal(0);
    const state = box.state();
    const users = state.users.filter((u) => u.email === "nueva.uy@example.com");
    expect(users.map((u) => u.id)).to.have.length(1);
    const mine = state.withdrawal_instructions.filter((w) => w.user_id === users[0]?.id);
    expect(mine.map((w) => [w.body.bank, w.body.bank_account_number])).to.deep.equal([["BROU", "001234567"]]);
    expect(state.outputs.map((o) => o.relationships?.withdrawal_instruction?.data?.id)).to.deep.equal([
      mine[0]?.id,
    ]);
    expect(first.stderr).not.to.include("a create may still land");
    const report = await readReport(join(dir, "p.report.csv"));
    expect(
      report.map((r) => `${r.status}:${r.payee}:${r.recipient_user_id}:${r.withdrawal_instruction_id}`),
    ).to.deep.equal([`created:created:${users[0]?.id}:${mine[0]?.id}`]);

    const again = await submit();
    expect(again.code, again.stderr).to.equal(0);
    expect(box.state().withdrawal_instructions).to.have.length(state.withdrawal_instructions.length);
    expect(box.state().users).to.have.length(SEEDED_USERS + 1);
    expect(box.state().outputs).to.have.length(1);
  });

  it("a US account number at another routing number is another account: a new instruction, not the payee's one at the other bank", async () => {
    const seed = await demoSeed();
    // Ana (user 300) already has account 1234567890 at JPMorgan Chase (routing 021000021).
    seed.withdrawal_instructions.push({
      id: "2901",
      user_id: "300",
      port_code: "us_usd",
      label: "Ana Pérez USD Chase",
      body: {
        payment_method: "domestic_bank",
        country: "US",
        currency: "USD",
        bank_account_number: "1234567890",
        routing_number: "021000021",
        account_type: "savings",
      },
      outcome: "settled",
    });
    box = await sandbox({}, seed);
    const dir = await tempDir();
    const rows = [
      "C1,113,uy_uyu,us_usd,100.00,ana.300@example.com,Ana Pérez,123-45-6789,,1234567890,021000021,savings",
      // The same digits at another bank (the Federal Reserve Bank of Boston's routing number).
      "B1,113,uy_uyu,us_usd,200.00,ana.300@example.com,Ana Pérez,123-45-6789,,1234567890,011000015,savings",
    ];
    await writeFile(join(dir, "p.csv"), `${[HEADER, ...rows].join("\n")}\n`);
    const result = await runCli(["submit", "p.csv", ...FAST], {
      cwd: dir,
      env: { ...SETTLE, ...apiEnv(box) },
    });
    expect(result.code, result.stderr).to.equal(0);
    const state = box.state();
    expect(state.users).to.have.length(SEEDED_USERS);
    const anas = state.withdrawal_instructions.filter(
      (w) => w.user_id === "300" && w.body.bank_account_number === "1234567890",
    );
    expect(anas.map((w) => [w.id, w.body.routing_number])).to.deep.equal([
      ["2901", "021000021"],
      [anas[1]?.id, "011000015"],
    ]);
    expect(anas[1]?.id).to.not.equal("2901");
    expect(state.outputs.map((o) => o.relationships?.withdrawal_instruction?.data?.id)).to.deep.equal([
      "2901",
      anas[1]?.id,
    ]);
    const report = await readReport(join(dir, "p.report.csv"));
    expect(report.map((r) => `${r.reference}:${r.payee}:${r.withdrawal_instruction_id}`)).to.deep.equal([
      "C1:found:2901",
      `B1:created:${anas[1]?.id}`,
    ]);
  });
});
