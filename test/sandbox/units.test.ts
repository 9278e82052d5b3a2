/** The emulator's pure parts, as tables: wire amounts, quotes, state machines, dice, rate limit, seeds. */
import { expect } from "chai";
import { decimal, format } from "../../src/decimal.js";
import { FaultDice, mulberry32, parseFaults } from "../../src/sandbox/faults.js";
import {
  applyAction,
  expiryReason,
  nextOutputState,
  type OutputSituation,
} from "../../src/sandbox/machine.js";
import { parseWireAmount, quoteOutput } from "../../src/sandbox/money.js";
import { RateLimiter } from "../../src/sandbox/rate-limit.js";
import { parseSeed } from "../../src/sandbox/seed.js";
import { encodeJson, JsonNumber } from "../../src/wire/json.js";
import { TEST_SEED } from "./helpers.js";

describe("sandbox units", () => {
  describe("parseWireAmount", () => {
    const table: [unknown, string][] = [
      [850000, "ok 850000"],
      [23886.75, "ok 23886.75"],
      [0.1, "ok 0.1"],
      ["1500.50", "ok 1500.50"],
      [0, "not_positive"],
      [-3, "not_positive"],
      [1e21, "malformed"],
      [1e-8, "malformed"],
      [Number.NaN, "malformed"],
      ["1,5", "malformed"],
      [" 1", "malformed"],
      [true, "malformed"],
      [null, "absent"],
      [undefined, "absent"],
    ];
    for (const [input, expected] of table) {
      it(`${JSON.stringify(input) ?? "undefined"} → ${expected}`, () => {
        const parsed = parseWireAmount(input);
        expect(parsed.kind === "ok" ? `ok ${format(parsed.value)}` : parsed.kind).to.equal(expected);
      });
    }
  });

  describe("quoteOutput (half-even, to each currency's minor units)", () => {
    const route = { rate: decimal("0.95"), feeRate: decimal("0.01") };
    const table: [string, string | null, string | null, number, number, string, string][] = [
      ["amount in CLP → budget in ARS", "100000", null, 2, 0, "100000", "106326.42"],
      ["budget in ARS → amount in CLP", null, "10000", 2, 0, "9405", "10000.00"],
      ["budget rounds the amount half-even", null, "0.10", 2, 0, "0", "0.10"],
      ["amount in UYU keeps two decimals", "10.5", null, 2, 2, "10.50", "11.16"],
    ];
    for (const [
      label,
      amount,
      budget,
      senderDecimals,
      destinationDecimals,
      wantAmount,
      wantBudget,
    ] of table) {
      it(label, () => {
        const quoted = quoteOutput({
          route,
          amount: amount === null ? null : decimal(amount),
          budget: budget === null ? null : decimal(budget),
          senderDecimals,
          destinationDecimals,
        });
        expect([format(quoted.amount), format(quoted.budget)]).to.deep.equal([wantAmount, wantBudget]);
      });
    }
  });

  describe("encodeJson (the emulator's writer)", () => {
    it("writes money from exact text, beyond what a float holds", () => {
      expect(
        encodeJson({ a: new JsonNumber("12345678901234567.89"), b: null, c: undefined, d: ["x", 1] }),
      ).to.equal('{"a":12345678901234567.89,"b":null,"d":["x",1]}');
    });

    it("leaves client strings alone, NUL characters and number-like text included", () => {
      const value = { label: "\u0000num-x:12", text: "12.50", n: new JsonNumber("0.5") };
      expect(JSON.parse(encodeJson(value))).to.deep.equal({ label: "\u0000num-x:12", text: "12.50", n: 0.5 });
    });
  });

  describe("state machines", () => {
    const at = (
      requestState: OutputSituation["requestState"],
      extra: Partial<OutputSituation> = {},
    ): OutputSituation => ({
      requestState,
      payeeRejected: false,
      outcome: "settled",
      ...extra,
    });
    const table: [string, Parameters<typeof nextOutputState>, string | null][] = [
      ["accepting waits while the request is a draft", ["accepting", at("draft")], null],
      ["accepting → accepted once a quote is requested", ["accepting", at("quote_requested")], "accepted"],
      [
        "accepting → rejected for a rejected payee",
        ["accepting", at("quote_requested", { payeeRejected: true })],
        "rejected",
      ],
      ["accepted waits until the request is funded", ["accepted", at("quote_accepted")], null],
      ["accepted → working once funded", ["accepted", at("working")], "working"],
      ["working → settling", ["working", at("working")], "settling"],
      ["settling → settled", ["settling", at("working")], "settled"],
      [
        "settling → failed for a returned outcome",
        ["settling", at("working", { outcome: "returned" })],
        "failed",
      ],
      ["failed → returned", ["failed", at("working", { outcome: "returned" })], "returned"],
      ["settled is final", ["settled", at("working")], null],
      ["cancelled is final", ["cancelled", at("cancelled")], null],
    ];
    for (const [label, args, expected] of table) {
      it(`output: ${label}`, () => expect(nextOutputState(...args)).to.equal(expected));
    }

    it("request actions follow docs/design.md section 9", () => {
      expect(applyAction("draft", "request_quote")).to.equal("quote_requested");
      expect(applyAction("quoted", "accept_quote")).to.equal("quote_accepted");
      expect(applyAction("quote_requested", "cancel")).to.equal("cancelled");
      expect(applyAction("quote_accepted", "cancel")).to.equal(null);
      expect(applyAction("draft", "accept_quote")).to.equal(null);
    });

    it("deadlines: draft, quoted and quote_accepted expire with their reasons; others do not", () => {
      expect(expiryReason("draft")).to.equal("draft_was_pruned");
      expect(expiryReason("quoted")).to.equal("quote_not_accepted");
      expect(expiryReason("quote_accepted")).to.equal("payment_not_received");
      expect(expiryReason("quote_requested")).to.equal(null);
      expect(expiryReason("working")).to.equal(null);
    });
  });

  describe("fault dice", () => {
    const fates = (dice: FaultDice, n: number) => Array.from({ length: n }, () => dice.roll());

    it("mulberry32 is repeatable and in [0, 1)", () => {
      const a = mulberry32(7);
      const b = mulberry32(7);
      const draws = Array.from({ length: 100 }, () => a());
      expect(draws).to.deep.equal(Array.from({ length: 100 }, () => b()));
      expect(draws.every((x) => x >= 0 && x < 1)).to.equal(true);
    });

    it("the same seed gives the same failures, drops and jitter; another seed does not", () => {
      const settings = { fail_rate: 0.3, drop_rate: 0.3, latency_ms: 10, jitter_ms: 40 };
      const first = fates(new FaultDice({ ...settings, fault_seed: 1 }), 50);
      expect(fates(new FaultDice({ ...settings, fault_seed: 1 }), 50)).to.deep.equal(first);
      expect(fates(new FaultDice({ ...settings, fault_seed: 2 }), 50)).to.not.deep.equal(first);
      expect(first.every((f) => f.delayMs >= 10 && f.delayMs <= 50 && Number.isInteger(f.delayMs))).to.equal(
        true,
      );
      expect(new Set(first.map((f) => f.delayMs)).size).to.be.greaterThan(10);
    });

    it("changing rates mid-run does not shift the sequence (three draws per call, always)", () => {
      const steady = new FaultDice({ jitter_ms: 100, fault_seed: 5 });
      const changed = new FaultDice({ jitter_ms: 100, fault_seed: 5 });
      fates(steady, 3);
      fates(changed, 1);
      changed.setFaults({ fail_rate: 1 });
      fates(changed, 1);
      changed.setFaults({ fail_rate: 0 });
      fates(changed, 1);
      expect(fates(changed, 5)).to.deep.equal(fates(steady, 5));
    });

    it("fail_rate and drop_rate 1 always hit, 0 never", () => {
      expect(
        fates(new FaultDice({ fail_rate: 1, drop_rate: 1 }), 20).every((f) => f.fail && f.drop),
      ).to.equal(true);
      expect(fates(new FaultDice({}), 20).some((f) => f.fail || f.drop)).to.equal(false);
    });

    it("parseFaults names the bad field", () => {
      expect(parseFaults({ latency_ms: 50, fault_seed: null })).to.deep.equal({
        latency_ms: 50,
        fault_seed: null,
      });
      expect(() => parseFaults({ drop_rate: -0.1 })).to.throw(
        RangeError,
        "faults: drop_rate: expected a fraction",
      );
      expect(() => parseFaults({ jitter: 1 })).to.throw(RangeError, 'faults: unknown field "jitter"');
    });
  });

  describe("RateLimiter (rolling second)", () => {
    it("admits `limit` calls per 1000 ms per key, and says when to retry", () => {
      const limiter = new RateLimiter();
      const admitted = (key: string, at: number, limit = 2) => limiter.admit(key, at, limit).admitted;
      expect([admitted("k", 0), admitted("k", 100), admitted("k", 200)]).to.deep.equal([true, true, false]);
      expect(limiter.admit("k", 300, 2)).to.deep.equal({ admitted: false, retryAfterSeconds: 1 });
      expect(admitted("other", 300)).to.equal(true);
      expect(admitted("k", 999)).to.equal(false);
      expect(admitted("k", 1000)).to.equal(true); // the call at 0 left the window
      expect(admitted("k", 1050)).to.equal(false);
      expect(admitted("k", 1100)).to.equal(true);
      expect(admitted("k", 1100, 0)).to.equal(true); // 0 = no limit
    });
  });

  describe("parseSeed", () => {
    it("accepts the documented format and turns numeric ids into digit strings", () => {
      const seed = parseSeed({
        ...TEST_SEED,
        users: [{ id: 112, email: "a@example.com" }],
        withdrawal_instructions: [],
      });
      expect(seed.users).to.deep.equal([{ id: "112", email: "a@example.com", compliance_state: "enabled" }]);
    });

    const bad: [string, (s: Record<string, unknown>) => void, string][] = [
      ["no api_key", (s) => delete s.api_key, "api_key: expected a non-empty string"],
      ["no users", (s) => (s.users = []), "users: expected at least one user"],
      [
        "a duplicate user id",
        (s) => (s.users = [...TEST_SEED.users, TEST_SEED.users[0]]),
        "users[5].id: expected an id not used",
      ],
      [
        "an instruction of an unknown user",
        (s) => (s.withdrawal_instructions = [{ ...TEST_SEED.withdrawal_instructions[0], user_id: "9" }]),
        "withdrawal_instructions[0].user_id: expected the id of a user in the seed",
      ],
      [
        "an unknown port",
        (s) => (s.rates = [{ from: "ar_ars", to: "xx", rate: "1" }]),
        "rates[0].to: expected a port code",
      ],
      [
        "a float rate",
        (s) => (s.rates = [{ from: "ar_ars", to: "cl_clp", rate: 0.95 }]),
        "rates[0].rate: expected a positive",
      ],
      [
        "a fee of 100%",
        (s) => (s.rates = [{ from: "ar_ars", to: "cl_clp", rate: "1", fee_rate: "1" }]),
        "rates[0].fee_rate: expected a decimal string in [0, 1)",
      ],
      [
        "an unknown owner",
        (s) => (s.owner_user_id = "1"),
        "owner_user_id: expected the id of a user in the seed",
      ],
    ];
    for (const [label, spoil, message] of bad) {
      it(`refuses ${label} with an input error naming the field`, () => {
        const seed = structuredClone(TEST_SEED) as unknown as Record<string, unknown>;
        spoil(seed);
        expect(() => parseSeed(seed, "test seed"))
          .to.throw(`test seed: ${message}`)
          .with.property("code", "input");
      });
    }
  });
});
