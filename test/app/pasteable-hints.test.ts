/**
 * Every command a hint offers names the operator's real file, quoted for the shell when it
 * needs it, so that it runs as printed: never `<csv>` or `<input>.report.csv`, never a name
 * with a space left bare.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { refuseFewerFacts } from "../../src/app/finish.js";
import { acceptedAbove } from "../../src/app/follow-words.js";
import { errorText, takenWhatToDo } from "../../src/app/inbox-words.js";
import { loadBatch } from "../../src/app/load.js";
import { sandboxGoneLine } from "../../src/app/plan-words.js";
import type { Console } from "../../src/app/session.js";
import { stopFor } from "../../src/app/stop.js";
import { ApiError } from "../../src/bitex/errors.js";
import { BatchError } from "../../src/errors.js";
import type { BatchFollow } from "../../src/follow/run.js";
import { StepRefused } from "../../src/follow/steps.js";
import { rowFlags } from "../../src/shell-words.js";
import { tempDir } from "../helpers/cli.js";
import { request } from "../helpers/follow-fakes.js";

const FILE = "Sueldos Diciembre 2026.csv";

describe("app: the commands hints offer paste as printed", () => {
  it("Bitex refusing a step: status and the remaining file's submit, for this file", () => {
    const refusal = new ApiError({ kind: "validation", code: "api_unprocessable", detail: "no", sent: "no" });
    const error = stopFor(
      new StepRefused("accept_quote", request({ id: "7", state: "cancelled" }), refusal),
      true,
      "run again",
      {
        csv: FILE,
        remaining: "Sueldos Diciembre 2026.remaining.csv",
        flags: rowFlags({ allowDuplicates: true, senderPort: "ar_ars", delimiter: ";" }),
      },
    );
    // The batch's input options with both commands; the remaining file's submit without
    // --allow-duplicates (shell-words.ts RowFlags).
    expect(error.hint).to.equal(
      "run bitex-batch status 'Sueldos Diciembre 2026.csv' --allow-duplicates --sender-port ar_ars --delimiter ';': it shows every row and writes Sueldos Diciembre 2026.remaining.csv with the rows not paid, to submit once fixed (bitex-batch submit 'Sueldos Diciembre 2026.remaining.csv' --sender-port ar_ars --delimiter ';')",
    );
  });

  it("accepted above --max-total: status of this file", () => {
    const follow = {
      views: [],
      acceptedAbove: [{ currency: "ARS", requests: 1, total: "10.00", max: "5.00" }],
    } as unknown as BatchFollow;
    expect(acceptedAbove(follow, FILE).hint).to.equal(
      "the quotes were within --max-total when read just before accepting; accepting cannot be undone: check the requests at Bitex now (bitex-batch status 'Sueldos Diciembre 2026.csv' shows every row)",
    );
  });

  it("the embedded emulator gone: the whole cycle of this file", () => {
    expect(sandboxGoneLine(FILE)).to.equal(
      "the embedded emulator and its requests ended with this run (nothing real was sent); to see the whole cycle: bitex-batch submit 'Sueldos Diciembre 2026.csv' --sandbox --until final --max-total CUR=AMOUNT",
    );
  });

  it("a report of created rows kept: status of the file it belongs to", async () => {
    const report = join(await tempDir(), "Sueldos Diciembre 2026.report.csv");
    await writeFile(report, "line,reference,status\n2,EMP-1,created\n");
    const refused = await refuseFewerFacts(report, FILE).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(BatchError);
    expect((refused as BatchError).hint).to.equal(
      "keep it: pass --report <another path>, or bitex-batch status 'Sueldos Diciembre 2026.csv' to refresh it from the server",
    );
  });

  it("a drop folder's words: the file where it went, quoted", () => {
    expect(takenWhatToDo("staged", `done/2026-12-01/${FILE}`)).to.equal(
      "to pay that batch's rows, go on with it: bitex-batch accept 'done/2026-12-01/Sueldos Diciembre 2026.csv' --max-total CUR=AMOUNT; only if it is a new payment run of the same rows, run bitex-batch submit on it with --batch-id <new id>",
    );
    const text = errorText({
      name: FILE,
      code: 5,
      error: { message: "ACCEPTED ABOVE --max-total (read after accepting): ARS: …" },
      byStatus: {},
      to: "failed",
      remaining: null,
    });
    expect(text).to.include(
      "What to do: bitex-batch status 'failed/Sueldos Diciembre 2026.csv' --watch follows the rows accepted for payment",
    );
  });

  it("a drop folder's words carry the inbox's input options: its files' batches were submitted with them", () => {
    const flags = rowFlags({ encoding: "latin1", senderPort: "ar_ars", payer: "112" });
    expect(takenWhatToDo("quoted", `done/2026-12-01/${FILE}`, flags)).to.equal(
      "to pay that batch's rows, go on with it: bitex-batch accept 'done/2026-12-01/Sueldos Diciembre 2026.csv' --sender-port ar_ars --payer 112 --encoding latin1 --max-total CUR=AMOUNT; only if it is a new payment run of the same rows, run bitex-batch submit on it with --batch-id <new id>",
    );
    const text = errorText(
      {
        name: FILE,
        code: 5,
        error: { message: "partly accepted" },
        byStatus: {},
        to: "failed",
        remaining: null,
      },
      flags,
    );
    expect(text).to.include(
      "What to do: bitex-batch status 'failed/Sueldos Diciembre 2026.csv' --sender-port ar_ars --payer 112 --encoding latin1 --watch follows the rows accepted for payment",
    );
  });

  it("--report naming the input: the report path it would get, not <input>.report.csv", async () => {
    const dir = await tempDir();
    const input = join(dir, FILE);
    const refused = await loadBatch(
      { csv: input, report: input, encoding: "auto", allowDuplicates: false, keepColumns: false },
      {} as Console,
    ).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(BatchError);
    expect((refused as BatchError).hint).to.equal(
      `choose another --report path, or leave it out for ${join(dir, "Sueldos Diciembre 2026.report.csv")}`,
    );
  });
});
