import { expect } from "chai";
import type { JournalEntry } from "../../src/batch/journal.js";
import type { ConciergeOutput, ConciergeRequest } from "../../src/bitex/jsonapi.js";
import { indexJournal, type JournalIndex } from "../../src/export/journals.js";
import { periodOf } from "../../src/export/period.js";
import { cellsOf, compareIds, currencyOf, exportRows, requestsOfPeriod } from "../../src/export/rows.js";
import { exportTotals, unknownCurrencies, unknownCurrencyLine } from "../../src/export/totals.js";

const API = "https://sandbox.bitex.la/api";
const BA = "America/Argentina/Buenos_Aires";

function request(id: string, createdAt: unknown, extra: Partial<ConciergeRequest> = {}): ConciergeRequest {
  return {
    id,
    user_id: "112",
    port_code: "ar_ars",
    external_id: null,
    state: "finished",
    cancellation_reason: null,
    total_to_spend: null,
    created_at: createdAt,
    updated_at: createdAt,
    ...extra,
  } as ConciergeRequest;
}

function output(id: string, requestId: string, extra: Partial<ConciergeOutput> = {}): ConciergeOutput {
  return {
    id,
    request_id: requestId,
    user_id: "300",
    port_code: "cl_clp",
    withdrawal_instruction_id: "2100",
    amount: "19000",
    budget: "20650.5",
    state: "settled",
    created_at: "2026-11-10T12:00:00Z",
    updated_at: "2026-11-10T12:00:00Z",
    ...extra,
  } as ConciergeOutput;
}

const emptyIndex = (): JournalIndex => ({ requests: new Map(), outputs: new Map(), journals: 0 });

