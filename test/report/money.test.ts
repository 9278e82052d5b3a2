import { expect } from "chai";
import {
  ChargedByRequest,
  moneyJson,
  moneyLines,
  moneyOf,
  rowMoney,
  unexplainedSpends,
} from "../../src/report/money.js";
import { moneySheetLines, NOT_RECEIVED_TITLE } from "../../src/report/money-sheet.js";
import { unpaidOf } from "../../src/report/unpaid.js";
import { reportRow } from "../helpers/report-rows.js";

/** An ARS payroll to CLP, one row per way its money can go. */
const spendRow = (line: number, spend: string, state: string, requestState: string, reason = "") =>
  reportRow({
    line,
    sender_port: "ar_ars",
    port: "cl_clp",
    amount: "1000",
    budget: "",
    currency: "CLP",
    status: "created",
    state,
    request_state: requestState,
    receive_amount: "1000",
    receive_currency: "CLP",
    spend_amount: spend,
    spend_currency: "ARS",
    cancellation_reason: reason,
  });

const world = [
  spendRow(2, "100.00", "settled", "finished"),
  spendRow(3, "50.00", "rejected", "finished"),
  spendRow(4, "30.00", "returned", "finished"),
  spendRow(5, "20.00", "cancelled", "cancelled", "quote_not_accepted"),
  spendRow(6, "10.00", "accepted", "quote_accepted"),
  spendRow(7, "7.00", "accepting", "quoted"),
];

