import { escapeXml, xmlElement } from '../feeds/xml-writer';

/**
 * The documents crawlers and feed readers fetch about the site as a whole: the sitemap
 * (sitemaps.org 0.9), the OPML list of every feed (OPML 2.0) and robots.txt. Pure renderers.
 */

/** sitemaps.org: at most 50,000 URLs (and 50 MB) per file; past that, an index of files. */
export const SITEMAP_MAX_URLS = 50_000;

export interface SitemapEntry {
  loc: string;
  /** RFC 3339 (W3C Datetime). */
  lastmod?: string | undefined;
}

/** W3C Datetime wants seconds at most to the second and a zone: normalized to UTC `…Z`. */
function w3cDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function entries(tag: 'url' | 'sitemap', items: readonly SitemapEntry[]): string[] {
  return items.map((item) => {
    const lastmod = w3cDate(item.lastmod);
    return `<${tag}>${xmlElement('loc', {}, item.loc)}${lastmod ? xmlElement('lastmod', {}, lastmod) : ''}</${tag}>`;
  });
}

export function renderSitemap(urls: readonly SitemapEntry[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...entries('url', urls),
    '</urlset>',
    '',
  ].join('\n');
}

export function renderSitemapIndex(sitemaps: readonly SitemapEntry[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...entries('sitemap', sitemaps),
    '</sitemapindex>',
    '',
  ].join('\n');
}

export interface OpmlFeed {
  title: string;
  /** The feed (RSS). */
  xmlUrl: string;
  /** The page it belongs to. */
  htmlUrl: string;
}

export interface OpmlDocument {
  title: string;
  /** RFC 3339; shown as the RFC 822 date OPML asks for. */
  created: string;
  groups: { title: string; feeds: readonly OpmlFeed[] }[];
}

/** OPML 2.0 subscription list: one outline per feed, grouped (site, topics, authors). */
export function renderOpml(doc: OpmlDocument): string {
  const groups = doc.groups
    .filter((group) => group.feeds.length > 0)
    .map((group) =>
      [
        `<outline text="${escapeXml(group.title)}">`,
        ...group.feeds.map((feed) =>
          xmlElement('outline', {
            type: 'rss',
            text: feed.title,
            title: feed.title,
            xmlUrl: feed.xmlUrl,
            htmlUrl: feed.htmlUrl,
          }),
        ),
        '</outline>',
      ].join('\n'),
    );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<opml version="2.0">',
    `<head>${xmlElement('title', {}, doc.title)}${xmlElement('dateCreated', {}, new Date(doc.created).toUTCString())}</head>`,
    '<body>',
    ...groups,
    '</body>',
    '</opml>',
    '',
  ].join('\n');
}

/** robots.txt: everything public may be crawled except the personal subscription pages; the sitemap's address. */
export function renderRobotsTxt(sitemapUrl: string): string {
  return [
    'User-agent: *',
    'Disallow: /preferences',
    'Disallow: /unsubscribe',
    'Disallow: /subscribe/confirm',
    'Allow: /',
    '',
    `Sitemap: ${sitemapUrl}`,
    '',
  ].join('\n');
}
