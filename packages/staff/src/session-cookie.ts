/** The console's session cookie: its name is shared by the console (ingest) and the queue dashboard (worker). */
export const STAFF_SESSION_COOKIE = 'cf_staff_session';

/**
 * The session cookie goes to two paths only: the console, and the worker's queue dashboard
 * (Bull Board at /admin/queues, which accepts an admin's session — cookies ignore ports, so on
 * one host name the worker receives it too). Two cookies with the same value, set and cleared
 * together, rather than one at Path=/ that every feed and page request would carry.
 */
export const STAFF_SESSION_COOKIE_PATHS = ['/console', '/admin/queues'] as const;

/**
 * The cookies of a `Cookie` header by name (the first of a name wins). Written here rather than
 * taken from a library: we read two cookies we set ourselves, whose values are base64url or text.
 */
export function parseCookieHeader(header: string | undefined): Record<string, string | undefined> {
  const cookies: Record<string, string | undefined> = {};
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (name in cookies) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      cookies[name] = value;
    }
  }
  return cookies;
}
