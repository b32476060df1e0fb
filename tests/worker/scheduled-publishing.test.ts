import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type PostEvent, createRedisConnection, postGoesLiveJobId, openPostGoesLiveQueue } from '@careerfeed/jobs';
import { type PostEventHandler, type RelatedPostsMaintainer, announceFeedChanges, createGoLiveScheduler, createPostEventsWorker, createPostGoesLiveWorker, createRelatedPostsMaintainer, restoreGoLiveJobs } from '@careerfeed/worker';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, allEventsHandled, createIngestHarness } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { testRedisErrors } from '../helpers/redis-errors';

/** How far ahead the tests schedule: enough for the event to reach the worker first, short enough to wait for. */
const AHEAD_MS = 2500;

const SALARY = {
  title: 'Negotiating your first salary offer',
  html: '<p>Research the salary range, negotiate the offer with data, and ask about benefits and signing bonus.</p>',
  tags: ['salary', 'negotiation'],
  category: 'offers',
};

describe.each(DIALECTS)('scheduled publishing (%s)', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let auth: string;
  let feed: FeedInstance;
  let workerRedis: Redis;
  let goesLiveQueue: Queue;
  let workers: Worker[];
  let related: RelatedPostsMaintainer;
  const wentLive: PostEvent[] = [];
  let salary: { id: string };

  async function create(overrides: Record<string, unknown>): Promise<{ id: string }> {
    const response = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost(overrides));
    expect(response.status).toBe(201);
    return response.body as { id: string };
  }

  async function patch(id: string, body: Record<string, unknown>): Promise<void> {
    const response = await ingest.request.patch(`/v1/posts/${id}`).set('Authorization', auth).send(body);
    expect(response.status).toBe(200);
  }

  /** Item ids of a feed, read through the feed service and its cache. */
  async function feedIds(path: string): Promise<string[]> {
    const response = await feed.request.get(path);
    expect(response.status).toBe(200);
    return (JSON.parse(response.text) as { items: { id: string }[] }).items.map((item) => item.id);
  }

  async function visibleIn(path: string, id: string): Promise<boolean> {
    return (await feedIds(path)).includes(`urn:uuid:${id}`);
  }

  async function jobState(jobId: string): Promise<string> {
    const job = await goesLiveQueue.getJob(jobId);
    return job ? await job.getState() : 'absent';
  }

  async function relatedLists(): Promise<Map<string, string[]>> {
    const rows = await database.db.kysely.selectFrom('related_posts').selectAll().orderBy('rank').execute();
    const lists = new Map<string, string[]>();
    for (const row of rows) lists.set(row.post_id, [...(lists.get(row.post_id) ?? []), row.related_id]);
    return lists;
  }

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    auth = await ingest.bearer();
    // Published posts on the same subject, so a scheduled one has neighbours to be related to.
    for (let i = 0; i < 4; i++) await create({ published_at: `2025-02-0${i + 1}T09:00:00Z` });
    salary = await create({ ...SALARY, published_at: '2025-02-05T09:00:00Z' });
    feed = await startFeedInstance(database.db, ingest.redisPrefix);

    // The worker as main.ts wires it, minus digests: the same publish handlers for post events and
    // for go-live jobs, plus the scheduler on post events.
    workerRedis = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
    related = createRelatedPostsMaintainer({ databaseUrl: database.url, k: 3 });
    await related.init();
    const prefix = ingest.redisPrefix;
    const publishEffects: PostEventHandler[] = [
      async (event) => {
        const changed = await related.sync();
        await announceFeedChanges({ db: database.db, redis: workerRedis, prefix }, event, changed);
      },
    ];
    goesLiveQueue = openPostGoesLiveQueue(workerRedis, prefix);
    const logger = pino({ level: 'silent' });
    workers = [
      createPostEventsWorker({
        connection: workerRedis,
        prefix,
        logger,
        registry: new Registry(),
        handlers: [...publishEffects, createGoLiveScheduler(goesLiveQueue)],
      }),
      createPostGoesLiveWorker({
        connection: workerRedis,
        prefix,
        db: database.db,
        logger,
        handlers: [...publishEffects, async (event) => void wentLive.push(event)],
      }),
    ];
    ingest.relay.start();
    await allEventsHandled(database.db, ingest);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await related.close();
    await goesLiveQueue.obliterate({ force: true }).catch(() => undefined);
    await goesLiveQueue.close();
    workerRedis.disconnect();
    await feed.close();
    await ingest.close();
    await database.drop();
  });

  test('when a post is scheduled seconds ahead, then it is hidden until then and in the cached feeds and related lists right after, well within the cache TTL', async () => {
    const at = Date.now() + AHEAD_MS;
    const post = await create({
      ...SALARY,
      title: `${SALARY.title}, part two`,
      tags: [...SALARY.tags, 'sched-live'],
      published_at: new Date(at).toISOString(),
    });
    const jobId = postGoesLiveJobId(post.id, at);
    await waitFor(async () => (await jobState(jobId)) === 'delayed');
    await allEventsHandled(database.db, ingest);

    // Read (and cached) before its time: not there.
    expect(await visibleIn('/tags/sched-live/feed.json', post.id)).toBe(false);
    expect(await visibleIn('/feed.json', post.id)).toBe(false);
    expect(feed.cache.get('json|tag|sched-live|20|1')).toBeDefined();
    expect(Date.now()).toBeLessThan(at);
    expect((await relatedLists()).has(post.id)).toBe(false);

    // The cached feeds would be served for 60 s; the go-live job's invalidation brings it in now.
    await waitFor(() => visibleIn('/tags/sched-live/feed.json', post.id), 10_000, 'scheduled post never showed');
    expect(await visibleIn('/feed.json', post.id)).toBe(true);
    expect(await jobState(jobId)).toBe('completed');
    expect((await goesLiveQueue.getJob(jobId))!.returnvalue).toBe('live');
    expect(wentLive.filter((e) => e.postId === post.id)).toHaveLength(1);
    expect(wentLive.find((e) => e.postId === post.id)).toMatchObject({ type: 'post.published', before: null });

    // Its near-copy is its most related post, and the other way round.
    const lists = await relatedLists();
    expect(lists.get(post.id)![0]).toBe(salary.id);
    expect(lists.get(salary.id)![0]).toBe(post.id);
  });

  test('when a scheduled time is moved later, then the post stays hidden at the old time and appears at the new one', async () => {
    const at = Date.now() + AHEAD_MS;
    const control = await create({ tags: ['sched-moved'], published_at: new Date(at).toISOString() });
    const moved = await create({ tags: ['sched-moved'], published_at: new Date(at).toISOString() });
    await waitFor(async () => (await jobState(postGoesLiveJobId(moved.id, at))) === 'delayed');

    const later = at + 3000;
    await patch(moved.id, { published_at: new Date(later).toISOString() });
    await waitFor(async () => (await jobState(postGoesLiveJobId(moved.id, later))) === 'delayed');
    expect(await jobState(postGoesLiveJobId(moved.id, at))).toBe('absent');

    // The old time comes (the control post, scheduled for it, goes live): still hidden.
    await waitFor(() => visibleIn('/tags/sched-moved/feed.json', control.id), 10_000, 'control never showed');
    expect(Date.now()).toBeLessThan(later);
    expect(await visibleIn('/tags/sched-moved/feed.json', moved.id)).toBe(false);
    expect(wentLive.map((e) => e.postId)).not.toContain(moved.id);

    await waitFor(() => visibleIn('/tags/sched-moved/feed.json', moved.id), 10_000, 'rescheduled post never showed');
    expect((await goesLiveQueue.getJob(postGoesLiveJobId(moved.id, later)))!.returnvalue).toBe('live');
  });

  test('when a scheduled post is unpublished before its time, then its job is removed, a stale copy does nothing, and it never shows', async () => {
    const at = Date.now() + AHEAD_MS;
    const control = await create({ tags: ['interviews', 'sched-cancel'], published_at: new Date(at).toISOString() });
    const cancelled = await create({ tags: ['interviews', 'sched-cancel'], published_at: new Date(at).toISOString() });
    const jobId = postGoesLiveJobId(cancelled.id, at);
    await waitFor(async () => (await jobState(jobId)) === 'delayed');

    await patch(cancelled.id, { status: 'draft' });
    await waitFor(async () => (await jobState(jobId)) === 'absent');
    // A job the removal missed (events handled out of order, say) fires anyway and finds nothing to do.
    await goesLiveQueue.add(
      'goes-live',
      { postId: cancelled.id, publishedAtUtc: new Date(at).toISOString() },
      { jobId, delay: Math.max(0, at - Date.now()) },
    );

    await waitFor(() => visibleIn('/tags/sched-cancel/feed.json', control.id), 10_000, 'control never showed');
    await waitFor(async () => (await jobState(jobId)) === 'completed');
    expect((await goesLiveQueue.getJob(jobId))!.returnvalue).toBe('moot');
    expect(await visibleIn('/tags/sched-cancel/feed.json', cancelled.id)).toBe(false);
    expect(wentLive.map((e) => e.postId)).not.toContain(cancelled.id);
    const lists = await relatedLists();
    expect(lists.has(cancelled.id)).toBe(false);
    expect([...lists.values()].flat()).not.toContain(cancelled.id);
  });

  test('when Redis has lost the delayed jobs, then a worker start puts back one go-live job per scheduled post, and only one', async () => {
    const at = Date.now() + 3600_000;
    const later = await create({ tags: ['sched-restore'], published_at: new Date(at).toISOString() });
    const past = await create({ tags: ['sched-restore'] });
    const jobId = postGoesLiveJobId(later.id, at);
    await waitFor(async () => (await jobState(jobId)) === 'delayed');
    await goesLiveQueue.remove(jobId);
    expect(await jobState(jobId)).toBe('absent');

    const restored = await restoreGoLiveJobs(database.db.kysely, goesLiveQueue, new Date());
    expect(restored).toBeGreaterThanOrEqual(1);
    expect(await jobState(jobId)).toBe('delayed');
    const job = await goesLiveQueue.getJob(jobId);
    expect(job!.data).toEqual({ postId: later.id, publishedAtUtc: new Date(at).toISOString() });

    // A second start adds nothing: the job id already exists.
    await restoreGoLiveJobs(database.db.kysely, goesLiveQueue, new Date());
    const delayed = await goesLiveQueue.getDelayed();
    expect(delayed.filter((j) => j.data.postId === later.id)).toHaveLength(1);
    expect(delayed.some((j) => j.data.postId === past.id)).toBe(false);
  });
});
