/**
 * A file by payee details edited and run again under the same --batch-id (helper-78): the
 * journal's `payees` line holds the ids each line resolved to, and a line that now names
 * another payee must never be paid with the ids of the payee it named before. Before the batch
 * began, the rows are resolved again; once it began, the edited file is refused (exit 2) before
 * anything is created, as an edited file by ids is.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { cbuFor, cuitFor, PAYEE_HEADER } from "../helpers/payee-world.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";

const FAST = ["--rate", "1000", "--concurrency", "4", "--batch-id", "payroll-2027-02"];
const SETTLE = { BITEX_BATCH_SETTLE_MS: "200" };

/** A row by details: payer 113 from uy_uyu to an Argentine account of payee `n`. */
const row = (reference: string, amount: string, n: number) =>
  `${reference},113,uy_uyu,ar_ars,${amount},payee${n}@example.com,Payee ${n},${cuitFor(n)},${cbuFor(n)}`;

/** Each output's row reference's payee: `reference → email of the output's user`. */
function paidTo(box: Sandbox): string[] {
  const state = box.state();
  const emails = new Map(state.users.map((user) => [user.id, user.email]));
  const cbus = new Map(state.withdrawal_instructions.map((w) => [w.id, String(w.body.cbu)]));
  return state.outputs.map((output) => {
    const user = output.relationships?.user?.data?.id ?? "";
    const instruction = output.relationships?.withdrawal_instruction?.data?.id ?? "";
    return `${output.attributes.amount} → ${emails.get(user)} ${cbus.get(instruction)}`;
  });
}

