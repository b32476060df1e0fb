import { topicKey, topicLabel } from '@careerfeed/core';
import type {
  AuthorView,
  FeedLinkView,
  IndexPageView,
  JsonFeedExtensionPageView,
  ListPageView,
  PaginationView,
  PostPageView,
  PostSummaryView,
  SiteView,
} from '@careerfeed/core';
import { embedSnippet, themeUrl } from '@careerfeed/core';
import { type Db } from '@careerfeed/db';
import { readSite, postUrl, siteDirection } from '@careerfeed/posts';
import { type FeedScope, feedUrl, scopePath } from '@careerfeed/jobs';
import {
  FEED_FILES,
  type FeedFormat,
  type FeedPostRow,
  JSON_FEED_EXTENSION_PATH,
  feedsRepository as feedsRepo,
} from '@careerfeed/feeds';
import {
  type CommentsSectionView,
  approvedCommentsOfPost,
  buildThreads,
  issueFormToken,
  renderCommentsSection,
} from '@careerfeed/comments';
import * as repo from './pages.repository';

export interface PagesDeps {
  db: Db;
  publicBaseUrl: string;
  now?: (() => Date) | undefined;
  /** The comment form's signing key (settings `comment-token-key`); without it, no comments section. */
  commentTokenKey?: (() => Promise<Buffer>) | undefined;
}

/** What the comments section of a post page shows besides the threads (see comments.routes.ts). */
export type CommentFormState = Omit<CommentsSectionView, 'slug' | 'language' | 'threads' | 'formToken' | 'feedUrl'>;

export type ListScope = Extract<FeedScope, { kind: 'tag' | 'category' | 'author' }>;

/** Posts per list page: a phone screen or two; the feeds carry more. */
export const PAGE_SIZE = 10;

const FORMAT_NAMES: Record<FeedFormat, string> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' };

function nowUtc(deps: PagesDeps): string {
  return (deps.now?.() ?? new Date()).toISOString();
}

/** A topic's page: the tag and the category of one slug together. */
export function topicPageUrl(base: string, slug: string): string {
  return `${base}/topics/${encodeURIComponent(slug)}/`;
}

/** The page of a scope: '/' for the site, '/tags/x/' (the base of its feeds) for the others. */
function scopeUrl(base: string, scope: FeedScope): string {
  return `${base}${scopePath(scope)}/`;
}

export function feedLinks(base: string, scope: FeedScope, title: string): FeedLinkView[] {
  return (Object.keys(FEED_FILES) as FeedFormat[]).map((format) => ({
    format,
    title: `${title} (${FORMAT_NAMES[format]})`,
    url: feedUrl(base, scope, format),
  }));
}

export function pageUrl(url: string, page: number): string {
  return page > 1 ? `${url}?page=${page}` : url;
}

