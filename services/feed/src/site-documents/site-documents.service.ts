import {
  type OpmlDocument,
  SITEMAP_MAX_URLS,
  type SitemapEntry,
  renderOpml,
  renderRobotsTxt,
  renderSitemap,
  renderSitemapIndex,
} from '@careerfeed/core';
import { siteMapRepository } from '@careerfeed/feeds';
import { feedUrl } from '@careerfeed/jobs';
import { postUrl, readSite } from '@careerfeed/posts';
import type { PagesDeps } from '../pages/pages.service';
import { topicPageUrl } from '../pages/pages.service';
import { loadTopicDirectory } from '../topics/topics.service';

export interface SiteDocumentsDeps extends PagesDeps {
  /** URLs per sitemap file before /sitemap.xml becomes an index (sitemaps.org: 50,000); tests lower it. */
  sitemapMaxUrls?: number | undefined;
}

function nowUtc(deps: PagesDeps): string {
  return (deps.now?.() ?? new Date()).toISOString();
}

/**
 * Every public page a crawler should know: home, the topic index, each topic and author with
 * visible posts, each visible post (with its last change). The whole list is read for each file:
 * a slug and a date per post, cheap next to rendering, and the answer is cached for an hour.
 */
async function sitemapEntries(deps: PagesDeps): Promise<SitemapEntry[]> {
  const base = deps.publicBaseUrl;
  const now = nowUtc(deps);
  const db = deps.db.kysely;
  const [posts, authors, directory] = await Promise.all([
    siteMapRepository.findVisiblePostStamps(db, now),
    siteMapRepository.findAuthorsWithVisiblePosts(db, now),
    loadTopicDirectory(deps),
  ]);
  return [
    {
      loc: `${base}/`,
      lastmod: posts.reduce<string | undefined>((a, p) => (a && a > p.updated_at ? a : p.updated_at), undefined),
    },
    { loc: `${base}/topics/` },
    ...directory.groups.flatMap((g) => g.topics).map((t) => ({ loc: topicPageUrl(base, t.slug) })),
    ...authors.map((a) => ({ loc: `${base}/authors/${encodeURIComponent(a.slug)}/`, lastmod: a.last_updated })),
    ...posts.map((p) => ({ loc: postUrl(base, p.slug), lastmod: p.updated_at })),
  ];
}

/**
 * /sitemap.xml: one URL set while every URL fits in one file, else an index of
 * /sitemap-1.xml, /sitemap-2.xml… each holding at most `sitemapMaxUrls`.
 */
export async function buildSitemap(deps: SiteDocumentsDeps): Promise<string> {
  const max = deps.sitemapMaxUrls ?? SITEMAP_MAX_URLS;
  const all = await sitemapEntries(deps);
  if (all.length <= max) return renderSitemap(all);
  const files = Math.ceil(all.length / max);
  return renderSitemapIndex(
    Array.from({ length: files }, (_, i) => ({ loc: `${deps.publicBaseUrl}/sitemap-${i + 1}.xml` })),
  );
}

/** One child of the sitemap index (1-based); null when there is no such file. */
export async function buildSitemapPart(deps: SiteDocumentsDeps, part: number): Promise<string | null> {
  const max = deps.sitemapMaxUrls ?? SITEMAP_MAX_URLS;
  const all = await sitemapEntries(deps);
  if (all.length <= max) return null;
  const slice = all.slice((part - 1) * max, part * max);
  return slice.length === 0 ? null : renderSitemap(slice);
}

/** /feeds.opml: the site's feed, each topic's and each author's (RSS), for a reader to import at once. */
export async function buildOpml(deps: PagesDeps): Promise<string> {
  const base = deps.publicBaseUrl;
  const now = nowUtc(deps);
  const [site, authors, directory] = await Promise.all([
    readSite(deps.db.kysely),
    siteMapRepository.findAuthorsWithVisiblePosts(deps.db.kysely, now),
    loadTopicDirectory(deps),
  ]);
  const topics = directory.groups.flatMap((g) => g.topics).sort((a, b) => a.label.localeCompare(b.label, 'en'));
  const doc: OpmlDocument = {
    title: `${site.title}: every feed`,
    created: now,
    groups: [
      {
        title: site.title,
        feeds: [{ title: site.title, xmlUrl: feedUrl(base, { kind: 'site' }, 'rss'), htmlUrl: `${base}/` }],
      },
      {
        title: 'Topics',
        feeds: topics.map((t) => ({
          title: `${site.title}: ${t.label}`,
          xmlUrl: feedUrl(base, { kind: 'topic', slug: t.slug }, 'rss'),
          htmlUrl: topicPageUrl(base, t.slug),
        })),
      },
      {
        title: 'Authors',
        feeds: authors.map((a) => ({
          title: `${site.title}: posts by ${a.name}`,
          xmlUrl: feedUrl(base, { kind: 'author', slug: a.slug }, 'rss'),
          htmlUrl: `${base}/authors/${encodeURIComponent(a.slug)}/`,
        })),
      },
    ],
  };
  return renderOpml(doc);
}

export function buildRobotsTxt(deps: PagesDeps): string {
  return renderRobotsTxt(`${deps.publicBaseUrl}/sitemap.xml`);
}
