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
 * `strict` (the export, whose periods are days in that zone): a `TZ` that names no IANA zone
 * (`ART3`, a POSIX rule) is refused rather than read as this machine's zone or UTC, which
 * would move every month's first hours to the month before or after (helper-97).
 */
export function operatorZone(given: string | undefined, env: NodeJS.ProcessEnv = {}, strict = false): string {
  if (given !== undefined) return checkZone(given);
  // glibc's forms `:America/Santiago` and `:/usr/share/zoneinfo/America/Santiago` name a zone
  // too (helper-109: the export refused what the log lines' offsets already showed).
  const fromEnv = env.TZ?.replace(/^:(?:.*\/zoneinfo\/)?/, "");
  if (fromEnv && knownZone(fromEnv)) return fromEnv;
  if (fromEnv && strict)
    throw new BatchError(
      "usage",
      `TZ=${JSON.stringify(env.TZ)} names no IANA time zone, so the period's days cannot be told`,
      {
        hint: `pass --tz, or set TZ to a zone name; ${ZONE_HINT}`,
      },
    );
  // An empty TZ leaves this machine's zone unknown to Intl ("Etc/Unknown"): UTC, as POSIX reads it.
  const machine = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return machine && knownZone(machine) ? machine : "UTC";
}

const instant = (at: Date | string | number): Date => (at instanceof Date ? at : new Date(at));

/** "2026-11-30 23:30:00 -03:00": the one human form, in `zone`. */
export function humanTime(at: Date | string | number, zone: string): string {
  const { format, tz } = loaded();
  return format(instant(at), "yyyy-MM-dd HH:mm:ss xxx", { in: tz(zone) });
}

/** "2026-11-30": the calendar day of an instant in `zone` (a folder's date, a file's "on …"). */
export function dayIn(at: Date | string | number, zone: string): string {
  const { format, tz } = loaded();
  return format(instant(at), "yyyy-MM-dd", { in: tz(zone) });
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

/** ISO 8601 date and time with its offset ("Z", "-03:00"), the seconds' fraction optional. */
const SERVER_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * A server's time (a deadline, an `eta`, a `created_at`), or null when it is not one. Only a
 * time with its offset is read: Date reads "2026-12-06T13:20:00" in this machine's zone (and
 * "2026-12-06" in UTC), so the same answer would give a quote lapsed on one machine and open
 * on another, or a payment in another month's export. Date also rolls "02-30" into March:
 * a day the calendar lacks is not a time either.
 */
export function serverTime(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const parts = SERVER_TIME.exec(value);
  if (!parts) return null;
  const [year, month, day, hour, minute] = parts.slice(1, 6).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = new Date(Date.UTC(year, month - 1, day, hour, minute));
  if (wall.getUTCMonth() !== month - 1 || wall.getUTCDate() !== day || wall.getUTCHours() !== hour)
    return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}

/**
 * Server times earliest first, by their instants (their texts sort wrong once two carry other
 * offsets, as across a daylight-saving change); texts that are not times (serverTime) last.
 */
export function inTimeOrder(texts: readonly string[]): string[] {
  const at = (text: string) => serverTime(text)?.getTime() ?? Number.POSITIVE_INFINITY;
  return [...texts].sort((a, b) => at(a) - at(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The latest of some server times by instant; undefined when none is a time. */
export function latestTime(texts: readonly string[]): string | undefined {
  return inTimeOrder(texts).findLast((text) => serverTime(text) !== null);
}

/**
 * A server's deadline in words: "2026-11-30 23:30:00 -03:00 (in 12 min)"; one that is not a
 * time with a zone (serverTime) is quoted as sent, never turned into an hour it may not mean.
 */
export function deadlineWords(deadline: string | null, now: Date, zone: string): string {
  if (!deadline) return "no deadline given";
  const at = serverTime(deadline);
  if (!at) return `${JSON.stringify(deadline)} as the server sent it (no time with a zone to count down to)`;
  return `${humanTime(at, zone)} (${countdown(at, now)})`;
}
