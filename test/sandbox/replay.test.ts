/**
 * Replays the exchanges recorded against the real Bitex service (fixtures/recorded/, see its
 * README) and checks status, Content-Type and body shape: the same members with the same JSON
 * types, not the same values. The only members the emulator may add are listed in ADDITIONS.
 */
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { loadSeed, type Sandbox, type Seed, startSandbox } from "../../src/sandbox/index.js";
import { Api, assertJsonApiDocument, type Json, readFixture } from "./helpers.js";

interface Recording {
  request: { method: string; path: string; headers: Record<string, string>; body: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

const REPLAY_SEED = loadSeed(
  fileURLToPath(new URL("../../fixtures/recorded/replay-seed.json", import.meta.url)),
);

/**
 * Member paths (array indexes written as []) the emulator adds to Bitex's shapes: pagination on
 * lists, and the port and owner of a withdrawal instruction.
 */
const ADDITIONS = new Set([
  "meta",
  "links",
  "data.attributes.port_code",
  "data.relationships",
  "data[].attributes.port_code",
  "data[].relationships",
]);

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
  async function replay(name: string, options: { key?: string; path?: string; body?: unknown } = {}) {
    const recording = readFixture(`fixtures/recorded/${name}.json`) as Recording;
    const { method, path, body } = recording.request;
    const headers: Record<string, string> = { ...recording.request.headers };
    headers.Authorization = options.key ?? sandbox.apiKey;
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
    expect(result.contentType, "Content-Type").to.equal(result.recording.response.headers["Content-Type"]);
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

  it("users-find-me-impersonation: GET /api/users/me answers the key's owner in the recorded shape", async () => {
    await start();
    const { body } = await expectSameShape("users-find-me-impersonation");
    expect(body.data.id).to.equal("600");
  });

  it("accounts-list-invalid_api_key: the same 401 body", async () => {
    await start();
    const result = await expectSameShape("accounts-list-invalid_api_key", { key: "we_dont_care" });
    expect(result.body).to.deep.equal(result.recording.response.body);
  });

  it("withdrawal_instructions-destroy-not_found: the same 404 body (shape A)", async () => {
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
