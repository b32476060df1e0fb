import {
  EMPTY_FEED_UPDATED,
  FEED_MEDIA_TYPES,
  feedUpdated,
  renderAtom,
  renderJsonFeed,
  renderRss,
  type FeedDocument,
} from '../../packages/core/src/feeds';
import { BASE_URL, buildFeedDocument, buildFeedItem, buildRelatedLink } from './feed-factories';

/** What the renderers promise beyond well-formedness (which feed-consumers.test.ts checks). */

interface JsonFeed {
  version: string;
  feed_url: string;
  language: string;
  next_url?: string;
  hubs?: unknown;
  items: {
    id: string;
    content_html: string;
    external_url?: string;
    image?: string;
    tags: string[];
    date_published: string;
    date_modified: string;
    _careerfeed: { related: { url: string }[] };
  }[];
}

function renderJson(doc: FeedDocument): JsonFeed {
  return JSON.parse(renderJsonFeed(doc)) as JsonFeed;
}

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern, 'g'))?.length ?? 0;
}

describe('feed dates', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  test('when the clock says 2031, then lastBuildDate and Atom updated are the newest item update, and output is stable', () => {
    jest.useFakeTimers({ now: new Date('2031-06-01T00:00:00Z') });
    const doc = buildFeedDocument({
      items: [
        buildFeedItem({ published: '2025-02-01T09:00:00-03:00', updated: '2025-02-01T12:00:00Z' }),
        // An older post edited later makes the feed newer.
        buildFeedItem({ published: '2025-01-10T09:00:00+01:00', updated: '2025-02-03T08:30:00Z' }),
      ],
    });

    const rss = renderRss(doc);

    expect(feedUpdated(doc)).toBe('2025-02-03T08:30:00Z');
    expect(rss).toContain('<lastBuildDate>Mon, 03 Feb 2025 08:30:00 GMT</lastBuildDate>');
    expect(renderAtom(doc)).toMatch(/<feed [^>]*>\s*<id>[^<]*<\/id>[\s\S]*?<updated>2025-02-03T08:30:00Z<\/updated>/);
    expect(rss).not.toContain('2031');
    jest.setSystemTime(new Date('2032-01-01T00:00:00Z'));
    expect(renderRss(doc)).toBe(rss);
  });

  test('when a title contains a lastBuildDate element, then only the channel lastBuildDate is replaced', () => {
    const fake = '<lastBuildDate>Sat, 01 Jan 2000 00:00:00 GMT</lastBuildDate>';
    const doc = buildFeedDocument({
      title: `Feed ${fake}`,
      items: [buildFeedItem({ title: `Post ${fake}`, updated: '2025-02-03T08:30:00Z' })],
    });

    const rss = renderRss(doc);

    expect(count(rss, /<lastBuildDate>Mon, 03 Feb 2025 08:30:00 GMT<\/lastBuildDate>/)).toBe(1);
    expect(count(rss, /<lastBuildDate>Sat, 01 Jan 2000 00:00:00 GMT<\/lastBuildDate>/)).toBe(2);
  });

  test('when the feed is empty, then RSS has no lastBuildDate and Atom updated is the fixed epoch', () => {
    const doc = buildFeedDocument({ items: [] });

    expect(feedUpdated(doc)).toBeNull();
    expect(renderRss(doc)).not.toContain('lastBuildDate');
    expect(renderAtom(doc)).toContain(`<updated>${EMPTY_FEED_UPDATED}</updated>`);
  });

  test('published keeps the author offset in Atom and JSON Feed and is RFC 822 GMT in RSS', () => {
    const doc = buildFeedDocument({
      items: [buildFeedItem({ published: '2025-01-27T18:00:00-03:00', updated: '2025-01-28T10:00:00Z' })],
    });

    expect(renderRss(doc)).toContain('<pubDate>Mon, 27 Jan 2025 21:00:00 GMT</pubDate>');
    expect(renderAtom(doc)).toContain('<published>2025-01-27T18:00:00-03:00</published>');
    expect(renderAtom(doc)).toContain('<updated>2025-01-28T10:00:00Z</updated>');
    expect(renderJson(doc).items[0]).toMatchObject({
      date_published: '2025-01-27T18:00:00-03:00',
      date_modified: '2025-01-28T10:00:00Z',
    });
  });

  test('when an item date is not RFC 3339, then rendering throws instead of printing Invalid Date', () => {
    const doc = buildFeedDocument({ items: [buildFeedItem({ published: 'yesterday' })] });

    expect(() => renderRss(doc)).toThrow(TypeError);
    expect(() => renderAtom(doc)).toThrow(TypeError);
    expect(() => renderJsonFeed(doc)).toThrow(TypeError);
  });
});

