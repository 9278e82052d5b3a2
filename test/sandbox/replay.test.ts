import { expect } from "chai";
import { inferInstructionPort } from "../../src/sandbox/directory.js";
import { loadSeed, type Sandbox, type Seed, startSandbox } from "../../src/sandbox/index.js";
import { fromRoot } from "../helpers/root.js";
import { Api, assertJsonApiDocument, type Json, readFixture } from "./helpers.js";

interface Recording {
  request: { method: string; path: string; headers: Record<string, string>; body: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

const REPLAY_SEED = loadSeed(fromRoot("fixtures", "recorded", "replay-seed.json"));

/**
 * Member paths the emulator adds to Bitex's shapes: pagination on lists, in its `rich` list
 * style only (its default `recorded` lists are exactly the recorded `{"data": [...]}`).
 */
const ADDITIONS = new Set(["meta", "links"]);

/** Every difference in members or JSON types between `recorded` and `actual`, as readable lines. */
function shapeDifferences(recorded: unknown, actual: unknown, path = ""): string[] {
  const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  if (kind(recorded) !== kind(actual))
    return [`${path || "(body)"}: recorded ${kind(recorded)}, got ${kind(actual)}`];
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    // Element by element when the world holds the recorded items; else each against the first.
    const pairwise = recorded.length === actual.length;
    return actual.flatMap((item, i) => {
      const model = pairwise ? recorded[i] : recorded[0];
      return model === undefined ? [] : shapeDifferences(model, item, `${path}[]`);
    });
  }
  if (kind(recorded) !== "object") return [];
  const r = recorded as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const member = (key: string) => (path === "" ? key : `${path}.${key}`);
  const missing = Object.keys(r)
    .filter((key) => !(key in a))
    .map((key) => `${member(key)}: missing`);
  const extra = Object.keys(a)
    .filter((key) => !(key in r) && !ADDITIONS.has(member(key)))
    .map((key) => `${member(key)}: not in the recording`);
  const nested = Object.keys(r)
    .filter((key) => key in a)
    .flatMap((key) => shapeDifferences(r[key], a[key], member(key)));
  return [...missing, ...extra, ...nested];
}

describe("sandbox replay of recorded Bitex exchanges", () => {
  let sandbox: Sandbox;
  let api: Api;

  async function start(seed: Seed = REPLAY_SEED) {
    sandbox = await startSandbox({ seed, faults: { rate_limit: 0 } });
    api = new Api(sandbox);
  }
  afterEach(() => sandbox.close());

  /** Sends the recorded request with the recorded headers, our key standing in for `<redacted>`. */
  async function replay(name: string, options: { key?: string | null; path?: string; body?: unknown } = {}) {
    const recording = readFixture(`fixtures/recorded/${name}.json`) as Recording;
    const { method, path, body } = recording.request;
    const headers: Record<string, string> = { ...recording.request.headers };
    const recorded = recording.request.headers.Authorization ?? "<redacted>";
    if (options.key === null) delete headers.Authorization;
    else headers.Authorization = options.key ?? recorded.replace("<redacted>", sandbox.apiKey);
    const sent = options.body ?? body;
    const response = await fetch(`${sandbox.baseUrl}${options.path ?? path}`, {
      method,
      headers,
      body: sent === null ? undefined : JSON.stringify(sent),
    });
    const text = await response.text();
    const actual: Json = text === "" ? "" : JSON.parse(text);
    return {
      recording,
      status: response.status,
      contentType: response.headers.get("content-type"),
      body: actual,
    };
  }

  async function expectSameShape(name: string, options: Parameters<typeof replay>[1] = {}) {
    const result = await replay(name, options);
    expect(result.status, "status").to.equal(result.recording.response.status);
    expect(result.contentType, "Content-Type").to.equal(
      result.recording.response.headers["Content-Type"] ?? null,
    );
    expect(shapeDifferences(result.recording.response.body, result.body)).to.deep.equal([]);
    return result;
  }

  const successes = [
    "users-list",
    "withdrawal_instructions-find",
    "withdrawal_instructions-list",
    "withdrawal_instructions-create-domestic_bank",
    "withdrawal_instructions-create-international_bank",
    "withdrawal_instructions-create-third_party",
  ];
  for (const name of successes) {
    it(`${name}: same status, Content-Type and body shape; valid JSON:API`, async () => {
      await start();
      const { body } = await expectSameShape(name);
      assertJsonApiDocument(body);
    });
  }

  it("withdrawal_instructions-create-*: the body is echoed back verbatim", async () => {
    await start();
    const { recording, body } = await replay("withdrawal_instructions-create-international_bank");
    const recorded = recording.response.body as Json;
    expect(body.data.attributes.body).to.deep.equal(recorded.data.attributes.body);
    expect(body.data.attributes.label).to.equal(recorded.data.attributes.label);
    expect(body.data.attributes.schema).to.equal("bitex");
  });

  it("withdrawal_instructions-list-empty: a world without instructions lists {data: []}", async () => {
    await start({ ...REPLAY_SEED, withdrawal_instructions: [] });
    const { body } = await expectSameShape("withdrawal_instructions-list-empty");
    expect(body.data).to.deep.equal([]);
  });

  it("users-find-me-impersonation: GET /api/users/me with `<key>; user=600` answers user 600, not the key's owner", async () => {
    await start();
    const { body } = await expectSameShape("users-find-me-impersonation");
    expect(body.data.id).to.equal("600");
    expect(REPLAY_SEED.owner_user_id).to.equal("590");
    const plain = await replay("users-find-me-impersonation", { key: sandbox.apiKey });
    expect(plain.body.data.id).to.equal("590");
  });

  it("withdrawal_instructions-destroy: 204, no Content-Type, an empty body; the instruction is gone", async () => {
    await start();
    const result = await expectSameShape("withdrawal_instructions-destroy");
    expect(result.body).to.equal("");
    expect((await api.get("/withdrawal_instructions/15415")).status).to.equal(404);
  });

  describe("Bitex's JS SDK (bitex-la/bitex-js fixtures): paths with a trailing slash", () => {
    /** A world holding the SDK fixture's three instructions (ids 1–3), owned by the key's owner. */
    function sdkWorld(): Seed {
      const listed = (
        readFixture("fixtures/recorded/withdrawal_instructions-list-trailing_slash.json") as Json
      ).response.body.data as Json[];
      return {
        ...REPLAY_SEED,
        withdrawal_instructions: listed.map((w) => ({
          id: w.id,
          user_id: "590",
          port_code: inferInstructionPort(w.attributes.body) ?? "other_usd",
          label: w.attributes.label,
          body: w.attributes.body,
          outcome: "settled" as const,
        })),
      };
    }

    it("GET /api/withdrawal_instructions/ → 200, the recorded list shape, the same as without the slash", async () => {
      await start(sdkWorld());
      const { body } = await expectSameShape("withdrawal_instructions-list-trailing_slash");
      assertJsonApiDocument(body);
      expect(body.data).to.deep.equal((await api.get("/withdrawal_instructions")).body.data);
    });

    it("POST /api/withdrawal_instructions/ → 200, the body echoed as recorded", async () => {
      await start(sdkWorld());
      const { recording, body } = await expectSameShape("withdrawal_instructions-create-trailing_slash");
      expect(body.data.attributes).to.deep.equal((recording.response.body as Json).data.attributes);
      expect(body.data.id).to.equal("4");
    });

    it("DELETE /api/withdrawal_instructions/4/ (with the SDK's JSON body) → 204 as recorded, after the SDK's create made 4", async () => {
      await start(sdkWorld());
      await expectSameShape("withdrawal_instructions-create-trailing_slash");
      const result = await expectSameShape("withdrawal_instructions-destroy-trailing_slash");
      expect(result.body).to.equal("");
      expect((await api.get("/withdrawal_instructions/4")).status).to.equal(404);
    });
  });

  it("accounts-list-invalid_api_key: the same 401 body", async () => {
    await start();
    const result = await expectSameShape("accounts-list-invalid_api_key", { key: "we_dont_care" });
    expect(result.body).to.deep.equal(result.recording.response.body);
  });

  it("movements-list-no_authorization_header: no Authorization header at all, the same 401 body", async () => {
    await start();
    const result = await expectSameShape("movements-list-no_authorization_header", { key: null });
    expect(result.body).to.deep.equal(result.recording.response.body);
  });

  it("withdrawal_instructions-destroy-not_found: the same 404 body (shape A) for an id the world does not hold", async () => {
    await start();
    const result = await expectSameShape("withdrawal_instructions-destroy-not_found");
    expect(result.body).to.deep.equal(result.recording.response.body);
  });

  it("cash_withdrawals-create-instruction_not_found, by analogy: an unknown instruction id (a number) in a POST → 404", async () => {
    await start();
    const recorded = readFixture(
      "fixtures/recorded/cash_withdrawals-create-instruction_not_found.json",
    ) as Json;
    const request = await api.createRequest({ port_code: "ar_ars" });
    const result = await expectSameShape("cash_withdrawals-create-instruction_not_found", {
      path: "/api/concierge_request_outputs",
      body: {
        data: {
          type: "concierge_request_outputs",
          attributes: { port_code: "py_usd", amount: recorded.request.body.data.attributes.amount },
          relationships: {
            request: { data: { type: "concierge_requests", id: Number(request) } },
            user: { data: { type: "users", id: "600" } },
            withdrawal_instruction: recorded.request.body.data.relationships.withdrawal_instruction,
          },
        },
      },
    });
    expect(result.body).to.deep.equal(result.recording.response.body);
  });

  it("asks-create-lower_amount, by analogy: its amount (1e-08) gets a 422 error object of the recorded shape", async () => {
    await start();
    const recorded = readFixture("fixtures/recorded/asks-create-lower_amount.json") as Json;
    const request = await api.createRequest({ port_code: "ar_ars" });
    const result = await expectSameShape("asks-create-lower_amount", {
      path: "/api/concierge_request_outputs",
      body: {
        data: {
          type: "concierge_request_outputs",
          attributes: { port_code: "py_usd", amount: recorded.request.body.data.attributes.amount },
          relationships: {
            request: { data: { type: "concierge_requests", id: request } },
            user: { data: { type: "users", id: "600" } },
            withdrawal_instruction: { data: { type: "withdrawal_instructions", id: "15416" } },
          },
        },
      },
    });
    expect(result.body.errors).to.have.length(1);
    expect(result.body.errors[0]).to.include({ status: 422, code: "invalid_amount" });
    expect(result.body.errors[0].source).to.deep.equal({ pointer: "/data/attributes/amount" });
  });
});
