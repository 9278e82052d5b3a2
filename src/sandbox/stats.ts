/**
 * Counters the tests and the benchmark read from GET /_sandbox/state. Only /api calls count;
 * a call is in flight from its arrival until its response finished or its socket was destroyed
 * (so injected latency counts as in flight).
 */
import { performance } from "node:perf_hooks";

export interface SandboxStats {
  /** Every /api call received, 401/429/503 included. */
  calls: number;
  in_flight: number;
  peak_in_flight: number;
  /** 429s sent. */
  rate_limited: number;
  /** 503s sent by fail_rate. */
  failed: number;
  /** Creates committed whose socket was then destroyed by drop_rate. */
  dropped: number;
  /** Arrival of each /api call, ms since the emulator started (performance.now based). */
  call_starts_ms: number[];
  /**
   * Per request id, the request_quote and accept_quote calls that reached their handler, 422s
   * included (calls refused before it, 401/429/503, are not). Only requests that got one appear.
   */
  per_request: Record<string, ActionCalls>;
}

export interface ActionCalls {
  request_quote: number;
  accept_quote: number;
}

export class CallStats {
  private readonly origin = performance.now();
  calls = 0;
  private inFlight = 0;
  private peakInFlight = 0;
  rateLimited = 0;
  failed = 0;
  dropped = 0;
  private callStartsMs: number[] = [];
  private perRequest = new Map<string, ActionCalls>();

  /** Milliseconds since the emulator started. */
  elapsedMs(): number {
    return performance.now() - this.origin;
  }

  /** Records an arriving call; returns its arrival time. */
  arrive(): number {
    const at = this.elapsedMs();
    this.calls++;
    this.inFlight++;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
    this.callStartsMs.push(at);
    return at;
  }

  leave(): void {
    this.inFlight--;
  }

  /** A request_quote or accept_quote call for a request that exists reached its handler. */
  countAction(requestId: string, action: keyof ActionCalls): void {
    let calls = this.perRequest.get(requestId);
    if (calls === undefined) {
      calls = { request_quote: 0, accept_quote: 0 };
      this.perRequest.set(requestId, calls);
    }
    calls[action]++;
  }

  /** Zeroes the counters (calls still in flight stay counted as in flight). */
  reset(): void {
    this.calls = 0;
    this.peakInFlight = this.inFlight;
    this.rateLimited = 0;
    this.failed = 0;
    this.dropped = 0;
    this.callStartsMs = [];
    this.perRequest = new Map();
  }

  snapshot(): SandboxStats {
    return {
      calls: this.calls,
      in_flight: this.inFlight,
      peak_in_flight: this.peakInFlight,
      rate_limited: this.rateLimited,
      failed: this.failed,
      dropped: this.dropped,
      call_starts_ms: this.callStartsMs.slice(),
      per_request: Object.fromEntries([...this.perRequest].map(([id, calls]) => [id, { ...calls }])),
    };
  }
}