describe("report/money", () => {
  it("quoted, charged, refunded and net per sender currency, by the stated rule", () => {
    const [ars, clp] = moneyOf(world);
    expect(ars?.currency).to.equal("ARS");
    expect(ars?.quoted).to.deep.equal({ rows: 5, total: "197.00" });
    // Funded requests only; the rejected payee is not charged.
    expect(ars?.charged).to.deep.equal({ rows: 2, total: "130.00" });
    expect(ars?.refunded).to.deep.equal({ rows: 1, total: "30.00" });
    expect(ars?.net).to.equal("100.00");
    expect(ars?.notCharged).to.deep.equal([
      { why: "rejected", rows: 1, total: "50.00", lines: [3], reasons: [] },
      { why: "cancelled", rows: 1, total: "20.00", lines: [5], reasons: ["quote_not_accepted"] },
      { why: "not_accepted", rows: 1, total: "7.00", lines: [7], reasons: [] },
      { why: "awaiting_funds", rows: 1, total: "10.00", lines: [6], reasons: [] },
      { why: "returned", rows: 1, total: "30.00", lines: [4], reasons: [] },
    ]);
    expect(clp?.currency).to.equal("CLP");
    expect(clp?.inFileReceive).to.deep.equal({ rows: 6, total: "6000" });
    expect(clp?.received).to.deep.equal({ rows: 1, total: "1000" });
  });

  it("figures in the currency's look where that is exact: a file's 1000.000 CLP sums to 1000, a quote's 100.0000 ARS to 100.00 (helper-98)", () => {
    const row = {
      ...spendRow(2, "100.0000", "settled", "finished"),
      amount: "1000.000",
      receive_amount: "1000.000",
    };
    const [ars, clp] = moneyOf([row]);
    expect(ars?.quoted).to.deep.equal({ rows: 1, total: "100.00" });
    expect(ars?.net).to.equal("100.00");
    expect(clp?.inFileReceive).to.deep.equal({ rows: 1, total: "1000" });
    expect(clp?.received).to.deep.equal({ rows: 1, total: "1000" });
  });

  it("a row's own cells: rejected and cancelled rows 0 charged, a returned one refunded, unfunded ones empty", () => {
    expect(world.map((row) => rowMoney(row))).to.deep.equal([
      { charged: "100.00", refunded: "" },
      { charged: "0.00", refunded: "" },
      { charged: "30.00", refunded: "30.00" },
      { charged: "0.00", refunded: "" },
      { charged: "", refunded: "" },
      { charged: "", refunded: "" },
    ]);
  });

  it("what an output says of itself comes first: settled in a request cancelled since is paid and charged (helper-109)", () => {
    const rows = [
      spendRow(2, "100.00", "settled", "cancelled", "payment_not_received"),
      spendRow(3, "40.00", "accepted", "cancelled", "payment_not_received"),
      spendRow(4, "25.00", "cancelled", "finished"),
    ];
    const [ars, clp] = moneyOf(rows);
    // Quoted: the settled row's (its quote was accepted and funded) and the finished request's.
    expect(ars?.quoted).to.deep.equal({ rows: 2, total: "125.00" });
    expect(ars?.charged).to.deep.equal({ rows: 1, total: "100.00" });
    expect(ars?.notCharged).to.deep.equal([
      { why: "cancelled", rows: 2, total: "65.00", lines: [3, 4], reasons: ["payment_not_received"] },
    ]);
    expect(clp?.received).to.deep.equal({ rows: 1, total: "1000" });
    expect(rows.map((row) => rowMoney(row).charged)).to.deep.equal(["100.00", "0.00", "0.00"]);
    // Never "not paid" for the settled row; an output cancelled alone is not said cancelled "with its request".
    expect(rows.map((row) => unpaidOf(row, "r.csv")?.state ?? null)).to.deep.equal([
      null,
      "cancelled with its request (payment_not_received)",
      "cancelled at Bitex (no reason given)",
    ]);
  });

  it("a funded request whose quote spends another figure than its rows are charged is said, with the gap (helper-109)", () => {
    const charged = new ChargedByRequest();
    const rows = [
      { ...spendRow(2, "100.00", "settled", "finished"), request_id: "1" },
      { ...spendRow(3, "50.00", "rejected", "finished"), request_id: "1" },
      { ...spendRow(4, "30.00", "returned", "working"), request_id: "2" },
      { ...spendRow(5, "7.00", "accepting", "quoted"), request_id: "3" },
    ];
    for (const row of rows) charged.add(row);
    const request = (id: string, state: string, total: string) => ({
      id,
      state,
      total_to_spend: total,
      currency: "ARS",
    });
    // Equal (the rejected row is not charged, and not in the total): nothing said.
    expect(
      unexplainedSpends([request("1", "finished", "100.00"), request("2", "working", "30.00")], charged),
    ).to.deep.equal([]);
    // A row whose figures were not read (a report of a refresh): its request is not compared (helper-110).
    const unread = new ChargedByRequest();
    unread.add({ ...spendRow(6, "", "settling", "working"), request_id: "4" });
    unread.add({ ...spendRow(7, "12.00", "settled", "working"), request_id: "4" });
    expect(unexplainedSpends([request("4", "working", "99.00")], unread)).to.deep.equal([]);
    // A row Bitex refused at create has no output and no charge to read: its request still compared (helper-111).
    const refused = new ChargedByRequest();
    refused.add({ ...spendRow(8, "12.00", "settled", "finished"), request_id: "5" });
    refused.add({ ...spendRow(9, "", "", ""), request_id: "5", output_id: "" });
    expect(unexplainedSpends([request("5", "finished", "22.00")], refused)).to.have.length(1);
    // A row created and not in a listing yet (not_listed: its output id, no state): not compared (helper-113).
    const unlisted = new ChargedByRequest();
    unlisted.add({ ...spendRow(10, "12.00", "settled", "finished"), request_id: "6" });
    unlisted.add({ ...spendRow(11, "", "", "finished"), request_id: "6", output_id: "61" });
    expect(unexplainedSpends([request("6", "finished", "22.00")], unlisted)).to.deep.equal([]);
    expect(
      unexplainedSpends(
        [request("1", "finished", "200"), request("2", "working", "29.99"), request("3", "quoted", "1.00")],
        charged,
      ),
    ).to.deep.equal([
      "request 1 spends 200.00 ARS by its quote (total_to_spend), 100.00 more than its rows are charged (100.00): that 100.00 is in no row (a fee of the request, a rounding?); charged and net add the rows, the payer's balance says which",
      "request 2 spends 29.99 ARS by its quote (total_to_spend), 0.01 less than its rows are charged (30.00): that 0.01 is in no row (a fee of the request, a rounding?); charged and net add the rows, the payer's balance says which",
    ]);
  });

  it("the words: a line per currency, one per reason a figure differs, then the rule", () => {
    const lines = moneyLines(moneyOf(world));
    expect(lines.slice(0, 7)).to.deep.equal([
      "money ARS: quoted 197.00 (5 rows); charged 130.00 (2 rows); refunded 30.00 (1 row); net 100.00",
      "  ARS 50.00: 1 rejected payee(s), not charged; line(s) 3",
      "  ARS 20.00: 1 row(s) of cancelled request(s), not charged (quote_not_accepted); line(s) 5",
      "  ARS 7.00: 1 row(s) quoted, not accepted: nothing charged yet; line(s) 7",
      "  ARS 10.00: 1 row(s) accepted, waiting for the payer's funds: not charged yet; line(s) 6",
      "  ARS 30.00: 1 returned payout(s), refunded; line(s) 4",
      "money CLP: in the file 6000 to receive (6 rows); received by payees 1000 (1 row)",
    ]);
    // The file's amounts payees did not receive, each reason with its lines (helper-101).
    expect(lines.slice(7, 11)).to.deep.equal([
      "  CLP 1000: 1 rejected payee(s), not received; line(s) 3",
      "  CLP 1000: 1 returned payout(s), not received; line(s) 4",
      "  CLP 1000: 1 row(s) of cancelled request(s), not received; line(s) 5",
      "  CLP 2000: 2 row(s) not in a final state yet, not received; line(s) 6, 7",
    ]);
    expect(lines[11]).to.match(/^ {2}\(quoted: .*net = charged - refunded\)$/);
  });

  it("a row created and not in a listing yet (not_listed: its output id, no state) is not final yet, never 'no output on the server' (helper-113)", () => {
    const unlisted = { ...spendRow(8, "", "", "finished"), output_id: "81" };
    const lines = moneyLines(moneyOf([spendRow(2, "100.00", "settled", "finished"), unlisted]));
    expect(lines.filter((line) => line.startsWith("  CLP"))).to.deep.equal([
      "  CLP 1000: 1 row(s) not in a final state yet, not received; line(s) 8",
    ]);
  });

  it("the Summary sheet says the file's amounts not received as the terminal does; an export's (no file) does not", () => {
    const lines = moneySheetLines(moneyOf(world), { inFile: true });
    const at = lines.findIndex((line) => line.cells[0] === NOT_RECEIVED_TITLE);
    expect(at).to.be.greaterThan(0);
    expect(lines.slice(at + 2, at + 6).map((line) => line.cells)).to.deep.equal([
      ["CLP", 1, { money: "1000", currency: "CLP" }, "3", "rejected payee(s)"],
      ["CLP", 1, { money: "1000", currency: "CLP" }, "4", "returned payout(s)"],
      ["CLP", 1, { money: "1000", currency: "CLP" }, "5", "row(s) of cancelled request(s)"],
      ["CLP", 2, { money: "2000", currency: "CLP" }, "6, 7", "row(s) not in a final state yet"],
    ]);
    expect(
      moneySheetLines(moneyOf(world), { inFile: false }).some((line) => line.cells[0] === NOT_RECEIVED_TITLE),
    ).to.equal(false);
  });

  it("--json carries exact decimal strings", () => {
    const ars = moneyJson(moneyOf(world)).find((m) => m.currency === "ARS");
    expect(ars).to.deep.include({
      charged: { rows: 2, total: "130.00" },
      refunded: { rows: 1, total: "30.00" },
      net: "100.00",
    });
  });
});
