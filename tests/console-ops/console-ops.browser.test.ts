import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, createConsoleHarness, signedInBrowserPage } from '../helpers/console';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { buildPost } from '../helpers/factories';
import { type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver';
import { type RunningWorker, startWorker } from '../helpers/worker';
import { insertSubscriber } from '../digests/support';
import { waitFor } from '../helpers/wait';
import { seriousViolations } from '../helpers/axe';

describe('console operations in a browser (chromium)', () => {
  let database: TestDatabase;
  let harness: ConsoleHarness;
  let worker: RunningWorker;
  let feed: FeedInstance;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let server: http.Server;
  let origin: string;
  let failing = true;
  let webhookId: string;
  let sourceId: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    harness = createConsoleHarness(database.db);
    receiver = await startWebhookReceiver();
    worker = await startWorker(database, {
      redisPrefix: harness.ingest.redisPrefix,
      settings: { webhookTimeoutMs: 400 },
      webhookRetrySchedule: [50, 50],
    });
    feed = await startFeedInstance(database.db, harness.ingest.redisPrefix);
    server = http.createServer(harness.ingest.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();

    const admin = await harness.ingest.bearer('admin');
    const hook = await harness.ingest.request
      .post('/v1/webhooks')
      .set('Authorization', admin)
      .send({ url: `${receiver.origin}/hook`, networks: ['linkedin'] });
    expect(hook.status).toBe(201);
    webhookId = hook.body.id as string;
    receiver.route('/hook', hook.body.secret as string, () => ({ status: failing ? 500 : 200 }));
    const source = await harness.ingest.request
      .post('/v1/sources')
      .set('Authorization', admin)
      .send({ url: 'http://127.0.0.1:9/partner.xml' });
    sourceId = source.body.id as string;
    for (const tags of [['cv'], ['resumes']]) {
      const created = await harness.ingest.request
        .post('/v1/posts')
        .set('Authorization', admin)
        .send(buildPost({ tags, published_at: undefined }));
      expect(created.status).toBe(201);
    }
    await insertSubscriber(database.db, { email: 'kim@example.edu', topics: '["tag:cv"]' });
    // Both posts' deliveries exhaust their retries: two dead letters.
    await waitFor(
      async () =>
        (
          await database.db.kysely
            .selectFrom('webhook_deliveries')
            .select('status')
            .where('status', '=', 'failed')
            .execute()
        ).length === 2,
      30_000,
      'the webhook deliveries did not become dead letters',
    );
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await feed?.close();
    await worker?.close();
    await receiver?.close();
    await harness?.close();
    await database?.drop();
  });

  const signedInPage = (width: number): Promise<Page> =>
    signedInBrowserPage(browser, database.db, origin, { width, role: 'admin' });

  test('an admin merges two tags through the confirmation page, and the old tag’s address 301s to the new one', async () => {
    const page = await signedInPage(1280);
    await page.goto(`${origin}/console/topics`);
    await page.getByLabel('Merge this tag').selectOption('cv');
    await page.locator('#tag-into').fill('resumes');
    await page.getByRole('button', { name: 'Review tag merge' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(
      'Merge the tag “cv” into “resumes”?',
    );
    await expect(page.locator('main').textContent()).resolves.toContain(
      '1 subscribers who follow cv will follow resumes',
    );
    await page.getByRole('button', { name: 'Merge into resumes' }).click();
    await page.waitForURL(`${origin}/console/topics`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Merged cv into resumes');

    // The browser follows the 301s of the page and of a feed to the new tag's, which answer 200.
    const tagPage = await page.goto(`${feed.origin}/tags/cv/`);
    expect(tagPage?.status()).toBe(200);
    expect(tagPage?.url()).toBe(`${feed.origin}/tags/resumes/`);
    expect(
      await tagPage
        ?.request()
        .redirectedFrom()
        ?.response()
        .then((r) => r?.status()),
    ).toBe(301);
    const feedResponse = await page.request.get(`${feed.origin}/tags/cv/feed.json`);
    expect(feedResponse.status()).toBe(200);
    expect(feedResponse.url()).toBe(`${feed.origin}/tags/resumes/feed.json`);
    expect(((await feedResponse.json()) as { items: unknown[] }).items).toHaveLength(2);
    await page.context().close();
  });

  test('an admin retries a dead webhook delivery, and the receiver gets it, signed', async () => {
    const page = await signedInPage(375);
    await page.goto(`${origin}/console/distribution/webhooks/${webhookId}?status=failed`);
    const retryButtons = page.getByRole('button', { name: 'Retry', exact: true });
    await expect(retryButtons.count()).resolves.toBe(2);
    failing = false;
    await retryButtons.first().click();
    await page.waitForURL(`${origin}/console/distribution/webhooks/${webhookId}`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('is queued again');
    await waitFor(() => receiver.deliveredTo('/hook').length === 1, 20_000, 'the retried delivery did not arrive');
    expect(receiver.deliveredTo('/hook')[0]!.verified).toBe(true);
    await waitFor(
      async () =>
        (
          await database.db.kysely
            .selectFrom('webhook_deliveries')
            .select('status')
            .where('status', '=', 'delivered')
            .execute()
        ).length === 1,
      10_000,
    );
    await page.reload();
    await expect(page.locator('main').textContent()).resolves.toContain('delivered');
    await page.context().close();
  });

  test.each([375, 1280])(
    'every operations page has no serious or critical axe violation and fits %i px',
    async (width) => {
      const page = await signedInPage(width);
      const paths = [
        '/console/authors',
        '/console/authors/maya-okafor',
        '/console/topics',
        '/console/topics/merge?kind=tag&from=resumes&into=careers',
        '/console/audience',
        '/console/subscribers?q=example',
        '/console/subscribers/suppressions',
        '/console/distribution/webhooks',
        `/console/distribution/webhooks/${webhookId}`,
        `/console/distribution/webhooks/${webhookId}/rotate-secret`,
        '/console/distribution/sources',
        `/console/distribution/sources/${sourceId}`,
        '/console/distribution/api-keys',
      ];
      // The check can fail: an unlabelled field added to a page is reported.
      await page.goto(`${origin}/console/topics`);
      await page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')");
      expect((await seriousViolations(page)).join('\n')).toContain('label');
      const problems: string[] = [];
      for (const path of paths) {
        const response = await page.goto(`${origin}${path}`);
        expect([path, response?.status()]).toEqual([path, 200]);
        for (const violation of await seriousViolations(page)) problems.push(`${path}: ${violation}`);
        const overflow = (await page.evaluate('document.documentElement.scrollWidth')) as number;
        if (overflow > width) problems.push(`${path}: ${overflow}px wide at ${width}px`);
      }
      expect(problems).toEqual([]);
      await page.context().close();
    },
    120_000,
  );
});
