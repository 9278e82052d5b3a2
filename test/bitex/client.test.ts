import { inspect } from "node:util";
import { expect } from "chai";
import { stopFor } from "../../src/app/stop.js";
import { type BitexClient, createBitexClient, type RetryInfo } from "../../src/bitex/client.js";
import { ApiError } from "../../src/bitex/errors.js";
import { ConfigError } from "../../src/bitex/failure.js";
import { GateClosedError } from "../../src/bitex/gate.js";
import { createFetchTransport } from "../../src/bitex/transport.js";
import { BatchError } from "../../src/errors.js";
import {
  closedPort,
  type Received,
  type ScriptedServer,
  scriptedServer,
  sendJson,
} from "../helpers/bitex-server.js";

const KEY = "sk-test-7f3a9c1e5b";
const POLICY = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4, retryAfterCapMs: 2000 };

const output = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: "concierge_request_outputs",
  attributes: { state: "accepting", port_code: "cl_clp", amount: 850000, budget: null, ...extra },
  relationships: {
    request: { data: { type: "concierge_requests", id: "1" } },
    user: { data: { type: "users", id: "345" } },
    withdrawal_instruction: { data: { type: "withdrawal_instructions", id: "2121" } },
  },
});

const OUTPUT_INPUT = {
  requestId: "1",
  portCode: "cl_clp",
  amount: "850000",
  recipientUserId: "345",
  withdrawalInstructionId: "2121",
};

