/**
 * The Bitex CrossBorder client: every call passes the shared CallGate, then the retry loop.
 * GETs are retried on network errors, 408/425/429/5xx; creates only when the server surely
 * did not act (429, refused connection). An ambiguous create throws ApiError `sent: "maybe"`
 * and the caller reconciles by listing outputs (docs/design.md section 6).
 */
import { encodeJson, parseJson } from "../wire/json.js";
import { objectReader } from "../wire/json-stream.js";
import { MAX_PAGE_SIZE } from "../wire/resources.js";
import { ApiError, badResponse, errorFromFailure, errorFromResponse, type HeaderLookup } from "./errors.js";
import { ConfigError } from "./failure.js";
import { CallGate, type GateCall } from "./gate.js";
import { wholeOutputs } from "./included.js";
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
  includedResource,
  type Loose,
  MONEY_ATTRIBUTES,
  type OutputInput,
  outputBody,
  type Port,
  requestBody,
  type User,
  type WithdrawalInstruction,
} from "./jsonapi.js";
import {
  type Completeness,
  type FilterCheck,
  keepMatching,
  PAGE_SIZE_PARAMS,
  type PageSource,
  readList,
} from "./paging.js";
import { backoffCeilingMs, DEFAULT_RETRY_POLICY, type RetryPolicy, retryDecision } from "./retry.js";
import { errorTextScrubber, keyScrubber } from "./scrub.js";
import { ServerClock } from "./server-clock.js";
import { ServerPace } from "./server-pace.js";
import { createFetchTransport, type Transport } from "./transport.js";
import { checkApiUrl, sameHost } from "./url.js";

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
  /** Called after each whole list is read: how it was proven whole. */
  onList?: (info: ListInfo) => void;
  /** This machine's clock; default Date.now (tests inject a skewed one). */
  localNow?: () => number;
  /** Called once when the server's clock (its `Date` header) is more than a minute off this machine's. */
  onSkew?: (offsetMs: number) => void;
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

/** How a list was read; see paging.ts for what each `complete` proves. */
export interface ListInfo {
  /** "GET /concierge_request_outputs?filter[request_id]=1" */
  request: string;
  complete: Completeness;
  /** Items returned. */
  items: number;
  /** Items the server listed against the filter (it ignored it), left out. */
  dropped: number;
  /** Calls made, over every pass. */
  pages: number;
  /** Readings of the whole list: more than one when it changed while being read. */
  passes: number;
}

