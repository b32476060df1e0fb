import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument, DomUtils } from 'htmlparser2';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { feedparser, xmllint, xpathString } from '../feeds/feed-consumers';

/**
 * Titles, author names and tag names are plain text: markup sent through the API is stripped when
 * stored, so no feed, page or API answer carries it, while escaped markup (`&lt;b&gt;`) stays the
 * characters `<b>` and is escaped by every renderer.
 */
describe('titles are plain text everywhere', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;
  let dir: string;
  let slug: string;
  let escapedSlug: string;
  let stored: { title: string; author: { name: string }; tags: string[] };
  let storedEscaped: { title: string };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-titles-'));
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    const auth = await ingest.bearer();
    const created = await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(
        buildPost({
          title: "Resume tips <script>alert('title')</script> <b>bold</b>",
          author: { slug: 'pat-lee', name: 'Pat <i>Lee</i><script>x()</script>' },
          tags: ['<b>resumes</b>'],
          published_at: '2025-03-01T09:00:00Z',
        }),
      );
    expect(created.status).toBe(201);
    stored = created.body;
    slug = created.body.slug;

    const escaped = await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost({ title: 'Use &lt;b&gt; for R&amp;amp;D', published_at: '2025-02-01T09:00:00Z' }));
    expect(escaped.status).toBe(201);
    storedEscaped = escaped.body;
    escapedSlug = escaped.body.slug;

    feed = await startFeedInstance(database.db, ingest.redisPrefix);
  });

  afterAll(async () => {
    await feed?.close();
    await ingest?.close();
    await database?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('when titles and names with markup are posted, then the API stores and answers plain text', () => {
    expect(stored.title).toBe('Resume tips bold');
    expect(stored.author.name).toBe('Pat Lee');
    expect(stored.tags).toEqual(['resumes']);
    // Decoded once: the escaped tag is the text "<b>", and "&amp;amp;" became "&amp;".
    expect(storedEscaped.title).toBe('Use <b> for R&amp;D');
  });

  test('when a title made only of markup is sent, then it is a 400 naming the title', async () => {
    const response = await ingest.request
      .post('/v1/posts')
      .set('Authorization', await ingest.bearer())
      .send(buildPost({ title: '<script>alert(1)</script><b> </b>' }));
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'title' })]);
  });

  test('when the RSS and Atom feeds are read, then they are well-formed and the titles hold no markup', async () => {
    for (const file of ['feed.xml', 'feed.atom']) {
      const response = await feed.request.get(`/${file}`);
      expect(response.status).toBe(200);
      const text = response.text;
      expect(text).not.toMatch(/<script/i);
      expect(text).not.toMatch(/<b>bold/i);
      expect(text).not.toContain('<i>Lee');
      const onDisk = path.join(dir, file);
      fs.writeFileSync(onDisk, text);
      expect(xmllint(onDisk).status).toBe(0);
      const first =
        file === 'feed.xml'
          ? '/rss/channel/item[1]/title'
          : "/*[local-name()='feed']/*[local-name()='entry'][1]/*[local-name()='title']";
      expect(xpathString(onDisk, first)).toBe('Resume tips bold');
      const parsed = feedparser(onDisk);
      expect(parsed.bozo).toBe(false);
      const titles = parsed.entries.map((entry) => entry.title);
      expect(titles).toContain('Resume tips bold');
      // Escaped markup is text: the characters "<b>", not an element (feedparser would drop a real one).
      expect(titles).toContain('Use <b> for R&amp;D');
    }
  });

  test('when the JSON feed is read, then titles, author names and tags are the plain text', async () => {
    const response = await feed.request.get('/feed.json');
    expect(response.status).toBe(200);
    const json = JSON.parse(response.text) as {
      items: { title: string; authors?: { name: string }[]; tags?: string[] }[];
    };
    const item = json.items.find((i) => i.title.startsWith('Resume tips'))!;
    expect(item.title).toBe('Resume tips bold');
    expect(item.authors?.[0]?.name).toBe('Pat Lee');
    expect(JSON.stringify(item.tags ?? [])).not.toContain('<');
    expect(json.items.map((i) => i.title)).toContain('Use <b> for R&amp;D');
  });

  test('when the post pages are read, then the title is text: no script or b element, escaped markup shown as text', async () => {
    const page = await feed.request.get(`/posts/${slug}`);
    expect(page.status).toBe(200);
    const document = parseDocument(page.text);
    // The page's own JSON-LD is the only script, and the title's script body is nowhere.
    const scripts = DomUtils.getElementsByTagName('script', document);
    expect(scripts.map((script) => script.attribs.type)).toEqual(['application/ld+json']);
    expect(page.text).not.toContain('alert(');
    const h1 = DomUtils.getElementsByTagName('h1', document)[0]!;
    expect(DomUtils.getElementsByTagName('b', h1)).toHaveLength(0);
    expect(DomUtils.textContent(h1).trim()).toBe('Resume tips bold');
    expect(DomUtils.textContent(DomUtils.getElementsByTagName('title', document)[0]!)).toContain('Resume tips bold');

    const escapedPage = await feed.request.get(`/posts/${escapedSlug}`);
    expect(escapedPage.text).toContain('Use &lt;b&gt; for R&amp;amp;D');
    expect(escapedPage.text).not.toContain('Use <b>');
  });
});
