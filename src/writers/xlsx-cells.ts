/**
 * Cell values for the xlsx report (pure): amounts as numbers only where the number is the
 * exact decimal, times as the wall clock of a zone, text that XML can carry.
 */
import { BatchError } from "../errors.js";
import { minorUnits } from "../ports.js";

const CANONICAL = /^-?\d+(\.\d+)?$/;

/**
 * The double that a spreadsheet shows as exactly `text`, or null. A spreadsheet stores a
 * number as a double and shows at most 15 significant digits, and 15 digits always survive a
 * double (DBL_DIG): so a decimal of at most 15 significant digits is written as the nearest
 * double, which shows and sums as that decimal; anything longer (a 20-digit amount) would be
 * shown and summed as another number, so the caller writes it as text.
 */
export function exactNumber(text: string): number | null {
  if (!CANONICAL.test(text)) return null;
  if (significantDigits(text) > 15) return null;
  const value = Number(text);
  // Belt and braces: the double must read back as the same decimal (and not as "1e+21").
  return String(value) === shortest(text) ? value : null;
}

/** A plain number's significant digits: zeros at either end are not (1329000 is 1329 × 10^3, as exact as 1329). */
export function significantDigits(text: string): number {
  return text.replace(/^-/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "").length;
}

/** "0012.50" → "12.5", "-0.0" → "0": what String(Number(text)) gives for an exact value. */
function shortest(text: string): string {
  const negative = text.startsWith("-");
  let body = negative ? text.slice(1) : text;
  if (body.includes(".")) body = body.replace(/0+$/, "").replace(/\.$/, "");
  body = body.replace(/^0+(?=\d)/, "");
  return negative && body !== "0" ? `-${body}` : body;
}

/** Decimals shown for a money figure: the currency's, or more when the figure has more (never rounded). */
export function moneyDecimals(text: string, currency: string): number {
  const dot = text.indexOf(".");
  const own = dot < 0 ? 0 : text.length - dot - 1;
  return currency === "" ? own : Math.max(minorUnits(currency), own);
}

/** "#,##0.00": grouping and decimal marks are the reader's locale's, the decimals are fixed. */
export function moneyFormat(decimals: number): string {
  return decimals > 0 ? `#,##0.${"0".repeat(decimals)}` : "#,##0";
}

/** ISO 8601 with a year-first order, the one reading no locale can turn around. */
export const TIME_FORMAT = "yyyy-mm-dd hh:mm:ss";

/** TIME_FORMAT and a literal offset (wall clock minus UTC, in ms): `yyyy-mm-dd hh:mm:ss "-03:00"`. */
export function timeFormat(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
  return `${TIME_FORMAT} "${offsetMs < 0 ? "-" : "+"}${hhmm}"`;
}

/**
 * The report's own timestamps (reportTimestamp, UTC with "Z") and the export's (ISO 8601 with
 * the offset of its zone): anything else stays text.
 */
const REPORT_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/;

/**
 * Times as the wall clock of one IANA zone. A spreadsheet date has no zone: it is a count of
 * days that every reader shows as is. exceljs counts from the UTC fields of a Date, so the
 * Date handed to it carries the zone's wall clock in its UTC fields.
 */
export class ZoneClock {
  private readonly parts: Intl.DateTimeFormat | null;
  private lastText = "";
  private lastDate: Date | null = null;
  private lastFormat = TIME_FORMAT;

  constructor(readonly zone: string) {
    try {
      this.parts =
        zone === "UTC"
          ? null
          : new Intl.DateTimeFormat("en-US", {
              timeZone: zone,
              hourCycle: "h23",
              year: "numeric",
              month: "numeric",
              day: "numeric",
              hour: "numeric",
              minute: "numeric",
              second: "numeric",
            });
    } catch (error) {
      throw new BatchError("usage", `the time zone ${JSON.stringify(zone)} is not an IANA zone`, {
        cause: error,
        hint: "write it like America/Argentina/Buenos_Aires, or UTC",
      });
    }
  }

  /** The wall-clock Date of an instant (its UTC fields read as the zone's local time). */
  wall(instant: Date): Date {
    if (this.parts === null) return instant;
    const field: Record<string, number> = {};
    for (const part of this.parts.formatToParts(instant)) field[part.type] = Number(part.value);
    const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = field;
    return new Date(Date.UTC(year, month - 1, day, hour, minute, second, instant.getUTCMilliseconds()));
  }

  /** A report or export timestamp as a wall-clock Date, or null for text that is not one. Rows share stamps: the last is kept. */
  fromReport(text: string): Date | null {
    if (text === this.lastText) return this.lastDate;
    const instant = REPORT_TIMESTAMP.test(text) ? new Date(text) : null;
    this.lastText = text;
    this.lastDate = instant && !Number.isNaN(instant.getTime()) ? this.wall(instant) : null;
    if (instant && this.lastDate) this.lastFormat = timeFormat(this.lastDate.getTime() - instant.getTime());
    return this.lastDate;
  }

  /**
   * The number format of the last date `fromReport` gave: its wall clock and the zone's offset
   * at that instant, "2026-12-06 13:52:40 -03:00", the form the terminal shows a time in (a
   * date cell holds no zone, and the CSV report's times are UTC: the offset tells them apart).
   */
  lastTimeFormat(): string {
    return this.lastFormat;
  }
}

/**
 * Characters XML 1.0 cannot carry (exceljs would drop the control characters unseen, and a
 * lone surrogate makes the file unreadable): shown as U+FFFD, so the reader sees that
 * something was there.
 */
const NOT_XML_SOURCE =
  "[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]";
const HAS_NOT_XML = new RegExp(NOT_XML_SOURCE);
const ALL_NOT_XML = new RegExp(NOT_XML_SOURCE, "g");

export function xmlSafe(text: string): string {
  return HAS_NOT_XML.test(text) ? text.replace(ALL_NOT_XML, "\uFFFD") : text;
}
