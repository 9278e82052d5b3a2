/** Past requests in the seed (docs/design.md section 13): parsed and checked, then served like created ones. */
import { expect } from "chai";
import type { Sandbox, Seed } from "../../src/sandbox/index.js";
import { parseSeed } from "../../src/sandbox/seed.js";
import { Api, assertJsonApiDocument, startTestSandbox, TEST_SEED } from "./helpers.js";

/** docs/design.md section 13's example, on TEST_SEED's payee 345 and instruction 2121. */
const PAST = {
  id: "70",
  user_id: "112",
  port_code: "ar_ars",
  created_at: "2026-10-15T13:00:00Z",
  state: "finished",
  external_id: null,
  total_to_spend: "20650.00",
  outputs: [
    {
      id: "700",
      user_id: "345",
      port_code: "cl_clp",
      amount: "19000",
      budget: "20650.00",
      withdrawal_instruction_id: "2121",
      state: "settled",
    },
  ],
};

function withPast(...requests: unknown[]): Seed {
  return { ...structuredClone(TEST_SEED), requests } as unknown as Seed;
}

describe("sandbox seed: past requests", () => {
  it("parses the documented example, times normalised to UTC, defaults filled", () => {
    const late = { ...PAST, id: "71", created_at: "2026-10-15T10:00:00-03:00", outputs: [] };
    expect(parseSeed(withPast(PAST, late)).requests).to.deep.equal([
      {
        id: "70",
        user_id: "112",
        port_code: "ar_ars",
        created_at: "2026-10-15T13:00:00.000Z",
        updated_at: "2026-10-15T13:00:00.000Z",
        state: "finished",
        external_id: null,
        cancellation_reason: null,
        total_to_spend: "20650.00",
        outputs: [
          {
            id: "700",
            user_id: "345",
            port_code: "cl_clp",
            amount: "19000",
            budget: "20650.00",
            withdrawal_instruction_id: "2121",
            state: "settled",
            created_at: "2026-10-15T13:00:00.000Z",
            updated_at: "2026-10-15T13:00:00.000Z",
          },
        ],
      },
      {
        id: "71",
        user_id: "112",
        port_code: "ar_ars",
        created_at: "2026-10-15T13:00:00.000Z",
        updated_at: "2026-10-15T13:00:00.000Z",
        state: "finished",
        external_id: null,
        cancellation_reason: null,
        total_to_spend: "20650.00",
        outputs: [],
      },
    ]);
    expect(parseSeed(TEST_SEED)).to.not.have.property("requests");
  });

  const output = (change: Record<string, unknown>) => ({
    ...PAST,
    outputs: [{ ...PAST.outputs[0], ...change }],
  });
  const bad: [string, unknown[], string][] = [
    [
      "a time without an offset",
      [{ ...PAST, created_at: "2026-10-15T13:00:00" }],
      "requests[0].created_at: expected an ISO 8601 time with Z or an offset",
    ],
    [
      "a date that does not exist",
      [{ ...PAST, created_at: "2026-02-30T13:00:00Z" }],
      "requests[0].created_at: expected an ISO 8601 time",
    ],
    [
      "an unknown state",
      [{ ...PAST, state: "paid" }],
      "requests[0].state: expected one of draft, quote_requested",
    ],
    [
      "an unknown payer",
      [{ ...PAST, user_id: "999" }],
      "requests[0].user_id: expected the id of a user in the seed",
    ],
    [
      "a reason on a finished request",
      [{ ...PAST, cancellation_reason: "quote_not_accepted" }],
      "requests[0].cancellation_reason: expected null unless the request is cancelled",
    ],
    [
      "a request id used twice",
      [PAST, { ...PAST, outputs: [] }],
      'requests[1].id: expected an id not used before, got "70"',
    ],
    [
      "an output id used twice",
      [PAST, { ...PAST, id: "71" }],
      'requests[1].outputs[0].id: expected an id not used before, got "700"',
    ],
    [
      "a float amount",
      [output({ amount: 19000.5 })],
      "requests[0].outputs[0].amount: expected a positive decimal string with at most 0 decimals",
    ],
    [
      "too many decimals for CLP",
      [output({ amount: "19000.5" })],
      "requests[0].outputs[0].amount: expected a positive decimal string with at most 0 decimals",
    ],
    [
      "no amount nor budget",
      [output({ amount: null, budget: null })],
      "requests[0].outputs[0].amount: expected an amount or a budget",
    ],
    [
      "another payee's instruction",
      [output({ user_id: "347" })],
      "requests[0].outputs[0].withdrawal_instruction_id: expected an instruction of user 347 on cl_clp",
    ],
    [
      "an instruction on another port",
      [output({ port_code: "uy_uyu" })],
      "requests[0].outputs[0].withdrawal_instruction_id: expected an instruction of user 345 on uy_uyu",
    ],
    [
      "a live output in a finished request",
      [output({ state: "working" })],
      "requests[0].outputs[0].state: expected a final state (the request is finished)",
    ],
    [
      "a settled output in a draft",
      [{ ...PAST, state: "draft" }],
      'requests[0].outputs[0].state: expected "accepting" (the request is a draft)',
    ],
    ["outputs that are not a list", [{ ...PAST, outputs: {} }], "requests[0].outputs: expected an array"],
    ["an id past 2^53", [{ ...PAST, id: "90071992547409930" }], "requests[0].id: expected an id below 2^53"],
  ];
  for (const [label, requests, message] of bad) {
    it(`refuses ${label}, naming the field`, () => {
      expect(() => parseSeed(withPast(...requests), "test seed"))
        .to.throw(`test seed: ${message}`)
        .with.property("code", "input");
    });
  }

  describe("served", () => {
    let sandbox: Sandbox;
    let api: Api;
    const cancelled = {
      id: "9",
      user_id: "112",
      port_code: "ar_ars",
      created_at: "2026-11-01T02:30:00Z",
      updated_at: "2026-11-02T00:00:00Z",
      state: "cancelled",
      cancellation_reason: "quote_not_accepted",
      external_id: "bb-past",
      outputs: [
        {
          id: "701",
          user_id: "346",
          port_code: "cl_clp",
          amount: "5",
          withdrawal_instruction_id: "2122",
          state: "rejected",
        },
        {
          id: "99",
          user_id: "345",
          port_code: "uy_uyu",
          budget: "10.5",
          withdrawal_instruction_id: "2124",
          state: "cancelled",
        },
      ],
    };
    beforeEach(async () => {
      sandbox = await startTestSandbox({ seed: withPast(PAST, cancelled) });
      api = new Api(sandbox);
    });
    afterEach(async () => {
      await sandbox.close();
    });

    it("in lists (id order), GETs, filters and /_sandbox/state, as seeded", async () => {
      const list = await api.get("/concierge_requests");
      assertJsonApiDocument(list.body);
      expect(list.body.data.map((r: { id: string }) => r.id)).to.deep.equal(["9", "70"]);
      const one = (await api.get("/concierge_requests/9")).body.data;
      expect(one.attributes).to.deep.include({
        state: "cancelled",
        cancellation_reason: "quote_not_accepted",
        external_id: "bb-past",
        created_at: "2026-11-01T02:30:00.000Z",
        updated_at: "2026-11-02T00:00:00.000Z",
        outputs_count: 2,
        outputs_rejected: 1,
        outputs_cancelled: 1,
        total_to_spend: null,
      });
      expect(one.relationships.user.data.id).to.equal("112");
      const found = await api.get("/concierge_requests?filter[external_id]=bb-past");
      expect(found.body.data.map((r: { id: string }) => r.id)).to.deep.equal(["9"]);

      const outputs = await api.get("/concierge_request_outputs?filter[request_id]=9");
      expect(outputs.body.data.map((o: { id: string }) => o.id)).to.deep.equal(["99", "701"]);
      const output = (await api.get("/concierge_request_outputs/700")).body.data;
      expect(output.attributes).to.deep.include({
        state: "settled",
        amount: 19000,
        budget: 20650,
        port_code: "cl_clp",
      });
      expect(output.relationships.withdrawal_instruction.data.id).to.equal("2121");
      // total_to_spend travels as an exact JSON number, like a quoted request's.
      expect((await api.get("/concierge_requests/70")).text).to.include('"total_to_spend":20650');

      const state = sandbox.state();
      expect(state.requests.map((r) => r.id)).to.deep.equal(["9", "70"]);
      expect(state.outputs.map((o) => o.id)).to.deep.equal(["99", "700", "701"]);
    });

    it("new requests and outputs are numbered above the highest seeded id", async () => {
      const request = await api.createRequest();
      expect(request).to.equal("71");
      const output = await api.createOutput({ request, amount: 1000 });
      expect(output).to.equal("702");
      expect(sandbox.state().outputs.map((o) => o.id)).to.deep.equal(["99", "700", "701", "702"]);
    });
  });
});
