/**
 * Typed errors of the Bitex client. Every failed call ends as one ApiError, made in exactly
 * two places: `errorFromResponse` (the server answered) and `errorFromFailure` (it did not).
 * `sent` tells the submit engine whether the server may have acted, which decides between
 * "retry", "report as failed" and "reconcile before sending again".
 */
import type { ApiErrorKind, Sent } from "./failure.js";
import { parseRetryAfter } from "./retry.js";

export type { ApiErrorKind, Sent };

/** One entry of a JSON:API `errors` array, as Bitex sends it (every field may be missing or null). */
export interface ServerErrorObject {
  status?: number | string | null;
  title?: string | null;
  detail?: string | null;
  code?: string | null;
  source?: { pointer?: string | null } | null;
}

export interface ApiErrorInit {
  kind: ApiErrorKind;
  code: string;
  detail: string;
  sent: Sent;
  status?: number;
  retryAfterMs?: number;
  /** "POST /concierge_request_outputs": prefixed to the message for logs, never to `detail`. */
  request?: string;
  errors?: ServerErrorObject[];
  /** A 401/403 of a key Bitex knows whose level lacks the permission for the call. */
  lacksPermission?: boolean;
  cause?: unknown;
}

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** Stable snake_case code for the report's error_code column. */
  readonly code: string;
  /** Human sentence for the report's error column. */
  readonly detail: string;
  readonly sent: Sent;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly request: string | undefined;
  /** The server's JSON:API errors, when it sent any. */
  readonly errors: readonly ServerErrorObject[];
  readonly lacksPermission: boolean;
  /** How many HTTP attempts the client made before giving up (set by the client). */
  attempts = 1;

  constructor(init: ApiErrorInit) {
    super(init.request ? `${init.request}: ${init.detail}` : init.detail, { cause: init.cause });
    this.name = "ApiError";
    this.kind = init.kind;
    this.code = init.code;
    this.detail = init.detail;
    this.sent = init.sent;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.request = init.request;
    this.errors = init.errors ?? [];
    this.lacksPermission = init.lacksPermission ?? false;
  }
}

export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * Maps any non-2xx answer to an ApiError. `bodyText` may be JSON:API, Bitex's `{"error":…}`, HTML or empty.
 *
 * `sent` is "maybe" unless the answer is provably the API's own refusal: a 429, or a 4xx
 * other than 408 whose body is one of Bitex's error documents (JSON:API `errors`, or its
 * `{"error": …}`). A proxy in front of Bitex can answer 5xx, 408, or an HTML 4xx after it
 * forwarded the request, and the server may commit it seconds later.
 */
