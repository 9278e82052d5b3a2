/**
 * The server's clock as the client last saw it. Deadlines (`accept_quote_before`,
 * `provision_funds_before`), etas and countdowns are the server's times, so they are judged by
 * the server's clock, not this machine's: each answer's `Date` header gives the offset between
 * the two (the latest answer wins, so a server clock that runs at another rate, as the emulator
 * at a time scale, is followed). `Date` has whole seconds, so the offset is good to about a
 * second; until an answer came, the offset is 0.
 */
import { httpDate } from "./retry.js";

export const SKEW_NOTICE_MS = 60_000;

/**
 * The server's time when an answer left it, from its `Date`, or null. An answer a cache kept
 * says how long in `Age` (RFC 9111, delta-seconds): its `Date` is when the server made it,
 * maybe hours ago, so `Date + Age` is the server's time now; a cached answer must not set the
 * server's clock back by that long (a lapsed quote would look open, a countdown hours long).
 */
export function answeredAt(dateHeader: string | null, ageHeader?: string | null): number | null {
  const serverMs = httpDate(dateHeader);
  if (serverMs === undefined) return null;
  const age = ageHeader?.trim() ?? "";
  return /^\d{1,10}$/.test(age) ? serverMs + Number(age) * 1000 : serverMs;
}

export class ServerClock {
  private offsetMs = 0;
  private named = false;

  constructor(
    /** This machine's clock (injectable, for tests of a skewed clock). */
    private readonly local: () => number = Date.now,
    /** Called once, the first time the offset exceeds a minute either way. */
    private readonly onSkew?: (offsetMs: number) => void,
  ) {}

  /** Takes an answer's `Date` (and `Age`) header; a `Date` that cannot be read changes nothing. */
  observe(dateHeader: string | null, ageHeader?: string | null): void {
    const serverMs = answeredAt(dateHeader, ageHeader);
    if (serverMs === null) return;
    // The header is cut to the second: its middle is the best guess of the server's instant.
    this.offsetMs = serverMs + 500 - this.local();
    if (!this.named && Math.abs(this.offsetMs) > SKEW_NOTICE_MS) {
      this.named = true;
      this.onSkew?.(this.offsetMs);
    }
  }

  /** Server time minus local time, in ms, as last seen. */
  get offset(): number {
    return this.offsetMs;
  }

  now(): Date {
    return new Date(this.local() + this.offsetMs);
  }
}

/** "this machine's clock is 20 min behind Bitex's" (for the one stderr line). */
export function describeSkew(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const amount = minutes >= 1 ? `${minutes} min` : `${Math.round(Math.abs(offsetMs) / 1000)} s`;
  return `this machine's clock is ${amount} ${offsetMs > 0 ? "behind" : "ahead of"} the server's; deadlines and countdowns are judged by the server's clock`;
}