export interface BitexClient {
  /** The run's gate: `close()` it to stop admitting calls (SIGINT), `abort()` to also cut calls in flight. */
  readonly gate: CallGate;
  /**
   * The ports offered. With `needed` (port codes), a list whose end cannot be proven still
   * answers when it holds every one of them (paging.ts, "sufficient"): use it only to find.
   */
  listPorts(needed?: Iterable<string>): Promise<Port[]>;
  createRequest(input: {
    portCode: string;
    externalId: string;
    payerUserId?: string;
  }): Promise<ConciergeRequest>;
  /** The requests whose external_id is this one, all pages (checked here, not only by the server). */
  findRequestsByExternalId(externalId: string): Promise<ConciergeRequest[]>;
  /**
   * Every concierge request the key can see, all pages, unfiltered. `whole` is false only for a
   * server that ignores paging, whose one answer nothing proves whole (paging.ts, "unproven").
   */
  listRequests(): Promise<{ requests: ConciergeRequest[]; whole: boolean }>;
  getRequest(id: string): Promise<ConciergeRequest>;
  /** `draft → quote_requested`; moves no money. A lost answer is settled by getRequest. */
  requestQuote(id: string): Promise<ConciergeRequest>;
  /** `quoted → quote_accepted`: commits the payer's money. Never retried blindly. */
  acceptQuote(id: string): Promise<ConciergeRequest>;
  createOutput(input: OutputInput): Promise<ConciergeOutput>;
  /**
   * Every output of the request, all pages; an item of another request is left out. `named`:
   * the ids of every output the request can hold (paging.ts, "named"), when the caller knows.
   */
  listOutputs(requestId: string, named?: ReadonlySet<string>): Promise<ConciergeOutput[]>;
  /**
   * Every output of the request in one call, `GET /concierge_requests/:id?include=outputs`,
   * when the answer proves them whole (included.ts); null when it does not: list them then.
   */
  includedOutputs(requestId: string): Promise<ConciergeOutput[] | null>;
  /** One output, by its id (`GET /concierge_request_outputs/:id`). */
  getOutput(id: string): Promise<ConciergeOutput>;
  /**
   * The most items one call of a list has returned so far (a whole list's items over its
   * calls): what a listing costs, against reading items one by one. null before any list.
   */
  listPageSize(): number | null;
  /** The key's users; `needed` (user ids) as for listPorts. */
  listUsers(needed?: Iterable<string>): Promise<User[]>;
  /**
   * The key's own user, `GET /users/me` (recorded): Bitex's recorded `GET /users` of a master
   * lists the users it manages, not the master itself.
   */
  getMe(): Promise<User>;
  /** `GET /users/:id` (Bitex's Postman collection): a user this key manages, by id. */
  getUser(userId: string): Promise<User>;
  /**
   * The key's withdrawal instructions; with `actingAs`, those of that managed user, read
   * acting as it (`Authorization: <key>; user=<id>`, as Bitex's recordings show).
   */
  listWithdrawalInstructions(actingAs?: string, needed?: Iterable<string>): Promise<WithdrawalInstruction[]>;
  /**
   * `POST /users` as a master key creates a managed user (Bitex's guide, "Master User"), with
   * the email the 2019 body carries. An unclear answer is settled by listing users.
   */
  createUser(input: { email: string }): Promise<User>;
  /** `POST /withdrawal_instructions` acting as the payee, who owns it (also named as `user`). */
  createWithdrawalInstruction(input: {
    userId: string;
    label: string;
    body: Record<string, unknown>;
  }): Promise<WithdrawalInstruction>;
  /** `GET /withdrawal_instructions/:id` acting as its owner (recorded: the one instruction). */
  getWithdrawalInstruction(instructionId: string, actingAs: string): Promise<WithdrawalInstruction>;
  /** `DELETE /withdrawal_instructions/:id` acting as its owner (recorded: 204, empty body). */
  deleteWithdrawalInstruction(instructionId: string, actingAs: string): Promise<void>;
  /** The server's time now, by the offset its last answer's `Date` showed (server-clock.ts). */
  serverNow(): Date;
  /**
   * Server ms per local ms as its `Date` headers show, the slowest they allow (server-pace.ts):
   * a sleep for a span of the server's time never ends early. null until known.
   */
  serverPace(): number | null;
  /** Closes the gate and drops the pooled connections. */
  close(): void;
}

const MEDIA_TYPE = "application/vnd.api+json";

/** A 2xx body read as it arrives: pieces of its text in, the data out at the end. */
interface PiecesRead {
  /** false once the rest changes nothing (json-stream.ts). */
  push(piece: string): boolean;
  end(): unknown;
}
/** The longest a body read as it arrives may take, in timeouts: each piece gives one again. */
const STREAMED_AT_MOST = 10;
/** How a 2xx body becomes data: parsed whole, or by a fresh reader of its pieces each attempt. */
type BodyRead = ((text: string) => unknown) | { pieces: () => PiecesRead };
/**
 * Bitex versions each endpoint; with no `Version` header the oldest is used (Bitex's guide,
 * "Versioning"). Bitex's Postman collection sends 2.0 on every concierge call: the shapes read
 * here are that version's, and the older one's `outputs_total` is read too (jsonapi.ts).
 */
export const API_VERSION = "2.0";

/**
 * A read with `include=outputs` that the listing reads instead: the parameter refused (400, or
 * Bitex's 422), or no usable answer after the retries (a timeout, a server error, a broken
 * connection, a body that does not decode). One answer holding every output of a large request
 * may be more than a server or its proxy draws up in time, where the listing's pages are not,
 * and the listing proves what it reads on its own. A failure a listing meets too (the key, an
 * edge block, a signal, an unknown request) is thrown.
 */
function listInstead(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.status === 400 || error.status === 422) return true;
  return ["timeout", "server", "network", "bad_response"].includes(error.kind);
}

