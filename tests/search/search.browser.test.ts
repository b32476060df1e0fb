import { randomBytes } from 'node:crypto';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, PUBLIC_BASE_URL, createIngestHarness } from '../helpers/ingest';
import { buildPost } from '../helpers/factories';

/**
 * The search page in a real browser (Chromium at phone size): axe-core finds no serious or
 * critical accessibility violation in any of its states, and a reader can search from the header
 * box of another page without JavaScript. One dialect: the HTML is the same on both (the HTTP
 * tests run on both).
 */

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  // A string, evaluated in the page: this file is compiled without the DOM's types.
  const violations = (await page.evaluate(
    'window.axe.run().then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target })) })))',
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the search page in a browser (chromium)', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;
  let browser: Browser;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    const auth = await ingest.bearer();
    for (let i = 1; i <= 11; i++) {
      const res = await ingest.request
        .post('/v1/posts')
        .set('Authorization', auth)
        .send(
          buildPost({ title: `Résumé review ${i}`, html: `<p>Bring your resume <b>and</b> questions, week ${i}.</p>` }),
        );
      expect(res.status).toBe(201);
    }
    feed = await startFeedInstance(database.db, `search-browser-${randomBytes(4).toString('hex')}`);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await feed?.close();
    await ingest?.close();
    await database?.drop();
  });

  // bypassCSP: only so the test can inject axe; the pages themselves forbid every script.
  const open = async (path: string, colorScheme: 'light' | 'dark' = 'light') => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 }, bypassCSP: true, colorScheme });
    const page = await context.newPage();
    const res = await page.goto(`${feed.origin}${path}`);
    return { context, page, status: res?.status() };
  };

  test.each([
    ['results', '/search?q=resume'],
    ['results, second page', '/search?q=resume&page=2'],
    ['empty form', '/search'],
    ['no match', '/search?q=zebra'],
    ['no words', '/search?q=%22%2A%22'],
    ['too long (400)', `/search?q=${'x'.repeat(600)}`],
  ])('when the page shows %s, then axe-core finds no serious or critical violation', async (_state, path) => {
    for (const scheme of ['light', 'dark'] as const) {
      const { context, page } = await open(path, scheme);
      try {
        expect(await seriousViolations(page)).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });

  test('when a page has a real violation, then the check reports it (the check can fail)', async () => {
    const { context, page } = await open('/search');
    try {
      await page.evaluate(
        "document.querySelector('label[for=\"search-q\"]').remove(); document.querySelector('#search-q').setAttribute('placeholder', '')",
      );
      expect((await seriousViolations(page)).join('\n')).toMatch(/^label \(critical\)/m);
    } finally {
      await context.close();
    }
  });

  test('when a reader types in the header box of the home page and presses Enter, then the results page opens with JavaScript off', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 }, javaScriptEnabled: false });
    try {
      // The pages link the public address; serve it from this instance.
      await context.route(`${PUBLIC_BASE_URL}/**`, async (route) => {
        const url = route.request().url().replace(PUBLIC_BASE_URL, feed.origin);
        await route.fulfill({ response: await route.fetch({ url }) });
      });
      const page = await context.newPage();
      await page.goto(`${PUBLIC_BASE_URL}/`);
      const box = page.getByRole('searchbox', { name: 'Search posts' });
      await box.fill('resume');
      await Promise.all([page.waitForURL(/\/search\?q=resume$/), box.press('Enter')]);
      expect(await page.locator('article').count()).toBe(10);
      expect(await page.locator('mark').first().textContent()).toMatch(/^r[eé]sum[eé]$/i);
      await page.getByRole('link', { name: 'More results →' }).click();
      await page.waitForURL(/page=2$/);
      expect(await page.locator('article').count()).toBe(1);
      // Nothing is wider than the phone screen.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    } finally {
      await context.close();
    }
  });
});
