import { htmlToPlainText, isValidSlug, slugify } from '@careerfeed/core';
import { JSON_BODY_LIMIT_BYTES } from '@careerfeed/http';
import { type CreatePostInput, createPostSchema } from '@careerfeed/posts';
import { cleanWordPressMarkup } from './markup';
import type { WxrAuthor, WxrItem } from './wxr-reader';

/** `source` of every post imported from a WordPress export; `external_id` names the site and post. */
export const WORDPRESS_IMPORT_SOURCE = 'wordpress';

const MAX_TAGS = 30;
const MAX_EXCERPT = 2000;

export interface MappingContext {
  /** `wp:base_site_url`, or the channel link when absent. */
  siteUrl: string;
  /** By login (the item's `dc:creator`). */
  authors: Map<string, WxrAuthor>;
  /** Attachment post id → its file URL (`wp:attachment_url`), for featured images. */
  attachments: Map<string, string>;
  /** Name credited on posts whose author the export does not list. */
  fallbackAuthorName: string;
}

export type MappedItem =
  | { kind: 'post'; input: CreatePostInput & { external_id: string }; permalink: string | null; visible: boolean }
  | {
      kind: 'skipped';
      reason: string;
      detail?: string;
      /** false for what is not a post by design (pages, revisions, trash); true for a post that failed. */
      problem: boolean;
    };

/** Post types and statuses that are not posts here, with the reason the summary gives. */
const SKIPPED_TYPES: Record<string, string> = {
  page: 'page (only posts are imported)',
  attachment: 'attachment (media; used for featured images)',
  revision: 'revision (the current version is imported)',
  nav_menu_item: 'menu item',
};

const SKIPPED_STATUSES: Record<string, string> = {
  trash: 'in the trash',
  'auto-draft': 'auto-draft (never saved by its author)',
  inherit: 'not a post of its own',
};

/** `https://career.example.edu/?p=123`: WordPress's own short address of a post, unique per site. */
export function externalIdFor(siteUrl: string, postId: string | number): string {
  return `${siteUrl.replace(/\/+$/, '')}/?p=${postId}`;
}

/**
 * One WXR item as the posts API's create body, or why it is not imported. Pure: the same item and
 * context always give the same input, which is what makes a re-import a no-op (the posts service
 * compares content hashes).
 */
export function mapWxrItem(item: WxrItem, context: MappingContext): MappedItem {
  const typeReason = SKIPPED_TYPES[item.postType];
  if (typeReason) return { kind: 'skipped', reason: typeReason, problem: false };
  if (item.postType !== 'post') {
    return { kind: 'skipped', reason: `post type "${item.postType || '(none)'}" is not imported`, problem: false };
  }
  const statusReason = SKIPPED_STATUSES[item.status];
  if (statusReason) return { kind: 'skipped', reason: statusReason, problem: false };
  const status = statusOf(item.status);
  if (!status) return { kind: 'skipped', reason: `unknown status "${item.status}"`, problem: true };
  if (!/^\d+$/.test(item.postId)) return { kind: 'skipped', reason: 'no wp:post_id', problem: true };
  if (item.oversized) return bodyTooLarge();

  const date = wordpressDate(item.postDateGmt, item.postDate);
  if (date === 'malformed') {
    return {
      kind: 'skipped',
      reason: 'malformed date',
      problem: true,
      detail: `wp:post_date_gmt "${item.postDateGmt}", wp:post_date "${item.postDate}"`,
    };
  }
  if (date === null && status !== 'draft') {
    return {
      kind: 'skipped',
      reason: 'malformed date',
      detail: 'a published post without wp:post_date',
      problem: true,
    };
  }

  const { category, tags } = termsOf(item);
  const image = featuredImage(item, context);
  const excerpt = item.excerpt.trim() ? htmlToPlainText(item.excerpt).slice(0, MAX_EXCERPT).trim() : '';
  const permalink = httpUrlOrNull(item.link);
  const input = {
    title: item.title.trim() || `Untitled post ${item.postId}`,
    html: cleanWordPressMarkup(item.content),
    author: authorOf(item.creator, context),
    tags,
    category,
    published_at: date,
    status: status === 'draft' ? 'draft' : 'published',
    ...(slugOf(item.postName) ? { slug: slugOf(item.postName) } : {}),
    canonical_url: permalink,
    image,
    ...(excerpt ? { excerpt } : {}),
    external_id: externalIdFor(context.siteUrl, item.postId),
    source: WORDPRESS_IMPORT_SOURCE,
  } as const;

  // The API refuses a body over its limit (413); an import does not store what the API would not.
  // (Measured only when it could matter: JSON escaping makes a character at most 6 bytes.)
  const couldExceed =
    (input.html.length + input.title.length + (excerpt.length || 0)) * 6 + 64 * 1024 > JSON_BODY_LIMIT_BYTES;
  if (couldExceed && Buffer.byteLength(JSON.stringify(input)) > JSON_BODY_LIMIT_BYTES) return bodyTooLarge();
  const parsed = createPostSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      kind: 'skipped',
      reason: 'refused by the posts API',
      detail: `${issue.path.join('.')} ${issue.message}`,
      problem: true,
    };
  }
  return {
    kind: 'post',
    input: { ...parsed.data, external_id: input.external_id },
    permalink,
    visible: status !== 'draft',
  };
}

