import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Network } from '../share/share.types';

/**
 * The parts of the Standard Webhooks spec (https://www.standardwebhooks.com/, "Signature scheme")
 * we produce: message ids, secrets and signatures. Receivers verify with any Standard Webhooks
 * library; our tests do so with the official `standardwebhooks` package.
 */

const SECRET_PREFIX = 'whsec_';
/** The spec asks for 24 to 64 random bytes; 32 is HMAC-SHA256's own block-friendly size. */
const SECRET_BYTES = 32;

/** A new destination secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The key bytes of a secret: the base64 after `whsec_` (a secret without the prefix is read as base64 too). */
export function webhookSecretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/**
 * `v1,<base64 HMAC-SHA256 of "msgId.timestamp.body">`. `timestampSeconds` is the value of the
 * `webhook-timestamp` header (whole seconds since the epoch) and `body` the exact bytes sent.
 */
export function signWebhook(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', webhookSecretKey(secret)).update(`${msgId}.${timestampSeconds}.${body}`, 'utf8');
  return `v1,${mac.digest('base64')}`;
}

/**
 * The three headers of one attempt; the signature covers this attempt's timestamp. With several
 * secrets (during a rotation: the new one first, then the old one) `webhook-signature` carries one
 * space-separated `v1,…` entry per secret, as the spec allows: a receiver verifying with either
 * accepts the message.
 */
export function webhookHeaders(
  secrets: string | readonly string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new Error('a webhook is signed with at least one secret');
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': list.map((secret) => signWebhook(secret, msgId, timestampSeconds, body)).join(' '),
  };
}

/**
 * The message id of the share of one post on one network to one destination: the same inputs give
 * the same id, so a post event handled twice produces one message (it is also the BullMQ job id and
 * the delivery row's key). Receivers de-duplicate on it as the spec suggests. Hashed so it stays
 * short and carries no `:` (BullMQ's key separator).
 */
export function shareMessageId(destinationId: string, postId: string, network: Network): string {
  const digest = createHash('sha256').update(`share\n${destinationId}\n${postId}\n${network}`).digest('base64url');
  return `msg_${digest.slice(0, 32)}`;
}
