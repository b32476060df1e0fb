import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import supertest from 'supertest';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '@careerfeed/config';
import { readSubscriptionTokenKey } from '@careerfeed/db';
import { createSmtpMailer, runDigestTick, type Mailer } from '@careerfeed/digests';
import {
  DIGESTS_QUEUE,
  DIGEST_TICK_SCHEDULER_ID,
  POST_GOES_LIVE_QUEUE,
  SOURCE_POLL_TICK_SCHEDULER_ID,
  createRedisConnection,
} from '@careerfeed/jobs';
import { type CareerfeedWorker, createWorker, workerMetrics } from '@careerfeed/worker';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, PUBLIC_BASE_URL, TEST_WEBHOOK_SECRETS_KEY, createIngestHarness } from '../helpers/ingest';
import { type Sample, metricFamilies, metricNamesIn, parseMetrics, valueOf } from '../helpers/metrics';
import { testRedisErrors } from '../helpers/redis-errors';
import { waitFor } from '../helpers/wait';
import { type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver';
import { MAIL_FROM } from '../digests/engine';
import { type SmtpSink, insertSubscriber, startSmtpSink } from '../digests/support';

const ROOT = path.join(__dirname, '..', '..');
const ALERTS = path.join(ROOT, 'deploy/prometheus/alerts.yml');
const DASHBOARD = path.join(ROOT, 'deploy/grafana/careerfeed.json');
const HOUR = 3_600_000;

/**
 * The three services as main.ts wires them (createWorker, createFeedApp, createIngestApp) on one
 * SQLite database and a private Redis prefix, doing real work: a post published through the ingest
 * API is shared to a webhook receiver, digests go to an SMTP sink (one accepted, one bounced, one
 * with nothing to send), a subscription form sends a confirmation mail, a feed is read twice. Then
 * each /metrics is scraped and the series are checked, and so are the alert rules and the
 * dashboard's queries against what the services really export.
 */
describe('metrics of the running services', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let sink: SmtpSink;
  let receiver: WebhookReceiver;
  let redis: Redis;
  let subscriber: Redis;
  let mailer: Mailer;
  let worker: CareerfeedWorker;
  let workerHttp: supertest.Agent;
  let feed: FeedInstance;

  const scrape = async (agent: supertest.Agent): Promise<{ text: string; samples: Sample[] }> => {
    const response = await agent.get('/metrics');
    expect(response.status).toBe(200);
    return { text: response.text, samples: parseMetrics(response.text) };
  };
  const workerSamples = async () => (await scrape(workerHttp)).samples;
  const queueOf = (name: string) => worker.queues.find((q) => q.name === name)!;

  beforeAll(async () => {
    sink = await startSmtpSink({ rejectRecipient: (address) => (address === 'gone@example.edu' ? 550 : undefined) });
    receiver = await startWebhookReceiver();
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    const settings = parseConfig({
      DATABASE_URL: database.url,
      REDIS_PREFIX: ingest.redisPrefix,
      PUBLIC_BASE_URL,
      MAIL_FROM,
      ALLOW_PRIVATE_NETWORKS: 'true',
      SHARE_NETWORKS: 'mastodon',
    });
    redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
    subscriber = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
    mailer = createSmtpMailer(sink.url, { maxConnections: 1 });
    worker = createWorker({
      settings,
      db: database.db,
      redis,
      subscriber,
      redisErrors: testRedisErrors(),
      mailer,
      logger: pino({ level: 'silent' }),
      tokenKey: await readSubscriptionTokenKey(database.db.kysely),
      webhookSecretsKey: TEST_WEBHOOK_SECRETS_KEY,
      outboxPollIntervalMs: 50,
    });
    await worker.start();
    workerHttp = supertest.agent(worker.app);
    feed = await startFeedInstance(database.db, ingest.redisPrefix);
  });

  afterAll(async () => {
    await feed?.close();
    await worker?.close();
    for (const queue of worker?.queues ?? []) {
      const open = new Queue(queue.name, { connection: redis, prefix: ingest.redisPrefix });
      await open.obliterate({ force: true }).catch(() => undefined);
      await open.close();
    }
    await mailer?.close();
    subscriber?.disconnect();
    redis?.disconnect();
    await ingest?.close();
    await database?.drop();
    await receiver?.close();
    await sink?.close();
  });

  test('when a post is published and shared to a webhook, then webhook_deliveries_total counts it delivered', async () => {
    const admin = await ingest.bearer('admin');
    const created = await ingest.request
      .post('/v1/webhooks')
      .set('Authorization', admin)
      .send({ url: `${receiver.origin}/hook` });
    expect(created.status).toBe(201);
    receiver.route('/hook', (created.body as { secret: string }).secret);

    expect(valueOf(await workerSamples(), 'webhook_deliveries_total', { outcome: 'delivered' })).toBe(0);
    const published = await ingest.request
      .post('/v1/posts')
      .set('Authorization', await ingest.bearer())
      .send(buildPost({ published_at: new Date(Date.now() - 2 * HOUR).toISOString() }));
    expect(published.status).toBe(201);

    await waitFor(() => receiver.deliveredTo('/hook').length === 1, 20_000, 'no webhook delivered');
    await waitFor(
      async () => valueOf(await workerSamples(), 'webhook_deliveries_total', { outcome: 'delivered' }) === 1,
      5_000,
      'webhook_deliveries_total{outcome="delivered"} did not reach 1',
    );
    const samples = await workerSamples();
    expect(valueOf(samples, 'webhook_deliveries_total', { outcome: 'failed' })).toBe(0);
    expect(valueOf(samples, 'webhook_attempts_total', { outcome: 'delivered' })).toBe(1);
    expect(valueOf(samples, 'outbox_pending_events')).toBe(0);
    expect(valueOf(samples, 'outbox_lag_seconds')).toBe(0);
  });

  test('when digests go out (one accepted, one bounced, one with nothing new), then mails_total, digests_total, the failed-jobs series and subscribers say so', async () => {
    const now = Date.now();
    const due = {
      frequency: 'daily' as const,
      created_at: new Date(now - 24 * HOUR).toISOString(),
      confirmed_at: new Date(now - 24 * HOUR).toISOString(),
      next_digest_at: new Date(now - 60_000).toISOString(),
    };
    await insertSubscriber(database.db, { ...due, email: 'ada@example.edu' });
    await insertSubscriber(database.db, { ...due, email: 'gone@example.edu' });
    await insertSubscriber(database.db, { ...due, email: 'picky@example.edu', topics: '["tag:no-such-topic"]' });
    await insertSubscriber(database.db, { status: 'unsubscribed', email: 'left@example.edu' });

    const before = await workerSamples();
    expect(valueOf(before, 'mails_total', { kind: 'digest', outcome: 'sent' })).toBe(0);
    expect(valueOf(before, 'jobs_failed_total', { queue: DIGESTS_QUEUE })).toBe(0);

    expect(await runDigestTick({ db: database.db, queue: queueOf(DIGESTS_QUEUE), now: () => new Date() })).toEqual({
      enqueued: 3,
    });
    await waitFor(
      async () => {
        const samples = await workerSamples();
        return (
          valueOf(samples, 'digests_total', { outcome: 'sent' }) === 1 &&
          valueOf(samples, 'digests_total', { outcome: 'failed' }) === 1 &&
          valueOf(samples, 'digests_total', { outcome: 'skipped' }) === 1
        );
      },
      20_000,
      'the three digests were not all handled',
    );
    expect(sink.received.map((m) => m.to)).toEqual([['ada@example.edu']]);

    const samples = await workerSamples();
    expect(valueOf(samples, 'mails_total', { kind: 'digest', outcome: 'sent' })).toBe(1);
    expect(valueOf(samples, 'mails_total', { kind: 'digest', outcome: 'bounced' })).toBe(1);
    expect(valueOf(samples, 'mails_total', { kind: 'digest', outcome: 'skipped' })).toBe(1);
    expect(valueOf(samples, 'mails_total', { kind: 'digest', outcome: 'failed' })).toBe(0);
    // The bounce fails its job for good: one failed attempt, one job in the failed set.
    expect(valueOf(samples, 'jobs_failed_total', { queue: DIGESTS_QUEUE })).toBe(1);
    expect(valueOf(samples, 'queue_jobs', { queue: DIGESTS_QUEUE, state: 'failed' })).toBe(1);
    expect(valueOf(samples, 'queue_jobs', { queue: DIGESTS_QUEUE, state: 'active' })).toBe(0);
    // The digest tick's scheduler job waits in the delayed set.
    expect(valueOf(samples, 'queue_jobs', { queue: DIGESTS_QUEUE, state: 'delayed' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'subscribers', { state: 'active' })).toBe(3);
    expect(valueOf(samples, 'subscribers', { state: 'unsubscribed' })).toBe(1);
    expect(valueOf(samples, 'subscribers', { state: 'suspended' })).toBe(0);
  });

  test('when someone subscribes on the feed service, then the confirmation mail is counted sent and the subscriber pending', async () => {
    const pendingBefore = valueOf(await workerSamples(), 'subscribers', { state: 'pending' });
    const response = await feed.request.post('/subscribe').send({ email: 'new@example.edu', frequency: 'weekly' });
    expect(response.status).toBe(202);
    await waitFor(() => sink.received.some((m) => m.to.includes('new@example.edu')), 15_000, 'no confirmation mail');
    await waitFor(
      async () => valueOf(await workerSamples(), 'mails_total', { kind: 'confirmation', outcome: 'sent' }) === 1,
      5_000,
      'mails_total{kind="confirmation",outcome="sent"} did not reach 1',
    );
    const samples = await workerSamples();
    expect(valueOf(samples, 'subscribers', { state: 'pending' })).toBe((pendingBefore ?? 0) + 1);
    expect(valueOf(samples, 'mails_total', { kind: 'confirmation', outcome: 'bounced' })).toBe(0);
  });

  test('when a job waits on a queue nobody takes from, then its count and age show; a missing job scheduler shows as 0', async () => {
    // Paused for every worker (BullMQ keeps the job in the wait list), with a job added 90 s ago.
    const goesLive = queueOf(POST_GOES_LIVE_QUEUE);
    await goesLive.pause();
    const job = await goesLive.add('probe', {}, { timestamp: Date.now() - 90_000 });
    try {
      const samples = await workerSamples();
      expect(valueOf(samples, 'queue_jobs', { queue: POST_GOES_LIVE_QUEUE, state: 'waiting' })).toBe(1);
      const age = valueOf(samples, 'queue_oldest_waiting_job_age_seconds', { queue: POST_GOES_LIVE_QUEUE })!;
      expect(age).toBeGreaterThanOrEqual(90);
      expect(age).toBeLessThan(150);
      // Every queue the worker opened has its series.
      for (const queue of worker.queues) {
        expect(valueOf(samples, 'queue_oldest_waiting_job_age_seconds', { queue: queue.name })).toBeDefined();
        expect(valueOf(samples, 'queue_jobs', { queue: queue.name, state: 'waiting' })).toBeDefined();
      }
    } finally {
      await job.remove();
      await goesLive.resume();
    }

    let samples = await workerSamples();
    expect(valueOf(samples, 'job_schedulers_present', { scheduler: DIGEST_TICK_SCHEDULER_ID })).toBe(1);
    expect(valueOf(samples, 'job_schedulers_present', { scheduler: SOURCE_POLL_TICK_SCHEDULER_ID })).toBe(1);
    await queueOf(DIGESTS_QUEUE).removeJobScheduler(DIGEST_TICK_SCHEDULER_ID);
    samples = await workerSamples();
    expect(valueOf(samples, 'job_schedulers_present', { scheduler: DIGEST_TICK_SCHEDULER_ID })).toBe(0);
    expect(valueOf(samples, 'service_ready', { service: 'worker' })).toBe(0);
    expect(valueOf(samples, 'readiness_check_up', { check: 'schedulers' })).toBe(0);
    expect(valueOf(samples, 'readiness_check_up', { check: 'database' })).toBe(1);
    await worker.schedulers.ensure();
    samples = await workerSamples();
    expect(valueOf(samples, 'job_schedulers_present', { scheduler: DIGEST_TICK_SCHEDULER_ID })).toBe(1);
    expect(valueOf(samples, 'service_ready', { service: 'worker' })).toBe(1);
  });

  test('when a feed is read twice, then feed_cache_requests_total counts one miss and one hit', async () => {
    const before = (await scrape(feed.request)).samples;
    expect(valueOf(before, 'feed_cache_requests_total', { result: 'miss' })).toBe(0);
    expect(valueOf(before, 'feed_cache_requests_total', { result: 'hit' })).toBe(0);
    expect((await feed.rawGet('/feed.xml', {})).status).toBe(200);
    expect((await feed.rawGet('/feed.xml', {})).status).toBe(200);
    // A compressed answer not made yet goes through express, and is still a hit of the entry.
    expect((await feed.rawGet('/feed.xml', { 'accept-encoding': 'gzip' })).status).toBe(200);
    const after = (await scrape(feed.request)).samples;
    expect(valueOf(after, 'feed_cache_requests_total', { result: 'miss' })).toBe(1);
    expect(valueOf(after, 'feed_cache_requests_total', { result: 'hit' })).toBe(2);
    expect(valueOf(after, 'service_ready', { service: 'feed' })).toBe(1);
  });

  test('every metric the alert rules and the dashboard use is one the services export', async () => {
    const exported = new Set<string>(['up']); // `up` is Prometheus's own, per scrape target
    for (const agent of [workerHttp, feed.request, ingest.request]) {
      for (const [name, kind] of metricFamilies((await scrape(agent)).text)) {
        exported.add(name);
        if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
        if (kind === 'summary') for (const suffix of ['_sum', '_count']) exported.add(name + suffix);
      }
    }
    const rules = (parseYaml(fs.readFileSync(ALERTS, 'utf8')) as { groups: { rules: { expr: string }[] }[] }).groups
      .flatMap((group) => group.rules)
      .map((rule) => rule.expr);
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(rules.length).toBeGreaterThanOrEqual(5);
    expect(queries.length).toBeGreaterThanOrEqual(10);

    const used = new Map<string, string>();
    for (const expr of [...rules, ...queries]) for (const name of metricNamesIn(expr)) used.set(name, expr);
    const unknown = [...used].filter(([name]) => !exported.has(name)).map(([name, expr]) => `${name} (in ${expr})`);
    expect(unknown).toEqual([]);
    // The ones this work added are among them, so the check looks at real names.
    for (const name of [
      'job_schedulers_present',
      'outbox_lag_seconds',
      'jobs_failed_total',
      'mails_total',
      'service_ready',
      'queue_jobs',
      'feed_cache_requests_total',
      'http_request_duration_seconds_bucket',
    ]) {
      expect(used.has(name)).toBe(true);
    }
    // And the extraction does find a name that is not exported.
    expect(metricNamesIn('sum by (queue) (rate(jobs_faild_total{queue="x"}[5m])) > 1e-3')).toEqual(['jobs_faild_total']);
  });

  test('promtool accepts the rules and their unit tests pass', () => {
    let promtool: string | undefined;
    try {
      promtool = execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim();
    } catch {
      promtool = undefined;
    }
    if (!promtool) {
      // CI installs it (.ci/run's SYSTEM_PACKAGES); a developer machine without it still gets the name check above.
      if (process.env.CI) throw new Error('promtool is not installed (apt-get install prometheus)');
      return;
    }
    const checked = execFileSync(promtool, ['check', 'rules', ALERTS], { encoding: 'utf8' });
    expect(checked).toMatch(/SUCCESS: \d+ rules found/);
    const tested = execFileSync(promtool, ['test', 'rules', path.join(ROOT, 'deploy/prometheus/alerts.test.yml')], {
      encoding: 'utf8',
    });
    expect(tested).toContain('SUCCESS');
  });
});

describe('worker metrics while Redis does not answer', () => {
  let database: TestDatabase;
  let silent: net.Server;
  const sockets = new Set<net.Socket>();
  let redis: Redis;
  let queue: Queue;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    // Accepts connections and never answers: the worst case, a command that would wait forever.
    silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null, lazyConnect: true });
    redis.on('error', () => undefined);
    queue = new Queue('digests', { connection: redis, prefix: 'metrics-silent' });
    queue.on('error', () => undefined);
  });

  afterAll(async () => {
    redis.disconnect();
    await queue.close().catch(() => undefined);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await database.drop();
  });

  test('when Redis hangs, then a scrape still answers within the timeout, without queue or scheduler series, and with the database ones', async () => {
    const registry = new Registry();
    workerMetrics({
      registry,
      db: database.db,
      queues: [queue],
      processors: [],
      schedulers: { ids: ['digest-tick'], missing: () => queue.getJobScheduler('digest-tick').then(() => []) },
      now: () => new Date(),
      timeoutMs: 300,
    });
    const started = Date.now();
    const samples = parseMetrics(await registry.metrics());
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(samples.filter((s) => s.name === 'queue_jobs' || s.name === 'job_schedulers_present')).toEqual([]);
    expect(valueOf(samples, 'subscribers', { state: 'active' })).toBe(0);
  });
});
