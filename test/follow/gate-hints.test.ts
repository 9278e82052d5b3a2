/**
 * What the quote gate's refusal says to do names the batch's own file and its remaining file,
 * each command quoted to paste as printed (a payroll's name often has spaces): never `<csv>`
 * or `<input>.remaining.csv`.
 */
import { expect } from "chai";
import { gateRefusal } from "../../src/follow/run.js";

const FILE = "nóminas/Sueldos Diciembre 2026.csv";
const REMAINING = "nóminas/Sueldos Diciembre 2026.remaining.csv";
const hintOf = (kind: Parameters<typeof gateRefusal>[0][number]["kind"]) =>
  gateRefusal([{ kind, message: "request 7: …", requestId: "7" }], "quoted", FILE).hint;

describe("follow: the quote gate's hints", () => {
  it("name the file and its remaining file, every command shell-quoted", () => {
    expect(hintOf("cancelled")).to.equal(
      `nothing was quoted: a batch with a cancelled request is never quoted nor accepted; its rows not paid are in ${REMAINING}: bitex-batch submit '${REMAINING}' pays them`,
    );
    // Its drafts' rows are not released while the drafts exist: whoever accepts one pays them (helper-114).
    const cancelled = {
      kind: "cancelled",
      message: "request 7 is cancelled (quote_not_accepted)",
      requestId: "7",
    } as const;
    expect(gateRefusal([cancelled], "quoted", FILE, REMAINING, undefined, ["5", "6"]).hint).to.equal(
      `nothing was quoted: a batch with a cancelled request is never quoted nor accepted; cancel draft request(s) 5, 6 at Bitex (the batch never quotes them beside cancelled request(s) 7, and while a draft exists whoever quotes and accepts it pays its rows; Bitex may also prune it, draft_was_pruned), then bitex-batch status '${FILE}' writes ${REMAINING} with every row not paid`,
    );
    expect(hintOf("released")).to.equal(
      `nothing was quoted: rows of this batch are in its remaining file (${REMAINING}), which pays them (bitex-batch submit '${REMAINING}'); this batch never quotes nor accepts their request`,
    );
    expect(hintOf("stranded")).to.equal(
      `those rows can never join their request: accept nothing; once its quote lapses (or it is cancelled at Bitex), bitex-batch status '${FILE}' writes ${REMAINING} with the batch's rows, to submit (bitex-batch submit '${REMAINING}')`,
    );
    expect(hintOf("unfinished")).to.equal(
      `run bitex-batch submit '${FILE}' first to finish creating the rows (it resumes)`,
    );
    expect(hintOf("partial")).to.equal(
      `pass --allow-partial to leave the failed rows out of the quote (bitex-batch quote '${FILE}' --allow-partial; they are in ${REMAINING}), or fix them first`,
    );
  });

  it("a plain name is left as it is", () => {
    expect(gateRefusal([{ kind: "unfinished", message: "…" }], "quoted", "payroll.csv").hint).to.equal(
      "run bitex-batch submit payroll.csv first to finish creating the rows (it resumes)",
    );
  });
});
