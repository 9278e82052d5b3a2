/** `bitex-batch sandbox` flags for the list style and the clock, through the built CLI. */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { runCli, spawnCli, tempDir } from "../helpers/cli.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

describe("bitex-batch sandbox: --list-style, --page-cap, --time-scale", function () {
  this.timeout(30_000);

  it("serves bare lists of --page-cap items with its clock at --time-scale", async () => {
    const dir = await tempDir();
    const { child, done } = spawnCli(
      ["sandbox", "--port", "0", "--list-style", "bare", "--page-cap", "2", "--time-scale", "0"],
      { cwd: dir },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let text = "";
        child.stdout?.on("data", (chunk: string) => {
          text += chunk;
          if (text.includes("\n")) resolve(text);
        });
        child.on("close", () =>
          done.then((r) => reject(new Error(`sandbox exited before printing: ${r.stderr}`))),
        );
      });
      const [, url = "", key = ""] = /listening on (\S+) \(api key: (\S+)\)/.exec(line) ?? [];
      const users = await fetch(`${url}/users`, { headers: { Authorization: key } });
      const body = (await users.json()) as { data: { id: string }[] };
      expect(Object.keys(body)).to.deep.equal(["data"]);
      expect(body.data.map((user) => user.id)).to.deep.equal(["112", "113"]);
      const state = await fetch(`${new URL(url).origin}/_sandbox/state`);
      expect(((await state.json()) as { clock: { time_scale: number } }).clock.time_scale).to.equal(0);
    } finally {
      child.kill("SIGTERM");
    }
    expect((await done).code).to.equal(0);
  });

  for (const flags of [
    ["--list-style", "fancy"],
    ["--page-cap", "0"],
    ["--time-scale", "-1"],
  ]) {
    it(`${flags.join(" ")}: exit 2 before listening`, async () => {
      const result = await runCli(["sandbox", "--port", "0", ...flags], { cwd: await tempDir() });
      expect([result.code, result.stdout]).to.deep.equal([2, ""]);
      expect(result.stderr).to.match(/^bitex-batch: /);
    });
  }

  it("submit --sandbox suggests no step against the emulator it started (gone with the run)", async () => {
    const dir = await tempDir();
    const demo = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
    // Rows from pesos to Chile: quoted at once.
    await writeFile(join(dir, "p.csv"), `${[demo[0], demo[1]].join("\n")}\n`);
    const gone =
      "the embedded emulator and its requests ended with this run (nothing real was sent); to see the whole cycle: bitex-batch submit p.csv --sandbox --until final --max-total CUR=AMOUNT";
    for (const until of ["created", "quoted"]) {
      const result = await runCli(["submit", "p.csv", "--sandbox", "--until", until], { cwd: dir });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout, until).to.not.match(/next: bitex-batch (quote|accept|status)/);
      expect(result.stdout.trimEnd().split("\n").at(-1), until).to.equal(gone);
      // The report is named once, after its last writing (submit's, or the follow-through's).
      expect(reportLines(result.stdout), until).to.deep.equal(["report: p.report.csv"]);
    }
    // Quotes above --max-total: the refusal's hint is the same, never quote or status.
    const refused = await runCli(
      ["submit", "p.csv", "--sandbox", "--until", "final", "--max-total", "ARS=1"],
      {
        cwd: dir,
      },
    );
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.include(`\n  ${gone}\n`);
    expect(refused.stdout + refused.stderr).to.not.match(/bitex-batch (quote|accept|status) p\.csv/);
    expect(reportLines(refused.stdout)).to.deep.equal(["report: p.report.csv"]);
  });

  it("submit --sandbox never writes over the report of a batch of the same file on an API, whatever its id (helper-95, helper-96)", async () => {
    const box = await sandbox();
    try {
      const demo = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
      for (const [named, holder] of [
        [[], /[0-9a-f]{16}/],
        [["--batch-id", "sandbox"], /sandbox/],
      ] as const) {
        const dir = await tempDir();
        await writeFile(join(dir, "p.csv"), `${[demo[0], demo[1]].join("\n")}\n`);
        const real = await runCli(["submit", "p.csv", ...named, "--rate", "1000"], {
          cwd: dir,
          env: apiEnv(box),
        });
        expect(real.code, real.stderr).to.equal(0);
        const before = await readFile(join(dir, "p.report.csv"));
        const tried = await runCli(
          ["submit", "p.csv", "--sandbox", "--until", "final", "--max-total", "ARS=99999999"],
          { cwd: dir },
        );
        expect(tried.code, tried.stderr).to.equal(0);
        expect(tried.stderr).to.match(
          new RegExp(
            `p\\.report\\.csv is batch ${holder.source}'s report and stays; this batch's: p\\.sandbox\\.report\\.csv\\n`,
          ),
        );
        expect(reportLines(tried.stdout)).to.deep.equal(["report: p.sandbox.report.csv"]);
        expect((await readFile(join(dir, "p.report.csv"))).equals(before)).to.equal(true);
      }
    } finally {
      await box.close();
    }
  });
});

describe("submit --json: the requests' totals", function () {
  this.timeout(60_000);
  it("total_to_spend has its currency's decimals (the server's JSON number 1500.5 is 1500.50 ARS)", async () => {
    const dir = await tempDir();
    const header = (await readFile(DEMO_CSV, "utf8")).split("\n")[0];
    // A budget: the request spends exactly it. From pesos to Chile: quoted at once.
    await writeFile(join(dir, "p.csv"), `${header}\nEMP-1001,112,ar_ars,300,cl_clp,,1500.50,2100\n`);
    const result = await runCli(["submit", "p.csv", "--sandbox", "--until", "quoted", "--json"], {
      cwd: dir,
    });
    expect(result.code, result.stderr).to.equal(0);
    const requests = JSON.parse(result.stdout).requests as { currency: string; total_to_spend: string }[];
    expect(requests.map((r) => `${r.total_to_spend} ${r.currency}`)).to.deep.equal(["1500.50 ARS"]);
  });
});

function reportLines(stdout: string): string[] {
  return stdout.split("\n").filter((line) => line.startsWith("report: "));
}