describe('item identity and metadata', () => {
  test('an item id is the same, unchanged, in all three formats and in every feed it appears in', () => {
    const item = buildFeedItem();
    const siteFeed = buildFeedDocument({ items: [buildFeedItem(), item] });
    const tagFeed = buildFeedDocument({ id: `${BASE_URL}/tags/interviews/`, items: [item] });

    for (const doc of [siteFeed, tagFeed]) {
      expect(renderRss(doc)).toContain(`<guid isPermaLink="false">${item.id}</guid>`);
      expect(renderAtom(doc)).toContain(`<id>${item.id}</id>`);
      expect(renderJson(doc).items.map((jsonItem) => jsonItem.id)).toContain(item.id);
    }
  });

  test('RSS names the author with dc:creator and never with <author>, which must be an email', () => {
    const doc = buildFeedDocument({
      items: [buildFeedItem({ author: { name: 'Maya Okafor', url: `${BASE_URL}/a/m` } })],
    });

    const rss = renderRss(doc);

    expect(rss).toContain('<dc:creator><![CDATA[Maya Okafor]]></dc:creator>');
    expect(rss).not.toContain('<author');
    expect(renderAtom(doc)).toMatch(
      /<author>\s*<name>Maya Okafor<\/name>\s*<uri>https:\/\/careers.example.edu\/a\/m<\/uri>/,
    );
  });

  test('each tag and the category become a category (by name in RSS and JSON, term and label in Atom), once per slug', () => {
    const doc = buildFeedDocument({
      items: [
        buildFeedItem({
          tags: [
            { slug: 'resumes', name: 'Résumés & CVs' },
            { slug: 'internships', name: 'Internships' },
          ],
          category: { slug: 'internships', name: 'Internships' },
        }),
      ],
    });

    const rss = renderRss(doc);
    const atom = renderAtom(doc);

    expect(count(rss, /<category>/)).toBe(2);
    expect(rss).toContain('<category><![CDATA[Résumés & CVs]]></category>');
    expect(rss).toContain('<category><![CDATA[Internships]]></category>');
    expect(count(atom, /<category /)).toBe(2);
    expect(atom).toContain('<category term="resumes" label="Résumés &amp; CVs"/>');
    expect(renderJson(doc).items[0]?.tags).toEqual(['Résumés & CVs', 'Internships']);
  });

  test('a featured image is media:content in RSS and Atom (no enclosure without a length) and image in JSON Feed', () => {
    const withImage = buildFeedDocument({ items: [buildFeedItem({ image: `${BASE_URL}/i/a.jpg?w=1&h=2` })] });
    const withoutImage = buildFeedDocument({ items: [buildFeedItem({ image: null })] });

    const mediaContent = `<media:content url="${BASE_URL}/i/a.jpg?w=1&amp;h=2" medium="image"/>`;
    expect(renderRss(withImage)).toContain(mediaContent);
    expect(renderRss(withImage)).not.toContain('<enclosure');
    expect(renderAtom(withImage)).toContain(mediaContent);
    expect(renderJson(withImage).items[0]?.image).toBe(`${BASE_URL}/i/a.jpg?w=1&h=2`);
    expect(renderRss(withoutImage)).not.toContain('media:content');
    expect(renderAtom(withoutImage)).not.toContain('media:content');
    expect(renderJson(withoutImage).items[0]).not.toHaveProperty('image');
  });

  test('JSON Feed gives external_url only when the original lives elsewhere', () => {
    const item = buildFeedItem({ externalUrl: 'https://partner.example.org/original' });
    const sameUrl = buildFeedItem();
    const doc = buildFeedDocument({ items: [item, { ...sameUrl, externalUrl: sameUrl.url }] });

    const [syndicated, own] = renderJson(doc).items;

    expect(syndicated?.external_url).toBe('https://partner.example.org/original');
    expect(own).not.toHaveProperty('external_url');
  });

  test('when the original lives elsewhere, then RSS and Atom content credit its author and link it; our own posts say nothing', () => {
    const syndicated = buildFeedItem({
      externalUrl: 'https://partner.example.org/original?a=1&b=2',
      author: { name: 'Dana <Alumni>', url: `${BASE_URL}/authors/src-1234abcd-dana` },
    });
    const own = buildFeedItem({ title: 'Our own post' });
    const doc = buildFeedDocument({ items: [syndicated, { ...own, externalUrl: own.url }] });
    const credit =
      '<p>Originally published by Dana &lt;Alumni&gt; at <a href="https://partner.example.org/original?a=1&amp;b=2">partner.example.org</a>.</p>';

    expect(renderRss(doc)).toContain(credit);
    // Atom content type="html" is that markup escaped once more.
    expect(renderAtom(doc)).toContain(
      credit.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
    );
    expect(renderRss(doc).split('Originally published by')).toHaveLength(2);
  });
});

