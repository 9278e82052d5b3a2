/**
 * `validate --online` end to end, in both of the emulator's list styles: a 60-row batch (its
 * users and instructions span three 25-item pages in `bare`; validate reads at 5 calls a
 * second, so no bigger), plus rows the API's lists refute.
 * The emulator shows instructions as Bitex does (no port, no owner), so those two checks are
 * reported as not checked, with counts, on stderr and in the JSON summary; never as passed.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Faults, Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { readReport } from "../helpers/report.js";
import { apiEnv, sandbox } from "../helpers/sandbox.js";
import { makeWorld } from "../helpers/world.js";

const STYLES: [string, Partial<Faults>][] = [
  ["rich", {}],
  ["bare, page cap 25", { list_style: "bare", page_cap: 25 }],
];

for (const [style, faults] of STYLES) {
  describe(`validate --online against the emulator (${style} lists)`, function () {
    this.timeout(60_000);
    let box: Sandbox;
    afterEach(async () => {
      await box?.close();
    });

    it("60 rows: the unknown payer, recipient and instruction are found; the instructions' port and owner are counted as not checked", async () => {
      const made = makeWorld(60);
      box = await sandbox(faults, made.seed);
      const dir = await tempDir();
      const bad = [
        "BAD-PAYER,999,ar_ars,1000,cl_clp,1000,50000",
        "BAD-RECIPIENT,112,ar_ars,999999,cl_clp,1000,50000",
        "BAD-INSTRUCTION,112,ar_ars,1000,cl_clp,1000,1",
      ];
      await writeFile(join(dir, "payroll.csv"), `${made.csv}${bad.join("\n")}\n`);
      const result = await runCli(["validate", "payroll.csv", "--online", "--json"], {
        cwd: dir,
        env: apiEnv(box),
      });
      expect(result.code, result.stderr).to.equal(1);
      const summary = JSON.parse(result.stdout);
      expect(summary.by_status.valid).to.equal(60);
      expect(summary.by_status.invalid).to.equal(3);
      // Every valid row's instruction exists; the unknown instruction's row is an error, not a gap.
      expect(summary.online).to.deep.equal({
        checked: 63,
        not_checked: { instruction_port: 62, instruction_owner: 62 },
      });
      expect(result.stderr).to.include(
        "online: 63 valid row(s) checked against the API; not checked, as the API does not show them: " +
          "the withdrawal instruction's port (62 row(s)) and owner (62 row(s))",
      );
      const report = await readReport(join(dir, "payroll.validation.csv"));
      expect(
        report.filter((row) => row.status === "invalid").map((row) => `${row.reference}:${row.error_code}`),
      ).to.deep.equal([
        "BAD-PAYER:unknown_payer",
        "BAD-RECIPIENT:unknown_recipient",
        "BAD-INSTRUCTION:unknown_withdrawal_instruction",
      ]);
      expect(box.state().requests, "read-only").to.have.length(0);
    });
  });
}

describe("validate --online --rate", function () {
  this.timeout(60_000);
  let box: Sandbox;
  afterEach(async () => {
    await box?.close();
  });

  it("--rate 1: one call started a second (two arrivals are never half a second apart); --rate 0: exit 2, nothing sent", async () => {
    const made = makeWorld(3);
    box = await sandbox({}, made.seed);
    const dir = await tempDir();
    await writeFile(join(dir, "payroll.csv"), made.csv);
    const refused = await runCli(["validate", "payroll.csv", "--online", "--rate", "0"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.include("bitex-batch: --rate expects calls per second above 0, got 0\n");
    expect(box.state().stats.calls).to.equal(0);

    const paced = await runCli(["validate", "payroll.csv", "--online", "--rate", "1"], {
      cwd: dir,
      env: apiEnv(box),
    });
    expect(paced.code, paced.stderr).to.equal(0);
    const starts = box.state().stats.call_starts_ms;
    expect(starts.length).to.be.greaterThan(2);
    // At the default 5 a second they come 200 ms apart; half a second leaves room for a loaded machine.
    const gaps = starts.slice(1).map((start, i) => start - (starts[i] as number));
    expect(Math.min(...gaps), gaps.join(", ")).to.be.at.least(500);
  });
});
