/**
 * Contract: /concierge_request_outputs — create (every 404 and 422 case), find, and list with
 * filter[request_id].
 */
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  Api,
  type ApiResponse,
  assertJsonApiDocument,
  JSON_API,
  type OutputSpec,
  outputDocument,
  startTestSandbox,
} from "./helpers.js";

const NOT_FOUND = { errors: [{ code: null, detail: null }] };

/** [code, pointer] of every 422 error, after checking Bitex's error shape. */
function violations(response: ApiResponse): [string, string][] {
  expect(response.status, response.text).to.equal(422);
  expect(response.contentType).to.equal(JSON_API);
  return response.body.errors.map((error: Record<string, Record<string, string>>) => {
    expect(error).to.have.all.keys("status", "title", "detail", "code", "meta", "source");
    expect(error.status).to.equal(422);
    expect(error.meta).to.deep.equal({ type: "concierge_request_outputs" });
    return [error.code, error.source?.pointer];
  });
}

describe("sandbox contract: /concierge_request_outputs", () => {
  let sandbox: Sandbox;
  let api: Api;
  let request: string;

  beforeEach(async () => {
    // Written for the rich list style (meta and links), the default before the recorded style.
    sandbox = await startTestSandbox({ faults: { list_style: "rich" } });
    api = new Api(sandbox);
    request = await api.createRequest();
  });
  afterEach(() => sandbox.close());

  const create = (spec: Omit<OutputSpec, "request"> & { request?: string | number }) =>
    api.post("/concierge_request_outputs", outputDocument({ request, ...spec }));

  it("POST with an amount creates an accepting output and counts it on the request", async () => {
    const response = await api.post(
      "/concierge_request_outputs",
      outputDocument({ request: Number(request), user: 345, instruction: 2121, amount: 850000 }),
    );
    expect(response.status).to.equal(200);
    expect(response.contentType).to.equal(JSON_API);
    assertJsonApiDocument(response.body);
    const { created_at, updated_at, ...attributes } = response.body.data.attributes;
    expect(created_at).to.be.a("string");
    expect(updated_at).to.equal(created_at);
    expect(response.body.data.id).to.equal("1");
    expect(attributes).to.deep.equal({
      state: "accepting",
      port_code: "cl_clp",
      amount: 850000,
      budget: null,
    });
    expect(response.body.data.relationships).to.deep.equal({
      request: { data: { type: "concierge_requests", id: request } },
      user: { data: { type: "users", id: "345" } },
      withdrawal_instruction: { data: { type: "withdrawal_instructions", id: "2121" } },
    });
    const parent = (await api.get(`/concierge_requests/${request}`)).body.data.attributes;
    expect([parent.outputs_count, parent.outputs_accepting]).to.deep.equal([1, 1]);
  });

  it("POST answers with the payee and the instruction in `included`, as Bitex's guide shows (Create Outputs, 2019)", async () => {
    const response = await create({ amount: 1000 });
    expect(response.status).to.equal(200);
    expect(Object.keys(response.body)).to.deep.equal(["data", "included"]);
    expect(response.body.included).to.deep.equal([
      (await api.get("/users/345")).body.data,
      (await api.get("/withdrawal_instructions/2121")).body.data,
    ]);
    expect(response.body.included[0]).to.include({ id: "345", type: "users" });
    expect(response.body.included[1]).to.include({ id: "2121", type: "withdrawal_instructions" });
  });

  it("POST with a budget keeps it exactly (two decimals in ARS), amount null until quoted", async () => {
    const response = await create({ budget: 1500.25, amount: null });
    expect(response.status).to.equal(200);
    expect(response.body.data.attributes.budget).to.equal(1500.25);
    expect(response.text).to.contain('"amount":null,"budget":1500.25');
  });

  it("POST accepts canonical decimal strings; trailing zeros do not count as decimals", async () => {
    const response = await create({ port: "cl_clp", amount: "1000.00" });
    expect(response.status).to.equal(200);
    expect(response.body.data.attributes.amount).to.equal(1000);
  });

  for (const relationship of ["request", "user", "instruction"] as const) {
    for (const id of [99, "99"]) {
      it(`POST with an unknown ${relationship} id (${typeof id}) → 404, nothing created`, async () => {
        const response = await create({ amount: 1000, [relationship]: id });
        expect(response.status).to.equal(404);
        expect(response.body).to.deep.equal(NOT_FOUND);
        expect(sandbox.state().outputs).to.have.length(0);
      });
    }
  }

  const cases: [string, Omit<OutputSpec, "request">, [string, string][]][] = [
    ["neither amount nor budget", {}, [["amount_or_budget_required", "/data/attributes/amount"]]],
    [
      "both amount and budget",
      { amount: 1000, budget: 1000 },
      [["amount_and_budget_exclusive", "/data/attributes/budget"]],
    ],
    ["amount 0", { amount: 0 }, [["invalid_amount", "/data/attributes/amount"]]],
    ["a negative amount", { amount: -5 }, [["invalid_amount", "/data/attributes/amount"]]],
    [
      "amount as text that is not a decimal",
      { amount: "1,000" },
      [["invalid_amount", "/data/attributes/amount"]],
    ],
    ["amount in exponent notation (1e21)", { amount: 1e21 }, [["invalid_amount", "/data/attributes/amount"]]],
    ["amount true", { amount: true }, [["invalid_amount", "/data/attributes/amount"]]],
    ["budget 0", { budget: 0 }, [["invalid_budget", "/data/attributes/budget"]]],
    [
      "decimals in CLP (no minor unit)",
      { amount: 1000.5 },
      [["amount_too_many_decimals", "/data/attributes/amount"]],
    ],
    [
      "three decimals in an ARS budget",
      { budget: 10.125 },
      [["budget_too_many_decimals", "/data/attributes/budget"]],
    ],
    ["an unknown port", { port: "cl_cl", amount: 1000 }, [["unknown_port", "/data/attributes/port_code"]]],
    ["no port", { port: undefined, amount: 1000 }, [["port_code_required", "/data/attributes/port_code"]]],
    [
      "the instruction of another user",
      { user: "345", instruction: "2122", amount: 1000 },
      [["withdrawal_instruction_user_mismatch", "/data/relationships/withdrawal_instruction"]],
    ],
    [
      "the instruction of another port",
      { port: "uy_uyu", instruction: "2121", amount: 1000 },
      [["withdrawal_instruction_port_mismatch", "/data/relationships/withdrawal_instruction"]],
    ],
    [
      "several problems at once",
      { port: "uy_uyu", instruction: "2121", amount: 10.125 },
      [
        ["amount_too_many_decimals", "/data/attributes/amount"],
        ["withdrawal_instruction_port_mismatch", "/data/relationships/withdrawal_instruction"],
      ],
    ],
  ];
  for (const [label, spec, expected] of cases) {
    it(`POST with ${label} → 422 ${expected.map(([code]) => code).join(" + ")}`, async () => {
      expect(violations(await create(spec))).to.deep.equal(expected);
      expect(sandbox.state().outputs).to.have.length(0);
    });
  }

  it("POST with 2 decimals to uy_uyu is fine (UYU has a minor unit)", async () => {
    expect((await create({ port: "uy_uyu", instruction: "2124", amount: 10.25 })).status).to.equal(200);
  });

  it("POST for a route the seed has no rate for → 422 unsupported_route", async () => {
    const fromUyu = await api.createRequest({ port_code: "uy_uyu" });
    expect(violations(await create({ request: fromUyu, amount: 1000 }))).to.deep.equal([
      ["unsupported_route", "/data/attributes/port_code"],
    ]);
  });

  it("POST without relationships → 422 naming each missing one", async () => {
    const response = await api.post("/concierge_request_outputs", {
      data: { type: "concierge_request_outputs", attributes: { port_code: "cl_clp", amount: 1000 } },
    });
    expect(violations(response)).to.deep.equal([
      ["request_required", "/data/relationships/request"],
      ["user_required", "/data/relationships/user"],
      ["withdrawal_instruction_required", "/data/relationships/withdrawal_instruction"],
    ]);
  });

  it("POST to a request that is no longer a draft → 422 request_not_draft", async () => {
    await api.createOutput({ request, amount: 1000 });
    await api.post(`/concierge_requests/${request}/request_quote`);
    expect(violations(await create({ amount: 1000 }))).to.deep.equal([
      ["request_not_draft", "/data/relationships/request"],
    ]);
    expect(sandbox.state().outputs).to.have.length(1);
  });

  it("GET /:id returns the output (without the create's included); unknown → 404", async () => {
    const created = await create({ amount: 1000 });
    const found = await api.get("/concierge_request_outputs/1");
    assertJsonApiDocument(found.body);
    expect(found.body).to.deep.equal({ data: created.body.data });
    expect((await api.get("/concierge_request_outputs/2")).body).to.deep.equal(NOT_FOUND);
  });

  it("GET lists in id order; filter[request_id] keeps one request's outputs; an unknown request id gives none", async () => {
    const other = await api.createRequest();
    await api.createOutput({ request, amount: 1 });
    await api.createOutput({ request: other, amount: 2 });
    await api.createOutput({ request, amount: 3 });
    const all = await api.get("/concierge_request_outputs");
    assertJsonApiDocument(all.body);
    expect(all.body.data.map((o: { id: string }) => o.id)).to.deep.equal(["1", "2", "3"]);
    const mine = await api.get(`/concierge_request_outputs?filter[request_id]=${request}`);
    assertJsonApiDocument(mine.body);
    expect(mine.body.data.map((o: { attributes: { amount: number } }) => o.attributes.amount)).to.deep.equal([
      1, 3,
    ]);
    expect(mine.body.meta.total_items).to.equal(2);
    const unknown = await api.get("/concierge_request_outputs?filter[request_id]=77");
    expect(unknown.status).to.equal(200);
    expect(unknown.body.data).to.deep.equal([]);
  });
});
