import { externalIdOf, itemToPostInput, syndicatedAuthorSlug } from './item-to-post';
import { type SyndicatedItem, authorName, decodeFeedBody, parsePartnerFeed } from './feed-items';
import { parseRetryAfter } from '../retry-after';
import { MAX_BACKOFF_MS, nextPollAt } from './poll-schedule';

const BASE = 'https://partner.example/feed.xml';

function rss(items: string): string {
  return `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Alumni News</title><link>https://partner.example/</link><description>d</description>${items}</channel></rss>`;
}

function parsed(body: string, type = 'application/rss+xml') {
  const result = parsePartnerFeed(body, type, BASE);
  if (!result.ok) throw new Error(`expected a feed, got ${result.code}: ${result.message}`);
  return result.feed;
}

const item = (overrides: Partial<SyndicatedItem> = {}): SyndicatedItem => ({
  guid: 'g-1',
  link: 'https://partner.example/posts/1',
  title: 'Spring mixer',
  html: '<p>Join us</p>',
  authorName: 'Dana Alumni',
  categories: ['Networking'],
  publishedAt: '2026-11-20T10:00:00.000Z',
  ...overrides,
});

const source = {
  id: '0190c8e4-0000-7000-8000-000000000001',
  author: null,
  category: null,
  fallbackName: 'Alumni News',
};
const NOW = new Date('2026-11-26T00:00:00Z');

describe('parsePartnerFeed: guid choice', () => {
  test('when an RSS item has a guid, then the guid is its identity and its link the original', () => {
    const feed = parsed(
      rss('<item><title>A</title><link>https://partner.example/a</link><guid isPermaLink="false">tag:a</guid></item>'),
    );
    expect(feed.items).toEqual([expect.objectContaining({ guid: 'tag:a', link: 'https://partner.example/a' })]);
  });

  test('when an item has no guid, then its link is its identity; with neither, it is skipped and counted', () => {
    const feed = parsed(
      rss('<item><title>A</title><link>/a</link></item><item><title>Nothing to know me by</title></item>'),
    );
    expect(feed.items.map((i) => i.guid)).toEqual(['https://partner.example/a']);
    expect(feed.skippedWithoutId).toBe(1);
  });

  test('when two items share a guid, then the first is kept and the other counted as a duplicate', () => {
    const feed = parsed(
      rss('<item><title>First</title><guid>same</guid></item><item><title>Second</title><guid>same</guid></item>'),
    );
    expect(feed.items.map((i) => i.title)).toEqual(['First']);
    expect(feed.duplicates).toBe(1);
  });

  test('when the feed is Atom, JSON Feed or RDF, then id, link, author, categories and date are read from each', () => {
    const atom = parsed(
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom P</title><id>urn:x</id><updated>2026-01-02T00:00:00Z</updated><entry><id>urn:e1</id><title>E</title><link rel="alternate" href="https://p.example/e1"/><author><name>Al</name></author><category term="jobs"/><published>2026-01-01T00:00:00Z</published><updated>2026-01-02T00:00:00Z</updated><content type="html">&lt;b&gt;x&lt;/b&gt;</content></entry></feed>',
      'application/atom+xml',
    );
    expect(atom.format).toBe('atom');
    expect(atom.items[0]).toEqual({
      guid: 'urn:e1',
      link: 'https://p.example/e1',
      title: 'E',
      html: '<b>x</b>',
      authorName: 'Al',
      categories: ['jobs'],
      publishedAt: '2026-01-01T00:00:00.000Z',
    });
    const json = parsed(
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'J',
        items: [
          {
            id: '7',
            url: 'https://p.example/7',
            title: 'Seven',
            content_text: 'a < b',
            authors: [{ name: 'Jo' }],
            tags: ['t'],
          },
        ],
      }),
      'application/feed+json',
    );
    expect(json.items[0]).toMatchObject({
      guid: '7',
      html: '<p>a &lt; b</p>',
      authorName: 'Jo',
      categories: ['t'],
      publishedAt: null,
    });
    const rdf = parsed(
      '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://p.example/"><title>R</title><link>https://p.example/</link><description>d</description></channel><item rdf:about="https://p.example/r"><title>R1</title><link>https://p.example/r</link><dc:creator>Dee</dc:creator><dc:date>2026-01-01T05:00:00-05:00</dc:date></item></rdf:RDF>',
      'application/rdf+xml',
    );
    expect(rdf.items[0]).toMatchObject({
      guid: 'https://p.example/r',
      authorName: 'Dee',
      publishedAt: '2026-01-01T10:00:00.000Z',
    });
  });

  test('when the body is an HTML page, then it is "not a feed"; when it is broken XML, then it is an invalid feed', () => {
    expect(parsePartnerFeed('<!doctype html><html><body>Hi</body></html>', 'text/html', BASE)).toMatchObject({
      ok: false,
      code: 'NOT_A_FEED',
    });
    expect(parsePartnerFeed('<rss version="2.0"><channel><item><title>x</ti', 'application/xml', BASE)).toMatchObject({
      ok: false,
      code: 'INVALID_FEED',
    });
    expect(parsePartnerFeed(rss(''), 'image/png', BASE)).toMatchObject({ ok: false, code: 'NOT_A_FEED' });
  });
});

