/**
 * Reading a whole list, and proving it whole. Before a re-send the engine takes `listOutputs`
 * for every output of the request (docs/design.md section 6), so part of a list taken for all of it
 * pays someone twice. Bitex's recorded lists carry only `data`; Bitex's JSON:API code pages by
 * `page[page]` and `page[per_page]` (default 10) and answers `meta.total_pages`/`total_items`
 * without `meta.page`; JSON:API servers commonly read `page[number]`/`page[size]`. So every
 * page names all four (a server reads the ones it knows), and no page is the last unless this
 * proves it:
 *
 * - "links": the page has `links` and its `next` is null (a `next` URL, or link object's `href`,
 *   is followed instead);
 * - "meta": the page's number (`meta.page`, else the one asked for) >= `meta.total_pages`; or,
 *   where total_pages pages cut at page 1's size cannot hold `meta.total_items` (total_pages
 *   counted by the size asked, as Bitex's JSON:API code does, the pages cut shorter: capped),
 *   the pages hold total_items items (an empty page ends it too, and the count must agree);
 * - with neither links nor meta ("bare"), the next page is asked until
 *   - "empty_page": a page comes back empty, or
 *   - "repeated_last_page": a page repeats the page before it, which was shorter than page 1
 *     (a server that answers a page past the end with the last page);
 * - "unpaged" / "counted": page 2 repeats page 1 exactly (the server ignores every page
 *   parameter), page 1 held fewer items than asked, and a count agrees with it: `meta.total_items`
 *   ("unpaged"), or one the caller reads afterwards ("counted": a request's
 *   `relationships.outputs.data` and its count attribute), or page 1 held fewer items than
 *   SMALLEST_PAGE ("below_page_size", unless that count says the pages lack some). A server that ignores every page parameter either does
 *   not page at all or cuts its one page at the size it uses when a query names none, which
 *   in Bitex's own JSON:API code is 10 (`per_page` default); filters are applied before a page
 *   is cut, there as in every JSON:API server. So a shorter answer was not cut. Without any
 *   of these such a server cannot be told apart from one that cuts its only page short, so its
 *   list is refused: never a short list taken as whole;
 * - "named": the caller knows every item the list can hold, and the pages hold them all: the
 *   outputs of a request that takes no more (it left draft), each named by the request's
 *   `outputs` relationship, which holds as many ids as its count. Nothing is deleted from
 *   these lists, so no later page can hold anything else; the empty page is not asked;
 * - "sufficient": the caller needed only some items (the ports a payroll names) and the pages,
 *   whole or not, hold every one of them. Nothing is concluded from an item's absence;
 * - "unproven": the server ignores paging and nothing above proves its one answer whole; kept
 *   only for a caller that asked to (`keepUnproven`: an export, which says so), refused otherwise.
 * Any other page made only of items already seen cannot tell where the list ends, so its pass
 * proves nothing.
 *
 * Offset pages shift when the list changes while it is read. An item added before the reader's
 * position pushes the rest forward: an item shows twice (kept once) and none is lost. An item
 * that moves there (a list ordered by update time) is never seen. Both show as a page
 * overlapping earlier ones, or as `meta.total_items` changing, so such a pass is read again; it
 * stands only when a later pass is quiet, or two passes in a row find the same ids. A delete
 * before the position pulls the rest back unseen in a bare list; Bitex has no delete for
 * requests or outputs (a cancelled one stays listed), and the engine still checks the request's
 * `outputs_count` before any re-send.
 */
import type { ListMeta } from "../wire/resources.js";
import { badResponse, IGNORES_PAGING } from "./errors.js";
import type { Loose, Page } from "./jsonapi.js";

/** A server whose pages never end must not keep the run in a loop. */
export const MAX_PAGES = 10_000;
/** Readings of one list before a list that never holds still is given up on. */
export const MAX_PASSES = 3;
/**
 * The page size Bitex's JSON:API code uses when a query names none (`per_page` default 10):
 * a server that ignores every page parameter cuts its one answer there, or nowhere.
 */
export const SMALLEST_PAGE = 10;

export type Completeness =
  | "links"
  | "meta"
  | "counted"
  | "empty_page"
  | "repeated_last_page"
  | "unpaged"
  | "below_page_size"
  | "named"
  | "sufficient"
  | "unproven";

/** The page parameters every list page names: JSON:API's common pair and Bitex's own pair. */
export const PAGE_NUMBER_PARAMS = ["page[number]", "page[page]"] as const;
export const PAGE_SIZE_PARAMS = ["page[size]", "page[per_page]"] as const;

