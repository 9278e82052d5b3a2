/**
 * Payrolls by payee details through the CLI: the template by details validates as is; an
 * account number or tax id shows masked on stderr and in --json; a file mixing both ways
 * names the row with neither; validate --online and submit --dry-run resolve them against
 * the emulator and create nothing (submit creating them: payees-submit.test.ts).
 */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type CliResult, runCli, tempDir } from "../helpers/cli.js";
import { seedWithAnasAccount } from "../helpers/payee-world.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";

const HEADER =
  "reference,sender_port,port,amount,recipient_user_id,withdrawal_instruction_id,Email Beneficiario,Nome do Beneficiário,CUIT,CBU";
const BY_DETAILS = "R1,ar_ars,ar_ars,1000,,,ana@example.com,Ana Pérez,20-05536168-2,2850590940090418135201";
const BY_IDS = "R2,ar_ars,cl_clp,1000,300,2100,,,,";
const BAD_CBU = "R3,ar_ars,ar_ars,1000,,,bob@example.com,Bob Roy,20-05536168-2,2850590940090418135202";
const NEITHER = "R4,ar_ars,ar_ars,1000,,,,,,";
/** A new payee's own account (ana's is cbuA: one account is one payee's). */
const NUEVA_CBU = "2850590940090418135997";

/** The file's rows ten times over, each with its own reference: the same payees, 10x the rows. */
async function tenfold(dir: string, from: string, to: string): Promise<void> {
  const [header, ...rows] = (await readFile(join(dir, from), "utf8")).trim().split("\n");
  const many = Array.from({ length: 10 }, (_, k) => rows.map((row) => row.replace(/^R(\d+),/, `R$1-${k},`)));
  await writeFile(join(dir, to), [header, ...many.flat(), ""].join("\n"));
}

/** `validate --json` of a file of `header` and one `row`, which it refuses (exit 1). */
async function validateRow(header: string, row: string): Promise<{ dir: string; result: CliResult }> {
  const dir = await tempDir();
  await writeFile(join(dir, "p.csv"), `${header}\n${row}\n`);
  const result = await runCli(["validate", "p.csv", "--json"], { cwd: dir });
  expect(result.code, result.stderr).to.equal(1);
  return { dir, result };
}

