import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { xmllint, xpathString } from '../feeds/feed-consumers';
import { parsePage } from '../pages/page-inspection';
import { manageLinks } from '@careerfeed/core';
import { readSubscriptionTokenKey } from '@careerfeed/db';
import { buildPost } from '../helpers/factories';
import { seedTopics } from './topics-fixture';

const BASE = PUBLIC_BASE_URL;
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe.each(DIALECTS)('topics, sitemap, robots.txt and OPML (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    await seedTopics(ingest);
    feed = await startFeedInstance(database.db, ingest.redisPrefix);
    dir = mkdtempSync(path.join(tmpdir(), 'careerfeed-topics-'));
  });

  afterAll(async () => {
    await feed?.close();
    await ingest?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function html(pathname: string) {
    const response = await feed.request.get(pathname).set('Accept', HTML);
    return { response, page: parsePage(response.text) };
  }

  function listedSlugs(text: string): string[] {
    const page = parsePage(text);
    return page.elements
      .filter((e) => e.name === 'article' && e.ancestors.some((a) => a.name === 'ol'))
      .map((article) => page.within(article, 'a')[0]!.attribs.href!.replace(`${BASE}/posts/`, ''));
  }

  /** The document as a file, checked by libxml2; returns the file for XPath questions. */
  function wellFormed(name: string, body: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, body);
    expect(xmllint(file)).toEqual({ status: 0, stderr: '' });
    return file;
  }

  test('when a tag and a category share a slug, then its topic page lists the union of their visible posts, each once', async () => {
    const { response } = await html('/topics/career-fairs/');
    expect(response.status).toBe(200);
    expect(listedSlugs(response.text)).toEqual([
      'fair-tag-only',
      'fair-both',
      'fair-5',
      'fair-4',
      'fair-3',
      'fair-2',
      'fair-1',
    ]);
    // The narrower lists still answer as before.
    expect(listedSlugs((await html('/tags/career-fairs/')).response.text)).toEqual(['fair-tag-only', 'fair-both']);
    expect(listedSlugs((await html('/categories/career-fairs/')).response.text)).toHaveLength(6);
    const page = parsePage(response.text);
    expect(page.first('h1')!.text).toBe('Career fairs');
    expect(page.links('canonical')[0]!.href).toBe(`${BASE}/topics/career-fairs/`);
    expect(page.links('alternate').map((l) => l.href)).toEqual(
      ['feed.xml', 'feed.atom', 'feed.json'].map((f) => `${BASE}/topics/career-fairs/${f}`),
    );
    // The email box offers this topic, ticked.
    const box = page.all('input').find((i) => i.attribs.name === 'topics');
    expect(box?.attribs).toMatchObject({ value: 'topic:career-fairs', checked: '' });
    // A campus site can paste one line to show this topic's posts.
    const snippet = page
      .all('code')
      .map((c) => c.text)
      .find((t) => t.includes('<careerfeed-posts'));
    expect(snippet).toContain(`src="${BASE}/embed.js"`);
    expect(snippet).toContain('topic="career-fairs"');
  });

  test('when the topic feeds are read, then each holds the same seven posts, and the RSS is well-formed', async () => {
    const rss = await feed.request.get('/topics/career-fairs/feed.xml');
    expect(rss.status).toBe(200);
    const file = wellFormed('topic.xml', rss.text);
    expect(xpathString(file, 'count(//item)')).toBe('7');
    expect(xpathString(file, '/rss/channel/title')).toBe('Career Center Blog: posts about Career fairs');
    const json = await feed.request.get('/topics/career-fairs/feed.json');
    expect((json.body as { items: unknown[] }).items).toHaveLength(7);
    expect((await feed.request.get('/topics/no-such-topic/feed.atom')).status).toBe(404);
  });

  test('when the topic index is read, then topics are grouped under categories with visible post counts, biggest first', async () => {
    const { response, page } = await html('/topics/');
    expect(response.status).toBe(200);
    const groups = page.all('section').map((section) => ({
      heading: page.within(section, 'h2')[0]!.text,
      topics: page.within(section, 'li').map((li) => li.text.replace(/\s+/g, ' ').trim()),
    }));
    expect(groups).toEqual([
      { heading: 'Career fairs', topics: ['Career fairs 7 posts', 'Resumes 1 post'] },
      { heading: 'Internships', topics: ['Internships 2 posts', 'Networking 1 post'] },
    ]);
    expect((await feed.request.get('/topics')).status).toBe(301);
  });

  test('when a topic is unknown or a page is past the end, then the answer is a 404 page; a bad page number a 400', async () => {
    expect((await html('/topics/no-such-topic/')).response.status).toBe(404);
    expect((await html('/topics/career-fairs/?page=2')).response.status).toBe(404);
    expect((await html('/topics/career-fairs/?page=zero')).response.status).toBe(400);
    expect((await html('/topics/%2e%2e/')).response.status).toBe(404);
  });

  test('when a reader subscribes to a topic, then "topic:<slug>" is stored; an unknown topic is a 400 that stores nothing', async () => {
    const ok = await feed.request
      .post('/subscribe')
      .set('Accept', 'application/json')
      .send({ email: 'fairgoer@example.edu', topics: ['topic:career-fairs'] });
    expect(ok.status).toBe(202);
    const row = await database.db.kysely
      .selectFrom('subscribers')
      .select(['topics', 'frequency'])
      .where('email_key', '=', 'fairgoer@example.edu')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.topics)).toEqual(['topic:career-fairs']);
    expect(row.frequency).toBe('weekly');

    const bad = await feed.request
      .post('/subscribe')
      .set('Accept', 'application/json')
      .send({ email: 'nobody@example.edu', topics: ['topic:no-such-topic'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'topics/0' }] });
    const none = await database.db.kysely
      .selectFrom('subscribers')
      .select('id')
      .where('email_key', '=', 'nobody@example.edu')
      .executeTakeFirst();
    expect(none).toBeUndefined();
  });

  test('when the subscribe page is read, then each topic is offered once as one choice, popular first, with ?topic= ticked', async () => {
    const { page } = await html('/subscribe?topic=networking');
    const boxes = page.all('input').filter((i) => i.attribs.name === 'topics');
    const values = boxes.map((b) => b.attribs.value);
    expect(values).toEqual(['topic:career-fairs', 'topic:internships', 'topic:networking', 'topic:resumes']);
    expect(boxes.filter((b) => b.attribs.checked !== undefined).map((b) => b.attribs.value)).toEqual([
      'topic:networking',
    ]);
    expect(page.first('html')!.text).toContain('Choose none to get every new post');
  });

  test('when a post page is read, then its tags and category link to their topics and an email box offers its category', async () => {
    const { response, page } = await html('/posts/fair-both');
    expect(response.status).toBe(200);
    const article = page.first('article')!;
    const hrefs = page.within(article, 'a').map((a) => a.attribs.href);
    expect(hrefs).toEqual(expect.arrayContaining([`${BASE}/topics/career-fairs/`, `${BASE}/topics/resumes/`]));
    expect(hrefs.some((h) => h?.includes('/tags/') || h?.includes('/categories/'))).toBe(false);
    const box = page.all('input').find((i) => i.attribs.name === 'topics');
    expect(box?.attribs).toMatchObject({ value: 'topic:career-fairs', checked: '' });
    // The email box comes first; the comment form follows it (the site header's search box left out).
    expect(
      page
        .all('form')
        .filter((f) => !f.ancestors.some((a) => a.name === 'header'))
        .map((f) => f.attribs.action),
    ).toEqual(['/subscribe', '/posts/fair-both/comments']);
    // "More choices" opens the full form with the same topic ticked.
    const more = page.all('a').find((a) => a.text.startsWith('More choices'));
    expect(more?.attribs.href).toBe(`${BASE}/subscribe?topic=career-fairs`);
  });

  test('when /sitemap.xml is read, then it lists home, topics, authors with posts and every visible post with lastmod', async () => {
    const response = await feed.request.get('/sitemap.xml');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
    const file = wellFormed('sitemap.xml', response.text);
    const ns = "*[local-name()='urlset']/*[local-name()='url']";
    const locs = Number(xpathString(file, `count(/${ns})`));
    const all = Array.from({ length: locs }, (_, i) => xpathString(file, `/${ns}[${i + 1}]/*[local-name()='loc']`));
    expect(all).toEqual(
      expect.arrayContaining([
        `${BASE}/`,
        `${BASE}/topics/`,
        `${BASE}/topics/career-fairs/`,
        `${BASE}/authors/sam-lee/`,
        `${BASE}/posts/fair-both`,
      ]),
    );
    expect(all.some((loc) => loc.includes('fair-draft') || loc.includes('fair-scheduled'))).toBe(false);
    // Home and /topics/, 4 topics, 2 authors, 8 visible posts.
    expect(all).toHaveLength(2 + 4 + 2 + 8);
    const lastmod = xpathString(
      file,
      `/${ns}[*[local-name()='loc']='${BASE}/posts/fair-both']/*[local-name()='lastmod']`,
    );
    expect(lastmod).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('when the URLs pass the per-file limit, then /sitemap.xml is an index whose parts hold every URL once', async () => {
    const small = await startFeedInstance(database.db, ingest.redisPrefix, { sitemapMaxUrls: 5 });
    try {
      const index = await small.request.get('/sitemap.xml');
      const file = wellFormed('sitemap-index.xml', index.text);
      const parts = Number(xpathString(file, "count(/*[local-name()='sitemapindex']/*[local-name()='sitemap'])"));
      expect(parts).toBe(4); // 16 URLs, 5 per file
      const seen: string[] = [];
      for (let i = 1; i <= parts; i++) {
        const loc = xpathString(
          file,
          `/*[local-name()='sitemapindex']/*[local-name()='sitemap'][${i}]/*[local-name()='loc']`,
        );
        expect(loc).toBe(`${BASE}/sitemap-${i}.xml`);
        const part = await small.request.get(`/sitemap-${i}.xml`);
        expect(part.status).toBe(200);
        const partFile = wellFormed(`sitemap-${i}.xml`, part.text);
        const n = Number(xpathString(partFile, "count(//*[local-name()='loc'])"));
        expect(n).toBeLessThanOrEqual(5);
        for (let j = 1; j <= n; j++) seen.push(xpathString(partFile, `(//*[local-name()='loc'])[${j}]`));
      }
      expect(new Set(seen).size).toBe(16);
      expect(seen).toHaveLength(16);
      expect((await small.request.get('/sitemap-5.xml')).status).toBe(404);
      // Below the limit there are no parts.
      expect((await feed.request.get('/sitemap-1.xml')).status).toBe(404);
    } finally {
      await small.close();
    }
  });

  test('when /robots.txt is read, then it points to the sitemap and keeps crawlers out of personal pages', async () => {
    const response = await feed.request.get('/robots.txt');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.text).toContain(`Sitemap: ${BASE}/sitemap.xml`);
    expect(response.text).toContain('Disallow: /preferences');
    expect(response.text).toContain('Disallow: /unsubscribe');
  });

  test("when /feeds.opml is read, then libxml2 finds it well-formed and every outline's feed answers 200", async () => {
    const response = await feed.request.get('/feeds.opml');
    expect(response.status).toBe(200);
    const file = wellFormed('feeds.opml', response.text);
    expect(xpathString(file, '/opml/@version')).toBe('2.0');
    const n = Number(xpathString(file, 'count(//outline[@xmlUrl])'));
    // The site, 4 topics, 2 authors.
    expect(n).toBe(7);
    const urls = Array.from({ length: n }, (_, i) => xpathString(file, `(//outline[@xmlUrl])[${i + 1}]/@xmlUrl`));
    expect(urls).toContain(`${BASE}/topics/career-fairs/feed.xml`);
    for (const url of urls) {
      expect(url.startsWith(`${BASE}/`)).toBe(true);
      const answer = await feed.request.get(url.slice(BASE.length));
      expect({ url, status: answer.status }).toEqual({ url, status: 200 });
    }
  });
  test('when a subscriber chose topics before they were unified, then the preferences page ticks those topics and saving stores "topic:<slug>"', async () => {
    const subscribed = await feed.request
      .post('/subscribe')
      .set('Accept', 'application/json')
      .send({ email: 'legacy@example.edu', topics: ['tag:career-fairs', 'category:internships'] });
    expect(subscribed.status).toBe(202);
    const row = await database.db.kysely
      .selectFrom('subscribers')
      .select(['id', 'link_version', 'topics'])
      .where('email_key', '=', 'legacy@example.edu')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.topics)).toEqual(['category:internships', 'tag:career-fairs']);
    const key = await readSubscriptionTokenKey(database.db.kysely);
    const { preferencesUrl } = manageLinks(BASE, key, { id: row.id, linkVersion: row.link_version }, new Date());
    const { response, page } = await html(preferencesUrl.slice(BASE.length));
    expect(response.status).toBe(200);
    const ticked = page
      .all('input')
      .filter((i) => i.attribs.name === 'topics' && i.attribs.checked !== undefined)
      .map((i) => i.attribs.value);
    expect(ticked.sort()).toEqual(['topic:career-fairs', 'topic:internships']);

    const token = new URL(preferencesUrl).searchParams.get('token')!;
    const saved = await feed.request
      .post('/preferences')
      .set('Accept', HTML)
      .type('form')
      .send(
        `token=${encodeURIComponent(token)}&frequency=weekly&topics=topic%3Acareer-fairs&topics=topic%3Ainternships`,
      );
    expect(saved.status).toBe(200);
    const after = await database.db.kysely
      .selectFrom('subscribers')
      .select('topics')
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(after.topics)).toEqual(['topic:career-fairs', 'topic:internships']);
  });

  // Last: it adds posts, which the counts above do not expect.
  test('when a topic holds more than a page of posts, then its pages link each other with rel=prev/next', async () => {
    const auth = await ingest.bearer();
    for (let i = 1; i <= 12; i++) {
      const created = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(
          buildPost({
            slug: `paged-${i}`,
            tags: i % 2 === 0 ? ['paged'] : [],
            category: i % 2 === 0 ? 'internships' : 'paged',
            published_at: `2024-06-${String(i).padStart(2, '0')}T00:00:00Z`,
          }),
        );
      expect(created.status).toBe(201);
    }
    const first = await html('/topics/paged/');
    expect(listedSlugs(first.response.text)).toHaveLength(10);
    expect(first.page.links('next')[0]!.href).toBe(`${BASE}/topics/paged/?page=2`);
    expect(first.page.links('prev')).toEqual([]);
    const second = await html('/topics/paged/?page=2');
    expect(listedSlugs(second.response.text)).toEqual(['paged-2', 'paged-1']);
    expect(second.page.links('prev')[0]!.href).toBe(`${BASE}/topics/paged/`);
    expect(second.page.all('a').filter((a) => a.attribs.rel === 'next')).toEqual([]);
    expect((await html('/topics/paged/?page=3')).response.status).toBe(404);
  });
});
