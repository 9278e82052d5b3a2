/**
 * Money you can reconcile, end to end (docs/design.md section 12, "Money"): a world where one
 * payee is rejected, one payout is returned and one request is cancelled unfunded. What
 * `status` prints, its `--json`, the xlsx Summary read back and `export` say was charged,
 * refunded and net per currency must equal the emulator's own balance movements, and every
 * row not paid is named on stderr and in `problems[]`.
 */
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import ExcelJS from "exceljs";
import { add, type Decimal, decimal, format, groupDigits, rescale } from "../../src/decimal.js";
import { minorUnits } from "../../src/ports.js";
import { MONEY_HEADER, MONEY_TITLE } from "../../src/report/money-sheet.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { apiEnv, DEMO_CSV, demoSeed } from "../helpers/sandbox.js";

interface Movements {
  charged: string;
  refunded: string;
  net: string;
}

/** Per currency (upper case): the emulator's debits (funding) and credits (refunds). */
function emulatorMovements(box: Sandbox): Map<string, Movements> {
  const sums = new Map<string, { charged: Decimal; refunded: Decimal }>();
  for (const m of box.state().movements) {
    const currency = m.currency.toUpperCase();
    const zero = { units: 0n, scale: minorUnits(currency) };
    const sum = sums.get(currency) ?? { charged: zero, refunded: zero };
    // The state's money is a JSON number; its text is the emulator's exact decimal.
    const amount = decimal(String(m.amount));
    if (m.kind === "funding") sum.charged = add(sum.charged, amount);
    else sum.refunded = add(sum.refunded, amount);
    sums.set(currency, sum);
  }
  return new Map(
    [...sums].map(([currency, { charged, refunded }]) => {
      const units = minorUnits(currency);
      return [
        currency,
        {
          charged: format(rescale(charged, units)),
          refunded: format(rescale(refunded, units)),
          net: format(rescale(add(charged, { units: -refunded.units, scale: refunded.scale }), units)),
        },
      ];
    }),
  );
}

/** The Summary's money table read back: currency → [charged, refunded, net] as numbers. */
async function summaryMoney(path: string, columns: readonly string[]): Promise<Map<string, number[]>> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  const sheet = book.getWorksheet("Summary") as ExcelJS.Worksheet;
  let start = 0;
  sheet.eachRow((row, n) => {
    if (row.getCell(1).value === MONEY_TITLE && start === 0) start = n + 1;
  });
  expect(start, "the money table").to.be.greaterThan(0);
  const header = sheet.getRow(start);
  expect(MONEY_HEADER.map((_, i) => header.getCell(i + 1).value)).to.deep.equal([
    ...columns,
    ...MONEY_HEADER.slice(columns.length).map(() => null),
  ]);
  const at = (name: (typeof MONEY_HEADER)[number]) => columns.indexOf(name) + 1;
  const found = new Map<string, number[]>();
  for (let n = start + 1; ; n++) {
    const row = sheet.getRow(n);
    const currency = String(row.getCell(1).value ?? "");
    if (!/^[A-Z]{3}$/.test(currency)) break;
    found.set(
      currency,
      [at("Charged"), at("Refunded"), at("Net")].map((i) => Number(row.getCell(i).value)),
    );
  }
  return found;
}

interface JsonMoney {
  currency: string;
  charged: { total: string };
  refunded: { total: string };
  net: string;
}

/** A `--json` object's charged, refunded and net for the currencies the emulator moved. */
const reconciledOf = (money: JsonMoney[], movements: Map<string, Movements>) =>
  money
    .filter((m) => movements.has(m.currency))
    .map((m) => ({ currency: m.currency, charged: m.charged.total, refunded: m.refunded.total, net: m.net }));

/** An export's money table: no "In the file" columns (an export has no file). */
const EXPORT_MONEY_HEADER = ["Currency", "Quoted", "Charged", "Refunded", "Net", "Received by payees"];

/** A workbook's Summary says what the emulator moved, per currency. */
async function expectSheetMoney(
  path: string,
  movements: Map<string, Movements>,
  columns: readonly string[] = MONEY_HEADER,
): Promise<void> {
  const sheet = await summaryMoney(path, columns);
  for (const [currency, m] of movements)
    expect(sheet.get(currency), `${path} ${currency}`).to.deep.equal([
      Number(m.charged),
      Number(m.refunded),
      Number(m.net),
    ]);
}

const spent = (movements: Map<string, Movements>) =>
  [...movements].map(([currency, m]) => ({ currency, charged: m.charged, refunded: m.refunded, net: m.net }));

