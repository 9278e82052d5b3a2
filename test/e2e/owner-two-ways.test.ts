/**
 * An empty payer_user_id is the key's owner (user 112 in the demo world): a row leaving it
 * empty and one writing 112, the same payment otherwise, were two payments to the duplicate
 * check and both were paid (helper-76). Through the built CLI against the emulator.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCli, tempDir } from "../helpers/cli.js";
import { apiEnv, demoSeed, stoppedSandbox } from "../helpers/sandbox.js";

const HEADER =
  "reference,payer_user_id,sender_port,recipient_user_id,port,amount,budget,withdrawal_instruction_id";

describe("e2e: the key's owner written two ways", function () {
  this.timeout(60_000);
  let box: Sandbox | undefined;
  afterEach(() => box?.close());

  async function submit(rows: string[]) {
    box = await stoppedSandbox(await demoSeed());
    const world = box;
    const dir = await tempDir();
    await writeFile(join(dir, "payroll.csv"), `${[HEADER, ...rows].join("\n")}\n`);
    return runCli(["submit", "payroll.csv", "--rate", "1000"], { cwd: dir, env: apiEnv(world) });
  }

  it("one payment with the payer empty and again with 112: refused, exit 2, nothing created", async () => {
    const result = await submit([
      ",112,ar_ars,302,uy_uyu,44328.01,,2102",
      ",,ar_ars,302,uy_uyu,44328.01,,2102",
    ]);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.include(
      "payroll.csv:3: the same payment as line 2: one of them leaves payer_user_id empty, which is the key's owner, user 112, whom the other names; nothing was paid",
    );
    expect((box as Sandbox).state().requests).to.deep.equal([]);
  });

  it("both ways in one file, no payment twice: paid, one request a way", async () => {
    const result = await submit([
      ",112,ar_ars,302,uy_uyu,44328.01,,2102",
      ",,ar_ars,303,py_pyg,7695000,,2103",
    ]);
    expect(result.code, result.stderr).to.equal(0);
    expect((box as Sandbox).state().outputs).to.have.length(2);
  });
});