export function errorFromResponse(
  status: number,
  headers: HeaderLookup,
  bodyText: string,
  request?: string,
  nowMs: number = Date.now(),
): ApiError {
  const body = parseErrorBody(bodyText);
  const base = { status, request, errors: body.errors };
  const said = body.message ? `: ${body.message}` : "";
  const retryAfterMs = parseRetryAfter(headers.get("retry-after"), nowMs, headers.get("date"));
  const refused: Sent = body.fromApi ? "no" : "maybe";

  if (isEdgeBlock(status, headers, bodyText, body.json, retryAfterMs !== undefined)) {
    const what = status === 403 ? "blocked" : "rate-limited";
    const detail = `${what} by Bitex's edge (${status}, a ${describeBody(bodyText)} page, not the API's answer; not a key problem)`;
    // A 429 was surely not acted on; a block page may come from a proxy that passed the call on.
    const sent: Sent = status === 429 ? "no" : "maybe";
    return new ApiError({ ...base, kind: "blocked", code: "api_edge_blocked", detail, sent });
  }
  if (status === 401 || status === 403) {
    const code = status === 401 ? "api_unauthorized" : "api_forbidden";
    // Bitex answers a valid key of a level that lacks the permission (a read-only key asked to
    // create) "Not enough permissions" (recorded): the key is known, its level is not enough.
    const lacksPermission = body.fromApi && /permission/i.test(body.message ?? "");
    const detail = lacksPermission
      ? `Bitex refused the call: the key lacks the permission for it (${status})${said}`
      : `Bitex refused the API key (${status})${said}`;
    return new ApiError({ ...base, kind: "unauthorized", code, detail, sent: refused, lacksPermission });
  }
  if (status === 404) {
    const detail = `Bitex has no such resource, or one of the ids sent does not exist (404)${said}`;
    return new ApiError({ ...base, kind: "not_found", code: "api_not_found", detail, sent: refused });
  }
  if (status === 422) {
    const first = body.errors[0]?.code;
    const code = typeof first === "string" && /^[a-z][a-z0-9_]*$/.test(first) ? first : "api_validation";
    const detail = body.message ?? "Bitex rejected the data (422)";
    return new ApiError({ ...base, kind: "validation", code, detail, sent: refused });
  }
  if (status === 429) {
    const detail = `Bitex rate limit reached (429)${retryAfterMs === undefined ? "" : `; retry after ${retryAfterMs} ms`}`;
    return new ApiError({
      ...base,
      kind: "rate_limited",
      code: "api_rate_limited",
      detail,
      sent: "no",
      retryAfterMs,
    });
  }
  // A 408 is often a proxy's, which may have passed the request on before giving up.
  if (status === 408) {
    const detail = `Bitex timed out waiting for the request (408)${said}`;
    return new ApiError({
      ...base,
      kind: "timeout",
      code: "api_timeout",
      detail,
      sent: "maybe",
      retryAfterMs,
    });
  }
  if (status === 425) {
    const detail = `Bitex refused to process the request yet (425)${said}`;
    return new ApiError({
      ...base,
      kind: "server",
      code: "api_too_early",
      detail,
      sent: refused,
      retryAfterMs,
    });
  }
  if (status >= 500) {
    const detail = `Bitex server error (${status})${said}`;
    return new ApiError({
      ...base,
      kind: "server",
      code: "api_server_error",
      detail,
      sent: "maybe",
      retryAfterMs,
    });
  }
  if (status >= 300 && status < 400) {
    const detail = `Bitex answered with a redirect (${status}); check the API URL`;
    return new ApiError({
      ...base,
      kind: "bad_response",
      code: "api_unexpected_redirect",
      detail,
      sent: "maybe",
    });
  }
  const detail = `Bitex refused the request (${status})${said}`;
  return new ApiError({ ...base, kind: "client", code: "api_client_error", detail, sent: refused });
}

/**
 * Bitex sits behind Cloudflare (its recorded sandbox answers carried Cloudflare's cookies), and
 * its guide warns that abusing the rate limit gets a caller blocked. The API's own refusals are
 * JSON (`{"error": …}` or JSON:API `errors`); a 403 page that is not JSON is the edge's
 * block or challenge page, and so is a 429 HTML page that says not when to come back, and a
 * 503 that says it is Cloudflare's. A plain HTML 5xx is left to the retry loop: Bitex's own
 * server errors were recorded as HTML pages too. A 429 in plain text, or one saying when to
 * come back (`Retry-After`), is a rate limiter's (Rack::Attack's stock answer is `Retry
 * later`, helper-113: one stopped the whole run as a block): waited for and retried; unless
 * its body is Cloudflare's ban (`error code: 1015`, helper-115).
 */
function isEdgeBlock(
  status: number,
  headers: HeaderLookup,
  bodyText: string,
  json: boolean,
  retryAfter: boolean,
): boolean {
  // A blank 403 or 429 says nothing of who sent it: left to the usual meaning of the status.
  if (json || bodyText.trim() === "") return false;
  if (status === 403) return true;
  // Cloudflare's own rate-limit ban says so in its body ("error code: 1015"), whatever else it
  // carries; every answer through Cloudflare has its headers, the origin's rate limiter's too.
  if (status === 429)
    return (
      /error code: 10\d\d|cloudflare/i.test(bodyText) || (!retryAfter && describeBody(bodyText) === "HTML")
    );
  if (status !== 503) return false;
  const server = headers.get("server") ?? "";
  return /cloudflare/i.test(server) || headers.get("cf-ray") !== null || /cloudflare/i.test(bodyText);
}

