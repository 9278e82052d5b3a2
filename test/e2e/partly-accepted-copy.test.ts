/**
 * A partly accepted batch's file, corrected and dropped again under a new name: its rows that
 * were accepted are being paid, so the new file is a near copy of what that batch paid even
 * though most of its rows are the ones it released (its remaining file).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { type CliResult, runCli, tempDir } from "../helpers/cli.js";
import { acceptOutage } from "../helpers/proxy.js";
import { apiEnv, DEMO_CSV, sandbox } from "../helpers/sandbox.js";

const lines = (result: CliResult) =>
  result.stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("inbox: a partly accepted file corrected and dropped again under a new name", function () {
  this.timeout(120_000);
  let box: Sandbox;
  afterEach(async () => box?.close());

  it("is refused as a near copy of the rows being paid (exit 2, failed/); nothing is sent, the accepted row is not paid twice", async () => {
    box = await sandbox();
    const dir = await tempDir();
    const inbox = join(dir, "in");
    await mkdir(inbox);
    const [header, ...demo] = (await readFile(DEMO_CSV, "utf8")).trimEnd().split("\n");
    const pick = (reference: string) => demo.find((row) => row.startsWith(`${reference},`)) as string;
    // Request 1 (112's ar_ars) is accepted; request 2 (113's uy_uyu, three rows) lapses.
    const first = [pick("EMP-1001")];
    const second = ["EMP-1006", "EMP-1012", "EMP-1018"].map(pick);
    await writeFile(join(inbox, "a.csv"), `${[header, ...first, ...second].join("\n")}\n`);
    await writeFile(join(inbox, "max-total.txt"), "ARS=1000000000\nUYU=1000000000\n");
    const proxy = await acceptOutage(box.url, "2");
    const env = { ...apiEnv(box), BITEX_API_URL: proxy.url, BITEX_BATCH_SETTLE_MS: "0" };
    const accepted = () =>
      runCli(
        ["inbox", inbox, "--settle", "0", "--tz", "UTC", "--json", "--rate", "1000"].concat([
          "--until",
          "accepted",
          "--wait",
          "30",
        ]),
        { cwd: dir, env },
      );
    try {
      expect((await accepted()).code).to.equal(3);
      proxy.end();
      box.advance({ minutes: 11 }); // request 2's quote lapses
      const partly = await accepted();
      expect(partly.code, partly.stderr).to.equal(5);
      expect(lines(partly)[0]).to.include({ file: "a.csv", outcome: "failed", exit_code: 5 });
      const outputsBefore = box.state().outputs.map((o) => o.id);
      const requestsBefore = box.state().requests.map((r) => r.id);

      // The operator corrects one amount of a row not paid in the original and drops it again.
      const fixed = [
        first[0],
        second[0],
        second[1],
        (second[2] as string).replace(",1029734.10,", ",1029734.20,"),
      ];
      expect(fixed[3]).to.include(",1029734.20,");
      await writeFile(join(inbox, "a-fixed.csv"), `${[header, ...fixed].join("\n")}\n`);
      const again = await accepted();
      expect(again.code, again.stderr).to.equal(2);
      const [file, summary] = lines(again);
      expect(file).to.include({ file: "a-fixed.csv", outcome: "failed", exit_code: 2, moved_to: "failed" });
      // The earlier file named where the inbox moved it (helper-83).
      expect(file?.reason).to.match(
        /^\/.*\/in\/a-fixed\.csv: 1 of its 4 row\(s\) are payments batch \w{16} \(file \/.*\/in\/failed\/a\.csv, begun [^)]+\) holds: accepted 1 row\(s\) for payment; sending it as a new batch could pay them again$/,
      );
      expect(summary).to.include({ files: 1, done: 0, failed: 1, left: 0, exit_code: 2 });
      // Nothing was sent: no request, no output, no step beyond the first file's.
      expect(box.state().outputs.map((o) => o.id)).to.deep.equal(outputsBefore);
      expect(box.state().requests.map((r) => r.id)).to.deep.equal(requestsBefore);
      expect(box.state().stats.per_request).to.deep.equal({
        "1": { request_quote: 1, accept_quote: 1 },
        "2": { request_quote: 1, accept_quote: 0 },
      });
    } finally {
      await proxy.close();
    }
  });
});
