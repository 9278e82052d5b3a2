/**
 * The period of an export (docs/design.md section 13), pure: whole calendar days in one IANA time
 * zone, `from` and `to` inclusive, as the half-open instant range [start, end). date-fns does
 * the calendar arithmetic; @date-fns/tz makes it happen in the zone rather than the host's, so
 * a cron host in Madrid exports the same Buenos Aires month as a laptop in Santiago.
 */
import { TZDate, tz } from "@date-fns/tz";
import { addDays, addMonths, format, formatISO, isValid, lastDayOfMonth, parse } from "date-fns";
import { BatchError } from "../errors.js";

export interface Period {
  /** First day, YYYY-MM-DD, in `tz`. */
  from: string;
  /** Last day (inclusive), YYYY-MM-DD, in `tz`. */
  to: string;
  tz: string;
  /** First instant of `from` in `tz`. */
  start: Date;
  /** First instant of the day after `to`: excluded. */
  end: Date;
  /** "2026-11" or "2026-11-01_2026-11-15": names the default report file. */
  label: string;
}

export interface PeriodArgs {
  month?: string;
  from?: string;
  to?: string;
  tz?: string;
}

const ZONE_HINT =
  "pass an IANA time zone name such as America/Argentina/Buenos_Aires, America/Santiago or UTC";

/**
 * An IANA name the runtime knows. Offsets ("-03:00") are refused on purpose: a fixed offset
 * silently goes wrong across a daylight-saving change, which a zone name gets right.
 */
export function checkZone(zone: string): string {
  const named = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone);
  let known = false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    known = true;
  } catch {
    // RangeError: not a zone this runtime's time zone data knows
  }
  if (!named || !known)
    throw new BatchError("usage", `--tz: expected an IANA time zone, got ${JSON.stringify(zone)}`, {
      hint: ZONE_HINT,
    });
  return zone;
}

/** Date's constructors read years 0–99 as 1900–1999; no payment is older than this anyway. */
const MIN_YEAR = 1970;

/** A calendar date "YYYY-MM-DD" that exists (no 2026-02-30); the parts as numbers. */
function readDay(flag: string, text: string): { year: number; month: number; day: number } {
  const bad = () => new BatchError("usage", `${flag}: expected YYYY-MM-DD, got ${JSON.stringify(text)}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw bad();
  // A fixed reference keeps parse pure; the pattern has every field, so it is never used.
  if (!isValid(parse(text, "yyyy-MM-dd", new Date(0)))) throw bad();
  const [year, month, day] = text.split("-").map(Number) as [number, number, number];
  if (year < MIN_YEAR) throw bad();
  return { year, month, day };
}

function readMonth(text: string): { year: number; month: number } {
  const bad = () => new BatchError("usage", `--month: expected YYYY-MM, got ${JSON.stringify(text)}`);
  if (!/^\d{4}-\d{2}$/.test(text)) throw bad();
  const [year, month] = text.split("-").map(Number) as [number, number];
  if (month < 1 || month > 12 || year < MIN_YEAR) throw bad();
  return { year, month };
}

/** Checks the flags (exit 2 with "expected …, got …") and computes the period. */
export function periodOf(args: PeriodArgs): Period {
  const zone = checkZone(args.tz ?? "UTC");
  const hint = "pass --month YYYY-MM, or --from YYYY-MM-DD and --to YYYY-MM-DD";
  const hasRange = args.from !== undefined || args.to !== undefined;
  if (args.month !== undefined && hasRange)
    throw new BatchError("usage", "--month and --from/--to both name a period; pick one", { hint });
  if (args.month !== undefined) {
    const { year, month } = readMonth(args.month);
    // TZDate months are 0-based, like Date's.
    const start = new TZDate(year, month - 1, 1, zone);
    const end = addMonths(start, 1);
    return {
      from: day(start),
      to: day(lastDayOfMonth(start)),
      tz: zone,
      start: new Date(start.getTime()),
      end: new Date(end.getTime()),
      label: args.month,
    };
  }
  if (args.from === undefined || args.to === undefined)
    throw new BatchError("usage", hasRange ? "--from and --to go together" : "no period given", { hint });
  const first = readDay("--from", args.from);
  const last = readDay("--to", args.to);
  if (args.from > args.to)
    throw new BatchError("usage", `--from ${args.from} is after --to ${args.to}`, { hint });
  // Midnight may not exist on a daylight-saving day (America/Santiago springs 00:00 → 01:00):
  // TZDate then gives the day's first real instant, which is what "from that day" means.
  const start = new TZDate(first.year, first.month - 1, first.day, zone);
  const end = addDays(new TZDate(last.year, last.month - 1, last.day, zone), 1);
  return {
    from: args.from,
    to: args.to,
    tz: zone,
    start: new Date(start.getTime()),
    end: new Date(end.getTime()),
    label: `${args.from}_${args.to}`,
  };
}

function day(date: TZDate): string {
  return format(date, "yyyy-MM-dd");
}

/**
 * An instant as ISO 8601 in the zone, to the second, with its offset: "2026-10-31T23:30:00-03:00"
 * ("Z" in UTC). Seconds are enough for an accountant; the sort uses the exact instant.
 */
export function zonedTimestamp(date: Date, zone: string): string {
  return formatISO(date, { in: tz(zone) });
}
