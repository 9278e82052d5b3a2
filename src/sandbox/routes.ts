/**
 * The /api endpoints of docs/design.md section 9: a table of (method, path pattern, handler).
 * Handlers mutate the store synchronously and return the reply; problems are thrown as
 * ApiProblem. Unknown paths and methods get Bitex's 404 shape A, as unknown ids do.
 *
 * Creates and actions answer 200, as Bitex was recorded doing for its creates (users,
 * withdrawal_instructions, cash_withdrawals); clients should accept any 2xx. A path may end in
 * one `/`, as Bitex's JS SDK sends them (bitex-la/bitex-js fixtures: GET and POST
 * /api/withdrawal_instructions/ → 200, DELETE /api/withdrawal_instructions/4/ → 204). A body
 * that is not JSON is a 400 on every route, whether or not the route reads it.
 */
import { PORTS } from "../ports.js";
import type { Includes, ListStyle } from "./faults.js";
import { parseJsonBody, readResource } from "./inputs.js";
import {
  ApiProblem,
  barePage,
  DEFAULT_PAGE_SIZE,
  notFound,
  paginate,
  parseBarePage,
  parsePage,
  parseRecordedPage,
  RECORDED_PAGE_SIZE,
} from "./jsonapi.js";
import { isRequestAction } from "./machine.js";
import {
  instructionResource,
  outputResource,
  portResource,
  requestResource,
  userResource,
  type WireResource,
} from "./serialize.js";
import type { Store } from "./store.js";

export interface ApiCall {
  method: string;
  /** The path after /api, e.g. "/concierge_requests/1". */
  path: string;
  /** The absolute URL of the call, which list links are built from. */
  url: URL;
  bodyText: string;
}

export interface Reply {
  status: number;
  body: unknown;
}

/** What a handler needs besides the store: the list style in force and the per-request counters. */
export interface RouteContext {
  listStyle: ListStyle;
  /** null: the style's own cap. */
  pageCap: number | null;
  /** What a request read with `?include=` gets (faults.ts). */
  includes: Includes;
  countAction(requestId: string, action: "request_quote" | "accept_quote"): void;
  /**
   * The managed user the key acts as (`Authorization: <key>; user=<id>`, recorded in
   * users-find-me-impersonation.json), or null for the key's owner itself.
   */
  actingAs: string | null;
}

type Handler = (store: Store, call: ApiCall, params: string[], context: RouteContext) => Reply;