/** Resolves with what the promise rejected with; fails the test if it resolved. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("bitex client against a scripted server", () => {
  let server: ScriptedServer | undefined;
  let client: BitexClient | undefined;
  let retries: RetryInfo[] = [];
  const errors: unknown[] = [];
  /** What a logger would print from onRetry. */
  const logged: string[] = [];

  async function start(
    script: Parameters<typeof scriptedServer>[0],
    options: { concurrency?: number; timeoutMs?: number; onRetry?: (info: RetryInfo) => void } = {},
  ) {
    server = await scriptedServer(script);
    client = createBitexClient({
      baseUrl: server.url,
      apiKey: KEY,
      concurrency: options.concurrency ?? 2,
      rate: 1000,
      timeoutMs: options.timeoutMs,
      policy: POLICY,
      random: () => 0.5,
      onRetry: (info) => {
        retries.push(info);
        logged.push(
          `retry ${info.request} after ${info.delayMs} ms: ${info.error.message}`,
          inspect(info, { depth: 6 }),
        );
        options.onRetry?.(info);
      },
    });
    return { server, client };
  }

  async function failure(promise: Promise<unknown>): Promise<ApiError> {
    const error = await rejection(promise);
    errors.push(error);
    expect(error).to.be.instanceOf(ApiError);
    return error as ApiError;
  }

  afterEach(async () => {
    client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
    retries = [];
  });

  after(() => {
    // The key is never printed, for this layer: no error or log line of any test above shows the key.
    expect(errors.length).to.be.greaterThan(5);
    expect(logged.length).to.be.greaterThan(5);
    for (const line of logged) expect(line).to.not.include(KEY);
    for (const error of errors) {
      const text = `${String(error)}\n${(error as Error).stack}\n${JSON.stringify(error)}\n${inspect(error, { depth: 6 })}`;
      expect(text).to.not.include(KEY);
    }
  });

  it("sends the raw key and JSON:API headers, the amount's exact digits, and decodes the output", async () => {
    const { server, client } = await start((_req, res) =>
      sendJson(
        res,
        201,
        `{"data":${JSON.stringify(output("77")).replace("850000", "12345678901234567.89")}}`,
      ),
    );
    const created = await client.createOutput({ ...OUTPUT_INPUT, amount: "12345678901234567.89" });
    const [req] = server.received as [Received];
    expect([req.method, req.url]).to.deep.equal(["POST", "/api/concierge_request_outputs"]);
    expect(req.headers.authorization).to.equal(KEY);
    expect(req.headers["content-type"]).to.equal("application/vnd.api+json");
    expect(req.headers.accept).to.equal("application/vnd.api+json");
    expect(req.headers.version).to.equal("2.0");
    expect(req.body).to.include('"amount":12345678901234567.89,"budget":null');
    expect(created).to.deep.equal({
      id: "77",
      state: "accepting",
      port_code: "cl_clp",
      amount: "12345678901234567.89",
      budget: null,
      request_id: "1",
      user_id: "345",
      withdrawal_instruction_id: "2121",
    });
  });

  it("sends ids without their leading zeros (0112, 0345, 02121 as 112, 345, 2121), as Bitex casts them", async () => {
    const { server, client } = await start((req, res) =>
      req.url?.endsWith("/concierge_requests")
        ? sendJson(res, 201, {
            data: {
              id: "5",
              type: "concierge_requests",
              attributes: { state: "draft", port_code: "ar_ars", external_id: "bb-1", outputs_count: 0 },
            },
          })
        : sendJson(res, 201, { data: output("77") }),
    );
    await client.createRequest({ portCode: "ar_ars", externalId: "bb-1", payerUserId: "0112" });
    await client.createOutput({ ...OUTPUT_INPUT, recipientUserId: "0345", withdrawalInstructionId: "02121" });
    const [request, created] = server.received.map((received) => JSON.parse(received.body ?? ""));
    expect(request.data.relationships.user.data.id).to.equal("112");
    expect([
      created.data.relationships.user.data.id,
      created.data.relationships.withdrawal_instruction.data.id,
    ]).to.deep.equal(["345", "2121"]);
  });

  it("createRequest sends port, external id and payer; decodes the request", async () => {
    const { server, client } = await start((_req, res) =>
      sendJson(res, 201, {
        data: {
          id: "5",
          type: "concierge_requests",
          attributes: {
            state: "draft",
            port_code: "ar_ars",
            external_id: "bb-1",
            total_to_spend: null,
            outputs_count: 0,
          },
          relationships: { user: { data: { type: "users", id: "112" } } },
        },
      }),
    );
    const request = await client.createRequest({
      portCode: "ar_ars",
      externalId: "bb-1",
      payerUserId: "112",
    });
    expect(JSON.parse(server.received[0]?.body ?? "")).to.deep.equal({
      data: {
        type: "concierge_requests",
        attributes: { port_code: "ar_ars", external_id: "bb-1" },
        relationships: { user: { data: { type: "users", id: "112" } } },
      },
    });
    expect(request).to.deep.equal({
      id: "5",
      state: "draft",
      port_code: "ar_ars",
      external_id: "bb-1",
      total_to_spend: null,
      outputs_count: 0,
      user_id: "112",
    });
  });

  it("reads the older shape (outputs_total, no outputs_count) and the outputs relationship", async () => {
    const { client } = await start((_req, res) =>
      sendJson(res, 200, {
        data: {
          id: "5",
          type: "concierge_requests",
          attributes: { state: "quoted", outputs_total: 2, outputs_accepted: 2 },
          relationships: {
            outputs: {
              data: [
                { type: "concierge_request_outputs", id: "8" },
                { type: "concierge_request_outputs", id: 9 },
              ],
            },
          },
        },
      }),
    );
    const request = await client.getRequest("5");
    expect([request.outputs_count, request.outputs_ids, request.state]).to.deep.equal([
      2,
      ["8", "9"],
      "quoted",
    ]);
  });

  for (const [attributes, why] of [
    [
      { state: "draft" },
      "request 5: attribute outputs_count (or outputs_total) is absent; expected a whole number of outputs",
    ],
    [
      { state: "draft", outputs_count: "2" },
      'request 5: attribute outputs_count (or outputs_total) is "2"; expected a whole number of outputs',
    ],
    [
      { state: "paused", outputs_count: 2 },
      'request 5: attribute state is "paused"; expected one of draft, quote_requested, quoted, quote_accepted, working, finished, cancelled',
    ],
    [
      { outputs_count: 2 },
      "request 5: attribute state is absent; expected one of draft, quote_requested, quoted, quote_accepted, working, finished, cancelled",
    ],
    [
      { state: "quoted", outputs_count: 2, total_to_spend: "1.5e3" },
      'request 5: attribute total_to_spend is "1.5e3"; expected a decimal amount (digits, a point) or null',
    ],
    [
      { state: "quoted", outputs_count: 2, total_to_spend: "1,500.00" },
      'request 5: attribute total_to_spend is "1,500.00"; expected a decimal amount (digits, a point) or null',
    ],
  ] as const) {
    it(`a request the client cannot rely on is refused naming attribute and request: ${why.slice(10, 52)}`, async () => {
      const { client } = await start((_req, res) =>
        sendJson(res, 200, { data: { id: "5", type: "concierge_requests", attributes } }),
      );
      const error = await failure(client.getRequest("5"));
      expect([error.kind, error.sent, error.detail]).to.deep.equal([
        "bad_response",
        "no",
        `unexpected answer from Bitex (200): ${why}`,
      ]);
    });
  }

  it("an output in an unknown state is refused naming it", async () => {
    const { client } = await start((_req, res) =>
      sendJson(res, 200, { data: [output("8", { state: "paid" })], meta: { page: 1, total_pages: 1 } }),
    );
    const error = await failure(client.listOutputs("1"));
    expect(error.detail).to.equal(
      'unexpected answer from Bitex (200): output 8: attribute state is "paid"; expected one of accepting, accepted, rejected, working, settling, settled, failed, returned, cancelled',
    );
  });

  it("an output whose amount is text with an exponent is refused naming it; a JSON number is read exactly", async () => {
    let calls = 0;
    const { client } = await start((_req, res) => {
      calls++;
      if (calls === 1)
        return sendJson(res, 200, {
          data: [output("8", { amount: "2E+3" })],
          meta: { page: 1, total_pages: 1 },
        });
      // Written by hand: JSON.stringify would write 1500, not the exponent a server may send.
      const body = JSON.stringify({
        data: [output("9", { amount: "AMOUNT" })],
        meta: { page: 1, total_pages: 1 },
      });
      res.setHeader("Content-Type", "application/vnd.api+json");
      res.end(body.replace('"AMOUNT"', "1.5e3"));
    });
    const error = await failure(client.listOutputs("1"));
    expect(error.detail).to.equal(
      'unexpected answer from Bitex (200): output 8: attribute amount is "2E+3"; expected a decimal amount (digits, a point) or null',
    );
    const [read] = await client.listOutputs("1");
    expect([read?.id, read?.amount, read?.budget]).to.deep.equal(["9", "1500", null]);
  });

  it("follows next links through every page, keeping the filter and page size", async () => {
    const { server, client } = await start((req, res) => {
      const url = new URL(req.url, "http://x");
      const page = Number(url.searchParams.get("page[number]") ?? 1);
      const next = page < 3 ? `${server?.url}/concierge_request_outputs?${withPage(url, page + 1)}` : null;
      sendJson(res, 200, {
        data: [output(`${page}a`), output(`${page}b`)],
        links: { next },
        meta: { page, total_pages: 3 },
      });
    });
    const outputs = await client.listOutputs("1");
    expect(outputs.map((o) => o.id)).to.deep.equal(["1a", "1b", "2a", "2b", "3a", "3b"]);
    expect(server.received.map((r) => decodeURIComponent(r.url))).to.deep.equal([
      "/api/concierge_request_outputs?filter[request_id]=1&page[size]=500&page[per_page]=500",
      "/api/concierge_request_outputs?filter[request_id]=1&page[size]=500&page[per_page]=500&page[number]=2",
      "/api/concierge_request_outputs?filter[request_id]=1&page[size]=500&page[per_page]=500&page[number]=3",
    ]);
  });

  it("pages by meta when the server sends no links", async () => {
    const { server, client } = await start((req, res) => {
      const page = Number(new URL(req.url, "http://x").searchParams.get("page[number]") ?? 1);
      sendJson(res, 200, {
        data: [{ id: `${page}`, type: "users", attributes: { email: `u${page}@x` } }],
        meta: { page, total_pages: 2 },
      });
    });
    expect(await client.listUsers()).to.deep.equal([
      { id: "1", email: "u1@x" },
      { id: "2", email: "u2@x" },
    ]);
    expect(server.received).to.have.length(2);
  });

  it("skips an item repeated on the next page (a concurrent insert shifted the pages)", async () => {
    const { client } = await start((req, res) => {
      const page = Number(new URL(req.url, "http://x").searchParams.get("page[number]") ?? 1);
      const ids = page === 1 ? ["1", "2"] : ["2", "3"];
      sendJson(res, 200, { data: ids.map((id) => output(id)), meta: { page, total_pages: 2 } });
    });
    expect((await client.listOutputs("1")).map((o) => o.id)).to.deep.equal(["1", "2", "3"]);
  });

  it("an output naming its request by a numeric request_id attribute (no relationship) is that request's, as its id reads everywhere else", async () => {
    const { client } = await start((req, res) => {
      const page = Number(new URL(req.url, "http://x").searchParams.get("page[number]") ?? 1);
      const bare = (id: string, request: number) => {
        const { request: _, ...relationships } = output(id).relationships;
        return { ...output(id, { request_id: request }), relationships };
      };
      // A server that ignores the filter: another request's output (2) is left out, ours kept.
      sendJson(res, 200, { data: page === 1 ? [bare("7", 1), bare("8", 2), bare("9", 1)] : [] });
    });
    const outputs = await client.listOutputs("1");
    expect(outputs.map((o) => [o.id, o.request_id])).to.deep.equal([
      ["7", "1"],
      ["9", "1"],
    ]);
  });

  it("refuses a full page that says nothing about further pages", async () => {
    const { client } = await start((_req, res) =>
      sendJson(res, 200, { data: Array.from({ length: 500 }, (_, i) => output(String(i))) }),
    );
    const error = await failure(client.listOutputs("1"));
    expect([error.kind, error.detail]).to.deep.equal([
      "bad_response",
      "unexpected answer from Bitex (200): /concierge_request_outputs: a full page without links or meta; cannot tell whether more exist (page 2 repeated page 1: the server, or a proxy before it, ignores the paging parameters; ask Bitex)",
    ]);
  });

  it("escapes ids in paths", async () => {
    const { server, client } = await start((_req, res) =>
      sendJson(res, 200, {
        data: { id: "1", type: "concierge_requests", attributes: { state: "draft", outputs_count: 0 } },
      }),
    );
    await client.getRequest("a/b?c");
    expect(server.received[0]?.url).to.equal("/api/concierge_requests/a%2Fb%3Fc");
  });

  it("refuses a next link to another host: the key would go with it", async () => {
    const { server, client } = await start((_req, res) =>
      sendJson(res, 200, {
        data: [],
        links: { next: "https://evil.example/api/concierge_ports?page[number]=2" },
      }),
    );
    const error = await failure(client.listPorts());
    expect([error.kind, error.code]).to.deep.equal(["bad_response", "api_bad_response"]);
    expect(error.detail).to.include("leaves the API (it points to https://evil.example/…, path not shown)");
    expect(server.received).to.have.length(1);
  });

  it("takes the query of a next link naming the API's own host in another spelling (http behind TLS, localhost), sent to its own base (helper-113)", async () => {
    let url = "";
    const { server, client } = await start((_req, res, i) =>
      sendJson(res, 200, {
        data: i === 0 ? [{ id: "1", type: "concierge_ports", attributes: { code: "ar_ars" } }] : [],
        links: {
          next: i === 0 ? `${url.replace("127.0.0.1", "localhost")}/concierge_ports?page[number]=2` : null,
        },
      }),
    );
    url = server.url;
    expect((await client.listPorts()).map((port) => port.id)).to.deep.equal(["1"]);
    expect(server.received.map((call) => call.url)).to.deep.equal([
      server.received[0]?.url,
      "/api/concierge_ports?page%5Bnumber%5D=2",
    ]);
  });

  it("retries a GET on 503, then succeeds", async () => {
    const { server, client } = await start((_req, res, i) =>
      i === 0
        ? sendJson(res, 503, "<html>busy</html>")
        : sendJson(res, 200, {
            data: { id: "9", type: "concierge_requests", attributes: { state: "draft", outputs_count: 0 } },
          }),
    );
    const request = await client.getRequest("9");
    expect(request.id).to.equal("9");
    expect(server.received.map((r) => r.url)).to.deep.equal([
      "/api/concierge_requests/9",
      "/api/concierge_requests/9",
    ]);
    expect(retries.map((r) => [r.request, r.attempt, r.delayMs, r.error.code])).to.deep.equal([
      ["GET /concierge_requests/9", 1, 0, "api_server_error"],
    ]);
  });

  it("gives up on a GET after maxAttempts", async () => {
    const { server, client } = await start((_req, res) => sendJson(res, 502, ""));
    const error = await failure(client.getRequest("3"));
    expect([error.kind, error.status, error.attempts]).to.deep.equal(["server", 502, 3]);
    expect(server.received).to.have.length(3);
  });

  it("does not retry a POST on 5xx: ambiguous, the caller reconciles", async () => {
    const { server, client } = await start((_req, res) => sendJson(res, 500, "<!DOCTYPE html><html></html>"));
    const error = await failure(client.createOutput(OUTPUT_INPUT));
    expect([error.kind, error.sent, error.attempts, error.message]).to.deep.equal([
      "server",
      "maybe",
      1,
      "POST /concierge_request_outputs: Bitex server error (500)",
    ]);
    expect(server.received).to.have.length(1);
    expect(retries).to.deep.equal([]);
  });

  it("does not retry a POST whose socket was destroyed after sending", async () => {
    const { server, client } = await start((_req, res) => {
      res.socket?.destroy();
    });
    const error = await failure(client.createOutput(OUTPUT_INPUT));
    expect([error.kind, error.code, error.sent, error.attempts]).to.deep.equal([
      "network",
      "api_network",
      "maybe",
      1,
    ]);
    expect(server.received).to.have.length(1);
  });

  it("retries a GET whose socket was destroyed", async () => {
    const { server, client } = await start((_req, res, i) => {
      if (i === 0) res.socket?.destroy();
      else sendJson(res, 200, { data: [] });
    });
    expect(await client.listWithdrawalInstructions()).to.deep.equal([]);
    expect(server.received).to.have.length(2);
    expect(retries[0]?.error.sent).to.equal("maybe");
  });

  it("retries a POST refused with 429 (the server did not act)", async () => {
    const { server, client } = await start((_req, res, i) =>
      i === 0 ? sendJson(res, 429, "", { "Retry-After": "0" }) : sendJson(res, 201, { data: output("8") }),
    );
    expect((await client.createOutput(OUTPUT_INPUT)).id).to.equal("8");
    expect(server.received).to.have.length(2);
    expect(server.received[0]?.body).to.equal(server.received[1]?.body);
  });

  it("a 429 with Retry-After pauses the other calls too", async () => {
    let other: Promise<unknown> | undefined;
    const { server, client } = await start(
      (_req, res, i) =>
        i === 0 ? sendJson(res, 429, "", { "Retry-After": "0.3" }) : sendJson(res, 200, { data: [] }),
      // Started right after the 429 was handled, so it must wait out the same pause.
      { onRetry: () => (other ??= client?.findRequestsByExternalId("bb-2")) },
    );
    await client.listPorts();
    await other;
    const [limited, ...after] = server.received as [Received, ...Received[]];
    expect(after.map((r) => decodeURIComponent(r.url)).sort()).to.deep.equal([
      "/api/concierge_ports?page[size]=500&page[per_page]=500",
      "/api/concierge_requests?filter[external_id]=bb-2&page[size]=500&page[per_page]=500",
    ]);
    for (const r of after) expect(r.at - limited.at).to.be.at.least(300);
    expect(client.gate.rate).to.equal(1000); // nothing started before it: no evidence to slow down
  });

  it("waits for a retry outside the concurrency slot, so other calls go first", async () => {
    const { server, client } = await start(
      (req, res) =>
        req.url.startsWith("/api/users") && server?.received.length === 1
          ? sendJson(res, 503, "", { "Retry-After": "0.2" })
          : sendJson(res, 200, { data: [] }),
      { concurrency: 1 },
    );
    await Promise.all([client.listUsers(), client.listPorts()]);
    expect(server.received.map((r) => r.url.split("?")[0])).to.deep.equal([
      "/api/users",
      "/api/concierge_ports",
      "/api/users",
    ]);
  });

  it("connection refused: retried (also a POST, nothing was sent), then sent: no", async () => {
    const port = await closedPort();
    client = createBitexClient({
      baseUrl: `http://127.0.0.1:${port}/api`,
      apiKey: KEY,
      concurrency: 1,
      rate: 1000,
      policy: POLICY,
    });
    const error = await failure(client.createOutput(OUTPUT_INPUT));
    expect([error.kind, error.code, error.sent, error.attempts]).to.deep.equal([
      "network",
      "api_network",
      "no",
      3,
    ]);
    expect(error.detail).to.equal("cannot connect to Bitex (ECONNREFUSED)");
  });

  it("times out a call that gets no answer: a GET is retried, a POST is not", async () => {
    const { server, client } = await start(() => undefined, { timeoutMs: 50 });
    const get = await failure(client.listPorts());
    expect([get.kind, get.code, get.sent, get.attempts]).to.deep.equal([
      "timeout",
      "api_timeout",
      "maybe",
      3,
    ]);
    const post = await failure(client.createOutput(OUTPUT_INPUT));
    expect([post.kind, post.sent, post.attempts]).to.deep.equal(["timeout", "maybe", 1]);
    // Under load a timed-out request may not have reached the server at all, hence "at most".
    expect(server.received.filter((r) => r.method === "POST").length).to.be.at.most(1);
  });

  it("maps 401, 404 and 422 without retrying, and redacts the key if the server echoes it", async () => {
    const bodies: [number, unknown][] = [
      [401, { error: `Invalid Api Key ${KEY}` }],
      [404, { errors: [{ code: null, detail: null }] }],
      [
        422,
        {
          errors: [
            {
              status: 422,
              detail: "monto muy bajo",
              code: "amount_too_low",
              source: { pointer: "/data/attributes/amount" },
            },
          ],
        },
      ],
    ];
    const { server, client } = await start((_req, res, i) =>
      sendJson(res, bodies[i]?.[0] ?? 500, bodies[i]?.[1] ?? ""),
    );
    const unauthorized = await failure(client.listUsers());
    expect(unauthorized.detail).to.equal("Bitex refused the API key (401): Invalid Api Key <redacted>");
    const notFound = await failure(client.getRequest("404"));
    expect([notFound.code, notFound.sent]).to.deep.equal(["api_not_found", "no"]);
    const invalid = await failure(client.createOutput(OUTPUT_INPUT));
    expect([invalid.code, invalid.detail]).to.deep.equal([
      "amount_too_low",
      "monto muy bajo (/data/attributes/amount)",
    ]);
    expect(server.received).to.have.length(3);
  });

  it("a 2xx that is not JSON:API is bad_response; for a create it is ambiguous", async () => {
    const { client } = await start((_req, res, i) =>
      sendJson(res, i === 0 ? 200 : 201, i === 0 ? "<html>" : '{"data":[]}'),
    );
    const get = await failure(client.listPorts());
    expect([get.kind, get.sent, get.detail]).to.deep.equal([
      "bad_response",
      "no",
      "unexpected answer from Bitex (200): the body is not JSON",
    ]);
    const post = await failure(client.createOutput(OUTPUT_INPUT));
    expect([post.kind, post.sent]).to.deep.equal(["bad_response", "maybe"]);
    expect(post.detail).to.equal(
      "unexpected answer from Bitex (201): expected a document with one resource in `data`",
    );
  });

  it("a 2xx nested too deeply to read is bad_response, not an unexpected crash", async () => {
    const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    const bodies = [
      `{"data":{"type":"concierge_requests","id":"1","attributes":{"extra":${deep}}}}`,
      `{"data":{"type":"concierge_requests","id":"1","attributes":{"total_to_spend":${deep}}}}`,
    ];
    const { client } = await start((_req, res, i) => sendJson(res, 200, bodies[i] ?? ""));
    for (const _body of bodies) {
      const read = await failure(client.getRequest("1"));
      expect([read.kind, read.sent, read.detail]).to.deep.equal([
        "bad_response",
        "no",
        "unexpected answer from Bitex (200): the body nests too deeply to read",
      ]);
    }
  });

  it("never has more than `concurrency` requests at the server", async () => {
    let inFlight = 0;
    let peak = 0;
    const held: (() => void)[] = [];
    const { client } = await start(
      (_req, res) => {
        peak = Math.max(peak, ++inFlight);
        held.push(() => {
          inFlight--;
          sendJson(res, 200, { data: [] });
        });
        // Answer in groups of three, so the test waits for the gate to fill up, not for the clock.
        if (held.length === 3) for (const release of held.splice(0)) release();
      },
      { concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 9 }, () => client.listUsers()));
    expect(peak).to.equal(3);
  });

  it("close() makes new calls fail with GateClosedError without sending", async () => {
    const { server, client } = await start((_req, res) => sendJson(res, 200, { data: [] }));
    client.close();
    expect(await rejection(client.listPorts())).to.be.instanceOf(GateClosedError);
    expect(server.received).to.have.length(0);
  });
});

