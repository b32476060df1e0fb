/**
 * RFC 3339 timestamps, parsed strictly and kept with their offset: a post written at
 * "2025-01-27T18:00:00-03:00" is shown that way in feeds, while sorting uses the UTC instant.
 * `Date.parse` alone is too lenient (it accepts "2025-02-30" and many non-RFC forms).
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;

export interface Timestamp {
  /** Normalized RFC 3339 text with the original offset, e.g. "2025-01-27T18:00:00-03:00". */
  local: string;
  /** The same instant as ISO-8601 UTC with milliseconds, e.g. "2025-01-27T21:00:00.000Z". */
  utc: string;
  epochMs: number;
}

export function parseRfc3339(input: string): Timestamp | null {
  const m = RFC3339.exec(input);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  const offsetMinutes = zone === 'Z' || zone === 'z' ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (Math.abs(offsetMinutes) >= 24 * 60 || Number(om) > 59) return null;
  const millis = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  // A leap second is folded into the next second, as every feed consumer will do anyway.
  const epochMs =
    Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), millis) -
    offsetMinutes * 60_000 +
    (second === 60 ? 1000 : 0);
  const fracText = frac ? `.${String(millis).padStart(3, '0')}` : '';
  const zoneText = zone === 'Z' || zone === 'z' ? 'Z' : `${sign}${oh}:${om}`;
  return {
    local: `${y}-${mo}-${d}T${h}:${mi}:${s}${fracText}${zoneText}`,
    utc: new Date(epochMs).toISOString(),
    epochMs,
  };
}

export function nowTimestamp(now: Date = new Date()): Timestamp {
  const utc = now.toISOString();
  return { local: utc, utc, epochMs: now.getTime() };
}
