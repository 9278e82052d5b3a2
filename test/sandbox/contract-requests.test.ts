/**
 * Contract: /concierge_requests — create, find, list with filter[external_id], PATCH and the
 * three actions, with their 404s and 422s.
 */
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  Api,
  type ApiResponse,
  assertJsonApiDocument,
  JSON_API,
  requestDocument,
  startTestSandbox,
} from "./helpers.js";

const NOT_FOUND = { errors: [{ code: null, detail: null }] };

/** The single 422 error's code and pointer, after checking the Bitex error shape. */
function violation(response: ApiResponse): { code: string; pointer: string } {
  expect(response.status).to.equal(422);
  expect(response.contentType).to.equal(JSON_API);
  expect(response.body.errors).to.have.length(1);
  const [error] = response.body.errors;
  expect(error).to.have.all.keys("status", "title", "detail", "code", "meta", "source");
  expect(error.status).to.equal(422);
  expect(error.meta).to.deep.equal({ type: "concierge_requests" });
  expect(error.detail).to.be.a("string").and.not.equal("");
  return { code: error.code, pointer: error.source.pointer };
}

describe("sandbox contract: /concierge_requests", () => {
  let sandbox: Sandbox;
  let api: Api;

  beforeEach(async () => {
    // Written for the rich list style (meta and links), the default before the recorded style.
    sandbox = await startTestSandbox({ faults: { list_style: "rich" } });
    api = new Api(sandbox);
  });
  afterEach(() => sandbox.close());

  it("with no Version header, requests come in the older shape: outputs_total for outputs_count", async () => {
    await api.createRequest();
    await api.createOutput({ request: "1", amount: 1000 });
    const older = new Api(sandbox, sandbox.apiKey, null);
    const one = (await older.get("/concierge_requests/1")).body.data.attributes;
    const listed = (await older.get("/concierge_requests")).body.data[0].attributes;
    const created = (await older.post("/concierge_requests", requestDocument({ port_code: "ar_ars" }))).body
      .data.attributes;
    for (const attributes of [one, listed, created]) {
      expect(attributes).to.not.have.property("outputs_count");
      expect(Object.keys(attributes).slice(0, 6)).to.deep.equal([
        "state",
        "port_code",
        "external_id",
        "cancellation_reason",
        "outputs_total",
        "outputs_accepting",
      ]);
    }
    expect([one.outputs_total, created.outputs_total]).to.deep.equal([1, 0]);
    const current = (await new Api(sandbox, sandbox.apiKey, "2.1").get("/concierge_requests/1")).body.data;
    expect([current.attributes.outputs_count, current.attributes.outputs_total]).to.deep.equal([
      1,
      undefined,
    ]);
  });

  it("acting as a managed user (`<key>; user=<id>`), a request with no user is that user's", async () => {
    const acting = new Api(sandbox, `${sandbox.apiKey}; user=113`);
    const response = await acting.post("/concierge_requests", requestDocument({ port_code: "ar_ars" }));
    expect(response.status).to.equal(200);
    expect(response.body.data.relationships.user).to.deep.equal({ data: { type: "users", id: "113" } });
  });

  it("POST creates a draft paid by the key's owner when no user is sent (200, JSON:API)", async () => {
    const response = await api.post(
      "/concierge_requests",
      requestDocument({ port_code: "ar_ars", external_id: "bb-1" }),
    );
    expect(response.status).to.equal(200);
    expect(response.contentType).to.equal(JSON_API);
    assertJsonApiDocument(response.body);
    const { data } = response.body;
    expect(data.id).to.equal("1");
    expect(data.type).to.equal("concierge_requests");
    // The outputs relationship as Bitex's guide shows it ("Quoting"): empty while there are none.
    expect(data.relationships).to.deep.equal({
      user: { data: { type: "users", id: "112" } },
      outputs: { data: [] },
    });
    const { created_at, updated_at, ...attributes } = data.attributes;
    expect(created_at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(updated_at).to.equal(created_at);
    expect(attributes).to.deep.equal({
      state: "draft",
      port_code: "ar_ars",
      external_id: "bb-1",
      cancellation_reason: null,
      outputs_count: 0,
      outputs_accepting: 0,
      outputs_accepted: 0,
      outputs_rejected: 0,
      outputs_working: 0,
      outputs_settling: 0,
      outputs_settled: 0,
      outputs_failed: 0,
      outputs_returned: 0,
      outputs_cancelled: 0,
      total_to_spend: null,
      eta: null,
      accept_quote_before: null,
      provision_funds_before: null,
      quote_requested_at: null,
      quote_accepted_at: null,
      payment_authorization_code: null,
    });
  });

  it("payment_authorization_code (Bitex's Postman collection sends it on create and PATCH) is stored and shown", async () => {
    const created = await api.post(
      "/concierge_requests",
      requestDocument({ port_code: "ar_ars", payment_authorization_code: "ABC1234DEF5678" }),
    );
    expect(created.body.data.attributes.payment_authorization_code).to.equal("ABC1234DEF5678");
    const patched = await api.patch("/concierge_requests/1", {
      data: { type: "concierge_requests", id: "1", attributes: { payment_authorization_code: "XYZ9" } },
    });
    expect(patched.status).to.equal(200);
    expect(patched.body.data.attributes.payment_authorization_code).to.equal("XYZ9");
    expect((await api.get("/concierge_requests/1")).body.data.attributes.payment_authorization_code).to.equal(
      "XYZ9",
    );
    const notText = await api.post(
      "/concierge_requests",
      requestDocument({ port_code: "ar_ars", payment_authorization_code: 7 }),
    );
    expect(violation(notText)).to.deep.equal({
      code: "invalid_payment_authorization_code",
      pointer: "/data/attributes/payment_authorization_code",
    });
  });

  it("the outputs relationship lists the request's outputs in id order (to-many, as in the guide)", async () => {
    const mine = await api.createRequest();
    const other = await api.createRequest();
    await api.createOutput({ request: mine, amount: 1000 });
    await api.createOutput({ request: other, amount: 1000 });
    await api.createOutput({ request: mine, amount: 2000 });
    const found = await api.get(`/concierge_requests/${mine}`);
    assertJsonApiDocument(found.body);
    expect(found.body.data.relationships.outputs).to.deep.equal({
      data: [
        { type: "concierge_request_outputs", id: "1" },
        { type: "concierge_request_outputs", id: "3" },
      ],
    });
  });

  it("POST takes the payer from relationships.user, sent as a number or a string", async () => {
    for (const id of [113, "113"]) {
      const response = await api.post("/concierge_requests", requestDocument({ port_code: "ar_ars" }, id));
      expect(response.body.data.relationships.user.data).to.deep.equal({ type: "users", id: "113" });
    }
  });

  it("POST with an unknown user → 404", async () => {
    const response = await api.post("/concierge_requests", requestDocument({ port_code: "ar_ars" }, 999));
    expect(response.status).to.equal(404);
    expect(response.body).to.deep.equal(NOT_FOUND);
    expect(sandbox.state().requests).to.have.length(0);
  });

  const invalid: [string, Record<string, unknown>, string, string][] = [
    ["an unknown port", { port_code: "ar_arss" }, "unknown_port", "/data/attributes/port_code"],
    ["no port", { external_id: "x" }, "port_code_required", "/data/attributes/port_code"],
    [
      "a numeric external_id",
      { port_code: "ar_ars", external_id: 7 },
      "invalid_external_id",
      "/data/attributes/external_id",
    ],
  ];
  for (const [label, attributes, code, pointer] of invalid) {
    it(`POST with ${label} → 422 ${code}`, async () => {
      const response = await api.post("/concierge_requests", requestDocument(attributes));
      expect(violation(response)).to.deep.equal({ code, pointer });
      expect(sandbox.state().requests).to.have.length(0);
    });
  }

  it("POST with a body that is not JSON → 400 invalid_json; without data → 422 invalid_body; wrong type → 422", async () => {
    const notJson = await api.post("/concierge_requests", "{nope");
    expect(notJson.status).to.equal(400);
    expect(notJson.body.errors[0].code).to.equal("invalid_json");
    expect(violation(await api.post("/concierge_requests", { port_code: "ar_ars" }))).to.deep.equal({
      code: "invalid_body",
      pointer: "/data",
    });
    const wrongType = await api.post("/concierge_requests", {
      data: { type: "users", attributes: { port_code: "ar_ars" } },
    });
    expect(violation(wrongType)).to.deep.equal({ code: "invalid_type", pointer: "/data/type" });
  });

  it("GET /:id returns what POST returned; unknown ids → 404", async () => {
    const created = await api.post("/concierge_requests", requestDocument({ port_code: "ar_ars" }));
    const found = await api.get("/concierge_requests/1");
    expect(found.status).to.equal(200);
    assertJsonApiDocument(found.body);
    expect(found.body).to.deep.equal(created.body);
    expect((await api.get("/concierge_requests/2")).body).to.deep.equal(NOT_FOUND);
  });

  it("GET lists in id order and filter[external_id] keeps only the matching ones", async () => {
    await api.createRequest({ port_code: "ar_ars", external_id: "bb-a" });
    await api.createRequest({ port_code: "ar_ars", external_id: "bb-b" });
    await api.createRequest({ port_code: "ar_ars", external_id: "bb-a" });
    await api.createRequest({ port_code: "ar_ars" });
    const all = await api.get("/concierge_requests");
    assertJsonApiDocument(all.body);
    expect(all.body.data.map((r: { id: string }) => r.id)).to.deep.equal(["1", "2", "3", "4"]);
    const filtered = await api.get("/concierge_requests?filter%5Bexternal_id%5D=bb-a");
    assertJsonApiDocument(filtered.body);
    expect(filtered.body.data.map((r: { id: string }) => r.id)).to.deep.equal(["1", "3"]);
    expect(filtered.body.meta.total_items).to.equal(2);
    const none = await api.get("/concierge_requests?filter[external_id]=bb-zzz");
    expect(none.body.data).to.deep.equal([]);
    expect(none.body.meta).to.deep.equal({ total_items: 0, total_pages: 1, page: 1, page_size: 25 });
  });

  it("PATCH a draft's external_id, and the filter follows the new value", async () => {
    await api.createRequest({ port_code: "ar_ars", external_id: "old" });
    await api.createRequest({ port_code: "ar_ars", external_id: "new" });
    const patched = await api.patch("/concierge_requests/1", requestDocument({ external_id: "new" }));
    expect(patched.status).to.equal(200);
    assertJsonApiDocument(patched.body);
    expect(patched.body.data.attributes.external_id).to.equal("new");
    expect((await api.get("/concierge_requests?filter[external_id]=old")).body.data).to.deep.equal([]);
    const renamed = await api.get("/concierge_requests?filter[external_id]=new");
    expect(renamed.body.data.map((r: { id: string }) => r.id)).to.deep.equal(["1", "2"]);
  });

  it("PATCH of a request that is not a draft → 422 request_not_draft; of an unknown one → 404", async () => {
    await api.createRequest();
    await api.createOutput({ request: "1", amount: 1000 });
    await api.post("/concierge_requests/1/request_quote");
    const response = await api.patch("/concierge_requests/1", requestDocument({ external_id: "x" }));
    expect(violation(response)).to.deep.equal({
      code: "request_not_draft",
      pointer: "/data/attributes/state",
    });
    expect((await api.patch("/concierge_requests/9", requestDocument({ external_id: "x" }))).status).to.equal(
      404,
    );
  });

  it("PATCH port_code: allowed while the draft has no outputs, 422 request_has_outputs after", async () => {
    await api.createRequest();
    const moved = await api.patch("/concierge_requests/1", requestDocument({ port_code: "us_usd" }));
    expect(moved.body.data.attributes.port_code).to.equal("us_usd");
    await api.patch("/concierge_requests/1", requestDocument({ port_code: "ar_ars" }));
    await api.createOutput({ request: "1", amount: 1000 });
    const refused = await api.patch("/concierge_requests/1", requestDocument({ port_code: "us_usd" }));
    expect(violation(refused)).to.deep.equal({
      code: "request_has_outputs",
      pointer: "/data/attributes/port_code",
    });
  });

  describe("actions", () => {
    it("request_quote on a draft without outputs → 422 request_has_no_outputs", async () => {
      await api.createRequest();
      const response = await api.post("/concierge_requests/1/request_quote");
      expect(violation(response)).to.deep.equal({
        code: "request_has_no_outputs",
        pointer: "/data/attributes/state",
      });
    });

    it("request_quote → quote_requested (200 with the request)", async () => {
      await api.createRequest();
      await api.createOutput({ request: "1", amount: 1000 });
      const response = await api.post("/concierge_requests/1/request_quote");
      expect(response.status).to.equal(200);
      assertJsonApiDocument(response.body);
      expect(response.body.data.attributes.state).to.equal("quote_requested");
    });

    const illegal: [string, string[], string][] = [
      ["accept_quote on a draft", [], "accept_quote"],
      ["accept_quote while quote_requested", ["request_quote"], "accept_quote"],
      ["request_quote twice", ["request_quote"], "request_quote"],
      ["cancel a cancelled request", ["cancel"], "cancel"],
    ];
    for (const [label, before, action] of illegal) {
      it(`${label} → 422 invalid_state_transition, state unchanged`, async () => {
        await api.createRequest();
        await api.createOutput({ request: "1", amount: 1000 });
        for (const step of before)
          expect((await api.post(`/concierge_requests/1/${step}`)).status).to.equal(200);
        const stateBefore = sandbox.state().requests[0]?.attributes.state;
        const response = await api.post(`/concierge_requests/1/${action}`);
        expect(violation(response)).to.deep.equal({
          code: "invalid_state_transition",
          pointer: "/data/attributes/state",
        });
        expect(sandbox.state().requests[0]?.attributes.state).to.equal(stateBefore);
      });
    }

    it("an action on an unknown request → 404", async () => {
      expect((await api.post("/concierge_requests/5/cancel")).body).to.deep.equal(NOT_FOUND);
    });
  });
});
