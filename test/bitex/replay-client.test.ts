/**
 * Every recorded Bitex answer (fixtures/recorded/) read by the client as it would read it off
 * the wire: a 2xx document decodes, and every refusal maps to the error the README promises
 * (the key for a JSON 401, not found for 404, the server's own 422 text, a retried server
 * error for Bitex's HTML 500 page, never an edge block). The emulator side of the same files
 * is test/sandbox/replay.test.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { errorFromResponse } from "../../src/bitex/errors.js";
import { decodeOne, decodePage, MONEY_ATTRIBUTES } from "../../src/bitex/jsonapi.js";
import { isRetryable } from "../../src/bitex/retry.js";
import { parseJson } from "../../src/wire/json.js";
import { fromRoot } from "../helpers/root.js";

interface Recording {
  request: { method: string; path: string };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

const DIR = fromRoot("fixtures", "recorded");
const NAMES = readdirSync(DIR)
  .filter((name) => name.endsWith(".json") && name !== "replay-seed.json")
  .sort();

/** The body as it was on the wire: JSON text, or the raw text kept for HTML and the 204. */
function wireText(body: unknown): string {
  return typeof body === "string" ? body : JSON.stringify(body);
}

const headers = (recorded: Record<string, string>) => ({
  get: (name: string) =>
    Object.entries(recorded).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1] ?? null,
});

/** What the client makes of each recorded error answer: kind, code, sent, retried. */
const ERRORS: Record<string, [string, string, string, boolean]> = {
  "accounts-list-invalid_api_key.json": ["unauthorized", "api_unauthorized", "no", false],
  // The code is the server's own, when it reads as one.
  "asks-create-lower_amount.json": ["validation", "la_orden_es_muy_pequena", "no", false],
  "asks-find-not_found.json": ["not_found", "api_not_found", "no", false],
  "buying_bots-create-server_error_html.json": ["server", "api_server_error", "maybe", true],
  "cash_withdrawals-create-instruction_not_found.json": ["not_found", "api_not_found", "no", false],
  "cash_withdrawals-create-not_enough_permissions.json": ["unauthorized", "api_unauthorized", "no", false],
  "movements-list-no_authorization_header.json": ["unauthorized", "api_unauthorized", "no", false],
  "withdrawal_instructions-destroy-not_found.json": ["not_found", "api_not_found", "no", false],
};

describe("the client reads every recorded Bitex answer", () => {
  it("holds every recording of the shared folder (26 exchanges)", () => {
    expect(NAMES).to.have.length(26);
  });

  for (const name of NAMES) {
    const recording = JSON.parse(readFileSync(join(DIR, name), "utf8")) as Recording;
    const { status, body } = recording.response;
    const request = `${recording.request.method} ${recording.request.path}`;
    it(`${name}: ${status}`, () => {
      const text = wireText(body);
      if (status >= 200 && status <= 299) {
        expect(ERRORS[name], "a success listed as an error").to.equal(undefined);
        if (status === 204) {
          expect(text).to.equal("");
          return;
        }
        const document = parseJson(text, MONEY_ATTRIBUTES) as { data: unknown };
        if (Array.isArray(document.data)) {
          const page = decodePage(document);
          expect(page.items.map((item) => item.id)).to.deep.equal(
            (document.data as { id: unknown }[]).map((item) => String(item.id)),
          );
          // Every recorded list is bare: only `data` (and `included`), never meta or links.
          expect([page.meta, page.links]).to.deep.equal([undefined, undefined]);
        } else {
          const one = decodeOne(document);
          expect(one.id).to.equal(String((document.data as { id: unknown }).id));
        }
        return;
      }
      const expected = ERRORS[name];
      expect(expected, `no expectation for ${name}`).to.not.equal(undefined);
      const error = errorFromResponse(status, headers(recording.response.headers), text, request);
      expect([error.kind, error.code, error.sent, isRetryable(error)]).to.deep.equal(expected);
      const said = (body as { error?: string }).error;
      if (typeof said === "string") expect(error.detail).to.include(said);
    });
  }
});
