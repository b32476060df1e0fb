import { parseFeed } from 'feedsmith';
import { htmlToPlainText } from '../plain-text';

/**
 * Partner feeds → the items we syndicate. Everything here is pure: the worker fetches the bytes,
 * this turns them into `SyndicatedItem`s (or says why it cannot), and the posts service stores them
 * through the same path as API posts.
 *
 * feedsmith's output is treated as `unknown` and read field by field: a partner feed is input
 * from outside, and the four formats name the same things differently (RSS `guid`, Atom `id`, JSON
 * Feed `id`, RDF `rdf:about`).
 */

export type FeedFormat = 'rss' | 'atom' | 'rdf' | 'json';

export interface SyndicatedItem {
  /** The identity of the item within its source: its guid/id, else its link. */
  guid: string;
  /** The original's address (our post's canonical_url), when the item has an http(s) link. */
  link: string | null;
  title: string;
  /** Unsanitized HTML as the partner sent it; the posts service sanitizes it like any post. */
  html: string;
  authorName: string | null;
  categories: string[];
  /** The item's own date as an ISO instant, when it has a parseable one. */
  publishedAt: string | null;
}

export interface ParsedPartnerFeed {
  format: FeedFormat;
  title: string | null;
  items: SyndicatedItem[];
  /** Items with neither guid nor link: nothing could recognise them on the next poll. */
  skippedWithoutId: number;
  /** Further items with a guid already seen in this feed (the first one wins). */
  duplicates: number;
}

export type FeedParseFailure = { ok: false; code: 'NOT_A_FEED' | 'INVALID_FEED'; message: string };

/**
 * Content types that cannot be a feed whatever the bytes say. HTML is judged after trying to parse:
 * a few servers label real feeds text/html, but a page that does not parse is "not a feed".
 */
const NON_FEED_TYPE = /^(image|audio|video|font)\/|^application\/(pdf|zip|octet-stream|gzip)/i;

export function parsePartnerFeed(
  body: string,
  contentType: string | undefined,
  baseUrl: string,
): { ok: true; feed: ParsedPartnerFeed } | FeedParseFailure {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (NON_FEED_TYPE.test(type)) return { ok: false, code: 'NOT_A_FEED', message: `not a feed (content type ${type})` };
  let parsed: { format: string; feed: unknown };
  try {
    parsed = parseFeed(body) as { format: string; feed: unknown };
  } catch (error) {
    if (type === 'text/html' || /^\s*(<!doctype html|<html)/i.test(body.slice(0, 512))) {
      return { ok: false, code: 'NOT_A_FEED', message: 'not a feed (an HTML page)' };
    }
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, code: 'INVALID_FEED', message: `the feed could not be parsed: ${reason.slice(0, 200)}` };
  }
  const format = parsed.format as FeedFormat;
  const feed = asRecord(parsed.feed);
  const rawItems = asArray(format === 'atom' ? feed.entries : feed.items);
  const items: SyndicatedItem[] = [];
  const seen = new Set<string>();
  let skippedWithoutId = 0;
  let duplicates = 0;
  for (const raw of rawItems) {
    const item = readItem(format, asRecord(raw), baseUrl);
    if (!item) {
      skippedWithoutId++;
      continue;
    }
    if (seen.has(item.guid)) {
      duplicates++;
      continue;
    }
    seen.add(item.guid);
    items.push(item);
  }
  return { ok: true, feed: { format, title: textOf(feed.title), items, skippedWithoutId, duplicates } };
}

function readItem(format: FeedFormat, item: Record<string, unknown>, baseUrl: string): SyndicatedItem | null {
  const link = absoluteHttpUrl(linkOf(format, item), baseUrl);
  const guid = textOf(idOf(format, item)) ?? link;
  if (!guid) return null;
  const html = contentOf(format, item);
  const title = textOf(item.title) ?? firstWords(htmlToPlainText(html)) ?? link ?? 'Untitled';
  return {
    guid,
    link,
    title,
    html,
    authorName: authorOf(item),
    categories: categoriesOf(format, item),
    publishedAt: dateOf(format, item),
  };
}

function idOf(format: FeedFormat, item: Record<string, unknown>): unknown {
  switch (format) {
    case 'rss': {
      const guid = item.guid;
      return typeof guid === 'object' && guid !== null ? asRecord(guid).value : guid;
    }
    case 'atom':
    case 'json':
      return item.id;
    case 'rdf':
      return asRecord(item.rdf).about;
  }
}

