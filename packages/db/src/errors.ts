/** Driver-independent recognition of constraint errors (better-sqlite3 codes and PostgreSQL SQLSTATEs). */
function codeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** PostgreSQL 55P03: a row lock asked for with NOWAIT is held by another transaction. */
export function isLockNotAvailable(error: unknown): boolean {
  return codeOf(error) === '55P03';
}

/** Name of the violated constraint when the driver reports it (PostgreSQL does; SQLite names columns). */
export function violatedConstraint(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const e = error as { constraint?: unknown; message?: unknown };
  if (typeof e.constraint === 'string') return e.constraint;
  return typeof e.message === 'string' ? e.message : '';
}

// SQLSTATE classes and codes that mean "the connection or the server went away", not "the query
// is wrong": 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot
// connect now), 53300 (too many connections). Node socket errors of the same kind, and SQLite's
// lock contention beyond busy_timeout, are transient in the same way.
const UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_TIMEOUT',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly/i;

/**
 * Whether `error` means the database cannot be reached right now (a dropped or refused
 * connection, a restarting server, a busy SQLite file): the request may succeed if retried
 * shortly, so it is answered 503 with Retry-After, not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (error instanceof Error && UNAVAILABLE_MESSAGES.test(error.message)) return true;
  // AggregateError (several addresses refused) carries the reasons inside.
  if (error instanceof AggregateError) return error.errors.some((inner) => isDatabaseUnavailable(inner));
  return false;
}
