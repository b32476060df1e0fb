import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Links in reply-notification mails: `<comment id>.<hmac>`, one purpose per link. They do not
 * expire: confirming twice or unsubscribing twice changes nothing, and a link in an old mail
 * must still stop the mails (RFC 8058 one-click).
 */
export type ReplyLinkPurpose = 'confirm' | 'unsubscribe';

function mac(key: Buffer, purpose: ReplyLinkPurpose, commentId: string): string {
  return createHmac('sha256', key).update(`comment-replies:${purpose}:${commentId}`).digest('base64url');
}

export function signReplyLink(key: Buffer, purpose: ReplyLinkPurpose, commentId: string): string {
  return `${commentId}.${mac(key, purpose, commentId)}`;
}

/** The comment id the token names, or null when it was not made by us for this purpose. */
export function verifyReplyLink(key: Buffer, purpose: ReplyLinkPurpose, token: unknown): string | null {
  if (typeof token !== 'string') return null;
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const expected = Buffer.from(mac(key, purpose, match[1]!));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? match[1]! : null;
}

export function replyNotificationUrls(
  publicBaseUrl: string,
  key: Buffer,
  commentId: string,
): { confirmUrl: string; unsubscribeUrl: string } {
  return {
    confirmUrl: `${publicBaseUrl}/comments/notifications/confirm?token=${signReplyLink(key, 'confirm', commentId)}`,
    unsubscribeUrl: `${publicBaseUrl}/comments/notifications/unsubscribe?token=${signReplyLink(key, 'unsubscribe', commentId)}`,
  };
}
