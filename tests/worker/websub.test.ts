import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBSUB_PING_QUEUE, createRedisConnection, feedScopesOfPost } from '@careerfeed/jobs';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, PUBLIC_BASE_URL, allEventsHandled, createIngestHarness } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { testRedisErrors } from '../helpers/redis-errors';
import { type RunningWorker, startWorker } from '../helpers/worker';

interface HubRequest {
  method: string;
  contentType: string | undefined;
  body: string;
  status: number;
}

/** A WebSub hub in miniature: records every request; answers 500 to the next `failNext` ones, 204 otherwise. */
async function startHub(): Promise<{ url: string; requests: HubRequest[]; failNext: number; close(): Promise<void> }> {
  const hub = {
    url: '',
    requests: [] as HubRequest[],
    failNext: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = hub.failNext > 0 ? 500 : 204;
      if (hub.failNext > 0) hub.failNext--;
      hub.requests.push({
        method: req.method ?? '',
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
        status,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`;
  return hub;
}

const pingedUrl = (r: HubRequest) => new URLSearchParams(r.body).getAll('hub.url');

const FORMATS = ['feed.xml', 'feed.atom', 'feed.json'];
function expectedUrls(post: { tags: string[]; category: string; author: string }): string[] {
  const paths = feedScopesOfPost(post).map((scope) => {
    if (scope === 'site') return '';
    const [kind, slug] = scope.split(':') as [string, string];
    return `/${{ tag: 'tags', category: 'categories', topic: 'topics', author: 'authors' }[kind]}/${encodeURIComponent(slug)}`;
  });
  return paths.flatMap((p) => FORMATS.map((f) => `${PUBLIC_BASE_URL}${p}/${f}`));
}

describe('WebSub publish pings (sqlite)', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let auth: string;
  let hub: Awaited<ReturnType<typeof startHub>>;
  let worker: RunningWorker;
  let feed: FeedInstance;

  async function publish(overrides: Record<string, unknown>): Promise<void> {
    const response = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost(overrides));
    expect(response.status).toBe(201);
  }

  beforeAll(async () => {
    hub = await startHub();
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    auth = await ingest.bearer();
    // The worker as it runs (createWorker), with WEBSUB_HUB_URL set.
    worker = await startWorker(database, { redisPrefix: ingest.redisPrefix, websubHubUrl: hub.url });
    feed = await startFeedInstance(database.db, ingest.redisPrefix, { websubHubUrl: hub.url });
  });

  afterAll(async () => {
    await worker.close();
    await feed.close();
    await ingest.close();
    await database.drop();
    await hub.close();
  });

  test("when a post is published, then the hub gets one form-encoded publish ping per format of the site, tag, category, topic and author feeds, at the feeds' own self URLs", async () => {
    const post = { tags: ['websub-first', 'career-fair'], category: 'events', author: 'maya-okafor' };
    await publish({ tags: post.tags, category: post.category });
    const expected = expectedUrls(post);
    // Site, 2 tags, the category, 3 topics (the tags' and the category's), the author: 8 feeds × 3 formats.
    expect(expected).toHaveLength(24);
    await waitFor(() => expected.every((url) => hub.requests.some((r) => pingedUrl(r).includes(url))));
    await allEventsHandled(database.db, ingest);

    for (const request of hub.requests) {
      expect(request.method).toBe('POST');
      expect(request.contentType).toBe('application/x-www-form-urlencoded');
      const form = new URLSearchParams(request.body);
      expect(form.get('hub.mode')).toBe('publish');
      expect(form.getAll('hub.url')).toHaveLength(1);
    }
    expect(hub.requests.map(pingedUrl).flat().sort()).toEqual([...expected].sort());

    // The feeds advertise the same hub and exactly these URLs as `self`, in every format.
    for (const url of expected) {
      const response = await feed.request.get(url.slice(PUBLIC_BASE_URL.length));
      expect(response.status).toBe(200);
      if (url.endsWith('.json')) {
        const doc = JSON.parse(response.text) as { feed_url: string; hubs: { url: string }[] };
        expect(doc.feed_url).toBe(url);
        expect(doc.hubs).toEqual([{ type: 'WebSub', url: hub.url }]);
      } else {
        expect(response.text).toMatch(
          new RegExp(
            `href="${url.replace(/[.?+*()[\]\\^$|{}]/g, '\\$&')}"[^>]*rel="self"|rel="self"[^>]*href="${url.replace(/[.?+*()[\]\\^$|{}]/g, '\\$&')}"`,
          ),
        );
        expect(response.text).toContain(hub.url);
      }
    }
  });

  test('when the hub answers 500, then the ping is retried until it succeeds', async () => {
    const before = hub.requests.length;
    hub.failNext = 1;
    const post = { tags: ['websub-retry'], category: 'retries', author: 'maya-okafor' };
    await publish({ tags: post.tags, category: post.category });
    // Every feed of the post is acknowledged by the hub, including the one it first refused.
    await waitFor(() =>
      expectedUrls(post).every((url) =>
        hub.requests.slice(before).some((r) => r.status === 204 && pingedUrl(r).includes(url)),
      ),
    );
    const mine = hub.requests.slice(before);
    const refused = mine.filter((r) => r.status === 500);
    expect(refused).toHaveLength(1);
    const refusedUrl = pingedUrl(refused[0]!)[0]!;
    expect(mine.filter((r) => r.status === 204 && pingedUrl(r)[0] === refusedUrl)).toHaveLength(1);
    await waitFor(async () => (await worker.queue(WEBSUB_PING_QUEUE).getJobCounts('completed')).completed === 2);
  });
});

describe('WebSub without a hub (sqlite)', () => {
  test('when WEBSUB_HUB_URL is not set, then publishing sends nothing and queues no ping', async () => {
    const hub = await startHub();
    const database = await createTestDatabase('sqlite');
    const ingest = createIngestHarness(database.db);
    const auth = await ingest.bearer();
    const worker = await startWorker(database, { redisPrefix: ingest.redisPrefix });
    try {
      const response = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost());
      expect(response.status).toBe(201);
      await allEventsHandled(database.db, ingest);
      expect(worker.worker.queues.map((queue) => queue.name)).not.toContain(WEBSUB_PING_QUEUE);
      const redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
      expect(await redis.keys(`${ingest.redisPrefix}:websub-pings:*`)).toEqual([]);
      redis.disconnect();
      expect(hub.requests).toEqual([]);
    } finally {
      await worker.close();
      await ingest.close();
      await database.drop();
      await hub.close();
    }
  });
});