describe('authorName', () => {
  test('when an RSS author is "email (Name)", then only the name is credited; a bare address credits nobody', () => {
    expect(authorName('dana@partner.example (Dana Alumni)')).toBe('Dana Alumni');
    expect(authorName('dana@partner.example')).toBeNull();
    expect(authorName('  Dana  ')).toBe('Dana');
  });
});

describe('itemToPostInput', () => {
  test('when an item is mapped, then it carries the source, guid, original link, credited author and tags', () => {
    expect(itemToPostInput(item(), source, NOW)).toEqual({
      title: 'Spring mixer',
      html: '<p>Join us</p>',
      author: { slug: syndicatedAuthorSlug(source.id, 'Dana Alumni'), name: 'Dana Alumni' },
      tags: ['Networking'],
      published_at: '2026-11-20T10:00:00.000Z',
      status: 'published',
      canonical_url: 'https://partner.example/posts/1',
      external_id: 'g-1',
      source: source.id,
    });
  });

  test("when the item names no author, then the source's default author is credited, else the feed's title", () => {
    expect(itemToPostInput(item({ authorName: null }), { ...source, author: 'Alumni Office' }, NOW).author.name).toBe(
      'Alumni Office',
    );
    expect(itemToPostInput(item({ authorName: null }), source, NOW).author.name).toBe('Alumni News');
  });

  test("when the source has a category, then every post gets it; the item's categories are tags, deduplicated", () => {
    const input = itemToPostInput(
      item({ categories: ['Jobs', 'jobs', '  ', 'Career Fairs'] }),
      { ...source, category: 'partners' },
      NOW,
    );
    expect(input.category).toBe('partners');
    expect(input.tags).toEqual(['Jobs', 'Career Fairs']);
  });

  test('when the date is in the future or missing, then no published_at is sent (first seen counts)', () => {
    expect(
      itemToPostInput(item({ publishedAt: '2027-01-01T00:00:00.000Z' }), source, NOW).published_at,
    ).toBeUndefined();
    expect(itemToPostInput(item({ publishedAt: null }), source, NOW).published_at).toBeUndefined();
  });

  test('when two sources credit the same name, then they are two authors, and neither looks like a local slug', () => {
    const a = syndicatedAuthorSlug(source.id, 'Career Services');
    const b = syndicatedAuthorSlug('0190c8e4-0000-7000-8000-000000000002', 'Career Services');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^src-[0-9a-f]{8}-career-services$/);
  });

  test('when a guid is too long for an identifier, then a stable hash of it is used', () => {
    const long = `https://partner.example/${'x'.repeat(400)}`;
    expect(externalIdOf(long)).toBe(externalIdOf(long));
    expect(externalIdOf(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(externalIdOf('short')).toBe('short');
  });
});

describe('nextPollAt', () => {
  const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

  test('when the poll succeeded, then the next one is one interval later', () => {
    expect(nextPollAt({ now: NOW, intervalMinutes: 30, consecutiveFailures: 0 })).toEqual(at(30));
  });

  test('when polls keep failing, then the delay doubles each time, up to a day', () => {
    const delays = [1, 2, 3, 4, 10].map((failures) =>
      nextPollAt({ now: NOW, intervalMinutes: 30, consecutiveFailures: failures }),
    );
    expect(delays).toEqual([at(30), at(60), at(120), at(240), new Date(NOW.getTime() + MAX_BACKOFF_MS)]);
  });

  test('when the partner asks for a longer Retry-After, then it is honoured, within the day', () => {
    expect(nextPollAt({ now: NOW, intervalMinutes: 30, consecutiveFailures: 1, retryAfterMs: 3 * 3600_000 })).toEqual(
      at(180),
    );
    expect(nextPollAt({ now: NOW, intervalMinutes: 30, consecutiveFailures: 1, retryAfterMs: 10 * 60_000 })).toEqual(
      at(30),
    );
    expect(nextPollAt({ now: NOW, intervalMinutes: 30, consecutiveFailures: 1, retryAfterMs: 9e9 })).toEqual(
      new Date(NOW.getTime() + MAX_BACKOFF_MS),
    );
  });

  test('when Retry-After is seconds or an HTTP date, then both are understood; anything else is ignored', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 01:00:00 GMT', NOW)).toBe(3600_000);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
});

describe('decodeFeedBody', () => {
  const latin1 = Buffer.from(
    '<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>Caf\u00e9</title></channel></rss>',
    'latin1',
  );

  test('when the XML declaration names ISO-8859-1, then the bytes are read as such', () => {
    expect(decodeFeedBody(latin1, 'application/rss+xml')).toContain('<title>Café</title>');
  });

  test('when the Content-Type names a charset, then it wins; an unknown label or none means UTF-8', () => {
    expect(decodeFeedBody(Buffer.from('<t>Café</t>', 'latin1'), 'text/xml; charset=windows-1252')).toBe('<t>Café</t>');
    expect(decodeFeedBody(Buffer.from('<t>Café</t>', 'utf8'), 'text/xml; charset=x-no-such-charset')).toBe(
      '<t>Café</t>',
    );
    expect(decodeFeedBody(Buffer.from('{"title":"Café"}', 'utf8'), 'application/feed+json')).toBe('{"title":"Café"}');
  });
});
