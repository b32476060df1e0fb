import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FeedCache } from '@careerfeed/feeds';
import { createFeedApp } from '@careerfeed/feed';
import { manageLinks } from '@careerfeed/core';
import { readSubscriptionTokenKey } from '@careerfeed/db';
import { importPost } from '@careerfeed/posts';
import { createConfirmationMailQueue, createRedisConnection } from '@careerfeed/jobs';
import { launchChromium } from '../helpers/browser';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { readSampleBlog } from '../helpers/sample-blog';
import { testRedisErrors } from '../helpers/redis-errors';
import { HOSTILE } from '../pages/blog-fixture';
import { type AxeViolation, axeViolations, isSerious, seriousViolations } from '../helpers/axe';

/** The budget of a post page: its HTML with the inline stylesheet (there is nothing else to load). */
const POST_PAGE_BUDGET_BYTES = 60 * 1024;

/**
 * The public pages in Chromium, on the sample corpus (48 posts, 8 categories, 84 tags: the ~95
 * topics students met as raw checkboxes): a subscription in three taps on a phone, axe-core on
 * every page template, and a post page's weight and origins. One dialect: the HTML is the same on
 * both (the HTTP tests run both).
 */
describe('topics and subscribing in a browser (chromium)', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let redis: Redis;
  let server: Server;
  let origin: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const blog = readSampleBlog();

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    const deps = { db: database.db, publicBaseUrl: PUBLIC_BASE_URL };
    for (const post of blog.posts) {
      const author = blog.authors.find((a) => a.slug === post.author)!;
      await importPost(deps, {
        slug: post.slug,
        title: post.title,
        html: post.html,
        tags: post.tags,
        category: post.category,
        published_at: post.published_at,
        author: { slug: author.slug, name: author.name },
      });
    }
    // Wide content (a long word and URL, a wide code block and table) and hostile markup.
    await importPost(deps, HOSTILE as unknown as Parameters<typeof importPost>[1]);
    redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
    server = http.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Links name the address the browser uses, so following them stays on this server.
    server.on(
      'request',
      createFeedApp({
        db: database.db,
        redis,
        redisPrefix: ingest.redisPrefix,
        subscriptionMails: createConfirmationMailQueue(redis, ingest.redisPrefix),
        logger: pino({ level: 'silent' }),
        cache: new FeedCache(60_000),
        publicBaseUrl: origin,
      }),
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    redis?.disconnect();
    await ingest?.close();
    await database?.drop();
  });

  async function phone(): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 375, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    contexts.push(context);
    return context.newPage();
  }

  /** Problems the page itself reports: CSP violations, script errors, failed requests. */
  async function watch(page: Page): Promise<string[]> {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    return problems;
  }

  test('when a student types an address on a 375 px phone, then two topics and Subscribe are three taps, and the subscription is stored', async () => {
    const page = await phone();
    const problems = await watch(page);
    await page.goto(`${origin}/subscribe`);
    await page.locator('input[name=email]').pressSequentially('student.three.taps@uni.example.edu');

    let taps = 0;
    const tap = async (selector: string) => {
      taps += 1;
      await page.tap(selector);
    };
    // Popular topics are open at the top: no group to open, no scrolling to find them.
    await tap('label:has(input[value="topic:career-fairs"])');
    await tap('label:has(input[value="topic:internships"])');
    await tap('button[type=submit]');
    await page.locator('h1', { hasText: 'Check your inbox' }).waitFor();

    expect(taps).toBe(3);
    const row = await database.db.kysely
      .selectFrom('subscribers')
      .select(['topics', 'frequency', 'status'])
      .where('email_key', '=', 'student.three.taps@uni.example.edu')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.topics)).toEqual(['topic:career-fairs', 'topic:internships']);
    // The default, said on the form: weekly.
    expect(row).toMatchObject({ frequency: 'weekly', status: 'pending' });
    expect(problems).toEqual([]);
  });

  test('when the subscribe form is shown at 375 px, then no choice name breaks inside a word and nothing is wider than the phone', async () => {
    const page = await phone();
    await page.goto(`${origin}/subscribe`);
    // Each frequency name ("Weekly", "Daily", "As they are published") lays out on one line.
    // Browser-side code is a string: the tests are type-checked without the DOM library.
    const lines = (await page.evaluate(`[...document.querySelectorAll('.choices .name')].map((name) => {
      const range = document.createRange();
      range.selectNodeContents(name);
      return { text: name.textContent, lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size };
    })`)) as { text: string; lines: number }[];
    expect(lines).toEqual([
      { text: 'Weekly', lines: 1 },
      { text: 'Daily', lines: 1 },
      { text: 'As they are published', lines: 1 },
    ]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    // About 95 topics: grouped, and only the popular ones open at first.
    expect(await page.locator('input[name=topics]').count()).toBeGreaterThan(80);
    expect(await page.locator('input[name=topics]:visible').count()).toBeLessThanOrEqual(8);
  });

  test('when the student types in "Find a topic", then only matching topics show and their groups open', async () => {
    const page = await phone();
    const problems = await watch(page);
    await page.goto(`${origin}/subscribe`);
    await page.locator('#topic-filter-input').pressSequentially('neg');
    const visible = (await page.evaluate(
      "[...document.querySelectorAll('input[name=topics]')].filter((b) => b.offsetParent !== null).map((b) => b.value)",
    )) as string[];
    expect(visible.sort()).toEqual(['topic:negotiation', 'topic:salary-negotiation']);
    expect(await page.locator('#topic-filter-status').textContent()).toBe('2 topics match.');
    await page.tap('label:has(input[value="topic:negotiation"])');
    expect(await page.isChecked('input[value="topic:negotiation"]')).toBe(true);
    expect(problems).toEqual([]);
  });

  test('when JavaScript is off, then the form still subscribes, with the filter box hidden and groups opening as <details>', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 740 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${origin}/subscribe`);
    expect(await page.isVisible('#topic-filter-input')).toBe(false);
    await page.fill('input[name=email]', 'no.js@uni.example.edu');
    const group = page.locator('details.topics').first();
    await group.locator('summary').click();
    const first = group.locator('input[name=topics]').first();
    const value = await first.getAttribute('value');
    await first.check();
    await page.click('button[type=submit]');
    await page.locator('h1', { hasText: 'Check your inbox' }).waitFor();
    const row = await database.db.kysely
      .selectFrom('subscribers')
      .select('topics')
      .where('email_key', '=', 'no.js@uni.example.edu')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.topics)).toEqual([value]);
  });

  test('when a post page loads, then it is within 60 KB of HTML and CSS and every request goes to our own origin', async () => {
    const page = await phone();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    // Nothing may leave: a request elsewhere is recorded by the listener above and refused here.
    await page.route(
      (url) => url.origin !== origin,
      (route) => route.abort(),
    );
    const slug = blog.posts[0]!.slug;
    const response = await page.goto(`${origin}/posts/${slug}`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    const bytes = (await response!.body()).length;
    expect(bytes).toBeLessThanOrEqual(POST_PAGE_BUDGET_BYTES);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    // Every post of the corpus is within the budget, not only the first.
    for (const post of blog.posts) {
      const html = await (await fetch(`${origin}/posts/${post.slug}`)).text();
      expect({ slug: post.slug, within: Buffer.byteLength(html) <= POST_PAGE_BUDGET_BYTES }).toEqual({
        slug: post.slug,
        within: true,
      });
    }
  });

  /** Every public page template, as a reader reaches it. */
  async function publicPages(): Promise<[string, string][]> {
    const key = await readSubscriptionTokenKey(database.db.kysely);
    const subscriber = await database.db.kysely
      .selectFrom('subscribers')
      .select(['id', 'link_version'])
      .where('email_key', '=', 'student.three.taps@uni.example.edu')
      .executeTakeFirstOrThrow();
    const links = manageLinks(origin, key, { id: subscriber.id, linkVersion: subscriber.link_version }, new Date());
    const post = blog.posts[0]!;
    return [
      ['index', '/'],
      ['index, page 2', '/?page=2'],
      ['post', `/posts/${post.slug}`],
      ['topics index', '/topics/'],
      ['topic', `/topics/${post.category}/`],
      ['tag', `/tags/${post.tags[0]}/`],
      ['category', `/categories/${post.category}/`],
      ['author', `/authors/${post.author}/`],
      ['subscribe', '/subscribe'],
      ['preferences', new URL(links.preferencesUrl).pathname + new URL(links.preferencesUrl).search],
      ['unsubscribe', new URL(links.unsubscribeUrl).pathname + new URL(links.unsubscribeUrl).search],
      ['not found', '/posts/no-such-post'],
      ['bad request', '/topics/resumes/?page=zero'],
      ['expired or invalid link', '/preferences?token=not-a-token'],
      ['JSON Feed extension', '/about/json-feed-extension'],
    ];
  }

  test('when axe-core checks every public page template, then it finds no serious or critical violation', async () => {
    // Run after the subscription test above: the preferences and unsubscribe pages need a subscriber.
    const page = await phone();
    const found: Record<string, AxeViolation[]> = {};
    const checked: string[] = [];
    for (const [name, path] of await publicPages()) {
      await page.goto(`${origin}${path}`);
      const violations = await axeViolations(page);
      checked.push(name);
      const severe = violations.filter(isSerious);
      if (severe.length > 0) found[name] = severe;
    }
    expect(checked).toHaveLength(15);
    expect(found).toEqual({});
  });

  test("when a post's own body has wide blocks and images without alt text, then every serious finding is inside that body, none in the template", async () => {
    const page = await phone();
    await page.goto(`${origin}/posts/hostile-post`);
    const severe = (await axeViolations(page)).filter(isSerious);
    // What the author wrote: a wide <pre> and <table> (scrollable, not focusable) and an <img> without alt.
    expect(severe.map((v) => v.id).sort()).toEqual(['image-alt', 'scrollable-region-focusable']);
    for (const violation of severe) {
      for (const { target } of violation.nodes) {
        const selector = target[0]!;
        const inBody = await page.evaluate(
          `[...document.querySelectorAll(${JSON.stringify(selector)})].every((node) => node.closest('.content') !== null)`,
        );
        expect({ rule: violation.id, selector, inBody }).toEqual({ rule: violation.id, selector, inBody: true });
      }
    }
  });

  test('when a "Check your inbox" page follows a subscription, then axe-core finds no serious or critical violation there either', async () => {
    const page = await phone();
    await page.goto(`${origin}/subscribe`);
    await page.fill('input[name=email]', 'axe.check@uni.example.edu');
    await page.click('button[type=submit]');
    await page.locator('h1', { hasText: 'Check your inbox' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });
});
