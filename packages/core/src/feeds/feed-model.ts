import { parseRfc3339, type Timestamp } from '../dates';

/**
 * What the feed renderers consume: one page of one feed (site-wide, a tag, a category or an
 * author), already selected, ordered and limited by the caller. The three renderers turn the
 * same FeedDocument into RSS 2.0, Atom 1.0 and JSON Feed 1.1; only `links` differ per format.
 */

export interface FeedItemAuthor {
  name: string;
  /** Our author page. */
  url: string;
}

export interface FeedTerm {
  slug: string;
  name: string;
}

export interface FeedRelatedLink {
  /** The related post's own item id (`urn:uuid:…`). */
  id: string;
  url: string;
  title: string;
}

export interface FeedItem {
  /** Permanent and globally unique, `urn:uuid:<post uuid>`: the same in every feed and format. */
  id: string;
  /** Our permalink page. */
  url: string;
  /** canonical_url of a syndicated original, when it differs from `url`. */
  externalUrl: string | null;
  /** Plain text. */
  title: string;
  /** Already sanitized HTML. */
  contentHtml: string;
  /** Plain-text excerpt. */
  summary: string;
  author: FeedItemAuthor;
  tags: FeedTerm[];
  category: FeedTerm | null;
  /** RFC 3339 with the author's offset, e.g. 2025-01-27T18:00:00-03:00. */
  published: string;
  /** RFC 3339 UTC. */
  updated: string;
  /** Featured image, absolute URL. */
  image: string | null;
  /** Only http(s) URLs are rendered; anything else is dropped. */
  related: FeedRelatedLink[];
  /** Readers' comments: how many are published, and the post's comment feed (RSS slash:comments, wfw:commentRss). */
  comments?: { count: number; feedUrl: string };
}

/**
 * URLs of the format being rendered (`self` of the Atom rendering is the .atom URL).
 * Pagination follows RFC 5005 and the list is newest first, so `next` and `prevArchive` both
 * point at older items: `next`/`previous`/`first` page through the current feed, `prevArchive`
 * points at an archive document.
 */
export interface FeedLinks {
  self: string;
  alternateHtml: string;
  first?: string;
  next?: string;
  previous?: string;
  prevArchive?: string;
  /** WebSub hub; when set, every format advertises it next to `self`. */
  hub?: string;
}

export interface FeedDocument {
  /** Stable feed id (Atom `<id>`), e.g. the feed's scope URL or a tag: URI. */
  id: string;
  title: string;
  description: string;
  /** BCP 47, e.g. "en". */
  language: string;
  /** Square icon: Atom <icon>, JSON Feed icon and favicon. */
  iconUrl?: string;
  /** The site's logo: RSS <image>, Atom <logo> (and the JSON Feed icon when there is no square icon). */
  logoUrl?: string;
  /** Page describing the `_careerfeed` JSON Feed extension (its `about`). */
  extensionAboutUrl: string;
  /** Newest first, already limited or paged. */
  items: FeedItem[];
  links: FeedLinks;
}

/** Content-Type header values for the three renderings. */
export const FEED_MEDIA_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
} as const;

/**
 * Atom requires a feed-level `<updated>` even with no entries. A fixed instant keeps the
 * renderers deterministic (same posts, same bytes, same ETag) instead of inventing "now".
 */
export const EMPTY_FEED_UPDATED = '1970-01-01T00:00:00Z';

/** Parses an item date; a malformed one is a caller bug, so it throws rather than emit "Invalid Date". */
export function parseFeedDate(value: string): Timestamp {
  const parsed = parseRfc3339(value);
  if (parsed === null) throw new TypeError(`feed item date is not RFC 3339: ${JSON.stringify(value)}`);
  return parsed;
}

/**
 * When the feed last changed: the latest `updated` among its items (an edited older post counts),
 * or null for an empty feed. RSS lastBuildDate, Atom `<updated>` and the HTTP Last-Modified come
 * from here, never from the clock. It is computed rather than passed in because the renderers
 * can then not disagree with their own items.
 */
export function feedUpdated(doc: FeedDocument): string | null {
  let newest: Timestamp | null = null;
  for (const item of doc.items) {
    const updated = parseFeedDate(item.updated);
    if (newest === null || updated.epochMs > newest.epochMs) newest = updated;
  }
  return newest?.local ?? null;
}
