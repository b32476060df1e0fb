import crypto from 'node:crypto';
import { createSubscriberToken, verifySubscriberToken } from './tokens';

const key = crypto.randomBytes(32);

describe('subscriber tokens', () => {
  it('round-trips a manage token', () => {
    const raw = createSubscriberToken(key, { subscriberId: 'sub-1', purpose: 'manage' });
    expect(verifySubscriberToken(key, raw, 'manage')).toEqual({
      ok: true,
      token: { subscriberId: 'sub-1', purpose: 'manage', nonce: undefined, expiresAt: undefined },
    });
  });

  it('refuses a token signed with another key', () => {
    const raw = createSubscriberToken(crypto.randomBytes(32), { subscriberId: 'sub-1', purpose: 'manage' });
    expect(verifySubscriberToken(key, raw, 'manage')).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a tampered payload', () => {
    const raw = createSubscriberToken(key, { subscriberId: 'sub-1', purpose: 'manage' });
    const [, signature] = raw.split('.');
    const forged = Buffer.from(JSON.stringify({ s: 'sub-2', p: 'manage' })).toString('base64url');
    expect(verifySubscriberToken(key, `${forged}.${signature}`, 'manage')).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('refuses a token used for another purpose', () => {
    const raw = createSubscriberToken(key, { subscriberId: 'sub-1', purpose: 'confirm', nonce: 'n' });
    expect(verifySubscriberToken(key, raw, 'manage')).toEqual({ ok: false, reason: 'wrong-purpose' });
  });

  it('expires a confirmation token at its expiry instant', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const expiresAt = now.getTime() / 1000 + 60;
    const raw = createSubscriberToken(key, { subscriberId: 's', purpose: 'confirm', nonce: 'n', expiresAt });
    expect(verifySubscriberToken(key, raw, 'confirm', new Date(now.getTime() + 59_000)).ok).toBe(true);
    expect(verifySubscriberToken(key, raw, 'confirm', new Date(now.getTime() + 60_000))).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it.each([undefined, '', 'abc', 'a.b.c', 'ä.b', 'x'.repeat(600), 42])('calls %p malformed', (raw) => {
    expect(verifySubscriberToken(key, raw, 'manage')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('carries a manage token\'s link version, and refuses a version that is not a whole number', () => {
    const raw = createSubscriberToken(key, { subscriberId: 's', purpose: 'manage', version: 2, expiresAt: 4_000_000_000 });
    expect(verifySubscriberToken(key, raw, 'manage')).toEqual({
      ok: true,
      token: { subscriberId: 's', purpose: 'manage', version: 2, expiresAt: 4_000_000_000 },
    });
    for (const v of [-1, 1.5, '2']) {
      const payload = Buffer.from(JSON.stringify({ s: 's', p: 'manage', v })).toString('base64url');
      const signature = crypto.createHmac('sha256', key).update(payload).digest('base64url');
      expect(verifySubscriberToken(key, `${payload}.${signature}`, 'manage')).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