describe('feed links', () => {
  const paged = buildFeedDocument({
    links: {
      self: `${BASE_URL}/feed.xml?page=2`,
      alternateHtml: `${BASE_URL}/`,
      first: `${BASE_URL}/feed.xml`,
      next: `${BASE_URL}/feed.xml?page=3`,
      previous: `${BASE_URL}/feed.xml`,
      prevArchive: `${BASE_URL}/archive/2024.xml`,
      hub: 'https://hub.example.org/',
    },
  });
  const plain = buildFeedDocument({ links: { self: `${BASE_URL}/feed.xml`, alternateHtml: `${BASE_URL}/` } });

  test('when a hub is given, then RSS and Atom advertise rel="hub" beside rel="self", and JSON Feed lists a WebSub hub', () => {
    expect(renderRss(paged)).toContain(
      `<atom:link href="${BASE_URL}/feed.xml?page=2" rel="self" type="application/rss+xml"/>`,
    );
    expect(renderRss(paged)).toContain('<atom:link href="https://hub.example.org/" rel="hub"/>');
    expect(renderAtom(paged)).toContain(
      `<link rel="self" type="application/atom+xml" href="${BASE_URL}/feed.xml?page=2"/>`,
    );
    expect(renderAtom(paged)).toContain('<link rel="hub" href="https://hub.example.org/"/>');
    expect(renderJson(paged)).toMatchObject({
      feed_url: `${BASE_URL}/feed.xml?page=2`,
      hubs: [{ type: 'WebSub', url: 'https://hub.example.org/' }],
    });
  });

  test('when no hub is given, then no format mentions one, and rel="self" is still there', () => {
    expect(renderRss(plain)).not.toContain('rel="hub"');
    expect(renderRss(plain)).toContain('rel="self"');
    expect(renderAtom(plain)).not.toContain('rel="hub"');
    expect(renderAtom(plain)).toContain('rel="self"');
    expect(renderJson(plain)).not.toHaveProperty('hubs');
  });

  test.each([
    ['first', `${BASE_URL}/feed.xml`],
    ['next', `${BASE_URL}/feed.xml?page=3`],
    ['previous', `${BASE_URL}/feed.xml`],
    ['prev-archive', `${BASE_URL}/archive/2024.xml`],
  ])('when a %s link is given, then RSS and Atom carry it as an RFC 5005 link, and only then', (rel, href) => {
    expect(renderRss(paged)).toContain(`<atom:link rel="${rel}" type="application/rss+xml" href="${href}"/>`);
    expect(renderAtom(paged)).toContain(`<link rel="${rel}" type="application/atom+xml" href="${href}"/>`);
    expect(renderRss(plain)).not.toContain(`rel="${rel}"`);
    expect(renderAtom(plain)).not.toContain(`rel="${rel}"`);
  });

  test('when a next page exists, then JSON Feed gives next_url, and not otherwise', () => {
    expect(renderJson(paged).next_url).toBe(`${BASE_URL}/feed.xml?page=3`);
    expect(renderJson(plain)).not.toHaveProperty('next_url');
  });

  test('JSON Feed is version 1.1, carries the language and is served as application/feed+json', () => {
    const feed = renderJson(buildFeedDocument({ language: 'es-AR' }));

    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.language).toBe('es-AR');
    expect(FEED_MEDIA_TYPES.json).toBe('application/feed+json; charset=utf-8');
  });
});

