/**
 * JSON:API plumbing: the exact JSON writer for money, Bitex's error bodies, and pagination.
 *
 * Success documents follow the JSON:API 1.0 schema. Error bodies copy what Bitex was recorded
 * sending (fixtures/recorded/), which departs from the schema: 401 `{"error": "..."}`, 404
 * `{"errors":[{"code":null,"detail":null}]}`, 422 errors with a numeric `status`.
 */

import { type Decimal, normalize } from "../decimal.js";
import { JsonNumber } from "../wire/json.js";
import { type ListLinks, type ListMeta, MAX_PAGE_SIZE } from "../wire/resources.js";

export const JSON_API_CONTENT_TYPE = "application/vnd.api+json; charset=utf-8";
export const DEFAULT_PAGE_SIZE = 25;

/** Money as a JSON number written from exact decimal text (see encodeJson), never a float. */
export function moneyJson(value: Decimal | null): JsonNumber | null {
  return value === null ? null : new JsonNumber(normalize(value));
}

/** A finished answer that a handler throws or returns; the server writes it after the latency. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

export const INVALID_API_KEY_BODY = { error: "Invalid Api Key" };
/** Recorded for a call with no Authorization header at all (movements-list-no_authorization_header). */
export const NO_AUTHORIZATION_BODY = { error: "Necesitas iniciar sesión o registrarte para continuar." };
/** Recorded for a valid key lacking a permission (cash_withdrawals-create-not_enough_permissions). */
export const NOT_ENOUGH_PERMISSIONS_BODY = { error: "Not enough permissions" };

/** Bitex's not-found shape A, for unknown ids and unknown routes alike. */
export function notFound(): ApiProblem {
  return new ApiProblem(404, { errors: [{ code: null, detail: null }] });
}

/** One validation failure; `detail` is a Spanish sentence, as Bitex writes them. */
export interface Violation {
  code: string;
  title: string;
  detail: string;
  pointer: string;
}

/** 422 in the shape of Bitex's recorded asks-create-lower_amount (status is a number there). */
export function unprocessable(resourceType: string, violations: Violation[]): ApiProblem {
  return new ApiProblem(422, {
    errors: violations.map((v) => ({
      status: 422,
      title: v.title,
      detail: v.detail,
      code: v.code,
      meta: { type: resourceType },
      source: { pointer: v.pointer },
    })),
  });
}

/** 400 for requests we cannot even read (bad JSON, bad page parameters). */
export function badRequest(code: string, detail: string, parameter?: string): ApiProblem {
  const error: Record<string, unknown> = { status: 400, title: "Solicitud inválida", detail, code };
  if (parameter !== undefined) error.source = { parameter };
  return new ApiProblem(400, { errors: [error] });
}

export interface Page {
  number: number;
  size: number;
}

/**
 * `page[number]` is 1-based (default 1); `page[size]` defaults to 25 and is capped at
 * MAX_PAGE_SIZE, as paginators usually clamp. Anything but a positive integer is a 400.
 */
export function parsePage(query: URLSearchParams): Page {
  const read = (name: string, fallback: number): number => {
    const text = query.get(name);
    if (text === null) return fallback;
    if (!/^[1-9]\d{0,8}$/.test(text))
      throw badRequest("invalid_page", `${name} debe ser un entero positivo.`, name);
    return Number(text);
  };
  return {
    number: read("page[number]", 1),
    size: Math.min(read("page[size]", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE),
  };
}

/**
 * `bare` lists (docs/design.md section 9, "List styles") read pages as a permissive server would:
 * `page[size]`, or else `page[per_page]`, up to `cap` (also the default size); `page[number]`
 * from 1. A value it cannot read is ignored (the default applies), never a 400.
 */
export function parseBarePage(query: URLSearchParams, cap: number): Page {
  const read = (name: string): number | null => {
    const text = query.get(name);
    return text !== null && /^[1-9]\d{0,8}$/.test(text) ? Number(text) : null;
  };
  const size = read("page[size]") ?? read("page[per_page]") ?? cap;
  return { number: read("page[number]") ?? 1, size: Math.min(size, cap) };
}

/** The page size of Bitex's JSON:API code when page[per_page] is not given. */
export const RECORDED_PAGE_SIZE = 10;

/**
 * `recorded` lists read pages as Bitex's own JSON:API code does: `page[page]` from 1 and
 * `page[per_page]` (default 10), up to `cap`. `page[number]` and `page[size]` mean nothing to
 * it. A value it cannot read is ignored (the default applies), never a 400.
 */
export function parseRecordedPage(query: URLSearchParams, cap: number): Page {
  const read = (name: string): number | null => {
    const text = query.get(name);
    return text !== null && /^[1-9]\d{0,8}$/.test(text) ? Number(text) : null;
  };
  const size = read("page[per_page]") ?? RECORDED_PAGE_SIZE;
  return { number: read("page[page]") ?? 1, size: Math.min(size, cap) };
}

/** One `bare` page: only `data`, as every recorded Bitex list; past the end it is empty. */
export function barePage<T, R>(items: readonly T[], page: Page, render: (item: T) => R): { data: R[] } {
  const start = (page.number - 1) * page.size;
  return { data: items.slice(start, start + page.size).map(render) };
}

export interface ListDocument<T> {
  data: T[];
  meta: ListMeta;
  links: ListLinks;
}

/**
 * One page of `items` (already filtered and ordered). An empty list still has one (empty)
 * page, so `last` always points somewhere; a page past the end is empty, not an error.
 */
export function paginate<T, R>(
  items: readonly T[],
  page: Page,
  self: URL,
  render: (item: T) => R,
): ListDocument<R> {
  const totalPages = Math.max(1, Math.ceil(items.length / page.size));
  const start = (page.number - 1) * page.size;
  const link = (number: number): string => {
    // Same query as the call, with the page parameters last and always in this order.
    const url = new URL(self);
    url.searchParams.delete("page[number]");
    url.searchParams.delete("page[size]");
    url.searchParams.append("page[number]", String(number));
    url.searchParams.append("page[size]", String(page.size));
    return url.toString();
  };
  return {
    data: items.slice(start, start + page.size).map(render),
    meta: { total_items: items.length, total_pages: totalPages, page: page.number, page_size: page.size },
    links: {
      self: link(page.number),
      first: link(1),
      last: link(totalPages),
      prev: page.number > 1 ? link(Math.min(page.number - 1, totalPages)) : null,
      next: page.number < totalPages ? link(page.number + 1) : null,
    },
  };
}
