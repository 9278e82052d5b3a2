/**
 * A fault proxy between the CLI and the emulator, the way a load balancer or gateway in front
 * of Bitex can fail: it answers a create early (500, 503, 408) or resets the connection, and
 * passes the create on to the server only later, so that the commit lands seconds after the
 * client was told something went wrong.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type ProxyAction =
  | { kind: "pass" }
  /** Answer `status` with a proxy's HTML page at once, forward the request after `forwardAfterMs`. */
  | { kind: "answer"; status: number; forwardAfterMs: number }
  /** Destroy the client's connection at once, forward the request after `forwardAfterMs`. */
  | { kind: "reset"; forwardAfterMs: number }
  /** Forward the request, and once the server has answered (committed), answer `status` instead. */
  | { kind: "replace"; status: number }
  /** Forward the request after `ms` and hand back the server's answer. */
  | { kind: "delay"; ms: number }
  /** Forward the request once `until` resolves and hand back the server's answer (the caller waits). */
  | { kind: "hold"; until: Promise<void> }
  /** An outage: answer `status` with a proxy's page, and never forward the request. */
  | { kind: "down"; status: number }
  /** Forward the request and hand the client `rewrite(body)` instead of the server's JSON body. */
  | { kind: "rewrite"; rewrite: (body: string) => string }
  /** Answer `status` with a JSON:API body as the API itself would, and never forward the request. */
  | { kind: "json"; status: number; body: unknown };

export interface CallInfo {
  method: string;
  path: string;
  /** 0-based index among the output creates (POST /concierge_request_outputs), else -1. */
  create: number;
}

export interface FaultProxy {
  /** e.g. http://127.0.0.1:40125/api */
  url: string;
  /** Resolves once every request passed on late has reached the server and been answered. */
  landed(): Promise<void>;
  close(): Promise<void>;
}

function proxyPage(res: http.ServerResponse, status: number): void {
  res.writeHead(status, { "content-type": "text/html", connection: "close" });
  res.end(`<html><body><h1>${status}</h1><p>upstream trouble</p></body></html>\n`);
}

/**
 * A proxy that passes every call, but holds the first call made after `holdNext()` until
 * `release()`; the promise `holdNext()` returns resolves once that call is held.
 */
export async function holdingProxy(
  upstreamBase: string,
): Promise<FaultProxy & { holdNext(): Promise<void>; release(): void }> {
  let held: (() => void) | null = null;
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const proxy = await faultProxy(upstreamBase, () => {
    if (!held) return { kind: "pass" };
    held();
    held = null;
    return { kind: "hold", until: gate };
  });
  const holdNext = () =>
    new Promise<void>((resolve) => {
      held = resolve;
    });
  return { ...proxy, holdNext, release };
}

export async function faultProxy(
  upstreamBase: string,
  decide: (call: CallInfo) => ProxyAction,
): Promise<FaultProxy> {
  const upstream = new URL(upstreamBase);
  const late: Promise<void>[] = [];
  let creates = 0;
  /** Sends the call on upstream; `onAnswer` handles the answer and resolves once it is done. */
  const upstreamCall = (
    req: http.IncomingMessage,
    body: Buffer,
    res: http.ServerResponse | null,
    onAnswer: (answer: http.IncomingMessage, done: () => void) => void,
  ) =>
    new Promise<void>((resolve) => {
      const up = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, connection: "close" },
        },
        (answer) => onAnswer(answer, resolve),
      );
      up.on("error", () => {
        res?.destroy();
        resolve();
      });
      up.end(body);
    });
  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse | null) =>
    upstreamCall(req, body, res, (answer, done) => {
      if (res) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      } else answer.resume();
      answer.on("end", done);
    });
  const rewritten = (
    req: http.IncomingMessage,
    body: Buffer,
    res: http.ServerResponse,
    rewrite: (text: string) => string,
  ) =>
    upstreamCall(req, body, res, (answer, done) => {
      const parts: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => parts.push(chunk));
      answer.on("end", () => {
        const text = rewrite(Buffer.concat(parts).toString("utf8"));
        const headers = { ...answer.headers };
        delete headers["content-length"];
        delete headers["transfer-encoding"];
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(text);
        done();
      });
    });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0] ?? "";
      const isCreate = req.method === "POST" && path.endsWith("/concierge_request_outputs");
      const action = decide({ method: req.method ?? "", path, create: isCreate ? creates++ : -1 });
      const body = Buffer.concat(chunks);
      if (action.kind === "pass") {
        void forward(req, body, res);
        return;
      }
      if (action.kind === "delay") {
        setTimeout(() => void forward(req, body, res), action.ms);
        return;
      }
      if (action.kind === "hold") {
        void action.until.then(() => forward(req, body, res));
        return;
      }
      if (action.kind === "down") {
        proxyPage(res, action.status);
        return;
      }
      if (action.kind === "json") {
        res.writeHead(action.status, { "content-type": "application/vnd.api+json" });
        res.end(JSON.stringify(action.body));
        return;
      }
      if (action.kind === "rewrite") {
        void rewritten(req, body, res, action.rewrite);
        return;
      }
      if (action.kind === "replace") {
        void forward(req, body, null).then(() => proxyPage(res, action.status));
        return;
      }
      late.push(
        new Promise<void>((resolve) => setTimeout(resolve, action.forwardAfterMs)).then(() =>
          forward(req, body, null),
        ),
      );
      if (action.kind === "reset") {
        req.socket.destroy();
        return;
      }
      proxyPage(res, action.status);
    });
    res.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    landed: async () => {
      await Promise.all(late);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A gateway through which one request's accept_quote never reaches Bitex (503 from the gateway) until `end()`. */
export async function acceptOutage(
  upstreamBase: string,
  requestId: string,
): Promise<FaultProxy & { end(): void }> {
  let outage = true;
  const proxy = await faultProxy(upstreamBase, (call) =>
    outage && call.method === "POST" && call.path.endsWith(`/concierge_requests/${requestId}/accept_quote`)
      ? { kind: "down", status: 503 }
      : { kind: "pass" },
  );
  return {
    ...proxy,
    end: () => {
      outage = false;
    },
  };
}