describe("export rows", () => {
  const november = periodOf({ month: "2026-11", tz: BA });

  it("keeps the requests created in [start, end), oldest first, ties by numeric id", () => {
    const requests = [
      request("1", "2026-11-01T02:59:59.999Z"), // Oct 31 in Buenos Aires
      request("10", "2026-11-01T03:00:00Z"), // the first instant of November there
      request("9", "2026-11-01T03:00:00.000Z"),
      request("3", "2026-12-01T02:59:59Z"), // the last second of November there
      request("4", "2026-12-01T03:00:00Z"), // December: the end is excluded
      request("5", "2026-11-15T00:00:00-03:00"),
    ];
    expect(requestsOfPeriod(requests, november).map((r) => r.request.id)).to.deep.equal([
      "9",
      "10",
      "5",
      "3",
    ]);
  });

  it("--payer keeps that payer's requests only", () => {
    const requests = [
      request("1", "2026-11-02T00:00:00Z"),
      request("2", "2026-11-03T00:00:00Z", { user_id: "113" }),
    ];
    expect(requestsOfPeriod(requests, november, "113").map((r) => r.request.id)).to.deep.equal(["2"]);
    // --payer 0113 is user 113 (helper-77: it found none).
    expect(requestsOfPeriod(requests, november, "0113").map((r) => r.request.id)).to.deep.equal(["2"]);
  });

  // A time that is there but wrong is the server's error; a time that is not there is not (below).
  // "2026-11-01T01:00:00" with no offset: Date reads it in this machine's zone, October on a
  // UTC host and November in Buenos Aires; the month of a payment must not depend on the host.
  for (const bad of ["", "yesterday", 1_700_000_000, "2026-11-01T01:00:00", "2026-11-15"]) {
    it(`a request whose created_at is ${JSON.stringify(bad)} fails the export (it cannot be placed)`, () => {
      expect(() => requestsOfPeriod([request("7", bad)], november))
        .to.throw("request 7 has created_at")
        .with.property("kind", "bad_response");
    });
  }

  it("a journal's server time within a second of quote_requested_at gives way to the server's own time (Date headers carry whole seconds)", () => {
    const journal: JournalIndex = {
      requests: new Map([
        ["20", { batchId: "b", externalId: "bb-20", at: "2026-11-05T12:00:00.400Z" }],
        ["21", { batchId: "b", externalId: "bb-21", at: "2026-11-05T11:59:58.000Z" }],
      ]),
      outputs: new Map(),
      journals: 1,
    };
    const quoted = { quote_requested_at: "2026-11-05T12:00:00.900Z" } as Partial<ConciergeRequest>;
    const placed = requestsOfPeriod(
      [
        request("20", null, { external_id: "bb-20", ...quoted }),
        request("21", null, { external_id: "bb-21", ...quoted }),
      ],
      november,
      undefined,
      journal,
    ).map((r) => [r.request.id, r.placedBy]);
    expect(placed).to.deep.equal([
      ["21", "journal"],
      ["20", "quote_requested_at"],
    ]);
  });

  it("without created_at: placed by the earlier of quote_requested_at and its journal entry, else listed as unplaced", () => {
    const journal: JournalIndex = {
      requests: new Map([
        ["9", { batchId: "b", externalId: "bb-9", at: "2026-11-05T12:00:00Z" }],
        ["10", { batchId: "b", externalId: "bb-other", at: "2026-11-05T12:00:00Z" }],
        ["11", { batchId: "b", externalId: "bb-11", at: "2026-10-05T12:00:00Z" }],
        // Made on November 30th, quoted on December 1st: it stays in November (helper-97).
        ["13", { batchId: "b", externalId: "bb-13", at: "2026-11-30T23:55:00Z" }],
        // Journaled after its quote (found again on a later run): the quote is earlier.
        ["14", { batchId: "b", externalId: "bb-14", at: "2026-12-02T00:00:00Z" }],
      ]),
      outputs: new Map(),
      journals: 1,
    };
    const requests = [
      request("7", null, { quote_requested_at: "2026-11-02T10:00:00Z" } as Partial<ConciergeRequest>),
      request("8", null, { quote_requested_at: "2026-12-01T03:00:00Z" } as Partial<ConciergeRequest>),
      request("9", null, { external_id: "bb-9" }),
      // Its journal entry names another external_id: the id was reused, the entry is not this request's.
      request("10", null, { external_id: "bb-10" }),
      request("11", null, { external_id: "bb-11" }),
      request("12", "2026-11-20T00:00:00Z"),
      request("13", null, {
        external_id: "bb-13",
        quote_requested_at: "2026-12-01T00:10:00Z",
      } as Partial<ConciergeRequest>),
      request("14", null, {
        external_id: "bb-14",
        quote_requested_at: "2026-11-29T00:00:00Z",
      } as Partial<ConciergeRequest>),
    ];
    const placed = requestsOfPeriod(requests, november, undefined, journal).map((r) => [
      r.request.id,
      r.placedBy,
      r.createdAt?.toISOString() ?? null,
    ]);
    expect(placed).to.deep.equal([
      ["7", "quote_requested_at", "2026-11-02T10:00:00.000Z"],
      ["9", "journal", "2026-11-05T12:00:00.000Z"],
      ["12", "created_at", "2026-11-20T00:00:00.000Z"],
      ["14", "quote_requested_at", "2026-11-29T00:00:00.000Z"],
      ["13", "journal", "2026-11-30T23:55:00.000Z"],
      ["10", "unplaced", null],
    ]);
    const rows = exportRows(
      requestsOfPeriod([requests[3] as ConciergeRequest], november, undefined, journal),
      new Map([["10", [output("70", "10")]]]),
      journal,
      "UTC",
    );
    expect(rows.map((row) => [row.request_created_at, row.request_placed_by])).to.deep.equal([
      ["", "unplaced"],
    ]);
  });

  it("compareIds is numeric for digit ids", () => {
    expect(["100", "99", "9", "1000", "10"].sort(compareIds)).to.deep.equal(["9", "10", "99", "100", "1000"]);
  });

  it("currencyOf: known ports, and a port this version does not list", () => {
    expect([
      currencyOf("cl_clp"),
      currencyOf("other_eur"),
      currencyOf("br_brl"),
      currencyOf("xx"),
      currencyOf(null),
    ]).to.deep.equal(["CLP", "EUR", "BRL", "", ""]);
  });

  it("one row per output, outputs by numeric id, money padded to minor units, times in the zone", () => {
    const dated = requestsOfPeriod(
      [request("7", "2026-11-01T03:00:00Z", { cancellation_reason: null, state: "working" })],
      november,
    );
    const outputs = new Map([
      [
        "7",
        [
          output("100", "7", { amount: null, budget: "300", state: "accepting" }),
          output("99", "7", {
            port_code: "uy_uyu",
            amount: "44328",
            budget: "1500000.5",
            updated_at: "2026-11-03T12:15:00Z",
          }),
          // An update time with no offset could be any hour: shown as sent, not in the zone.
          output("101", "7", { updated_at: "2026-11-03T12:15:00" }),
          // Another request's output: a server that ignored filter[request_id] must not add it here.
          output("98", "6"),
        ],
      ],
    ]);
    const rows = exportRows(dated, outputs, emptyIndex(), BA).map(cellsOf);
    expect(rows).to.deep.equal(
      [
        "7,,,,,112,ar_ars,working,2026-11-01T00:00:00-03:00,99,300,uy_uyu,2100,44328.00,UYU,1500000.50,ARS,settled,,2026-11-03T09:15:00-03:00,created_at",
        "7,,,,,112,ar_ars,working,2026-11-01T00:00:00-03:00,100,300,cl_clp,2100,,,300.00,ARS,accepting,,2026-11-10T09:00:00-03:00,created_at",
        "7,,,,,112,ar_ars,working,2026-11-01T00:00:00-03:00,101,300,cl_clp,2100,19000,CLP,20650.50,ARS,settled,,2026-11-03T12:15:00,created_at",
      ].map((line) => line.split(",")),
    );
  });

  it("a figure with more decimals than its currency is shown as sent, never rounded", () => {
    const dated = requestsOfPeriod([request("7", "2026-11-02T00:00:00Z")], november);
    const rows = exportRows(
      dated,
      new Map([["7", [output("1", "7", { amount: "19000.5" })]]]),
      emptyIndex(),
      BA,
    );
    expect([rows[0]?.receive_amount, rows[0]?.spend_amount]).to.deep.equal(["19000.5", "20650.50"]);
  });

  describe("journal columns", () => {
    const entries = (api: string): JournalEntry[] => [
      { t: "begin", v: 1, batch_id: "b1", fingerprint: "f", api, file: "payroll.csv", rows: 2, at: "" },
      { t: "request", key: "112|ar_ars", external_id: "bb-1", request_id: "7", state: "draft", at: "" },
      { t: "intent", line: 2, request_id: "7", reference: "EMP-1", at: "" },
      {
        t: "created",
        line: 2,
        request_id: "7",
        output_id: "70",
        state: "accepting",
        via: "response",
        at: "",
      },
      // A journal written before references were journaled: the line is known, the reference not.
      { t: "intent", line: 3, request_id: "7", at: "" },
      {
        t: "created",
        line: 3,
        request_id: "7",
        output_id: "71",
        state: "accepting",
        via: "reconciled",
        at: "",
      },
    ];
    const dated = (externalId: string | null) =>
      requestsOfPeriod([request("7", "2026-11-02T00:00:00Z", { external_id: externalId })], november);
    const outputs = new Map([["7", [output("70", "7"), output("71", "7"), output("72", "7")]]]);
    const journalColumns = (index: JournalIndex, externalId: string | null) =>
      exportRows(dated(externalId), outputs, index, BA).map((row) => [row.batch_id, row.reference, row.line]);

    it("batch, reference and line for the outputs the journal made; only the batch for another output of its request", () => {
      const index = emptyIndex();
      indexJournal(index, entries(`${API}/`), API);
      expect(index.journals).to.equal(1);
      expect(journalColumns(index, "bb-1")).to.deep.equal([
        ["b1", "EMP-1", "2"],
        ["b1", "", "3"],
        ["b1", "", ""],
      ]);
    });

    it("nothing when the journal is of another API, or the request's external_id no longer matches", () => {
      const other = emptyIndex();
      indexJournal(other, entries("http://127.0.0.1:4000/api"), API);
      expect(other.journals).to.equal(0);
      expect(journalColumns(other, "bb-1")).to.deep.equal([
        ["", "", ""],
        ["", "", ""],
        ["", "", ""],
      ]);
      const index = emptyIndex();
      indexJournal(index, entries(API), API);
      expect(journalColumns(index, "bb-other")).to.deep.equal([
        ["", "", ""],
        ["", "", ""],
        ["", "", ""],
      ]);
    });
  });
});