describe("e2e: money you can reconcile", function () {
  this.timeout(120_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it("charged, refunded and net equal the emulator's balance movements in stdout, --json, the xlsx Summary and export; every unpaid row is named", async () => {
    const seed = await demoSeed();
    // Payer 113 has no UYU: its request is accepted but never funded (payment_not_received).
    seed.balances = seed.balances.filter((b) => b.user_id !== "113");
    box = await startSandbox({ port: 0, seed, faults: { rate_limit: 0 }, timeScale: 1 });
    const dir = await tempDir();
    await copyFile(DEMO_CSV, join(dir, "payroll.csv"));
    const world = box;
    const run = (args: string[]) =>
      runCli([...args, "--state-dir", "state", "--rate", "1000"], { cwd: dir, env: apiEnv(world) });

    expect((await run(["submit", "payroll.csv"])).code).to.equal(0);
    expect((await run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(3);
    box.advance({ minutes: 31 });
    expect((await run(["quote", "payroll.csv", "--wait", "0"])).code).to.equal(0);
    const accepted = await run(["accept", "payroll.csv", ...maxTotals(box)]);
    expect(accepted.code, accepted.stderr).to.equal(0);
    box.advance({ minutes: 13 * 60 });

    const movements = emulatorMovements(box);
    // The world is what the test says: ARS charged less the rejected payee, USD refunded once, UYU never charged.
    expect([...movements.keys()].sort()).to.deep.equal(["ARS", "USD"]);
    expect(box.state().movements.filter((m) => m.kind === "refund")).to.have.length(1);

    const status = await run(["status", "payroll.csv", "--json", "--quiet"]);
    expect(status.code, status.stderr).to.equal(1);
    const json = JSON.parse(status.stdout);
    expect(reconciledOf(json.money, movements)).to.deep.equal(spent(movements));
    const uyu = json.money.find((m: { currency: string }) => m.currency === "UYU");
    expect(uyu.charged.total).to.equal("0.00");
    expect(uyu.not_charged.map((n: { why: string; rows: number }) => [n.why, n.rows])).to.deep.equal([
      ["cancelled", 16],
    ]);
    expect(json.money_rule).to.match(/rejected payees and cancelled rows/);

    // Every unpaid row: 1 rejected, 1 returned, 16 of the unfunded request; even with --quiet.
    const problems = json.problems as { line: number; code: string; reference: string; state: string }[];
    expect(json.problems_count).to.equal(18);
    expect(
      problems.filter((p) => p.code === "payee_rejected").map((p) => [p.line, p.reference]),
    ).to.deep.equal([[11, "EMP-1010"]]);
    expect(
      problems.filter((p) => p.code === "payout_returned").map((p) => [p.line, p.reference]),
    ).to.deep.equal([[21, "EMP-1020"]]);
    expect(problems.filter((p) => p.code === "request_cancelled")).to.have.length(16);
    for (const problem of problems)
      expect(status.stderr).to.include(`line ${problem.line}: reference ${problem.reference}, `);
    expect(status.stderr).to.match(
      /^line 11: reference EMP-1010, payee 309: rejected: Bitex's checks refused this payee; not paid, and not charged; what to do: .*payroll\.remaining\.csv \[payee_rejected\]$/m,
    );
    expect(status.stderr).to.match(
      /cancelled with its request \(payment_not_received\); not paid, and not charged/,
    );

    // The same figures on stdout, and in the xlsx Summary read back.
    const words = await run(["status", "payroll.csv", "--report-format", "xlsx", "--report", "status.xlsx"]);
    expect(words.code, words.stderr).to.equal(1);
    for (const [currency, m] of movements) {
      expect(words.stdout).to.match(
        new RegExp(
          `^money ${currency}: .*; charged ${groupDigits(m.charged)} \\(\\d+ rows?\\); refunded ${groupDigits(m.refunded)} \\(\\d+ rows?\\); net ${groupDigits(m.net)}`,
          "m",
        ),
      );
    }
    expect(words.stdout).to.match(
      /^ {2}ARS [\d\u202f]+\.\d\d: 1 rejected payee\(s\), not charged; line\(s\) 11$/m,
    );
    expect(words.stdout).to.match(
      /^ {2}USD [\d\u202f]+\.\d\d: 1 returned payout\(s\), refunded; line\(s\) 21$/m,
    );
    await expectSheetMoney(join(dir, "status.xlsx"), movements);

    // export: the same money from the API alone, for the days the requests were made.
    const days = box
      .state()
      .requests.map((r) => String(r.attributes.created_at).slice(0, 10))
      .sort();
    const exported = await run([
      "export",
      "--from",
      days[0] as string,
      "--to",
      days[days.length - 1] as string,
      "--tz",
      "UTC",
      "--json",
      "--report-format",
      "xlsx",
      "--report",
      "export.xlsx",
    ]);
    expect(exported.code, exported.stderr).to.equal(0);
    const exportJson = JSON.parse(exported.stdout);
    expect(reconciledOf(exportJson.money, movements)).to.deep.equal(spent(movements));
    await expectSheetMoney(join(dir, "export.xlsx"), movements, EXPORT_MONEY_HEADER);
  });
});
