import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { StaffRole } from '@careerfeed/staff';
import { launchChromium } from '../helpers/browser';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, createConsoleHarness, signedInBrowserPage } from '../helpers/console';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { buildPost } from '../helpers/factories';
import { waitFor } from '../helpers/wait';
import { seriousViolations } from '../helpers/axe';

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'wordpress', 'career-center.wxr');

describe('comment moderation, WordPress import and partner blogs in a browser (chromium)', () => {
  let database: TestDatabase;
  let harness: ConsoleHarness;
  let feed: FeedInstance;
  let browser: Browser;
  let server: http.Server;
  let origin: string;
  let slug: string;
  let importPage: string;
  let pendingId: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    harness = createConsoleHarness(database.db);
    feed = await startFeedInstance(database.db, harness.ingest.redisPrefix, {
      commentLimits: {
        perClient: { points: 1000, durationSeconds: 600 },
        perAddress: { points: 1000, durationSeconds: 600 },
      },
    });
    server = http.createServer(harness.ingest.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();

    const auth = await harness.ingest.bearer('posts:write');
    const post = await harness.ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost())
      .expect(201);
    slug = post.body.slug as string;
    // A first-time commenter is held for moderation (202).
    const held = await feed.request
      .post(`/posts/${slug}/comments`)
      .set('Accept', 'application/json')
      .send({ name: 'Priya Nair', email: 'priya@example.edu', body: 'Will the fair have <b>remote</b> booths?' });
    expect(held.status).toBe(202);
    pendingId = held.body.id as string;
    await feed.request
      .post(`/posts/${slug}/comments`)
      .set('Accept', 'application/json')
      .send({ name: 'Other Reader', email: 'other@example.edu', body: 'Second question, still pending.' })
      .expect(202);

    const admin = await harness.signIn({ role: 'admin' });
    const started = await admin.agent
      .post(`/console/import?csrf_token=${encodeURIComponent(admin.csrf)}`)
      .attach('wxr', fs.readFileSync(FIXTURE), 'career-center.wxr');
    expect(started.status).toBe(303);
    importPage = started.headers.location as string;
    await waitFor(
      async () => (await admin.agent.get(importPage)).text.includes('Import done'),
      30_000,
      'the import did not finish',
    );
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await feed?.close();
    await harness?.close();
    await database?.drop();
  });

  const signedInPage = (width: number, role: StaffRole): Promise<Page> =>
    signedInBrowserPage(browser, database.db, origin, { width, role });

  test('an editor approves a pending comment from the dashboard link, and readers see it on the post page', async () => {
    const page = await signedInPage(1280, 'editor');
    const before = await feed.request.get(`/posts/${slug}`).set('Accept', 'text/html').expect(200);
    expect(before.text).not.toContain('remote</b> booths');

    await page.getByRole('link', { name: /Moderate the 2 pending comments/ }).click();
    await page.waitForURL(`${origin}/console/comments?status=pending`);
    const row = page.locator('tr', { hasText: 'Priya Nair' });
    await expect(row.locator('a[href="mailto:priya@example.edu"]').count()).resolves.toBe(1);
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${origin}/console/comments?status=pending`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Priya Nair is approved');
    await expect(page.locator('table').textContent()).resolves.not.toContain('Priya Nair');

    await waitFor(
      async () =>
        (await feed.request.get(`/posts/${slug}`).set('Accept', 'text/html')).text.includes('<b>remote</b> booths'),
      10_000,
      'the approved comment did not show on the post page',
    );
    const postPage = await page.goto(`${feed.origin}/posts/${slug}`);
    expect(postPage?.status()).toBe(200);
    await expect(page.locator('body').textContent()).resolves.toContain('Will the fair have remote booths?');
    expect(
      (await database.db.kysely.selectFrom('comments').select('status').where('id', '=', pendingId).executeTakeFirst())
        ?.status,
    ).toBe('approved');
    await page.context().close();
  });

  test.each([375, 1280])(
    'the new pages have no serious or critical axe violation and fit %i px',
    async (width) => {
      const page = await signedInPage(width, 'admin');
      const other = await database.db.kysely
        .selectFrom('comments')
        .select('id')
        .where('author_name', '=', 'Other Reader')
        .executeTakeFirstOrThrow();
      const paths = [
        '/console/',
        '/console/comments',
        '/console/comments?status=approved',
        '/console/comments?status=trash',
        `/console/comments/${other.id}/delete?back=pending`,
        '/console/import',
        importPage,
        '/console/distribution/sources',
      ];
      const problems: string[] = [];
      for (const p of paths) {
        const response = await page.goto(`${origin}${p}`);
        expect([p, response?.status()]).toEqual([p, 200]);
        for (const violation of await seriousViolations(page)) problems.push(`${p}: ${violation}`);
        const overflow = (await page.evaluate('document.documentElement.scrollWidth')) as number;
        if (overflow > width) problems.push(`${p}: ${overflow}px wide at ${width}px`);
      }
      // "Add a partner blog" as staff use it: the radio and the field are reachable by their labels.
      await page.goto(`${origin}/console/distribution/sources`);
      await page.getByLabel('A WordPress site').check();
      await page.getByLabel('Address').fill(`https://93.184.215.${width === 375 ? 16 : 17}`);
      await page.getByRole('button', { name: 'Add the partner blog' }).click();
      await page.waitForURL(/\/console\/distribution\/sources\/[0-9a-f-]{36}$/);
      await expect(page.getByRole('status').textContent()).resolves.toContain(
        `Added https://93.184.215.${width === 375 ? 16 : 17}/`,
      );
      expect(await seriousViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
      await page.context().close();
    },
    120_000,
  );
});