function linkOf(format: FeedFormat, item: Record<string, unknown>): string | null {
  if (format === 'json') return textOf(item.url) ?? textOf(item.external_url);
  if (format === 'atom') {
    const links = asArray(item.links).map(asRecord);
    const alternate = links.find((l) => l.rel === undefined || l.rel === 'alternate') ?? links[0];
    return alternate ? textOf(alternate.href) : null;
  }
  const link = textOf(item.link);
  if (link) return link;
  // RSS: a guid marked as a permalink is the item's address.
  const guid = asRecord(item.guid);
  return guid.isPermaLink === true ? textOf(guid.value) : null;
}

function contentOf(format: FeedFormat, item: Record<string, unknown>): string {
  if (format === 'json') {
    const html = textOf(item.content_html);
    if (html) return html;
    const text = textOf(item.content_text) ?? textOf(item.summary) ?? '';
    return text === '' ? '' : `<p>${escapeHtml(text)}</p>`;
  }
  if (format === 'atom') {
    const content = asRecord(item.content);
    const summary = asRecord(item.summary);
    const chosen = textOf(content.value) !== null ? content : summary;
    const value = textOf(chosen.value) ?? '';
    return chosen.type === 'text' || chosen.type === undefined ? textToHtml(value) : value;
  }
  return textOf(asRecord(item.content).encoded) ?? textOf(item.description) ?? '';
}

/** Atom `type="text"` (the default) is plain text, but many generators put markup in it anyway. */
function textToHtml(value: string): string {
  if (value === '') return '';
  return /<[a-z][^>]*>/i.test(value) ? value : `<p>${escapeHtml(value)}</p>`;
}

function authorOf(item: Record<string, unknown>): string | null {
  for (const author of asArray(item.authors)) {
    const name = authorName(typeof author === 'string' ? author : textOf(asRecord(author).name));
    if (name) return name;
  }
  // JSON Feed 1.0 had a single `author`.
  const single = authorName(textOf(asRecord(item.author).name));
  if (single) return single;
  for (const creator of asArray(asRecord(item.dc).creators)) {
    const name = authorName(textOf(creator));
    if (name) return name;
  }
  return null;
}

/** RSS `<author>` is "email (Name)"; only the name is shown, never a partner author's address. */
export function authorName(value: string | null): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  const inParens = /^\S+@\S+\s*\((.+)\)$/.exec(trimmed);
  if (inParens) return inParens[1]!.trim() || null;
  if (/^\S+@\S+$/.test(trimmed)) return null;
  return trimmed === '' ? null : trimmed.slice(0, 200);
}

function categoriesOf(format: FeedFormat, item: Record<string, unknown>): string[] {
  const values =
    format === 'json'
      ? asArray(item.tags).map(textOf)
      : [
          ...asArray(item.categories).map((c) =>
            typeof c === 'string'
              ? c
              : (textOf(asRecord(c).name) ?? textOf(asRecord(c).label) ?? textOf(asRecord(c).term)),
          ),
          ...asArray(asRecord(item.dc).subjects).map(textOf),
        ];
  return values.filter((v): v is string => v !== null);
}

function dateOf(format: FeedFormat, item: Record<string, unknown>): string | null {
  const candidates =
    format === 'json'
      ? [item.date_published, item.date_modified]
      : format === 'atom'
        ? [item.published, item.updated]
        : [item.pubDate, ...asArray(asRecord(item.dc).dates), ...asArray(asRecord(item.dcterms).created)];
  for (const candidate of candidates) {
    const text = textOf(candidate);
    if (!text) continue;
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return null;
}

function absoluteHttpUrl(value: string | null, baseUrl: string): string | null {
  if (!value) return null;
  try {
    const url = new URL(value, baseUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

function firstWords(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return trimmed.length <= 80 ? trimmed : `${trimmed.slice(0, 79)}…`;
}

function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null && 'value' in value)
    return textOf((value as { value: unknown }).value);
  return null;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The feed's bytes as text. The charset comes from the Content-Type, else the XML declaration,
 * else UTF-8 (also JSON's only encoding); a label the platform does not know falls back to UTF-8.
 * Partner blogs in ISO-8859-1 or windows-1252 still exist.
 */
export function decodeFeedBody(body: Uint8Array, contentType: string | undefined): string {
  const fromHeader = /;\s*charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  const head = Buffer.from(body.subarray(0, 200)).toString('latin1');
  const fromDeclaration = /^(?:\uFEFF)?<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/i.exec(head)?.[1];
  const label = fromHeader ?? fromDeclaration ?? 'utf-8';
  try {
    return new TextDecoder(label).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}
