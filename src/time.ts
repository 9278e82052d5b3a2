/**
 * Times as the operator reads them, pure. One human form on the terminal and in logs,
 * "2026-11-30 23:30:00 -03:00" (year first, the zone's wall clock, its offset: no reader can
 * turn it around or mistake the zone); ISO 8601 with the offset in files and JSON,
 * "2026-11-30T23:30:00-03:00". Both in the operator's zone: `--tz`, else the local zone.
 */
import { createRequire } from "node:module";
import type { tz as Tz } from "@date-fns/tz";
import type { format as Format } from "date-fns/format";
import type { formatISO as FormatISO } from "date-fns/formatISO";
import { BatchError } from "./errors.js";

/**
 * date-fns and its zones, loaded when a time is first written: every command imports this
 * module for the zone, and their ~50 modules cost `--help` and a refused input a third of
 * their start-up. (Their CommonJS build: a synchronous load, and nothing compares its values
 * with another copy's.)
 */
let dateFns: { format: typeof Format; formatISO: typeof FormatISO; tz: typeof Tz } | undefined;
function loaded() {
  if (!dateFns) {
    const load = createRequire(import.meta.url);
    dateFns = {
      format: (load("date-fns/format") as { format: typeof Format }).format,
      formatISO: (load("date-fns/formatISO") as { formatISO: typeof FormatISO }).formatISO,
      tz: (load("@date-fns/tz") as { tz: typeof Tz }).tz,
    };
  }
  return dateFns;
}

const ZONE_HINT =
  "pass an IANA time zone name such as America/Argentina/Buenos_Aires, America/Santiago or UTC";

/**
 * An IANA name the runtime knows. Offsets ("-03:00") are refused on purpose: a fixed offset
 * silently goes wrong across a daylight-saving change, which a zone name gets right.
 */
export function checkZone(zone: string): string {
  if (!knownZone(zone))
    throw new BatchError("usage", `--tz: expected an IANA time zone, got ${JSON.stringify(zone)}`, {
      hint: ZONE_HINT,
    });
  return zone;
}

function knownZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    // RangeError: not a zone this runtime's time zone data knows
    return false;
  }
}

/**
 * The operator's zone: `--tz` (checked), else the environment's `TZ` when it names an IANA
 * zone (a run given its own environment, as a test or a drop folder), else this machine's.
 */
export function operatorZone(given: string | undefined, env: NodeJS.ProcessEnv = {}): string {
  if (given !== undefined) return checkZone(given);
  const fromEnv = env.TZ;
  if (fromEnv && knownZone(fromEnv)) return fromEnv;
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

const instant = (at: Date | string | number): Date => (at instanceof Date ? at : new Date(at));

/** "2026-11-30 23:30:00 -03:00": the one human form, in `zone`. */
export function humanTime(at: Date | string | number, zone: string): string {
  const { format, tz } = loaded();
  return format(instant(at), "yyyy-MM-dd HH:mm:ss xxx", { in: tz(zone) });
}

/** "2026-11-30T23:30:00-03:00" ("Z" in UTC): files and JSON. */
export function isoTime(at: Date | string | number, zone: string): string {
  const { formatISO, tz } = loaded();
  return formatISO(instant(at), { in: tz(zone) });
}

/**
 * "in 12 min", "3 min ago", "in 40 s": from `now` (the server's clock for a server's time).
 * Minutes are whole and rounded down towards the deadline's side, so "in 0 min" never hides
 * a deadline that passed.
 */
export function countdown(deadline: Date | string, now: Date): string {
  // date-fns's differenceInSeconds: whole seconds, truncated towards zero.
  const seconds = Math.trunc((instant(deadline).getTime() - now.getTime()) / 1000);
  const ahead = seconds >= 0;
  const size = Math.abs(seconds);
  const amount = size < 60 ? `${size} s` : `${Math.floor(size / 60)} min`;
  return ahead ? `in ${amount}` : `${amount} ago`;
}

/** A server's deadline in words: "2026-11-30 23:30:00 -03:00 (in 12 min)". */
export function deadlineWords(deadline: string | null, now: Date, zone: string): string {
  if (!deadline) return "no deadline given";
  return `${humanTime(deadline, zone)} (${countdown(deadline, now)})`;
}
