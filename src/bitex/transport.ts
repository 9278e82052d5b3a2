/**
 * The HTTP transport behind a small interface (as stripe-node does): one exchange in, status,
 * headers and the whole body text out (or a 2xx body handed over as it arrives). It throws the raw failure; the client maps it, so
 * tests can substitute a scripted transport and the fetch details stay here.
 */
import http from "node:http";
import https from "node:https";
import fetch from "node-fetch";
import type { HeaderLookup } from "./errors.js";

export interface HttpRequest {
  method: "GET" | "POST" | "DELETE";
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Called once the request has been handed to the operating system (the call gate's rate anchor). */
  onSent?: () => void;
  /**
   * Called once the answer's status and headers are in, before its body: its `Date` is the
   * server's time of this moment, and a large body may take minutes more to arrive.
   */
  onHeaders?: (headers: HeaderLookup) => void;
  /**
   * Takes a 2xx answer's body a piece of text at a time as it arrives, instead of as one
   * text: an answer of tens of megabytes is then never whole in memory. `push` returns false
   * when the rest is not wanted (the text is already broken). Any other answer's body is
   * still the response's bodyText.
   */
  into?: { push(piece: string): boolean };
}

export interface HttpResponse {
  status: number;
  headers: HeaderLookup;
  bodyText: string;
  /** The body went to the request's `into`, and bodyText is empty. */
  streamed?: boolean;
}

export interface Transport {
  send(request: HttpRequest): Promise<HttpResponse>;
  /** Drops the pooled sockets. */
  close(): void;
}

/**
 * node-fetch over keep-alive agents with one socket per concurrency slot, so the pool never
 * opens more connections than the gate lets calls run.
 */
export function createFetchTransport(options: { concurrency: number }): Transport {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.concurrency,
    maxFreeSockets: options.concurrency,
    // Idle sockets close after 4 s, or sooner if the server's Keep-Alive hint says so: a socket
    // the server closed while we reuse it resets the call, and a reset create is ambiguous.
    // (It does not limit calls in flight; those have the client's own timeout.)
    timeout: 4_000,
  };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  return {
    async send(request) {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        agent: (url) => withSentHook(url.protocol === "http:" ? httpAgent : httpsAgent, request.onSent),
        // A redirect could carry the key to another host, and a redirected POST changes meaning.
        redirect: "manual",
        compress: true,
      });
      request.onHeaders?.(response.headers);
      // The timeout signal still covers reading the body, so a stalled body also times out.
      if (request.into && response.ok && response.body) {
        // As response.text() would decode it (UTF-8, a BOM dropped), a piece at a time.
        const decoder = new TextDecoder();
        let wanted = true;
        // Leaving the loop early destroys the body: the rest of a broken answer is not read.
        for await (const chunk of response.body) {
          wanted = request.into.push(decoder.decode(chunk as Buffer, { stream: true }));
          if (!wanted) break;
        }
        if (wanted) request.into.push(decoder.decode());
        return { status: response.status, headers: response.headers, bodyText: "", streamed: true };
      }
      const bodyText = await response.text();
      return { status: response.status, headers: response.headers, bodyText };
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

type RequestAdder = { addRequest(request: http.ClientRequest, options: unknown): void };

/**
 * node-fetch does not expose its http.ClientRequest, whose "finish" event says the request
 * left for the server. It asks for the agent per request, so hand it a view of the shared
 * agent that subscribes to that event; http only reads from the agent, so the view is safe.
 */
function withSentHook(agent: http.Agent, onSent: (() => void) | undefined): http.Agent {
  if (!onSent) return agent;
  const view = Object.create(agent) as http.Agent & RequestAdder;
  view.addRequest = (request, options) => {
    request.once("finish", onSent);
    (agent as http.Agent & RequestAdder).addRequest(request, options);
  };
  return view;
}
