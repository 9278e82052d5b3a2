/**
 * Per-key rolling one-second window. A call is admitted when fewer than `limit` admitted calls
 * of the same key arrived in the last 1000 ms; refused calls are not counted, so a client that
 * backs off for Retry-After seconds always gets through again.
 */
export const WINDOW_MS = 1000;

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

export class RateLimiter {
  /** Arrival times (ms) of admitted calls still inside the window, oldest first, per key. */
  private readonly windows = new Map<string, number[]>();

  admit(key: string, nowMs: number, limit: number): Admission {
    if (limit <= 0) return { admitted: true };
    let window = this.windows.get(key);
    if (window === undefined) {
      window = [];
      this.windows.set(key, window);
    }
    // Drop expired arrivals; the window holds at most `limit` entries, so this stays cheap.
    let expired = 0;
    while (expired < window.length && (window[expired] as number) <= nowMs - WINDOW_MS) expired++;
    if (expired > 0) window.splice(0, expired);
    if (window.length < limit) {
      window.push(nowMs);
      return { admitted: true };
    }
    // The slot frees when the oldest of the last `limit` admitted calls leaves the window.
    const oldest = window[window.length - limit] as number;
    const waitMs = oldest + WINDOW_MS - nowMs;
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
