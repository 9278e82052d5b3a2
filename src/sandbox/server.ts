/**
 * The HTTP side of the emulator: node:http, the /api pipeline with faults, and the
 * /_sandbox control surface.
 *
 * Order for each /api call, all decided the moment the call arrives:
 *   1. counted in stats (calls, in flight, call_starts_ms) and its fate rolled (faults.ts);
 *   2. auth: Authorization must be the seed's api_key verbatim, else 401; or the key followed by
 *      `; user=<id>` to act as a managed user (recorded: users-find-me-impersonation.json),
 *      where an id the seed does not hold is a 401 "Not enough permissions" (the recorded body
 *      of a key lacking permission; the status for this case is the emulator's inference);
 *   3. rate limit per key (rate-limit.ts), else 429 with Retry-After;
 *   4. fail_rate: 503 with a small HTML page (a client must not assume error bodies are JSON,
 *      as Bitex's recorded 500 shows), before anything is read or done;
 *   5. the world is brought up to the emulator's clock (Store.tick), the handler runs and
 *      commits its change synchronously, then the reply waits out
 *      latency + jitter. A create hit by drop_rate is committed and its socket destroyed
 *      after that wait, with no response.
 * Calls stopped at 2–4 still wait the latency, and change nothing.
 *
 * Every /api answer carries `X-Request-Id` (every recorded answer has one) and a `Date` of the
 * emulator's own clock, so a client judging deadlines by the server's time sees the emulated
 * time (at any --time-scale). Requests are shown in the shape of the `Version` asked for: with
 * none, Bitex's guide says the oldest version is used, so the emulator answers the older request
 * shape (`outputs_total` where 2.0 has `outputs_count`); any Version sent gets the 2.0 shape.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { encodeJson } from "../wire/json.js";
import { iso } from "./clock.js";
import { type FaultDice, parseFaults } from "./faults.js";
import {
  INVALID_API_KEY_BODY,
  JSON_API_CONTENT_TYPE,
  moneyJson,
  NO_AUTHORIZATION_BODY,
  NOT_ENOUGH_PERMISSIONS_BODY,
} from "./jsonapi.js";
import { RateLimiter } from "./rate-limit.js";
import { type ApiCall, isDroppable, type Reply, type RouteContext, routeApiCall } from "./routes.js";
import { outputResource, requestResource } from "./serialize.js";
import { CallStats } from "./stats.js";
import type { AdvanceOptions, Store } from "./store.js";

const MAX_BODY_BYTES = 1_000_000;
const CONTROL_CONTENT_TYPE = "application/json; charset=utf-8";
const HTML_CONTENT_TYPE = "text/html; charset=utf-8";
const SERVICE_UNAVAILABLE_PAGE =
  "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>" +
  "<body><h1>503 Service Unavailable</h1><p>bitex sandbox: injected failure (fail_rate)</p></body></html>\n";

interface Answer extends Reply {
  contentType: string;
  headers?: Record<string, string>;
}

const NOT_FOUND_ANSWER: Answer = {
  status: 404,
  body: { errors: [{ code: null, detail: null }] },
  contentType: JSON_API_CONTENT_TYPE,
};

export class SandboxServer {
  readonly stats = new CallStats();
  readonly http: Server;
  private readonly limiter = new RateLimiter();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Set once listening: absolute links in list documents are built on it. */
  baseUrl = "http://127.0.0.1";

  constructor(
    readonly store: Store,
    readonly dice: FaultDice,
    private readonly log?: (line: string) => void,
    /** False: no /_sandbox/* (the embedded emulator of a `--sandbox` run). */
    private readonly controls = true,
  ) {
    this.http = createServer((req, res) => this.dispatch(req, res));
  }

  /** Everything GET /_sandbox/state shows, as the JSON text sent on the wire, up to the clock. */
  stateJson(): string {
    this.store.tick();
    const { clock } = this.store;
    return encodeJson({
      clock: { now: iso(clock.nowMs()), time_scale: clock.timeScale, advance_only: this.store.advanceOnly },
      requests: this.store.requestList.map(requestResource),
      outputs: this.store.outputList.map(outputResource),
      balances: this.store.directory
        .balanceList()
        .map((b) => ({ user_id: b.userId, currency: b.currency, amount: moneyJson(b.amount) })),
      movements: this.store.directory.movementList().map((m) => ({
        user_id: m.userId,
        currency: m.currency,
        amount: moneyJson(m.amount),
        kind: m.kind,
        request_id: m.requestId,
        output_id: m.outputId ?? null,
      })),
      stats: this.stats.snapshot(),
      // Emulator addition: who exists, with each instruction's private owner (tests count them).
      users: this.store.directory.userList.map((u) => ({
        id: u.id,
        email: u.email,
        compliance_state: u.complianceState,
      })),
      withdrawal_instructions: this.store.directory.instructionList.map((w) => ({
        id: w.id,
        user_id: w.userId,
        body: w.body,
      })),
    });
  }

  /** Stops pending delayed replies; the caller closes the sockets. */
  cancelTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    // Origin-form targets only ("/api/..."): `//host/…` or `*` must not reinterpret the host.
    const target = req.url ?? "";
    const url =
      target.startsWith("/") && !target.startsWith("//") ? new URL(`${this.baseUrl}${target}`) : null;
    const path = url?.pathname ?? "";
    if (url !== null && (path === "/api" || path.startsWith("/api/"))) this.handleApi(req, res, url);
    else if (url !== null && this.controls && path.startsWith("/_sandbox/"))
      void this.handleControl(req, res, url);
    else send(res, NOT_FOUND_ANSWER);
  }

  private handleApi(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const arrivedMs = this.stats.arrive();
    let outcome = "";
    res.once("close", () => {
      this.stats.leave();
      this.log?.(
        `${req.method} ${url.pathname}${url.search} ${outcome} ${Math.round(this.stats.elapsedMs() - arrivedMs)}ms`,
      );
    });
    const fate = this.dice.roll();
    res.setHeader("X-Request-Id", randomUUID());
    // Stamped when the answer leaves, after the latency, as a server's own Date is.
    const stamp = () => res.setHeader("Date", new Date(this.store.clock.nowMs()).toUTCString());
    const admitted = this.refusal(req, arrivedMs, fate.fail);
    if ("refused" in admitted) {
      const early = admitted.refused;
      req.resume();
      outcome = String(early.status);
      this.after(fate.delayMs, () => {
        stamp();
        send(res, early);
      });
      return;
    }
    readBody(req)
      .then((bodyText) => {
        const method = req.method ?? "GET";
        const path = url.pathname.slice("/api".length);
        const older = req.headers.version === undefined;
        const reply = this.runHandler({ method, path, url, bodyText }, admitted.actingAs, older);
        const drop = fate.drop && isDroppable(method, path);
        outcome = drop ? `${reply.status} dropped` : String(reply.status);
        this.after(fate.delayMs, () => {
          stamp();
          if (!drop) return send(res, reply);
          this.stats.dropped++;
          req.socket.destroy();
        });
      })
      .catch(() => req.socket.destroy());
  }

  /** Steps 2–4 of the pipeline: the answer that stops the call, or whom it acts as. */
  private refusal(
    req: IncomingMessage,
    arrivedMs: number,
    fail: boolean,
  ): { refused: Answer } | { actingAs: string | null } {
    const refused = (body: unknown) => ({
      refused: { status: 401, body, contentType: JSON_API_CONTENT_TYPE },
    });
    if (req.headers.authorization === undefined) return refused(NO_AUTHORIZATION_BODY);
    const { key, actingAs } = parseAuthorization(req.headers.authorization);
    if (key !== this.store.apiKey) return refused(INVALID_API_KEY_BODY);
    if (actingAs !== null && !this.store.directory.manages(actingAs))
      return refused(NOT_ENOUGH_PERMISSIONS_BODY);
    const limit = this.dice.settings.rate_limit;
    const admission = this.limiter.admit(key, arrivedMs, limit);
    if (!admission.admitted) {
      this.stats.rateLimited++;
      const error = {
        status: 429,
        title: "Demasiadas solicitudes",
        detail: `Se superó el límite de ${limit} solicitudes por segundo.`,
        code: "rate_limited",
      };
      return {
        refused: {
          status: 429,
          body: { errors: [error] },
          contentType: JSON_API_CONTENT_TYPE,
          headers: { "Retry-After": String(admission.retryAfterSeconds) },
        },
      };
    }
    if (fail) {
      this.stats.failed++;
      return { refused: { status: 503, body: SERVICE_UNAVAILABLE_PAGE, contentType: HTML_CONTENT_TYPE } };
    }
    return { actingAs };
  }

  private runHandler(call: ApiCall, actingAs: string | null, older: boolean): Answer {
    const { list_style, page_cap, includes } = this.dice.settings;
    const context: RouteContext = {
      listStyle: list_style,
      pageCap: page_cap,
      includes,
      countAction: (id, action) => this.stats.countAction(id, action),
      actingAs,
    };
    try {
      this.store.tick();
      const reply = routeApiCall(this.store, call, context);
      const body = older ? olderShape(reply.body) : reply.body;
      return { ...reply, body, contentType: JSON_API_CONTENT_TYPE };
    } catch (error) {
      this.log?.(`internal error on ${call.method} ${call.path}: ${(error as Error).stack ?? String(error)}`);
      const detail = "Error interno del emulador.";
      const body = { errors: [{ status: 500, title: "Error interno", detail, code: "internal_error" }] };
      return { status: 500, body, contentType: JSON_API_CONTENT_TYPE };
    }
  }

  private async handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const answer = (status: number, body: unknown) =>
      send(res, { status, body, contentType: CONTROL_CONTENT_TYPE });
    try {
      const route = `${req.method} ${url.pathname}`;
      const bodyText = await readBody(req);
      const body: unknown = bodyText.trim() === "" ? {} : JSON.parse(bodyText);
      switch (route) {
        case "GET /_sandbox/state":
          return send(res, { status: 200, body: this.stateJson(), contentType: CONTROL_CONTENT_TYPE });
        case "POST /_sandbox/advance":
          return answer(200, this.store.advance(parseAdvance(body)));
        case "POST /_sandbox/faults":
          this.dice.setFaults(parseFaults(body));
          return answer(200, this.dice.settings);
        case "POST /_sandbox/reset-stats":
          this.stats.reset();
          return answer(200, {});
        default:
          return answer(404, { error: `no sandbox control ${route}` });
      }
    } catch (error) {
      return answer(400, { error: (error as Error).message });
    }
  }

  /** Runs `fn` after `ms` (now when 0); close() cancels what is still waiting. */
  private after(ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}