function bodyTooLarge(): MappedItem {
  return {
    kind: 'skipped',
    reason: `larger than the API's body limit of ${JSON_BODY_LIMIT_BYTES} bytes`,
    problem: true,
  };
}

/** publish and future are published (future ones are scheduled by their date); the rest are drafts. */
function statusOf(status: string): 'published' | 'draft' | null {
  if (status === 'publish' || status === 'future') return 'published';
  if (status === 'draft' || status === 'pending' || status === 'private') return 'draft';
  return null;
}

const WP_DATE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const ZERO_DATE = /^0000-00-00 00:00:00$/;

/**
 * `wp:post_date_gmt` as RFC 3339 UTC. Drafts have a zero GMT date; then `wp:post_date` (the site's
 * local time, whose zone the export does not say) is read as UTC. Both zero or absent: null.
 */
export function wordpressDate(gmt: string, local: string): string | null | 'malformed' {
  for (const value of [gmt, local]) {
    const trimmed = value.trim();
    if (trimmed === '' || ZERO_DATE.test(trimmed)) continue;
    const m = WP_DATE.exec(trimmed);
    if (!m) return 'malformed';
    const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
    const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
    const roundTrips =
      date.getUTCFullYear() === y &&
      date.getUTCMonth() === mo! - 1 &&
      date.getUTCDate() === d &&
      date.getUTCHours() === h &&
      date.getUTCMinutes() === mi &&
      date.getUTCSeconds() === s;
    if (!roundTrips) return 'malformed';
    return `${trimmed.replace(' ', 'T')}Z`;
  }
  return null;
}

/** Post names of non-Latin titles are percent-encoded UTF-8 (`%d0%ba…`); ours are the decoded text. */
export function slugOf(postName: string): string | undefined {
  const decoded = decodePercent(postName.trim()).toLowerCase().normalize('NFC');
  if (decoded === '') return undefined;
  if (isValidSlug(decoded)) return decoded;
  return slugify(decoded) || undefined;
}

function decodePercent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The first category (other than WordPress's default "uncategorized") is the post's category; tags
 * and any further categories are its tags, all by nicename, so a WordPress term keeps its address.
 */
function termsOf(item: WxrItem): { category: string | null; tags: string[] } {
  const categories = item.terms
    .filter((t) => t.domain === 'category')
    .map((t) => decodePercent(t.nicename || t.name))
    .filter((n) => n !== '' && n !== 'uncategorized');
  const tagNames = item.terms.filter((t) => t.domain === 'post_tag').map((t) => decodePercent(t.nicename || t.name));
  const tags = [...new Set([...tagNames, ...categories.slice(1)].filter((t) => t !== '' && slugify(t, 64) !== ''))];
  return { category: categories.find((c) => slugify(c, 64) !== '') ?? null, tags: tags.slice(0, MAX_TAGS) };
}

function featuredImage(item: WxrItem, context: MappingContext): string | null {
  const id = item.meta._thumbnail_id?.trim();
  if (!id) return null;
  return httpUrlOrNull(context.attachments.get(id) ?? '');
}

function authorOf(login: string, context: MappingContext): { slug: string; name: string; bio: string } {
  const author = context.authors.get(login);
  const slug = slugify(login, 64) || 'wordpress';
  if (!author) return { slug, name: login || context.fallbackAuthorName, bio: '' };
  const fullName = `${author.firstName} ${author.lastName}`.trim();
  return { slug, name: author.displayName || fullName || login, bio: author.description };
}

function httpUrlOrNull(value: string): string | null {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > 2048) return null;
  try {
    const url = new URL(trimmed);
    return url.protocol === 'http:' || url.protocol === 'https:' ? trimmed : null;
  } catch {
    return null;
  }
}
