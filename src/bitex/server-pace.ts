/**
 * How fast the server's clock runs against this machine's, from the `Date` headers of its
 * answers: a wait for a time the server announced (a quote's `eta`), or `--interval` of the
 * server's time, lasts that long on the server's clock. Bitex's clock runs at real time; an
 * emulator at a time scale runs faster, and a client sleeping until its `eta` in real time
 * would oversleep by that scale. `Date` has whole seconds, so a pace is measured only over at
 * least MIN_SPAN_MS of this machine's time, and anything below 2 is taken as real time (1).
 *
 * One odd header must not make a real-time server look fast (helper-79): a first answer a
 * cache kept minutes without an `Age`, an `Age` that overstates. So the pace is the smaller of
 * the pace since the first answer and the pace over the last few seconds, and this machine's
 * time is its monotonic clock (a wall clock stepped back by NTP made the span look short).
 */
import { answeredAt } from "./server-clock.js";

const MIN_SPAN_MS = 2_000;
/** The recent pace runs from the oldest of these marks, taken a second apart at most. */
const MARKS = 5;
const MARK_EVERY_MS = 1_000;

interface Sample {
  local: number;
  server: number;
}

export class ServerPace {
  private first: Sample | null = null;
  private last: Sample | null = null;
  private marks: Sample[] = [];

  constructor(private readonly local: () => number = () => performance.now()) {}

  /** Takes an answer's `Date` (and `Age`) header; a `Date` that cannot be read changes nothing. */
  observe(dateHeader: string | null, ageHeader?: string | null): void {
    const server = answeredAt(dateHeader, ageHeader);
    if (server === null) return;
    const sample = { local: this.local(), server };
    this.first ??= sample;
    this.last = sample;
    const mark = this.marks.at(-1);
    if (mark === undefined || sample.local - mark.local >= MARK_EVERY_MS) {
      this.marks.push(sample);
      if (this.marks.length > MARKS) this.marks.shift();
    }
  }

  /** Server ms per local ms: 1 for a real-time server, null while too little was seen to tell. */
  get pace(): number | null {
    const span = this.span();
    if (span === null) return null;
    const pace = span.server / span.local;
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
    const span = this.span();
    if (pace === null || pace === 1 || span === null) return pace;
    return Math.max(1, (span.server - 1_000) / span.local);
  }

  /** The span of the slower of the two paces (since the first answer, and recent), if known. */
  private span(): { local: number; server: number } | null {
    const last = this.last;
    if (!last) return null;
    const spans = [this.first, this.marks[0]].flatMap((from) => {
      if (!from || last.local - from.local < MIN_SPAN_MS) return [];
      return [{ local: last.local - from.local, server: last.server - from.server }];
    });
    if (spans.length === 0) return null;
    return spans.reduce((slower, span) =>
      span.server / span.local < slower.server / slower.local ? span : slower,
    );
  }
}
