import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderAtom, renderJsonFeed, renderRss, type FeedDocument, type FeedItem } from '../../packages/core/src/feeds';
import { stripIllegalXmlChars } from '../../packages/core/src/text';
import {
  BASE_URL,
  XML_ILLEGAL_CHARS,
  buildFeedDocument,
  buildFeedItem,
  buildHostileItem,
  buildRelatedLink,
} from './feed-factories';
import {
  feedparser,
  htmlElementNames,
  jingAtom,
  jsonFeedSchemaErrors,
  newsboat,
  relatedPostsListIn,
  xmllint,
  xpathString,
} from './feed-consumers';

/**
 * Every rendering of every document below is handed to consumers nobody here wrote: libxml2,
 * jing with the RFC 4287 schema, Python feedparser, newsboat and a JSON Schema validator.
 */

const HUNDRED_KB_BODY = `<p>${'Career fairs reward preparation. '.repeat(3200)}</p>`;

const DOCUMENTS: [string, FeedDocument][] = [
  [
    'an ordinary feed with paging and hub links',
    buildFeedDocument({
      iconUrl: `${BASE_URL}/icon.png`,
      logoUrl: `${BASE_URL}/logo.png`,
      items: [buildFeedItem(), buildFeedItem({ related: [buildRelatedLink(), buildRelatedLink()], image: null })],
      links: {
        self: `${BASE_URL}/feed.xml?page=2`,
        alternateHtml: `${BASE_URL}/`,
        first: `${BASE_URL}/feed.xml`,
        previous: `${BASE_URL}/feed.xml`,
        next: `${BASE_URL}/feed.xml?page=3`,
        prevArchive: `${BASE_URL}/archive/2024.xml`,
        hub: 'https://hub.example.org/',
      },
    }),
  ],
  [
    'a feed of hostile posts',
    buildFeedDocument({
      title: `Tags: R&D "lab" <b> ]]> ${XML_ILLEGAL_CHARS}`,
      description: `<![CDATA[ ]]> & ${XML_ILLEGAL_CHARS}`,
      items: [buildHostileItem(), buildHostileItem({ related: [], image: null, category: null })],
      links: { self: `${BASE_URL}/tags/r-d/feed.xml?a=1&b="2"`, alternateHtml: `${BASE_URL}/tags/r-d?x=<y>` },
    }),
  ],
  ['a feed with a 100 KB body', buildFeedDocument({ items: [buildFeedItem({ contentHtml: HUNDRED_KB_BODY })] })],
  ['an empty feed', buildFeedDocument({ items: [] })],
];

const ATOM_NS = 'http://www.w3.org/2005/Atom';

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'careerfeed-feeds-'));
});
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** What a consumer should read back for text we rendered: the same text minus XML-illegal characters. */
const expected = stripIllegalXmlChars;

/** URLs come out as the WHATWG serialization: quotes and brackets percent-encoded, so valid URIs. */
function expectedUrl(url: string): string {
  return new URL(url).href;
}

/** The related links a consumer should see: hostile items also carry a javascript: one, which is dropped. */
function expectedRelated(item: FeedItem): { id: string; url: string; title: string }[] {
  return item.related
    .filter((link) => link.url.startsWith('https:'))
    .map((link) => ({ id: link.id, url: expectedUrl(link.url), title: expected(link.title) }));
}

