import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Sign-in link tokens and session cookie values: 32 random bytes, base64url. Far too much entropy
 * to guess, so a fast SHA-256 is the right hash to store (as for API keys); the database never
 * holds a value that opens anything.
 */
export function generateSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const CSRF_PURPOSE = 'careerfeed console form v1';

/**
 * The synchronizer token of a session's forms: an HMAC of a fixed purpose keyed by the session's
 * cookie value. Only a page served to that session can carry it (the cookie is HttpOnly and a
 * cross-site page cannot read our pages), it changes with every session and dies with it, and
 * nothing needs storing: the server derives it again from the cookie of the POST.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update(CSRF_PURPOSE).digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 100) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
