import {
  FEED_MEDIA_TYPES,
  type FeedDocument,
  type FeedItem,
  feedUpdated,
  parseFeedDate,
  renderAtom,
  renderJsonFeed,
  renderRss,
  topicLabel,
} from '@careerfeed/core';
import { type Db } from '@careerfeed/db';
import { readSite, postUrl } from '@careerfeed/posts';
import {
  DEFAULT_FEED_LIMIT,
  FEED_FILES,
  type FeedFormat,
  feedUrl as absoluteFeedUrl,
  type FeedScope,
  scopeKey,
  scopePath,
} from '@careerfeed/jobs';
import { countApprovedComments } from '@careerfeed/comments';
import * as repo from './feeds.repository';

export { FEED_FILES, type FeedFormat };
const RENDERERS: Record<FeedFormat, (doc: FeedDocument) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};

/** The page documenting the `_careerfeed` JSON Feed extension (served by the pages router). */
export const JSON_FEED_EXTENSION_PATH = '/about/json-feed-extension';

export const DEFAULT_LIMIT = DEFAULT_FEED_LIMIT;
export const MAX_LIMIT = 100;

export interface FeedsDeps {
  db: Db;
  publicBaseUrl: string;
  websubHubUrl?: string | undefined;
  now?: () => Date;
}

export interface FeedRequest {
  scope: FeedScope;
  format: FeedFormat;
  limit: number;
  page: number;
}

export interface RenderedFeed {
  contentType: string;
  body: string;
  lastModifiedMs: number | null;
  scopeKey: string;
}

/** Renders one page of one feed, or returns null when the scope or page does not exist (a 404). */
export async function renderFeed(deps: FeedsDeps, request: FeedRequest): Promise<RenderedFeed | null> {
  const doc = await buildFeedDocument(deps, request);
  if (!doc) return null;
  const updated = feedUpdated(doc);
  return {
    contentType: FEED_MEDIA_TYPES[request.format],
    body: RENDERERS[request.format](doc),
    lastModifiedMs: updated ? parseFeedDate(updated).epochMs : null,
    scopeKey: scopeKey(request.scope),
  };
}

export async function buildFeedDocument(deps: FeedsDeps, request: FeedRequest): Promise<FeedDocument | null> {
  const db = deps.db.kysely;
  const { scope, format, limit, page } = request;
  if (!(await repo.scopeExists(db, scope))) return null;
  const nowUtc = (deps.now?.() ?? new Date()).toISOString();
  // One row more than the page tells whether an older page exists.
  const rows = await repo.findFeedPosts(db, scope, { nowUtc, limit: limit + 1, offset: (page - 1) * limit });
  if (page > 1 && rows.length === 0) return null;
  const pageRows = rows.slice(0, limit);
  const ids = pageRows.map((row) => row.id);
  const [site, terms, related, scopeName, commentCounts] = await Promise.all([
    readSite(db),
    repo.findTermsOfPosts(db, ids),
    repo.findRelatedLinks(db, ids, nowUtc),
    scopeTitle(db, scope),
    countApprovedComments(db, ids),
  ]);

  const base = deps.publicBaseUrl;
  // The same definition the worker's WebSub pings use for the topic (page 1, default limit).
  const feedUrl = (p: number) => absoluteFeedUrl(base, scope, format, { limit, page: p });
  const items: FeedItem[] = pageRows.map((row) => ({
    id: itemId(row.id),
    url: postUrl(base, row.slug),
    externalUrl: row.canonical_url && row.canonical_url !== postUrl(base, row.slug) ? row.canonical_url : null,
    title: row.title,
    contentHtml: row.html,
    summary: row.excerpt,
    author: { name: row.author_name, url: `${base}/authors/${encodeURIComponent(row.author_slug)}` },
    tags: terms.get(row.id) ?? [],
    category: row.category ? { slug: row.category, name: row.category } : null,
    published: row.published_at,
    updated: row.updated_at,
    image: row.image,
    related: (related.get(row.id) ?? []).map((r) => ({ id: itemId(r.id), url: postUrl(base, r.slug), title: r.title })),
    comments: { count: commentCounts.get(row.id) ?? 0, feedUrl: `${postUrl(base, row.slug)}/comments/feed.xml` },
  }));

  return {
    id: `${base}${scopePath(scope)}/`,
    title: scopeName ? `${site.title}: ${scopeName}` : site.title,
    description: site.description,
    language: site.language,
    ...(site.iconUrl ? { iconUrl: site.iconUrl } : {}),
    ...(site.logoUrl ? { logoUrl: site.logoUrl } : {}),
    extensionAboutUrl: `${base}${JSON_FEED_EXTENSION_PATH}`,
    items,
    links: {
      self: feedUrl(page),
      alternateHtml: `${base}${scopePath(scope)}/`,
      first: feedUrl(1),
      ...(rows.length > limit ? { next: feedUrl(page + 1) } : {}),
      ...(page > 1 ? { previous: feedUrl(page - 1) } : {}),
      ...(deps.websubHubUrl ? { hub: deps.websubHubUrl } : {}),
    },
  };
}

/** The id of a post in every feed and format, forever: its UUID, independent of domain and slug. */
export function itemId(postId: string): string {
  return `urn:uuid:${postId}`;
}

async function scopeTitle(db: Db['kysely'], scope: FeedScope): Promise<string | undefined> {
  switch (scope.kind) {
    case 'site':
      return undefined;
    case 'tag':
      return `posts tagged ${(await repo.findTagName(db, scope.slug)) ?? scope.slug}`;
    case 'category':
      return `${scope.slug} posts`;
    case 'topic':
      return `posts about ${topicLabel(scope.slug, await repo.findTagName(db, scope.slug))}`;
    case 'author':
      return `posts by ${(await repo.findAuthorName(db, scope.slug)) ?? scope.slug}`;
  }
}