function describeBody(text: string): string {
  return /^\s*<|<html/i.test(text) ? "HTML" : "non-JSON";
}

/** Connection could not even be opened: the request never left, so it certainly was not acted on. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const NOT_SENT_SYSCALLS = new Set(["connect", "getaddrinfo"]);

/**
 * Maps a thrown fetch failure. `timedOut` / `interrupted` say which of the client's own
 * abort signals fired, since an AbortError alone cannot tell them apart.
 */
export function errorFromFailure(
  error: unknown,
  reason: { timedOut?: boolean; interrupted?: boolean; timeoutMs?: number },
  request?: string,
): ApiError {
  if (reason.interrupted) {
    const detail = "the call was abandoned while in flight (run stopping); the server may have acted";
    return new ApiError({
      kind: "interrupted",
      code: "api_interrupted",
      detail,
      sent: "maybe",
      request,
      cause: error,
    });
  }
  if (reason.timedOut) {
    const detail = `no answer from Bitex within ${reason.timeoutMs ?? "the"} ms; the server may have acted`;
    return new ApiError({
      kind: "timeout",
      code: "api_timeout",
      detail,
      sent: "maybe",
      request,
      cause: error,
    });
  }
  const e = (error ?? {}) as { code?: unknown; erroredSysCall?: unknown; syscall?: unknown };
  const code = typeof e.code === "string" ? e.code : undefined;
  const syscall = typeof e.erroredSysCall === "string" ? e.erroredSysCall : e.syscall;
  if ((code && NOT_SENT_CODES.has(code)) || (typeof syscall === "string" && NOT_SENT_SYSCALLS.has(syscall))) {
    const detail = `cannot connect to Bitex (${code ?? "connect failed"})`;
    return new ApiError({ kind: "network", code: "api_network", detail, sent: "no", request, cause: error });
  }
  // Reset, hang-up, premature close, anything unknown: the bytes may have reached the server.
  const detail = `connection to Bitex lost before the answer (${code ?? "no response"}); the server may have acted`;
  return new ApiError({ kind: "network", code: "api_network", detail, sent: "maybe", request, cause: error });
}

/**
 * The `code` of a list that page 2 answered as page 1 with nothing proving it whole: the server
 * (or a proxy before it) ignores the paging parameters, and will again; running again does not help.
 */
export const IGNORES_PAGING = "api_ignores_paging";

/** A 2xx whose body is not the JSON:API document expected. For a create, the server probably acted. */
export function badResponse(
  status: number,
  why: string,
  sent: Sent,
  request?: string,
  cause?: unknown,
  code = "api_bad_response",
): ApiError {
  const detail = `unexpected answer from Bitex (${status}): ${why}`;
  return new ApiError({
    kind: "bad_response",
    code,
    detail,
    status,
    sent,
    request,
    cause,
  });
}

/**
 * Extracts a human message from Bitex's error bodies: JSON:API `errors` (detail + pointer),
 * `{"error": "…"}`, or nothing for HTML and other text (an HTML page is noise in a report).
 */
function parseErrorBody(text: string): {
  errors: ServerErrorObject[];
  message: string | undefined;
  /** The body is one of Bitex's error documents, not a proxy's page. */
  fromApi: boolean;
  /** The body is JSON at all. */
  json: boolean;
} {
  const none = { errors: [], message: undefined, fromApi: false, json: false };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return none;
  }
  if (!json || typeof json !== "object") return { ...none, json: true };
  const { error, errors } = json as { error?: unknown; errors?: unknown };
  if (typeof error === "string" && error !== "")
    return { errors: [], message: error, fromApi: true, json: true };
  if (!Array.isArray(errors)) return { ...none, json: true };
  const objects = errors.filter((e): e is ServerErrorObject => !!e && typeof e === "object");
  const parts = objects.flatMap((e) => {
    const text = str(e.detail) ?? str(e.title);
    if (!text) return [];
    const pointer = str(e.source?.pointer);
    return [pointer ? `${text} (${pointer})` : text];
  });
  return {
    errors: objects,
    message: parts.length > 0 ? parts.join("; ") : undefined,
    fromApi: true,
    json: true,
  };
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
