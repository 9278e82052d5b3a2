import { expect } from "chai";
import { checkGuard, parseMaxTotals } from "../../src/follow/guard.js";
import { deadlineWords } from "../../src/time.js";
import { request } from "../helpers/follow-fakes.js";

const NOW = new Date("2026-11-29T10:00:00Z");
const quoted = (id: string, port: string, total: string, before = "2026-11-29T10:10:00Z") =>
  request({ id, port_code: port, state: "quoted", total_to_spend: total, accept_quote_before: before });

describe("follow/guard: accept only within --max-total per sender currency and the deadline", () => {
  const batch = [
    quoted("1", "ar_ars", "1000000.5"),
    quoted("2", "ar_ars", "250000"),
    quoted("3", "us_usd", "99.99"),
  ];

  it("sums total_to_spend per sender currency, exactly, and passes within the limits", () => {
    const result = checkGuard(batch, parseMaxTotals(["ARS=1250000.50", "usd=99.99"]), NOW);
    expect(result.problems).to.deep.equal([]);
    expect(result.spend).to.deep.equal([
      { currency: "ARS", requests: 2, total: "1250000.50", max: "1250000.50" },
      { currency: "USD", requests: 1, total: "99.99", max: "99.99" },
    ]);
  });

  it("refuses a currency above its limit by one cent, with expected against found", () => {
    const result = checkGuard(batch, parseMaxTotals(["ARS=1250000.49", "USD=100"]), NOW);
    expect(result.problems).to.deep.equal([
      "ARS: the quotes spend 1\u202f250\u202f000.50, above --max-total ARS=1250000.49",
    ]);
  });

  it("refuses a currency without a --max-total: no limit is never implied", () => {
    const result = checkGuard(batch, parseMaxTotals(["ARS=2000000"]), NOW);
    expect(result.problems).to.deep.equal([
      "USD: the quotes spend 99.99 USD and no --max-total USD=… was given",
    ]);
  });

  it("a currency whose quotes spend nothing (every payee rejected since) needs no --max-total, which refuses zero (helper-109)", () => {
    const result = checkGuard(
      [...batch, quoted("4", "uy_uyu", "0.00")],
      parseMaxTotals(["ARS=2000000", "USD=100"]),
      NOW,
    );
    expect(result.problems).to.deep.equal([]);
    expect(result.spend.find((s) => s.currency === "UYU")).to.deep.equal({
      currency: "UYU",
      requests: 1,
      total: "0.00",
      max: null,
    });
    expect(() => parseMaxTotals(["UYU=0.00"])).to.throw('"0.00" is zero');
  });

  it("refuses an expired quote, a request not quoted yet and a cancelled one", () => {
    const result = checkGuard(
      [
        quoted("1", "ar_ars", "10", "2026-11-29T09:59:59Z"),
        request({ id: "2", state: "quote_requested" }),
        request({
          id: "3",
          state: "cancelled",
          cancellation_reason: "quote_not_accepted",
          accept_quote_before: "2026-11-29T09:50:00Z",
        }),
      ],
      parseMaxTotals(["ARS=100"]),
      NOW,
    );
    expect(result.problems).to.deep.equal([
      "request 1: its quote expired at 2026-11-29T09:59:59Z",
      "request 2 is quote_requested, not quoted",
      "request 3 is cancelled (quote_not_accepted), not quoted: its quote had to be accepted before 2026-11-29T09:50:00Z",
    ]);
  });

  it("says a deadline in the operator's zone with its countdown, as every other printed time", () => {
    const tell = (iso: string) => deadlineWords(iso, NOW, "America/Argentina/Buenos_Aires");
    const result = checkGuard(
      [
        quoted("1", "ar_ars", "10", "2026-11-29T09:59:00.000Z"),
        request({
          id: "3",
          state: "cancelled",
          cancellation_reason: "quote_not_accepted",
          accept_quote_before: "2026-11-29T09:50:00Z",
        }),
      ],
      parseMaxTotals(["ARS=100"]),
      NOW,
      tell,
    );
    expect(result.problems).to.deep.equal([
      "request 1: its quote expired at 2026-11-29 06:59:00 -03:00 (1 min ago)",
      "request 3 is cancelled (quote_not_accepted), not quoted: its quote had to be accepted before 2026-11-29 06:50:00 -03:00 (10 min ago)",
    ]);
  });

  it("a cancelled request's quote spends nothing: its total is not in the spend the guard prints", () => {
    const cancelled = request({
      id: "2",
      port_code: "ar_ars",
      state: "cancelled",
      cancellation_reason: "quote_not_accepted",
      total_to_spend: "900",
    });
    const result = checkGuard([quoted("1", "ar_ars", "10"), cancelled], parseMaxTotals(["ARS=100"]), NOW);
    expect(result.spend).to.deep.equal([{ currency: "ARS", requests: 1, total: "10.00", max: "100.00" }]);
    expect(result.problems).to.deep.equal(["request 2 is cancelled (quote_not_accepted), not quoted"]);
  });

  it("counts requests an earlier run accepted without checking them again", () => {
    const accepted = request({ id: "4", port_code: "ar_ars", state: "quote_accepted", total_to_spend: "5" });
    const result = checkGuard([quoted("1", "ar_ars", "10"), accepted], parseMaxTotals(["ARS=14.99"]), NOW);
    expect(result.problems).to.deep.equal(["ARS: the quotes spend 15.00, above --max-total ARS=14.99"]);
  });

  it("refuses a negative total_to_spend: no quote's figure may lower what another spends against the limit", () => {
    // 900 + (-500) is within 500, but request 1 alone spends 900.
    const result = checkGuard(
      [quoted("1", "ar_ars", "900.00"), quoted("2", "ar_ars", "-500")],
      parseMaxTotals(["ARS=500"]),
      NOW,
    );
    expect(result.problems).to.deep.equal([
      "request 2 is quoted with a negative total_to_spend (-500): not a spend",
    ]);
  });

  it("refuses a total_to_spend that is not a decimal amount (an exponent, grouped digits), naming it, and sums the others", () => {
    const result = checkGuard(
      [quoted("1", "ar_ars", "400.00"), quoted("2", "ar_ars", "1.5e3"), quoted("3", "ar_ars", "1,500.00")],
      parseMaxTotals(["ARS=500"]),
      NOW,
    );
    expect(result.problems).to.deep.equal([
      'request 2 is quoted with a total_to_spend that is not a decimal amount ("1.5e3"): it cannot be compared with --max-total',
      'request 3 is quoted with a total_to_spend that is not a decimal amount ("1,500.00"): it cannot be compared with --max-total',
    ]);
    expect(result.spend).to.deep.equal([{ currency: "ARS", requests: 1, total: "400.00", max: "500.00" }]);
  });

  it("refuses a quote whose deadline is not a time with a zone: whether it is still open cannot be told", () => {
    // Read by Date, 09:05 without an offset lapsed at 09:05 UTC on a UTC machine but is open
    // till 12:05 UTC on one in Buenos Aires: the machine's zone must not decide an accept.
    const result = checkGuard(
      [
        quoted("1", "ar_ars", "10", "2026-11-29T09:05:00"),
        quoted("2", "ar_ars", "10", "next tuesday"),
        quoted("3", "ar_ars", "10", "2026-11-29T07:20:00.000-03:00"),
      ],
      parseMaxTotals(["ARS=100"]),
      NOW,
    );
    expect(result.problems).to.deep.equal([
      'request 1: its quote\'s deadline (accept_quote_before "2026-11-29T09:05:00") is not a time with a zone, so whether it is still open cannot be told',
      'request 2: its quote\'s deadline (accept_quote_before "next tuesday") is not a time with a zone, so whether it is still open cannot be told',
    ]);
  });

  it("--max-total is CUR=AMOUNT, once per currency", () => {
    expect(() => parseMaxTotals(["ARS"])).to.throw('--max-total "ARS" is not CUR=AMOUNT');
    expect(() => parseMaxTotals(["ARS=1", "ars=2"])).to.throw("--max-total ARS is given twice");
    expect(() => parseMaxTotals(["ARS=-1"])).to.throw("is not CUR=AMOUNT");
  });

  it("a refused --max-total says why (helper-98: it printed only 'is not CUR=AMOUNT')", () => {
    const why = (text: string) => {
      try {
        parseMaxTotals([text]);
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(why("ARS")).to.equal(
      '--max-total "ARS" is not CUR=AMOUNT (a 3-letter currency code, =, then the amount)',
    );
    expect(why("USD=1,000")).to.equal(
      '--max-total "USD=1,000" is not CUR=AMOUNT ("1,000" could be 1000 or 1)',
    );
    expect(why("ARS=0")).to.equal('--max-total "ARS=0" is not CUR=AMOUNT ("0" is zero)');
    expect(why("ARS=1e6")).to.equal(
      '--max-total "ARS=1e6" is not CUR=AMOUNT ("1e6" is in scientific notation)',
    );
    expect(why("ARS=99999999999999")).to.equal(
      '--max-total "ARS=99999999999999" is not CUR=AMOUNT ("99999999999999" has more than 13 digits before the decimals)',
    );
  });
});