/**
 * The request shape of the version used when none is asked for (the 2019 guide's request
 * document): `outputs_total` where 2.0 has `outputs_count`, in the same place.
 */
export function olderShape(body: unknown): unknown {
  if (typeof body !== "object" || body === null) return body;
  const document = body as { data?: unknown; included?: unknown };
  const older = (resource: unknown): unknown => {
    const r = resource as { type?: unknown; attributes?: Record<string, unknown> };
    if (r?.type !== "concierge_requests" || r.attributes === undefined) return resource;
    const attributes = Object.fromEntries(
      Object.entries(r.attributes).map(([name, value]) => [
        name === "outputs_count" ? "outputs_total" : name,
        value,
      ]),
    );
    return { ...r, attributes };
  };
  const data = Array.isArray(document.data) ? document.data.map(older) : older(document.data);
  if (document.data === undefined) return body;
  return { ...document, data };
}

/**
 * `Authorization: <key>` or `<key>; user=<id>` (the form Bitex's guides and the recorded
 * impersonation use); the rate limit counts the key, whoever it acts as.
 */
export function parseAuthorization(header: string | undefined): {
  key: string | undefined;
  actingAs: string | null;
} {
  const match = header === undefined ? null : /^(.*?)\s*;\s*user=(\d+)$/.exec(header);
  return match === null ? { key: header, actingAs: null } : { key: match[1], actingAs: match[2] as string };
}

