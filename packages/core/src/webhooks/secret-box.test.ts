import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  WebhookSecretError,
  generateWebhookSecret,
  isSealedWebhookSecret,
  openWebhookSecret,
  sealWebhookSecret,
  webhookHeaders,
  webhookSecretsKeyId,
} from './index';

const DEST = '0190a1b2-0000-7e5f-8a9b-00000000000a';
const OTHER = '0190a1b2-0000-7e5f-8a9b-00000000000b';

describe('webhook secrets at rest', () => {
  const key = randomBytes(32);

  test('when a secret is sealed, then the stored value names the key, holds no part of the secret, and opens to it', () => {
    const secret = generateWebhookSecret();
    const sealed = sealWebhookSecret(key, DEST, secret);
    expect(isSealedWebhookSecret(sealed)).toBe(true);
    expect(sealed.startsWith(`enc:v1:${webhookSecretsKeyId(key)}:`)).toBe(true);
    expect(sealed).not.toContain(secret.slice('whsec_'.length, 20));
    expect(sealed).not.toContain(Buffer.from(secret.slice(6), 'base64').toString('base64url').slice(0, 12));
    // A fresh IV each time: the same secret never seals to the same value.
    expect(sealWebhookSecret(key, DEST, secret)).not.toBe(sealed);
    expect(openWebhookSecret(key, DEST, sealed)).toBe(secret);
  });

  test('when the key is another one, then opening fails with an error naming WEBHOOK_SECRETS_KEY, not garbage', () => {
    const sealed = sealWebhookSecret(key, DEST, generateWebhookSecret());
    expect(() => openWebhookSecret(randomBytes(32), DEST, sealed)).toThrow(WebhookSecretError);
    expect(() => openWebhookSecret(randomBytes(32), DEST, sealed)).toThrow(/another WEBHOOK_SECRETS_KEY/);
  });

  test('when the value is tampered with or moved to another destination, then opening fails', () => {
    const sealed = sealWebhookSecret(key, DEST, generateWebhookSecret());
    expect(() => openWebhookSecret(key, OTHER, sealed)).toThrow(WebhookSecretError);
    const parts = sealed.split(':');
    const ciphertext = Buffer.from(parts[4]!, 'base64url');
    ciphertext[0] = ciphertext[0]! ^ 1;
    parts[4] = ciphertext.toString('base64url');
    expect(() => openWebhookSecret(key, DEST, parts.join(':'))).toThrow(WebhookSecretError);
    expect(() => openWebhookSecret(key, DEST, 'enc:v1:nonsense')).toThrow(WebhookSecretError);
    expect(() => openWebhookSecret(key, DEST, 'something else')).toThrow(WebhookSecretError);
  });

  test('when a stored value predates encryption (whsec_…), then it is read as it is', () => {
    const secret = generateWebhookSecret();
    expect(isSealedWebhookSecret(secret)).toBe(false);
    expect(openWebhookSecret(key, DEST, secret)).toBe(secret);
  });
});

describe('signing with two secrets during a rotation', () => {
  test('when headers are signed with the new and the old secret, then the official verifier accepts either, and not a third', () => {
    const [fresh, old] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = '{"type":"share.payload.created"}';
    const headers = webhookHeaders([fresh, old], 'msg_rot', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(fresh).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(old).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });
});