describe('related posts', () => {
  const related = buildRelatedLink({ title: 'Salary talks: "what" & <why>', url: `${BASE_URL}/posts/salary?a=1&b=2` });
  const doc = buildFeedDocument({ items: [buildFeedItem({ contentHtml: '<p>Body</p>', related: [related] })] });

  test('RSS has an atom:link rel="related" per related post and a "Related posts" list ending content:encoded', () => {
    const rss = renderRss(doc);

    expect(rss).toContain(
      `<atom:link rel="related" type="text/html" href="${BASE_URL}/posts/salary?a=1&amp;b=2" title="Salary talks: &quot;what&quot; &amp; &lt;why&gt;"/>`,
    );
    expect(rss).toContain(
      `<content:encoded><![CDATA[<p>Body</p><h3>Related posts</h3><ul><li><a href="${BASE_URL}/posts/salary?a=1&amp;b=2">Salary talks: &quot;what&quot; &amp; &lt;why&gt;</a></li></ul>]]></content:encoded>`,
    );
  });

  test('Atom has a link rel="related" with its title and the same list at the end of content', () => {
    const atom = renderAtom(doc);

    expect(atom).toContain(
      `<link rel="related" type="text/html" href="${BASE_URL}/posts/salary?a=1&amp;b=2" title="Salary talks: &quot;what&quot; &amp; &lt;why&gt;"/>`,
    );
    expect(atom).toContain('&lt;h3&gt;Related posts&lt;/h3&gt;');
  });

  test('JSON Feed carries them in _careerfeed and leaves content_html as the body alone', () => {
    const item = renderJson(doc).items[0];

    expect(item?.content_html).toBe('<p>Body</p>');
    expect(item?._careerfeed).toEqual({
      about: `${BASE_URL}/about/json-feed-extension`,
      related: [{ id: related.id, url: related.url, title: related.title }],
    });
  });

  test('when an item has no related posts, then there is no list and no related link', () => {
    const lonely = buildFeedDocument({ items: [buildFeedItem({ related: [] })] });

    expect(renderRss(lonely)).not.toMatch(/Related posts|rel="related"/);
    expect(renderAtom(lonely)).not.toMatch(/Related posts|rel="related"/);
    expect(renderJson(lonely).items[0]?._careerfeed.related).toEqual([]);
  });

  test('when a related link is not http(s), then no format renders it and no script element appears', () => {
    const hostile = buildFeedDocument({
      items: [
        buildFeedItem({
          related: [
            buildRelatedLink({ url: 'javascript:alert(1)' }),
            buildRelatedLink({ url: 'data:text/html,<script>alert(1)</script>' }),
            buildRelatedLink({ title: '<script>alert(1)</script>' }),
          ],
        }),
      ],
    });

    for (const output of [renderRss(hostile), renderAtom(hostile), renderJsonFeed(hostile)]) {
      expect(output).not.toMatch(/javascript:|data:text/);
    }
    expect(renderRss(hostile)).not.toMatch(/<script/i);
    expect(renderRss(hostile)).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(renderJson(hostile).items[0]?._careerfeed.related).toHaveLength(1);
  });
});