export function parseAdvance(body: unknown): AdvanceOptions {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new RangeError("advance: expected an object");
  const { until, expire, minutes, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new RangeError(`advance: unknown field ${JSON.stringify(unknown[0])}`);
  if (until !== undefined && until !== "final") throw new RangeError('advance: until must be "final"');
  if (expire !== undefined && typeof expire !== "boolean")
    throw new RangeError("advance: expire must be a boolean");
  if (minutes !== undefined) {
    if (typeof minutes !== "number" || !Number.isFinite(minutes) || minutes < 0)
      throw new RangeError("advance: minutes must be a number >= 0");
    if (until !== undefined || expire !== undefined)
      throw new RangeError("advance: minutes moves the clock only; send until or expire on their own");
    return { minutes };
  }
  return { ...(until === "final" ? { until } : {}), ...(expire === true ? { expire } : {}) };
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.destroyed || res.headersSent) return;
  if (answer.status === 204) {
    // As recorded (withdrawal_instructions-destroy.json): no Content-Type, an empty body.
    res.writeHead(204, { ...answer.headers });
    res.end();
    return;
  }
  const text = typeof answer.body === "string" ? answer.body : encodeJson(answer.body);
  res.writeHead(answer.status, {
    "Content-Type": answer.contentType,
    "Content-Length": Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new RangeError("request body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
