import { z } from 'zod';
import { htmlToPlainText, syndicatedAuthorSlug } from '@careerfeed/core';
import { externalIdFor, slugOf } from './mapping';
import { stripBlockComments } from './markup';

/**
 * A WordPress site as a partner source: the posts of its REST API (`/wp-json/wp/v2/posts?_embed`)
 * mapped to posts-API input. What a site answers is `unknown` until these schemas accept it; fields
 * WordPress adds over versions are ignored. Embedded objects a site does not expose (an author
 * whose profile is private, media behind a login) come back as `{code, message}` errors, which
 * simply count as absent.
 */

const rendered = z.object({ rendered: z.string() });

const restTermSchema = z.object({ taxonomy: z.string(), slug: z.string(), name: z.string().optional() });

const restPostSchema = z.object({
  id: z.number().int().positive(),
  date_gmt: z.string().nullable().optional(),
  modified_gmt: z.string(),
  slug: z.string().optional(),
  status: z.string().optional(),
  link: z.string().optional(),
  title: rendered,
  content: rendered.extend({ protected: z.boolean().optional() }),
  excerpt: rendered.optional(),
  _embedded: z
    .object({
      author: z.array(z.unknown()).optional(),
      'wp:featuredmedia': z.array(z.unknown()).optional(),
      'wp:term': z.array(z.array(z.unknown())).optional(),
    })
    .optional(),
});

const embeddedAuthorSchema = z.object({ name: z.string().min(1), description: z.string().optional() });
const embeddedMediaSchema = z.object({ source_url: z.string().min(1) });

export interface RestSourceDefaults {
  /** The source's id: syndicated authors are namespaced by it. */
  id: string;
  /** The site address the source was added with. */
  siteUrl: string;
  /** Credited when the site does not expose the author. */
  author: string | null;
  /** The source's category, if it has one; else the post's first WordPress category. */
  category: string | null;
}

export type MappedRestPost =
  | { ok: true; input: Record<string, unknown>; modifiedGmt: string }
  | { ok: false; reason: string; modifiedGmt?: string };

const REST_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** `2026-09-14T13:30:00` (the REST API's GMT fields carry no zone) → `2026-09-14T13:30:00Z`. */
function gmt(value: string | null | undefined): string | null {
  return value && REST_DATE.test(value) ? `${value}Z` : null;
}

export function mapRestPost(raw: unknown, source: RestSourceDefaults, now: Date): MappedRestPost {
  const parsed = restPostSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'not a WordPress REST post' };
  const post = parsed.data;
  const modifiedGmt = gmt(post.modified_gmt);
  if (!modifiedGmt) return { ok: false, reason: 'malformed modified_gmt' };
  if (post.content.protected) return { ok: false, reason: 'password-protected', modifiedGmt };
  if (post.status && post.status !== 'publish') return { ok: false, reason: `status ${post.status}`, modifiedGmt };

  const embedded = post._embedded ?? {};
  const author = embeddedAuthorSchema.safeParse(embedded.author?.[0]);
  const name = author.success ? author.data.name : (source.author ?? new URL(source.siteUrl).host);
  const media = embeddedMediaSchema.safeParse(embedded['wp:featuredmedia']?.[0]);
  const terms = (embedded['wp:term'] ?? [])
    .flat()
    .map((term) => restTermSchema.safeParse(term))
    .flatMap((term) => (term.success ? [term.data] : []));
  const categories = terms
    .filter((t) => t.taxonomy === 'category')
    .map((t) => slugOf(t.slug) ?? '')
    .filter((slug) => slug !== '' && slug !== 'uncategorized');
  const tags = terms
    .filter((t) => t.taxonomy === 'post_tag')
    .map((t) => slugOf(t.slug) ?? '')
    .filter(Boolean);
  const category = source.category ?? categories[0] ?? null;
  const published = gmt(post.date_gmt);
  const excerpt = post.excerpt ? htmlToPlainText(post.excerpt.rendered).slice(0, 2000).trim() : '';

  return {
    ok: true,
    modifiedGmt,
    input: {
      title: post.title.rendered.trim() || `Untitled post ${post.id}`,
      html: stripBlockComments(post.content.rendered),
      author: {
        slug: syndicatedAuthorSlug(source.id, name),
        name,
        ...(author.success && author.data.description ? { bio: author.data.description } : {}),
      },
      tags: [...new Set([...tags, ...categories.filter((c) => c !== category)])].slice(0, 30),
      ...(category ? { category } : {}),
      // A date ahead of our clock is not trusted (as for feeds): the post is dated when first seen.
      ...(published && Date.parse(published) <= now.getTime() ? { published_at: published } : {}),
      status: 'published',
      ...(isHttpUrl(post.link) ? { canonical_url: post.link } : {}),
      ...(isHttpUrl(media.success ? media.data.source_url : undefined) ? { image: media.data!.source_url } : {}),
      ...(excerpt ? { excerpt } : {}),
      // The same id as a WXR import of the site and as its RSS items' guid (`?p=<id>`).
      external_id: externalIdFor(source.siteUrl, post.id),
      source: source.id,
    },
  };
}

/** The REST collection URL of a page of posts changed after `modifiedAfter` (oldest change first). */
export function restPostsUrl(siteUrl: string, page: number, perPage: number, modifiedAfter: string | null): string {
  const url = new URL(`${siteUrl.replace(/\/+$/, '')}/wp-json/wp/v2/posts`);
  url.searchParams.set('_embed', '1');
  url.searchParams.set('per_page', String(perPage));
  url.searchParams.set('orderby', 'modified');
  url.searchParams.set('order', 'asc');
  url.searchParams.set('page', String(page));
  if (modifiedAfter) url.searchParams.set('modified_after', modifiedAfter);
  return url.toString();
}

/**
 * WordPress compares `modified_after` with the local-time `post_modified` column, in the site's time
 * zone, which the API does not say. Asking from 14 hours (the widest UTC offset) before the cursor
 * never misses an edit; the posts read again are unchanged and cost no write (content hash).
 */
export const MODIFIED_AFTER_MARGIN_MS = 14 * 60 * 60 * 1000;

export function modifiedAfterFor(cursor: string | null): string | null {
  if (!cursor) return null;
  const at = Date.parse(cursor);
  if (Number.isNaN(at)) return null;
  return new Date(at - MODIFIED_AFTER_MARGIN_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The site's RSS feed, read when its REST API is off. */
export function siteFeedUrl(siteUrl: string): string {
  return `${siteUrl.replace(/\/+$/, '')}/feed/`;
}

function isHttpUrl(value: string | undefined): value is string {
  if (!value || value.length > 2048) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
