/** Test doubles for the Bitex client layer: a virtual clock and a scripted loopback HTTP server. */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../../src/bitex/gate.js";

/** Let every pending promise chain run (p-limit and the gate use microtasks only). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

/** Virtual time: sleeps resolve only when `run`/`advance` reach them, in time order. */
export class FakeClock implements Clock {
  private time = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now = (): number => this.time;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const cancel = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      };
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener("abort", cancel);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener("abort", cancel, { once: true });
    });

  /** Fires timers due within `ms` from now, then sets the clock to now + ms. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await this.fireUntil(target);
    this.time = target;
    await settle();
  }

  /** Fires every timer, including those created meanwhile, until none is left. */
  async run(): Promise<void> {
    await this.fireUntil(Number.POSITIVE_INFINITY);
  }

  private async fireUntil(limit: number): Promise<void> {
    for (let steps = 0; steps < 100_000; steps++) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > limit) return;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.fire();
    }
    throw new Error("FakeClock: timers never stop");
  }
}

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request was complete. */
  at: number;
}

export type Script = (
  request: Received,
  response: http.ServerResponse,
  index: number,
) => void | Promise<void>;

export interface ScriptedServer {
  /** Base URL ending in /api. */
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A loopback server answering each request with `script` (index = 0-based arrival order). */
export async function scriptedServer(script: Script): Promise<ScriptedServer> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: performance.now(),
      };
      received.push(request);
      void script(request, res, received.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "Content-Type": "application/vnd.api+json; charset=utf-8", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** A loopback port with nothing listening on it (connection refused). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