describe("a file by payee details edited under the same --batch-id", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  async function setUp(header = PAYEE_HEADER) {
    box = await sandbox();
    const world = box;
    const dir = await tempDir();
    const submit = (lines: string[], env: Record<string, string> = {}, batch = FAST) =>
      writeFile(join(dir, "p.csv"), `${[header, ...lines].join("\n")}\n`).then(() =>
        runCli(["submit", "p.csv", ...batch], { cwd: dir, env: { ...SETTLE, ...apiEnv(world), ...env } }),
      );
    return { world, submit, dir };
  }

  it("before the batch began (refused after its payees were resolved): a row moved to another line is paid to its own payee", async () => {
    const { world, submit } = await setUp(`${PAYEE_HEADER},recipient_user_id,withdrawal_instruction_id`);
    const byDetails = (reference: string, amount: string, n: number) => `${row(reference, amount, n)},,`;
    // Last month's batch made payee 1's user and account.
    const month = await submit([byDetails("M", "1000.00", 1)], {}, [...FAST.slice(0, 4), "--batch-id", "m1"]);
    expect(month.code, month.stderr).to.equal(0);
    const [paid] = world.state().outputs;
    const ids = `${paid?.relationships?.user?.data?.id},${paid?.relationships?.withdrawal_instruction?.data?.id}`;
    const byIds = `A,113,uy_uyu,ar_ars,1500.00,,,,,${ids}`;
    // Line 3 is line 2 once resolved: refused after the payees phase resolved line 3 to payee 1
    // and line 4 to payee 2.
    const first = await submit([byIds, byDetails("", "1500.00", 1), byDetails("B", "4500.00", 2)]);
    expect(first.code, first.stderr).to.equal(2);
    expect(first.stderr).to.match(/p\.csv:3: .*the same payment as line 2/);
    expect(world.state().outputs).to.have.length(1);
    // The operator deletes the copy: payee 2's row moves up to line 3.
    const second = await submit([byIds, byDetails("B", "4500.00", 2)]);
    expect(second.code, second.stderr).to.equal(0);
    expect(paidTo(world).sort()).to.deep.equal([
      `1000 → payee1@example.com ${cbuFor(1)}`,
      `1500 → payee1@example.com ${cbuFor(1)}`,
      `4500 → payee2@example.com ${cbuFor(2)}`,
    ]);
  });

  for (const [journaled, earlierVersion] of [
    ["", false],
    [" by an earlier version (no payee_key; helper-79)", true],
  ] as const) {
    it(`killed once its payees were journaled${journaled}, then a row deleted: each row is paid to its own payee`, async () => {
      const { world, submit, dir } = await setUp();
      const killed = await submit([row("A", "1000.00", 1), row("B", "2000.00", 2), row("C", "3000.00", 3)], {
        BITEX_BATCH_CRASH_AT: "payees-done",
      });
      expect(killed.signal, killed.stderr).to.equal("SIGKILL");
      if (earlierVersion) {
        const state = join(dir, ".state", "bitex-batch");
        const [batchDir] = (await readdir(state)).filter((name) => name.startsWith("payroll-2027-02"));
        const journal = join(state, batchDir as string, "journal.jsonl");
        await writeFile(journal, (await readFile(journal, "utf8")).replace(/"payee_key":"[0-9a-f]+",/g, ""));
        expect(await readFile(journal, "utf8")).to.not.include("payee_key");
      }
      const again = await submit([row("A", "1000.00", 1), row("C", "3000.00", 3)]);
      expect(again.code, again.stderr).to.equal(0);
      expect(paidTo(world).sort()).to.deep.equal([
        `1000 → payee1@example.com ${cbuFor(1)}`,
        `3000 → payee3@example.com ${cbuFor(3)}`,
      ]);
    });
  }

  it("a row giving ids beside its details, its ids edited after its payee was journaled: never paid to the journaled ids (helper-81)", async () => {
    const header =
      "reference,payer_user_id,sender_port,recipient_user_id,port,amount,withdrawal_instruction_id,recipient_email,recipient_name,recipient_tax_id,bank,account_type,account_number";
    const both = (user: string, instruction: string) =>
      `A,112,ar_ars,${user},cl_clp,1329000,${instruction},ana.300@example.com,Ana Pérez,12053214-6,bco_chile,checking,10000000`;
    const { world, submit } = await setUp(header);
    const killed = await submit([both("300", "2100")], { BITEX_BATCH_CRASH_AT: "payees-done" });
    expect(killed.signal, killed.stderr).to.equal("SIGKILL");
    // The ids now name user 306's instruction, which the details (Ana, user 300) contradict.
    const edited = await submit([both("306", "2106")]);
    expect(edited.code, edited.stderr).to.equal(2);
    expect(edited.stderr).to.include(
      "recipient_user_id 306 is not the payee with this email (that is user 300)",
    );
    expect(world.state().outputs).to.deep.equal([]);
  });

  it("once the batch began, a row whose payee changed is refused (exit 2): nothing created, nobody paid the other's money", async () => {
    const { world, submit } = await setUp();
    const killed = await submit([row("A", "1000.00", 1), row("B", "2000.00", 2)], {
      BITEX_BATCH_CRASH_AT: "requests-ready",
    });
    expect(killed.signal, killed.stderr).to.equal("SIGKILL");
    const users = world.state().users.length;
    const instructions = world.state().withdrawal_instructions.length;
    // Line 3 now names payee 4 (another email, tax id and account).
    const again = await submit([row("A", "1000.00", 1), row("B", "2000.00", 4)]);
    expect(again.code, again.stderr).to.equal(2);
    expect(again.stderr).to.include(
      "p.csv:3: the payee this row names is not the one batch payroll-2027-02 resolved at this line when it began",
    );
    expect(world.state().outputs).to.deep.equal([]);
    expect(world.state().users).to.have.length(users);
    expect(world.state().withdrawal_instructions).to.have.length(instructions);
    // A row added for a new payee: refused the same way, the payee not created.
    const added = await submit([row("A", "1000.00", 1), row("B", "2000.00", 2), row("C", "3000.00", 5)]);
    expect(added.code, added.stderr).to.equal(2);
    expect(added.stderr).to.include("p.csv:4: the payee this row names is not the one batch payroll-2027-02");
    expect(world.state().users).to.have.length(users);
    expect(world.state().withdrawal_instructions).to.have.length(instructions);
    // The file as submitted resumes the batch, each row to its own payee.
    const resumed = await submit([row("A", "1000.00", 1), row("B", "2000.00", 2)]);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(paidTo(world).sort()).to.deep.equal([
      `1000 → payee1@example.com ${cbuFor(1)}`,
      `2000 → payee2@example.com ${cbuFor(2)}`,
    ]);
  });
  for (const [named, batch] of [
    ["by its --batch-id", FAST],
    ["by its file's name and bytes (no --batch-id)", FAST.slice(0, 4)],
  ] as const) {
    it(`once submitted, status and quote of the edited file follow the batch as submitted, ${named} (helper-79); named by the file alone, quote first asks for --batch-id`, async () => {
      const { world, submit, dir } = await setUp();
      expect(
        (
          await submit([row("A", "1000.00", 1), row("B", "2000.00", 2), row("C", "3000.00", 3)], {}, [
            ...batch,
          ])
        ).code,
      ).to.equal(0);
      // Row B deleted: row C moves up to the line payee 2 resolved.
      await writeFile(
        join(dir, "p.csv"),
        `${[PAYEE_HEADER, row("A", "1000.00", 1), row("C", "3000.00", 3)].join("\n")}\n`,
      );
      const cli = (args: string[]) => runCli(args, { cwd: dir, env: { ...SETTLE, ...apiEnv(world) } });
      const status = await cli(["status", "p.csv", ...batch]);
      expect(status.code, status.stderr).to.equal(3);
      expect(status.stderr, status.stderr).to.match(
        /p\.csv changed since batch \S+ began .*; following that batch as it was submitted/,
      );
      let quote = await cli(["quote", "p.csv", ...batch]);
      if (!batch.includes("--batch-id")) {
        // Named by the file alone, a money step would pay row B, which the file no longer
        // holds: refused, nothing quoted, until --batch-id says that batch is meant as it was.
        expect(quote.code, quote.stderr).to.equal(2);
        const id =
          /p\.csv changed since batch (\S+) began, and 1 row\(s\) the batch created are not in it as it is now \(line\(s\) 3 as submitted: /.exec(
            quote.stderr,
          )?.[1];
        expect(id, quote.stderr).to.be.a("string");
        expect(quote.stderr).to.include(`run the same command with --batch-id ${id}`);
        expect(world.state().requests.map((r) => r.attributes.state)).to.deep.equal(["draft"]);
        quote = await cli(["quote", "p.csv", ...batch, "--batch-id", id as string]);
      }
      expect(quote.code, quote.stderr).to.equal(0);
      expect(quote.stderr, quote.stderr).to.match(
        /p\.csv changed since batch \S+ began .*; following that batch as it was submitted/,
      );
      expect(world.state().requests.map((r) => r.attributes.state)).to.not.include("draft");
      expect(paidTo(world).sort()).to.deep.equal([
        `1000 → payee1@example.com ${cbuFor(1)}`,
        `2000 → payee2@example.com ${cbuFor(2)}`,
        `3000 → payee3@example.com ${cbuFor(3)}`,
      ]);
    });
  }
});