export function createBitexClient(options: BitexClientOptions): BitexClient {
  checkApiUrl(options.baseUrl);
  const { apiKey } = options;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a key with CR/LF would break or inject headers
  if (apiKey === "" || /[\u0000-\u001f\u007f]/.test(apiKey)) {
    throw new ConfigError("auth", "the API key is empty or contains control characters", {
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
  const serverClock = new ServerClock(options.localNow, options.onSkew);
  const serverPace = new ServerPace(options.localNow);
  let pageSizeSeen: number | null = null;
  /**
   * Whether the server answers `include=outputs` (included.ts): null until it shows, false once
   * it refused the parameter or its first answer with outputs did not prove them whole. Asked
   * again, a server that does not answer it would cost a call more at each listing.
   */
  let includesOutputs: boolean | null = null;
  /** The first such read in flight: reads started meanwhile wait to learn from its answer. */
  let includeProbe: Promise<void> | null = null;
  const gate = options.gate ?? new CallGate({ concurrency: options.concurrency, rate: options.rate });
  const transport = options.transport ?? createFetchTransport({ concurrency: gate.concurrency });
  const headers = {
    Authorization: apiKey,
    Accept: MEDIA_TYPE,
    "Content-Type": MEDIA_TYPE,
    Version: API_VERSION,
    "User-Agent": "bitex-batch",
  };
  // A server echoing the key back must not put it into a report or a log line.
  const redact = errorTextScrubber(apiKey, "<redacted>");
  // …nor a report cell, a journal line, an export row or --json.
  const scrub = keyScrubber(apiKey);

  const id = (value: string) => encodeURIComponent(value);
  // "GET /concierge_ports?page[size]=500" reads better in a log line than %5B…%5D.
  const label = (method: string, path: string) => `${method} ${decodeURI(path)}`;

  /** One HTTP attempt inside a gate slot: send, map failures, parse and decode a 2xx. */
  async function attempt<T>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body: string | undefined,
    signal: AbortSignal,
    call: GateCall,
    decode: (document: unknown) => T,
    actingAs?: string,
    read: BodyRead = readDocument,
  ): Promise<T> {
    const request = label(method, path);
    const controller = new AbortController();
    let timedOut = false;
    const expire = () => {
      timedOut = true;
      controller.abort();
    };
    let timer = setTimeout(expire, timeoutMs);
    const interrupt = () => controller.abort();
    signal.addEventListener("abort", interrupt, { once: true });
    if (signal.aborted) controller.abort();
    let response: Awaited<ReturnType<Transport["send"]>>;
    /** The answer's Date was taken as its headers came (observeDate). */
    let dated = false;
    const observeDate = (answer: HeaderLookup) => {
      dated = true;
      serverClock.observe(answer.get("date"), answer.get("age"));
      serverPace.observe(answer.get("date"), answer.get("age"));
    };
    // A fresh reader each attempt: a retried answer is read from its start.
    const reader = typeof read === "function" ? undefined : read.pieces();
    // A body read as it arrives may be one large answer (a request with every output): while
    // its pieces keep coming, each one gives the call its timeout again, up to STREAMED_AT_MOST
    // timeouts in all, so a large answer on a slow link is not cut off and asked again whole.
    const deadline = Date.now() + STREAMED_AT_MOST * timeoutMs;
    /** A 2xx answer's body began to arrive. */
    let arriving = false;
    const into = reader && {
      push: (piece: string) => {
        arriving = true;
        if (!timedOut && Date.now() < deadline) {
          clearTimeout(timer);
          timer = setTimeout(expire, Math.min(timeoutMs, deadline - Date.now()));
        }
        return reader.push(piece);
      },
    };
    try {
      const onSent = () => call.sent();
      const url = baseHref + path;
      const sent =
        actingAs === undefined ? headers : { ...headers, Authorization: `${apiKey}; user=${actingAs}` };
      response = await transport.send({
        method,
        url,
        headers: sent,
        body,
        signal: controller.signal,
        onSent,
        onHeaders: observeDate,
        into,
      });
    } catch (error) {
      // A 2xx answer that stopped arriving, or was still arriving when its ten timeouts ran
      // out, would take as long asked again whole: it is no answer, not retried (the caller
      // of a read as it arrives lists instead).
      if (timedOut && arriving && !signal.aborted)
        throw badResponse(200, "its body stopped arriving or outlasted ten timeouts: cut off", "no", request);
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
    // A transport that does not say when the headers came (a scripted one): now.
    if (!dated) observeDate(response.headers);
    // Error text may reach a log line, so a key echoed there is removed; a success body is
    // data, and redacting a short key inside it could change an id or an amount.
    const text = response.bodyText;
    if (status < 200 || status > 299)
      throw errorFromResponse(status, response.headers, redact(text), request);
    // The server said yes to a create: if we cannot read what it made, it still made it.
    const sent = method === "GET" ? "no" : "maybe";
    // A delete's answer has no body (recorded 204).
    if (method === "DELETE") return decode(undefined);
    try {
      if (!reader) return decode((read as (text: string) => unknown)(text));
      // A transport that does not hand over pieces (a scripted one) gives the whole text.
      if (!response.streamed) reader.push(text);
      return decode(reader.end());
    } catch (error) {
      if (error instanceof DecodeError) throw badResponse(status, error.message, sent, request, error);
      if (error instanceof SyntaxError) throw badResponse(status, "the body is not JSON", sent, request);
      // The exact-money parser and the key scrubber walk the tree recursively.
      if (error instanceof RangeError)
        throw badResponse(status, "the body nests too deeply to read", sent, request);
      throw error;
    }
  }

  /** The retry loop. Backoff sleeps happen outside the gate, so a waiting call holds no slot. */
  async function call<T>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body: unknown,
    decode: (document: unknown) => T,
    actingAs?: string,
    read?: BodyRead,
  ): Promise<T> {
    const text = body === undefined ? undefined : encodeJson(body);
    for (let n = 1; ; n++) {
      let admitted: GateCall | undefined;
      try {
        return await gate.run((signal, call) => {
          admitted = call;
          return attempt(method, path, text, signal, call, decode, actingAs, read);
        });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        error.attempts = n;
        const decision = retryDecision({ attempt: n, error, idempotent: method !== "POST", policy, random });
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

  /** Every item of a list, proven whole (paging.ts), less those the server listed against `check`. */
  async function listAll<T extends { id: string }>(
    path: string,
    type: string | undefined,
    as: (resource: Loose) => T,
    how: Pick<PageSource, "proveWhole" | "enough" | "keepUnproven" | "named"> & {
      check?: FilterCheck;
      actingAs?: string;
      onComplete?: (complete: Completeness) => void;
    } = {},
  ): Promise<T[]> {
    const { check, actingAs, onComplete, ...paging } = how;
    const filter = check ? { [check.param]: check.value } : {};
    const listing = await readList({
      path,
      // Every page names both conventions (paging.ts); a server reads the pair it knows. The
      // size stays the same on every page: a size that changed between pages would skip items.
      firstQuery: () => {
        const query = new URLSearchParams(filter);
        for (const name of PAGE_SIZE_PARAMS) query.set(name, String(MAX_PAGE_SIZE));
        return query;
      },
      fetch: async (query) => {
        const page = await call(
          "GET",
          `${path}?${query}`,
          undefined,
          (document) => decodePage(document, type),
          actingAs,
        );
        // A page that says its size (rich lists' meta) tells what a listing costs before one is long.
        const size = page.meta?.page_size;
        if (typeof size === "number" && Number.isSafeInteger(size) && size > 0)
          pageSizeSeen = Math.max(pageSizeSeen ?? 0, size);
        return page;
      },
      linkQuery: (link) => linkQuery(link, path),
      ...paging,
    });
    const { kept, dropped } = check
      ? keepMatching(path, listing.items, check)
      : { kept: listing.items, dropped: 0 };
    const { complete, pages, passes } = listing;
    onComplete?.(complete);
    // A list that ends at an empty page made one call more than its pages of items.
    const calls = Math.max(1, pages - (complete === "empty_page" ? 1 : 0));
    if (listing.items.length > 0)
      pageSizeSeen = Math.max(pageSizeSeen ?? 0, Math.floor(listing.items.length / calls));
    const request = label("GET", `${path}?${new URLSearchParams(filter)}`.replace(/\?$/, ""));
    options.onList?.({ request, complete, items: kept.length, dropped, pages, passes });
    try {
      return kept.map(as);
    } catch (error) {
      if (error instanceof DecodeError) throw badResponse(200, error.message, "no", request, error);
      throw error;
    }
  }

  /**
   * A request read after its outputs were listed holds every output the listing could have
   * missed (outputs are never deleted): the listing is whole when it holds every id of the
   * request's `outputs` relationship and those are as many as its count attribute.
   */
  /** PageSource.proveWhole: true proved, false disproved, undefined when the request cannot tell. */
  async function holdsEveryOutput(requestId: string, items: readonly Loose[]): Promise<boolean | undefined> {
    const request = await call("GET", `/concierge_requests/${id(requestId)}`, undefined, requestOf);
    const listed = new Set(items.map((item) => item.id));
    // Nothing is deleted from a request: a count above the pages' says they were cut.
    if (request.outputs_count > listed.size) return false;
    const known = request.outputs_ids;
    if (known == null || known.length !== request.outputs_count) return undefined;
    return known.every((output) => listed.has(output));
  }

  /**
   * BitexClient.includedOutputs. A server that refuses the parameter (400, or Bitex's 422),
   * gives no usable answer to it (listInstead) or first answers without proving a request's
   * outputs whole is not asked again.
   */
  async function includedOutputs(requestId: string): Promise<ConciergeOutput[] | null> {
    while (includesOutputs === null && includeProbe !== null) await includeProbe;
    if (includesOutputs === false) return null;
    const asked = askIncluded(requestId);
    if (includesOutputs === null) {
      // Its failure is its caller's; the waiting reads only need it settled.
      const settled = () => {
        includeProbe = null;
      };
      includeProbe = asked.then(settled, settled);
    }
    return asked;
  }

  async function askIncluded(requestId: string): Promise<ConciergeOutput[] | null> {
    let answer: { request: ConciergeRequest; included: ConciergeOutput[] };
    try {
      answer = await call(
        "GET",
        `/concierge_requests/${id(requestId)}?include=outputs`,
        undefined,
        (parts) => {
          const { document, included } = parts as { document: unknown; included: ConciergeOutput[] };
          return { request: requestOf(document), included };
        },
        undefined,
        { pieces: includedReader },
      );
    } catch (error) {
      if (!listInstead(error)) throw error;
      includesOutputs = false;
      return null;
    }
    const { request, included } = answer;
    // An answer about another request (misrouted, mis-cached) proves nothing of this one.
    const whole = request.id === requestId ? wholeOutputs(request, included) : null;
    // A request without outputs shows nothing either way. Once a server has answered whole,
    // an answer that is not (an output landing while it was drawn up) is listed that once.
    if (whole !== null && included.length > 0) includesOutputs = true;
    else if (whole === null && includesOutputs === null) includesOutputs = false;
    return whole;
  }

  /** Whether listed items hold every needed key (an id, or a port's code); nothing needed: never asked. */
  function holding(
    needed: Iterable<string> | undefined,
    key: (item: Loose) => string = (item) => item.id,
  ): ((items: readonly Loose[]) => boolean) | undefined {
    if (needed === undefined) return undefined;
    const wanted = [...new Set(needed)];
    return (items) => {
      const listed = new Set(items.map(key));
      return wanted.every((want) => listed.has(want));
    };
  }

  function linkQuery(link: string, path: string): URLSearchParams {
    const url = new URL(link, `${baseHref}${path}`);
    // Only its query is taken, sent to our own base with the key: a link naming another host
    // is refused all the same (whoever wrote it is not the API). Our host under another scheme
    // or port (an app behind TLS termination writes http:// links), or loopback under another
    // name, is the API (helper-113: every list stopped for good after the accepts).
    if (!sameHost(url, base) || url.pathname !== basePath + path) {
      throw badResponse(
        200,
        // Only where it points: the path of a link that is no page of ours may hold anything.
        `${path}: the next-page link leaves the API (it points to ${url.origin}/…, path not shown)`,
        "no",
      );
    }
    return url.searchParams;
  }

  /** A 2xx body as data: exact money, and the key removed wherever the server echoed it. */
  function readDocument(text: string): unknown {
    return scrub(parseJson(text, MONEY_ATTRIBUTES));
  }

  /**
   * A request's answer with its outputs included, read as it arrives (json-stream.ts): the
   * request (the other members) and each included output decoded as its text ends, so that
   * neither the document's whole text nor its whole tree is ever alive.
   */
  function includedReader(): PiecesRead {
    const document: Record<string, unknown> = {};
    const included: ConciergeOutput[] = [];
    const reader = objectReader("included", {
      member: (name, text) => {
        if (name === "included") throw new DecodeError("`included` is not a list");
        document[name] = readDocument(text);
      },
      element: (text) => {
        const resource = includedResource(readDocument(text), "concierge_request_outputs");
        if (resource) included.push(asOutput(resource));
      },
    });
    return {
      push: (piece) => reader.push(piece),
      end: () => {
        reader.end();
        return { document, included };
      },
    };
  }

  const requestOf = (d: unknown) => asRequest(decodeOne(d, "concierge_requests"));
  const outputOf = (d: unknown) => asOutput(decodeOne(d, "concierge_request_outputs"));

  // async everywhere, so that even a bad argument surfaces as a rejected promise.
  return {
    gate,
    listPorts: async (needed) =>
      listAll("/concierge_ports", undefined, asPort, {
        enough: holding(needed, (item) => asPort(item).code),
      }),
    createRequest: async (input) => call("POST", "/concierge_requests", requestBody(input), requestOf),
    findRequestsByExternalId: async (externalId) =>
      listAll("/concierge_requests", "concierge_requests", asRequest, {
        check: { param: "filter[external_id]", field: "external_id", value: externalId },
      }),
    listRequests: async () => {
      let whole = true;
      const requests = await listAll("/concierge_requests", "concierge_requests", asRequest, {
        keepUnproven: true,
        onComplete: (complete) => {
          whole = complete !== "unproven";
        },
      });
      return { requests, whole };
    },
    getRequest: async (requestId) =>
      call("GET", `/concierge_requests/${id(requestId)}`, undefined, requestOf),
    requestQuote: async (requestId) =>
      call("POST", `/concierge_requests/${id(requestId)}/request_quote`, undefined, requestOf),
    acceptQuote: async (requestId) =>
      call("POST", `/concierge_requests/${id(requestId)}/accept_quote`, undefined, requestOf),
    createOutput: async (input) => call("POST", "/concierge_request_outputs", outputBody(input), outputOf),
    includedOutputs,
    listOutputs: async (requestId, named) =>
      listAll("/concierge_request_outputs", "concierge_request_outputs", asOutput, {
        check: { param: "filter[request_id]", field: "request_id", value: requestId },
        named,
        proveWhole: (items) => holdsEveryOutput(requestId, items),
      }),
    listUsers: async (needed) => listAll("/users", undefined, (user) => user, { enough: holding(needed) }),
    getMe: async () => call("GET", "/users/me", undefined, (d) => decodeOne(d, "users")),
    getUser: async (userId) => call("GET", `/users/${id(userId)}`, undefined, (d) => decodeOne(d, "users")),
    listWithdrawalInstructions: async (actingAs, needed) =>
      listAll("/withdrawal_instructions", undefined, asWithdrawalInstruction, {
        actingAs: actingAs === undefined ? undefined : id(actingAs),
        enough: holding(needed),
      }),
    createUser: async ({ email }) =>
      call("POST", "/users", { data: { type: "users", attributes: { email } } }, (d) =>
        decodeOne(d, "users"),
      ),
    getOutput: async (outputId) =>
      call("GET", `/concierge_request_outputs/${id(outputId)}`, undefined, outputOf),
    listPageSize: () => pageSizeSeen,
    createWithdrawalInstruction: async ({ userId, label, body }) =>
      call(
        "POST",
        "/withdrawal_instructions",
        {
          data: {
            type: "withdrawal_instructions",
            attributes: { label, body },
            relationships: { user: { data: { type: "users", id: userId } } },
          },
        },
        (d) => asWithdrawalInstruction(decodeOne(d, "withdrawal_instructions")),
        id(userId),
      ),
    getWithdrawalInstruction: async (instructionId, actingAs) =>
      call(
        "GET",
        `/withdrawal_instructions/${id(instructionId)}`,
        undefined,
        (d) => asWithdrawalInstruction(decodeOne(d, "withdrawal_instructions")),
        id(actingAs),
      ),
    deleteWithdrawalInstruction: async (instructionId, actingAs) =>
      call(
        "DELETE",
        `/withdrawal_instructions/${id(instructionId)}`,
        undefined,
        () => undefined,
        id(actingAs),
      ),
    serverNow: () => serverClock.now(),
    serverPace: () => serverPace.slowest,
    close() {
      gate.close();
      transport.close();
    },
  };
}
