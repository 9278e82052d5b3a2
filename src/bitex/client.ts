/**
 * The Bitex CrossBorder client: every call passes the shared CallGate, then the retry loop.
 * GETs are retried on network errors, 408/425/429/5xx; creates only when the server surely
 * did not act (429, refused connection). An ambiguous create throws ApiError `sent: "maybe"`
 * and the caller reconciles by listing outputs (DESIGN.md section 6).
 */
import { BatchError } from "../errors.js";
import { ApiError, badResponse, errorFromFailure, errorFromResponse } from "./errors.js";
import { CallGate, type GateCall } from "./gate.js";
import { encodeJson, parseJson } from "./json.js";
import {
  asOutput,
  asPort,
  asRequest,
  asWithdrawalInstruction,
  type ConciergeOutput,
  type ConciergeRequest,
  DecodeError,
  decodeOne,
  decodePage,
  type Loose,
  MONEY_ATTRIBUTES,
  type OutputInput,
  outputBody,
  type Page,
  type Port,
  requestBody,
  type User,
  type WithdrawalInstruction,
} from "./jsonapi.js";
import { MAX_PAGE_SIZE } from "./resources.js";
import { backoffCeilingMs, DEFAULT_RETRY_POLICY, type RetryPolicy, retryDecision } from "./retry.js";
import { createFetchTransport, type Transport } from "./transport.js";
import { checkApiUrl } from "./url.js";

export interface BitexClientOptions {
  /** E.g. https://sandbox.bitex.la/api; checked with checkApiUrl. */
  baseUrl: string;
  apiKey: string;
  concurrency: number;
  /** Call starts per second across the whole run. */
  rate: number;
  /** Per HTTP attempt, from its start to the end of the body. Default 30 s. */
  timeoutMs?: number;
  policy?: Partial<RetryPolicy>;
  /** Called before each retry sleep, for logging. Never carries the API key. */
  onRetry?: (info: RetryInfo) => void;
  /** For tests: a scripted transport, a gate on a virtual clock, a fixed random. */
  transport?: Transport;
  gate?: CallGate;
  random?: () => number;
}

export interface RetryInfo {
  /** "GET /concierge_ports" */
  request: string;
  /** The attempt that failed, 1-based. */
  attempt: number;
  delayMs: number;
  error: ApiError;
}

export interface BitexClient {
  /** The run's gate: `close()` it to stop admitting calls (SIGINT), `abort()` to also cut calls in flight. */
  readonly gate: CallGate;
  listPorts(): Promise<Port[]>;
  createRequest(input: {
    portCode: string;
    externalId: string;
    payerUserId?: string;
  }): Promise<ConciergeRequest>;
  findRequestsByExternalId(externalId: string): Promise<ConciergeRequest[]>;
  /** Every concierge request the key can see, all pages, unfiltered. */
  listRequests(): Promise<ConciergeRequest[]>;
  getRequest(id: string): Promise<ConciergeRequest>;
  createOutput(input: OutputInput): Promise<ConciergeOutput>;
  /** Every output of the request, all pages. */
  listOutputs(requestId: string): Promise<ConciergeOutput[]>;
  getOutput(id: string): Promise<ConciergeOutput>;
  listUsers(): Promise<User[]>;
  listWithdrawalInstructions(): Promise<WithdrawalInstruction[]>;
  /** Closes the gate and drops the pooled connections. */
  close(): void;
}

const MEDIA_TYPE = "application/vnd.api+json";
/** A server whose `next` link never ends must not keep the run in a loop. */
const MAX_PAGES = 10_000;

