/**
 * A scripted Bitex list endpoint behind the client's Transport seam (no sockets): one list, paged
 * the way a test says, so every paging style a server may use can be played against the client.
 */
import type { HttpRequest, HttpResponse, Transport } from "../../src/bitex/transport.js";

export interface Item {
  id: string;
  /** Output: the request relationship (absent when undefined). Request: unused. */
  request?: string;
  /** Request: the external_id attribute (absent when undefined). */
  external?: string;
}

export interface ListServerOptions {
  /** The list as it stands at each call (0-based), in the server's order. */
  items: (call: number) => Item[];
  type?: "concierge_request_outputs" | "concierge_requests";
  /** "links" and "meta" send only that; "bare" sends only `data`, as every recorded Bitex list. */
  style: "links" | "meta" | "bare";
  /** Largest page the server sends. */
  cap: number;
  /** Page size when the query has no size parameter the server reads. Default 25. */
  defaultSize?: number;
  /** Size parameters the server reads, first found wins. Default both. */
  sizeParams?: string[];
  /** False: page[number] is ignored, every call gets page 1. */
  numbers?: boolean;
  /** Past the last page, answer the last page again instead of an empty one. */
  clamp?: boolean;
  /** False: filter[…] is ignored, everything is listed. */
  filters?: boolean;
  /** Added to meta.total_items (a server that miscounts). */
  miscount?: number;
  /** links.next names the page just sent (a loop). */
  loop?: boolean;
  /**
   * Each link as a JSON:API 1.0 link object, `{"href": …}`, not a string; "without_href": one
   * that names no URL (`{"meta": …}` only).
   */
  linkObjects?: "href" | "without_href";
  /** Answer call n as if page[number] were this instead. */
  glitch?: (call: number) => number | undefined;
  /**
   * meta.total_pages counted with the page size asked, not the one the pages are cut at (`cap`):
   * ceil(total_items / size asked), as Bitex's JSON:API code counts it beside a page size capped.
   */
  pagesBySizeAsked?: boolean;
  /** meta without `page`: total_pages and total_items (Bitex's JSON:API code), or total_items only. */
  metaWithoutPage?: boolean;
  countOnly?: boolean;
  /** Page-number parameters the server reads, first found wins. Default page[number] only. */
  numberParams?: string[];
  /**
   * GET /concierge_requests/<id>: its outputs relationship lists the ids of these items that
   * name the request (the list as it stands at that call). Default: no relationship, only the
   * count attribute.
   */
  relationship?: boolean;
}

export interface ListServer {
  transport: Transport;
  /** Path and query of every call, decoded: "/api/concierge_requests?page[size]=500". */
  calls: string[];
}

export function listServer(options: ListServerOptions): ListServer {
  const calls: string[] = [];
  const type = options.type ?? "concierge_request_outputs";
  const send = async (request: HttpRequest): Promise<HttpResponse> => {
    const url = new URL(request.url);
    const call = calls.length;
    calls.push(decodeURIComponent(url.pathname + url.search));
    request.onSent?.();
    const query = url.searchParams;
    const one = /\/concierge_requests\/([^/]+)$/.exec(url.pathname);
    if (one !== null)
      return requestAnswer(one[1] as string, options.items(call), options.relationship === true);
    const all = options.items(call).filter((item) => matches(item, query, options.filters ?? true));
    const sizeText = (options.sizeParams ?? ["page[size]", "page[per_page]"])
      .map((name) => query.get(name))
      .find((value) => value !== null);
    const size = Math.min(Number(sizeText ?? options.defaultSize ?? 25), options.cap);
    const pages = Math.max(1, Math.ceil(all.length / size));
    const numberText = (options.numberParams ?? ["page[number]"])
      .map((name) => query.get(name))
      .find((value) => value !== null);
    const asked = options.numbers === false ? 1 : Number(numberText ?? 1);
    let number = options.glitch?.(call) ?? asked;
    if (options.clamp) number = Math.min(number, pages);
    const data = all.slice((number - 1) * size, number * size).map((item) => render(item, type));
    const body: Record<string, unknown> = { data };
    if (options.style === "meta") {
      const total_items = all.length + (options.miscount ?? 0);
      const sizeAsked = Number(sizeText ?? options.defaultSize ?? 25);
      const total_pages = options.pagesBySizeAsked ? Math.ceil(all.length / sizeAsked) : pages;
      body.meta = options.metaWithoutPage
        ? { total_pages, total_items }
        : { page: number, total_pages, total_items, page_size: size };
    }
    if (options.countOnly) body.meta = { total_items: all.length };
    if (options.style === "links") {
      const next = new URL(url);
      next.searchParams.set("page[number]", String(number + 1));
      if (options.loop) next.searchParams.delete("page[number]");
      const link = (href: string) =>
        options.linkObjects === "href"
          ? { href }
          : options.linkObjects === "without_href"
            ? { meta: { page: number + 1 } }
            : href;
      body.links = { self: link(url.href), next: number < pages ? link(next.href) : null };
    }
    const headers = { get: () => null };
    return { status: 200, headers, bodyText: JSON.stringify(body) };
  };
  return { transport: { send, close: () => undefined }, calls };
}

function requestAnswer(id: string, items: Item[], relationship: boolean): HttpResponse {
  const mine = items.filter((item) => item.request === id);
  const outputs = { data: mine.map((item) => ({ type: "concierge_request_outputs", id: item.id })) };
  const data = {
    id,
    type: "concierge_requests",
    attributes: { state: "draft", outputs_count: mine.length },
    ...(relationship ? { relationships: { outputs } } : {}),
  };
  return { status: 200, headers: { get: () => null }, bodyText: JSON.stringify({ data }) };
}

function matches(item: Item, query: URLSearchParams, filters: boolean): boolean {
  if (!filters) return true;
  const request = query.get("filter[request_id]");
  const external = query.get("filter[external_id]");
  // An item that does not show the field is listed: the server knows it, the client cannot.
  const keep = (value: string | undefined, wanted: string | null) =>
    wanted === null || value === undefined || value === wanted;
  return keep(item.request, request) && keep(item.external, external);
}

function render(item: Item, type: string): unknown {
  if (type === "concierge_requests") {
    const attributes = item.external === undefined ? {} : { external_id: item.external };
    return { id: item.id, type, attributes: { state: "draft", outputs_count: 0, ...attributes } };
  }
  const request =
    item.request === undefined ? {} : { request: { data: { type: "concierge_requests", id: item.request } } };
  return {
    id: item.id,
    type,
    attributes: { state: "accepting", port_code: "cl_clp", amount: 1000, budget: null },
    relationships: { ...request, user: { data: { type: "users", id: "345" } } },
  };
}

/** Outputs o<from>…o<to> of request "1". */
export function outputs(from: number, to: number, request = "1"): Item[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => ({ id: `o${from + i}`, request }));
}

/** The ids a test expects: o<from>…o<to>. */
export function ids(from: number, to: number): string[] {
  return outputs(from, to).map((item) => item.id);
}
