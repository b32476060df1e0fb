/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date, as ms from `now`. Undefined
 * when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // Only IMF-fixdate and the two obsolete forms look like this; Date.parse reads all three.
  if (
    !/^[A-Za-z]{3,9},? [\dA-Za-z -]+ \d{2}:\d{2}:\d{2} GMT$|^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/.test(
      text,
    )
  )
    return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
