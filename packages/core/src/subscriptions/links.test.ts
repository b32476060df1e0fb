import crypto from 'node:crypto';
import { confirmationUrl, manageLinks } from './links';
import { verifySubscriberToken } from './tokens';

const key = crypto.randomBytes(32);
const tokenOf = (url: string): string | null => new URL(url).searchParams.get('token');

describe('subscriber links', () => {
  it('builds a confirmation link that expires 48 hours later and carries the nonce', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const url = confirmationUrl('https://careers.example.edu', key, { id: 's1', nonce: 'n1' }, now);
    expect(url.startsWith('https://careers.example.edu/subscribe/confirm?token=')).toBe(true);
    const check = verifySubscriberToken(key, tokenOf(url), 'confirm', now);
    expect(check).toEqual({
      ok: true,
      token: { subscriberId: 's1', purpose: 'confirm', nonce: 'n1', expiresAt: now.getTime() / 1000 + 48 * 3600 },
    });
    expect(verifySubscriberToken(key, tokenOf(url), 'confirm', new Date(now.getTime() + 48 * 3600_000)).ok).toBe(false);
  });

  it('builds preferences and unsubscribe links with a manage token bound to the link version, working for 90 days', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const links = manageLinks('https://careers.example.edu', key, { id: 's1', linkVersion: 3 }, now);
    expect(new URL(links.preferencesUrl).pathname).toBe('/preferences');
    expect(new URL(links.unsubscribeUrl).pathname).toBe('/unsubscribe');
    expect(tokenOf(links.preferencesUrl)).toBe(tokenOf(links.unsubscribeUrl));
    const day89 = new Date(now.getTime() + 89 * 86_400_000);
    expect(verifySubscriberToken(key, tokenOf(links.unsubscribeUrl), 'manage', day89)).toEqual({
      ok: true,
      token: { subscriberId: 's1', purpose: 'manage', version: 3, expiresAt: now.getTime() / 1000 + 90 * 86_400 },
    });
    const day90 = new Date(now.getTime() + 90 * 86_400_000);
    expect(verifySubscriberToken(key, tokenOf(links.unsubscribeUrl), 'manage', day90)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });
});
