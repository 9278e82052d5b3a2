/**
 * A remaining file the operator submitted is a batch of its own, which pays its rows: a later
 * `status` of the first batch never writes those rows into another file, nor rewrites that
 * file with rows paid, and says which batch pays them (helper-101: both paid a row twice).
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type CliResult, runCli, tempDir } from "../helpers/cli.js";
import { maxTotals } from "../helpers/max-totals.js";
import { apiEnv, demoRows, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";
import { Api } from "../sandbox/helpers.js";

describe("a remaining file submitted as a batch", function () {
  this.timeout(90_000);
  let box: Sandbox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  /** Settled outputs per recipient and instruction: more than one is a row paid twice. */
  const paidTwice = (world: Sandbox) => {
    const paid = new Map<string, number>();
    for (const output of world.state().outputs) {
      if (output.attributes.state !== "settled") continue;
      const key = `${output.relationships?.user?.data?.id} ${output.relationships?.withdrawal_instruction?.data?.id}`;
      paid.set(key, (paid.get(key) ?? 0) + 1);
    }
    return [...paid].filter(([, count]) => count > 1);
  };

  async function setUp() {
    const seed = await demoSeed();
    for (const user of seed.users) user.compliance_state = "enabled";
    for (const instruction of seed.withdrawal_instructions) instruction.outcome = "settled";
    const started = await stoppedSandbox(seed);
    box = started;
    const dir = await tempDir();
    const run = (args: string[]) =>
      runCli([...args, "--rate", "1000"], {
        cwd: dir,
        env: { BITEX_BATCH_SETTLE_MS: "200", ...apiEnv(started) },
      });
    return { box: started, dir, run, rows: await demoRows() };
  }

  it("edited and submitted: a later status writes no other file with its row and names the batch that pays it; nobody paid twice", async () => {
    const { box: world, dir, run, rows } = await setUp();
    await writeFile(join(dir, "g.csv"), rows.file([rows.pick("EMP-1002")]));
    expect((await run(["submit", "g.csv"])).code).to.equal(0);
    expect((await run(["quote", "g.csv"])).code).to.equal(0);
    world.advance({ expire: true });
    expect((await run(["status", "g.csv"])).code).to.equal(1);
    const remaining = await readFile(join(dir, "g.remaining.csv"), "utf8");
    // "fix them there if needed": the amount corrected, then submitted to the end.
    await writeFile(join(dir, "g.remaining.csv"), remaining.replace("23886.75", "23900.00"));
    expect((await run(["submit", "g.remaining.csv"])).code).to.equal(0);
    expect((await run(["quote", "g.remaining.csv"])).code).to.equal(0);
    expect((await run(["accept", "g.remaining.csv", ...maxTotals(world)])).code).to.equal(0);
    world.advance({ until: "final" });

    const status = await run(["status", "g.csv"]);
    expect(status.code, status.stderr).to.equal(1);
    const batch =
      /1 row\(s\) released to g\.remaining\.csv went out as batch (\S+) \(begun [^)]+\), which holds them: that batch answers for them \(it pays them, or its own remaining file holds those it cannot\), never this one nor another remaining file \(bitex-batch status g\.remaining\.csv follows it\)/.exec(
        status.stdout + status.stderr,
      )?.[1];
    expect(batch, status.stdout + status.stderr).to.be.a("string");
    expect(status.stderr).to.include(
      `what to do: its remaining file g.remaining.csv went out as batch ${batch}, which answers for it: it pays it, or its own remaining file holds it (bitex-batch status g.remaining.csv follows it)`,
    );
    expect((await readdir(dir)).filter((name) => name.endsWith(".remaining.csv"))).to.deep.equal([
      "g.remaining.csv",
    ]);
    expect(paidTwice(world)).to.deep.equal([]);
  });

  it("a copy fixed under another name and paid is not taken for the remaining file (the bytes differ), but status warns by its reference before that file is submitted again (helper-103)", async () => {
    const { box: world, dir, run, rows } = await setUp();
    await writeFile(join(dir, "b.csv"), rows.file([rows.pick("EMP-1002")]));
    expect((await run(["submit", "b.csv"])).code).to.equal(0);
    expect((await run(["quote", "b.csv"])).code).to.equal(0);
    world.advance({ expire: true });
    expect((await run(["status", "b.csv"])).code).to.equal(1);
    const remaining = await readFile(join(dir, "b.remaining.csv"), "utf8");
    await writeFile(join(dir, "b-rest.csv"), remaining.replace("23886.75", "23986.75"));
    expect((await run(["submit", "b-rest.csv"])).code).to.equal(0);
    const status = await run(["status", "b.csv"]);
    expect(status.stderr).to.match(
      /line 2 \(reference EMP-1002\) is also in batch \w+ \(file b-rest\.csv, begun [^)]+\), begun after this batch released it: if that batch pays it \(a copy of the remaining file, fixed, or a new file\), do not pay it again from the remaining file/,
    );
    // The row stays in its file: nothing vanishes on a reference alone. What to do next never
    // says "submit it" bare beside that warning (helper-105: those words paid rows twice).
    expect(await readFile(join(dir, "b.remaining.csv"), "utf8")).to.equal(remaining);
    expect(status.stdout, status.stdout).to.include(
      "1 row(s) not paid and not being paid: b.remaining.csv (1 of them by reference also in a later batch, said above: see that it does not pay them (take them out of the file if it does), then bitex-batch submit b.remaining.csv)",
    );
  });

  it("submitted as it was, then more rows not paid: the file is left as it is, they go to the batch's own, and that file with late hires appended is refused", async () => {
    const { box: world, dir, run, rows } = await setUp();
    await writeFile(join(dir, "c.csv"), rows.file(["EMP-1001", "EMP-1002", "EMP-1006"].map(rows.pick)));
    expect((await run(["submit", "c.csv"])).code).to.equal(0);
    expect((await run(["quote", "c.csv"])).code).to.equal(0);
    // The us_usd request (EMP-1002) cancelled before the accept: its row is released.
    const usd = world.state().requests.find((request) => request.attributes.port_code === "us_usd");
    const cancel = await new Api(world).post(`/concierge_requests/${usd?.id}/cancel`);
    expect(cancel.status).to.equal(200);
    expect((await run(["accept", "c.csv", ...maxTotals(world)])).code).to.equal(2);
    const first = await readFile(join(dir, "c.remaining.csv"), "utf8");
    expect(first.trimEnd().split("\n")).to.have.length(2);
    expect((await run(["submit", "c.remaining.csv"])).code).to.equal(0);
    expect((await run(["quote", "c.remaining.csv"])).code).to.equal(0);
    // Its one request's limit (maxTotals sums every request, the cancelled one's too).
    const quoted = world
      .state()
      .requests.find(
        (request) => request.attributes.state === "quoted" && request.attributes.port_code === "us_usd",
      );
    expect(
      (await run(["accept", "c.remaining.csv", "--max-total", `USD=${quoted?.attributes.total_to_spend}`]))
        .code,
    ).to.equal(0);
    world.advance({ until: "final" });
    // The other quotes lapse: their rows are not paid.
    world.advance({ expire: true });
    const status = await run(["status", "c.csv"]);
    expect(status.code, status.stderr).to.equal(1);
    expect(await readFile(join(dir, "c.remaining.csv"), "utf8")).to.equal(first);
    const own = (await readdir(dir)).filter((name) => /^c\.[0-9a-f]{16}\.remaining\.csv$/.test(name));
    expect(own).to.have.length(1);
    const later = await readFile(join(dir, own[0] as string), "utf8");
    expect(later).to.not.include("EMP-1002");
    expect(later.trimEnd().split("\n")).to.have.length(3);
    // The paid file with a late hire appended: every row that batch holds is in it.
    const calls = world.state().stats.calls;
    await writeFile(
      join(dir, "c-rest.csv"),
      `${first}${rows.pick("EMP-1007")}\n${rows.pick("EMP-1008")}\n${rows.pick("EMP-1009")}\n`,
    );
    const again = await run(["submit", "c-rest.csv"]);
    expect(again.code, again.stderr).to.equal(2);
    expect(again.stderr).to.match(
      /c-rest\.csv: 1 of its 4 row\(s\) are payments batch \S+ \(file c\.remaining\.csv/,
    );
    expect(world.state().stats.calls, "nothing sent").to.equal(calls);
    expect(paidTwice(world)).to.deep.equal([]);
  });

  /** b.csv's one row submitted and quoted, its quote lapsed: b.remaining.csv holds it. */
  async function lapsed(run: (args: string[]) => Promise<CliResult>, world: Sandbox, dir: string) {
    expect((await run(["submit", "b.csv"])).code).to.equal(0);
    expect((await run(["quote", "b.csv"])).code).to.equal(0);
    world.advance({ expire: true });
    expect((await run(["status", "b.csv"])).code).to.equal(1);
    return readFile(join(dir, "b.remaining.csv"), "utf8");
  }

  /** `file` submitted, quoted and accepted to its end. */
  async function paid(run: (args: string[]) => Promise<CliResult>, world: Sandbox, file: string) {
    expect((await run(["submit", file])).code).to.equal(0);
    expect((await run(["quote", file])).code).to.equal(0);
    const quoted = world.state().requests.filter((request) => request.attributes.state === "quoted");
    const limit = quoted.map((request) => `USD=${request.attributes.total_to_spend}`);
    expect(limit).to.have.length(1);
    expect((await run(["accept", file, "--max-total", limit[0] as string])).code).to.equal(0);
    world.advance({ until: "final" });
  }

  // With `hires`, three late hires (never paid before) appended to the copy: it is mostly
  // theirs, still a version of the remaining file (helper-104).
  for (const [fixedFirst, hires] of [
    [true, false],
    [false, false],
    [true, true],
    [false, true],
  ])
    it(`a remaining file's copy fixed under another name${hires ? " with 3 late hires appended" : ""} and the remaining file itself, ${fixedFirst ? "the copy paid first" : "the file paid first"}: the second is refused (exit 2, nothing sent), nobody paid twice`, async () => {
      const { box: world, dir, run, rows } = await setUp();
      await writeFile(join(dir, "b.csv"), rows.file([rows.pick("EMP-1002")]));
      const remaining = await lapsed(run, world, dir);
      // The amount corrected in a copy: no row of it is a payment the first batch held.
      const late = hires
        ? ["EMP-1008", "EMP-1014", "EMP-1020"].map((ref) => `${rows.pick(ref)}\n`).join("")
        : "";
      await writeFile(join(dir, "b-fixed.csv"), `${remaining.replace("23886.75", "23986.75")}${late}`);
      const [first, second] = fixedFirst
        ? ["b-fixed.csv", "b.remaining.csv"]
        : ["b.remaining.csv", "b-fixed.csv"];
      await paid(run, world, first);
      const calls = world.state().stats.calls;
      const again = await run(["submit", second]);
      expect(again.code, again.stderr).to.equal(2);
      expect(world.state().stats.calls, "nothing sent").to.equal(calls);
      const secondRows = second === "b-fixed.csv" && hires ? 4 : 1;
      const named = again.stderr.match(
        new RegExp(
          `${second.replaceAll(".", "\\.")}: 1 of its ${secondRows} row\\(s\\) \\(line 2\\) go to payees that batch (\\S+) \\(file ${first.replaceAll(".", "\\.")}, begun [^)]+\\) holds to pay, at these amounts or others; both files are mostly payees batch \\S+ \\(file b\\.csv\\) did not pay, or new ones, as its remaining file and a copy of it fixed \\(late hires added\\) are: sending this one as a new batch could pay them twice`,
        ),
      )?.[1];
      expect(named, again.stderr).to.be.a("string");
      expect(again.stderr).to.include("nothing was sent");
      expect(again.stderr).to.include(
        secondRows === 1
          ? `if it pays these rows, do not submit ${second}`
          : `if it pays these rows, take them out of ${second} and submit the rest`,
      );
      // The batch named is the one that paid the payee.
      expect((await run(["status", first, "--json"])).stdout).to.include(`"batch_id":"${named}"`);
      expect(paidTwice(world)).to.deep.equal([]);
    });

  it("a remaining file staged, then a copy of it fixed and paid with a --batch-id of its own: the staged one's quote is refused (exit 2, nothing sent)", async () => {
    const { box: world, dir, run, rows } = await setUp();
    await writeFile(join(dir, "b.csv"), rows.file([rows.pick("EMP-1002")]));
    const remaining = await lapsed(run, world, dir);
    expect((await run(["submit", "b.remaining.csv"])).code).to.equal(0);
    await writeFile(join(dir, "b-fixed.csv"), remaining.replace("23886.75", "23986.75"));
    const fixed = await run(["submit", "b-fixed.csv", "--batch-id", "fixed-by-hand", "--until", "quoted"]);
    expect(fixed.code, fixed.stderr).to.equal(0);
    const quoted = world.state().requests.find((request) => request.attributes.state === "quoted");
    const accepted = await run([
      "accept",
      "b-fixed.csv",
      "--batch-id",
      "fixed-by-hand",
      "--max-total",
      `USD=${quoted?.attributes.total_to_spend}`,
    ]);
    expect(accepted.code, accepted.stderr).to.equal(0);
    const calls = world.state().stats.calls;
    const again = await run(["quote", "b.remaining.csv"]);
    expect(again.code, again.stderr).to.equal(2);
    expect(again.stderr).to.match(
      /b\.remaining\.csv: 1 of the 1 row\(s\) batch \S+ \(begun [^)]+\) has not had accepted yet \(line 2\) go to payees that batch fixed-by-hand \(file b-fixed\.csv, begun later, [^)]+\) holds to pay, at these amounts or others/,
    );
    expect(world.state().stats.calls, "nothing sent").to.equal(calls);
    world.advance({ until: "final" });
    expect(paidTwice(world)).to.deep.equal([]);
  });

  it("a remaining file sent after a later payroll that pays its payee among others paid before is no second version: it goes through", async () => {
    const { box: world, dir, run, rows } = await setUp();
    // The month before: EMP-1002's row lapsed; the others of that payroll were paid.
    await writeFile(join(dir, "paid.csv"), rows.file(["EMP-1008", "EMP-1014"].map(rows.pick)));
    await paid(run, world, "paid.csv");
    await writeFile(join(dir, "b.csv"), rows.file([rows.pick("EMP-1002")]));
    const remaining = await lapsed(run, world, dir);
    // Next month's payroll: the same payees, other amounts.
    const next = ["EMP-1008", "EMP-1002", "EMP-1014"]
      .map(rows.pick)
      .map((row) =>
        row.replace("23886.75", "24100.00").replace("28070.00", "28100.00").replace("17873.10", "17900.00"),
      );
    await writeFile(join(dir, "next.csv"), rows.file(next));
    const submitted = await run(["submit", "next.csv"]);
    expect(submitted.code, submitted.stderr).to.equal(0);
    expect(await readFile(join(dir, "b.remaining.csv"), "utf8")).to.equal(remaining);
    const late = await run(["submit", "b.remaining.csv"]);
    expect(late.code, late.stderr).to.equal(0);
  });
});
