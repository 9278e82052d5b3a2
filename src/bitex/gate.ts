/**
 * One CallGate per run, shared by every Bitex call: at most `concurrency` calls in flight
 * (p-limit); at most `rate` calls in any 1-second window of the server's arrival times (a
 * sliding window over the latest time each call can have arrived, see GateCall.anchorMs,
 * plus a 1.5% margin); and a global pause that a 429 anywhere imposes on every worker.
 */
import { setMaxListeners } from "node:events";
import pLimit, { type LimitFunction } from "p-limit";

/** Time source, injectable so gate tests run on a virtual clock. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(Math.max(0, ms), 2 ** 31 - 1));
      signal?.addEventListener("abort", done, { once: true });
    }),
};

/**
 * Thrown by calls that were queued, or waiting to retry, when the gate closed. The call was not
 * (re)sent; a create only ever waits to retry after errors where the server surely did not act.
 */
export class GateClosedError extends Error {
  constructor() {
    super("stopping: no new calls to Bitex are started");
    this.name = "GateClosedError";
  }
}

/** One admitted call, handed to the function `run` runs. */
export interface GateCall {
  /** When the gate admitted the call, on the gate's clock. */
  readonly startedAtMs: number;
  /**
   * Latest time the server can have received the call, which the rate window counts from:
   * its answer's arrival, or at most ARRIVAL_BOUND_MS after `sent()`. Not yet sent: now.
   * Finished without being sent (e.g. refused connection): its admission time.
   */
  readonly anchorMs: number;
  /**
   * Report that the request's bytes have just left. A cold connection (TCP/TLS handshake)
   * can hold a request back long after its admission, so admission time is no anchor.
   */
  sent(): void;
}

export interface CallGateOptions {
  concurrency: number;
  /** Call starts per second; below 1 means one start every 1/rate seconds. */
  rate: number;
  /** Extra fraction of the window between a start and the one `rate` places later. Default 0.015 (15 ms of 1 s). */
  safetyMargin?: number;
  clock?: Clock;
}

/** Finished calls older than this are forgotten; enough to judge any window a 429 refers to. */
const HISTORY_MS = 5_000;
/** After a 429, the start rate drops to at most this fraction of what it was. */
const SLOWDOWN = 0.8;
/** A lowered rate climbs back by one start per second after each quiet period this long. */
const RECOVERY_MS = 10_000;
/**
 * How long after leaving a request is assumed to have reached the server, when its answer
 * takes longer (the answer itself always bounds the arrival). Only differences between the
 * calls' delays matter to the window, not the delay itself: a constant 80 ms one-way delay
 * shifts every arrival alike. With the margin that leaves 25 ms for jitter, enough for a
 * loaded machine or a steady link; anchoring on the answer instead cost a whole latency per
 * window, 5–10% of the rate. A rarer, larger jitter ends in a 429, which pauses and slows
 * the run, and sends nothing twice.
 */
export const ARRIVAL_BOUND_MS = 10;

class Entry implements GateCall {
  private sentAt: number | undefined;
  private doneAt: number | undefined;

  constructor(
    readonly startedAtMs: number,
    private readonly clock: Clock,
  ) {}

  get anchorMs(): number {
    return this.anchorAt(this.clock.now());
  }

  /** Still connecting: it may leave any moment, so it counts as arriving now. */
  anchorAt(now: number): number {
    if (this.sentAt === undefined)
      return this.doneAt === undefined ? Math.max(now, this.startedAtMs) : this.startedAtMs;
    return Math.min(this.doneAt ?? Number.POSITIVE_INFINITY, this.sentAt + ARRIVAL_BOUND_MS);
  }

  get done(): boolean {
    return this.doneAt !== undefined;
  }

  sent(): void {
    if (this.sentAt === undefined && this.doneAt === undefined) this.sentAt = this.clock.now();
  }

  finish(): void {
    this.doneAt ??= this.clock.now();
  }
}

export class CallGate {
  readonly concurrency: number;
  private readonly limit: LimitFunction;
  private readonly clock: Clock;
  private readonly margin: number;
  private readonly minRate: number;
  private readonly historyMs: number;
  private readonly configuredRate: number;
  private currentRate: number;
  /** Recent calls in admission order; finished ones leave after `historyMs`. */
  private entries: Entry[] = [];
  private pausedUntil = Number.NEGATIVE_INFINITY;
  private lastSlowdownAt = Number.NEGATIVE_INFINITY;
  private lastRateChangeAt = Number.NEGATIVE_INFINITY;
  private isClosed = false;
  /** Wakes everything sleeping in the gate when it closes. */
  private readonly closing = new AbortController();
  /** Handed to every call; aborted only by `abort()`. */
  private readonly aborting = new AbortController();

