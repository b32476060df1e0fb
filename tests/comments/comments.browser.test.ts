import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { seriousViolations } from '../helpers/axe';

/**
 * A reader comments through the form on a post page in Chromium (no JavaScript of ours runs: the
 * page forbids scripts), staff approve it through the API, and it appears. axe-core checks the
 * page with comments, a reply and the form.
 */
describe('commenting on a post in a browser (chromium)', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;
  let browser: Browser;
  let auth: string;
  let slug: string;
  let clock = Date.now();

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    // The reader's clock moves on between loading the form and sending it (the form's minimum time).
    feed = await startFeedInstance(database.db, ingest.redisPrefix, { now: () => new Date(clock) });
    auth = await ingest.bearer('posts:write');
    const post = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost()).expect(201);
    slug = post.body.slug as string;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await feed?.close();
    await ingest?.close();
    await database?.drop();
  });

  test('a reader posts through the form, staff approve it, it appears; axe finds nothing serious', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${feed.origin}/posts/${slug}`);
    await page.getByLabel('Comment', { exact: true }).fill('Do employers expect a <em>printed</em> CV?');
    await page.getByLabel('Name', { exact: true }).fill('Sam Rivera');
    await page.getByLabel('Email (not published)').fill('sam.rivera@example.edu');
    clock += 20_000;
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.waitForURL(/comment=held/);
    expect(await page.getByRole('status').textContent()).toContain('awaiting moderation');
    expect(await page.locator('.comment-list').count()).toBe(0);

    const pending = await ingest.request.get('/v1/comments?status=pending').set('Authorization', auth).expect(200);
    expect(pending.body.items).toHaveLength(1);
    const id = pending.body.items[0].id as string;
    await ingest.request
      .patch(`/v1/comments/${id}`)
      .set('Authorization', auth)
      .send({ status: 'approved' })
      .expect(200);

    await page.goto(`${feed.origin}/posts/${slug}?after-approval`);
    const comment = page.locator(`#comment-${id}`);
    expect(await comment.textContent()).toContain('Sam Rivera');
    expect(await comment.locator('.comment-body em').textContent()).toBe('printed');
    expect(await page.getByRole('heading', { name: '1 comment' }).isVisible()).toBe(true);

    // A reply, through the comment's reply link.
    await comment.getByRole('link', { name: 'Reply to Sam Rivera' }).click();
    await page.waitForURL(/replyto=/);
    expect(await page.getByRole('heading', { name: 'Reply to Sam Rivera' }).isVisible()).toBe(true);
    await page.getByLabel('Comment', { exact: true }).fill('Yes, bring three copies.');
    await page.getByLabel('Name', { exact: true }).fill('Maya');
    await page.getByLabel('Email (not published)').fill('sam.rivera@example.edu');
    clock += 20_000;
    await page.getByRole('button', { name: 'Post comment' }).click();
    // The address has an approved comment now: published at once, and the page jumps to it.
    await page.waitForURL(/comment=published/);
    expect(await page.locator('.comment-replies').textContent()).toContain('Yes, bring three copies.');

    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
