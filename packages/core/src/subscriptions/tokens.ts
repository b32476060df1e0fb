import crypto from 'node:crypto';

/**
 * Signed links for subscribers: no login, so the link in a mail is the credential.
 *
 * A token is `<payload>.<signature>`, both base64url; the payload is compact JSON and the
 * signature HMAC-SHA256 over it with a key every instance shares (kept in the database). Tokens
 * are stateless; what must be single-use (a confirmation) carries a nonce the database checks.
 */
export type TokenPurpose = 'confirm' | 'manage';

export interface SubscriberToken {
  /** Subscriber id. */
  subscriberId: string;
  purpose: TokenPurpose;
  /** For `confirm`: the subscriber's confirmation nonce at the time the mail was sent. */
  nonce?: string | undefined;
  /**
   * Unix seconds. Every token made today has one; a manage token without one was made before links
   * expired (migration 0008) and is honoured until the deadline that migration recorded.
   */
  expiresAt?: number | undefined;
  /**
   * For `manage`: the subscriber's `link_version` when the link was made. Unsubscribing (and a new
   * subscription after one) bumps the column, which revokes every earlier link. Absent means 0.
   */
  version?: number | undefined;
}

export type TokenCheck =
  | { ok: true; token: SubscriberToken }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' | 'wrong-purpose' };

/** Confirmation links expire after 48 hours (issue 4). */
export const CONFIRMATION_TOKEN_TTL_SECONDS = 48 * 3600;

/**
 * Preferences and unsubscribe links work for 90 days from the mail that carries them (decision of
 * 2026-12-06 in docs/decisions.md): an old digest must still unsubscribe, a leaked one not forever.
 */
export const MANAGE_TOKEN_TTL_SECONDS = 90 * 86_400;

interface WirePayload {
  s: string;
  p: TokenPurpose;
  n?: string;
  e?: number;
  v?: number;
}

function sign(key: Buffer, payload: string): string {
  return crypto.createHmac('sha256', key).update(payload).digest('base64url');
}

export function createSubscriberToken(key: Buffer, token: SubscriberToken): string {
  const wire: WirePayload = { s: token.subscriberId, p: token.purpose };
  if (token.nonce !== undefined) wire.n = token.nonce;
  if (token.expiresAt !== undefined) wire.e = token.expiresAt;
  if (token.version !== undefined) wire.v = token.version;
  const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${payload}.${sign(key, payload)}`;
}

// Generous, but keeps a hostile query string from making us parse megabytes.
const MAX_TOKEN_LENGTH = 512;

export function verifySubscriberToken(
  key: Buffer,
  raw: unknown,
  purpose: TokenPurpose,
  now: Date = new Date(),
): TokenCheck {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  const parts = raw.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) {
    return { ok: false, reason: 'malformed' };
  }
  const [payload, signature] = parts as [string, string];
  const expected = Buffer.from(sign(key, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'bad-signature' };
  }
  let wire: WirePayload;
  try {
    wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as WirePayload;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof wire?.s !== 'string' || (wire.p !== 'confirm' && wire.p !== 'manage')) {
    return { ok: false, reason: 'malformed' };
  }
  if (wire.v !== undefined && !(Number.isSafeInteger(wire.v) && wire.v >= 0)) return { ok: false, reason: 'malformed' };
  if (wire.e !== undefined && typeof wire.e !== 'number') return { ok: false, reason: 'malformed' };
  if (wire.p !== purpose) return { ok: false, reason: 'wrong-purpose' };
  if (typeof wire.e === 'number' && wire.e * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    token: { subscriberId: wire.s, purpose: wire.p, nonce: wire.n, expiresAt: wire.e, version: wire.v },
  };
}
