import { gzipSync } from 'node:zlib';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { HOSTILE_TITLE_AS_STORED, seedBlog } from '../pages/blog-fixture';
import { parsePage } from '../pages/page-inspection';

const BASE = PUBLIC_BASE_URL;
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

interface EmbedFeed {
  title: string;
  home_page_url: string;
  site_name: string;
  items: {
    title: string;
    url: string;
    summary: string;
    date_published: string;
    image: string | null;
    author: { name: string };
    topics: { name: string }[];
  }[];
}

describe('embed.js', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    feed = await startFeedInstance(database.db, ingest.redisPrefix);
  });
  afterAll(async () => {
    await feed.close();
    await ingest.close();
    await database.drop();
  });

  test('when served, then it is JavaScript under 10 KB gzipped, cacheable, with an ETag that answers 304', async () => {
    const served = await feed.rawGet('/embed.js', {});
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(served.headers['cache-control']).toMatch(/^public, max-age=3600/);
    expect(served.headers['access-control-allow-origin']).toBe('*');
    const etag = served.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const gzipped = gzipSync(served.body, { level: 9 }).length;
    expect(gzipped).toBeLessThanOrEqual(10 * 1024);
    // It defines the element and never parses data as markup.
    const source = served.body.toString('utf8');
    expect(source).toContain("customElements.define('careerfeed-posts'");
    expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);

    const again = await feed.rawGet('/embed.js', { 'If-None-Match': etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });
});

