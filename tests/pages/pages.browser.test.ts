import { FeedCache } from '@careerfeed/feeds';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import http, { type Server } from 'node:http';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { createConfirmationMailQueue, createRedisConnection } from '@careerfeed/jobs';
import { createFeedApp } from '@careerfeed/feed';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { HOSTILE_TITLE_AS_STORED, seedBlog } from './blog-fixture';
import { testRedisErrors } from '../helpers/redis-errors';

const SCREENSHOT = path.join(__dirname, '..', 'artifacts', 'post-375.png');
// A 1×1 transparent PNG, served for every image on another origin: the test has no network.
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/**
 * The hostile post (which also carries wide content: an unbroken word, a long URL, a wide code
 * block, a 12-column table, a 2000px image) in a real browser at phone size. One dialect is
 * enough here: the HTML is the same on both, as the HTTP tests show.
 */
describe('a post page in a browser (chromium, 375×800)', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let redis: Redis;
  let server: Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    await seedBlog(ingest);
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
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    redis?.disconnect();
    await ingest?.close();
    await database?.drop();
  });

  test('when the hostile post is opened on a phone, then nothing runs, nothing is blocked, nothing overflows', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    // CSP violations are also console errors in Chromium; the event records them precisely.
    await page.addInitScript(
      "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));",
    );
    const images: string[] = [];
    await page.route(
      (url) => url.origin !== origin,
      (route) => {
        images.push(route.request().url());
        return route.fulfill({ status: 200, contentType: 'image/png', body: PIXEL });
      },
    );

    const response = await page.goto(`${origin}/posts/hostile-post`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);

    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.evaluate('window.__violations')).toEqual([]);
    expect(problems).toEqual([]);
    // The page is no wider than the phone: long words wrap, code and tables scroll inside themselves.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    expect(await page.evaluate('document.body.scrollWidth')).toBeLessThanOrEqual(375);
    // Readable: body text at least 16 CSS pixels.
    expect(parseFloat(String(await page.evaluate('getComputedStyle(document.body).fontSize')))).toBeGreaterThanOrEqual(
      16,
    );
    // Our one stylesheet applied (the CSP allows it by hash): the measure is capped.
    expect(await page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth")).toBe('672px');
    // The cover and the body's images loaded through img-src; nothing else left the page.
    expect(images.length).toBeGreaterThan(0);
    expect(images.every((url) => /^https:\/\/(images|careers)\.test\.example\//.test(url))).toBe(true);
    expect(await page.title()).toBe(`${HOSTILE_TITLE_AS_STORED} · Career Center Blog`);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await context.close();
  });
  test('when a campus site on another origin fetch()es the JSON feed, then its script reads the posts, their related posts, the ETag and the errors', async () => {
    // The department's page: another origin (localhost, not 127.0.0.1, and another port), with
    // the script a campus web developer would write.
    const feedOrigin = JSON.stringify(origin);
    const campusPage = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Department news</title>
<ul id="news"></ul>
<script>
(async () => {
  const response = await fetch(${feedOrigin} + '/feed.json');
  const feed = await response.json();
  window.__etag = response.headers.get('ETag');
  for (const item of feed.items) {
    const li = document.createElement('li');
    li.textContent = item.title;
    li.dataset.related = (item._careerfeed?.related ?? []).map((r) => r.title).join('|');
    document.getElementById('news').append(li);
  }
  const again = await fetch(${feedOrigin} + '/feed.json', { headers: { 'If-None-Match': window.__etag } });
  window.__conditionalStatus = again.status;
  const missing = await fetch(${feedOrigin} + '/tags/no-such-tag/feed.json');
  window.__missing = { status: missing.status, type: missing.headers.get('Content-Type'), body: await missing.json() };
  // Control: a page of the blog carries no CORS header, so the browser must refuse the script.
  window.__htmlPage = await fetch(${feedOrigin} + '/').then(() => 'readable', () => 'refused');
})().catch((error) => { window.__error = String(error); }).finally(() => { window.__done = true; });
</script></html>`;
    const campus = http
      .createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(campusPage))
      .listen(0, 'localhost');
    await new Promise((resolve) => campus.once('listening', resolve));
    const campusOrigin = `http://localhost:${(campus.address() as AddressInfo).port}`;
    const received: string[] = [];
    const record = (req: http.IncomingMessage) => received.push(`${req.method} ${req.url}`);
    server.on('request', record);
    const context = await browser.newContext();
    const page = await context.newPage();
    // Playwright's request.headers() leaves out some the browser adds; allHeaders() has them all.
    const feedRequestOrigins: Promise<string | undefined>[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${origin}/`) && request.url().includes('feed.json')) {
        feedRequestOrigins.push(request.allHeaders().then((headers) => headers['origin']));
      }
    });
    try {
      await page.goto(campusOrigin, { waitUntil: 'load' });
      await page.waitForFunction('window.__done === true');
      expect(await page.evaluate('window.__error')).toBeUndefined();

      const served = await fetch(`${origin}/feed.json`);
      const feed = (await served.json()) as {
        items: { title: string; _careerfeed: { related: { title: string }[] } }[];
      };
      const shown = await page.$$eval('#news li', (items) =>
        items.map((li) => ({ title: li.textContent, related: li.getAttribute('data-related') })),
      );
      expect(shown).toEqual(
        feed.items.map((item) => ({
          title: item.title,
          related: item._careerfeed.related.map((r) => r.title).join('|'),
        })),
      );
      // The hostile post's title arrived as text, and the related posts came along.
      expect(shown.map((item) => item.title)).toContain(HOSTILE_TITLE_AS_STORED);
      expect(shown.find((item) => item.title === 'Résumé basics')?.related).toBe(
        'Interview preparation|Networking 101',
      );
      expect(await page.evaluate('window.__etag')).toBe(served.headers.get('etag'));
      expect(await page.evaluate('window.__conditionalStatus')).toBe(304);
      expect(await page.evaluate('window.__missing')).toMatchObject({
        status: 404,
        type: 'application/problem+json; charset=utf-8',
        body: { status: 404 },
      });
      expect(await page.evaluate('window.__htmlPage')).toBe('refused');
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      // The requests really were cross-origin.
      const origins = await Promise.all(feedRequestOrigins);
      expect(origins.length).toBe(3);
      expect(new Set(origins)).toEqual(new Set([campusOrigin]));
      // The conditional fetch sent If-None-Match itself, which needs a preflight.
      expect(received).toContain('OPTIONS /feed.json');
    } finally {
      server.off('request', record);
      await context.close();
      campus.closeAllConnections();
      await new Promise((resolve) => campus.close(resolve));
    }
  });
});
