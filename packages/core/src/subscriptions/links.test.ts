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

  it('builds preferences and unsubscribe links with a manage token that does not expire', () => {
    const links = manageLinks('https://careers.example.edu', key, 's1');
    expect(new URL(links.preferencesUrl).pathname).toBe('/preferences');
    expect(new URL(links.unsubscribeUrl).pathname).toBe('/unsubscribe');
    const check = verifySubscriberToken(key, tokenOf(links.unsubscribeUrl), 'manage', new Date('2099-01-01T00:00:00Z'));
    expect(check.ok && check.token.subscriberId).toBe('s1');
  });
});
