/**
 * The emulator's own clock (docs/design.md section 12): it starts at `start` (default: the real time
 * at start-up) and runs `timeScale` times faster than real time. Scale 0 stops it: time stands
 * still, so only what is due at that instant happens (a quote whose eta is now), until
 * POST /_sandbox/advance `{"minutes": N}` moves it. `forward` moves it at any scale.
 *
 * Emulated time is whole milliseconds, derived from the monotonic performance.now(), so it never
 * goes backwards even if the machine's wall clock is set back.
 */
import { performance } from "node:perf_hooks";

export interface ClockOptions {
  /** Emulated seconds per real second; 0 = stopped. Default 1. */
  timeScale?: number;
  /** The emulated instant at start-up; default the real time then. */
  start?: Date | string;
}

export class SandboxClock {
  readonly timeScale: number;
  private readonly startMs: number;
  private readonly realOrigin = performance.now();
  private forwardMs = 0;

  constructor(options: ClockOptions = {}) {
    const scale = options.timeScale ?? 1;
    if (typeof scale !== "number" || !Number.isFinite(scale) || scale < 0) {
      throw new RangeError(`timeScale: expected a number >= 0 (0 stops the clock), got ${String(scale)}`);
    }
    const start = options.start === undefined ? Date.now() : new Date(options.start).getTime();
    if (Number.isNaN(start)) {
      throw new RangeError(`start: expected an ISO 8601 time, got ${JSON.stringify(options.start)}`);
    }
    this.timeScale = scale;
    this.startMs = start;
  }

  nowMs(): number {
    const realElapsed = performance.now() - this.realOrigin;
    return this.startMs + this.forwardMs + Math.floor(realElapsed * this.timeScale);
  }

  /** Moves the clock forward by `ms` emulated milliseconds (rounded to whole ms). */
  forward(ms: number): void {
    this.forwardMs += Math.round(ms);
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
