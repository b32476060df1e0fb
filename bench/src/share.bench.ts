/**
 * `npm run bench:share`: (1) building every network's share payload for 10,000 posts (the pure
 * builders, payloads/s and posts/s); (2) 1,000 webhook deliveries through the real path — the
 * share publisher (payloads stored, delivery rows written, BullMQ jobs added) and the delivery
 * worker (Standard Webhooks signing, outboundRequest, attempt log) — to a local receiver, next to
 * the raw client (outboundRequest with the same signed bodies and the same concurrency) in the same
 * run, so the result is a ratio; a BullMQ worker doing nothing with as many jobs shows what the
 * queue alone costs, and with one job per post (five message ids) what it costs a message now.
 * CPU per message (this process, all threads; and the redis-server's, from INFO cpu) next to the
 * rates: on a shared machine it moves less than they do. JSON lines on stdout; progress on stderr.
 * See bench/README.md.
 */
import { createSharePublisher, createWebhookDeliveryWorker } from '@careerfeed/sharing';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import {
  NETWORKS,
  type Network,
  type ShareInput,
  authorHandlesFromLinks,
  buildSharePayloads,
  htmlToPlainText,
  makeExcerpt,
  sealWebhookSecret,
  webhookHeaders,
} from '@careerfeed/core';
import { type Dialect, createDb, uuidv7 } from '@careerfeed/db';
import { outboundRequest } from '@careerfeed/http';
import {
  type PostEvent,
  createRedisConnection,
  openQueue,
  openWebhookDeliveriesQueue,
  webhookDeliveryJobOptions,
} from '@careerfeed/jobs';
import { benchRedisErrors } from './support/redis-errors';
import { type Cleanup } from './support/cleanup';
import { SetupError } from './support/errors';
import { runBench } from './support/run-bench';
import { seedFeedStore } from './support/feed-seed';
import { round } from './support/load';
import { loadFixture } from './support/posts';
import { startRedisServer } from './support/processes';
import { assertPostgresReachable, createStore } from './support/stores';
import { intSettingsReader } from './support/settings';

const ROOT = path.resolve(__dirname, '..', '..');
const PUBLIC_BASE_URL = 'https://careers.example.edu';
// Five networks per destination, so 1,000 deliveries are 200 posts.
const DELIVERED_NETWORKS: Network[] = ['x', 'mastodon', 'bluesky', 'linkedin', 'threads'];

