/**
 * The request and output state machines, driven by advance: the full journey of a request with
 * three outputs (settled, returned, rejected payee), every cancellation reason, and funding.
 */
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { Api, type Json, startTestSandbox, TEST_SEED } from "./helpers.js";

const COUNTERS = [
  "outputs_accepting",
  "outputs_accepted",
  "outputs_rejected",
  "outputs_working",
  "outputs_settling",
  "outputs_settled",
  "outputs_failed",
  "outputs_returned",
  "outputs_cancelled",
] as const;

/** What a test checks after each step: the request's state, its counters, each output's state. */
interface Picture {
  state: string;
  reason: string | null;
  /** In COUNTERS order. */
  counters: number[];
  outputs: string[];
}

describe("sandbox state machines", () => {
  let sandbox: Sandbox;
  let api: Api;

  beforeEach(async () => {
    sandbox = await startTestSandbox();
    api = new Api(sandbox);
  });
  afterEach(() => sandbox.close());

  /** Reads the request and its outputs over HTTP and checks the counters against the outputs. */
  async function picture(requestId: string): Promise<Picture> {
    const request = (await api.get(`/concierge_requests/${requestId}`)).body.data.attributes;
    const outputs = (await api.get(`/concierge_request_outputs?filter[request_id]=${requestId}`)).body.data;
    const states: string[] = outputs.map((o: Json) => o.attributes.state);
    for (const counter of COUNTERS) {
      const counted = states.filter((s) => `outputs_${s}` === counter).length;
      expect(request[counter], `${counter} matches the outputs`).to.equal(counted);
    }
    expect(request.outputs_count).to.equal(states.length);
    return {
      state: request.state,
      reason: request.cancellation_reason,
      counters: COUNTERS.map((c) => request[c]),
      outputs: states,
    };
  }

  async function advance(body: Record<string, unknown> = {}) {
    const response = await api.control("POST", "advance", body);
    expect(response.status).to.equal(200);
    return response.body;
  }

  /** Request 1 paid by `payer`: Ana by budget 10000 ARS, the rejected payee 5000 CLP, Bruno 20000 CLP. */
  async function threeOutputs(payer = "112"): Promise<string> {
    const id = await api.createRequest({ port_code: "ar_ars", external_id: "journey" }, payer);
    await api.createOutput({ request: id, user: "345", instruction: "2121", budget: 10000 });
    await api.createOutput({ request: id, user: "346", instruction: "2122", amount: 5000 });
    await api.createOutput({ request: id, user: "347", instruction: "2123", amount: 20000 });
    return id;
  }

  it("takes three outputs from draft to finished: one settled, one returned, one rejected", async () => {
    const id = await threeOutputs();
    const draft: Picture = {
      state: "draft",
      reason: null,
      counters: [3, 0, 0, 0, 0, 0, 0, 0, 0],
      outputs: ["accepting", "accepting", "accepting"],
    };
    expect(await picture(id)).to.deep.equal(draft);

    // The tool under development only creates drafts: advance leaves them alone.
    expect(await advance()).to.deep.equal({ steps: 1, changes: 0 });
    expect(await advance({ until: "final" })).to.deep.equal({ steps: 1, changes: 0 });
    expect(await picture(id)).to.deep.equal(draft);

    expect((await api.post(`/concierge_requests/${id}/request_quote`)).status).to.equal(200);
    expect(await picture(id)).to.deep.equal({ ...draft, state: "quote_requested" });

    // Quote and compliance in one step.
    expect(await advance()).to.deep.equal({ steps: 1, changes: 4 });
    expect(await picture(id)).to.deep.equal({
      state: "quoted",
      reason: null,
      counters: [0, 2, 1, 0, 0, 0, 0, 0, 0],
      outputs: ["accepted", "rejected", "accepted"],
    });
    const quoted = (await api.get(`/concierge_requests/${id}`)).body.data.attributes;
    // budget = amount ÷ (0.95 × 0.99), amount = budget × 0.99 × 0.95; the rejected payee is not paid.
    expect(quoted.total_to_spend).to.equal(31265.28);
    // Deadlines count from the request for a quote (docs/design.md section 12); Chile is quoted at once:
    // eta = then, accept_quote_before = eta + 10 min, provision_funds_before = that + 12 h.
    const since = (iso: string) => Date.parse(iso) - Date.parse(quoted.quote_requested_at);
    expect([
      since(quoted.eta),
      since(quoted.accept_quote_before),
      since(quoted.provision_funds_before),
    ]).to.deep.equal([0, 600_000, 43_800_000]);
    const outputs = (await api.get(`/concierge_request_outputs?filter[request_id]=${id}`)).body.data;
    expect(outputs.map((o: Json) => [o.attributes.amount, o.attributes.budget])).to.deep.equal([
      [9405, 10000],
      [5000, 5316.32],
      [20000, 21265.28],
    ]);

    // Quotes wait for the client.
    expect(await advance({ until: "final" })).to.deep.equal({ steps: 1, changes: 0 });
    expect((await api.post(`/concierge_requests/${id}/accept_quote`)).status).to.equal(200);
    expect((await picture(id)).state).to.equal("quote_accepted");

    expect(await advance()).to.deep.equal({ steps: 1, changes: 1 });
    expect(await picture(id)).to.deep.equal({
      state: "working",
      reason: null,
      counters: [0, 2, 1, 0, 0, 0, 0, 0, 0],
      outputs: ["accepted", "rejected", "accepted"],
    });
    expect(sandbox.state().balances).to.deep.equal([
      { user_id: "112", currency: "ars", amount: 49968734.72 },
    ]);

    const payout: [number, number[], string[]][] = [
      [2, [0, 0, 1, 2, 0, 0, 0, 0, 0], ["working", "rejected", "working"]],
      [2, [0, 0, 1, 0, 2, 0, 0, 0, 0], ["settling", "rejected", "settling"]],
      [2, [0, 0, 1, 0, 0, 1, 1, 0, 0], ["settled", "rejected", "failed"]],
    ];
    for (const [changes, counters, states] of payout) {
      expect(await advance()).to.deep.equal({ steps: 1, changes });
      expect(await picture(id)).to.deep.equal({ state: "working", reason: null, counters, outputs: states });
    }
    expect(await advance()).to.deep.equal({ steps: 1, changes: 2 });
    const finished: Picture = {
      state: "finished",
      reason: null,
      counters: [0, 0, 1, 0, 0, 1, 0, 1, 0],
      outputs: ["settled", "rejected", "returned"],
    };
    expect(await picture(id)).to.deep.equal(finished);
    expect(await advance({ until: "final" })).to.deep.equal({ steps: 1, changes: 0 });
    expect(await picture(id)).to.deep.equal(finished);
  });

  it('{"until":"final"} runs an accepted quote to the end in one call', async () => {
    const id = await threeOutputs();
    await api.post(`/concierge_requests/${id}/request_quote`);
    sandbox.advance();
    await api.post(`/concierge_requests/${id}/accept_quote`);
    expect(sandbox.advance({ until: "final" })).to.deep.equal({ steps: 6, changes: 9 });
    expect((await picture(id)).state).to.equal("finished");
  });

  it("a request whose every payee is rejected spends nothing and finishes", async () => {
    const id = await api.createRequest();
    await api.createOutput({ request: id, user: "346", instruction: "2122", amount: 5000 });
    await api.post(`/concierge_requests/${id}/request_quote`);
    sandbox.advance();
    expect((await api.get(`/concierge_requests/${id}`)).body.data.attributes.total_to_spend).to.equal(0);
    await api.post(`/concierge_requests/${id}/accept_quote`);
    sandbox.advance({ until: "final" });
    expect(await picture(id)).to.deep.equal({
      state: "finished",
      reason: null,
      counters: [0, 0, 1, 0, 0, 0, 0, 0, 0],
      outputs: ["rejected"],
    });
  });

  describe("cancellation", () => {
    it("draft_was_pruned: a draft past its deadline is cancelled with its outputs", async () => {
      const id = await threeOutputs();
      expect(await advance({ expire: true })).to.deep.equal({ steps: 1, changes: 1 });
      expect(await picture(id)).to.deep.equal({
        state: "cancelled",
        reason: "draft_was_pruned",
        counters: [0, 0, 0, 0, 0, 0, 0, 0, 3],
        outputs: ["cancelled", "cancelled", "cancelled"],
      });
    });

    it("quote_not_accepted: a quote left unaccepted lapses; the rejected output stays rejected", async () => {
      const id = await threeOutputs();
      await api.post(`/concierge_requests/${id}/request_quote`);
      sandbox.advance();
      sandbox.advance({ expire: true });
      expect(await picture(id)).to.deep.equal({
        state: "cancelled",
        reason: "quote_not_accepted",
        counters: [0, 0, 1, 0, 0, 0, 0, 0, 2],
        outputs: ["cancelled", "rejected", "cancelled"],
      });
    });

    it("payment_not_received: an accepted quote the payer cannot fund waits, then lapses", async () => {
      const id = await threeOutputs("113");
      await api.post(`/concierge_requests/${id}/request_quote`);
      sandbox.advance();
      await api.post(`/concierge_requests/${id}/accept_quote`);
      expect(sandbox.advance({ until: "final" })).to.deep.equal({ steps: 1, changes: 0 });
      expect((await picture(id)).state).to.equal("quote_accepted");
      sandbox.advance({ expire: true });
      expect(await picture(id)).to.deep.equal({
        state: "cancelled",
        reason: "payment_not_received",
        counters: [0, 0, 1, 0, 0, 0, 0, 0, 2],
        outputs: ["cancelled", "rejected", "cancelled"],
      });
    });

    it("expire does not cancel what is funded, working or finished", async () => {
      const id = await threeOutputs();
      await api.post(`/concierge_requests/${id}/request_quote`);
      sandbox.advance({ expire: true }); // quote_requested has no deadline: it gets quoted
      expect((await picture(id)).state).to.equal("quoted");
      await api.post(`/concierge_requests/${id}/accept_quote`);
      sandbox.advance({ expire: true }); // funded before the deadline
      expect((await picture(id)).state).to.equal("working");
      sandbox.advance({ expire: true, until: "final" });
      expect((await picture(id)).state).to.equal("finished");
    });

    for (const [from, before] of [
      ["draft", []],
      ["quote_requested", ["request_quote"]],
      ["quoted", ["request_quote", "advance"]],
    ] as const) {
      it(`the client can cancel from ${from}: reason null, outputs cancelled`, async () => {
        const id = await threeOutputs();
        for (const step of before) {
          if (step === "advance") sandbox.advance();
          else await api.post(`/concierge_requests/${id}/${step}`);
        }
        expect((await picture(id)).state).to.equal(from);
        const response = await api.post(`/concierge_requests/${id}/cancel`);
        expect(response.status).to.equal(200);
        expect(response.body.data.attributes.state).to.equal("cancelled");
        const after = await picture(id);
        expect(after.reason).to.equal(null);
        expect(after.outputs.filter((s) => s !== "rejected").every((s) => s === "cancelled")).to.equal(true);
      });
    }

    it("the client cannot cancel once the quote is accepted (422)", async () => {
      const id = await threeOutputs("113");
      await api.post(`/concierge_requests/${id}/request_quote`);
      sandbox.advance();
      await api.post(`/concierge_requests/${id}/accept_quote`);
      const response = await api.post(`/concierge_requests/${id}/cancel`);
      expect(response.status).to.equal(422);
      expect(response.body.errors[0].code).to.equal("invalid_state_transition");
    });
  });

  it("funding debits the payer's balance and waits while it does not cover the total", async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({
      seed: { ...TEST_SEED, balances: [{ user_id: "112", currency: "ars", amount: "40000.00" }] },
    });
    api = new Api(sandbox);
    const first = await threeOutputs();
    const second = await threeOutputs();
    for (const id of [first, second]) await api.post(`/concierge_requests/${id}/request_quote`);
    sandbox.advance();
    for (const id of [first, second]) await api.post(`/concierge_requests/${id}/accept_quote`);
    sandbox.advance();
    expect((await picture(first)).state).to.equal("working");
    expect((await picture(second)).state).to.equal("quote_accepted");
    expect(sandbox.state().balances).to.deep.equal([{ user_id: "112", currency: "ars", amount: 8734.72 }]);
  });

  it("rejects a bad advance body with 400", async () => {
    for (const body of [{ until: "forever" }, { expire: "yes" }, { steps: 3 }]) {
      const response = await api.control("POST", "advance", body);
      expect(response.status).to.equal(400);
      expect(response.body.error).to.be.a("string");
    }
  });
});
