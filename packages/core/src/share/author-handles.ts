import type { Network } from './share.types';

/**
 * An author's handle per network, derived from the `links` of their profile (name → handle or
 * URL, as authors write them). Only forms that unambiguously name an account are used; anything
 * else is left out, so a payload says nothing rather than "via @" someone else.
 * - x / twitter: `@jdoe`, `jdoe`, `https://x.com/jdoe`, `https://twitter.com/jdoe` → `jdoe`
 * - mastodon: `@user@instance`, `user@instance`, `https://instance/@user` → `user@instance`
 * - bluesky: `handle.bsky.social`, `@handle`, `https://bsky.app/profile/handle` → `handle`
 * - threads: `@jdoe`, `https://www.threads.net/@jdoe` (or threads.com) → `jdoe`
 * LinkedIn and Facebook have no handle that becomes a mention in plain text, so none is derived.
 */
export function authorHandlesFromLinks(links: Readonly<Record<string, string>>): Partial<Record<Network, string>> {
  const handles: Partial<Record<Network, string>> = {};
  const x = xHandle(links.x ?? links.twitter);
  if (x) handles.x = x;
  const mastodon = mastodonHandle(links.mastodon);
  if (mastodon) handles.mastodon = mastodon;
  const bluesky = blueskyHandle(links.bluesky ?? links.bsky);
  if (bluesky) handles.bluesky = bluesky;
  const threads = threadsHandle(links.threads);
  if (threads) handles.threads = threads;
  return handles;
}

// X: 1-15 letters, digits, underscores.
const X_NAME = /^[A-Za-z0-9_]{1,15}$/;
// Mastodon usernames: letters, digits, underscores (dots and dashes inside on some servers).
const MASTODON_USER = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const THREADS_NAME = /^[A-Za-z0-9_.]{1,30}$/;

function parseUrl(value: string): URL | undefined {
  if (!/^https?:\/\//i.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function firstPathSegment(url: URL): string {
  return decodeURIComponent(url.pathname.split('/').filter((s) => s !== '')[0] ?? '');
}

function xHandle(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const url = parseUrl(value.trim());
  const name = url
    ? ['x.com', 'www.x.com', 'twitter.com', 'www.twitter.com', 'mobile.twitter.com'].includes(url.hostname)
      ? firstPathSegment(url)
      : ''
    : value.trim().replace(/^@/, '');
  return X_NAME.test(name) ? name : undefined;
}

function mastodonHandle(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const url = parseUrl(value.trim());
  if (url) {
    const segment = firstPathSegment(url);
    if (!segment.startsWith('@')) return undefined;
    const user = segment.slice(1);
    return MASTODON_USER.test(user) && HOSTNAME.test(url.hostname)
      ? `${user}@${url.hostname.toLowerCase()}`
      : undefined;
  }
  const match = /^@?([^@\s]+)@([^@\s]+)$/.exec(value.trim());
  if (!match) return undefined;
  const [, user, host] = match as unknown as [string, string, string];
  return MASTODON_USER.test(user) && HOSTNAME.test(host) ? `${user}@${host.toLowerCase()}` : undefined;
}

function blueskyHandle(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const url = parseUrl(value.trim());
  let handle: string;
  if (url) {
    const parts = url.pathname.split('/').filter((s) => s !== '');
    if (url.hostname !== 'bsky.app' || parts[0] !== 'profile' || !parts[1]) return undefined;
    handle = decodeURIComponent(parts[1]);
  } else {
    handle = value.trim().replace(/^@/, '');
  }
  // A handle is a domain name; a DID (did:plc:…) is not something readers can read.
  return HOSTNAME.test(handle) ? handle.toLowerCase() : undefined;
}

function threadsHandle(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const url = parseUrl(value.trim());
  let name: string;
  if (url) {
    if (!['threads.net', 'www.threads.net', 'threads.com', 'www.threads.com'].includes(url.hostname)) return undefined;
    const segment = firstPathSegment(url);
    if (!segment.startsWith('@')) return undefined;
    name = segment.slice(1);
  } else {
    name = value.trim().replace(/^@/, '');
  }
  return THREADS_NAME.test(name) ? name : undefined;
}
