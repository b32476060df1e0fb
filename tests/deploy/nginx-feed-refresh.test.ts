import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { POST_EVENTS_QUEUE, createRedisConnection, feedInvalidationChannel } from '@careerfeed/jobs';
import { Cleanup } from '../../bench/src/support/cleanup';
import { type FeedCacheNginx, startFeedCacheNginx } from '../../bench/src/support/nginx';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, PUBLIC_BASE_URL, allEventsHandled, createIngestHarness } from '../helpers/ingest';
import { type CapturedLogs, captureLogs } from '../helpers/log-capture';
import { testRedisErrors } from '../helpers/redis-errors';
import { waitFor } from '../helpers/wait';
import { type RunningWorker, startWorker } from '../helpers/worker';

/**
 * Refresh on publish: the worker, having announced which feeds a change touched, has nginx re-fetch
 * them through the refresh server of deploy/nginx/careerfeed.conf (FEED_CACHE_REFRESH_URL), so a
 * new post shows through the cache at once instead of after the copy's whole-second lifetime.
 * Everything is real: ingest, the outbox relay, the worker, a feed instance, nginx.
 */

interface Answer {
  status: number;
  cacheStatus: string | undefined;
  /** Decompressed, as a reader's client would show it. */
  text: string;
}

/** The encodings nginx keeps a copy of each feed in, as readers' Accept-Encoding values ask for them. */
const READERS = { identity: undefined, gzip: 'gzip, deflate', br: 'gzip, deflate, br, zstd' } as const;

/** A reader asking nginx for `urlPath` as it would at PUBLIC_BASE_URL (its host is in the cache key). */
function read(port: number, urlPath: string, acceptEncoding?: string): Promise<Answer> {
  const headers: Record<string, string> = { Host: new URL(PUBLIC_BASE_URL).host };
  if (acceptEncoding) headers['Accept-Encoding'] = acceptEncoding;
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          const bytes = encoding === 'br' ? brotliDecompressSync(body) : encoding === 'gzip' ? gunzipSync(body) : body;
          const cacheStatus = res.headers['x-cache-status'];
          resolve({
            status: res.statusCode ?? 0,
            cacheStatus: Array.isArray(cacheStatus) ? cacheStatus[0] : cacheStatus,
            text: bytes.toString('utf8'),
          });
        });
      })
      .on('error', reject);
  });
}

