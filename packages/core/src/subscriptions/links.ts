import { CONFIRMATION_TOKEN_TTL_SECONDS, MANAGE_TOKEN_TTL_SECONDS, createSubscriberToken } from './tokens';

/**
 * The absolute links a subscriber receives. One definition, used by the feed service (pages) and
 * the worker (mails), so a link in a mail always lands on the page that reads it.
 */
export function confirmationUrl(
  publicBaseUrl: string,
  key: Buffer,
  subscriber: { id: string; nonce: string },
  now: Date,
): string {
  const token = createSubscriberToken(key, {
    subscriberId: subscriber.id,
    purpose: 'confirm',
    nonce: subscriber.nonce,
    expiresAt: Math.floor(now.getTime() / 1000) + CONFIRMATION_TOKEN_TTL_SECONDS,
  });
  return `${publicBaseUrl}/subscribe/confirm?token=${token}`;
}

export interface ManageLinks {
  preferencesUrl: string;
  /** Both the page with one button and the RFC 8058 one-click POST target (List-Unsubscribe). */
  unsubscribeUrl: string;
}

/**
 * Preferences and unsubscribe links, bound to one subscription (the subscriber's `link_version`:
 * unsubscribing revokes them, a new subscription gets new ones) and working for
 * MANAGE_TOKEN_TTL_SECONDS from `now` (the mail's sending time).
 */
export function manageLinks(
  publicBaseUrl: string,
  key: Buffer,
  subscriber: { id: string; linkVersion: number },
  now: Date,
): ManageLinks {
  const token = createSubscriberToken(key, {
    subscriberId: subscriber.id,
    purpose: 'manage',
    version: subscriber.linkVersion,
    expiresAt: Math.floor(now.getTime() / 1000) + MANAGE_TOKEN_TTL_SECONDS,
  });
  return {
    preferencesUrl: `${publicBaseUrl}/preferences?token=${token}`,
    unsubscribeUrl: `${publicBaseUrl}/unsubscribe?token=${token}`,
  };
}