describe("payees by details through the CLI", function () {
  this.timeout(60_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("template payees: validate takes it as is (exit 0, 5 valid rows)", async () => {
    const dir = await tempDir();
    const template = await runCli(["template", "payees"], { cwd: dir });
    expect([template.code, template.stderr]).to.deep.equal([0, ""]);
    expect(template.stdout.split("\n")[0]).to.equal(
      "reference,payer_user_id,sender_port,port,amount,budget,recipient_email,recipient_name,recipient_tax_id,recipient_tax_id_kind,cbu,cvu,clabe,bank,account_type,account_number,routing_number,iban,swift",
    );
    await writeFile(join(dir, "t.csv"), template.stdout);
    const check = await runCli(["validate", "t.csv"], { cwd: dir });
    expect(check.code, check.stderr).to.equal(0);
    expect(check.stdout).to.include("5 rows: 5 valid");
  });

  it("validate: Spanish and Portuguese headers, ids and details in one file, masked numbers, exit 1", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "p.csv"), [HEADER, BY_DETAILS, BY_IDS, BAD_CBU, NEITHER, ""].join("\n"));
    const result = await runCli(["validate", "p.csv", "--json"], { cwd: dir });
    expect(result.code, result.stderr).to.equal(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.problems).to.deep.equal([
      {
        line: 4,
        column: "cbu",
        value: "******************5202",
        code: "id_wrong_check_digit",
        message:
          "this CBU is wrong: its last digit, the check digit of the account (digits 9 to 21), does not match them; a digit is mistyped or two are swapped; copy the number again from the payee's bank or tax document",
      },
      {
        line: 5,
        column: "",
        value: "",
        code: "payee_missing",
        message:
          "the row names no payee; give recipient_user_id and withdrawal_instruction_id, or the payee's details (recipient_email, recipient_name, recipient_tax_id and the bank account for the port's country)",
      },
    ]);
    expect(result.stderr).to.include('line 4, cbu "******************5202": this CBU is wrong');
    expect(result.stdout + result.stderr).not.to.include("2850590940090418135202");
    const report = join(dir, "p.validation.csv");
    expect((await stat(report)).mode & 0o777).to.equal(0o600);
    expect(await readFile(report, "utf8")).to.include("payee_missing");
  });

  it("a row an unquoted comma shifted is that one problem: no cell is shown under a column it is not in", async () => {
    // "López, Facundo" unquoted: the CUIT lands under cbu, the CBU under recipient_email and
    // the email beyond the header. Checked as columns, the CBU was printed whole as an email.
    const { dir, result } = await validateRow(
      "reference,payer_user_id,sender_port,port,amount,recipient_name,recipient_tax_id,cbu,recipient_email",
      "EMP-2002,113,uy_uyu,ar_ars,1090238.10,López, Facundo,27234567891,0110599500000001003053,facundo@example.com",
    );
    const message =
      'the row has 10 fields but the header has 9 (extra: "***************.com"); quote any value that contains ","';
    expect(JSON.parse(result.stdout).problems).to.deep.equal([
      { line: 2, column: "", value: "", code: "too_many_fields", message },
    ]);
    expect(result.stderr.split("\n").filter((line) => line.startsWith("line "))).to.deep.equal([
      `line 2: ${message} [too_many_fields]`,
    ]);
    const report = await readFile(join(dir, "p.validation.csv"), "utf8");
    for (const text of [result.stdout, result.stderr, report])
      for (const secret of ["0110599500000001003053", "27234567891"]) expect(text).to.not.include(secret);
  });

  it("a row with a cell left out: a number moved under a detail's column is shown masked, never whole", async () => {
    // The name is left out: the CUIT lands under recipient_name, the email under the tax id and
    // the CBU under recipient_email. A short row is padding to the reader, so each cell is checked.
    const { result } = await validateRow(
      "reference,payer_user_id,sender_port,port,amount,recipient_name,recipient_tax_id,recipient_email,cbu",
      "EMP-2002,113,uy_uyu,ar_ars,1090238.10,27234567891,facundo@example.com,0110599500000001003053",
    );
    const problems = JSON.parse(result.stdout).problems as Array<{ column: string; value: string }>;
    expect(problems.map((problem) => [problem.column, problem.value])).to.deep.equal([
      ["recipient_email", "******************3053"],
      ["recipient_tax_id", "**************ECOM"],
      ["cbu", ""],
    ]);
    expect(result.stderr).to.include(
      'line 2, recipient_email "******************3053": this is not an email address',
    );
    for (const text of [result.stdout, result.stderr])
      for (const secret of ["0110599500000001003053", "27234567891"]) expect(text).to.not.include(secret);
  });

  it("a details header without recipient_email: the missing column, and the other way named", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "p.csv"), "sender_port,port,amount,recipient_name,recipient_tax_id,cbu\n");
    const result = await runCli(["validate", "p.csv"], { cwd: dir });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include(
      'p.csv:1: missing column "recipient_email" (the header has: sender_port, port, amount, recipient_name, recipient_tax_id, cbu); or give the payees by Bitex ids (recipient_user_id and withdrawal_instruction_id)',
    );
  });

  it("validate --online: resolves against the emulator's users and instructions, prints the plan, creates nothing", async () => {
    const { seed, cbuA } = await seedWithAnasAccount();
    box = await sandbox({}, seed);
    const dir = await tempDir();
    const header = "reference,sender_port,port,amount,recipient_email,recipient_name,recipient_tax_id,cbu";
    await writeFile(
      join(dir, "p.csv"),
      [
        header,
        `R1,ar_ars,ar_ars,1000,ANA.300@example.com ,Ana Pérez,20-05536168-2,${cbuA}`,
        "R2,ar_ars,ar_ars,1000,ana.300@example.com,Ana Pérez,20055361682,0110012920000091344977",
        `R3,ar_ars,ar_ars,1000,nueva@example.com,Nueva Persona,34999032089,${NUEVA_CBU}`,
        `R4,ar_ars,ar_ars,2000,nueva@example.com,Nueva Persona,34999032089,${NUEVA_CBU}`,
        `R5,ar_ars,ar_ars,1000,ana.300@example.com,Ana Pérez,34999032089,${cbuA}`,
        "",
      ].join("\n"),
    );
    const result = await runCli(["validate", "p.csv", "--online", "--json"], { cwd: dir, env: apiEnv(box) });
    expect(result.code, result.stderr).to.equal(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.payees).to.deep.equal({
      new_payees: 1,
      new_accounts: 2,
      found: 1,
      created: 0,
      would_create: {
        payees: [{ name: "Nueva Persona", email: "nueva@example.com", tax_id: "*******2089", lines: [4, 5] }],
        accounts: [
          {
            name: "Ana Pérez",
            email: "ana.300@example.com",
            user_id: "300",
            account: "******************4977",
            kind: "cbu",
            currency: "ars",
            lines: [3],
          },
          {
            name: "Nueva Persona",
            email: "nueva@example.com",
            user_id: null,
            account: "******************5997",
            kind: "cbu",
            currency: "ars",
            lines: [4, 5],
          },
        ],
      },
    });
    expect(summary.problems.map((p: { line: number; code: string }) => [p.line, p.code])).to.deep.equal([
      [6, "payee_tax_id_differs"],
    ]);
    expect(result.stderr).to.include(
      "payees: 1 new payee(s), 2 new bank account(s), 1 row(s) found at Bitex; nothing created",
    );
    expect(result.stderr).to.include("  new payee: Nueva Persona <nueva@example.com>, tax id *******2089");
    expect(result.stdout + result.stderr).not.to.include(cbuA);
    // Lists only (ports, users, the key's instructions, ana's acting as her): no call per row,
    // so ten times the rows for the same payees make exactly as many calls.
    const once = box.state().stats.calls;
    await tenfold(dir, "p.csv", "q.csv");
    const again = await runCli(["validate", "q.csv", "--online", "--json"], { cwd: dir, env: apiEnv(box) });
    expect(JSON.parse(again.stdout).payees.found).to.equal(10);
    const state = box.state();
    expect(state.stats.calls - once).to.equal(once);
    expect([state.requests.length, state.outputs.length]).to.deep.equal([0, 0]);
  });

  it("submit --dry-run: the same resolution (users, then the payees' instructions), plan in --json, nothing created", async () => {
    const { seed, cbuA } = await seedWithAnasAccount();
    box = await sandbox({}, seed);
    const dir = await tempDir();
    await writeFile(
      join(dir, "p.csv"),
      [
        "reference,sender_port,port,amount,recipient_user_id,withdrawal_instruction_id,recipient_email,recipient_name,recipient_tax_id,cbu",
        `R1,ar_ars,ar_ars,1000,300,2900,ana.300@example.com,Ana Pérez,20055361682,${cbuA}`,
        `R2,ar_ars,ar_ars,1000,,,nueva@example.com,Nueva Persona,34999032089,${NUEVA_CBU}`,
        "R3,ar_ars,cl_clp,1000,300,2100,,,,",
        "",
      ].join("\n"),
    );
    const result = await runCli(["submit", "p.csv", "--dry-run", "--json"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(result.code, result.stderr).to.equal(0);
    const summary = JSON.parse(
      result.stderr.split("\n").find((line) => line.startsWith("{")) ?? result.stdout,
    );
    expect([
      summary.dry_run,
      summary.payees.new_payees,
      summary.payees.new_accounts,
      summary.payees.found,
    ]).to.deep.equal([true, 1, 1, 1]);
    // Rows by payee details are planned as any: per payer and sender port.
    expect(summary.plan).to.have.length.above(0);
    expect(summary.plan.reduce((sum: number, request: { rows: number }) => sum + request.rows, 0)).to.equal(
      summary.by_status.valid,
    );
    expect(result.stderr).to.include(
      "payees: 1 new payee(s), 1 new bank account(s), 1 row(s) found at Bitex; nothing created",
    );
    // The report says what each row by details resolved to, or that it would be created.
    const report = await readReport(join(dir, "p.report.csv"));
    expect(
      report.map(
        (row) => `${row.recipient_user_id}/${row.withdrawal_instruction_id}/${row.status}/${row.payee}`,
      ),
    ).to.deep.equal(["300/2900/valid/found", "//valid/would create", "300/2100/valid/"]);
    // Users, then ana's instructions acting as her: ten times the rows make as many calls.
    const once = box.state().stats.calls;
    await tenfold(dir, "p.csv", "q.csv");
    const again = await runCli(["submit", "q.csv", "--dry-run", "--json"], { cwd: dir, env: apiEnv(box) });
    expect(again.code, again.stderr).to.equal(0);
    const state = box.state();
    expect(state.stats.calls - once).to.equal(once);
    expect([state.requests.length, state.outputs.length]).to.deep.equal([0, 0]);
  });

  it("submit --dry-run: a row resolution finds paying the same as another is left out of the plan, as submit would refuse it", async () => {
    const { seed, cbuA } = await seedWithAnasAccount();
    box = await sandbox({}, seed);
    const dir = await tempDir();
    await writeFile(
      join(dir, "p.csv"),
      [
        "reference,sender_port,port,amount,recipient_user_id,withdrawal_instruction_id,recipient_email,recipient_name,recipient_tax_id,cbu",
        `,ar_ars,ar_ars,1000,300,2900,ana.300@example.com,Ana Pérez,20055361682,${cbuA}`,
        `,ar_ars,ar_ars,1000,,,ana.300@example.com,Ana Pérez,20055361682,${cbuA}`,
        "R3,ar_ars,cl_clp,1000,300,2100,,,,",
        "",
      ].join("\n"),
    );
    const result = await runCli(["submit", "p.csv", "--dry-run", "--json"], { cwd: dir, env: apiEnv(box) });
    expect(result.code, result.stderr).to.equal(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.by_status).to.include({ valid: 2, invalid: 1 });
    expect(summary.plan).to.deep.equal([{ payer_user_id: "", sender_port: "ar_ars", rows: 2 }]);
    expect(result.stderr).to.include(
      "plan (nothing sent): 2 valid row(s) in 1 request(s), one per payer and sender port:",
    );
    const report = await readReport(join(dir, "p.report.csv"));
    expect(report.map((row) => `${row.line}/${row.status}/${row.error_code}`)).to.deep.equal([
      "2/valid/",
      "3/invalid/possible_duplicate",
      "4/valid/",
    ]);
  });
});
