/**
 * Contract: the call shapes Bitex's own clients use, which the emulator must take as Bitex did.
 * Each test names its source:
 *   - trailing slash: bitex-la/bitex-js fixtures (fixtures/recorded/withdrawal_instructions-*-
 *     trailing_slash.json): GET and POST /api/withdrawal_instructions/ → 200, DELETE
 *     /api/withdrawal_instructions/4/ → 204. That every other route takes one too is the
 *     emulator's inference (one router serves them all);
 *   - `included` on an output's create answer: Bitex's guide "Create Outputs" (2019,
 *     bitex-la/bitex-guides _docs/concierge/outputs.md): the payee and the instruction;
 *   - impersonation: `Authorization: <key>; user=<id>` (fixtures/recorded/
 *     users-find-me-impersonation.json, guide "Master User"): the key acts as a managed user.
 *     What it changes besides `me` is the emulator's inference (README, "Emulator choices").
 */
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  Api,
  assertJsonApiDocument,
  JSON_API,
  type Json,
  outputDocument,
  startTestSandbox,
} from "./helpers.js";

const NOT_FOUND = { errors: [{ code: null, detail: null }] };

describe("sandbox contract: Bitex's SDK call shapes (trailing slash, included, impersonation)", () => {
  let sandbox: Sandbox;
  let api: Api;

  beforeEach(async () => {
    sandbox = await startTestSandbox();
    api = new Api(sandbox);
  });
  afterEach(() => sandbox.close());

  describe("a path ending in one `/` (bitex-js)", () => {
    it("every route the client uses answers as without the slash", async () => {
      const created = await api.post("/concierge_requests/", {
        data: { type: "concierge_requests", attributes: { port_code: "ar_ars", external_id: "bb-1" } },
      });
      expect(created.status).to.equal(200);
      expect(created.body.data.id).to.equal("1");
      const output = await api.post(
        "/concierge_request_outputs/",
        outputDocument({ request: "1", amount: 1000 }),
      );
      expect(output.status).to.equal(200);
      assertJsonApiDocument(output.body);
      for (const path of [
        "/concierge_ports",
        "/concierge_requests/1",
        "/concierge_requests?filter[external_id]=bb-1",
        "/concierge_request_outputs/1",
        "/concierge_request_outputs?filter[request_id]=1",
        "/users",
        "/users/me",
        "/withdrawal_instructions/2121",
      ]) {
        const [route, query] = path.split("?");
        const slashed = await api.get(`${route}/${query === undefined ? "" : `?${query}`}`);
        const plain = await api.get(path);
        expect(slashed.status, path).to.equal(200);
        expect(slashed.body.data, path).to.deep.equal(plain.body.data);
      }
      const quoted = await api.post("/concierge_requests/1/request_quote/");
      expect(quoted.status).to.equal(200);
      expect(quoted.body.data.attributes.state).to.equal("quote_requested");
    });

    it("only one slash: two slashes, or a slash alone after /api, are unknown routes (404 shape A)", async () => {
      for (const path of ["/concierge_ports//", "/"]) {
        const response = await api.get(path);
        expect(response.status, path).to.equal(404);
        expect(response.body, path).to.deep.equal(NOT_FOUND);
      }
    });

    it("drop_rate treats a create with a slash as a create: committed, then no answer", async () => {
      sandbox.setFaults({ drop_rate: 1 });
      await api
        .post("/concierge_requests/", {
          data: { type: "concierge_requests", attributes: { port_code: "ar_ars" } },
        })
        .then(
          () => expect.fail("the answer should have been dropped"),
          (error: Error) => expect(error).to.be.instanceOf(TypeError),
        );
      expect(sandbox.state().requests).to.have.length(1);
      expect(sandbox.state().stats.dropped).to.equal(1);
    });
  });

  describe("`included` on an output's create answer (guide, Create Outputs)", () => {
    it("holds the payee (users) then the instruction (withdrawal_instructions), as their own endpoints show them", async () => {
      const request = await api.createRequest();
      const created = await api.post(
        "/concierge_request_outputs",
        outputDocument({ request, user: "347", instruction: "2123", amount: 1000 }),
      );
      expect(created.status).to.equal(200);
      assertJsonApiDocument(created.body);
      expect(created.body.included.map((r: Json) => `${r.type}/${r.id}`)).to.deep.equal([
        "users/347",
        "withdrawal_instructions/2123",
      ]);
      expect(created.body.included[0]).to.deep.equal((await api.get("/users/347")).body.data);
      expect(created.body.included[1]).to.deep.equal(
        (await api.get("/withdrawal_instructions/2123")).body.data,
      );
    });

    it("a refused create has no `included`: only the errors", async () => {
      const request = await api.createRequest();
      const refused = await api.post("/concierge_request_outputs", outputDocument({ request, amount: -1 }));
      expect(refused.status).to.equal(422);
      expect(Object.keys(refused.body)).to.deep.equal(["errors"]);
    });
  });

  describe("impersonation: `Authorization: <key>; user=<id>` (recorded)", () => {
    const as = (user: string) => new Api(sandbox, `${sandbox.apiKey}; user=${user}`);

    it("GET /users/me is the managed user; without the suffix, the key's owner", async () => {
      const me = await as("345").get("/users/me");
      expect(me.status).to.equal(200);
      expect(me.contentType).to.equal(JSON_API);
      expect(me.body.data.id).to.equal("345");
      expect((await api.get("/users/me")).body.data.id).to.equal("112");
    });

    it("withdrawal instructions: the user sees only their own; one they create without `user` is theirs", async () => {
      const ana = as("345");
      const listed = await ana.get("/withdrawal_instructions");
      expect(listed.body.data.map((w: Json) => w.id)).to.deep.equal(["2121", "2124"]);
      expect((await ana.get("/withdrawal_instructions/2122")).body).to.deep.equal(NOT_FOUND);
      expect((await ana.call("DELETE", "/withdrawal_instructions/2122")).status).to.equal(404);
      const created = await ana.post("/withdrawal_instructions", {
        data: {
          type: "withdrawal_instructions",
          attributes: { label: "Ana 3", body: { country: "CL", currency: "CLP" } },
        },
      });
      expect(created.status).to.equal(200);
      // The key itself sees all five; Ana's new instruction takes Ana's outputs.
      expect((await api.get("/withdrawal_instructions")).body.data).to.have.length(5);
      const request = await api.createRequest();
      const output = await api.post(
        "/concierge_request_outputs",
        outputDocument({ request, user: "345", instruction: created.body.data.id, amount: 1000 }),
      );
      expect(output.status).to.equal(200);
    });

    it("a user the key does not manage → 401 Not enough permissions (the recorded body); a wrong key → 401 Invalid Api Key", async () => {
      const stranger = await as("999").get("/users/me");
      expect(stranger.status).to.equal(401);
      expect(stranger.text).to.equal('{"error":"Not enough permissions"}');
      const wrongKey = await new Api(sandbox, "nope; user=345").get("/users/me");
      expect(wrongKey.status).to.equal(401);
      expect(wrongKey.text).to.equal('{"error":"Invalid Api Key"}');
      expect((await new Api(sandbox, `${sandbox.apiKey}; user=`).get("/users/me")).status).to.equal(401);
    });

    it("the rate limit counts the key, whoever it acts as", async () => {
      sandbox.setFaults({ rate_limit: 2 });
      const statuses = [];
      for (const client of [api, as("345"), as("347")]) statuses.push((await client.get("/users/me")).status);
      expect(statuses).to.deep.equal([200, 200, 429]);
    });
  });

  describe("a body that is not JSON", () => {
    it("is a 400 invalid_json on every route, also those that read no body (an action, a DELETE)", async () => {
      const request = await api.createRequest();
      for (const [method, path] of [
        ["POST", `/concierge_requests/${request}/request_quote`],
        ["DELETE", "/withdrawal_instructions/2121"],
        ["PATCH", `/concierge_requests/${request}`],
      ] as const) {
        const response = await api.call(method, path, "{not json");
        expect(response.status, `${method} ${path}`).to.equal(400);
        expect(response.contentType).to.equal(JSON_API);
        expect(response.body.errors[0]).to.include({ status: 400, code: "invalid_json" });
      }
      expect((await api.get("/withdrawal_instructions/2121")).status, "nothing was done").to.equal(200);
      expect(sandbox.state().requests[0]?.attributes.state).to.equal("draft");
    });

    it("an unknown route stays a 404, body or not", async () => {
      const response = await api.call("POST", "/accounts", "{not json");
      expect(response.status).to.equal(404);
      expect(response.body).to.deep.equal(NOT_FOUND);
    });
  });
});