describe("export totals", () => {
  const november = periodOf({ month: "2026-11" });

  it("per currency, side and state, exact (0.10 + 0.20 is 0.30), rows without a figure in no total", () => {
    const dated = requestsOfPeriod(
      [request("1", "2026-11-02T00:00:00Z"), request("2", "2026-11-03T00:00:00Z", { port_code: "us_usd" })],
      november,
    );
    const outputs = new Map([
      [
        "1",
        [
          output("1", "1", { port_code: "us_usd", amount: "0.1", budget: "100", state: "settled" }),
          output("2", "1", { port_code: "us_usd", amount: "0.2", budget: "200.05", state: "settled" }),
          output("3", "1", { port_code: "us_usd", amount: "5", budget: null, state: "returned" }),
          output("4", "1", { amount: "19000", budget: "not-a-number", state: "settled" }),
        ],
      ],
      [
        "2",
        [
          output("5", "2", {
            port_code: "us_usd",
            amount: null,
            budget: "12345678901234567.89",
            state: "settled",
          }),
        ],
      ],
    ]);
    expect(exportTotals(exportRows(dated, outputs, emptyIndex(), "UTC"))).to.deep.equal([
      { currency: "ARS", side: "spend", state: "settled", rows: 2, amount: "300.05" },
      { currency: "CLP", side: "receive", state: "settled", rows: 1, amount: "19000" },
      { currency: "USD", side: "receive", state: "returned", rows: 1, amount: "5.00" },
      { currency: "USD", side: "receive", state: "settled", rows: 2, amount: "0.30" },
      { currency: "USD", side: "spend", state: "settled", rows: 1, amount: "12345678901234567.89" },
    ]);
  });

  it("no rows, no totals", () => {
    expect(exportTotals([])).to.deep.equal([]);
  });

  it("a figure of no known currency is in no total, counted apart per side and state, its outputs named (10 at most)", () => {
    const dated = requestsOfPeriod(
      [
        request("7", "2026-11-02T00:00:00Z"),
        request("8", "2026-11-03T00:00:00Z", { port_code: null } as unknown as Partial<ConciergeRequest>),
      ],
      periodOf({ month: "2026-11", tz: "UTC" }),
    );
    const outputs = new Map([
      [
        "7",
        Array.from({ length: 12 }, (_, k) =>
          output(String(100 + k), "7", {
            port_code: k === 0 ? "cl_clp" : null,
          } as unknown as Partial<ConciergeOutput>),
        ),
      ],
      ["8", [output("200", "8")]],
    ]);
    const rows = exportRows(dated, outputs, emptyIndex(), "UTC");
    expect(exportTotals(rows)).to.deep.equal([
      { currency: "ARS", side: "spend", state: "settled", rows: 12, amount: "247806.00" },
      { currency: "CLP", side: "receive", state: "settled", rows: 2, amount: "38000" },
    ]);
    const unknown = unknownCurrencies(rows);
    expect(unknown.map(unknownCurrencyLine)).to.deep.equal([
      "no known currency, receive settled: 11 outputs, in no total (output 101 of request 7: 19000; output 102 of request 7: 19000; output 103 of request 7: 19000; output 104 of request 7: 19000; output 105 of request 7: 19000; output 106 of request 7: 19000; output 107 of request 7: 19000; output 108 of request 7: 19000; output 109 of request 7: 19000; output 110 of request 7: 19000, and 1 more in the report)",
      "no known currency, spend settled: 1 output, in no total (output 200 of request 8: 20650.5)",
    ]);
  });
});
