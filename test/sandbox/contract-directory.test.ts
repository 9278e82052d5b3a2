/**
 * Contract: auth, unknown routes, and the read-mostly endpoints (ports, users, withdrawal
 * instructions). Success bodies are checked against the JSON:API 1.0 schema.
 */
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { Api, assertJsonApiDocument, JSON_API, startTestSandbox } from "./helpers.js";

describe("sandbox contract: auth, routes, ports, users, withdrawal instructions", () => {
  let sandbox: Sandbox;
  let api: Api;

  beforeEach(async () => {
    sandbox = await startTestSandbox();
    api = new Api(sandbox);
  });
  afterEach(() => sandbox.close());

  describe("auth", () => {
    for (const [label, key] of [
      ["a wrong key", "not-the-key"],
      ["no Authorization header", null],
      ["the key behind a scheme", "Bearer test-key"],
    ] as const) {
      it(`answers 401 {"error":"Invalid Api Key"} to ${label}, and counts the call`, async () => {
        const response = await new Api(sandbox, key).get("/concierge_ports");
        expect(response.status).to.equal(401);
        expect(response.contentType).to.equal(JSON_API);
        expect(response.text).to.equal('{"error":"Invalid Api Key"}');
        expect(sandbox.state().stats.calls).to.equal(1);
      });
    }

    it("checks the key before the route: an unknown path with a bad key is a 401", async () => {
      const response = await new Api(sandbox, "nope").get("/accounts");
      expect(response.status).to.equal(401);
    });

    it("needs no key on /_sandbox/* and does not count those calls", async () => {
      const response = await api.control("GET", "state");
      expect(response.status).to.equal(200);
      expect(response.body.stats.calls).to.equal(0);
    });
  });

  describe("unknown routes and methods", () => {
    for (const [method, path] of [
      ["GET", "/accounts"],
      ["DELETE", "/withdrawal_instructions/2121"],
      ["PUT", "/concierge_requests/1"],
      ["GET", "/concierge_requests/abc"],
      ["POST", "/concierge_requests/1/approve"],
    ] as const) {
      it(`${method} ${path} → 404 in Bitex's shape A`, async () => {
        const response = await api.call(method, path);
        expect(response.status).to.equal(404);
        expect(response.contentType).to.equal(JSON_API);
        expect(response.body).to.deep.equal({ errors: [{ code: null, detail: null }] });
      });
    }
  });

  describe("GET /concierge_ports", () => {
    it("lists the 11 ports of DESIGN.md, id = port code", async () => {
      const response = await api.get("/concierge_ports");
      expect(response.status).to.equal(200);
      expect(response.contentType).to.equal(JSON_API);
      assertJsonApiDocument(response.body);
      expect(response.body.data.map((p: { id: string }) => p.id)).to.deep.equal([
        "ar_ars",
        "ar_usd",
        "cl_clp",
        "uy_uyu",
        "py_pyg",
        "uy_usd",
        "py_usd",
        "us_usd",
        "other_usd",
        "mx_mxn",
        "other_eur",
      ]);
      expect(response.body.data[2]).to.deep.equal({
        id: "cl_clp",
        type: "concierge_ports",
        attributes: { code: "cl_clp", country: "cl", currency: "clp", decimals: 0 },
      });
      expect(response.body.meta).to.deep.equal({ total_items: 11, total_pages: 1, page: 1, page_size: 25 });
    });
  });

  describe("users", () => {
    it("GET /users lists the seed's users with Bitex's recorded attributes", async () => {
      const response = await api.get("/users");
      expect(response.status).to.equal(200);
      assertJsonApiDocument(response.body);
      expect(response.body.data.map((u: { id: string }) => u.id)).to.deep.equal([
        "112",
        "113",
        "345",
        "346",
        "347",
      ]);
      expect(response.body.data[2]).to.deep.equal({
        id: "345",
        type: "users",
        attributes: {
          name: "Ana",
          email: "ana@example.com",
          kyc_accepted: true,
          otp_enabled: false,
          do_not_email: false,
          trezor_login_enabled: false,
        },
      });
    });

    it("GET /users/:id: a user without a name is named by e-mail; a rejected one has kyc_accepted false", async () => {
      const response = await api.get("/users/346");
      expect(response.status).to.equal(200);
      assertJsonApiDocument(response.body);
      expect(response.body.data.attributes.name).to.equal("blocked@example.com");
      expect(response.body.data.attributes.kyc_accepted).to.equal(false);
    });

    it("GET /users/me is the key's owner (owner_user_id)", async () => {
      const response = await api.get("/users/me");
      expect(response.body.data.id).to.equal("112");
    });

    it("GET /users/999 → 404", async () => {
      const response = await api.get("/users/999");
      expect(response.status).to.equal(404);
      expect(response.body).to.deep.equal({ errors: [{ code: null, detail: null }] });
    });
  });

  describe("withdrawal instructions", () => {
    it("GET /withdrawal_instructions lists them, with the port and owner the emulator adds", async () => {
      const response = await api.get("/withdrawal_instructions");
      expect(response.status).to.equal(200);
      assertJsonApiDocument(response.body);
      expect(response.body.data).to.have.length(4);
      expect(response.body.data[0]).to.deep.equal({
        id: "2121",
        type: "withdrawal_instructions",
        attributes: {
          label: "Ana CLP",
          schema: "bitex",
          body: { payment_method: "domestic_bank", bank_account_number: "1234567" },
          port_code: "cl_clp",
        },
        relationships: { user: { data: { type: "users", id: "345" } } },
      });
    });

    it("GET /withdrawal_instructions/:id, and 404 for an unknown id", async () => {
      const found = await api.get("/withdrawal_instructions/2123");
      assertJsonApiDocument(found.body);
      expect(found.body.data.attributes.label).to.equal("Bruno CLP");
      expect((await api.get("/withdrawal_instructions/99")).status).to.equal(404);
    });

    it("POST creates one (owner by default, port from port_code), next id after the seed's, usable in outputs", async () => {
      const created = await api.post("/withdrawal_instructions", {
        data: {
          type: "withdrawal_instructions",
          attributes: { label: "Ana 2", port_code: "cl_clp", body: { payment_method: "domestic_bank" } },
          relationships: { user: { data: { type: "users", id: 345 } } },
        },
      });
      expect(created.status).to.equal(200);
      assertJsonApiDocument(created.body);
      expect(created.body.data).to.deep.equal({
        id: "2125",
        type: "withdrawal_instructions",
        attributes: {
          label: "Ana 2",
          schema: "bitex",
          body: { payment_method: "domestic_bank" },
          port_code: "cl_clp",
        },
        relationships: { user: { data: { type: "users", id: "345" } } },
      });
      const request = await api.createRequest();
      const output = await api.post("/concierge_request_outputs", {
        data: {
          type: "concierge_request_outputs",
          attributes: { port_code: "cl_clp", amount: 1000 },
          relationships: {
            request: { data: { type: "concierge_requests", id: request } },
            user: { data: { type: "users", id: "345" } },
            withdrawal_instruction: { data: { type: "withdrawal_instructions", id: "2125" } },
          },
        },
      });
      expect(output.status).to.equal(200);
    });

    it("POST takes the port from the body's country and currency when port_code is absent", async () => {
      const created = await api.post("/withdrawal_instructions", {
        data: {
          type: "withdrawal_instructions",
          attributes: { label: "x", body: { country: "AR", currency: "USD" } },
        },
      });
      expect(created.body.data.attributes.port_code).to.equal("ar_usd");
      expect(created.body.data.relationships.user.data.id).to.equal("112");
    });

    it("POST with an unknown user → 404; with an unknown port_code → 422 unknown_port", async () => {
      const unknownUser = await api.post("/withdrawal_instructions", {
        data: {
          type: "withdrawal_instructions",
          attributes: {},
          relationships: { user: { data: { id: 1 } } },
        },
      });
      expect(unknownUser.status).to.equal(404);
      const badPort = await api.post("/withdrawal_instructions", {
        data: { type: "withdrawal_instructions", attributes: { port_code: "zz_zzz" } },
      });
      expect(badPort.status).to.equal(422);
      expect(badPort.body.errors[0].code).to.equal("unknown_port");
      expect(badPort.body.errors[0].source).to.deep.equal({ pointer: "/data/attributes/port_code" });
    });
  });
});
