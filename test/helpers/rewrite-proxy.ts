/**
 * A proxy between the CLI and the emulator that changes what passes, the way a gateway, an
 * older API version or Bitex's edge can: it drops query parameters or request headers, answers
 * by itself (an edge's HTML block page), or rewrites a JSON answer (an attribute renamed or
 * removed). Everything else is passed on as it came.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Rewrite {
  /** Query parameters removed before the call is passed on ("page[number]"). */
  dropParams?: string[];
  /** Query parameters set before the call is passed on, replacing the client's ("page[size]": "10"). */
  setParams?: Record<string, string>;
  /** Request headers removed before the call is passed on (lower case: "version"). */
  dropHeaders?: string[];
  /** An answer of the proxy's own, or null to pass the call on. */
  answer?: (method: string, path: string) => { status: number; contentType: string; body: string } | null;
  /** Rewrites a JSON answer's document (parsed); the answer is sent re-serialised. */
  body?: (document: unknown) => unknown;
  /**
   * A cache in front of the API: a GET whose key (of the path and query as they came) is
   * not null is answered with the first answer under that key, as long as the proxy runs.
   */
  cacheKey?: (url: URL) => string | null;
}

export interface RewriteProxy {
  /** e.g. http://127.0.0.1:40125/api */
  url: string;
  /** Calls the proxy answered by itself. */
  answered: number;
  /** Method, path and query of every call, as it came. */
  calls: string[];
  close(): Promise<void>;
}

export async function rewriteProxy(upstreamApi: string, rewrite: Rewrite): Promise<RewriteProxy> {
  const upstream = new URL(upstreamApi);
  const state = { answered: 0 };
  const calls: string[] = [];
  const cached = new Map<string, { status: number; headers: http.OutgoingHttpHeaders; text: string }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://proxy");
      calls.push(`${req.method} ${decodeURIComponent(url.pathname + url.search)}`);
      const own = rewrite.answer?.(req.method ?? "GET", url.pathname);
      if (own) {
        state.answered++;
        res.writeHead(own.status, { "content-type": own.contentType, connection: "close" });
        res.end(own.body);
        return;
      }
      const key = req.method === "GET" ? (rewrite.cacheKey?.(url) ?? null) : null;
      const hit = key === null ? undefined : cached.get(key);
      if (hit) {
        res.writeHead(hit.status, hit.headers);
        res.end(hit.text);
        return;
      }
      for (const name of rewrite.dropParams ?? []) url.searchParams.delete(name);
      for (const [name, value] of Object.entries(rewrite.setParams ?? {})) url.searchParams.set(name, value);
      const headers: http.OutgoingHttpHeaders = { ...req.headers, connection: "close" };
      for (const name of rewrite.dropHeaders ?? []) delete headers[name];
      const up = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: url.pathname + url.search,
          method: req.method,
          headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => parts.push(chunk));
          answer.on("end", () => {
            let text = Buffer.concat(parts).toString("utf8");
            const json = /json/.test(answer.headers["content-type"] ?? "");
            if (rewrite.body && json && text !== "") text = JSON.stringify(rewrite.body(JSON.parse(text)));
            const out = { ...answer.headers, "content-length": String(Buffer.byteLength(text)) };
            if (key !== null) cached.set(key, { status: answer.statusCode ?? 502, headers: out, text });
            res.writeHead(answer.statusCode ?? 502, out);
            res.end(text);
          });
        },
      );
      up.on("error", () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    get answered() {
      return state.answered;
    },
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Applies `change` to the attributes of every resource of `type` in a JSON:API document. */
export function everyResource(
  type: string,
  change: (attributes: Record<string, unknown>) => Record<string, unknown>,
): (document: unknown) => unknown {
  const one = (resource: unknown): unknown => {
    const r = resource as { type?: unknown; attributes?: Record<string, unknown> } | null;
    if (r?.type !== type || r.attributes === undefined) return resource;
    return { ...r, attributes: change(r.attributes) };
  };
  return (document) => {
    const d = document as { data?: unknown; included?: unknown[] };
    if (typeof d !== "object" || d === null || d.data === undefined) return document;
    const data = Array.isArray(d.data) ? d.data.map(one) : one(d.data);
    return { ...d, data, ...(d.included ? { included: d.included.map(one) } : {}) };
  };
}

/** The attributes without `name`, or with it renamed `to`, in the same place. */
export function renamed(name: string, to?: string) {
  return (attributes: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(attributes).flatMap(([key, value]) =>
        key !== name ? [[key, value]] : to === undefined ? [] : [[to, value]],
      ),
    );
}

/**
 * A list answer's pagination as another server writes it: each of its `links` (a URL, or
 * null) and its `meta` given to `change`, which returns the members to send in their place.
 */
export function paginationAs(
  change: (pagination: { links: Record<string, unknown>; meta: Record<string, unknown> }) => {
    links?: Record<string, unknown>;
    meta?: Record<string, unknown>;
  },
): (document: unknown) => unknown {
  return (document) => {
    const d = document as { data?: unknown; links?: Record<string, unknown>; meta?: Record<string, unknown> };
    if (typeof d !== "object" || d === null || !Array.isArray(d.data) || d.links === undefined)
      return document;
    const { links: _, meta: __, ...rest } = d;
    return { ...rest, ...change({ links: d.links, meta: d.meta ?? {} }) };
  };
}
