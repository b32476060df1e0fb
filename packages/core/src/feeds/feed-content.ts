import { escapeHtml } from '../sanitize';
import { stripIllegalXmlChars as text } from '../text';
import type { FeedDocument, FeedItem, FeedRelatedLink, FeedTerm } from './feed-model';

/** Identifies us in RSS `<generator>` and Atom `<generator>`. */
export const GENERATOR = 'careerfeed';

/**
 * The document every renderer actually renders, so the three formats say the same thing:
 * - every string stripped of what XML 1.0 cannot carry (controls, U+FFFE/U+FFFF, lone surrogates);
 *   JSON could escape them, but then consumers would see them;
 * - URLs re-serialized by the WHATWG parser, which percent-encodes what a URI may not hold
 *   (spaces, quotes, <, >, non-ASCII), since JSON Feed requires URIs; an unparseable one is kept;
 * - related links that are not http(s) (javascript:, data:, relative) dropped: they come from
 *   other posts' data, not from the HTML sanitizer.
 * Ids are only stripped, never rewritten: they must stay identical everywhere.
 */
export function prepareFeed(doc: FeedDocument): FeedDocument {
  const { links } = doc;
  return {
    id: text(doc.id),
    title: text(doc.title),
    description: text(doc.description),
    language: text(doc.language),
    iconUrl: optionalHref(doc.iconUrl),
    logoUrl: optionalHref(doc.logoUrl),
    extensionAboutUrl: href(doc.extensionAboutUrl),
    items: doc.items.map(prepareItem),
    links: {
      self: href(links.self),
      alternateHtml: href(links.alternateHtml),
      first: optionalHref(links.first),
      next: optionalHref(links.next),
      previous: optionalHref(links.previous),
      prevArchive: optionalHref(links.prevArchive),
      hub: optionalHref(links.hub),
    },
  };
}

function prepareItem(item: FeedItem): FeedItem {
  return {
    id: text(item.id),
    url: href(item.url),
    externalUrl: item.externalUrl === null ? null : href(item.externalUrl),
    title: text(item.title),
    contentHtml: text(item.contentHtml),
    summary: text(item.summary),
    author: { name: text(item.author.name), url: href(item.author.url) },
    tags: item.tags.map(prepareTerm),
    category: item.category === null ? null : prepareTerm(item.category),
    published: item.published,
    updated: item.updated,
    image: item.image === null ? null : href(item.image),
    related: item.related.filter((link) => isHttpUrl(text(link.url))).map(prepareRelated),
    ...(item.comments ? { comments: { count: item.comments.count, feedUrl: href(item.comments.feedUrl) } } : {}),
  };
}

function prepareTerm(term: FeedTerm): FeedTerm {
  return { slug: text(term.slug), name: text(term.name) };
}

function prepareRelated(link: FeedRelatedLink): FeedRelatedLink {
  return { id: text(link.id), url: href(link.url), title: text(link.title) };
}

function href(url: string): string {
  const clean = text(url);
  return URL.canParse(clean) ? new URL(clean).href : clean;
}

function optionalHref(url: string | undefined): string | undefined {
  return url === undefined ? undefined : href(url);
}

function isHttpUrl(url: string): boolean {
  const parsed = URL.canParse(url) ? new URL(url) : null;
  return parsed !== null && (parsed.protocol === 'http:' || parsed.protocol === 'https:');
}

/**
 * The post body as RSS content:encoded and Atom content carry it: the sanitized HTML, then, for a
 * post whose original lives elsewhere (a partner's), "Originally published by <author> at <link>"
 * (RSS and Atom have no element readers show for that; JSON Feed has `external_url`), then a
 * "Related posts" list, so readers that ignore link elements still show the related posts.
 */
export function contentWithRelatedPosts(item: FeedItem): string {
  const content = item.contentHtml + originalCredit(item);
  if (item.related.length === 0) return content;
  const entries = item.related.map(
    (link) => `<li><a href="${escapeHtml(link.url)}">${escapeHtml(link.title)}</a></li>`,
  );
  return `${content}<h3>Related posts</h3><ul>${entries.join('')}</ul>`;
}

function originalCredit(item: FeedItem): string {
  if (item.externalUrl === null || item.externalUrl === item.url || !isHttpUrl(item.externalUrl)) return '';
  const host = new URL(item.externalUrl).host;
  return `<p>Originally published by ${escapeHtml(item.author.name)} at <a href="${escapeHtml(item.externalUrl)}">${escapeHtml(host)}</a>.</p>`;
}

/** The item's tags then its category, once per slug: RSS/Atom categories and JSON Feed tags. */
export function termsOf(item: FeedItem): FeedTerm[] {
  const terms = item.category === null ? item.tags : [...item.tags, item.category];
  const bySlug = new Map(terms.map((term) => [term.slug, term] as const));
  return [...bySlug.values()];
}
