/**
 * Contract: users created through the API (both recorded bodies), their compliance review on
 * the emulator's clock, and withdrawal instructions created for them in both generations.
 */
import { expect } from "chai";
import type { Sandbox } from "../../src/sandbox/index.js";
import { Api, assertJsonApiDocument, startTestSandbox, TEST_SEED } from "./helpers.js";

const userDocument = (attributes?: Record<string, unknown>) => ({
  data: { type: "users", ...(attributes === undefined ? {} : { attributes }) },
});

describe("sandbox contract: POST /users and the compliance review", () => {
  let sandbox: Sandbox;
  let api: Api;

  beforeEach(async () => {
    sandbox = await startTestSandbox({
      seed: { ...TEST_SEED, review: { minutes: 30, refuse: ["Refused@Example.com"] } },
    });
    api = new Api(sandbox);
  });
  afterEach(() => sandbox.close());

  it("creates a user from the 2019 body (email, password): 200, the recorded attributes, compliance new", async () => {
    const response = await api.post("/users", userDocument({ email: "new@example.com", password: "x" }));
    expect(response.status).to.equal(200);
    assertJsonApiDocument(response.body);
    expect(response.body.data).to.deep.equal({
      id: "348",
      type: "users",
      attributes: {
        name: "new@example.com",
        email: "new@example.com",
        kyc_accepted: false,
        otp_enabled: false,
        do_not_email: false,
        trezor_login_enabled: false,
      },
    });
    const listed = await api.get("/users?page[page]=1&page[per_page]=10");
    expect(listed.body.data.map((user: { id: string }) => user.id)).to.include("348");
  });

  it("creates a user from the current body ({data: {type: users}}): no email, ids go on", async () => {
    const first = await api.post("/users", userDocument());
    const second = await api.post("/users", userDocument({}));
    expect([first.status, second.status]).to.deep.equal([200, 200]);
    expect([first.body.data.id, second.body.data.id]).to.deep.equal(["348", "349"]);
    expect(first.body.data.attributes.email).to.equal("");
  });

  it("refuses a second user with an email already taken (any case): 422, nothing created", async () => {
    const taken = await api.post("/users", userDocument({ email: "ANA@example.com" }));
    expect(taken.status).to.equal(422);
    expect(taken.body.errors[0].code).to.equal("email_taken");
    expect(taken.body.errors[0].source).to.deep.equal({ pointer: "/data/attributes/email" });
    expect(sandbox.state().users.map((user) => user.id)).to.deep.equal(["112", "113", "345", "346", "347"]);
  });

  it("moves a created user from new to enabled when its review ends, and to rejected for a planted refusal", async () => {
    await api.post("/users", userDocument({ email: "new@example.com" }));
    await api.post("/users", userDocument({ email: "refused@example.com" }));
    const states = () =>
      sandbox
        .state()
        .users.filter((user) => Number(user.id) > 347)
        .map((user) => `${user.email}:${user.compliance_state}`);
    sandbox.advance({ minutes: 29 });
    expect(states()).to.deep.equal(["new@example.com:new", "refused@example.com:new"]);
    sandbox.advance({ minutes: 1 });
    expect(states()).to.deep.equal(["new@example.com:enabled", "refused@example.com:rejected"]);
    const read = await api.get("/users/348");
    expect(read.body.data.attributes.kyc_accepted).to.equal(true);
  });

  it("creates instructions for a new user in both generations; each listed acting as that user", async () => {
    const user = (await api.post("/users", userDocument({ email: "new@example.com" }))).body.data.id;
    const legacy = await api.post("/withdrawal_instructions", {
      data: {
        type: "withdrawal_instructions",
        attributes: {
          label: "legacy",
          body: {
            payment_method: "domestic_bank",
            country: "AR",
            currency: "ARS",
            cbu: "0110599520000001234565",
          },
        },
        relationships: { user: { data: { type: "users", id: user } } },
      },
    });
    const newer = await api.post("/withdrawal_instructions", {
      data: {
        type: "withdrawal_instructions",
        attributes: {
          label: "newer",
          payment_method_type: "ar_domestic_bank",
          body: { account_type: "savings", cbu: "0150553621000111396333" },
        },
        relationships: { user: { data: { id: Number(user), type: "users" } } },
      },
    });
    expect([legacy.status, newer.status]).to.deep.equal([200, 200]);
    expect(newer.body.data.attributes).to.deep.equal({
      label: "newer",
      schema: "bitex",
      body: { account_type: "savings", cbu: "0150553621000111396333" },
    });
    expect(
      sandbox
        .state()
        .withdrawal_instructions.filter((w) => w.user_id === user)
        .map((w) => w.id),
    ).to.deep.equal([legacy.body.data.id, newer.body.data.id]);
    const acting = new Api(sandbox, `${sandbox.apiKey}; user=${user}`);
    const listed = await acting.get("/withdrawal_instructions");
    expect(listed.body.data.map((w: { attributes: { label: string } }) => w.attributes.label)).to.deep.equal([
      "legacy",
      "newer",
    ]);
  });

  it("drops the answer to a user create after committing it, as for other creates", async () => {
    sandbox.setFaults({ drop_rate: 1 });
    await api.post("/users", userDocument({ email: "new@example.com" })).catch(() => undefined);
    sandbox.setFaults({ drop_rate: 0 });
    expect(sandbox.state().users.map((user) => user.email)).to.include("new@example.com");
    expect(sandbox.state().stats.dropped).to.equal(1);
  });
});