  constructor(options: CallGateOptions) {
    const { concurrency, rate } = options;
    // Every call in flight and every sleeper listens on these; more than Node's default 10 is normal.
    setMaxListeners(0, this.closing.signal, this.aborting.signal);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency: expected an integer >= 1, got ${concurrency}`);
    }
    if (!Number.isFinite(rate) || rate <= 0) throw new RangeError(`rate: expected a number > 0, got ${rate}`);
    this.concurrency = concurrency;
    this.limit = pLimit(concurrency);
    this.clock = options.clock ?? realClock;
    this.margin = options.safetyMargin ?? 0.015;
    this.configuredRate = rate;
    this.currentRate = rate;
    this.minRate = Math.min(1, rate);
    this.historyMs = Math.max(HISTORY_MS, (2 * 1000) / rate);
  }

  /** Current start rate: the configured one, or lower after the server answered 429. */
  get rate(): number {
    return this.currentRate;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Runs `fn` once a concurrency slot is free, the rate allows a start and no pause is on.
   * `fn` gets an AbortSignal that fires on `abort()`, and its GateCall.
   */
  run<T>(fn: (signal: AbortSignal, call: GateCall) => Promise<T>): Promise<T> {
    return this.limit(async () => {
      const entry = await this.admit();
      try {
        return await fn(this.aborting.signal, entry);
      } finally {
        entry.finish();
      }
    });
  }

  /** Every new start waits until `ms` from now; a shorter pause never cuts a longer one. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + Math.max(0, ms));
  }

  /**
   * `call` got 429: pause everyone, and lower the start rate to what the server evidently
   * admits (the calls sent in the second before it), so a run configured above the server's
   * limit backs off instead of hitting it after every pause. Calls admitted before the last
   * slowdown belong to the same episode. With no call in that second there is no evidence
   * about the limit (another client used it up): pause only.
   */
  rateLimited(pauseMs: number, call: GateCall): void {
    this.pause(pauseMs);
    if (call.startedAtMs < this.lastSlowdownAt) return;
    const at = call.anchorMs;
    const admittedBefore = this.entries.filter((e) => e.anchorMs > at - 1000 && e.anchorMs < at).length;
    if (admittedBefore === 0) return;
    const lowered = Math.max(this.minRate, Math.min(Math.floor(this.currentRate * SLOWDOWN), admittedBefore));
    this.currentRate = Math.min(this.currentRate, lowered);
    this.lastSlowdownAt = this.lastRateChangeAt = this.clock.now();
  }

  /** Sleeps `ms` outside any concurrency slot (retry backoff); throws GateClosedError if the gate closes. */
  async delay(ms: number): Promise<void> {
    if (!this.isClosed) await this.clock.sleep(ms, this.closing.signal);
    if (this.isClosed) throw new GateClosedError();
  }

  /** Admits no new call: queued and waiting calls reject with GateClosedError; calls in flight go on. */
  close(): void {
    this.isClosed = true;
    this.closing.abort();
  }

  /** `close()`, and also abort the calls in flight (their creates become ambiguous). */
  abort(): void {
    this.close();
    this.aborting.abort();
  }

  private async admit(): Promise<Entry> {
    for (;;) {
      if (this.isClosed) throw new GateClosedError();
      const now = this.clock.now();
      this.recover(now);
      const wait = Math.max(this.pausedUntil - now, this.rateWait(now));
      if (wait <= 0) {
        const entry = new Entry(now, this.clock);
        this.entries.push(entry);
        this.forget(now);
        return entry;
      }
      await this.clock.sleep(wait, this.closing.signal);
    }
  }

  /** Probes back toward the configured rate, in case the 429s came from a client that has since stopped. */
  private recover(now: number): void {
    if (this.currentRate >= this.configuredRate || now - this.lastRateChangeAt < RECOVERY_MS) return;
    this.currentRate = Math.min(this.configuredRate, this.currentRate + 1);
    this.lastRateChangeAt = now;
  }

  /** How long until one more start keeps every window within the rate. */
  private rateWait(now: number): number {
    // At most `count` starts per window: rate 5 → 5 per 1000 ms; rate 0.5 → 1 per 2000 ms.
    const count = Math.max(1, Math.floor(this.currentRate));
    // Fewer calls in the whole history than a window admits: no window can be full. Saves a
    // walk over every call of the last HISTORY_MS at each start when the rate is high.
    if (this.entries.length < count) return 0;
    const baseMs = this.currentRate >= 1 ? 1000 : 1000 / this.currentRate;
    const windowMs = baseMs + baseMs * this.margin; // not baseMs × 1.015: that is 1014.999…
    const recent: number[] = [];
    for (const entry of this.entries) {
      const anchor = entry.anchorAt(now);
      if (anchor > now - windowMs) recent.push(anchor);
    }
    if (recent.length < count) return 0;
    // Anchors are not in admission order (a cold call may be sent late): take the count-th newest.
    recent.sort((a, b) => b - a);
    return (recent[count - 1] as number) + windowMs - now;
  }

  private forget(now: number): void {
    let stale = 0;
    for (const entry of this.entries) {
      if (!entry.done || entry.anchorAt(now) > now - this.historyMs) break;
      stale++;
    }
    if (stale > 0) this.entries = this.entries.slice(stale);
  }
}
