/**
 * Shared test world and a tiny HTTP client for the emulator tests. Every test starts its own
 * emulator on a loopback port 0 and closes it.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { type Sandbox, type SandboxOptions, type Seed, startSandbox } from "../../src/sandbox/index.js";
import { fromRoot } from "../helpers/root.js";

/**
 * Payer 112 has 50,000,000.00 ARS; payer 113 has nothing. Payees: 345 (enabled), 346
 * (compliance rejected), 347 (enabled, instruction whose payouts come back `returned`).
 * Routes from ar_ars to cl_clp (rate 0.95) and uy_uyu (0.034), both with a 1% fee.
 */
export const TEST_SEED: Seed = {
  api_key: "test-key",
  owner_user_id: "112",
  users: [
    { id: "112", email: "payer@example.com", compliance_state: "enabled" },
    { id: "113", email: "broke@example.com", compliance_state: "enabled" },
    { id: "345", email: "ana@example.com", name: "Ana", compliance_state: "enabled" },
    { id: "346", email: "blocked@example.com", compliance_state: "rejected" },
    { id: "347", email: "bruno@example.com", compliance_state: "enabled" },
  ],
  withdrawal_instructions: [
    {
      id: "2121",
      user_id: "345",
      port_code: "cl_clp",
      label: "Ana CLP",
      body: { payment_method: "domestic_bank", bank_account_number: "1234567" },
      outcome: "settled",
    },
    { id: "2122", user_id: "346", port_code: "cl_clp", label: "Blocked CLP", body: {}, outcome: "settled" },
    { id: "2123", user_id: "347", port_code: "cl_clp", label: "Bruno CLP", body: {}, outcome: "returned" },
    { id: "2124", user_id: "345", port_code: "uy_uyu", label: "Ana UYU", body: {}, outcome: "settled" },
  ],
  balances: [{ user_id: "112", currency: "ars", amount: "50000000.00" }],
  rates: [
    { from: "ar_ars", to: "cl_clp", rate: "0.95", fee_rate: "0.01" },
    { from: "ar_ars", to: "uy_uyu", rate: "0.034", fee_rate: "0.01" },
  ],
};

/**
 * Tests talk to the emulator without a rate limit unless they test it, with its clock stopped
 * and in advanceOnly mode unless they ask otherwise: requests stay where they are until the test
 * moves them with advance (a step, or `{"minutes": N}`), however slow the machine.
 */
export function startTestSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({
    seed: TEST_SEED,
    timeScale: 0,
    advanceOnly: true,
    ...options,
    faults: { rate_limit: 0, ...options.faults },
  });
}

export function readFixture(path: string): unknown {
  return JSON.parse(readFileSync(fromRoot(path), "utf8"));
}

const ajv = new Ajv2020({ strict: false, validateFormats: false });
const jsonApiSchema = ajv.compile(readFixture("fixtures/conformance/jsonapi-1.0-schema.json") as object);

/** Throws with ajv's explanation when `body` is not a valid JSON:API 1.0 response document. */
export function assertJsonApiDocument(body: unknown): void {
  if (!jsonApiSchema(body))
    throw new Error(`not a JSON:API 1.0 document: ${ajv.errorsText(jsonApiSchema.errors)}`);
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are walked freely and checked by assertions
export type Json = any;

export interface ApiResponse {
  status: number;
  contentType: string | null;
  headers: Headers;
  text: string;
  body: Json;
}

export const JSON_API = "application/vnd.api+json; charset=utf-8";

export class Api {
  constructor(
    readonly sandbox: Sandbox,
    readonly key: string | null = sandbox.apiKey,
    /** The `Version` header sent, as Bitex's Postman collection does; null sends none. */
    readonly version: string | null = "2.0",
  ) {}

  /** A call under /api; `body` is sent as JSON (a string is sent verbatim). */
  async call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const headers: Record<string, string> = { "Content-Type": "application/vnd.api+json" };
    if (this.key !== null) headers.Authorization = this.key;
    if (this.version !== null) headers.Version = this.version;
    return respond(
      await fetch(`${this.sandbox.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      }),
    );
  }

  get(path: string) {
    return this.call("GET", path);
  }

  post(path: string, body?: unknown) {
    return this.call("POST", path, body);
  }

  patch(path: string, body: unknown) {
    return this.call("PATCH", path, body);
  }

  /** A call to the /_sandbox control surface (no auth). */
  async control(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    return respond(
      await fetch(`${this.sandbox.baseUrl}/_sandbox/${path}`, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  }

  /** Creates a draft request and returns its id. */
  async createRequest(attributes: Record<string, unknown> = { port_code: "ar_ars" }, userId?: string) {
    const response = await this.post("/concierge_requests", requestDocument(attributes, userId));
    if (response.status !== 200) throw new Error(`create request: ${response.status} ${response.text}`);
    return response.body.data.id as string;
  }

  /** Creates an output and returns its id. */
  async createOutput(spec: OutputSpec) {
    const response = await this.post("/concierge_request_outputs", outputDocument(spec));
    if (response.status !== 200) throw new Error(`create output: ${response.status} ${response.text}`);
    return response.body.data.id as string;
  }
}

async function respond(response: Response): Promise<ApiResponse> {
  const text = await response.text();
  let body: Json = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (the 503 page): keep the text.
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    headers: response.headers,
    text,
    body,
  };
}

export function requestDocument(attributes: Record<string, unknown>, userId?: string | number) {
  const data: Record<string, unknown> = { type: "concierge_requests", attributes };
  if (userId !== undefined) data.relationships = { user: { data: { type: "users", id: userId } } };
  return { data };
}

export interface OutputSpec {
  request: string | number;
  user?: string | number;
  instruction?: string | number;
  port?: unknown;
  amount?: unknown;
  budget?: unknown;
}

/** An output create document; defaults: Ana (345) paid in cl_clp to instruction 2121. */
export function outputDocument(spec: OutputSpec) {
  const attributes: Record<string, unknown> = { port_code: "port" in spec ? spec.port : "cl_clp" };
  if ("amount" in spec) attributes.amount = spec.amount;
  if ("budget" in spec) attributes.budget = spec.budget;
  const relationships: Record<string, unknown> = {
    request: { data: { type: "concierge_requests", id: spec.request } },
    user: { data: { type: "users", id: spec.user ?? "345" } },
    withdrawal_instruction: { data: { type: "withdrawal_instructions", id: spec.instruction ?? "2121" } },
  };
  return { data: { type: "concierge_request_outputs", attributes, relationships } };
}