/** Stored links are a JSON object written by the ingest API; anything else shows as no links. */
function parseLinks(json: string): Record<string, string> {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

export async function buildSiteView(deps: PagesDeps): Promise<SiteView> {
  const site = await readSite(deps.db.kysely);
  const base = deps.publicBaseUrl;
  return {
    title: site.title,
    description: site.description,
    language: site.language,
    dir: siteDirection(site),
    ...(site.logoUrl ? { logoUrl: site.logoUrl } : {}),
    themeUrl: themeUrl(base, site),
    homeUrl: `${base}/`,
    feeds: feedLinks(base, { kind: 'site' }, site.title),
  };
}

function summary(base: string, row: FeedPostRow): PostSummaryView {
  return {
    title: row.title,
    url: postUrl(base, row.slug),
    excerpt: row.excerpt,
    published: row.published_at,
    author: { name: row.author_name, url: `${base}/authors/${encodeURIComponent(row.author_slug)}/` },
  };
}

/**
 * One page of a scope's visible posts, or null when that page does not exist: page 1 always
 * exists (possibly empty), a later page only when it holds posts.
 */
export async function pageOfPosts(
  deps: PagesDeps,
  scope: FeedScope,
  page: number,
  url: string,
): Promise<{ posts: PostSummaryView[]; pagination: PaginationView } | null> {
  // One row more than the page tells whether an older page exists.
  const rows = await feedsRepo.findFeedPosts(deps.db.kysely, scope, {
    nowUtc: nowUtc(deps),
    limit: PAGE_SIZE + 1,
    offset: (page - 1) * PAGE_SIZE,
  });
  if (page > 1 && rows.length === 0) return null;
  return {
    posts: rows.slice(0, PAGE_SIZE).map((row) => summary(deps.publicBaseUrl, row)),
    pagination: {
      page,
      ...(page > 1 ? { newerUrl: pageUrl(url, page - 1) } : {}),
      ...(rows.length > PAGE_SIZE ? { olderUrl: pageUrl(url, page + 1) } : {}),
    },
  };
}

export async function buildIndexPage(deps: PagesDeps, page: number): Promise<IndexPageView | null> {
  const site = await buildSiteView(deps);
  const listing = await pageOfPosts(deps, { kind: 'site' }, page, site.homeUrl);
  if (!listing) return null;
  return { site, url: pageUrl(site.homeUrl, page), ...listing, emailSubscribeUrl: `${deps.publicBaseUrl}/subscribe` };
}

/** A tag, category or author page; null when the scope is unknown or the page past the end. */
export async function buildListPage(deps: PagesDeps, scope: ListScope, page: number): Promise<ListPageView | null> {
  const db = deps.db.kysely;
  const base = deps.publicBaseUrl;
  const url = scopeUrl(base, scope);
  let name: string;
  let author: AuthorView | undefined;
  if (scope.kind === 'author') {
    const profile = await repo.findAuthorProfile(db, scope.slug);
    if (!profile) return null;
    name = profile.name;
    author = { name: profile.name, url, bio: profile.bio, links: parseLinks(profile.links) };
  } else {
    if (!(await feedsRepo.scopeExists(db, scope))) return null;
    // Categories are stored as slugs and have no display name of their own.
    name = scope.kind === 'tag' ? ((await feedsRepo.findTagName(db, scope.slug)) ?? scope.slug) : scope.slug;
  }
  const [site, listing] = await Promise.all([buildSiteView(deps), pageOfPosts(deps, scope, page, url)]);
  if (!listing) return null;
  const what = { tag: `posts tagged ${name}`, category: `${name} posts`, author: `posts by ${name}` }[scope.kind];
  return {
    site,
    kind: scope.kind,
    name,
    url: pageUrl(url, page),
    feeds: feedLinks(base, scope, `${site.title}: ${what}`),
    ...listing,
    ...(author ? { author } : {}),
    embedSnippet: embedSnippet(base, scope.kind === 'author' ? { author: scope.slug } : { topic: scope.slug }),
    ...(scope.kind === 'author' ? {} : { topicUrl: topicPageUrl(base, scope.slug) }),
  };
}

/** The comments section of a post page: approved threads and a freshly signed form. */
async function commentsSection(
  deps: PagesDeps,
  post: { id: string; slug: string },
  language: string,
  form: CommentFormState,
): Promise<string | undefined> {
  const tokenKey = deps.commentTokenKey;
  if (!tokenKey) return undefined;
  const commentsDeps = { db: deps.db, publicBaseUrl: deps.publicBaseUrl, now: deps.now, tokenKey };
  const [comments, formToken] = await Promise.all([
    approvedCommentsOfPost(commentsDeps, post.id),
    issueFormToken(commentsDeps, post.id),
  ]);
  return renderCommentsSection({
    slug: post.slug,
    language,
    threads: buildThreads(comments),
    formToken,
    feedUrl: `${postUrl(deps.publicBaseUrl, post.slug)}/comments/feed.xml`,
    ...form,
  });
}

export async function buildPostPage(
  deps: PagesDeps,
  slug: string,
  commentForm: CommentFormState = {},
): Promise<PostPageView | null> {
  const db = deps.db.kysely;
  const base = deps.publicBaseUrl;
  const now = nowUtc(deps);
  const row = await repo.findVisiblePostBySlug(db, slug, now);
  if (!row) return null;
  const [site, terms, related] = await Promise.all([
    buildSiteView(deps),
    feedsRepo.findTermsOfPosts(db, [row.id]),
    // Only visible related posts: a link to a draft would be a link to a 404.
    feedsRepo.findRelatedLinks(db, [row.id], now),
  ]);
  const url = postUrl(base, row.slug);
  const tags = terms.get(row.id) ?? [];
  const categoryLabel = row.category ? topicLabel(row.category, tags.find((t) => t.slug === row.category)?.name) : '';
  // The email box offers the post's category, else its first tag.
  const firstTag = tags[0];
  const boxTopic = row.category
    ? { slug: row.category, label: categoryLabel }
    : firstTag
      ? { slug: firstTag.slug, label: topicLabel(firstTag.slug, firstTag.name) }
      : null;
  return {
    site,
    post: {
      title: row.title,
      html: row.html,
      excerpt: row.excerpt,
      url,
      canonicalUrl: row.canonical_url ?? url,
      image: row.image,
      published: row.published_at,
      updated: row.updated_at,
      author: {
        name: row.author_name,
        url: `${base}/authors/${encodeURIComponent(row.author_slug)}/`,
        bio: row.author_bio,
        links: parseLinks(row.author_links),
      },
      // Tags and the category link to their topic: all posts of that word, however they were filed.
      tags: tags.map((t) => ({ title: t.name, url: topicPageUrl(base, t.slug) })),
      category: row.category ? { title: categoryLabel, url: topicPageUrl(base, row.category) } : null,
    },
    related: (related.get(row.id) ?? []).map((r) => ({ title: r.title, url: postUrl(base, r.slug) })),
    oembedUrl: `${base}/oembed?url=${encodeURIComponent(url)}&format=json`,
    subscribe: {
      subscribeUrl: boxTopic ? `${base}/subscribe?topic=${encodeURIComponent(boxTopic.slug)}` : `${base}/subscribe`,
      topics: boxTopic ? [{ key: topicKey('topic', boxTopic.slug), label: boxTopic.label }] : [],
    },
    ...optional('commentsHtml', await commentsSection(deps, row, site.language, commentForm)),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export async function buildJsonFeedExtensionPage(deps: PagesDeps): Promise<JsonFeedExtensionPageView> {
  const site = await buildSiteView(deps);
  return {
    site,
    url: `${deps.publicBaseUrl}${JSON_FEED_EXTENSION_PATH}`,
    jsonFeedUrl: `${deps.publicBaseUrl}/${FEED_FILES.json}`,
  };
}
