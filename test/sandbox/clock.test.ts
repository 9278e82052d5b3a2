/**
 * The emulator's clock (docs/design.md section 12): quotes at eta, the acceptance window, checks,
 * funding and payout steps happening by themselves, each stamped with the emulated time it was
 * due; deadlines with their cancellation reasons; the 422 on a late accept; per-request counters.
 *
 * Most tests stop the clock at a fixed instant (time stands still; what is due at that instant
 * still happens) and move it with {"minutes": N}, so every time is exact; one runs it fast, where
 * the stamps are exact all the same.
 */
import { expect } from "chai";
import type { Sandbox, Seed } from "../../src/sandbox/index.js";
import { Api, type Json, startTestSandbox, TEST_SEED } from "./helpers.js";

const T0 = "2026-11-02T12:00:00.000Z";
/** T0 plus `seconds`, as the emulator writes times. */
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const MINUTE = 60;

/** The test world plus an ar_ars → us_usd route and a USD instruction for Ana: a port quoted later. */
const SEED: Seed = {
  ...TEST_SEED,
  withdrawal_instructions: [
    ...TEST_SEED.withdrawal_instructions,
    { id: "2125", user_id: "345", port_code: "us_usd", label: "Ana USD", body: {}, outcome: "settled" },
  ],
  rates: [...TEST_SEED.rates, { from: "ar_ars", to: "us_usd", rate: "0.001", fee_rate: "0.01" }],
};

