/**
 * `quote`, `accept`, `status` and a resumed `submit` read the payroll again with their own
 * input options. Read with other options than the batch's submit was given (`--sender-port`
 * filling empty cells, `--allow-duplicates` letting a copy through), a row the batch created
 * reads as invalid: status said it was never sent and put it in the remaining file, which paid
 * it a second time. Such a run is refused: the batch's rows are those it was submitted with.
 */
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type CliResult, runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoRows, sandbox } from "../helpers/sandbox.js";

const OPTIONS =
  "--allow-duplicates, --sender-port, --payer, --decimal-separator, --encoding, --delimiter, --sheet";

describe("a batch read with other input options than its submit's", function () {
  this.timeout(120_000);
  let box: Sandbox;
  afterEach(async () => box?.close());

  async function world(rows: (pick: (reference: string) => string) => string[]) {
    box = await sandbox();
    const dir = await tempDir();
    const { pick, file } = await demoRows();
    await writeFile(join(dir, "payroll.csv"), file(rows(pick)));
    const run = (args: string[]) =>
      runCli([...args, "--rate", "1000"], { cwd: dir, env: { ...apiEnv(box), BITEX_BATCH_SETTLE_MS: "0" } });
    /** `submit <file> --sender-port ar_ars --until accepted`, within `limits`, with `extra`. */
    const accepted = (file: string, limits: string[], ...extra: string[]) =>
      run(["submit", file, "--sender-port", "ar_ars", "--until", "accepted", ...extra, ...limits]);
    return { dir, run, accepted };
  }

  /** Outputs on the server per recipient: each row of these worlds pays another one, once. */
  const perRecipient = () => {
    const counts: Record<string, number> = {};
    for (const output of box.state().outputs) {
      const user = output.relationships?.user?.data?.id as string;
      counts[user] = (counts[user] ?? 0) + 1;
    }
    return counts;
  };

  const refusedForOptions = (result: CliResult, valid: number, inBatch: number) => {
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.match(
      new RegExp(
        `^bitex-batch: payroll\\.csv: read with these options, its rows are not those batch [0-9a-f]{16} was submitted with \\(begun [^)]+\\): ${valid} valid row\\(s\\) here, ${inBatch} in the batch$`,
        "m",
      ),
    );
    expect(result.stderr).to.include(
      `  give the input options submit was given (${OPTIONS}); nothing was sent or written (another sheet of a workbook is another payroll: submit it with a --batch-id of its own)`,
    );
    expect(result.stderr).not.to.include("changed since batch");
  };

  it("status without submit's --sender-port is refused: no remaining file, so the row it filled is paid once", async () => {
    // EMP-1001 leaves its sender port to --sender-port.
    const { dir, run, accepted } = await world((pick) => [
      pick("EMP-1001").replace(",ar_ars,", ",,"),
      pick("EMP-1003"),
    ]);
    const limits = ["--max-total", "ARS=1000000000"];
    const submitted = await accepted("payroll.csv", limits);
    expect(submitted.code, submitted.stderr).to.equal(0);
    expect(submitted.stdout).to.include("next: bitex-batch status payroll.csv --sender-port ar_ars --watch");
    const report = await readFile(join(dir, "payroll.report.csv"), "utf8");

    // The status the next: line names, as printed.
    const status = await run(["status", "payroll.csv"]);
    const remaining = join(dir, "payroll.remaining.csv");
    // The operator pays whatever a remaining file holds, as its line says: here nothing.
    if (await stat(remaining).catch(() => null)) await accepted("payroll.remaining.csv", limits);
    box.advance({ until: "final" });
    // EMP-1001 (user 300) and EMP-1003 (user 302), each paid once.
    expect(perRecipient()).to.deep.equal({ "300": 1, "302": 1 });
    expect(box.state().outputs.map((output) => output.attributes.state)).to.deep.equal([
      "settled",
      "settled",
    ]);
    refusedForOptions(status, 1, 2);
    expect(await stat(remaining).catch(() => null), "no remaining file").to.equal(null);
    expect(await readFile(join(dir, "payroll.report.csv"), "utf8"), "report kept").to.equal(report);

    // With submit's options the batch reads as it is: every row paid, nothing to remain.
    const same = await run(["status", "payroll.csv", "--sender-port", "ar_ars"]);
    expect(same.code, same.stderr).to.equal(0);
    expect(await stat(remaining).catch(() => null), "no remaining file").to.equal(null);
  });

  it("status from another state directory without submit's --sender-port releases no invalid row: it may have been sent", async () => {
    // EMP-1001 leaves its sender port to --sender-port; EMP-1002 names its own (us_usd). Read
    // without the option, no valid row names ar_ars: its request is not even read.
    const { dir, run, accepted } = await world((pick) => [
      pick("EMP-1001").replace(",ar_ars,", ",,"),
      pick("EMP-1002"),
    ]);
    const limits = ["--max-total", "ARS=1000000000", "--max-total", "USD=1000000"];
    const submitted = await accepted("payroll.csv", limits);
    expect(submitted.code, submitted.stderr).to.equal(0);

    // A shell whose state directory is another one (cron's, another user's environment).
    const status = await run(["status", "payroll.csv", "--state-dir", "elsewhere"]);
    const remaining = join(dir, "payroll.remaining.csv");
    if (await stat(remaining).catch(() => null))
      await accepted("payroll.remaining.csv", limits, "--state-dir", "elsewhere");
    box.advance({ until: "final" });
    // EMP-1001 (user 300) and EMP-1002 (user 301), each paid once.
    expect(perRecipient()).to.deep.equal({ "300": 1, "301": 1 });
    expect(status.code, status.stderr).to.equal(3);
    expect(status.stderr).to.match(
      /^no journal of batch [0-9a-f]{16} in elsewhere: the invalid rows of payroll\.csv are not put in the remaining file \(read with other input options than submit's, a row the batch sent reads as invalid, and nothing here tells\); run status with the --state-dir and the input options the batch was submitted with$/m,
    );
    expect(await stat(remaining).catch(() => null), "no remaining file").to.equal(null);
  });

  it("submit --skip-invalid from another state directory without --sender-port releases no invalid row: the batch began elsewhere", async () => {
    const { dir, run, accepted } = await world((pick) => [
      pick("EMP-1001").replace(",ar_ars,", ",,"),
      pick("EMP-1002"),
    ]);
    const limits = ["--max-total", "ARS=1000000000", "--max-total", "USD=1000000"];
    const submitted = await accepted("payroll.csv", limits);
    expect(submitted.code, submitted.stderr).to.equal(0);

    // Elsewhere, the file is refused for its empty sender port, and sent with --skip-invalid.
    const elsewhere = ["--state-dir", "elsewhere"];
    const resent = await run(["submit", "payroll.csv", "--skip-invalid", ...elsewhere]);
    const status = await run(["status", "payroll.csv", ...elsewhere]);
    const remaining = join(dir, "payroll.remaining.csv");
    if (await stat(remaining).catch(() => null))
      await accepted("payroll.remaining.csv", limits, ...elsewhere);
    box.advance({ until: "final" });
    expect(perRecipient()).to.deep.equal({ "300": 1, "301": 1 });
    expect(resent.code, resent.stderr).to.equal(1);
    const kept =
      /^batch [0-9a-f]{16} began elsewhere \(request\(s\) 2 found at Bitex by external id, not made from this journal: another --state-dir, or a journal lost\): the invalid rows of payroll\.csv are not put in the remaining file \(read with other input options than submit's, a row the batch sent reads as invalid, and nothing here tells\); run status with the --state-dir and the input options the batch was submitted with$/m;
    expect(resent.stderr).to.match(kept);
    expect(status.code, status.stderr).to.equal(3);
    expect(status.stderr).to.match(kept);
    expect(await stat(remaining).catch(() => null), "no remaining file").to.equal(null);
  });

  it("submit and status of a batch whose request holds outputs no valid row accounts for release no invalid row: another run may have sent it", async () => {
    const { dir, run, accepted } = await world((pick) => [
      pick("EMP-1001").replace(",ar_ars,", ",,"),
      pick("EMP-1003"),
    ]);
    const limits = ["--max-total", "ARS=1000000000"];
    // Elsewhere first, without --sender-port: EMP-1001 is invalid, EMP-1003 goes into request 1.
    const elsewhere = ["--state-dir", "elsewhere"];
    expect((await run(["submit", "payroll.csv", "--skip-invalid", ...elsewhere])).code).to.equal(1);
    // Its remaining file (EMP-1001) is set aside: the row is paid with the sender port instead.
    await rm(join(dir, "payroll.remaining.csv"));
    // Then with it: EMP-1001 joins request 1, which is quoted and accepted.
    const paid = await accepted("payroll.csv", limits);
    expect(paid.code, paid.stderr).to.equal(0);

    // Elsewhere again: submit meets the output it cannot account for (exit 4), then status.
    const resumed = await run(["submit", "payroll.csv", "--skip-invalid", ...elsewhere]);
    const remaining = join(dir, "payroll.remaining.csv");
    const resumedRemaining = await readFile(remaining, "utf8").catch(() => null);
    const status = await run(["status", "payroll.csv", ...elsewhere]);
    if (resumedRemaining !== null || (await stat(remaining).catch(() => null)))
      await accepted("payroll.remaining.csv", limits, ...elsewhere);
    box.advance({ until: "final" });
    expect(perRecipient()).to.deep.equal({ "300": 1, "302": 1 });
    expect(resumed.code, resumed.stderr).to.equal(4);
    expect(resumed.stderr).to.match(
      /^another writer's outputs are in batch [0-9a-f]{16}'s requests: the invalid rows of payroll\.csv are not put in the remaining file \(/m,
    );
    expect(resumedRemaining, "no remaining file from the resumed submit").to.equal(null);
    expect(status.code, status.stderr).to.equal(3);
    expect(status.stderr).to.match(
      /^request\(s\) 1 of batch [0-9a-f]{16} hold output\(s\) no valid row accounts for: the invalid rows of payroll\.csv are not put in the remaining file \(/m,
    );
    expect(await stat(remaining).catch(() => null), "no remaining file").to.equal(null);
  });

  it("quote, accept and submit without submit's --allow-duplicates are refused, never told the file changed", async () => {
    // Two identical payments (no reference), both meant.
    const { run } = await world((pick) => {
      const twice = pick("EMP-1001").replace(/^EMP-1001,/, ",");
      return [twice, twice, pick("EMP-1003")];
    });
    const staged = await run(["submit", "payroll.csv", "--allow-duplicates"]);
    expect(staged.code, staged.stderr).to.equal(0);
    const calls = box.state().stats.calls;
    refusedForOptions(await run(["quote", "payroll.csv"]), 2, 3);
    refusedForOptions(await run(["accept", "payroll.csv", "--max-total", "ARS=1000000000"]), 2, 3);
    refusedForOptions(await run(["status", "payroll.csv"]), 2, 3);
    expect(box.state().stats.calls, "nothing read or sent").to.equal(calls);

    const resumed = await run(["submit", "payroll.csv", "--skip-invalid"]);
    expect(resumed.code, resumed.stderr).to.equal(2);
    expect(resumed.stderr).to.match(
      /^bitex-batch: payroll\.csv: read with these options, its rows are not those batch [0-9a-f]{16} was submitted with \(its journal was written for different rows\)$/m,
    );
    expect(resumed.stderr).to.include(
      `  give submit the file and the input options the batch was submitted with (${OPTIONS}); another sheet of a workbook is another payroll: give it a --batch-id of its own`,
    );
    expect(box.state().outputs).to.have.length(3);

    // Given submit's options, quote goes on.
    const quoted = await run(["quote", "payroll.csv", "--allow-duplicates"]);
    expect(quoted.code, quoted.stderr).to.equal(0);
    expect(box.state().requests.map((request) => request.attributes.state)).to.deep.equal(["quoted"]);
  });
});
