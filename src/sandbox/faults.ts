/**
 * Fault injection settings (with the list style, set the same ways) and the seeded dice that
 * decide, call by call, which faults hit.
 *
 * Repeatability: every /api call that arrives takes exactly three draws from the PRNG, in
 * arrival order and whatever the settings or the call's outcome (401, 429, 503 included):
 * fail, drop, jitter. So with the same fault_seed and the same sequence of calls, the n-th
 * call always gets the same fate and the same extra latency.
 */
import { randomInt } from "node:crypto";

/** Field names are those of `POST /_sandbox/faults`; each CLI flag is the field in kebab case. */
export interface Faults {
  /** --latency-ms: added to every /api response. */
  latency_ms: number;
  /** --jitter-ms: uniform random extra latency, 0..jitter_ms inclusive, whole milliseconds. */
  jitter_ms: number;
  /** --fail-rate: fraction of /api calls answered 503 before doing anything. */
  fail_rate: number;
  /** --drop-rate: fraction of creates and request actions committed, then the socket destroyed. */
  drop_rate: number;
  /** --rate-limit: calls per rolling second per API key before 429; 0 = no limit. */
  rate_limit: number;
  /** --fault-seed: seeds the fault PRNG; null = a random seed picked at start. */
  fault_seed: number | null;
  /**
   * --list-style (jsonapi.ts): "recorded" (default) answers only `data`, as every recorded Bitex
   * list, paged by Bitex's own page[page]/page[per_page]; "bare" the same shape paged by
   * page[number] and page[size] or page[per_page]; "rich" pages with meta and links;
   * "unpaged" ignores every page parameter and answers the whole list, only `data`.
   */
  list_style: ListStyle;
  /**
   * --page-cap: most items a "recorded" or "bare" page holds. null: the style's own, 10 for
   * "recorded" (the default page[per_page] of Bitex's JSON:API code) and 25 for "bare".
   */
  page_cap: number | null;
  /**
   * --includes: what `GET /concierge_requests/:id?include=outputs` gets. "honoured" (default):
   * every output in `included` (JSON:API, which Bitex's guide says it follows; its recorded dev
   * server answered `?include=` on markets); "ignored": the request alone, as a server that
   * does not read the parameter; "refused": 400, as JSON:API asks of a server that cannot.
   */
  includes: Includes;
}

export const INCLUDES = ["honoured", "ignored", "refused"] as const;
export type Includes = (typeof INCLUDES)[number];

export const LIST_STYLES = ["recorded", "bare", "rich", "unpaged"] as const;
export type ListStyle = (typeof LIST_STYLES)[number];

export const DEFAULT_FAULTS: Faults = {
  latency_ms: 0,
  jitter_ms: 0,
  fail_rate: 0,
  drop_rate: 0,
  rate_limit: 5,
  fault_seed: null,
  list_style: "recorded",
  page_cap: null,
  includes: "honoured",
};

/** Validates a partial faults object (from flags or JSON); throws RangeError naming the bad field. */
export function parseFaults(input: unknown): Partial<Faults> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new RangeError(`faults: expected an object, got ${JSON.stringify(input)}`);
  }
  const fields = input as Record<string, unknown>;
  const out: Partial<Faults> = {};
  const check = (name: keyof Faults, ok: (n: number) => boolean, expected: string): number | undefined => {
    const value = fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) {
      throw new RangeError(`faults: ${name}: expected ${expected}, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const wholeMs = (n: number) => Number.isInteger(n) && n >= 0;
  const fraction = (n: number) => n >= 0 && n <= 1;
  for (const name of Object.keys(fields)) {
    if (!(name in DEFAULT_FAULTS)) throw new RangeError(`faults: unknown field ${JSON.stringify(name)}`);
  }
  const latency = check("latency_ms", wholeMs, "a whole number of ms >= 0");
  if (latency !== undefined) out.latency_ms = latency;
  const jitter = check("jitter_ms", wholeMs, "a whole number of ms >= 0");
  if (jitter !== undefined) out.jitter_ms = jitter;
  const fail = check("fail_rate", fraction, "a fraction between 0 and 1");
  if (fail !== undefined) out.fail_rate = fail;
  const drop = check("drop_rate", fraction, "a fraction between 0 and 1");
  if (drop !== undefined) out.drop_rate = drop;
  const limit = check("rate_limit", wholeMs, "a whole number of calls >= 0");
  if (limit !== undefined) out.rate_limit = limit;
  if (fields.page_cap === null) out.page_cap = null;
  else {
    const cap = check("page_cap", (n) => Number.isInteger(n) && n >= 1, "a whole number of items >= 1");
    if (cap !== undefined) out.page_cap = cap;
  }
  const style = choice(fields, "list_style", LIST_STYLES);
  if (style !== undefined) out.list_style = style;
  const includes = choice(fields, "includes", INCLUDES);
  if (includes !== undefined) out.includes = includes;
  if (fields.fault_seed === null) out.fault_seed = null;
  else {
    const seed = check("fault_seed", Number.isSafeInteger, "an integer or null");
    if (seed !== undefined) out.fault_seed = seed;
  }
  return out;
}

/** A field that names one of `known`; undefined when absent, a RangeError naming it when unknown. */
function choice<T extends string>(
  fields: Record<string, unknown>,
  name: keyof Faults,
  known: readonly T[],
): T | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  const found = known.find((each) => each === value);
  if (found === undefined) {
    const expected = known.map((each) => `"${each}"`).join(", ");
    throw new RangeError(`faults: ${name}: expected one of ${expected}, got ${JSON.stringify(value)}`);
  }
  return found;
}

/** mulberry32: a tiny, well-known 32-bit PRNG; returns floats in [0, 1). Not for money. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fate of one call, decided when it arrives. */
export interface CallFate {
  /** Answer 503 before doing anything. */
  fail: boolean;
  /** If the call is a create: commit it, then destroy the socket without answering. */
  drop: boolean;
  /** Total delay before the response: latency_ms plus this call's jitter. */
  delayMs: number;
}

/** Current fault settings plus the PRNG; `setFaults` with a fault_seed restarts the sequence. */
export class FaultDice {
  private faults: Faults;
  private random: () => number;

  constructor(initial: Partial<Faults> = {}) {
    this.faults = { ...DEFAULT_FAULTS, ...initial };
    this.random = mulberry32(this.faults.fault_seed ?? randomInt(2 ** 31));
  }

  get settings(): Faults {
    return { ...this.faults };
  }

  setFaults(change: Partial<Faults>): void {
    this.faults = { ...this.faults, ...change };
    if (change.fault_seed !== undefined) this.random = mulberry32(change.fault_seed ?? randomInt(2 ** 31));
  }

  /** Always three draws, in this order, so the sequence does not depend on the settings. */
  roll(): CallFate {
    const failDraw = this.random();
    const dropDraw = this.random();
    const jitterDraw = this.random();
    const { fail_rate, drop_rate, latency_ms, jitter_ms } = this.faults;
    return {
      fail: failDraw < fail_rate,
      drop: dropDraw < drop_rate,
      delayMs: latency_ms + Math.floor(jitterDraw * (jitter_ms + 1)),
    };
  }
}
