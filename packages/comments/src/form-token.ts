import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The comment form carries the moment it was rendered, signed: `<ms>.<post id>.<hmac>`. A form
 * sent back sooner than a person can read a post and type is a script's (filed as spam); a
 * token that does not verify was not made by us (refused). The key is `comment-token-key` in the
 * settings table (migration 0013), shared by every instance like the subscription link key.
 */

/** Below this, nobody has read the post and written a comment: a script filled the form. */
export const MIN_SECONDS_TO_COMMENT = 3;

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(`comment-form:${payload}`).digest('base64url');
}

export function signFormToken(key: Buffer, postId: string, issuedAt: Date): string {
  const payload = `${issuedAt.getTime()}.${postId}`;
  return `${payload}.${mac(key, payload)}`;
}

export type FormTokenCheck = { ok: true; secondsSinceIssued: number } | { ok: false };

export function verifyFormToken(key: Buffer, token: string, postId: string, now: Date): FormTokenCheck {
  const match = /^([0-9]{1,15})\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match || match[2] !== postId) return { ok: false };
  const expected = Buffer.from(mac(key, `${match[1]}.${match[2]}`));
  const given = Buffer.from(match[3]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false };
  return { ok: true, secondsSinceIssued: (now.getTime() - Number(match[1])) / 1000 };
}