describe("bitex createBitexClient options", () => {
  it("refuses plain http to another host before any call", () => {
    expect(() =>
      createBitexClient({ baseUrl: "http://api.example.com/api", apiKey: KEY, concurrency: 1, rate: 1 }),
    )
      .to.throw(ConfigError)
      .with.property("code", "insecure_url");
  });

  for (const apiKey of ["", "abc\r\nX-Evil: 1"]) {
    it(`refuses the API key ${JSON.stringify(apiKey)} without echoing it`, () => {
      const error = rejectionSync(() =>
        createBitexClient({ baseUrl: "https://sandbox.bitex.la/api", apiKey, concurrency: 1, rate: 1 }),
      );
      expect(error).to.be.instanceOf(ConfigError).with.property("code", "auth");
      // The client throws its own error; the one mapper makes it the CLI's (exit 2).
      expect(stopFor(error, false)).to.be.instanceOf(BatchError).with.property("code", "auth");
      if (apiKey) expect((error as Error).message).to.not.include(apiKey);
    });
  }
});

function rejectionSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

function withPage(url: URL, page: number): string {
  const query = new URLSearchParams(url.searchParams);
  query.set("page[number]", String(page));
  return query.toString();
}

describe("bitex fetch transport", () => {
  it("reports when a request has left, before its answer", async () => {
    const events: string[] = [];
    const server = await scriptedServer((req, res) => {
      events.push(`server got ${req.method}`);
      sendJson(res, 200, { data: [] });
    });
    const transport = createFetchTransport({ concurrency: 1 });
    try {
      for (const method of ["GET", "POST"] as const) {
        const response = await transport.send({
          method,
          url: `${server.url}/users`,
          headers: {},
          body: method === "POST" ? '{"data":{}}' : undefined,
          signal: new AbortController().signal,
          onSent: () => events.push(`sent ${method}`),
        });
        events.push(`answer ${response.status} ${response.bodyText}`);
      }
    } finally {
      transport.close();
      await server.close();
    }
    expect(events.filter((e) => !e.startsWith("server"))).to.deep.equal([
      "sent GET",
      'answer 200 {"data":[]}',
      "sent POST",
      'answer 200 {"data":[]}',
    ]);
    expect(events.filter((e) => e.startsWith("server"))).to.deep.equal(["server got GET", "server got POST"]);
  });
});