describe.each(DOCUMENTS)('given %s', (name, doc) => {
  let rssFile: string;
  let atomFile: string;
  let jsonText: string;

  beforeAll(() => {
    const slug = name.replace(/\W+/g, '-');
    rssFile = path.join(workDir, `${slug}.xml`);
    atomFile = path.join(workDir, `${slug}.atom`);
    writeFileSync(rssFile, renderRss(doc));
    writeFileSync(atomFile, renderAtom(doc));
    jsonText = renderJsonFeed(doc);
  });

  test('the RSS is well-formed XML according to xmllint --noout', () => {
    expect(xmllint(rssFile)).toEqual({ status: 0, stderr: '' });
  });

  test('the Atom is well-formed XML according to xmllint --noout', () => {
    expect(xmllint(atomFile)).toEqual({ status: 0, stderr: '' });
  });

  test('the Atom is valid against the RFC 4287 RELAX NG schema according to jing', () => {
    expect(jingAtom(atomFile)).toEqual({ status: 0, errors: '' });
  });

  test("feedparser reads the site's logo and icon: RSS <image>, Atom <logo> and <icon>, JSON Feed icon and favicon", () => {
    const rss = feedparser(rssFile).feed;
    const atom = feedparser(atomFile).feed;
    const json = JSON.parse(jsonText) as { icon?: string; favicon?: string };
    expect(rss.image).toBe(doc.logoUrl ?? doc.iconUrl ?? null);
    expect(atom.logo).toBe(doc.logoUrl ?? null);
    expect(atom.icon).toBe(doc.iconUrl ?? null);
    expect(json.icon).toBe(doc.iconUrl ?? doc.logoUrl);
    expect(json.favicon).toBe(doc.iconUrl);
  });

  test('libxml2 reads back every title and body exactly, and the body ends with the related posts list', () => {
    doc.items.forEach((item, i) => {
      const rssItem = `(//item)[${i + 1}]`;
      const entry = `(//*[local-name()="entry"])[${i + 1}]`;
      expect(xpathString(rssFile, `${rssItem}/title`)).toBe(expected(item.title));
      expect(xpathString(atomFile, `${entry}/*[local-name()="title"]`)).toBe(expected(item.title));
      const rssContent = xpathString(rssFile, `${rssItem}/*[local-name()="encoded"]`);
      const atomContent = xpathString(atomFile, `${entry}/*[local-name()="content" and namespace-uri()="${ATOM_NS}"]`);
      expect(firstDifference(atomContent, rssContent)).toBeNull();
      const body = expected(item.contentHtml);
      expect(firstDifference(rssContent.slice(0, body.length), body)).toBeNull();
      expect(relatedPostsListIn(rssContent)).toEqual(
        expectedRelated(item).map((link) => ({ href: link.url, text: link.title })),
      );
      expect(htmlElementNames(rssContent)).not.toContain('script');
    });
  });

  test.each(['RSS', 'Atom'])(
    'feedparser reads the %s without errors, with every id, title, link, author, tag and related link',
    (format) => {
      const parsed = feedparser(format === 'RSS' ? rssFile : atomFile);

      expect({ bozo: parsed.bozo, exception: parsed.bozoException }).toEqual({ bozo: false, exception: 'None' });
      expect(parsed.version).toBe(format === 'RSS' ? 'rss20' : 'atom10');
      expect(parsed.entries.map((entry) => entry.id)).toEqual(doc.items.map((item) => item.id));
      parsed.entries.forEach((entry, i) => {
        const item = doc.items[i]!;
        expect(entry.title).toBe(expected(item.title));
        expect(entry.link).toBe(expectedUrl(item.url));
        // feedparser trims names.
        expect(entry.author).toBe(expected(item.author.name).trim());
        expect(entry.tags).toEqual(
          expect.arrayContaining(item.tags.map((tag) => expected(format === 'RSS' ? tag.name : tag.slug))),
        );
        const related = entry.links.filter((link) => link.rel === 'related');
        expect(related).toEqual(
          expectedRelated(item).map((link) => ({ rel: 'related', href: link.url, title: link.title })),
        );
        expect(entry.media.map((media) => media.url)).toEqual(item.image === null ? [] : [expectedUrl(item.image)]);
      });
      expect(parsed.feed.links).toEqual(
        expect.arrayContaining([expect.objectContaining({ rel: 'self', href: expectedUrl(doc.links.self) })]),
      );
    },
  );

  test.each(['RSS', 'Atom'])('newsboat loads every %s item under its id and link', (format) => {
    const file = format === 'RSS' ? rssFile : atomFile;
    const result = newsboat(file, path.join(workDir, `newsboat-${name.replace(/\W+/g, '-')}-${format}`));

    expect(result.summary).toBe(`${doc.items.length} unread articles`);
    expect(result.items.map((item) => item.guid).sort()).toEqual(doc.items.map((item) => item.id).sort());
    expect(result.items.map((item) => item.url).sort()).toEqual(doc.items.map((item) => expectedUrl(item.url)).sort());
  });

  test('the JSON Feed is valid JSON Feed 1.1 with authors and the _careerfeed related posts', () => {
    const feed = JSON.parse(jsonText) as { version: string; items: Record<string, unknown>[] };

    expect(jsonFeedSchemaErrors(feed)).toEqual([]);
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.items.map((item) => item.id)).toEqual(doc.items.map((item) => item.id));
    feed.items.forEach((jsonItem, i) => {
      const item = doc.items[i]!;
      expect(jsonItem.title).toBe(expected(item.title));
      expect(jsonItem.authors).toEqual([{ name: expected(item.author.name), url: expectedUrl(item.author.url) }]);
      expect(jsonItem._careerfeed).toEqual({ about: doc.extensionAboutUrl, related: expectedRelated(item) });
    });
  });

  test('no string in the JSON Feed holds a lone surrogate or an XML-illegal character', () => {
    const strings = stringsIn(JSON.parse(jsonText));

    expect(strings.filter((text) => expected(text) !== text)).toEqual([]);
  });
});

/** Where two long strings part, with some context; null when equal. Keeps 100 KB bodies out of failure output. */
function firstDifference(actual: string, wanted: string): string | null {
  if (actual === wanted) return null;
  let i = 0;
  while (i < actual.length && actual[i] === wanted[i]) i++;
  return `at ${i} of ${actual.length}/${wanted.length}: got ${JSON.stringify(actual.slice(i, i + 60))}, wanted ${JSON.stringify(wanted.slice(i, i + 60))}`;
}

/** Every string value in parsed JSON; JSON.stringify would have \u-escaped the characters we look for. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}
