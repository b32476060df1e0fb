import { escapeHtml } from '../sanitize';

/**
 * The few primitives every page template is built from. Templates are plain template literals,
 * so the rule is simple: every interpolated value goes through `text`, `attr` or `href`, except
 * markup these functions or another template produced, and the sanitized post body.
 */

/** Element content. */
export const text = escapeHtml;

/** A quoted attribute value (escapeHtml covers both quote kinds). */
export const attr = escapeHtml;

/**
 * The URL re-serialized by the WHATWG parser when it is absolute http(s), else null. Parsing
 * rather than matching a prefix is what defeats `JaVaScRiPt:`, leading control characters and
 * the like; re-serializing percent-encodes quotes, spaces and angle brackets.
 */
export function httpUrl(value: string | null | undefined): string | null {
  if (value === null || value === undefined || !URL.canParse(value)) return null;
  const url = new URL(value);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

/** `<a>` to an http(s) URL, or just the (escaped) label when the URL is anything else. */
export function link(url: string, label: string, extra = ''): string {
  const safe = httpUrl(url);
  return safe === null ? text(label) : `<a href="${attr(safe)}"${extra}>${text(label)}</a>`;
}

/**
 * JSON for a `<script type="application/ld+json">` block. The HTML parser ends a script at the
 * first `</script` whatever the JSON means, so `<` (and, for good measure, `>`, `&` and the two
 * line separators old JavaScript parsers choke on) become \uXXXX escapes: the same JSON value,
 * no markup.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const RFC3339_DATE = /^(\d{4})-(\d{2})-(\d{2})T/;

/**
 * "January 27, 2025" (in the site's language) for an RFC 3339 timestamp, taking the calendar date
 * as the author wrote it: a post written on the 27th at 22:00 in Santiago shows the 27th, not the
 * UTC date. Unrecognised input is shown as it is.
 */
export function displayDate(rfc3339: string, language: string): string {
  const m = RFC3339_DATE.exec(rfc3339);
  if (!m) return rfc3339;
  const utcMidnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  try {
    return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(utcMidnight);
  } catch {
    // A language tag Intl refuses (the site setting only checks its shape).
    return new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(utcMidnight);
  }
}

/** `<time>` for an RFC 3339 timestamp; `datetime` keeps the offset. */
export function time(rfc3339: string, language: string): string {
  return `<time datetime="${attr(rfc3339)}">${text(displayDate(rfc3339, language))}</time>`;
}

/** Plain text with blank lines between paragraphs and single line breaks kept. */
export function paragraphs(plain: string): string {
  return plain
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${p.split('\n').map(text).join('<br>')}</p>`)
    .join('\n');
}
