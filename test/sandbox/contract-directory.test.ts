/**
 * Contract: auth, unknown routes, and the read-mostly endpoints (ports, users, withdrawal
 * instructions, which can also be created and deleted). Success bodies are checked against the
 * JSON:API 1.0 schema.
 */
import { expect } from "chai";
import { inferInstructionPort } from "../../src/sandbox/directory.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { Api, assertJsonApiDocument, JSON_API, type Json, startTestSandbox } from "./helpers.js";

describe("sandbox contract: auth, routes, ports, users, withdrawal instructions", () => {
  let sandbox: Sandbox;
  let api: Api;

  beforeEach(async () => {
    // Written for the rich list style (meta and links), the default before the recorded style.
    sandbox = await startTestSandbox({ faults: { list_style: "rich" } });
    api = new Api(sandbox);
  });
  afterEach(() => sandbox.close());

  describe("auth", () => {
    for (const [label, key] of [
      ["a wrong key", "not-the-key"],
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

    it("answers no Authorization header as recorded (movements-list-no_authorization_header), and counts the call", async () => {
      const response = await new Api(sandbox, null).get("/concierge_ports");
      expect(response.status).to.equal(401);
      expect(response.contentType).to.equal(JSON_API);
      expect(response.text).to.equal('{"error":"Necesitas iniciar sesión o registrarte para continuar."}');
      expect(sandbox.state().stats.calls).to.equal(1);
    });

    it("stamps every answer, refusals too, with X-Request-Id and a Date of the emulator's clock", async () => {
      await sandbox.close();
      sandbox = await startTestSandbox({ startTime: "2030-01-02T03:04:05Z", faults: { list_style: "rich" } });
      const ids = new Set<string>();
      for (const key of [sandbox.apiKey, "nope", null]) {
        for (const path of ["/concierge_ports", "/no_such_route"]) {
          const response = await new Api(sandbox, key).get(path);
          const id = response.headers.get("x-request-id") ?? "";
          expect(id, `${key} ${path}`).to.match(/^[0-9a-f-]{36}$/);
          ids.add(id);
          expect(response.headers.get("date")).to.equal("Wed, 02 Jan 2030 03:04:05 GMT");
        }
      }
      expect(ids.size).to.equal(6);
    });

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
      ["DELETE", "/concierge_requests/1"],
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
    it("lists the 11 ports of docs/design.md section 9 as Bitex's guide drafted them: ids 1..11, code, country, currency_code", async () => {
      // Shape: bitex-la/bitex-guides@605b778 concierge/request/README.md (2019), the list of ports.
      const response = await api.get("/concierge_ports");
      expect(response.status).to.equal(200);
      expect(response.contentType).to.equal(JSON_API);
      assertJsonApiDocument(response.body);
      expect(response.body.data.map((p: { id: string }) => p.id)).to.deep.equal(
        Array.from({ length: 11 }, (_, i) => String(i + 1)),
      );
      expect(
        response.body.data.map((p: { attributes: { code: string } }) => p.attributes.code),
      ).to.deep.equal([
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
        id: "3",
        type: "concierge_ports",
        attributes: { code: "cl_clp", country: "cl", currency_code: "clp" },
      });
      expect(response.body.data[8]).to.deep.equal({
        id: "9",
        type: "concierge_ports",
        attributes: { code: "other_usd", country: "other", currency_code: "usd" },
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
    /** An output of Ana (345) on `port` to `instruction`, in a new draft paid from ar_ars. */
    async function outputTo(instruction: string, port: string) {
      const request = await api.createRequest();
      return api.post("/concierge_request_outputs", {
        data: {
          type: "concierge_request_outputs",
          attributes: { port_code: port, amount: 1000 },
          relationships: {
            request: { data: { type: "concierge_requests", id: request } },
            user: { data: { type: "users", id: "345" } },
            withdrawal_instruction: { data: { type: "withdrawal_instructions", id: instruction } },
          },
        },
      });
    }
    const codes = (response: { body: Json }) =>
      (response.body.errors ?? []).map((error: { code: string }) => error.code);

    it("GET /withdrawal_instructions lists them in the recorded shape: label, schema, body; no port, no owner", async () => {
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
        },
      });
    });

    it("GET /withdrawal_instructions/:id, and 404 for an unknown id", async () => {
      const found = await api.get("/withdrawal_instructions/2123");
      assertJsonApiDocument(found.body);
      expect(found.body.data.attributes.label).to.equal("Bruno CLP");
      expect((await api.get("/withdrawal_instructions/99")).status).to.equal(404);
    });

    it("POST creates one owned by the `user` sent, next id after the seed's; its port (inferred from the body) decides which outputs it takes", async () => {
      const created = await api.post("/withdrawal_instructions", {
        data: {
          type: "withdrawal_instructions",
          attributes: {
            label: "Ana 2",
            body: { payment_method: "domestic_bank", country: "CL", currency: "CLP" },
          },
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
          body: { payment_method: "domestic_bank", country: "CL", currency: "CLP" },
        },
      });
      expect((await outputTo("2125", "cl_clp")).status).to.equal(200);
      expect(codes(await outputTo("2125", "uy_uyu"))).to.deep.equal(["withdrawal_instruction_port_mismatch"]);
    });

    it("POST without a `user` belongs to the key's owner (an output of Ana to it is refused)", async () => {
      const created = await api.post("/withdrawal_instructions", {
        data: {
          type: "withdrawal_instructions",
          attributes: { label: "x", body: { country: "CL", currency: "CLP" } },
        },
      });
      expect(created.status).to.equal(200);
      expect(codes(await outputTo(created.body.data.id, "cl_clp"))).to.deep.equal([
        "withdrawal_instruction_user_mismatch",
      ]);
    });

    it("POST in the Postman collection's form: payment_method_type ar_domestic_bank and a CBU → an ar_ars instruction", async () => {
      const created = await api.post("/withdrawal_instructions", {
        data: {
          type: "withdrawal_instructions",
          attributes: {
            label: "primeras-instrucciones",
            payment_method_type: "ar_domestic_bank",
            body: { account_type: "savings", cbu: "0150553621000111396333" },
          },
          relationships: { user: { data: { id: 345, type: "users" } } },
        },
      });
      expect(created.status).to.equal(200);
      // payment_method_type is read, not shown: the recorded shape has label, schema and body only.
      expect(Object.keys(created.body.data.attributes)).to.deep.equal(["label", "schema", "body"]);
      const violations = (await outputTo(created.body.data.id, "cl_clp")).body.errors;
      const mismatch = violations.find(
        (e: { code: string }) => e.code === "withdrawal_instruction_port_mismatch",
      );
      expect(mismatch.detail).to.include("es del puerto ar_ars");
    });

    it("POST with an unknown user → 404; an attribute the emulator does not know (port_code) is ignored", async () => {
      const unknownUser = await api.post("/withdrawal_instructions", {
        data: {
          type: "withdrawal_instructions",
          attributes: {},
          relationships: { user: { data: { id: 1 } } },
        },
      });
      expect(unknownUser.status).to.equal(404);
      const ignored = await api.post("/withdrawal_instructions", {
        data: {
          type: "withdrawal_instructions",
          attributes: { port_code: "zz_zzz", body: { country: "UY", currency: "UYU" } },
          relationships: { user: { data: { id: 345 } } },
        },
      });
      expect(ignored.status).to.equal(200);
      expect(ignored.body.data.attributes).to.not.have.property("port_code");
      const request = await api.createRequest();
      const output = await api.createOutput({
        request,
        port: "uy_uyu",
        instruction: ignored.body.data.id,
        amount: 10,
      });
      expect(output).to.be.a("string");
    });

    it("DELETE /withdrawal_instructions/:id → 204, no Content-Type, empty body (recorded); then 404 everywhere", async () => {
      // fixtures/recorded/withdrawal_instructions-destroy.json: 204 with no Content-Type and "".
      const response = await api.call("DELETE", "/withdrawal_instructions/2121");
      expect(response.status).to.equal(204);
      expect(response.contentType).to.equal(null);
      expect(response.text).to.equal("");
      expect((await api.get("/withdrawal_instructions/2121")).status).to.equal(404);
      const listed = (await api.get("/withdrawal_instructions")).body.data.map((w: { id: string }) => w.id);
      expect(listed).to.deep.equal(["2122", "2123", "2124"]);
      const again = await api.call("DELETE", "/withdrawal_instructions/2121");
      expect(again.status).to.equal(404);
      expect(again.body).to.deep.equal({ errors: [{ code: null, detail: null }] });
      expect((await outputTo("2121", "cl_clp")).status).to.equal(404);
    });

    it("DELETE leaves outputs already paid to the instruction to end as its outcome says (2123 returns)", async () => {
      const request = await api.createRequest();
      await api.createOutput({ request, user: "347", instruction: "2123", amount: 1000 });
      expect((await api.call("DELETE", "/withdrawal_instructions/2123")).status).to.equal(204);
      await api.post(`/concierge_requests/${request}/request_quote`);
      sandbox.advance(); // quoted
      expect((await api.post(`/concierge_requests/${request}/accept_quote`)).status).to.equal(200);
      sandbox.advance({ until: "final" });
      expect(sandbox.state().outputs.map((o) => o.attributes.state)).to.deep.equal(["returned"]);
    });
  });

  describe("inferInstructionPort (the emulator's inference; Bitex shows no port on an instruction)", () => {
    const rows: [string, Record<string, unknown>, string | undefined, string | null][] = [
      ["country and currency of a port", { country: "AR", currency: "USD" }, undefined, "ar_usd"],
      ["lower case too", { country: "uy", currency: "uyu" }, undefined, "uy_uyu"],
      [
        "an account abroad in a currency of other_*",
        { country: "CL", currency: "USD" },
        undefined,
        "other_usd",
      ],
      [
        "country OTHER (bitex-js fixture) in EUR",
        { country: "OTHER", currency: "EUR" },
        undefined,
        "other_eur",
      ],
      ["country OTHER in CLP: no port", { country: "OTHER", currency: "CLP" }, undefined, null],
      ["Postman form: the type's country, its own currency", { cbu: "1" }, "ar_domestic_bank", "ar_ars"],
      ["Postman form with a currency in the body", { currency: "USD" }, "ar_domestic_bank", "ar_usd"],
      ["the body's country wins over the type's", { country: "UY" }, "ar_domestic_bank", "uy_uyu"],
      ["nothing to go on", { name: "x" }, undefined, null],
      ["a currency alone, in no other_* port", { currency: "ARS" }, undefined, null],
    ];
    for (const [label, body, type, port] of rows) {
      it(`${label} → ${port}`, () => {
        expect(inferInstructionPort(body, type)).to.equal(port);
      });
    }
  });
});
