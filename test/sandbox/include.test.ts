/**
 * A request read with `?include=outputs` (docs/design.md, "A request's outputs in one call"):
 * the emulator's choice, as JSON:API compound documents go, and the two ways a server may not
 * answer it (faults.ts `includes`).
 */
import { expect } from "chai";
import type { Faults, Sandbox } from "../../src/sandbox/index.js";
import { Api, type Json, startTestSandbox } from "./helpers.js";

describe("sandbox: a request read with include=outputs", () => {
  let sandbox: Sandbox;
  let api: Api;
  afterEach(() => sandbox.close());

  /** Request 1 with `n` outputs (ids 1..n), request 2 with one (id n + 1). */
  async function start(n: number, faults: Partial<Faults> = {}) {
    sandbox = await startTestSandbox({ faults });
    api = new Api(sandbox);
    await api.createRequest();
    await api.createRequest();
    for (let i = 1; i <= n; i++) await api.createOutput({ request: "1", amount: i });
    await api.createOutput({ request: "2", amount: 999 });
  }

  const ids = (resources: Json[]) => resources.map((resource) => `${resource.type}:${resource.id}`);
  const outputIds = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => `concierge_request_outputs:${from + i}`);

  it("honoured (the default): every output of the request in `included`, at any page cap, the request as without it", async () => {
    await start(23, { list_style: "recorded", page_cap: 10 });
    const plain = await api.get("/concierge_requests/1");
    const response = await api.get("/concierge_requests/1?include=outputs");
    expect(response.status).to.equal(200);
    expect(Object.keys(response.body)).to.deep.equal(["data", "included"]);
    expect(response.body.data).to.deep.equal(plain.body.data);
    expect(ids(response.body.included)).to.deep.equal(outputIds(1, 23));
    expect(ids(response.body.data.relationships.outputs.data)).to.deep.equal(outputIds(1, 23));
    const listed = await api.get("/concierge_request_outputs?filter[request_id]=1&page[per_page]=10");
    expect(response.body.included.slice(0, 10)).to.deep.equal(listed.body.data);
    const other = await api.get("/concierge_requests/2?include=outputs");
    expect(ids(other.body.included)).to.deep.equal(outputIds(24, 24));
  });

  it("honoured: a path other than outputs is a 400, as JSON:API asks", async () => {
    await start(2);
    for (const include of ["user", "outputs,user", ""]) {
      const response = await api.get(`/concierge_requests/1?include=${include}`);
      expect(response.status, include).to.equal(400);
      expect(response.body.errors[0]).to.include({ status: "400", code: "invalid_include" });
      expect(response.body.errors[0].source).to.deep.equal({ parameter: "include" });
    }
  });

  it("ignored: the request alone, as a server that does not read the parameter", async () => {
    await start(3, { includes: "ignored" });
    const response = await api.get("/concierge_requests/1?include=outputs");
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal((await api.get("/concierge_requests/1")).body);
  });

  it("refused: 400, and the setting can be changed live", async () => {
    await start(3, { includes: "refused" });
    expect((await api.get("/concierge_requests/1?include=outputs")).status).to.equal(400);
    expect((await api.get("/concierge_requests/1")).status).to.equal(200);
    const set = await api.control("POST", "faults", { includes: "honoured" });
    expect(set.body.includes).to.equal("honoured");
    expect(ids((await api.get("/concierge_requests/1?include=outputs")).body.included)).to.deep.equal(
      outputIds(1, 3),
    );
    const bad = await api.control("POST", "faults", { includes: "sometimes" });
    expect(bad.status).to.equal(400);
    expect(bad.body.error).to.equal(
      'faults: includes: expected one of "honoured", "ignored", "refused", got "sometimes"',
    );
  });
});