describe('nginx refreshed on publish (deploy/nginx/careerfeed.conf, FEED_CACHE_REFRESH_URL)', () => {
  const cleanup = new Cleanup();
  let database: TestDatabase;
  let ingest: IngestHarness;
  let auth: string;
  let feed: FeedInstance;
  let nginx: FeedCacheNginx;
  let worker: RunningWorker;
  let workerLogs: CapturedLogs;
  let listener: Redis;
  /** When each announcement on the feed-invalidation channel arrived, with its scopes. */
  const announcements: { at: number; scopes: string[] }[] = [];

  async function publish(overrides: Record<string, unknown>): Promise<void> {
    const response = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost(overrides));
    expect(response.status).toBe(201);
  }

  beforeAll(async () => {
    // PostgreSQL: ingest, the worker and the feed instance share this one process, where every
    // SQLite call (better-sqlite3) blocks the one event loop; on a loaded machine the site feeds'
    // refresh then took 1.3-1.4 s in 2 of 7 runs, against at most 0.84 s in 7 runs on PostgreSQL.
    // Separate processes do not share a loop. The refresh runs no SQL of its own;
    // nginx-feed-cache.test.ts runs on SQLite.
    database = await createTestDatabase('postgres');
    ingest = createIngestHarness(database.db);
    auth = await ingest.bearer();
    feed = await startFeedInstance(database.db, ingest.redisPrefix);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-nginx-refresh-'));
    cleanup.add(`remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
    nginx = await startFeedCacheNginx(cleanup, dir, Number(new URL(feed.origin).port));

    listener = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
    listener.on('message', (_channel: string, message: string) => {
      announcements.push({ at: Date.now(), scopes: (JSON.parse(message) as { scopes: string[] }).scopes });
    });
    await listener.subscribe(feedInvalidationChannel(ingest.redisPrefix));

    workerLogs = captureLogs();
    worker = await startWorker(database, {
      redisPrefix: ingest.redisPrefix,
      env: { FEED_CACHE_REFRESH_URL: `http://127.0.0.1:${nginx.refreshPort}` },
      // Debug: the refresher reports each feed it refreshed, which the tests wait for.
      logger: pino({ level: 'debug' }, workerLogs.stream),
    });
  });

  afterAll(async () => {
    await worker?.close();
    listener?.disconnect();
    await cleanup.runAll();
    await feed?.close().catch(() => undefined);
    await ingest?.close();
    await database?.drop();
  });

  /** When the worker's refresher finished refreshing `path` after the `skip` first refreshes, if it has. */
  const refreshedAt = (path: string, skip = 0) =>
    workerLogs
      .lines()
      .filter((line) => line.msg === 'refreshed a feed in the nginx cache')
      .slice(skip)
      .find((line) => line.path === path)?.time as number | undefined;
  const refreshCount = () =>
    workerLogs.lines().filter((line) => line.msg === 'refreshed a feed in the nginx cache').length;
  const refreshFailures = () =>
    workerLogs.lines().filter((line) => line.msg?.startsWith('refreshing changed feeds in the nginx cache failed'));

  test('when a post is published, then nginx holds it in every encoding of the site feed within 1 s of the worker’s announcement', async () => {
    const title = `Refreshed on publish ${randomBytes(3).toString('hex')}`;
    // nginx holds a copy of each variant without the post, as readers left it.
    for (const acceptEncoding of Object.values(READERS)) {
      const before = await read(nginx.port, '/feed.json', acceptEncoding);
      expect(before.status).toBe(200);
      expect(before.text).not.toContain(title);
    }
    const announcedBefore = announcements.length;
    const refreshesBefore = refreshCount();

    await publish({ title, tags: ['refresh-on-publish'] });
    await waitFor(() => announcements.length > announcedBefore, 15_000, 'the worker never announced the change');
    const announced = announcements[announcedBefore]!;
    const siteFeeds = ['/feed.xml', '/feed.atom', '/feed.json'];
    const siteRefreshedAt = () => siteFeeds.map((feedPath) => refreshedAt(feedPath, refreshesBefore));
    await waitFor(() => siteRefreshedAt().every(Boolean), 10_000, 'the refresher never refreshed the site feeds');
    // No reader asked in between: whatever nginx now answers from its cache, the refresh stored.
    const after = await Promise.all(Object.values(READERS).map((encoding) => read(nginx.port, '/feed.json', encoding)));

    expect(announced.scopes).toContain('site');
    for (const answer of after) {
      expect(answer.text).toContain(title);
      // HIT, or REVALIDATED when the stored copy's one-second lifetime ran out before this read.
      expect(['HIT', 'REVALIDATED']).toContain(answer.cacheStatus);
    }
    // From the end of their refresh on, every reader of the site feeds gets the post from nginx.
    expect(Math.max(...(siteRefreshedAt() as number[])) - announced.at).toBeLessThanOrEqual(1_000);
  });

  test('when a post is published, then nginx already holds its new tag feed before any reader asks for it', async () => {
    const tag = `refresh-${randomBytes(3).toString('hex')}`;
    const title = `A post in a new tag ${tag}`;
    const refreshed = () => refreshedAt(`/tags/${tag}/feed.xml`) !== undefined;

    await publish({ title, tags: [tag] });
    await allEventsHandled(database.db, ingest);
    await waitFor(refreshed, 10_000, 'the refresher never refreshed the tag feed');
    const first = await read(nginx.port, `/tags/${tag}/feed.xml`, READERS.br);

    // Found in the cache on a reader's first request: only the refresh can have stored it. (HIT, or
    // REVALIDATED when the copy's one-second lifetime ran out before this request; a MISS otherwise.)
    expect(first.status).toBe(200);
    expect(['HIT', 'REVALIDATED']).toContain(first.cacheStatus);
    expect(first.text).toContain(title);
    expect(refreshFailures()).toEqual([]);
  });

  test('the refresh server serves nothing but feeds', async () => {
    const page = await read(nginx.refreshPort, '/');

    expect(page.status).toBe(404);
  });

  test('when nginx is down, then the refresh failure is logged and the post event still succeeds', async () => {
    await nginx.stop();
    const failuresBefore = refreshFailures().length;
    const { completed: completedBefore } = await worker.queue(POST_EVENTS_QUEUE).getJobCounts('completed');

    await publish({ title: `Published while nginx is down ${randomBytes(3).toString('hex')}` });
    await allEventsHandled(database.db, ingest);
    // The round of this post's feeds (one still under way from the test before may fail too).
    const failure = () =>
      refreshFailures()
        .slice(failuresBefore)
        .find((line) => (line.paths as string[]).includes('/feed.xml'));
    await waitFor(() => failure() !== undefined, 10_000, 'the failed refresh was never logged');

    const counts = await worker.queue(POST_EVENTS_QUEUE).getJobCounts('completed', 'failed');
    expect(counts.completed).toBeGreaterThan(completedBefore ?? 0);
    expect(counts.failed).toBe(0);
    expect(failure()!.level).toBe(40); // warn
    expect(failure()!.failed).toBeGreaterThan(0);
  });
});