describe.each(DIALECTS)('embeds and oEmbed (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    await seedBlog(ingest);
    feed = await startFeedInstance(database.db, ingest.redisPrefix);
  });
  afterAll(async () => {
    await feed.close();
    await ingest.close();
    await database.drop();
  });

  describe('/embed/posts.json', () => {
    test('when a topic names a tag, then its visible posts come newest first with every field, readable from any origin', async () => {
      const response = await feed.request
        .get('/embed/posts.json?topic=resume&limit=5')
        .set('Origin', 'https://dept.example.edu');
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      const body = response.body as EmbedFeed;
      expect(body.title).toBe('Resume');
      expect(body.home_page_url).toBe(`${BASE}/tags/resume/`);
      expect(body.site_name).toBe('Career Center Blog');
      // The draft and the scheduled post in the same tag are not there.
      expect(body.items.map((i) => i.title)).toEqual(['Résumé basics']);
      expect(body.items[0]).toMatchObject({
        url: `${BASE}/posts/resume-basics`,
        date_published: '2025-03-01T09:00:00-05:00',
        image: 'https://images.test.example/resume.png',
        author: { name: 'Maya Okafor' },
        topics: [{ name: 'resumes' }, { name: 'Resume' }, { name: 'Job search' }],
      });
      expect(body.items[0]!.summary).toMatch(/^Keep it to one page\./);
    });

    test('when a topic names a category and an author is given, then both filters apply, and the limit holds', async () => {
      const both = await feed.request.get('/embed/posts.json?topic=networking&author=sam-lee');
      expect(both.status).toBe(200);
      expect((both.body as EmbedFeed).items.map((i) => i.title)).toEqual(['Networking 101', 'From the alumni blog']);
      expect((both.body as EmbedFeed).title).toBe('Posts by Sam Lee on Networking');
      const limited = await feed.request.get('/embed/posts.json?author=sam-lee&limit=3');
      expect((limited.body as EmbedFeed).items).toHaveLength(3);
    });

    test('when the topic is unknown or markup, then 404 problem+json (still CORS-readable); a bad limit is a 400', async () => {
      const unknown = await feed.request.get('/embed/posts.json?topic=no-such-topic');
      expect(unknown.status).toBe(404);
      expect(unknown.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(unknown.headers['access-control-allow-origin']).toBe('*');
      const markup = await feed.request.get('/embed/posts.json').query({ topic: '<img src=x onerror=alert(1)>' });
      expect(markup.status).toBe(404);
      expect(markup.text).not.toContain('<img');
      for (const limit of ['0', '21', 'ten', '']) {
        const bad = await feed.request.get(`/embed/posts.json?limit=${limit}`);
        expect(bad.status).toBe(400);
        expect(bad.body.code).toBe('VALIDATION_FAILED');
      }
      const twice = await feed.request.get('/embed/posts.json?topic=resume&topic=networking');
      expect(twice.status).toBe(400);
    });
  });

  describe('iframe pages', () => {
    test('when a topic page is framed, then only it allows any ancestor, links open in the top window and titles are text', async () => {
      const response = await feed.request.get('/embed/topics/networking');
      expect(response.status).toBe(200);
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain('frame-ancestors *');
      expect(csp).not.toContain('script-src');
      expect(response.headers['x-frame-options']).toBeUndefined();
      const page = parsePage(response.text);
      const links = page.elements.filter((e) => e.name === 'a');
      expect(links.length).toBeGreaterThan(2);
      expect(links.every((a) => a.attribs.target === '_top')).toBe(true);
      expect(page.elements.some((e) => e.name === 'script')).toBe(false);
      expect(links.map((a) => a.attribs.href)).toContain(`${BASE}/posts/networking-101`);

      // The site's ordinary pages still refuse to be framed.
      const home = await feed.request.get('/').set('Accept', HTML);
      expect(String(home.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    });

    test('when the hostile author is embedded, then their post title is escaped text', async () => {
      const response = await feed.request.get('/embed/authors/mallory');
      expect(response.status).toBe(200);
      const page = parsePage(response.text);
      expect(page.elements.filter((e) => e.name === 'a').map((a) => a.text)).toContain(HOSTILE_TITLE_AS_STORED);
      expect(page.elements.some((e) => e.name === 'script' || e.name === 'b')).toBe(false);
    });

    test('when the topic, author or post is unknown (or not a slug), then 404', async () => {
      for (const path of [
        '/embed/topics/nope',
        '/embed/authors/nope',
        '/embed/posts/draft-post',
        '/embed/topics/%3Cb%3E',
      ]) {
        const response = await feed.request.get(path);
        expect(response.status).toBe(404);
      }
    });
  });

  describe('/oembed', () => {
    test('when asked for a post URL, then a rich response frames the post embed page, within maxwidth', async () => {
      const url = `${BASE}/posts/resume-basics`;
      const response = await feed.request.get('/oembed').query({ url, format: 'json', maxwidth: '300' });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.body).toMatchObject({
        version: '1.0',
        type: 'rich',
        title: 'Résumé basics',
        author_name: 'Maya Okafor',
        provider_name: 'Career Center Blog',
        width: 300,
        height: 320,
      });
      const iframe = parsePage(response.body.html).elements.find((e) => e.name === 'iframe');
      expect(iframe?.attribs.src).toBe(`${BASE}/embed/posts/resume-basics`);
      expect(iframe?.attribs.width).toBe('300');

      const framed = await feed.request.get('/embed/posts/resume-basics');
      expect(framed.status).toBe(200);
      expect(framed.text).toContain('Résumé basics');
    });

    test('when the URL is foreign, unknown or a draft, then 404; format=xml is 501; another format or no url is 400', async () => {
      for (const url of [
        'https://evil.example/posts/resume-basics',
        `${BASE}/posts/no-such-post`,
        `${BASE}/posts/draft-post`,
        `${BASE}/tags/resume/`,
        'not a url',
      ]) {
        const response = await feed.request.get('/oembed').query({ url, format: 'json' });
        expect(response.status).toBe(404);
      }
      const xml = await feed.request.get('/oembed').query({ url: `${BASE}/posts/resume-basics`, format: 'xml' });
      expect(xml.status).toBe(501);
      expect(xml.body.code).toBe('NOT_IMPLEMENTED');
      const missing = await feed.request.get('/oembed');
      expect(missing.status).toBe(400);
      // A format oEmbed does not define is the client's mistake, not a format we chose not to serve.
      const unknown = await feed.request.get('/oembed').query({ url: `${BASE}/posts/resume-basics`, format: '1e309' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'format' })]);
    });

    test('when a post page is read, then it announces its oEmbed endpoint, and the endpoint answers for it', async () => {
      const response = await feed.request.get('/posts/resume-basics').set('Accept', HTML);
      const link = parsePage(response.text).elements.find(
        (e) => e.name === 'link' && e.attribs.type === 'application/json+oembed',
      );
      expect(link?.attribs.rel).toBe('alternate');
      const href = new URL(link!.attribs.href!);
      expect(href.searchParams.get('url')).toBe(`${BASE}/posts/resume-basics`);
      const followed = await feed.request.get(`${href.pathname}${href.search}`);
      expect(followed.status).toBe(200);
      expect(followed.body.title).toBe('Résumé basics');
    });
  });

  test('when a tag, category or author page is read, then it offers the copy-paste embed snippet', async () => {
    for (const [path, attribute] of [
      ['/tags/resume/', 'topic="resume"'],
      ['/categories/networking/', 'topic="networking"'],
      ['/authors/sam-lee/', 'author="sam-lee"'],
    ] as const) {
      const response = await feed.request.get(path).set('Accept', HTML);
      const code = parsePage(response.text).elements.find(
        (e) => e.name === 'code' && e.ancestors.some((a) => a.name === 'pre'),
      );
      expect(code?.text).toBe(
        `<script src="${BASE}/embed.js" async></script><careerfeed-posts ${attribute} limit="5"></careerfeed-posts>`,
      );
    }
  });
});
