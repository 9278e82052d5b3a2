/**
 * How fast the server's clock runs against this machine's, from the `Date` headers of its
 * answers: a wait for a time the server announced (a quote's `eta`) lasts that long on the
 * server's clock. Bitex's clock runs at real time; an emulator at a time scale runs faster,
 * and a client sleeping until its `eta` in real time would oversleep by that scale.
 * `Date` has whole seconds, so a pace is measured only over at least MIN_SPAN_MS of this
 * machine's time, and anything below 2 is taken as real time (1).
 */
import { answeredAt } from "./server-clock.js";

const MIN_SPAN_MS = 2_000;

export class ServerPace {
  private first: { local: number; server: number } | null = null;
  private last: { local: number; server: number } | null = null;

  constructor(private readonly local: () => number = Date.now) {}

  /** Takes an answer's `Date` (and `Age`) header; a `Date` that cannot be read changes nothing. */
  observe(dateHeader: string | null, ageHeader?: string | null): void {
    const server = answeredAt(dateHeader, ageHeader);
    if (server === null) return;
    const sample = { local: this.local(), server };
    this.first ??= sample;
    this.last = sample;
  }

  /** Server ms per local ms: 1 for a real-time server, null while too little was seen to tell. */
  get pace(): number | null {
    if (!this.first || !this.last) return null;
    const span = this.last.local - this.first.local;
    if (span < MIN_SPAN_MS) return null;
    const pace = (this.last.server - this.first.server) / span;
    return pace < 2 ? 1 : pace;
  }

  /**
   * The slowest pace the headers allow: each cuts its time to the second, so the span they
   * show may be up to a second longer than the server's. A sleep for a span of the server's
   * time, divided by this, never ends before that time has passed there (waking early costs
   * a read and a poll's wait). 1 for a real-time server, null while the pace is unknown.
   */
  get slowest(): number | null {
    const pace = this.pace;
    if (pace === null || pace === 1 || !this.first || !this.last) return pace;
    const span = this.last.local - this.first.local;
    return Math.max(1, (this.last.server - this.first.server - 1_000) / span);
  }
}