export interface PageSource {
  /** "/concierge_request_outputs", for messages. */
  path: string;
  /** The first page's query, built again for every pass. */
  firstQuery(): URLSearchParams;
  fetch(query: URLSearchParams): Promise<Page<Loose>>;
  /** The query a `links.next` names; throws if the link leaves the API. */
  linkQuery(link: string): URLSearchParams;
  /**
   * Asked only of a server that ignores paging (page 2 repeats a short page 1): whether a count
   * read after these pages (a request's outputs relationship and count attribute) shows that
   * they hold the whole list (true), that they lack some (false: then no other proof takes them
   * whole), or nothing (undefined). Nothing is deleted from these lists, so a count read later
   * covers every item the pages could have missed.
   */
  proveWhole?(items: readonly Loose[]): Promise<boolean | undefined>;
  /** The caller needs only some items: true when these hold all of them (see "sufficient"). */
  enough?(items: readonly Loose[]): boolean;
  /** Keep the one answer of a server that ignores paging, marked "unproven", rather than refuse it. */
  keepUnproven?: boolean;
  /**
   * Every item the list can hold, when the caller knows them (see "named"): a bare list ends
   * at the page that completes them, not at an empty page after it.
   */
  named?: ReadonlySet<string>;
}

export interface Listing {
  /** Every item of the pass that proved the list whole, once each, in the order first seen. */
  items: Loose[];
  complete: Completeness;
  /** Calls made over every pass. */
  pages: number;
  passes: number;
}

interface Pass {
  items: Map<string, Loose>;
  pages: number;
  complete?: Completeness;
  /** No sign that the list changed while this pass read it. */
  quiet?: boolean;
  /** Why the pass proves nothing, when it does not. */
  why?: string;
  /** Page 2 repeated page 1: the server ignores paging (and nothing proved page 1 whole). */
  ignoresPaging?: boolean;
}

/** The message of a page without links or meta that repeats page 1 (the server ignores paging). */
const UNREACHABLE =
  "a full page without links or meta; cannot tell whether more exist (page 2 repeated page 1: the server, or a proxy before it, ignores the paging parameters; ask Bitex)";

export async function readList(source: PageSource): Promise<Listing> {
  let pages = 0;
  let last: Pass | undefined;
  for (let passes = 1; passes <= MAX_PASSES; passes++) {
    const pass = await readPass(source);
    pages += pass.pages;
    if (pass.why !== undefined && source.enough?.([...pass.items.values()]) === true)
      return { items: [...pass.items.values()], complete: "sufficient", pages, passes };
    if (pass.ignoresPaging && source.keepUnproven)
      return { items: [...pass.items.values()], complete: "unproven", pages, passes };
    const same = last !== undefined && sameIds(last.items, pass.items);
    if (pass.complete !== undefined && (pass.quiet || (same && last?.complete !== undefined))) {
      return { items: [...pass.items.values()], complete: pass.complete, pages, passes };
    }
    last = pass;
    // A server that answers the same way twice will answer so again: reading on cannot help.
    if (pass.why !== undefined && same) break;
  }
  const why = last?.why ?? `the list kept changing while it was read (${MAX_PASSES} readings)`;
  const code = last?.ignoresPaging ? IGNORES_PAGING : undefined;
  throw badResponse(200, `${source.path}: ${why}`, "no", undefined, undefined, code);
}

async function readPass(source: PageSource): Promise<Pass> {
  const items = new Map<string, Loose>();
  const asked = new Set<string>();
  let first = new Set<string>();
  let previous = new Set<string>();
  let total: number | undefined;
  let quiet = true;
  let query = source.firstQuery();
  for (let pages = 1; ; pages++) {
    if (pages > MAX_PAGES) throw badResponse(200, `${source.path}: pagination does not end`, "no");
    asked.add(query.toString());
    const page = await source.fetch(query);
    const ids = new Set(page.items.map((item) => item.id));
    const fresh = [...ids].filter((id) => !items.has(id)).length;
    for (const item of page.items) items.set(item.id, item);
    if (pages === 1) first = ids;
    const number = pageNumber(query);
    const unproven = (why: string): Pass => ({ items, pages, why });
    const counted = page.meta?.total_items;
    if (typeof counted === "number") {
      if (total !== undefined && counted !== total) quiet = false;
      total = counted;
    }
    const overlap = pages > 1 && fresh < ids.size;
    const repeat = overlap && fresh === 0;
    const link = linkUrl(page.links?.next);
    const linked = typeof link === "string" && link !== "";
    // A `next` that is null (or "") ends the list; links without `next`, or a `next` that is
    // neither a URL nor null, say nothing of it.
    const lastByLinks = page.links !== undefined && (link === null || link === "");
    const { page: said, total_pages: of }: Partial<ListMeta> = page.meta ?? {};
    // Bitex's JSON:API code answers total_pages without page: the page is the one asked for.
    const at = typeof said === "number" ? said : number;
    const metaPaged = !linked && !lastByLinks && typeof at === "number" && typeof of === "number";
    const bare = !linked && !lastByLinks && !metaPaged;
    if (repeat && sameIds(ids, first)) {
      const size = pageSize(query);
      if (pages === 2 && size !== undefined && first.size < size && quiet) {
        if (total !== undefined && total === ids.size) return { items, pages, complete: "unpaged", quiet };
        // A count that disproves the pages (the request names more outputs) is never outweighed
        // by the page's shortness: the server cut it shorter than Bitex's default.
        const proved = total === undefined ? await source.proveWhole?.([...items.values()]) : undefined;
        if (proved === true) return { items, pages, complete: "counted", quiet };
        if (total === undefined && proved !== false && first.size < SMALLEST_PAGE)
          return { items, pages, complete: "below_page_size", quiet };
      }
      const why = bare
        ? UNREACHABLE
        : `page ${pages} repeats page 1: the server ignores paging; cannot tell whether more exist`;
      return { items, pages, why, ignoresPaging: true };
    }
    let next: URLSearchParams | undefined;
    let complete: Completeness | undefined;
    if (linked) next = source.linkQuery(link);
    else if (lastByLinks) complete = "links";
    else if (metaPaged) {
      // Pages as many as total_pages, each cut where page 1 was, cannot hold total_items: the
      // pages were counted with another size than they are cut at (Bitex's JSON:API code counts
      // them by the size asked, which a server may cap). The count of items ends the list then.
      const counted = total !== undefined && of * first.size < total ? total : undefined;
      if (counted === undefined ? at >= of : ids.size === 0 || items.size >= counted) complete = "meta";
      else next = withPage(query, at + 1);
    } else {
      if (number === undefined) return unproven(`cannot tell which page follows ?${query}`);
      if (ids.size === 0) complete = "empty_page";
      else if (holdsNamed(items, source.named)) complete = "named";
      else if (!repeat) next = withPage(query, number + 1);
      else if (sameIds(ids, previous) && ids.size < first.size) complete = "repeated_last_page";
      else
        return unproven(`page ${number} holds only items of earlier pages; cannot tell where the list ends`);
    }
    if (overlap && complete !== "repeated_last_page") quiet = false;
    if (complete !== undefined) {
      if (total !== undefined && total !== items.size && quiet)
        return unproven(`meta.total_items says ${total} but the pages held ${items.size} items`);
      return { items, pages, complete, quiet };
    }
    if (next === undefined || asked.has(next.toString()))
      return unproven(`the pages do not advance (?${next} was asked for again)`);
    previous = ids;
    query = next;
  }
}