interface Settings {
  buildPosts: number;
  deliveries: number;
  concurrency: number;
  db: Dialect;
  pgAdminUrl: string;
  fixture: string;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  const int = intSettingsReader(env, problems);
  const db = env.BENCH_DB || 'sqlite';
  if (db !== 'sqlite' && db !== 'postgres') problems.push(`BENCH_DB: sqlite or postgres (got ${JSON.stringify(db)})`);
  const settings: Settings = {
    buildPosts: int('BENCH_SHARE_POSTS', 10_000, 10, 1_000_000),
    deliveries: int('BENCH_DELIVERIES', 1_000, 5, 100_000),
    concurrency: int('BENCH_CONCURRENCY', 20, 1, 200),
    db: db as Dialect,
    pgAdminUrl: env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    fixture: path.resolve(env.BENCH_FIXTURE || path.join(ROOT, 'fixtures', 'sample-blog.json')),
  };
  if (problems.length > 0) throw new SetupError(`Invalid bench settings:\n  - ${problems.join('\n  - ')}`);
  return settings;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'share', ...line })}\n`);
}

function note(message: string): void {
  process.stderr.write(`[bench:share] ${message}\n`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU time (ms) of this process (all its threads) and of the redis-server, since `start`. */
interface CpuMeter {
  stop(): Promise<{ processMs: number; redisMs: number }>;
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  // INFO cpu: "used_cpu_user:1.234" and "used_cpu_sys:…", in seconds.
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

async function startCpuMeter(redis: Redis): Promise<CpuMeter> {
  const redisStart = await redisCpuMs(redis);
  const processStart = process.cpuUsage();
  return {
    async stop() {
      const used = process.cpuUsage(processStart);
      return { processMs: (used.user + used.system) / 1000, redisMs: (await redisCpuMs(redis)) - redisStart };
    },
  };
}

// ---- (1) building payloads ----

function measureBuild(fixture: ReturnType<typeof loadFixture>, count: number): void {
  const authors = new Map(fixture.authors.map((a) => [a.slug, a]));
  // Inputs prepared up front: the measurement is the builders, not HTML-to-text.
  const inputs: ShareInput[] = [];
  for (let i = 0; i < count; i++) {
    const post = fixture.posts[i % fixture.posts.length]!;
    inputs.push({
      title: `${post.title} (${i + 1})`,
      excerpt: makeExcerpt(htmlToPlainText(post.html)),
      url: `${PUBLIC_BASE_URL}/posts/post-${i + 1}`,
      tags: post.tags ?? [],
      authorHandles: authorHandlesFromLinks(authors.get(post.author)?.links ?? {}),
    });
  }
  buildSharePayloads(inputs[0]!); // warm-up: twitter-text and Intl.Segmenter initialise once
  const started = performance.now();
  let chars = 0;
  for (const input of inputs) chars += JSON.stringify(buildSharePayloads(input)).length;
  const seconds = (performance.now() - started) / 1000;
  emit({
    case: 'build',
    posts: count,
    payloads: count * NETWORKS.length,
    posts_per_s: round(count / seconds, 0),
    payloads_per_s: round((count * NETWORKS.length) / seconds, 0),
    mean_payload_json_bytes: round(chars / (count * NETWORKS.length), 0),
  });
}

// ---- (2) deliveries ----

interface Receiver {
  url: string;
  arrivals: Map<string, number>;
  close(): Promise<void>;
}

/** The receiving end: 204 to everything, the arrival time of each message id. */
async function startReceiver(cleanup: Cleanup): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.set(String(req.headers['webhook-id']), performance.now());
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  cleanup.add('close receiver', close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, arrivals, close };
}

async function measureDeliveries(
  settings: Settings,
  fixture: ReturnType<typeof loadFixture>,
  cleanup: Cleanup,
  tmpDir: string,
): Promise<void> {
  const redisDir = path.join(tmpDir, 'redis');
  fs.mkdirSync(redisDir);
  const redisServer = await startRedisServer(cleanup, redisDir);
  const store = await createStore(cleanup, settings.db, 'share', { dir: tmpDir, pgAdminUrl: settings.pgAdminUrl });
  const postCount = Math.ceil(settings.deliveries / DELIVERED_NETWORKS.length);
  await seedFeedStore(store, fixture, { count: postCount, publicBaseUrl: PUBLIC_BASE_URL, spanYears: 0.01 });
  const receiver = await startReceiver(cleanup);

  const db = createDb(store.url, { poolSize: 4, backgroundCheckpoints: true });
  cleanup.add('close database', () => db.close());
  const redis = createRedisConnection(redisServer.url, 'worker', benchRedisErrors);
  cleanup.add('disconnect redis', () => redis.disconnect());
  const prefix = 'bench';
  const queue = openWebhookDeliveriesQueue(redis, prefix);
  cleanup.add('close queue', () => queue.close());
  const secret = 'whsec_' + Buffer.from('careerfeed bench secret, 32 bytes').toString('base64');
  // Stored encrypted, as the API stores it: each attempt pays for opening it.
  const secretsKey = randomBytes(32);
  const at = new Date().toISOString();
  const destinationRow = () => {
    const id = uuidv7();
    return {
      id,
      url: receiver.url,
      networks: JSON.stringify(DELIVERED_NETWORKS),
      secret: sealWebhookSecret(secretsKey, id, secret),
      previous_secret: null,
      previous_secret_expires_at: null,
      enabled: 1,
      disabled_reason: null,
      created_at: at,
      updated_at: at,
    };
  };
  await db.kysely.insertInto('webhook_destinations').values(destinationRow()).execute();
  const posts = await db.kysely
    .selectFrom('posts')
    .innerJoin('authors', 'authors.id', 'posts.author_id')
    .select(['posts.id', 'posts.slug', 'posts.published_at', 'posts.category', 'authors.slug as author'])
    .execute();

  const publisher = createSharePublisher({
    db,
    queue,
    publicBaseUrl: PUBLIC_BASE_URL,
    networks: NETWORKS,
    limits: {},
    maxAgeMs: 24 * 3_600_000,
    now: () => new Date(),
  });
  const worker = createWebhookDeliveryWorker({
    connection: redis,
    prefix,
    db,
    logger: pino({ level: 'silent' }),
    allowPrivateNetworks: true,
    secretsKey,
    timeoutMs: 15_000,
    concurrency: settings.concurrency,
  });
  cleanup.add('close worker', () => worker.close());

  // The post events, as the post-events worker would hand them over, one post after another.
  note(`system: ${posts.length} posts × ${DELIVERED_NETWORKS.length} networks through BullMQ`);
  const enqueuedAt = new Map<string, number>();
  const events: PostEvent[] = [];
  const started = performance.now();
  for (const post of posts) {
    const event: PostEvent = {
      eventId: `bench-${post.id}`,
      type: 'post.published',
      postId: post.id,
      occurredAt: new Date(Date.parse(post.published_at!)).toISOString(),
      before: null,
      after: {
        id: post.id,
        slug: post.slug,
        status: 'published',
        published_at: post.published_at,
        author: post.author,
        category: post.category,
        tags: [],
      },
    };
    events.push(event);
    const t = performance.now();
    await publisher(event);
    enqueuedAt.set(post.id, t);
  }
  const enqueueMs = performance.now() - started;
  const expected = posts.length * DELIVERED_NETWORKS.length;
  const deadline = Date.now() + 10 * 60_000;
  while (receiver.arrivals.size < expected) {
    if (Date.now() > deadline) throw new Error(`only ${receiver.arrivals.size} of ${expected} deliveries arrived`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const systemSeconds = (Math.max(...receiver.arrivals.values()) - started) / 1000;
  // Deliveries are marked after the receiver answered; wait for the last rows to say so.
  for (;;) {
    const pending = await db.kysely
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '!=', 'delivered')
      .execute();
    if (pending.length === 0) break;
    if (Date.now() > deadline) throw new Error(`${pending.length} deliveries not marked delivered`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const rows = await db.kysely
    .selectFrom('webhook_deliveries')
    .select(['id', 'post_id', 'body', 'status'])
    .where('status', '=', 'delivered')
    .execute();
  const latencies = rows.map((r) => receiver.arrivals.get(r.id)! - enqueuedAt.get(r.post_id)!).sort((a, b) => a - b);
  const systemRate = expected / systemSeconds;
  await worker.close();

  // The delivery worker alone: the same number of messages for a second destination, all queued
  // before a fresh worker starts, so the rate is signing + POST + bookkeeping, not payload building.
  note(`worker alone: ${expected} queued messages, then the worker starts`);
  await db.kysely.updateTable('webhook_destinations').set({ enabled: 0 }).execute();
  await db.kysely.insertInto('webhook_destinations').values(destinationRow()).execute();
  for (const event of events) await publisher(event);
  receiver.arrivals.clear();
  const drainCpu = await startCpuMeter(redis);
  const drainStarted = performance.now();
  const drainWorker = createWebhookDeliveryWorker({
    connection: redis,
    prefix,
    db,
    logger: pino({ level: 'silent' }),
    allowPrivateNetworks: true,
    secretsKey,
    timeoutMs: 15_000,
    concurrency: settings.concurrency,
  });
  cleanup.add('close drain worker', () => drainWorker.close());
  while (receiver.arrivals.size < expected) {
    if (Date.now() > deadline) throw new Error(`only ${receiver.arrivals.size} of ${expected} deliveries arrived`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const drainRate = expected / ((Math.max(...receiver.arrivals.values()) - drainStarted) / 1000);
  await drainWorker.close();
  const drainCpuMs = await drainCpu.stop();

  // BullMQ alone: as many jobs with the delivery jobs' options, a worker that does nothing with
  // them. What the queue costs by itself, the ceiling of any one-job-per-message worker here; then
  // one job per post with its five message ids, as the publisher queues them now.
  const measureNoop = async (queueName: string, jobs: { id: string; data: object }[]) => {
    note(`bullmq no-op: ${jobs.length} queued jobs, a worker that does nothing`);
    const noopQueue = openQueue(queueName, redis, prefix);
    cleanup.add(`close ${queueName} queue`, () => noopQueue.close());
    for (let i = 0; i < jobs.length; i += 500) {
      await noopQueue.addBulk(
        jobs
          .slice(i, i + 500)
          .map((job) => ({ name: 'noop', data: job.data, opts: webhookDeliveryJobOptions(job.id) })),
      );
    }
    let noopDone = 0;
    let noopFinished: () => void = () => undefined;
    const allNoopDone = new Promise<void>((resolve) => (noopFinished = resolve));
    const noopCpu = await startCpuMeter(redis);
    const noopStarted = performance.now();
    const noopWorker = new Worker(
      queueName,
      async () => {
        if (++noopDone === jobs.length) noopFinished();
        return 'ok';
      },
      { connection: redis, prefix, concurrency: settings.concurrency, lockDuration: 15_000, stalledInterval: 5_000 },
    );
    noopWorker.on('error', (error) => note(`no-op worker: ${error.message}`));
    cleanup.add(`close ${queueName} worker`, () => noopWorker.close());
    await allNoopDone;
    const rate = jobs.length / ((performance.now() - noopStarted) / 1000);
    await noopWorker.close();
    return { rate, cpu: await noopCpu.stop() };
  };
  const noopPerMessage = rows.map((row) => ({ id: row.id, data: { messageId: row.id } }));
  const noop = await measureNoop('bench-noop', noopPerMessage);
  const idsByPost = new Map<string, string[]>();
  for (const row of rows) idsByPost.set(row.post_id, [...(idsByPost.get(row.post_id) ?? []), row.id]);
  const noopPerPost = [...idsByPost].map(([postId, messageIds]) => ({ id: `shb_${postId}`, data: { messageIds } }));
  const noopBatched = await measureNoop('bench-noop-per-post', noopPerPost);

  // The raw client: the same bodies, signed the same way, POSTed with the same concurrency.
  note(`raw: ${rows.length} POSTs with outboundRequest, concurrency ${settings.concurrency}`);
  receiver.arrivals.clear();
  const rawLatencies: number[] = [];
  let next = 0;
  const rawCpu = await startCpuMeter(redis);
  const rawStarted = performance.now();
  await Promise.all(
    Array.from({ length: settings.concurrency }, async () => {
      for (let i = next++; i < rows.length; i = next++) {
        const row = rows[i]!;
        const t = performance.now();
        const response = await outboundRequest({
          url: receiver.url,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...webhookHeaders(secret, row.id, Math.floor(Date.now() / 1000), row.body),
          },
          body: row.body,
          allowPrivateNetworks: true,
          maxRedirects: 0,
          timeoutMs: 15_000,
        });
        if (response.status !== 204) throw new Error(`raw POST answered ${response.status}`);
        rawLatencies.push(performance.now() - t);
      }
    }),
  );
  const rawSeconds = (performance.now() - rawStarted) / 1000;
  const rawCpuMs = await rawCpu.stop();
  const rawRate = rows.length / rawSeconds;
  rawLatencies.sort((a, b) => a - b);

  emit({
    case: 'deliveries',
    path: 'bullmq',
    db: settings.db,
    deliveries: expected,
    concurrency: settings.concurrency,
    deliveries_per_s: round(systemRate, 1),
    enqueue_ms: round(enqueueMs, 0),
    enqueue_to_received_p50_ms: round(percentile(latencies, 50), 1),
    enqueue_to_received_p99_ms: round(percentile(latencies, 99), 1),
    ratio_to_raw: round(systemRate / rawRate, 3),
  });
  emit({
    case: 'deliveries',
    path: 'bullmq-worker-alone',
    deliveries: expected,
    concurrency: settings.concurrency,
    deliveries_per_s: round(drainRate, 1),
    ratio_to_raw: round(drainRate / rawRate, 3),
    cpu_ms_per_delivery: round(drainCpuMs.processMs / expected, 3),
    redis_cpu_ms_per_delivery: round(drainCpuMs.redisMs / expected, 3),
    cpu_ratio_to_raw: round(rawCpuMs.processMs / rows.length / (drainCpuMs.processMs / expected), 3),
  });
  emit({
    case: 'deliveries',
    path: 'bullmq-noop',
    jobs: noopPerMessage.length,
    concurrency: settings.concurrency,
    jobs_per_s: round(noop.rate, 1),
    ratio_to_raw: round(noop.rate / rawRate, 3),
    cpu_ms_per_job: round(noop.cpu.processMs / noopPerMessage.length, 3),
    redis_cpu_ms_per_job: round(noop.cpu.redisMs / noopPerMessage.length, 3),
  });
  // Per message: what the queue costs a message when a job carries a post's messages.
  emit({
    case: 'deliveries',
    path: 'bullmq-noop-per-post',
    jobs: noopPerPost.length,
    messages: rows.length,
    concurrency: settings.concurrency,
    messages_per_s: round((noopBatched.rate * rows.length) / noopPerPost.length, 1),
    ratio_to_raw: round((noopBatched.rate * rows.length) / noopPerPost.length / rawRate, 3),
    cpu_ms_per_job: round(noopBatched.cpu.processMs / noopPerPost.length, 3),
    cpu_ms_per_message: round(noopBatched.cpu.processMs / rows.length, 3),
    redis_cpu_ms_per_message: round(noopBatched.cpu.redisMs / rows.length, 3),
  });
  emit({
    case: 'deliveries',
    path: 'raw-client',
    deliveries: rows.length,
    concurrency: settings.concurrency,
    deliveries_per_s: round(rawRate, 1),
    request_p50_ms: round(percentile(rawLatencies, 50), 2),
    request_p99_ms: round(percentile(rawLatencies, 99), 2),
    cpu_ms_per_delivery: round(rawCpuMs.processMs / rows.length, 3),
  });
}

runBench(readSettings, note, async (settings, cleanup) => {
  if (settings.db === 'postgres') await assertPostgresReachable(settings.pgAdminUrl);
  const fixture = loadFixture(settings.fixture);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-bench-share-'));
  const removeTmp = () => fs.rmSync(tmpDir, { recursive: true, force: true });
  cleanup.add(`remove ${tmpDir}`, removeTmp, removeTmp);
  note(
    `${settings.buildPosts} posts to build, ${settings.deliveries} deliveries, ${settings.db}; ` +
      `${os.cpus().length} CPUs, Node ${process.version}, load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  measureBuild(fixture, settings.buildPosts);
  await measureDeliveries(settings, fixture, cleanup, tmpDir);
});
