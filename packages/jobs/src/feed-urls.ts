/**
 * Where each feed lives: one definition shared by the feed service (its `self` links, feed
 * discovery on pages) and the worker (WebSub publish pings), so a hub is told about exactly the
 * URL subscribers found in `rel="self"`.
 */

/** Which posts a feed holds. Its key names it in caches and invalidation messages. */
export type FeedScope =
  | { kind: 'site' }
  | { kind: 'tag'; slug: string }
  | { kind: 'category'; slug: string }
  /** A reader's topic: the tag and the category of this slug together (their posts' union). */
  | { kind: 'topic'; slug: string }
  | { kind: 'author'; slug: string };

/** The scopes other than the site, which have a slug. */
export type ListScopeKind = Exclude<FeedScope['kind'], 'site'>;

export type FeedFormat = 'rss' | 'atom' | 'json';

export const FEED_FILES: Readonly<Record<FeedFormat, string>> = Object.freeze({
  rss: 'feed.xml',
  atom: 'feed.atom',
  json: 'feed.json',
});

export const FEED_FORMATS: readonly FeedFormat[] = Object.freeze(['rss', 'atom', 'json'] as const);

/** Items per page when the request names no limit; only other limits appear in feed URLs. */
export const DEFAULT_FEED_LIMIT = 20;

/** "site", "tag:<slug>", "category:<slug>", "topic:<slug>", "author:<slug>" (see `feedScopesOfPost`). */
export function scopeKey(scope: FeedScope): string {
  return scope.kind === 'site' ? 'site' : `${scope.kind}:${scope.slug}`;
}

/** The scope a key names, or undefined for "*" (everything) and anything unknown. */
export function parseScopeKey(key: string): FeedScope | undefined {
  if (key === 'site') return { kind: 'site' };
  const colon = key.indexOf(':');
  if (colon < 0) return undefined;
  const kind = key.slice(0, colon);
  const slug = key.slice(colon + 1);
  if (slug === '') return undefined;
  if (kind === 'tag' || kind === 'category' || kind === 'topic' || kind === 'author') return { kind, slug };
  return undefined;
}

/** Path prefix of a scope's feeds and page: '' for the site, '/tags/x' for a tag, and so on. */
export function scopePath(scope: FeedScope): string {
  switch (scope.kind) {
    case 'site':
      return '';
    case 'tag':
      return `/tags/${encodeURIComponent(scope.slug)}`;
    case 'category':
      return `/categories/${encodeURIComponent(scope.slug)}`;
    case 'topic':
      return `/topics/${encodeURIComponent(scope.slug)}`;
    case 'author':
      return `/authors/${encodeURIComponent(scope.slug)}`;
  }
}

/**
 * The absolute URL of one page of one feed, as its `self` link: `limit` and `page` appear only
 * when they differ from the defaults, so the first page at the default limit (the WebSub topic)
 * is the bare `{base}{scope}/feed.{ext}`. `publicBaseUrl` has no trailing slash.
 */
export function feedUrl(
  publicBaseUrl: string,
  scope: FeedScope,
  format: FeedFormat,
  paging: { limit?: number; page?: number } = {},
): string {
  const query = new URLSearchParams();
  if (paging.limit !== undefined && paging.limit !== DEFAULT_FEED_LIMIT) query.set('limit', String(paging.limit));
  if (paging.page !== undefined && paging.page > 1) query.set('page', String(paging.page));
  const qs = query.toString();
  return `${publicBaseUrl}${scopePath(scope)}/${FEED_FILES[format]}${qs ? `?${qs}` : ''}`;
}

/**
 * The WebSub topics of the feeds a change touched: every format of every scope, in the order of
 * the scopes, without duplicates. Keys that name no single feed ("*", unknown) are skipped: a hub
 * is told about feeds, and "everything" is not one.
 */
export function feedUrlsOfScopes(publicBaseUrl: string, scopeKeys: Iterable<string>): string[] {
  const urls = new Set<string>();
  for (const key of scopeKeys) {
    const scope = parseScopeKey(key);
    if (!scope) continue;
    for (const format of FEED_FORMATS) urls.add(feedUrl(publicBaseUrl, scope, format));
  }
  return [...urls];
}
