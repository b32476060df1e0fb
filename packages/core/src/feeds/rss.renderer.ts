import RSS from 'rss';
import { escapeHtml } from '../sanitize';
import { stripIllegalXmlChars } from '../text';
import { contentWithRelatedPosts, GENERATOR, prepareFeed, termsOf } from './feed-content';
import { feedUpdated, parseFeedDate, type FeedDocument, type FeedItem } from './feed-model';

const RSS_TYPE = 'application/rss+xml';

/**
 * RSS 2.0 through the `rss` package, with content:encoded, dc:creator, media:content and
 * atom:link extensions.
 *
 * The package escapes markup but not XML-illegal characters (node-rss issue 49), so it is only
 * handed prepared strings. Stripping the output alone would not do: "]]\u0000>" would become "]]>"
 * inside a CDATA section after the package had split the real ones. The output is stripped too,
 * as a safety net for anything the package adds itself.
 */
export function renderRss(input: FeedDocument): string {
  const doc = prepareFeed(input);
  const { links } = doc;
  const feed = new RSS({
    title: doc.title,
    description: doc.description,
    generator: GENERATOR,
    feed_url: links.self,
    site_url: links.alternateHtml,
    // RSS <image> is a logo (at most 144×400), so the logo goes first.
    image_url: doc.logoUrl ?? doc.iconUrl,
    language: doc.language,
    hub: links.hub,
    // content, dc and atom are always declared by the package.
    custom_namespaces: {
      media: 'http://search.yahoo.com/mrss/',
      // Comment counts and comment feeds, as WordPress's feeds carry them.
      slash: 'http://purl.org/rss/1.0/modules/slash/',
      wfw: 'http://wellformedweb.org/CommentAPI/',
    },
    custom_elements: [
      ...optionalLink('first', links.first),
      ...optionalLink('next', links.next),
      ...optionalLink('previous', links.previous),
      ...optionalLink('prev-archive', links.prevArchive),
    ],
  });
  for (const item of doc.items) feed.item(toRssItem(item));
  // Stripped first: the package's output is a rope of thousands of pieces, and the first scan
  // flattens it (~0.5 ms for 100 KB); the lastBuildDate scan then runs over the flat string.
  return setLastBuildDate(stripIllegalXmlChars(feed.xml({ indent: '  ' })), feedUpdated(doc));
}

function toRssItem(item: FeedItem): RSS.ItemOptions {
  return {
    title: item.title,
    // RSS descriptions are HTML; the summary is plain text.
    description: escapeHtml(item.summary),
    url: item.url,
    // A guid that is set is written with isPermaLink="false".
    guid: item.id,
    // Written as dc:creator: RSS <author> must be an email address.
    author: item.author.name,
    categories: termsOf(item).map((term) => term.name),
    date: new Date(parseFeedDate(item.published).epochMs),
    custom_elements: [
      { 'content:encoded': { _cdata: contentWithRelatedPosts(item) } },
      ...item.related.map((link) => ({
        'atom:link': { _attr: { rel: 'related', type: 'text/html', href: link.url, title: link.title } },
      })),
      // media:content rather than <enclosure>, which requires a byte length we do not know.
      ...(item.image === null ? [] : [{ 'media:content': { _attr: { url: item.image, medium: 'image' } } }]),
      ...(item.comments === undefined
        ? []
        : [{ 'slash:comments': String(item.comments.count) }, { 'wfw:commentRss': item.comments.feedUrl }]),
    ],
  };
}

function optionalLink(rel: string, href: string | undefined): object[] {
  return href === undefined ? [] : [{ 'atom:link': { _attr: { rel, type: RSS_TYPE, href } } }];
}

// Whole CDATA sections are matched (and kept) so that a "<lastBuildDate>" in a title or body is skipped.
const BUILD_DATE_OUTSIDE_CDATA = /<!\[CDATA\[[\s\S]*?\]\]>|(\s*)<lastBuildDate>[^<]*<\/lastBuildDate>/g;

/**
 * The package always writes lastBuildDate as the current time, which would change the bytes (and
 * ETag) of an unchanged feed on every request. Replace it with the newest item's date, or drop it
 * (it is optional) when the feed is empty. The package writes it in the channel head, before any
 * item, so the scan stops there instead of walking every CDATA section of a ~100 KB feed.
 */
function setLastBuildDate(xml: string, updated: string | null): string {
  const pattern = new RegExp(BUILD_DATE_OUTSIDE_CDATA);
  for (let match = pattern.exec(xml); match !== null; match = pattern.exec(xml)) {
    const space = match[1];
    if (space === undefined) continue;
    const replacement =
      updated === null
        ? ''
        : `${space}<lastBuildDate>${new Date(parseFeedDate(updated).epochMs).toUTCString()}</lastBuildDate>`;
    return xml.slice(0, match.index) + replacement + xml.slice(match.index + match[0].length);
  }
  return xml;
}
