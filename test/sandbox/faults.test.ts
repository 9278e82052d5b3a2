/**
 * Fault injection over HTTP: dropped creates, 503s that change nothing, the rate limit,
 * repeatable fault sequences, latency and the in-flight counter.
 */
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { Api, outputDocument, requestDocument, startTestSandbox } from "./helpers.js";

describe("sandbox faults", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it("drop_rate 1: the created output is in the list while the client saw a socket error", async () => {
    sandbox = await startTestSandbox();
    const api = new Api(sandbox);
    const request = await api.createRequest();
    sandbox.setFaults({ drop_rate: 1 });

    const error = await api
      .post("/concierge_request_outputs", outputDocument({ request, amount: 1000 }))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).to.be.instanceOf(TypeError); // fetch's "fetch failed", caused by the closed socket
    expect(String((error as TypeError).cause)).to.match(/other side closed|socket|ECONNRESET/i);

    // Reads are never dropped, so the client can find out what happened.
    const listed = await api.get(`/concierge_request_outputs?filter[request_id]=${request}`);
    expect(listed.status).to.equal(200);
    expect(listed.body.data.map((o: { id: string }) => o.id)).to.deep.equal(["1"]);
    expect(listed.body.data[0].attributes.amount).to.equal(1000);
    expect(sandbox.state().stats.dropped).to.equal(1);
  });

  it("fail_rate 1: every call is a 503 HTML page and nothing changes on the server", async () => {
    sandbox = await startTestSandbox();
    const api = new Api(sandbox);
    const request = await api.createRequest();
    await api.createOutput({ request, amount: 1000 });
    await api.control("POST", "faults", { fail_rate: 1 });
    await api.control("POST", "reset-stats");
    const before = sandbox.state();

    const calls = [
      api.post("/concierge_requests", requestDocument({ port_code: "ar_ars" })),
      api.post("/concierge_request_outputs", outputDocument({ request, amount: 5 })),
      api.post(`/concierge_requests/${request}/request_quote`),
      api.post(`/concierge_requests/${request}/cancel`),
      api.patch(`/concierge_requests/${request}`, requestDocument({ external_id: "changed" })),
      api.post("/withdrawal_instructions", {
        data: { type: "withdrawal_instructions", attributes: { label: "x" } },
      }),
      api.get("/concierge_ports"),
    ];
    for (const response of await Promise.all(calls)) {
      expect(response.status).to.equal(503);
      expect(response.contentType).to.equal("text/html; charset=utf-8");
      expect(response.text).to.match(/^<!DOCTYPE html>/);
    }
    const after = sandbox.state();
    expect(after.requests).to.deep.equal(before.requests);
    expect(after.outputs).to.deep.equal(before.outputs);
    expect(after.stats.failed).to.equal(7);
    expect(after.stats.calls).to.equal(7);
    sandbox.setFaults({ fail_rate: 0 });
    expect((await api.get("/withdrawal_instructions")).body.data).to.have.length(4);
  });

  it("rate limit 5: six calls in one second give exactly one 429 (Retry-After 1), which does nothing", async () => {
    sandbox = await startTestSandbox({ faults: { rate_limit: 5 } });
    const api = new Api(sandbox);
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, () => api.get("/concierge_ports")),
      api.post("/concierge_requests", requestDocument({ port_code: "ar_ars" })),
    ]);
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).to.have.length(1);
    expect(statuses.filter((s) => s === 200)).to.have.length(5);
    const limited = responses.find((r) => r.status === 429);
    expect(limited?.headers.get("retry-after")).to.equal("1");
    expect(limited?.body.errors[0].code).to.equal("rate_limited");
    const { stats, requests } = sandbox.state();
    expect(stats.rate_limited).to.equal(1);
    expect(stats.calls).to.equal(6);
    // Whichever call was refused, exactly the admitted ones took effect.
    expect(requests).to.have.length(responses[5]?.status === 200 ? 1 : 0);
    // counts(), what tests poll, says the same three numbers without encoding the world.
    expect(sandbox.counts()).to.deep.equal({ requests: requests.length, outputs: 0, calls: 6 });
  });

  it("rate limit: the window rolls, and a refused call does not use up the next second", async () => {
    sandbox = await startTestSandbox({ faults: { rate_limit: 2 } });
    const api = new Api(sandbox);
    const burst = await Promise.all([api.get("/users"), api.get("/users"), api.get("/users")]);
    expect(burst.map((r) => r.status).sort()).to.deep.equal([200, 200, 429]);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    const next = await Promise.all([api.get("/users"), api.get("/users")]);
    expect(next.map((r) => r.status)).to.deep.equal([200, 200]);
  });

  it("rate limit 0 means no limit", async () => {
    sandbox = await startTestSandbox({ faults: { rate_limit: 0 } });
    const api = new Api(sandbox);
    const responses = await Promise.all(Array.from({ length: 30 }, () => api.get("/users/me")));
    expect(responses.every((r) => r.status === 200)).to.equal(true);
  });

  it("the same fault_seed gives the same sequence of failures; another seed another one", async () => {
    async function sequence(seed: number): Promise<string> {
      const local = await startTestSandbox({ faults: { fail_rate: 0.5, fault_seed: seed } });
      const api = new Api(local);
      let statuses = "";
      for (let i = 0; i < 24; i++) statuses += (await api.get("/concierge_ports")).status === 503 ? "F" : ".";
      await local.close();
      return statuses;
    }
    const first = await sequence(42);
    expect(first).to.match(/F/).and.to.match(/\./);
    expect(await sequence(42)).to.equal(first);
    expect(await sequence(43)).to.not.equal(first);
  });

  it("setting fault_seed live restarts the sequence", async () => {
    sandbox = await startTestSandbox({ faults: { fail_rate: 0.5, fault_seed: 9 } });
    const api = new Api(sandbox);
    const run = async () => {
      let statuses = "";
      for (let i = 0; i < 16; i++) statuses += (await api.get("/users/me")).status === 503 ? "F" : ".";
      return statuses;
    };
    const first = await run();
    const response = await api.control("POST", "faults", { fault_seed: 9 });
    expect(response.body).to.deep.equal({
      latency_ms: 0,
      jitter_ms: 0,
      fail_rate: 0.5,
      drop_rate: 0,
      rate_limit: 0,
      fault_seed: 9,
      list_style: "recorded",
      page_cap: null,
      includes: "honoured",
    });
    expect(await run()).to.equal(first);
  });

  it("latency delays every answer and counts as in flight; call_starts_ms records each arrival", async () => {
    sandbox = await startTestSandbox({ faults: { latency_ms: 120 } });
    const api = new Api(sandbox);
    const started = performance.now();
    const responses = await Promise.all([
      api.get("/users"),
      api.get("/users/345"),
      new Api(sandbox, "wrong").get("/users"),
      api.get("/concierge_ports"),
    ]);
    expect(performance.now() - started).to.be.at.least(115);
    expect(responses.map((r) => r.status)).to.deep.equal([200, 200, 401, 200]);
    const { stats } = sandbox.state();
    expect(stats.calls).to.equal(4);
    expect(stats.peak_in_flight).to.equal(4);
    expect(stats.in_flight).to.equal(0);
    expect(stats.call_starts_ms).to.have.length(4);
    const starts = stats.call_starts_ms;
    expect(starts.every((t, i) => t >= 0 && (i === 0 || t >= (starts[i - 1] as number)))).to.equal(true);
  });

  it("POST /_sandbox/faults refuses unknown fields and out-of-range values with 400", async () => {
    sandbox = await startTestSandbox();
    const api = new Api(sandbox);
    for (const body of [
      { fail_rate: 2 },
      { latency_ms: -1 },
      { rate_limit: 1.5 },
      { speed: 3 },
      { fault_seed: "x" },
    ]) {
      const response = await api.control("POST", "faults", body);
      expect(response.status, JSON.stringify(body)).to.equal(400);
      expect(response.body.error).to.match(/^faults: /);
    }
  });

  it("POST /_sandbox/reset-stats zeroes the counters", async () => {
    sandbox = await startTestSandbox();
    const api = new Api(sandbox);
    await api.get("/users");
    expect((await api.control("POST", "reset-stats")).status).to.equal(200);
    expect(sandbox.state().stats).to.deep.equal({
      calls: 0,
      in_flight: 0,
      peak_in_flight: 0,
      rate_limited: 0,
      failed: 0,
      dropped: 0,
      call_starts_ms: [],
      per_request: {},
    });
  });
});
