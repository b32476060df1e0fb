import { parseConfig } from '@careerfeed/config';
import { createLogger } from '@careerfeed/http';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { captureLogs } from '../helpers/log-capture';
import { createConsoleHarness, linkIn } from '../helpers/console';
import supertest from 'supertest';

/**
 * The services' loggers at info, fed requests that carry every kind of secret: the log lines of
 * those requests are written, and none of the secrets is in them.
 */
describe('secrets never reach the logs', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;
  const ingestLogs = captureLogs();
  const feedLogs = captureLogs();
  const cookie = 'session=cookie-secret-4f1c9a';
  const token = 'tok-secret-9d2e7b.c0ffee';

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db, undefined, {
      logger: createLogger('ingest', 'info', ingestLogs.stream),
    });
    feed = await startFeedInstance(database.db, ingest.redisPrefix, {
      logger: createLogger('feed', 'info', feedLogs.stream),
    });
  });

  afterAll(async () => {
    await feed?.close();
    await ingest?.close();
    await database?.drop();
  });

  test('when ingest is called with a Bearer key and a cookie and creates a webhook, then neither the key, the cookie nor the secret is logged', async () => {
    const writer = await ingest.bearer();
    const admin = await ingest.bearer('admin');
    const created = await ingest.request
      .post('/v1/posts')
      .set('Authorization', writer)
      .set('Cookie', cookie)
      .send(buildPost());
    expect(created.status).toBe(201);
    const listed = await ingest.request.get(`/v1/posts?token=${token}`).set('Authorization', writer);
    expect(listed.status).toBe(400); // an unknown query parameter, still logged
    const webhook = await ingest.request
      .post('/v1/webhooks')
      .set('Authorization', admin)
      .send({ url: 'http://127.0.0.1:9/hooks' });
    expect(webhook.status).toBe(201);
    const secret = webhook.body.secret as string;
    expect(secret).toMatch(/^whsec_/);

    const logs = ingestLogs.text();
    // The request lines are there…
    expect(logs).toContain('"url":"/v1/posts"');
    expect(logs).toContain('"url":"/v1/webhooks"');
    expect(logs).toContain('"url":"/v1/posts?token=[redacted]"');
    expect(logs).toContain('"authorization":"[redacted]"');
    // …and no secret in them.
    for (const value of [
      writer.slice('Bearer '.length),
      admin.slice('Bearer '.length),
      'cookie-secret-4f1c9a',
      token,
      secret,
    ])
      expect(logs).not.toContain(value);
  });

  test('when subscription links with tokens are opened on the feed service, then the paths are logged with the token redacted', async () => {
    for (const path of ['/unsubscribe', '/preferences', '/subscribe/confirm']) {
      const response = await feed.request
        .get(`${path}?token=${token}`)
        .set('Cookie', cookie)
        .set('Accept', 'application/json');
      expect(response.status).toBeGreaterThanOrEqual(400); // not a valid token
      expect(response.status).toBeLessThan(500);
    }
    const posted = await feed.request
      .post(`/unsubscribe?token=${token}`)
      .set('Cookie', cookie)
      .send('List-Unsubscribe=One-Click');
    expect(posted.status).toBeLessThan(500);

    const logs = feedLogs.text();
    expect(logs).toContain('"url":"/unsubscribe?token=[redacted]"');
    expect(logs).toContain('"url":"/preferences?token=[redacted]"');
    expect(logs).toContain('"url":"/subscribe/confirm?token=[redacted]"');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain('cookie-secret-4f1c9a');
  });

  test('when staff sign in to the console through a mailed link and use their session, then neither the link token nor the session cookie is logged', async () => {
    const consoleLogs = captureLogs();
    const harness = createConsoleHarness(database.db, { logger: createLogger('ingest', 'info', consoleLogs.stream) });
    try {
      const staff = await harness.signIn({ email: 'logs@careers.test.example', role: 'admin' });
      const asked = await harness.ingest.request
        .post('/console/sign-in')
        .type('form')
        .send({ email: 'logs@careers.test.example' });
      expect(asked.status).toBe(200);
      const mails = await harness.mails();
      const link = new URL(linkIn(mails[mails.length - 1]!.text));
      const token = link.searchParams.get('token')!;
      const browser = supertest.agent(harness.ingest.app);
      expect((await browser.get(`${link.pathname}${link.search}`)).status).toBe(200);
      const redeemed = await browser.post('/console/sign-in/link').type('form').send({ token });
      expect(redeemed.status).toBe(303);
      const cookie = /cf_staff_session=([^;]+)/.exec(
        ([] as string[]).concat(redeemed.headers['set-cookie'] ?? []).join('\n'),
      )![1]!;
      expect((await browser.get('/console/')).status).toBe(200);
      // A reused link and a forged form are logged too (4xx), still without secrets.
      expect((await browser.get(`${link.pathname}${link.search}`)).status).toBe(410);
      expect(
        (await staff.agent.post('/console/staff/invite').type('form').send({ email: 'x@y.example', role: 'editor' }))
          .status,
      ).toBe(403);

      const logs = consoleLogs.text();
      expect(logs).toContain('"url":"/console/sign-in/link?token=[redacted]"');
      expect(logs).toContain('"url":"/console/"');
      for (const secret of [token, cookie, staff.sessionCookie, staff.csrf]) expect(logs).not.toContain(secret);
    } finally {
      await harness.close();
    }
  });

  test('when an error or message quotes a connection URL or a webhook secret, then the logger masks them', () => {
    const logs = captureLogs();
    const logger = createLogger('worker', 'info', logs.stream);
    logger.error(
      {
        err: new Error('connect failed for postgres://app:pg-pass-1@db:5432/x'),
        target: 'redis://:redis-pass-2@cache:6379',
      },
      'delivery with whsec_c2VjcmV0LXNlY3JldA== failed; mail via smtps://mailer:smtp-pass-3@mail.example',
    );
    const text = logs.text();
    expect(text).toContain('postgres://app:***@db:5432/x');
    expect(text).toContain('smtps://mailer:***@mail.example');
    for (const secret of ['pg-pass-1', 'redis-pass-2', 'smtp-pass-3', 'c2VjcmV0LXNlY3JldA'])
      expect(text).not.toContain(secret);
  });

  test('when the configuration refuses a URL, then its message quotes it without the password', () => {
    expect(() => parseConfig({ DATABASE_URL: 'mysql://app:cfg-pass-4@db/x' })).toThrow(/mysql:\/\/app:\*\*\*@db\/x/);
    try {
      parseConfig({ DATABASE_URL: 'mysql://app:cfg-pass-4@db/x' });
    } catch (error) {
      expect(String(error)).not.toContain('cfg-pass-4');
    }
  });
});
