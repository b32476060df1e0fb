import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import http, { type Server } from 'node:http';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { createConfirmationMailQueue, createRedisConnection } from '@careerfeed/jobs';
import { FeedCache, createFeedApp } from '@careerfeed/feed';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { seedBlog } from './blog-fixture';

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
    redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer');
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
    expect(await page.title()).toBe(`<script>alert(1)</script>"'& · Career Center Blog`);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await context.close();
  });
});
