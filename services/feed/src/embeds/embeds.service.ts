import {
  type EmbedPostView,
  buildOEmbedResponse,
  isValidSlug,
  renderEmbedListPage,
  renderEmbedPostPage,
} from '@careerfeed/core';
import { type FeedPostRow, feedsRepository as feedsRepo } from '@careerfeed/feeds';
import { postUrl, readSite, siteDirection } from '@careerfeed/posts';
import type { PagesDeps } from '../pages/pages.service';
import { findAuthorProfile, findVisiblePostBySlug } from '../pages/pages.repository';
import { findEmbedPosts, findTopic } from './embeds.repository';

export type EmbedsDeps = PagesDeps;

/** What an embed shows: a topic's posts, an author's, or both filters at once. */
export interface EmbedFilter {
  topic?: string;
  author?: string;
}

export const EMBED_DEFAULT_LIMIT = 5;
export const EMBED_MAX_LIMIT = 20;

function nowUtc(deps: EmbedsDeps): string {
  return (deps.now?.() ?? new Date()).toISOString();
}

/**
 * The heading and the page on our site for a filter, or null when a slug names nothing (or is not
 * a slug at all: nothing stored can match `<b>`, so it is simply not found).
 */
async function describeFilter(
  deps: EmbedsDeps,
  filter: EmbedFilter,
): Promise<{ heading: string; moreUrl: string } | null> {
  const db = deps.db.kysely;
  const base = deps.publicBaseUrl;
  const parts: string[] = [];
  let moreUrl = `${base}/`;
  if (filter.author !== undefined) {
    if (!isValidSlug(filter.author)) return null;
    const author = await findAuthorProfile(db, filter.author);
    if (!author) return null;
    parts.push(`Posts by ${author.name}`);
    moreUrl = `${base}/authors/${encodeURIComponent(author.slug)}/`;
  }
  if (filter.topic !== undefined) {
    if (!isValidSlug(filter.topic)) return null;
    const topic = await findTopic(db, filter.topic);
    if (!topic) return null;
    parts.push(filter.author === undefined ? topic.name : `on ${topic.name}`);
    moreUrl = `${base}/${topic.kind === 'tag' ? 'tags' : 'categories'}/${encodeURIComponent(filter.topic)}/`;
  }
  return { heading: parts.length > 0 ? parts.join(' ') : 'Latest posts', moreUrl };
}

/** `/embed/posts.json`: what `<careerfeed-posts>` renders. Null when the topic or author is unknown. */
export async function buildEmbedFeed(deps: EmbedsDeps, filter: EmbedFilter, limit: number) {
  const described = await describeFilter(deps, filter);
  if (!described) return null;
  const db = deps.db.kysely;
  const [site, rows] = await Promise.all([
    readSite(db),
    findEmbedPosts(db, { ...filter, nowUtc: nowUtc(deps), limit }),
  ]);
  const terms = await feedsRepo.findTermsOfPosts(
    db,
    rows.map((row) => row.id),
  );
  const base = deps.publicBaseUrl;
  return {
    title: described.heading,
    home_page_url: described.moreUrl,
    site_name: site.title,
    language: site.language,
    items: rows.map((row) => ({
      id: postUrl(base, row.slug),
      url: postUrl(base, row.slug),
      title: row.title,
      summary: row.excerpt,
      date_published: row.published_at,
      image: row.image,
      author: { name: row.author_name, url: `${base}/authors/${encodeURIComponent(row.author_slug)}/` },
      topics: [
        ...(row.category
          ? [{ name: row.category, url: `${base}/categories/${encodeURIComponent(row.category)}/` }]
          : []),
        ...(terms.get(row.id) ?? []).map((t) => ({ name: t.name, url: `${base}/tags/${encodeURIComponent(t.slug)}/` })),
      ],
    })),
  };
}

function embedPost(base: string, row: FeedPostRow): EmbedPostView {
  return {
    title: row.title,
    url: postUrl(base, row.slug),
    excerpt: row.excerpt,
    published: row.published_at,
    authorName: row.author_name,
    image: row.image,
  };
}

/** The iframe page of a topic or an author; null when it names nothing. */
export async function buildEmbedListPage(deps: EmbedsDeps, filter: EmbedFilter): Promise<string | null> {
  const described = await describeFilter(deps, filter);
  if (!described) return null;
  const db = deps.db.kysely;
  const [site, rows] = await Promise.all([
    readSite(db),
    findEmbedPosts(db, { ...filter, nowUtc: nowUtc(deps), limit: EMBED_DEFAULT_LIMIT }),
  ]);
  return renderEmbedListPage({
    siteTitle: site.title,
    language: site.language,
    dir: siteDirection(site),
    heading: described.heading,
    moreUrl: described.moreUrl,
    posts: rows.map((row) => embedPost(deps.publicBaseUrl, row)),
  });
}

/** The iframe page of one visible post (what oEmbed responses frame). */
export async function buildEmbedPostPage(deps: EmbedsDeps, slug: string): Promise<string | null> {
  if (!isValidSlug(slug)) return null;
  const db = deps.db.kysely;
  const row = await findVisiblePostBySlug(db, slug, nowUtc(deps));
  if (!row) return null;
  const site = await readSite(db);
  return renderEmbedPostPage({
    siteTitle: site.title,
    language: site.language,
    dir: siteDirection(site),
    post: embedPost(deps.publicBaseUrl, row),
  });
}

/**
 * The slug of a post URL of this site (`{PUBLIC_BASE_URL}/posts/{slug}`, any query or fragment
 * ignored), or null for any other URL: oEmbed answers only for our own posts.
 */
export function postSlugOfUrl(publicBaseUrl: string, value: string): string | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  const base = new URL(`${publicBaseUrl}/`);
  if (url.origin !== base.origin) return null;
  const prefix = `${base.pathname}posts/`;
  if (!url.pathname.startsWith(prefix)) return null;
  const slug = url.pathname.slice(prefix.length).replace(/\/$/, '');
  return isValidSlug(slug) ? slug : null;
}

export async function buildOEmbed(
  deps: EmbedsDeps,
  postPageUrl: string,
  size: { maxWidth?: number; maxHeight?: number },
): Promise<Record<string, string | number> | null> {
  const slug = postSlugOfUrl(deps.publicBaseUrl, postPageUrl);
  if (slug === null) return null;
  const db = deps.db.kysely;
  const row = await findVisiblePostBySlug(db, slug, nowUtc(deps));
  if (!row) return null;
  const site = await readSite(db);
  const base = deps.publicBaseUrl;
  return buildOEmbedResponse({
    siteTitle: site.title,
    siteUrl: site.url ?? `${base}/`,
    title: row.title,
    authorName: row.author_name,
    authorUrl: `${base}/authors/${encodeURIComponent(row.author_slug)}/`,
    embedUrl: `${base}/embed/posts/${encodeURIComponent(row.slug)}`,
    ...size,
  });
}
