/**
 * (helper-80) A payroll by payee details dropped in the inbox: the submit's refusals of
 * old payments (an edited file of the same name, the same payments under another name) must
 * apply as they do to a file by ids. The payee phase writes the new batch's journal (its
 * `payees` line) before refuseNewBatchOfOldPayments, whose "journal exists: resuming" test
 * then skipped every check.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { cbuFor, cuitFor, PAYEE_HEADER } from "../helpers/payee-world.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";

const row = (reference: string, amount: string, n: number, payer = "113", domain = "example.com") =>
  `${reference},${payer},uy_uyu,ar_ars,${amount},payee${n}@${domain},Payee ${n},${cuitFor(n)},${cbuFor(n)}`;
const file = (lines: string[]) => `${[PAYEE_HEADER, ...lines].join("\n")}\n`;
const LIMIT = ["--until", "accepted", "--max-total", "UYU=100000000"];

describe("inbox --month-in-name, payrolls by payee details (helper-80)", function () {
  this.timeout(120_000);
  let box: Sandbox;
  let dir: string;
  let inbox: string;
  const inboxRun = (env: Record<string, string> = {}) =>
    runCli(
      [
        "inbox",
        inbox,
        "--settle",
        "0",
        "--tz",
        "UTC",
        "--json",
        "--rate",
        "1000",
        "--month-in-name",
        ...LIMIT,
      ],
      {
        cwd: dir,
        env: { ...apiEnv(box), BITEX_BATCH_SETTLE_MS: "0", ...env },
      },
    );
  const amounts = () =>
    box
      .state()
      .outputs.map((o) => `${o.attributes.amount}`)
      .sort();
  const first = (stdout: string) => JSON.parse(stdout.split("\n")[0] as string) as Record<string, unknown>;
  beforeEach(async () => {
    box = await sandbox();
    dir = await tempDir();
    inbox = join(dir, "in");
    await mkdir(inbox);
  });
  afterEach(async () => box.close());

  it("a copy within the month (payroll-2026-12 (1).csv) is refused, exit 2, failed/: nobody accepted twice", async () => {
    const text = file([row("A", "1000.00", 1), row("B", "2000.00", 2)]);
    await writeFile(join(inbox, "payroll-2026-12.csv"), text);
    expect((await inboxRun()).code).to.equal(0);
    await writeFile(join(inbox, "payroll-2026-12 (1).csv"), text);
    const copy = await inboxRun();
    expect(copy.code, copy.stderr).to.equal(2);
    expect(first(copy.stdout)).to.include({ outcome: "failed", moved_to: "failed" });
    // Its payees were found before the refusal: no payment, and no word saying nothing at all.
    const why = await readFile(join(inbox, "failed", "payroll-2026-12 (1).csv.error.txt"), "utf8");
    expect(why, why).to.include(
      "no payment was sent (the payees it names were found or created at Bitex before this check)",
    );
    expect(amounts()).to.deep.equal(["1000", "2000"]);
    // The same payments to the same accounts, every email on a new domain (helper-81): new
    // Bitex users, but the accounts paid are the same, so it is the same payments.
    const moved = file([
      row("A", "1000.00", 1, "113", "new.example.com"),
      row("B", "2000.00", 2, "113", "new.example.com"),
    ]);
    await writeFile(join(inbox, "payroll-2026-12 resent.csv"), moved);
    const resent = await inboxRun();
    expect(resent.code, resent.stderr).to.equal(2);
    expect(String(first(resent.stdout).reason)).to.match(
      /payroll-2026-12 resent\.csv: 2 of its 2 row\(s\) are payments batch \w+ \(file .*payroll-2026-12\.csv, begun /,
    );
    expect(amounts()).to.deep.equal(["1000", "2000"]);
  });

  it("killed after its outputs, then edited under the same name: refused, exit 2 (changed since batch …)", async () => {
    const name = join(inbox, "payroll-2026-12.csv");
    await writeFile(name, file([row("A", "1000.00", 1), row("B", "2000.00", 2), row("C", "3000.00", 3)]));
    const killed = await inboxRun({ BITEX_BATCH_CRASH_AT: "outputs-done" });
    expect(killed.signal).to.equal("SIGKILL");
    await writeFile(name, file([row("A", "1000.00", 1), row("B", "2000.00", 2), row("C", "3500.00", 3)]));
    const edited = await inboxRun();
    expect(edited.code, edited.stderr).to.equal(2);
    expect(String(first(edited.stdout).reason)).to.match(/payroll-2026-12\.csv changed since batch \w+ /);
    expect(amounts()).to.deep.equal(["1000", "2000", "3000"]);
  });

  it("a row refused by Bitex, the whole file corrected and dropped again, then its remaining file: each row accepted once", async () => {
    const name = join(inbox, "payroll-2026-12.csv");
    await writeFile(
      name,
      file([row("A", "1000.00", 1), row("B", "2000.00", 2, "999999"), row("C", "3000.00", 3)]),
    );
    expect((await inboxRun()).code).to.equal(1);
    await writeFile(name, file([row("A", "1000.00", 1), row("B", "2000.00", 2), row("C", "3000.00", 3)]));
    const again = await inboxRun();
    expect(again.code, again.stderr).to.equal(2);
    await writeFile(join(inbox, "payroll-2026-12-rest.csv"), file([row("B", "2000.00", 2)]));
    expect((await inboxRun()).code).to.equal(0);
    expect(amounts()).to.deep.equal(["1000", "2000", "3000"]);
  });
});
