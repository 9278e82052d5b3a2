/**
 * The /api endpoints of DESIGN.md section 9: a table of (method, path pattern, handler).
 * Handlers mutate the store synchronously and return the reply; problems are thrown as
 * ApiProblem. Unknown paths and methods get Bitex's 404 shape A, as unknown ids do.
 *
 * Creates and actions answer 200, as Bitex was recorded doing for its creates (users,
 * withdrawal_instructions, cash_withdrawals); clients should accept any 2xx.
 */
import { PORTS } from "../ports.js";
import type { ListStyle } from "./faults.js";
import { parseJsonBody, readResource } from "./inputs.js";
import { ApiProblem, barePage, notFound, paginate, parseBarePage, parsePage } from "./jsonapi.js";
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
  pageCap: number;
  countAction(requestId: string, action: "request_quote" | "accept_quote"): void;
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
  if (context.listStyle === "bare") return ok(barePage(items, parseBarePage(query, context.pageCap), render));
  return ok(paginate(items, parsePage(query), call.url, render));
};
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
    handle: (s, call) => ok({ data: requestResource(s.createRequest(resource(call, "concierge_requests"))) }),
  },
  {
    method: "GET",
    pattern: /^\/concierge_requests\/(\d+)$/,
    handle: (s, _call, p) => one(s.request(param(p, 0)), requestResource),
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
    method: "POST",
    pattern: /^\/concierge_request_outputs$/,
    handle: (s, call) =>
      ok({ data: outputResource(s.createOutput(resource(call, "concierge_request_outputs"))) }),
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
    method: "GET",
    pattern: /^\/users\/(\d+|me)$/,
    handle: (s, _call, p) => one(s.directory.user(param(p, 0)), userResource),
  },

  {
    method: "GET",
    pattern: /^\/withdrawal_instructions$/,
    handle: (s, call, _p, c) => list(s.directory.instructionList, call, c, instructionResource),
  },
  {
    method: "POST",
    pattern: /^\/withdrawal_instructions$/,
    handle: (s, call) =>
      ok({
        data: instructionResource(s.directory.createInstruction(resource(call, "withdrawal_instructions"))),
      }),
  },
  {
    method: "GET",
    pattern: /^\/withdrawal_instructions\/(\d+)$/,
    handle: (s, _call, p) => one(s.directory.instruction(param(p, 0)), instructionResource),
  },
];

/**
 * The calls drop_rate applies to: every POST that changes the world, creates (a POST to a
 * collection) and a request's actions (request_quote, accept_quote, cancel), so that a lost
 * answer to an accept can be tested like a lost answer to a create.
 */
export function isDroppable(method: string, path: string): boolean {
  return (
    method === "POST" &&
    (/^\/(concierge_requests|concierge_request_outputs|withdrawal_instructions)$/.test(path) ||
      /^\/concierge_requests\/\d+\/\w+$/.test(path))
  );
}

export function routeApiCall(store: Store, call: ApiCall, context: RouteContext): Reply {
  for (const route of ROUTES) {
    if (route.method !== call.method) continue;
    const match = route.pattern.exec(call.path);
    if (match === null) continue;
    try {
      return route.handle(store, call, match.slice(1), context);
    } catch (error) {
      if (error instanceof ApiProblem) return { status: error.status, body: error.body };
      throw error;
    }
  }
  const problem = notFound();
  return { status: problem.status, body: problem.body };
}
