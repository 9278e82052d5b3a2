/**
 * An answer that quotes the API key back must not carry it anywhere the run writes or says.
 * An error answer (a 401 "key … is not valid", a 422 that echoes a header): its words reach
 * the report's `error` column, the journal's `failed` line and stderr. A JSON encoder may
 * write the key's characters escaped (Rails writes `&`, `<`, `>` as `\u0026`, `\u003c`,
 * `\u003e`; PHP and others write `/` as `\/`; some escape every character as `\uXXXX`), and
 * parsing undoes the escape: the key must be out of the text as parsed, whatever form it was
 * sent in. A successful answer's money attributes are left as sent only while they are
 * decimal text (Rails writes a BigDecimal as a string), which no key is.
 */
import { expect } from "chai";
import { createBitexClient } from "../../src/bitex/client.js";
import { ApiError } from "../../src/bitex/errors.js";

/** A key with characters JSON encoders escape and regular expressions treat as special. */
const KEY = "sk-live/a&b<c>+d=$&.*?[x]";

const escapes: Record<string, (key: string) => string> = {
  raw: (key) => JSON.stringify(key).slice(1, -1),
  "HTML-safe (Rails)": (key) =>
    JSON.stringify(key)
      .slice(1, -1)
      .replace(/&/g, "\\u0026")
      .replace(/</g, "\\u003c")
      .replace(/>/g, "\\u003e"),
  "slash escaped": (key) => JSON.stringify(key).slice(1, -1).replace(/\//g, "\\/"),
  "every character \\u": (key) =>
    [...key].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
};

/** A client whose every call gets `status` with `body`, attempted once. */
function answering(status: number, body: string) {
  return createBitexClient({
    baseUrl: "http://127.0.0.1:9/api",
    apiKey: KEY,
    concurrency: 1,
    rate: 100_000,
    policy: { maxAttempts: 1 },
    transport: {
      send: async (request) => {
        request.onSent?.();
        return { status, headers: { get: () => null }, bodyText: body };
      },
      close: () => undefined,
    },
  });
}

/** The error a client call gets for an answer of `status` with `body`. */
async function failureOf(status: number, body: string): Promise<ApiError> {
  const client = answering(status, body);
  try {
    await client.getRequest("7");
  } catch (error) {
    expect(error).to.be.instanceOf(ApiError);
    return error as ApiError;
  } finally {
    client.close();
  }
  throw new Error("the call did not fail");
}

describe("bitex client: the key quoted in an error answer, in any JSON escape", () => {
  for (const [name, written] of Object.entries(escapes)) {
    it(`${name}: not in the error's message, detail or server errors (401, 422, {"error": …})`, async () => {
      const quoted = written(KEY);
      const bodies: Array<[number, string]> = [
        [401, `{"error":"Invalid Api Key ${quoted}"}`],
        [
          422,
          `{"errors":[{"status":422,"title":"bad header ${quoted}","detail":"Authorization ${quoted} refused","code":"invalid","source":{"pointer":"/${quoted}"}}]}`,
        ],
      ];
      for (const [status, body] of bodies) {
        const error = await failureOf(status, body);
        const words = [error.message, error.detail, JSON.stringify(error.errors), error.stack ?? ""].join(
          "\n",
        );
        expect(words, `${status} ${body}`).to.not.include(KEY);
        // What the server said around the key is kept.
        expect(error.detail).to.match(status === 401 ? /Invalid Api Key/ : /^Authorization .* refused \(/);
      }
    });
  }
});

describe("bitex client: the key in a money attribute of a successful answer", () => {
  it("a money attribute that is text but no decimal is cleaned like any text, and the answer refused; decimal text (Rails' strings too) stays exact", async () => {
    const output = (amount: string, budget: string) =>
      JSON.stringify({
        data: {
          type: "concierge_request_outputs",
          id: "41",
          attributes: { state: "accepting", amount, budget, port_code: "cl_clp" },
          relationships: { request: { data: { type: "concierge_requests", id: "7" } } },
        },
      });
    const read = async (body: string) => {
      const client = answering(200, body);
      try {
        return await client.getOutput("41");
      } finally {
        client.close();
      }
    };
    // No amount at all: refused (jsonapi.ts), naming the attribute as cleaned, never the key.
    const echoed = await read(output(KEY, `${KEY} 12.50`)).then(
      () => null,
      (error: ApiError) => error,
    );
    expect(echoed).to.be.instanceOf(ApiError);
    expect(echoed?.detail).to.equal(
      'unexpected answer from Bitex (200): output 41: attribute amount is "[redacted]"; expected a decimal amount (digits, a point) or null',
    );
    expect([echoed?.message, echoed?.stack].join("\n")).to.not.include(KEY);
    // A figure a key of digits could be part of is never changed: decimal text is no key.
    const exact = await read(output("1329000.00", "-12.5"));
    expect([exact.amount, exact.budget]).to.deep.equal(["1329000.00", "-12.5"]);
  });
});
