import { expect } from "chai";
import { FetchError } from "node-fetch";
import { ApiError, errorFromFailure, errorFromResponse } from "../../src/bitex/errors.js";
import { isRetryable } from "../../src/bitex/retry.js";

/** Response bodies recorded against Bitex (/work/shared/bitex-recorded, MIT, see its README). */
const RECORDED = {
  // accounts-list-invalid_api_key.json
  invalidKey: '{"error":"Invalid Api Key"}',
  // withdrawal_instructions-destroy-not_found.json (shape A) and asks-find-not_found.json (shape B)
  notFoundA: '{"errors":[{"code":null,"detail":null}]}',
  notFoundB: '{"errors":[{"detail":null}]}',
  // asks-create-lower_amount.json
  lowerAmount: JSON.stringify({
    errors: [
      {
        status: 422,
        title: "La orden es muy pequeña",
        detail: "La orden es muy pequeña",
        code: "la_orden_es_muy_pequena",
        meta: { type: "asks" },
        source: { pointer: "/data/attributes/base" },
      },
    ],
  }),
  // buying_bots-create-server_error_html.json (first characters)
  html500:
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta charset="utf-8" />\n  <title>Action Controller: Exception caught</title>',
};

const headers = (values: Record<string, string> = {}) => ({
  get: (name: string) => values[name.toLowerCase()] ?? null,
});

function fields(error: ApiError) {
  const { kind, code, status, sent, detail, retryAfterMs } = error;
  return { kind, code, status, sent, detail, retryAfterMs };
}

describe("bitex errorFromResponse", () => {
  it("401 with Bitex's non-JSON:API body", () => {
    const error = errorFromResponse(401, headers(), RECORDED.invalidKey, "GET /concierge_ports");
    expect(fields(error)).to.deep.equal({
      kind: "unauthorized",
      code: "api_unauthorized",
      status: 401,
      sent: "no",
      detail: "Bitex refused the API key (401): Invalid Api Key",
      retryAfterMs: undefined,
    });
    expect(error.message).to.equal("GET /concierge_ports: Bitex refused the API key (401): Invalid Api Key");
    expect(error).to.be.instanceOf(ApiError).and.instanceOf(Error);
  });

  for (const [shape, body] of [
    ["A", RECORDED.notFoundA],
    ["B", RECORDED.notFoundB],
  ] as const) {
    it(`404 with null code and detail (shape ${shape})`, () => {
      expect(fields(errorFromResponse(404, headers(), body))).to.deep.equal({
        kind: "not_found",
        code: "api_not_found",
        status: 404,
        sent: "no",
        detail: "Bitex has no such resource, or one of the ids sent does not exist (404)",
        retryAfterMs: undefined,
      });
    });
  }

  it("422 keeps the server's code, detail and pointer", () => {
    const error = errorFromResponse(422, headers(), RECORDED.lowerAmount);
    expect(fields(error)).to.deep.equal({
      kind: "validation",
      code: "la_orden_es_muy_pequena",
      status: 422,
      sent: "no",
      detail: "La orden es muy pequeña (/data/attributes/base)",
      retryAfterMs: undefined,
    });
    expect(error.errors).to.have.length(1);
    expect(error.errors[0]?.title).to.equal("La orden es muy pequeña");
  });

  it("422 with several errors joins them; a code that is not a slug falls back to api_validation", () => {
    const body = JSON.stringify({
      errors: [
        { detail: "monto inválido", code: "Bad Code!", source: { pointer: "/data/attributes/amount" } },
        { title: "puerto desconocido", source: { pointer: "/data/attributes/port_code" } },
      ],
    });
    const error = errorFromResponse(422, headers(), body);
    expect(error.code).to.equal("api_validation");
    expect(error.detail).to.equal(
      "monto inválido (/data/attributes/amount); puerto desconocido (/data/attributes/port_code)",
    );
  });

  it("500 with an HTML page: the page stays out of the message", () => {
    expect(
      fields(errorFromResponse(500, headers({ "content-type": "text/html" }), RECORDED.html500)),
    ).to.deep.equal({
      kind: "server",
      code: "api_server_error",
      status: 500,
      sent: "maybe",
      detail: "Bitex server error (500)",
      retryAfterMs: undefined,
    });
  });

  it("503 with Retry-After and an empty body", () => {
    expect(fields(errorFromResponse(503, headers({ "retry-after": "7" }), ""))).to.deep.equal({
      kind: "server",
      code: "api_server_error",
      status: 503,
      sent: "maybe",
      detail: "Bitex server error (503)",
      retryAfterMs: 7000,
    });
  });

  it("429 with Retry-After as an HTTP date, on a machine whose clock is 5 minutes ahead: measured from the answer's own Date", () => {
    const local = Date.parse("2025-03-01T12:05:00Z");
    const error = errorFromResponse(
      429,
      headers({ "retry-after": "Sat, 01 Mar 2025 12:00:02 GMT", date: "Sat, 01 Mar 2025 12:00:00 GMT" }),
      "",
      undefined,
      local,
    );
    expect([error.kind, error.retryAfterMs]).to.deep.equal(["rate_limited", 2000]);
  });

  it("429 with Retry-After as an HTTP date", () => {
    const now = Date.parse("2025-03-01T12:00:00Z");
    const error = errorFromResponse(
      429,
      headers({ "retry-after": "Sat, 01 Mar 2025 12:00:02 GMT" }),
      "",
      undefined,
      now,
    );
    expect(fields(error)).to.deep.equal({
      kind: "rate_limited",
      code: "api_rate_limited",
      status: 429,
      sent: "no",
      detail: "Bitex rate limit reached (429); retry after 2000 ms",
      retryAfterMs: 2000,
    });
  });

  // A body that is not one of Bitex's error documents may be a proxy's, which may have passed
  // the request on before answering: only 429 stays a sure "not sent". A 403 or 429 page that
  // is not JSON is Bitex's edge (Cloudflare) blocking or rate-limiting, not the key.
  const others: [number, string, string, string][] = [
    [403, "blocked", "api_edge_blocked", "maybe"],
    [408, "timeout", "api_timeout", "maybe"],
    [425, "server", "api_too_early", "maybe"],
    [429, "rate_limited", "api_rate_limited", "no"],
    [502, "server", "api_server_error", "maybe"],
    [503, "server", "api_server_error", "maybe"],
    [302, "bad_response", "api_unexpected_redirect", "maybe"],
    [400, "client", "api_client_error", "maybe"],
    [404, "not_found", "api_not_found", "maybe"],
    [409, "client", "api_client_error", "maybe"],
    [422, "validation", "api_validation", "maybe"],
  ];
  for (const [status, kind, code, sent] of others) {
    it(`${status} → ${kind} ${code}, sent ${sent}`, () => {
      const error = errorFromResponse(status, headers(), "not json at all");
      expect([error.kind, error.code, error.sent, error.status]).to.deep.equal([kind, code, sent, status]);
    });
  }

  // Bitex's own error documents: a 4xx is a refusal (nothing was done), except 408 and every 5xx.
  const jsonApi = JSON.stringify({ errors: [{ status: 400, title: "mal", detail: "mal" }] });
  const fromApi: [number, string, string][] = [
    [400, jsonApi, "no"],
    [403, RECORDED.invalidKey, "no"],
    [404, RECORDED.notFoundA, "no"],
    [409, jsonApi, "no"],
    [422, RECORDED.lowerAmount, "no"],
    [425, jsonApi, "no"],
    [408, jsonApi, "maybe"],
    [500, jsonApi, "maybe"],
    [503, jsonApi, "maybe"],
  ];
  for (const [status, body, sent] of fromApi) {
    it(`${status} with a Bitex error document: sent ${sent}`, () => {
      expect(errorFromResponse(status, headers(), body).sent).to.equal(sent);
    });
  }
});

