import { FeedCache } from '@careerfeed/feeds';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { confirmationUrl } from '@careerfeed/core';
import { Queue } from 'bullmq';
import { readSubscriptionTokenKey } from '@careerfeed/db';
import {
  type ConfirmationMailQueue,
  SUBSCRIPTION_MAILS_QUEUE,
  createConfirmationMailQueue,
  createRedisConnection,
} from '@careerfeed/jobs';
import { createFeedApp } from '@careerfeed/feed';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { testRedisErrors } from '../helpers/redis-errors';

/**
 * A student on a phone in India: subscribes on /subscribe, confirms, changes preferences and
 * unsubscribes, all through the pages. To keep this test about the pages (and fast, without a
 * worker), the confirmation link is built from the queued job with the function the worker uses;
 * tests/e2e/subscribe-to-digest.browser.test.ts follows it from the mail the worker really sends.
 * One dialect is enough here; the HTTP suites cover both.
 */
describe('subscribing in a browser (chromium, 375 px, Asia/Kolkata)', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let redis: Redis;
  let mails: ConfirmationMailQueue;
  let reader: Queue;
  let server: http.Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    const created = await ingest.request
      .post('/v1/posts')
      .set('Authorization', await ingest.bearer())
      .send(buildPost({ tags: ['interviews', 'preparation'], category: 'interviews' }));
    expect(created.status).toBe(201);
    redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
    mails = createConfirmationMailQueue(redis, ingest.redisPrefix);
    reader = new Queue(SUBSCRIPTION_MAILS_QUEUE, { connection: redis, prefix: ingest.redisPrefix });
    // Listen first, so the app's public base URL is the address the browser really uses.
    server = http.createServer();
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const app = createFeedApp({
      db: database.db,
      redis,
      redisPrefix: ingest.redisPrefix,
      subscriptionMails: mails,
      logger: pino({ level: 'silent' }),
      cache: new FeedCache(60_000),
      publicBaseUrl: origin,
    });
    server.on('request', app);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await reader?.obliterate({ force: true }).catch(() => undefined);
    await reader?.close();
    await mails?.close();
    redis?.disconnect();
    await ingest?.close();
    await database?.drop();
  });

  const subscriber = (email: string) =>
    database.db.kysely.selectFrom('subscribers').selectAll().where('email_key', '=', email).executeTakeFirstOrThrow();

  test('when a student subscribes, confirms, changes preferences and unsubscribes, then each step is stored', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 800 },
      deviceScaleFactor: 2,
      timezoneId: 'Asia/Kolkata',
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.addInitScript(
      "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));",
    );
    const email = 'priya.sharma@uni.example.edu';

    // 1. The form, with the time zone guessed by the page's script.
    await page.goto(`${origin}/subscribe`);
    const guessed = await page.locator('select[name=timezone]').inputValue();
    expect(['Asia/Kolkata', 'Asia/Calcutta']).toContain(guessed);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await page.fill('input[name=email]', email);
    await page.check('input[name=frequency][value=daily]');
    await page.check('input[name=topics][value="topic:interviews"]');
    await page.selectOption('select[name=hour]', '7');
    await Promise.all([page.waitForURL(`${origin}/subscribe`), page.click('button[type=submit]')]);
    expect(await page.locator('h1').textContent()).toBe('Check your inbox');
    const pending = await subscriber(email);
    expect(pending).toMatchObject({ status: 'pending', frequency: 'daily', time_zone: guessed, delivery_hour: 7 });
    expect(JSON.parse(pending.topics)).toEqual(['topic:interviews']);

    // 2. The confirmation link, as the worker builds it from the queued job (the e2e test reads the mail).
    const [job] = await reader.getJobs(['waiting']);
    expect(job!.data).toEqual({ kind: 'confirm', subscriberId: pending.id, nonce: pending.confirmation_nonce });
    const key = await readSubscriptionTokenKey(database.db.kysely);
    await page.goto(confirmationUrl(origin, key, { id: job!.data.subscriberId, nonce: job!.data.nonce }, new Date()));
    expect(await page.locator('h1').textContent()).toBe('You are subscribed');
    const active = await subscriber(email);
    expect(active).toMatchObject({ status: 'active', confirmation_nonce: null });
    expect(active.next_digest_at).toMatch(/T01:30:00\.000Z$/); // 07:00 in India

    // 3. Preferences: weekly on Friday, paused.
    await Promise.all([
      page.waitForURL(/\/preferences\?token=/),
      page.click('text=Change frequency, topics or delivery time'),
    ]);
    expect(await page.locator('select[name=timezone]').inputValue()).toBe(guessed);
    await page.check('input[name=frequency][value=weekly]');
    await page.selectOption('select[name=weekday]', '5');
    await page.check('input[name=topics][value="topic:preparation"]');
    await page.check('input[name=paused]');
    await Promise.all([page.waitForURL(`${origin}/preferences`), page.click('button:has-text("Save preferences")')]);
    expect(await page.locator('.notice').first().textContent()).toBe('Your preferences are saved.');
    const changed = await subscriber(email);
    expect(changed).toMatchObject({ frequency: 'weekly', delivery_weekday: 5, paused: 1, next_digest_at: null });
    expect(JSON.parse(changed.topics)).toEqual(['topic:interviews', 'topic:preparation']);

    // 4. Unsubscribe with the one button.
    await Promise.all([page.waitForURL(/\/unsubscribe\?token=/), page.click('text=Unsubscribe')]);
    await Promise.all([page.waitForURL(/\/unsubscribe\?token=/), page.click('button:has-text("Unsubscribe")')]);
    expect(await page.locator('h1').textContent()).toBe('You are unsubscribed');
    const gone = await subscriber(email);
    expect(gone).toMatchObject({ status: 'unsubscribed', next_digest_at: null });
    expect(gone.unsubscribed_at).not.toBeNull();

    expect(await page.evaluate('window.__violations')).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