export function createBitexClient(options: BitexClientOptions): BitexClient {
  checkApiUrl(options.baseUrl);
  const { apiKey } = options;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a key with CR/LF would break or inject headers
  if (apiKey === "" || /[\u0000-\u001f\u007f]/.test(apiKey)) {
    throw new BatchError("auth", "the API key is empty or contains control characters", {
      hint: "set BITEX_API_KEY to the key shown in your Bitex account",
    });
  }
  const base = new URL(options.baseUrl);
  // "https://host/api/" and "https://host/api" alike: paths below are appended as "/concierge_…".
  const baseHref = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
  const basePath = base.pathname.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const random = options.random ?? Math.random;
  const gate = options.gate ?? new CallGate({ concurrency: options.concurrency, rate: options.rate });
  const transport = options.transport ?? createFetchTransport({ concurrency: gate.concurrency });
  const headers = {
    Authorization: apiKey,
    Accept: MEDIA_TYPE,
    "Content-Type": MEDIA_TYPE,
    "User-Agent": "bitex-batch",
  };
  // A server echoing the key back must not put it into a report or a log line.
  const redact = (text: string) => text.split(apiKey).join("<redacted>");

  const id = (value: string) => encodeURIComponent(value);
  // "GET /concierge_ports?page[size]=500" reads better in a log line than %5B…%5D.
  const label = (method: string, path: string) => `${method} ${decodeURI(path)}`;

  /** One HTTP attempt inside a gate slot: send, map failures, parse and decode a 2xx. */
  async function attempt<T>(
    method: "GET" | "POST",
    path: string,
    body: string | undefined,
    signal: AbortSignal,
    call: GateCall,
    decode: (document: unknown) => T,
  ): Promise<T> {
    const request = label(method, path);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const interrupt = () => controller.abort();
    signal.addEventListener("abort", interrupt, { once: true });
    if (signal.aborted) controller.abort();
    let response: Awaited<ReturnType<Transport["send"]>>;
    try {
      const onSent = () => call.sent();
      const url = baseHref + path;
      response = await transport.send({ method, url, headers, body, signal: controller.signal, onSent });
    } catch (error) {
      throw errorFromFailure(
        error,
        { timedOut, interrupted: signal.aborted && !timedOut, timeoutMs },
        request,
      );
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", interrupt);
    }
    const { status } = response;
    // Error text may reach a log line, so a key echoed there is removed; a success body is
    // data, and redacting a short key inside it could change an id or an amount.
    const text = response.bodyText;
    if (status < 200 || status > 299)
      throw errorFromResponse(status, response.headers, redact(text), request);
    // The server said yes to a create: if we cannot read what it made, it still made it.
    const sent = method === "POST" ? "maybe" : "no";
    try {
      return decode(parseJson(text, MONEY_ATTRIBUTES));
    } catch (error) {
      if (error instanceof DecodeError) throw badResponse(status, error.message, sent, request);
      if (error instanceof SyntaxError) throw badResponse(status, "the body is not JSON", sent, request);
      throw error;
    }
  }

  /** The retry loop. Backoff sleeps happen outside the gate, so a waiting call holds no slot. */
  async function call<T>(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    decode: (document: unknown) => T,
  ): Promise<T> {
    const text = body === undefined ? undefined : encodeJson(body);
    for (let n = 1; ; n++) {
      let admitted: GateCall | undefined;
      try {
        return await gate.run((signal, call) => {
          admitted = call;
          return attempt(method, path, text, signal, call, decode);
        });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        error.attempts = n;
        const decision = retryDecision({ attempt: n, error, idempotent: method === "GET", policy, random });
        if (error.kind === "rate_limited" && admitted) {
          const pause = error.retryAfterMs ?? Math.max(1000, backoffCeilingMs(n, policy));
          gate.rateLimited(Math.min(pause, policy.retryAfterCapMs), admitted);
        }
        if (!decision.retry) throw error;
        options.onRetry?.({ request: label(method, path), attempt: n, delayMs: decision.delayMs, error });
        await gate.delay(decision.delayMs);
      }
    }
  }

  /**
   * Follows pages until the last: by `links.next` when given (same API only), else by `meta`.
   * An item seen on an earlier page is skipped, should a concurrent insert shift the pages.
   */
  async function listAll<T extends { id: string }>(
    path: string,
    filter: Record<string, string>,
    type: string | undefined,
    as: (resource: Loose) => T,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let query = new URLSearchParams({ ...filter, "page[size]": String(MAX_PAGE_SIZE) });
    for (let pages = 1; ; pages++) {
      const page = await call("GET", `${path}?${query}`, undefined, (document) => decodePage(document, type));
      for (const item of page.items.map(as)) {
        if (!seen.has(item.id)) items.push(item);
        seen.add(item.id);
      }
      const next = nextPage(page, path, query);
      if (next === undefined) return items;
      if (pages >= MAX_PAGES) throw badResponse(200, `${path}: pagination does not end`, "no");
      query = next;
    }
  }

  function nextPage(page: Page<Loose>, path: string, current: URLSearchParams): URLSearchParams | undefined {
    const link = page.links?.next;
    if (typeof link === "string" && link !== "") {
      const url = new URL(link, `${baseHref}${path}`);
      // Following a link elsewhere would hand the key to whoever the link names.
      if (url.origin !== base.origin || url.pathname !== basePath + path) {
        throw badResponse(
          200,
          `${path}: the next-page link leaves the API (${url.origin}${url.pathname})`,
          "no",
        );
      }
      return url.searchParams;
    }
    if (page.links && "next" in page.links) return undefined;
    if (!page.meta && page.items.length >= MAX_PAGE_SIZE) {
      // Taking a truncated list of outputs for the whole list would re-create the rest.
      throw badResponse(
        200,
        `${path}: a full page without links or meta; cannot tell whether more exist`,
        "no",
      );
    }
    const { page: number, total_pages: total } = page.meta ?? {};
    if (typeof number !== "number" || typeof total !== "number" || number >= total) return undefined;
    const query = new URLSearchParams(current);
    query.set("page[number]", String(number + 1));
    return query;
  }

  const requestOf = (d: unknown) => asRequest(decodeOne(d, "concierge_requests"));
  const outputOf = (d: unknown) => asOutput(decodeOne(d, "concierge_request_outputs"));

  // async everywhere, so that even a bad argument surfaces as a rejected promise.
  return {
    gate,
    listPorts: async () => listAll("/concierge_ports", {}, undefined, asPort),
    createRequest: async (input) => call("POST", "/concierge_requests", requestBody(input), requestOf),
    findRequestsByExternalId: async (externalId) =>
      listAll("/concierge_requests", { "filter[external_id]": externalId }, "concierge_requests", asRequest),
    listRequests: async () => listAll("/concierge_requests", {}, "concierge_requests", asRequest),
    getRequest: async (requestId) =>
      call("GET", `/concierge_requests/${id(requestId)}`, undefined, requestOf),
    createOutput: async (input) => call("POST", "/concierge_request_outputs", outputBody(input), outputOf),
    listOutputs: async (requestId) =>
      listAll(
        "/concierge_request_outputs",
        { "filter[request_id]": requestId },
        "concierge_request_outputs",
        asOutput,
      ),
    getOutput: async (outputId) =>
      call("GET", `/concierge_request_outputs/${id(outputId)}`, undefined, outputOf),
    listUsers: async () => listAll("/users", {}, undefined, (user) => user),
    listWithdrawalInstructions: async () =>
      listAll("/withdrawal_instructions", {}, undefined, asWithdrawalInstruction),
    close() {
      gate.close();
      transport.close();
    },
  };
}