describe("bitex errorFromFailure", () => {
  const system = (code: string, syscall: string) =>
    new FetchError(`request to http://127.0.0.1/api failed, reason: ${code}`, "system", {
      code,
      syscall,
    } as unknown as ConstructorParameters<typeof FetchError>[2]);

  const table: [string, unknown, { timedOut?: boolean; interrupted?: boolean }, string, string, string][] = [
    ["connection refused", system("ECONNREFUSED", "connect"), {}, "network", "api_network", "no"],
    ["DNS failure", system("ENOTFOUND", "getaddrinfo"), {}, "network", "api_network", "no"],
    ["connect timed out", system("ETIMEDOUT", "connect"), {}, "network", "api_network", "no"],
    ["socket reset", system("ECONNRESET", "read"), {}, "network", "api_network", "maybe"],
    ["broken pipe", system("EPIPE", "write"), {}, "network", "api_network", "maybe"],
    [
      "socket hang up",
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
      {},
      "network",
      "api_network",
      "maybe",
    ],
    [
      "premature close",
      Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }),
      {},
      "network",
      "api_network",
      "maybe",
    ],
    ["unknown throw", "weird", {}, "network", "api_network", "maybe"],
    [
      "our timeout",
      new Error("The operation was aborted."),
      { timedOut: true },
      "timeout",
      "api_timeout",
      "maybe",
    ],
    [
      "run aborted",
      new Error("The operation was aborted."),
      { interrupted: true },
      "interrupted",
      "api_interrupted",
      "maybe",
    ],
  ];
  for (const [name, thrown, reason, kind, code, sent] of table) {
    it(`${name} → ${kind}, sent ${sent}`, () => {
      const error = errorFromFailure(thrown, reason, "POST /concierge_request_outputs");
      expect([error.kind, error.code, error.sent, error.status]).to.deep.equal([kind, code, sent, undefined]);
      expect(error.message.startsWith("POST /concierge_request_outputs: ")).to.equal(true);
    });
  }

  it("names the timeout in the detail", () => {
    expect(errorFromFailure(new Error("aborted"), { timedOut: true, timeoutMs: 250 }).detail).to.equal(
      "no answer from Bitex within 250 ms; the server may have acted",
    );
  });
});

