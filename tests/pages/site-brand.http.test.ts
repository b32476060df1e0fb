import { saveSite } from '@careerfeed/posts';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { seedBlog } from './blog-fixture';
import { parsePage } from './page-inspection';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const BRANDED = {
  title: 'مركز التوظيف',
  description: 'Advice on jobs',
  language: 'ar',
  logoUrl: 'https://cdn.test.example/logo.png',
  iconUrl: 'https://cdn.test.example/icon.png',
  brandColor: '#123456',
  accentColor: '#0a4d8c',
};

/** The site settings staff set in the console, as pages and feeds show them. Settings storage is tested on both dialects in tests/site. */
describe('the site brand on pages and feeds', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    await seedBlog(ingest);
    await saveSite(database.db.kysely, BRANDED, new Date().toISOString());
    feed = await startFeedInstance(database.db, ingest.redisPrefix);
  });
  afterAll(async () => {
    await feed.close();
    await ingest.close();
    await database.drop();
  });

  test('when the site language is Arabic, then pages say lang="ar" dir="rtl" and the header shows the logo and name', async () => {
    for (const path of ['/', '/posts/resume-basics', '/tags/resume/', '/subscribe']) {
      const response = await feed.request.get(path).set('Accept', HTML);
      expect(response.status).toBe(200);
      const page = parsePage(response.text);
      expect(page.first('html')?.attribs).toMatchObject({ lang: 'ar', dir: 'rtl' });
      const header = page.first('header')!;
      expect(page.within(header, 'img').map((img) => img.attribs.src)).toEqual([BRANDED.logoUrl]);
      // The home link (the header also holds the search box).
      expect(page.within(header, 'a')[0]!.text.trim()).toBe(BRANDED.title);
    }
  });

  test('when pages link the theme, then it is allowed by their policy and carries the brand colours, cacheable by version', async () => {
    const response = await feed.request.get('/').set('Accept', HTML);
    const href = parsePage(response.text).links('stylesheet')[0]!.href!;
    expect(href).toMatch(/^\/theme\.css\?v=[\w-]{12}$/);
    expect(String(response.headers['content-security-policy'])).toMatch(/style-src 'sha256-[^']+' 'self'/);
    const theme = await feed.request.get(href);
    expect(theme.status).toBe(200);
    expect(theme.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(theme.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(theme.text).toContain('--accent:#0a4d8c');
    expect(theme.text).toContain('--brand:#123456');
    const again = await feed.request.get(href).set('If-None-Match', String(theme.headers.etag));
    expect(again.status).toBe(304);
  });

  test('when the feeds are read, then RSS has the logo as <image>, Atom <logo> and <icon>, the JSON Feed icon and favicon', async () => {
    const rss = await feed.request.get('/feed.xml');
    expect(rss.text).toMatch(/<image>\s*<url>https:\/\/cdn\.test\.example\/logo\.png<\/url>/);
    const atom = await feed.request.get('/feed.atom');
    expect(atom.text).toContain('<logo>https://cdn.test.example/logo.png</logo>');
    expect(atom.text).toContain('<icon>https://cdn.test.example/icon.png</icon>');
    const json = await feed.request.get('/feed.json');
    expect(JSON.parse(json.text)).toMatchObject({ icon: BRANDED.iconUrl, favicon: BRANDED.iconUrl, language: 'ar' });
  });
});
