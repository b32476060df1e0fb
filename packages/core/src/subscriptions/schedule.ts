/**
 * When daily and weekly digests are due, in each subscriber's own time zone.
 *
 * Built on Intl alone (no time-zone library): the runtime's ICU data knows every IANA zone and
 * its DST rules. A local wall-clock time is turned into an instant by guessing with the zone's
 * offset on either side, which is exact except around DST changes, handled explicitly: an hour
 * that does not exist locally (spring forward) is delivered when the clock has jumped past it;
 * an hour that happens twice (fall back) is delivered at its first occurrence.
 */
export type ScheduledFrequency = 'daily' | 'weekly';

export interface DigestSchedule {
  frequency: ScheduledFrequency;
  /** IANA time zone name. */
  timeZone: string;
  /** Local hour, 0-23. */
  deliveryHour: number;
  /** ISO weekday for weekly digests: 1 = Monday … 7 = Sunday. */
  deliveryWeekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return false;
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localTimeOf(instant: Date, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The zone's offset from UTC at `instant`, in milliseconds (positive east of Greenwich). */
function offsetAt(instant: number, timeZone: string): number {
  const local = localTimeOf(new Date(instant), timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return asUtc - (instant - (instant % 1000));
}

/**
 * The instant of a local wall-clock time. When it happens twice (fall back), the first
 * occurrence; when it does not exist (spring forward), the wall time read with the offset in
 * force before the change, which is where the clock lands after jumping (02:00 → 03:00).
 */
function instantOfLocal(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  // No zone changes its offset twice within a day, so the offsets a day either side are the
  // only two that can apply.
  const before = wall - offsetAt(wall - 86_400_000, timeZone);
  const after = wall - offsetAt(wall + 86_400_000, timeZone);
  const candidates = before <= after ? [before, after] : [after, before];
  for (const candidate of candidates) {
    const local = localTimeOf(new Date(candidate), timeZone);
    if (Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) === wall) {
      return candidate;
    }
  }
  return before;
}

function isoWeekday(year: number, month: number, day: number): number {
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

/** The first instant strictly after `after` at which this schedule's digest is due. */
export function nextDigestDue(schedule: DigestSchedule, after: Date): Date {
  const local = localTimeOf(after, schedule.timeZone);
  // Walk local calendar days from today; at most 8 for a weekly schedule.
  for (let offset = 0; offset <= 8; offset += 1) {
    const date = new Date(Date.UTC(local.year, local.month - 1, local.day + offset));
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (schedule.frequency === 'weekly' && isoWeekday(y, m, d) !== schedule.deliveryWeekday) continue;
    const due = instantOfLocal(y, m, d, schedule.deliveryHour, schedule.timeZone);
    if (due > after.getTime()) return new Date(due);
  }
  throw new Error(`no digest due within 8 days for ${JSON.stringify(schedule)}`);
}

/**
 * The period a due instant belongs to, named in the subscriber's own calendar:
 * "daily:2026-11-25" or "weekly:2026-W48" (ISO week). One digest per subscriber and period.
 */
export function digestPeriodKey(schedule: DigestSchedule, due: Date): string {
  const local = localTimeOf(due, schedule.timeZone);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  if (schedule.frequency === 'daily') return `daily:${local.year}-${pad(local.month)}-${pad(local.day)}`;
  const { year, week } = isoWeek(local.year, local.month, local.day);
  return `weekly:${year}-W${pad(week)}`;
}

function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  // The Thursday of this ISO week decides its year.
  date.setUTCDate(date.getUTCDate() + 4 - isoWeekday(year, month, day));
  const weekYear = date.getUTCFullYear();
  const firstDay = Date.UTC(weekYear, 0, 1);
  return { year: weekYear, week: Math.ceil(((date.getTime() - firstDay) / 86_400_000 + 1) / 7) };
}

/**
 * `2026-12-07T09:30` read in `timeZone` as RFC 3339 with that zone's offset at the time
 * (`2026-12-07T09:30:00-03:00`), or null when the text is not such a local date-time. A wall time
 * that happens twice or not at all resolves as `instantOfLocal` does.
 */
export function localDateTimeToRfc3339(local: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m || !isValidTimeZone(timeZone)) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const check = new Date(Date.UTC(year, month - 1, day));
  const valid =
    check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day && hour <= 23 && minute <= 59 && second <= 59;
  if (!valid) return null;
  const instant = instantOfLocal(year, month, day, hour, timeZone) + minute * 60_000 + second * 1000;
  const offsetMinutes = Math.round(offsetAt(instant, timeZone) / 60_000);
  const local2 = localTimeOf(new Date(instant), timeZone);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${pad(local2.year, 4)}-${pad(local2.month)}-${pad(local2.day)}T${pad(local2.hour)}:${pad(local2.minute)}:${pad(local2.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