describe("sandbox clock", () => {
  let sandbox: Sandbox;
  let api: Api;

  beforeEach(async () => {
    sandbox = await startTestSandbox({ seed: SEED, startTime: T0, advanceOnly: false });
    api = new Api(sandbox);
  });
  afterEach(() => sandbox.close());

  async function minutes(n: number) {
    const response = await api.control("POST", "advance", { minutes: n });
    expect(response.status, response.text).to.equal(200);
    return response.body;
  }

  const request = async (id: string) => (await api.get(`/concierge_requests/${id}`)).body.data.attributes;
  const outputs = async (id: string) =>
    (await api.get(`/concierge_request_outputs?filter[request_id]=${id}`)).body.data.map((o: Json) => [
      o.attributes.state,
      o.attributes.updated_at,
    ]);

  /** Ana by budget 10000 ARS, the rejected payee 5000 CLP, Bruno (returned) 20000 CLP; paid by `payer`. */
  async function threeOutputs(payer = "112"): Promise<string> {
    const id = await api.createRequest({ port_code: "ar_ars" }, payer);
    await api.createOutput({ request: id, user: "345", instruction: "2121", budget: 10000 });
    await api.createOutput({ request: id, user: "346", instruction: "2122", amount: 5000 });
    await api.createOutput({ request: id, user: "347", instruction: "2123", amount: 20000 });
    return id;
  }

  it("runs a request from the quote to finished on the clock, each step stamped when it was due", async () => {
    const id = await threeOutputs();
    const requested = await api.post(`/concierge_requests/${id}/request_quote`);
    expect(requested.body.data.attributes).to.include({
      state: "quote_requested",
      quote_requested_at: T0,
      eta: T0, // Chile is quoted at once
      accept_quote_before: at(10 * MINUTE),
      provision_funds_before: at(10 * MINUTE + 12 * 60 * MINUTE),
      quote_accepted_at: null,
    });
    // Quoted at eta, which is now: the next read sees it even with the clock stopped. The outputs
    // wait for their checks, so the total still counts all three.
    expect(await request(id)).to.include({ state: "quoted", total_to_spend: 36581.6, updated_at: T0 });
    expect(await minutes(0)).to.deep.equal({ steps: 0, changes: 0 });

    const accepted = await api.post(`/concierge_requests/${id}/accept_quote`);
    expect(accepted.body.data.attributes).to.include({ state: "quote_accepted", quote_accepted_at: T0 });

    expect(await minutes(3 / 60)).to.deep.equal({ steps: 0, changes: 0 });
    // 5 s after acceptance: three checks, then funding without the rejected payee's 5316.32.
    expect(await minutes(3 / 60)).to.deep.equal({ steps: 2, changes: 4 });
    expect(await request(id)).to.include({ state: "working", total_to_spend: 31265.28, updated_at: at(5) });
    expect(await outputs(id)).to.deep.equal([
      ["accepted", at(5)],
      ["rejected", at(5)],
      ["accepted", at(5)],
    ]);
    expect(sandbox.state().balances).to.deep.equal([
      { user_id: "112", currency: "ars", amount: 49968734.72 },
    ]);

    // Payout steps 10 s apart: working at 15 s, settling at 25 s, settled / failed at 35 s.
    expect(await minutes(30 / 60)).to.deep.equal({ steps: 3, changes: 6 });
    expect(await outputs(id)).to.deep.equal([
      ["settled", at(35)],
      ["rejected", at(5)],
      ["failed", at(35)],
    ]);
    expect((await request(id)).state).to.equal("working");
    expect(await minutes(10 / 60)).to.deep.equal({ steps: 1, changes: 2 });
    expect(await outputs(id)).to.deep.equal([
      ["settled", at(35)],
      ["rejected", at(5)],
      ["returned", at(45)],
    ]);
    expect(await request(id)).to.include({
      state: "finished",
      updated_at: at(45),
      cancellation_reason: null,
    });
    expect(sandbox.state().clock).to.deep.equal({ now: at(46), time_scale: 0, advance_only: false });
    expect(await minutes(60)).to.deep.equal({ steps: 0, changes: 0 });
  });

  it("quotes 30 minutes later when any output goes to a port outside the five countries", async () => {
    const id = await api.createRequest();
    await api.createOutput({ request: id, amount: 1000 });
    await api.createOutput({ request: id, instruction: "2125", port: "us_usd", amount: 10 });
    await minutes(1);
    const requested = (await api.post(`/concierge_requests/${id}/request_quote`)).body.data.attributes;
    expect(requested).to.include({
      quote_requested_at: at(MINUTE),
      eta: at(31 * MINUTE),
      accept_quote_before: at(41 * MINUTE),
      provision_funds_before: at(41 * MINUTE + 12 * 60 * MINUTE),
    });
    expect(await minutes(29)).to.deep.equal({ steps: 0, changes: 0 });
    expect((await request(id)).state).to.equal("quote_requested");
    expect(await minutes(1)).to.deep.equal({ steps: 1, changes: 1 });
    expect(await request(id)).to.include({ state: "quoted", updated_at: at(31 * MINUTE) });
  });

  it("a seed's quote_later_minutes sets when those ports are quoted (4 here), the deadlines after it as before; a bad value is refused", async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({
      seed: { ...SEED, quote_later_minutes: 4 },
      startTime: T0,
      advanceOnly: false,
    });
    api = new Api(sandbox);
    const id = await api.createRequest();
    await api.createOutput({ request: id, instruction: "2125", port: "us_usd", amount: 10 });
    const requested = (await api.post(`/concierge_requests/${id}/request_quote`)).body.data.attributes;
    expect(requested).to.include({
      eta: at(4 * MINUTE),
      accept_quote_before: at(14 * MINUTE),
      provision_funds_before: at(14 * MINUTE + 12 * 60 * MINUTE),
    });
    expect(await minutes(3)).to.deep.equal({ steps: 0, changes: 0 });
    expect(await minutes(1)).to.deep.equal({ steps: 1, changes: 1 });
    expect((await request(id)).state).to.equal("quoted");
    for (const bad of [-1, "4", 1e12]) {
      const refused = await startTestSandbox({
        seed: { ...SEED, quote_later_minutes: bad } as unknown as Seed,
      }).then(
        () => "started",
        (error: Error) => error.message,
      );
      expect(refused).to.include("quote_later_minutes");
    }
  });

  it("quote_not_accepted at accept_quote_before; a later accept is a 422 quote_expired", async () => {
    const id = await threeOutputs();
    await api.post(`/concierge_requests/${id}/request_quote`);
    await minutes(9);
    expect((await request(id)).state).to.equal("quoted");
    expect(await minutes(1)).to.deep.equal({ steps: 1, changes: 1 });
    expect(await request(id)).to.include({
      state: "cancelled",
      cancellation_reason: "quote_not_accepted",
      updated_at: at(10 * MINUTE),
    });
    expect(await outputs(id)).to.deep.equal(Array(3).fill(["cancelled", at(10 * MINUTE)]));

    const late = await api.post(`/concierge_requests/${id}/accept_quote`);
    expect(late.status).to.equal(422);
    expect(late.body.errors).to.have.length(1);
    const [error] = late.body.errors;
    expect(error).to.deep.include({
      status: 422,
      code: "quote_expired",
      meta: { type: "concierge_requests" },
      source: { pointer: "/data/attributes/accept_quote_before" },
    });
    expect(error.detail)
      .to.include("venció")
      .and.include(at(10 * MINUTE));
    expect((await request(id)).state).to.equal("cancelled");
    expect(sandbox.state().balances[0]?.amount).to.equal(50000000);
  });

  it("an accept just before the deadline counts; the request is not cancelled then", async () => {
    const id = await threeOutputs();
    await api.post(`/concierge_requests/${id}/request_quote`);
    await minutes(10 - 1 / 60);
    expect((await api.post(`/concierge_requests/${id}/accept_quote`)).status).to.equal(200);
    await minutes(10 / 60);
    expect((await request(id)).state).to.equal("working");
  });

  it("payment_not_received at provision_funds_before when the balance never covers the total", async () => {
    const id = await threeOutputs("113");
    await api.post(`/concierge_requests/${id}/request_quote`);
    await minutes(0);
    await api.post(`/concierge_requests/${id}/accept_quote`);
    // Checks at 5 s, then one funding attempt that fails: the request waits.
    expect(await minutes(1)).to.deep.equal({ steps: 2, changes: 3 });
    expect(await request(id)).to.include({ state: "quote_accepted", updated_at: at(5) });
    expect(await minutes(12 * 60 + 8)).to.deep.equal({ steps: 0, changes: 0 });
    expect(await minutes(1)).to.deep.equal({ steps: 1, changes: 1 });
    expect(await request(id)).to.include({
      state: "cancelled",
      cancellation_reason: "payment_not_received",
      updated_at: at(10 * MINUTE + 12 * 60 * MINUTE),
    });
    expect((await outputs(id)).map((o: string[]) => o[0])).to.deep.equal([
      "cancelled",
      "rejected",
      "cancelled",
    ]);
    expect(sandbox.state().balances).to.deep.equal([{ user_id: "112", currency: "ars", amount: 50000000 }]);
  });

  it("funds requests in the order their checks fell due, and debits each once", async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({
      seed: { ...SEED, balances: [{ user_id: "112", currency: "ars", amount: "40000.00" }] },
      startTime: T0,
      advanceOnly: false,
    });
    api = new Api(sandbox);
    const first = await threeOutputs();
    const second = await threeOutputs();
    for (const id of [second, first]) await api.post(`/concierge_requests/${id}/request_quote`);
    await minutes(0);
    await api.post(`/concierge_requests/${second}/accept_quote`);
    await minutes(1 / 60);
    await api.post(`/concierge_requests/${first}/accept_quote`);
    await minutes(10 / 60);
    expect((await request(second)).state).to.equal("working");
    expect((await request(first)).state).to.equal("quote_accepted");
    expect(sandbox.state().balances).to.deep.equal([{ user_id: "112", currency: "ars", amount: 8734.72 }]);
  });

  it("counts request_quote and accept_quote calls per request, 422s included; reset-stats clears them", async () => {
    const id = await threeOutputs();
    const other = await threeOutputs();
    await api.post(`/concierge_requests/${id}/accept_quote`); // 422: still a draft
    await api.post(`/concierge_requests/${id}/request_quote`);
    await api.post(`/concierge_requests/${id}/request_quote`); // 422: already requested
    await api.post(`/concierge_requests/${id}/cancel`); // not counted
    await api.post("/concierge_requests/99/request_quote"); // 404: no such request
    await new Api(sandbox, "wrong-key").post(`/concierge_requests/${other}/request_quote`); // 401
    await api.post(`/concierge_requests/${other}/request_quote`);
    expect(sandbox.state().stats.per_request).to.deep.equal({
      [id]: { request_quote: 2, accept_quote: 1 },
      [other]: { request_quote: 1, accept_quote: 0 },
    });
    await api.control("POST", "reset-stats");
    expect(sandbox.state().stats.per_request).to.deep.equal({});
  });

  it("runs by itself at a fast time scale, stamped all the same", async () => {
    await sandbox.close();
    // 600× (what submit --sandbox will use): 10 minutes to accept last a real second; payout 75 ms.
    sandbox = await startTestSandbox({ seed: SEED, timeScale: 600, advanceOnly: false });
    api = new Api(sandbox);
    const id = await threeOutputs();
    await api.post(`/concierge_requests/${id}/request_quote`);
    expect((await request(id)).state).to.equal("quoted");
    const accepted = (await api.post(`/concierge_requests/${id}/accept_quote`)).body.data.attributes;
    let state = accepted.state;
    for (let tries = 0; state !== "finished" && tries < 250; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = (await request(id)).state;
    }
    const sinceAccept = (seconds: number) =>
      new Date(Date.parse(accepted.quote_accepted_at) + seconds * 1000).toISOString();
    expect(await request(id)).to.include({ state: "finished", updated_at: sinceAccept(45) });
    expect(await outputs(id)).to.deep.equal([
      ["settled", sinceAccept(35)],
      ["rejected", sinceAccept(5)],
      ["returned", sinceAccept(45)],
    ]);
    expect(sandbox.state().clock.time_scale).to.equal(600);
  });

  it("advanceOnly: reads apply nothing, not even a quote due now; advance {minutes} does", async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({ seed: SEED, startTime: T0, advanceOnly: true });
    api = new Api(sandbox);
    const id = await threeOutputs();
    await api.post(`/concierge_requests/${id}/request_quote`);
    expect((await request(id)).state).to.equal("quote_requested");
    expect(sandbox.state().clock).to.deep.equal({ now: T0, time_scale: 0, advance_only: true });
    expect(await minutes(0)).to.deep.equal({ steps: 1, changes: 1 });
    expect(await request(id)).to.include({ state: "quoted", updated_at: T0 });
  });

  it("advance {minutes} is refused with 400 when it is not a number >= 0 or comes with until/expire", async () => {
    for (const body of [
      { minutes: -1 },
      { minutes: "5" },
      { minutes: 5, until: "final" },
      { minutes: 1, expire: true },
    ]) {
      const response = await api.control("POST", "advance", body);
      expect(response.status, JSON.stringify(body)).to.equal(400);
      expect(response.body.error).to.match(/^advance: /);
    }
  });

  it("refuses a negative or non-numeric time scale and a bad start time with usage errors", async () => {
    for (const options of [{ timeScale: -1 }, { timeScale: Number.NaN }, { startTime: "yesterday" }]) {
      const error = await startTestSandbox(options).then(
        (box) => box.close().then(() => null),
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(options)).to.have.property("code", "usage");
    }
  });
});
