import fs from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { FeedCache } from '@careerfeed/feeds';
import { createConfirmationMailQueue, createRedisConnection } from '@careerfeed/jobs';
import { createFeedApp } from '@careerfeed/feed';
import { launchChromium } from '../helpers/browser';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { testRedisErrors } from '../helpers/redis-errors';
import { seedBlog } from '../pages/blog-fixture';
import { saveSite } from '@careerfeed/posts';

// Markup in a stored title: ingest strips it, so it is written straight into the database, as a
// row restored from an old backup or a compromised database could hold it. The element must
// still show it as text.
const RAW_MARKUP_TITLE = '<img src=x onerror="window.__pwned=1"><b>Bold claim</b>';
const HOSTILE_TOPIC = '<img src=x onerror="window.__pwned=2">';

interface Shown {
  heading: string | null;
  titles: string[];
  hrefs: string[];
  status: string | null;
  elementCount: number;
  linkColor: string | null;
}

/**
 * A campus page on another origin (localhost vs 127.0.0.1, another port) pastes the snippet: the
 * script loads from the feed service, the element fetches JSON across origins, and everything it
 * shows is text. One dialect: the JSON is the same on both, as the HTTP tests show.
 */
describe('<careerfeed-posts> on another origin (chromium)', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let redis: Redis;
  let server: Server;
  let campus: Server;
  let origin: string;
  let campusOrigin: string;
  let browser: Browser;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    await seedBlog(ingest);
    await database.db.kysely
      .updateTable('posts')
      .set({ title: RAW_MARKUP_TITLE })
      .where('slug', '=', 'networking-101')
      .execute();
    redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
    const app = createFeedApp({
      db: database.db,
      redis,
      redisPrefix: ingest.redisPrefix,
      subscriptionMails: createConfirmationMailQueue(redis, ingest.redisPrefix),
      logger: pino({ level: 'silent' }),
      cache: new FeedCache(60_000),
      publicBaseUrl: PUBLIC_BASE_URL,
    });
    server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    const campusPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Department news</title>
<style>#styled{--careerfeed-link-color: rgb(1, 2, 3)}</style></head><body>
<h1>Department news</h1>
<careerfeed-posts id="topic" topic="resume" limit="5"></careerfeed-posts>
<careerfeed-posts id="styled" author="sam-lee" limit="3" heading="${attr('<b>Our alumni</b> & friends')}"></careerfeed-posts>
<careerfeed-posts id="hostile-topic" topic="${attr(HOSTILE_TOPIC)}"></careerfeed-posts>
<careerfeed-posts id="hostile-author" author="mallory"></careerfeed-posts>
<script src="${origin}/embed.js" async></script>
</body></html>`;
    campus = http
      .createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(campusPage))
      .listen(0, 'localhost');
    await new Promise((resolve) => campus.once('listening', resolve));
    campusOrigin = `http://localhost:${(campus.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    campus?.closeAllConnections();
    await new Promise((resolve) => campus?.close(resolve));
    await new Promise((resolve) => server?.close(resolve));
    redis?.disconnect();
    await ingest?.close();
    await database?.drop();
  });

  test('when the snippet is pasted, then posts load across origins, attributes and titles render as inert text, and CSS custom properties style it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    const jsonOrigins: Promise<string | undefined>[] = [];
    const images: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${origin}/embed/posts.json`)) {
        jsonOrigins.push(request.allHeaders().then((headers) => headers['origin']));
      }
      if (request.resourceType() === 'image') images.push(request.url());
    });
    // The test has no network: images elsewhere get a 404.
    await page.route(
      (url) => url.origin !== origin && url.origin !== campusOrigin,
      (route) => route.fulfill({ status: 404, body: '' }),
    );
    try {
      await page.goto(campusOrigin, { waitUntil: 'load' });
      await page.waitForFunction(`['topic', 'styled', 'hostile-topic', 'hostile-author'].every((id) => {
        const root = document.getElementById(id)?.shadowRoot;
        return root && !root.textContent.includes('Loading posts');
      })`);
      // Runs in the page (a string: these tests compile without the DOM types).
      const shown = (id: string): Promise<Shown> =>
        page.evaluate(`(() => {
          const root = document.getElementById(${JSON.stringify(id)}).shadowRoot;
          const links = [...root.querySelectorAll('a.title')];
          return {
            heading: root.querySelector('h2')?.textContent ?? null,
            titles: links.map((a) => a.textContent ?? ''),
            hrefs: links.map((a) => a.href),
            status: root.querySelector('.status')?.textContent ?? null,
            elementCount: root.querySelectorAll('*').length,
            linkColor: links[0] ? getComputedStyle(links[0]).color : null,
          };
        })()`);

      const topic = await shown('topic');
      expect(topic.heading).toBe('Resume');
      expect(topic.titles).toEqual(['Résumé basics']);
      expect(topic.hrefs).toEqual([`${PUBLIC_BASE_URL}/posts/resume-basics`]);
      expect(topic.linkColor).toBe('rgb(11, 87, 208)');

      const styled = await shown('styled');
      expect(styled.heading).toBe('<b>Our alumni</b> & friends');
      expect(styled.titles).toEqual([RAW_MARKUP_TITLE, 'From the alumni blog', 'Archive post 11']);
      expect(styled.linkColor).toBe('rgb(1, 2, 3)');

      const hostileTopic = await shown('hostile-topic');
      expect(hostileTopic.status).toBe(`Nothing found for topic “${HOSTILE_TOPIC}”.`);

      const hostileAuthor = await shown('hostile-author');
      expect(hostileAuthor.titles).toEqual([`"'& title`]);

      // Nothing ran and no markup from data became elements: no <b> or <img src=x> in any shadow root.
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      const injected = await page.evaluate(`[...document.querySelectorAll('careerfeed-posts')].flatMap((element) =>
        [...element.shadowRoot.querySelectorAll('b, script, img[src="x"]')].map((e) => e.outerHTML))`);
      expect(injected).toEqual([]);
      expect(images.some((url) => url.endsWith('/x'))).toBe(false);
      expect(problems).toEqual([]);
      // The requests really were cross-origin, and CORS let them through.
      const origins = await Promise.all(jsonOrigins);
      expect(origins.length).toBe(4);
      expect(new Set(origins)).toEqual(new Set([campusOrigin]));
    } finally {
      await context.close();
    }
  });

  test('when the topic attribute changes, then the element loads that topic instead', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(campusOrigin, { waitUntil: 'load' });
      const firstTitle = "document.getElementById('topic')?.shadowRoot?.querySelector('a.title')?.textContent";
      await page.waitForFunction(`${firstTitle} === 'Résumé basics'`);
      await page.evaluate("document.getElementById('topic').setAttribute('topic', 'interviews')");
      await page.waitForFunction(`${firstTitle} === 'Interview preparation'`);
    } finally {
      await context.close();
    }
  });

  /** axe-core's WCAG 2 A/AA rules on the page as it is now (shadow roots included); ids of what fails. */
  async function axeViolations(page: Page): Promise<string[]> {
    await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    return page.evaluate(
      "axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))",
    );
  }

  test('when the element, an iframe page and a branded RTL page are checked with axe-core, then none breaks a WCAG 2 A/AA rule', async () => {
    // bypassCSP: axe is injected into our pages, whose policy forbids every script.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.route(
      (url) => url.origin !== origin && url.origin !== campusOrigin,
      (route) => route.fulfill({ status: 404, body: '' }),
    );
    try {
      await page.goto(campusOrigin, { waitUntil: 'load' });
      await page.waitForFunction("document.getElementById('topic')?.shadowRoot?.querySelector('a.title') != null");
      expect(await axeViolations(page)).toEqual([]);

      await page.goto(`${origin}/embed/topics/networking`, { waitUntil: 'load' });
      expect(await axeViolations(page)).toEqual([]);

      await saveSite(
        database.db.kysely,
        {
          title: 'مركز التوظيف',
          language: 'ar',
          logoUrl: 'https://cdn.test.example/logo.png',
          brandColor: '#123456',
          accentColor: '#0a4d8c',
        },
        new Date().toISOString(),
      );
      await page.goto(`${origin}/posts/resume-basics`, { waitUntil: 'load' });
      expect(await page.evaluate("getComputedStyle(document.querySelector('header.site')).backgroundColor")).toBe(
        'rgb(18, 52, 86)',
      );
      expect(await page.evaluate('document.dir')).toBe('rtl');
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
