import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Webhook destination secrets at rest: AES-256-GCM under WEBHOOK_SECRETS_KEY, bound to the
 * destination's id (additional authenticated data), so a sealed value copied onto another row does
 * not open. Stored as `enc:v1:<key id>:<iv>:<ciphertext>:<tag>` (base64url parts); the key id is
 * the first 8 hex digits of SHA-256 of the key, so "encrypted under another key" can be told apart
 * from "damaged". A value starting with `whsec_` is a secret stored before encryption (legacy
 * plaintext); services seal those at startup.
 */

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const KEY_BYTES = 32;

export class WebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSecretError';
  }
}

/** Short, non-secret fingerprint of a key: names it in stored values and error messages. */
export function webhookSecretsKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new WebhookSecretError(`the webhook secrets key must be ${KEY_BYTES} bytes`);
}

function aad(destinationId: string): Buffer {
  return Buffer.from(`careerfeed webhook secret\n${destinationId}`, 'utf8');
}

export function isSealedWebhookSecret(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** Encrypts a destination's secret for its row. */
export function sealWebhookSecret(key: Buffer, destinationId: string, secret: string): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(destinationId));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `${PREFIX}${webhookSecretsKeyId(key)}:${iv.toString('base64url')}:${ciphertext.toString('base64url')}:${tag.toString('base64url')}`;
}

/**
 * The secret of a row: decrypted, or as stored when it predates encryption. Throws
 * WebhookSecretError — never returns garbage — when the value was sealed under another key, for
 * another destination, or is damaged.
 */
export function openWebhookSecret(key: Buffer, destinationId: string, stored: string): string {
  if (stored.startsWith('whsec_')) return stored;
  assertKey(key);
  const parts = stored.startsWith(PREFIX) ? stored.slice(PREFIX.length).split(':') : [];
  if (parts.length !== 4) {
    throw new WebhookSecretError(`the stored secret of webhook ${destinationId} is neither encrypted nor a whsec_ secret`);
  }
  const [keyId, iv, ciphertext, tag] = parts as [string, string, string, string];
  const currentKeyId = webhookSecretsKeyId(key);
  if (keyId !== currentKeyId) {
    throw new WebhookSecretError(
      `the secret of webhook ${destinationId} was encrypted under another WEBHOOK_SECRETS_KEY (key id ${keyId}; ` +
        `the configured key is ${currentKeyId}): set the key it was encrypted with`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad(destinationId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new WebhookSecretError(
      `the secret of webhook ${destinationId} does not decrypt with WEBHOOK_SECRETS_KEY (damaged, or sealed for another destination)`,
    );
  }
}
