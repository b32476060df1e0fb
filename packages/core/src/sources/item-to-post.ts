import { createHash } from 'node:crypto';
import { cleanLine, isCleanIdentifierText } from '../text';
import { slugify } from '../slug';
import type { SyndicatedItem } from './feed-items';

/** What a partner source contributes to each of its posts. */
export interface SourceDefaults {
  id: string;
  /** Credited when an item names no author. */
  author: string | null;
  /** The post's category when set (items' own categories become tags). */
  category: string | null;
  /** Credited when neither the item nor the source names an author: the feed's title, else its host. */
  fallbackName: string;
}

/** The body a syndicated item is saved with: the same shape `POST /v1/posts` accepts. */
export interface SyndicatedPostInput {
  title: string;
  html: string;
  author: { slug: string; name: string };
  tags: string[];
  category?: string;
  published_at?: string;
  status: 'published';
  canonical_url?: string;
  external_id: string;
  source: string;
}

const MAX_TAGS = 30;
const MAX_TITLE = 500;
const MAX_EXTERNAL_ID = 256;

/**
 * A partner item → the post input. Future dates are not trusted to schedule (a partner's clock or
 * a typo would hide the post until then): they count as missing, and a missing date leaves the
 * post's time to the posts service, which stamps the first poll that saw it and keeps it after.
 */
export function itemToPostInput(item: SyndicatedItem, source: SourceDefaults, now: Date): SyndicatedPostInput {
  const name = cleanLine(item.authorName ?? source.author ?? source.fallbackName) || source.fallbackName;
  const publishedAt = item.publishedAt && Date.parse(item.publishedAt) <= now.getTime() ? item.publishedAt : undefined;
  return {
    title: truncate(cleanLine(item.title) || 'Untitled', MAX_TITLE),
    html: item.html,
    author: { slug: syndicatedAuthorSlug(source.id, name), name },
    tags: tagsOf(item.categories),
    ...(source.category ? { category: source.category } : {}),
    ...(publishedAt ? { published_at: publishedAt } : {}),
    status: 'published',
    ...(item.link ? { canonical_url: item.link } : {}),
    external_id: externalIdOf(item.guid),
    source: source.id,
  };
}

/**
 * Syndicated authors are ordinary author rows (so feeds, pages and author feeds credit them like
 * anyone), under a slug namespaced by their source: `src-<8 hex of the source id>-<name>`. Two
 * partners' "Career Services" stay two authors, and none can take over a local author's slug.
 */
export function syndicatedAuthorSlug(sourceId: string, name: string): string {
  const tag = createHash('sha256').update(sourceId).digest('hex').slice(0, 8);
  return `src-${tag}-${slugify(name, 60) || 'author'}`;
}

/** A guid is an identifier: kept as is when it fits the column, else replaced by its hash (still stable). */
export function externalIdOf(guid: string): string {
  if (guid.length <= MAX_EXTERNAL_ID && isCleanIdentifierText(guid)) return guid;
  return `sha256:${createHash('sha256').update(guid).digest('hex')}`;
}

function tagsOf(categories: string[]): string[] {
  const tags: string[] = [];
  const seen = new Set<string>();
  for (const category of categories) {
    const name = cleanLine(category).slice(0, 64);
    const slug = slugify(name, 64);
    if (slug === '' || seen.has(slug) || !isCleanIdentifierText(name)) continue;
    seen.add(slug);
    tags.push(name);
    if (tags.length === MAX_TAGS) break;
  }
  return tags;
}

function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
