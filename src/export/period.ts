/**
 * The period of an export (docs/design.md section 13), pure: whole calendar days in one IANA time
 * zone, `from` and `to` inclusive, as the half-open instant range [start, end). date-fns does
 * the calendar arithmetic; @date-fns/tz makes it happen in the zone rather than the host's, so
 * a cron host in Madrid exports the same Buenos Aires month as a laptop in Santiago.
 */
import { TZDate } from "@date-fns/tz";
import { format } from "date-fns/format";
import { isValid } from "date-fns/isValid";
import { lastDayOfMonth } from "date-fns/lastDayOfMonth";
import { parse } from "date-fns/parse";
import { BatchError } from "../errors.js";
import { checkZone } from "../time.js";

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
    // The next month's first instant, made as the start is: adding a month to a start moved
    // past a missing midnight (01:00) would end at 01:00 and give the next month's first
    // hour to this one too.
    const end = new TZDate(year, month, 1, zone);
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
  // The first instant of the day after `to`, made as a start is (the day overflows into the
  // next month as in Date), so that the next period begins exactly where this one ends.
  const end = new TZDate(last.year, last.month - 1, last.day + 1, zone);
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
