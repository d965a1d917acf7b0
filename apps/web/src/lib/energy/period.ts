/**
 * Periods of the energy charts (a day, a month, a year in the community's time zone) and the
 * `from`/`to`/`resolution` arguments of the series fields: `from` is the period's first local
 * midnight with its UTC offset, `to` the next period's (so a DST day is 23 or 25 hours).
 */
export type PeriodKind = "day" | "month" | "year";
export type Resolution = "QUARTER_HOUR" | "HOUR" | "DAY" | "MONTH" | "YEAR";

/** `anchor`: "2025-03-30" (day), "2025-03" (month), "2025" (year). */
export interface Period {
  kind: PeriodKind;
  anchor: string;
}

export const DEFAULT_TIME_ZONE = "Europe/Vienna";

interface Ymd {
  y: number;
  m: number;
  d: number;
}

export class PeriodError extends Error {}

function parseAnchor(period: Period): Ymd {
  const patterns: Record<PeriodKind, RegExp> = {
    day: /^(\d{4})-(\d{2})-(\d{2})$/,
    month: /^(\d{4})-(\d{2})$/,
    year: /^(\d{4})$/,
  };
  const m = patterns[period.kind].exec(period.anchor);
  if (!m) throw new PeriodError(`"${period.anchor}" is not a ${period.kind} (period anchor)`);
  const ymd = { y: Number(m[1]), m: m[2] ? Number(m[2]) : 1, d: m[3] ? Number(m[3]) : 1 };
  const check = new Date(Date.UTC(ymd.y, ymd.m - 1, ymd.d));
  if (check.getUTCMonth() !== ymd.m - 1 || check.getUTCDate() !== ymd.d) {
    throw new PeriodError(`"${period.anchor}" is not a valid date (period anchor)`);
  }
  return ymd;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function anchorOf(kind: PeriodKind, { y, m, d }: Ymd): string {
  if (kind === "year") return pad(y, 4);
  if (kind === "month") return `${pad(y, 4)}-${pad(m)}`;
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/** Normalise through Date.UTC: month 13 → January next year, day 0 → last day before. */
function normalise(y: number, m: number, d: number): Ymd {
  const t = new Date(Date.UTC(y, m - 1, d));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function nextStart(kind: PeriodKind, start: Ymd, steps = 1): Ymd {
  if (kind === "day") return normalise(start.y, start.m, start.d + steps);
  if (kind === "month") return normalise(start.y, start.m + steps, 1);
  return normalise(start.y + steps, 1, 1);
}

export function shiftPeriod(period: Period, steps: number): Period {
  return { kind: period.kind, anchor: anchorOf(period.kind, nextStart(period.kind, parseAnchor(period), steps)) };
}

/** The period of `kind` containing the local date `today` ("YYYY-MM-DD"). */
export function periodContaining(kind: PeriodKind, today: string): Period {
  return { kind, anchor: anchorOf(kind, parseAnchor({ kind: "day", anchor: today })) };
}

/** Today's date in a time zone, "YYYY-MM-DD". */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const p = wallClock(now.getTime(), timeZone);
  return `${pad(p.y, 4)}-${pad(p.m)}-${pad(p.d)}`;
}

interface WallClock extends Ymd {
  h: number;
  min: number;
  s: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(instant: number, timeZone: string): WallClock {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(instant))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return { y: parts.year ?? 0, m: parts.month ?? 1, d: parts.day ?? 1, h: parts.hour ?? 0, min: parts.minute ?? 0, s: parts.second ?? 0 };
}

/** The zone's offset from UTC at an instant, in minutes (Vienna: 60 in winter, 120 in summer). */
export function offsetMinutes(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s);
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60000);
}

/** Local midnight of a date in a zone, as ISO 8601 with its offset: "2025-03-30T00:00:00+01:00". */
export function zonedMidnight(date: Ymd, timeZone: string): string {
  const wall = Date.UTC(date.y, date.m - 1, date.d);
  // Two passes: the offset at the guessed instant, then at the corrected one.
  let offset = offsetMinutes(wall, timeZone);
  offset = offsetMinutes(wall - offset * 60000, timeZone);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${pad(date.y, 4)}-${pad(date.m)}-${pad(date.d)}T00:00:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export interface SeriesRange {
  from: string;
  to: string;
  resolution: Resolution;
  /** The period's first and last day, "YYYY-MM-DD" (for validity filters). */
  firstDay: string;
  lastDay: string;
}

/** The series arguments of a period; `fine` picks quarter-hours instead of hours for a day. */
export function seriesRange(period: Period, timeZone: string = DEFAULT_TIME_ZONE, fine = true): SeriesRange {
  const start = parseAnchor(period);
  const end = nextStart(period.kind, start);
  const last = normalise(end.y, end.m, end.d - 1);
  const resolution: Resolution = period.kind === "day" ? (fine ? "QUARTER_HOUR" : "HOUR") : period.kind === "month" ? "DAY" : "MONTH";
  return {
    from: zonedMidnight(start, timeZone),
    to: zonedMidnight(end, timeZone),
    resolution,
    firstDay: anchorOf("day", start),
    lastDay: anchorOf("day", last),
  };
}

/** A bucket's label on the axis and in the table: "14:15" (day), "30" (month), "Mär"/"Mar" (year). */
export function bucketLabel(locale: string, start: string, kind: PeriodKind, timeZone: string = DEFAULT_TIME_ZONE): string {
  const d = new Date(start);
  if (Number.isNaN(d.getTime())) return start;
  const options: Intl.DateTimeFormatOptions =
    kind === "day"
      ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
      : kind === "month"
        ? { day: "numeric" }
        : { month: "short" };
  return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(d);
}

/** The period as words: "30. März 2025", "März 2025", "2025". */
export function periodLabel(locale: string, period: Period): string {
  const { y, m, d } = parseAnchor(period);
  const date = new Date(Date.UTC(y, m - 1, d, 12));
  const options: Intl.DateTimeFormatOptions =
    period.kind === "day"
      ? { dateStyle: "long", timeZone: "UTC" }
      : period.kind === "month"
        ? { month: "long", year: "numeric", timeZone: "UTC" }
        : { year: "numeric", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale, options).format(date);
}

export function isValidPeriod(period: Period): boolean {
  try {
    parseAnchor(period);
    return true;
  } catch {
    return false;
  }
}

/** `?period=` values: "month:2026-03" ⇄ {kind: "month", anchor: "2026-03"}; anything else → undefined. */
export function parsePeriodParam(value: string | null): Period | undefined {
  if (!value) return undefined;
  const [kind, anchor = ""] = value.split(":", 2);
  if (kind !== "day" && kind !== "month" && kind !== "year") return undefined;
  const period: Period = { kind, anchor };
  return isValidPeriod(period) ? period : undefined;
}

export function formatPeriodParam(period: Period): string {
  return `${period.kind}:${period.anchor}`;
}