/**
 * A link's URL: JSON:API 1.0 writes a link as a URL or as a link object `{"href": …, "meta": …}`.
 * null for null; undefined for anything else (absent, or naming no URL).
 */
function linkUrl(link: unknown): string | null | undefined {
  if (link === null || typeof link === "string") return link;
  if (typeof link === "object" && !Array.isArray(link)) {
    const { href } = link as { href?: unknown };
    if (typeof href === "string") return href;
  }
  return undefined;
}

/** The query's page number (page[number], else page[page], 1 when absent); undefined when unreadable. */
function pageNumber(query: URLSearchParams): number | undefined {
  const text = query.get("page[number]") ?? query.get("page[page]") ?? "1";
  return /^[1-9]\d{0,8}$/.test(text) ? Number(text) : undefined;
}

/** The page size the query asked for, when it names one. */
function pageSize(query: URLSearchParams): number | undefined {
  const text = query.get("page[size]") ?? query.get("page[per_page]");
  return text !== null && /^[1-9]\d{0,8}$/.test(text) ? Number(text) : undefined;
}

/** The next page, named in both conventions a page of this list was asked in. */
function withPage(current: URLSearchParams, number: number): URLSearchParams {
  const query = new URLSearchParams(current);
  for (const name of PAGE_NUMBER_PARAMS) query.set(name, String(number));
  return query;
}

function holdsNamed(items: ReadonlyMap<string, unknown>, named: ReadonlySet<string> | undefined): boolean {
  if (!named || named.size === 0 || items.size < named.size) return false;
  for (const id of named) if (!items.has(id)) return false;
  return true;
}

function sameIds(a: ReadonlySet<string> | ReadonlyMap<string, unknown>, b: typeof a): boolean {
  if (a.size !== b.size) return false;
  for (const id of a.keys()) if (!b.has(id)) return false;
  return true;
}

/** What a list filter asks of each item: `field` (e.g. "request_id") must equal `value`. */
export interface FilterCheck {
  field: string;
  value: string;
  /** "filter[request_id]", for messages. */
  param: string;
}

/**
 * Drops items that the server listed against the filter (it ignored the filter, or it is not
 * the filter we think). An item that does not carry the field cannot be checked: it is kept
 * while the server shows no sign of ignoring the filter, but once it has (some item fails),
 * such an item may belong to anyone and the list cannot be split safely: an error.
 */
export function keepMatching(
  path: string,
  items: readonly Loose[],
  check: FilterCheck,
): { kept: Loose[]; dropped: number } {
  // As every id is read (jsonapi.ts): a whole number is its digits, so request_id 7 is "7".
  const value = (item: Loose) => {
    const field = item[check.field];
    return typeof field === "number" && Number.isSafeInteger(field) ? String(field) : field;
  };
  const unknown = items.filter((item) => value(item) === undefined).length;
  const kept = items.filter((item) => value(item) === undefined || value(item) === check.value);
  const dropped = items.length - kept.length;
  if (dropped > 0 && unknown > 0) {
    throw badResponse(
      200,
      `${path}: the server ignored ${check.param} (it listed ${dropped} other items) and ${unknown} items do not say their ${check.field}; cannot tell which match`,
      "no",
    );
  }
  return { kept, dropped };
}
