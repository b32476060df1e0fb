import { httpUrl } from './html';

/** One entry of an author's `links`, ready to show: a link when we can build a safe one, else text. */
export interface AuthorLink {
  /** "LinkedIn", "Mastodon", or the network name as stored. */
  label: string;
  /** What the reader sees: a handle or a URL without its scheme. */
  text: string;
  /** Absolute http(s) URL, or null to show `text` without a link. */
  href: string | null;
}

const LABELS: Readonly<Record<string, string>> = {
  linkedin: 'LinkedIn',
  website: 'Website',
  mastodon: 'Mastodon',
  twitter: 'X (Twitter)',
  x: 'X',
  bluesky: 'Bluesky',
  github: 'GitHub',
  instagram: 'Instagram',
  youtube: 'YouTube',
  threads: 'Threads',
  email: 'Email',
};

// @user@host, the fediverse address form (the leading @ is what tells it from an email address,
// except under "mastodon"). The host must look like a DNS name: no port, no path, no userinfo, so
// the URL we build from it can only point at that host's profile page.
const FEDIVERSE_HANDLE =
  /^@?([A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?)@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)$/;
// X/Twitter handles: 1–15 letters, digits or underscores.
const X_HANDLE = /^@?([A-Za-z0-9_]{1,15})$/;
// Bluesky handles are domain names.
const BLUESKY_HANDLE = /^@?([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)$/;

/** A URL as people write it: no scheme, no trailing slash. */
function shortUrl(href: string): string {
  const url = new URL(href);
  const path = `${url.pathname}${url.search}`.replace(/\/$/, '');
  return `${url.host}${path}`;
}

/**
 * Turns stored author links (network → handle or URL, free text from the API) into what the author
 * box shows. Any absolute http(s) URL becomes a link; "@maya@mastodon.example" becomes
 * https://mastodon.example/@maya whatever the network is called (without the leading @, only under
 * "mastodon": "maya@example.edu" is an email address); an X/Twitter "@h" becomes
 * https://x.com/h and a Bluesky handle its bsky.app profile. Everything else (an email address,
 * a `javascript:` URL, a bare name) is shown as text, never as a link.
 */
export function describeAuthorLinks(links: Record<string, string>): AuthorLink[] {
  return Object.entries(links).map(([network, raw]) => {
    const value = raw.trim();
    const label = LABELS[network] ?? network;
    const url = httpUrl(value);
    if (url !== null) return { label, text: shortUrl(url), href: url };
    const fediverse = (value.startsWith('@') || network === 'mastodon') && FEDIVERSE_HANDLE.exec(value);
    if (fediverse) {
      const [, user, host] = fediverse;
      return { label, text: `@${user}@${host}`, href: httpUrl(`https://${host}/@${user}`) };
    }
    const x = (network === 'twitter' || network === 'x') && X_HANDLE.exec(value);
    if (x) return { label, text: `@${x[1]}`, href: `https://x.com/${x[1]}` };
    const bluesky = network === 'bluesky' && BLUESKY_HANDLE.exec(value);
    if (bluesky) return { label, text: `@${bluesky[1]}`, href: `https://bsky.app/profile/${bluesky[1]}` };
    return { label, text: value, href: null };
  });
}