interface Route {
  method: string;
  pattern: RegExp;
  handle: Handler;
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const one = <T>(item: T | undefined, render: (item: T) => WireResource<unknown>): Reply => {
  if (item === undefined) throw notFound();
  return ok({ data: render(item) });
};
/** Filters are read by each route; any other query parameter is ignored, in both styles. */
const list = <T>(
  items: readonly T[],
  call: ApiCall,
  context: RouteContext,
  render: (item: T) => WireResource<unknown>,
): Reply => {
  const query = call.url.searchParams;
  switch (context.listStyle) {
    case "recorded": {
      const page = parseRecordedPage(query, context.pageCap ?? RECORDED_PAGE_SIZE);
      return ok(barePage(items, page, render));
    }
    case "bare":
      return ok(barePage(items, parseBarePage(query, context.pageCap ?? DEFAULT_PAGE_SIZE), render));
    case "unpaged":
      return ok({ data: items.map(render) });
    case "rich":
      return ok(paginate(items, parsePage(query), call.url, render));
  }
};
/**
 * The outputs a request read names in `include` (only `outputs` is known), as `includes`
 * says; undefined when none are asked for or the parameter is ignored.
 */
function includedOutputs(s: Store, requestId: string, call: ApiCall, c: RouteContext) {
  const asked = call.url.searchParams.get("include");
  if (asked === null || c.includes === "ignored") return undefined;
  const paths = asked.split(",");
  if (c.includes === "refused" || paths.some((path) => path !== "outputs")) {
    const detail = `No se puede incluir ${asked} en esta consulta.`;
    const error = { status: "400", title: "Inclusión inválida", detail, code: "invalid_include" };
    throw new ApiProblem(400, { errors: [{ ...error, source: { parameter: "include" } }] });
  }
  return s.listOutputs(requestId).map(outputResource);
}

const resource = (call: ApiCall, type: string) => readResource(parseJsonBody(call.bodyText), type);
const param = (params: string[], index: number): string => params[index] as string;

const ROUTES: Route[] = [
  {
    method: "GET",
    pattern: /^\/concierge_ports$/,
    handle: (_s, call, _p, c) => list(PORTS, call, c, portResource),
  },

  {
    method: "GET",
    pattern: /^\/concierge_requests$/,
    handle: (s, call, _p, c) =>
      list(s.listRequests(call.url.searchParams.get("filter[external_id]")), call, c, requestResource),
  },
  {
    method: "POST",
    pattern: /^\/concierge_requests$/,
    handle: (s, call, _p, c) =>
      ok({ data: requestResource(s.createRequest(resource(call, "concierge_requests"), c.actingAs)) }),
  },
  {
    method: "GET",
    pattern: /^\/concierge_requests\/(\d+)$/,
    handle: (s, call, p, c) => {
      const reply = one(s.request(param(p, 0)), requestResource);
      const included = includedOutputs(s, param(p, 0), call, c);
      return included ? ok({ ...(reply.body as object), included }) : reply;
    },
  },
  {
    method: "PATCH",
    pattern: /^\/concierge_requests\/(\d+)$/,
    handle: (s, call, p) =>
      ok({ data: requestResource(s.patchRequest(param(p, 0), resource(call, "concierge_requests"))) }),
  },
  {
    method: "POST",
    pattern: /^\/concierge_requests\/(\d+)\/(\w+)$/,
    handle: (s, _call, p, c) => {
      const [id, action] = [param(p, 0), param(p, 1)];
      if (!isRequestAction(action)) throw notFound();
      if (action !== "cancel" && s.request(id) !== undefined) c.countAction(id, action);
      return ok({ data: requestResource(s.act(id, action)) });
    },
  },

  {
    method: "GET",
    pattern: /^\/concierge_request_outputs$/,
    handle: (s, call, _p, c) =>
      list(s.listOutputs(call.url.searchParams.get("filter[request_id]")), call, c, outputResource),
  },
  {
    // The answer includes the payee and the instruction (Bitex's guide "Create Outputs", 2019).
    method: "POST",
    pattern: /^\/concierge_request_outputs$/,
    handle: (s, call) => {
      const output = s.createOutput(resource(call, "concierge_request_outputs"));
      const payee = s.directory.user(output.userId);
      const instruction = s.directory.instruction(output.instructionId);
      const included = [
        ...(payee ? [userResource(payee)] : []),
        ...(instruction ? [instructionResource(instruction)] : []),
      ];
      return ok({ data: outputResource(output), included });
    },
  },
  {
    method: "GET",
    pattern: /^\/concierge_request_outputs\/(\d+)$/,
    handle: (s, _call, p) => one(s.output(param(p, 0)), outputResource),
  },

  {
    method: "GET",
    pattern: /^\/users$/,
    handle: (s, call, _p, c) => list(s.directory.userList, call, c, userResource),
  },
  {
    // Both recorded bodies (users.ts); answered 200 as recorded, the user `new` until reviewed.
    method: "POST",
    pattern: /^\/users$/,
    handle: (s, call) =>
      ok({ data: userResource(s.directory.createUser(resource(call, "users"), s.clock.nowMs())) }),
  },
  {
    method: "GET",
    pattern: /^\/users\/(\d+|me)$/,
    handle: (s, _call, p, c) => {
      const id = param(p, 0);
      return one(s.directory.user(id === "me" && c.actingAs !== null ? c.actingAs : id), userResource);
    },
  },

  {
    method: "GET",
    pattern: /^\/withdrawal_instructions$/,
    handle: (s, call, _p, c) =>
      list(s.directory.visibleInstructions(c.actingAs), call, c, instructionResource),
  },
  {
    method: "POST",
    pattern: /^\/withdrawal_instructions$/,
    handle: (s, call, _p, c) => {
      const input = resource(call, "withdrawal_instructions");
      const created = s.directory.createInstruction(input, c.actingAs ?? s.directory.ownerUserId);
      return ok({ data: instructionResource(created) });
    },
  },
  {
    method: "GET",
    pattern: /^\/withdrawal_instructions\/(\d+)$/,
    handle: (s, _call, p, c) =>
      one(s.directory.visibleInstruction(param(p, 0), c.actingAs), instructionResource),
  },
  {
    // Recorded: 204 with no Content-Type and an empty body; an unknown id is 404 shape A.
    method: "DELETE",
    pattern: /^\/withdrawal_instructions\/(\d+)$/,
    handle: (s, _call, p, c) => {
      s.directory.deleteInstruction(param(p, 0), c.actingAs);
      return { status: 204, body: null };
    },
  },
];

/**
 * The calls drop_rate applies to: every POST that changes the world, creates (a POST to a
 * collection) and a request's actions (request_quote, accept_quote, cancel), so that a lost
 * answer to an accept can be tested like a lost answer to a create. A trailing `/` counts too.
 */
export function isDroppable(method: string, rawPath: string): boolean {
  const path = withoutTrailingSlash(rawPath);
  return (
    method === "POST" &&
    (/^\/(concierge_requests|concierge_request_outputs|withdrawal_instructions|users)$/.test(path) ||
      /^\/concierge_requests\/\d+\/\w+$/.test(path))
  );
}

export function routeApiCall(store: Store, call: ApiCall, context: RouteContext): Reply {
  const path = withoutTrailingSlash(call.path);
  for (const route of ROUTES) {
    if (route.method !== call.method) continue;
    const match = route.pattern.exec(path);
    if (match === null) continue;
    try {
      parseJsonBody(call.bodyText); // a 400 when the body is not JSON, read or not
      return route.handle(store, { ...call, path }, match.slice(1), context);
    } catch (error) {
      if (error instanceof ApiProblem) return { status: error.status, body: error.body };
      throw error;
    }
  }
  const problem = notFound();
  return { status: problem.status, body: problem.body };
}

/** "/withdrawal_instructions/" → "/withdrawal_instructions"; one slash only, and "/" stays. */
function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}
