import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CLI_ACTOR, inviteStaff } from '@careerfeed/staff';
import { launchChromium } from '../helpers/browser';
import { type ConsoleHarness, PNG_1X1, createConsoleHarness, linkIn } from '../helpers/console';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type RunningWorker, startWorker } from '../helpers/worker';
import { waitFor } from '../helpers/wait';

/**
 * A career-center admin in Chromium: signs in from the mailed link, writes a post with a topic and
 * an image, previews it, schedules it a few seconds ahead and sees it in the feed when due; every
 * console page passes axe (no serious or critical violation), fits a 375 px phone without
 * horizontal scrolling, and is photographed at 1280 and 375 px.
 */
describe('the staff console in a browser', () => {
  let database: TestDatabase;
  let harness: ConsoleHarness;
  let server: http.Server;
  let origin: string;
  let feed: FeedInstance;
  let worker: RunningWorker;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-console-shots-'));
  const problems: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    harness = createConsoleHarness(database.db, { consoleUrl: `${origin}/console` });
    server.on('request', harness.ingest.app);
    feed = await startFeedInstance(database.db, harness.ingest.redisPrefix, {
      mediaDir: path.join(harness.dataDir, 'media'),
    });
    worker = await startWorker(database, { redisPrefix: harness.ingest.redisPrefix });
    browser = await launchChromium();
    // bypassCSP only so axe (injected by the test) can run; the pages' own scripts are checked
    // against their policy by the securitypolicyviolation listener.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('careers.test.example'))
        problems.push(`console: ${message.text()}`);
    });
    // Images of the public site (PUBLIC_BASE_URL is not served here) come from the feed instance.
    await page.route('https://careers.test.example/**', async (route) => {
      const url = new URL(route.request().url());
      const response = await fetch(`${feed.origin}${url.pathname}`);
      await route.fulfill({
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: Buffer.from(await response.arrayBuffer()),
      });
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await feed?.close();
    await new Promise((resolve) => server?.close(resolve));
    await harness?.close();
    await database?.drop();
  });

  async function checkPage(name: string): Promise<void> {
    const results = await page.evaluate(async (source: string) => {
      (0, eval)(source);
      const w = globalThis as unknown as { axe: typeof axe; document: unknown };
      const run = await w.axe.run(w.document as never, { resultTypes: ['violations'] });
      return run.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }, axe.source);
    expect({ page: name, violations: results }).toEqual({ page: name, violations: [] });
    await page.screenshot({ path: path.join(shots, `${name}-1280.png`), fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    const widths = await page.evaluate('[document.documentElement.scrollWidth, document.body.scrollWidth]');
    expect({ page: name, widths }).toEqual({ page: name, widths: [375, 375] });
    await page.screenshot({ path: path.join(shots, `${name}-375.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  test('an admin signs in from the mail, writes, previews and schedules a post, and it reaches the feed when due', async () => {
    await inviteStaff(database.db, {
      email: 'director@careers.test.example',
      name: 'Dana Director',
      role: 'admin',
      actor: CLI_ACTOR,
      now: new Date(),
    });

    await page.goto(`${origin}/console/`);
    expect(page.url()).toBe(`${origin}/console/sign-in`);
    await checkPage('sign-in');
    await page.getByLabel('Your work email').fill('director@careers.test.example');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();

    let link = '';
    await waitFor(async () => {
      const mails = (await harness.mails()).filter((m) => m.to.includes('director@careers.test.example'));
      if (mails.length === 0) return false;
      link = linkIn(mails[mails.length - 1]!.text);
      return true;
    });
    await page.goto(link);
    await checkPage('sign-in-link');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await checkPage('dashboard');

    await page.getByRole('link', { name: 'Posts' }).first().click();
    await page.getByRole('heading', { name: 'Posts', exact: true }).waitFor();
    await checkPage('posts-empty');
    await page.getByRole('link', { name: 'Write the first one' }).click();
    await page.locator('trix-editor').waitFor(); // the rich-text editor replaced the textarea
    await checkPage('post-new');

    // Under the console's real policy (no bypass): the editor still starts and nothing is blocked.
    const strict = await browser.newContext({ storageState: await context.storageState() });
    const strictPage = await strict.newPage();
    await strictPage.addInitScript(
      "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));",
    );
    await strictPage.goto(`${origin}/console/posts/new`);
    await strictPage.locator('trix-editor').waitFor();
    expect(await strictPage.evaluate('window.__violations')).toEqual([]);
    await strict.close();

    await page.getByLabel('Title').fill('Spring career fair: 40 employers');
    await page.locator('trix-editor').click();
    await page.keyboard.type('Bring ten copies of your resume.');
    await page.getByLabel('Topic 1').fill('Career fairs');
    await page.locator('#image_file').setInputFiles({ name: 'fair.png', mimeType: 'image/png', buffer: PNG_1X1 });
    await page.getByRole('button', { name: 'Save and preview' }).click();
    await page.getByRole('heading', { name: /^Preview/ }).waitFor();
    expect(await page.locator('iframe[title="Post page preview"]').count()).toBe(1);
    const framed = page.frameLocator('iframe[title="Post page preview"]');
    await framed.getByRole('heading', { name: 'Spring career fair: 40 employers' }).waitFor();
    expect(await page.locator('section.card h3').allTextContents()).toEqual([
      'x',
      'mastodon',
      'bluesky',
      'linkedin',
      'facebook',
      'threads',
    ]);
    await checkPage('post-preview');

    await page.getByRole('link', { name: '← Back to editing' }).click();
    const due = new Date(Date.now() + 6_000);
    await page.getByLabel('Publish at').fill(due.toISOString().slice(0, 19));
    await page.getByLabel('Time zone').selectOption('UTC');
    await page.getByRole('button', { name: 'Schedule at the time above' }).click();
    await page.getByText(/^Scheduled for/).waitFor();
    await checkPage('post-edit');

    const row = await database.db.kysely.selectFrom('posts').selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe('published');
    expect(row.html).toContain('Bring ten copies of your resume.');
    expect(row.image).toMatch(/\/media\/[0-9a-f]{32}\.png$/);

    // Before its time the feed does not carry it; once due, the worker's go-live refreshes it.
    expect((await feed.request.get('/feed.xml')).text).not.toContain('Spring career fair');
    await waitFor(async () => {
      const rss = await feed.request.get('/feed.xml');
      return rss.text.includes('Spring career fair: 40 employers');
    }, 30_000);
    const rss = (await feed.request.get('/feed.xml')).text;
    expect(rss).toContain(row.image!);

    for (const [name, url] of [
      ['posts-list', '/console/posts'],
      ['staff', '/console/staff'],
      ['audit', '/console/staff/audit'],
      ['settings', '/console/settings'],
      ['account', '/console/account'],
    ] as const) {
      await page.goto(`${origin}${url}`);
      await checkPage(name);
    }
    expect(problems).toEqual([]);
    // Last, as its 404 is logged by the browser as a failed load.
    await page.goto(`${origin}/console/no-such-page`);
    await checkPage('not-found');
    expect(fs.readdirSync(shots).length).toBeGreaterThanOrEqual(20);
  }, 180_000);
});