describe("an edge block (Cloudflare in front of Bitex) is not a key problem", () => {
  const PAGE =
    "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>blocked</body></html>";

  for (const [status, head, text, detail] of [
    [403, {}, PAGE, "blocked by Bitex's edge (403, a HTML page, not the API's answer; not a key problem)"],
    [
      429,
      {},
      PAGE,
      "rate-limited by Bitex's edge (429, a HTML page, not the API's answer; not a key problem)",
    ],
    [
      503,
      { "cf-ray": "8a1b2c3d4e5f-EZE" },
      "<html>Just a moment...</html>",
      "rate-limited by Bitex's edge (503, a HTML page, not the API's answer; not a key problem)",
    ],
    [
      503,
      { server: "cloudflare" },
      "<html>busy</html>",
      "rate-limited by Bitex's edge (503, a HTML page, not the API's answer; not a key problem)",
    ],
  ] as const) {
    it(`${status} ${JSON.stringify(head)} ${JSON.stringify(text.slice(0, 20))}: blocked, never retried`, () => {
      const error = errorFromResponse(status, headers(head), text, "GET /concierge_ports");
      expect([error.kind, error.code, error.sent, error.detail]).to.deep.equal([
        "blocked",
        "api_edge_blocked",
        status === 429 ? "no" : "maybe",
        detail,
      ]);
      expect(error.message).to.not.match(/key\b(?! problem)/);
      expect(isRetryable(error)).to.equal(false);
    });
  }

  it("a 429 in plain text (Rack::Attack's stock answer), or one with Retry-After, is a rate limit: waited for and retried (helper-113)", () => {
    const now = Date.parse("2026-12-08T03:00:00Z");
    for (const [head, text, retryAfterMs] of [
      [{ "retry-after": "1", "content-type": "text/plain" }, "Retry later\n", 1000],
      [{ "content-type": "text/plain" }, "Retry later\n", undefined],
      [{ "retry-after": "2" }, "<html><body>Too Many Requests</body></html>", 2000],
    ] as const) {
      const error = errorFromResponse(
        429,
        headers(head),
        text,
        "POST /concierge_requests/2/accept_quote",
        now,
      );
      expect([error.kind, error.code, error.sent, error.retryAfterMs]).to.deep.equal([
        "rate_limited",
        "api_rate_limited",
        "no",
        retryAfterMs,
      ]);
      expect(isRetryable(error)).to.equal(true);
    }
  });

  it("Cloudflare's own rate-limit ban (error code 1015) stays an edge block, Retry-After or not: retrying keeps the ban on (helper-115)", () => {
    const heads: Record<string, string>[] = [
      { server: "cloudflare", "cf-ray": "8a1b-EZE", "content-type": "text/plain" },
      { server: "cloudflare", "retry-after": "3600" },
    ];
    for (const head of heads) {
      const error = errorFromResponse(429, headers(head), "error code: 1015");
      expect([error.kind, error.code, error.sent]).to.deep.equal(["blocked", "api_edge_blocked", "no"]);
      expect(isRetryable(error)).to.equal(false);
    }
    // The origin's rate limiter answers through Cloudflare too: its headers alone are no ban.
    const origin = errorFromResponse(
      429,
      headers({ server: "cloudflare", "cf-ray": "8a1b-EZE" }),
      "Retry later\n",
    );
    expect(origin.kind).to.equal("rate_limited");
  });

  it("the API's own JSON refusals keep their meaning: 403 is the key, 429 a rate limit, HTML 503 a server error", () => {
    expect(errorFromResponse(403, headers(), "").kind).to.equal("unauthorized");
    expect(errorFromResponse(403, headers(), '{"error":"Not enough permissions"}').kind).to.equal(
      "unauthorized",
    );
    expect(errorFromResponse(429, headers(), '{"errors":[{"code":"rate_limited"}]}').kind).to.equal(
      "rate_limited",
    );
    const plain503 = errorFromResponse(503, headers(), "<html>Service Unavailable</html>");
    expect([plain503.kind, isRetryable(plain503)]).to.deep.equal(["server", true]);
  });
});
