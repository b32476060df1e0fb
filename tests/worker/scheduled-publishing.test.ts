import type { Job, Queue } from 'bullmq';
import { POST_GOES_LIVE_QUEUE, postGoesLiveJobId } from '@careerfeed/jobs';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, allEventsHandled, createIngestHarness } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import { type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver';
import { type RunningWorker, startWorker } from '../helpers/worker';

/** How far ahead the tests schedule: enough for the event to reach the worker first, short enough to wait for. */
// Long enough for a loaded worker to handle the event and park the go-live job before the time comes.
const AHEAD_MS = 5000;

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
  let worker: RunningWorker;
  let goesLiveQueue: Queue;
  let receiver: WebhookReceiver;
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

  /** The go-live jobs of a post that made it live (ran the publish effects), whatever their time. */
  async function liveJobs(postId: string): Promise<Job[]> {
    const completed = await goesLiveQueue.getCompleted(0, -1);
    return completed.filter((job) => job.data.postId === postId && job.returnvalue === 'live');
  }

  /** The share messages delivered for a post: sent only when an event makes a fresh post visible. */
  function sharesOf(postId: string): { type: string; receivedAt: number }[] {
    return receiver
      .deliveredTo('/shares')
      .map((r) => ({
        body: JSON.parse(r.body) as { type: string; data: { post_id: string } },
        receivedAt: r.receivedAt,
      }))
      .filter(({ body }) => body.data.post_id === postId)
      .map(({ body, receivedAt }) => ({ type: body.type, receivedAt }));
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
    // The worker as it runs (createWorker): its relay moves the events, its go-live jobs run the
    // same publish effects as post events.
    worker = await startWorker(database, { redisPrefix: ingest.redisPrefix });
    goesLiveQueue = worker.queue(POST_GOES_LIVE_QUEUE);
    await allEventsHandled(database.db, ingest);
    // A share destination, added after the old posts: what a go-live's post.published event sets off.
    receiver = await startWebhookReceiver();
    const hook = await ingest.request
      .post('/v1/webhooks')
      .set('Authorization', await ingest.bearer('admin'))
      .send({ url: `${receiver.origin}/shares`, networks: ['x'] });
    expect(hook.status).toBe(201);
    receiver.route('/shares', (hook.body as { secret: string }).secret);
  });

  afterAll(async () => {
    await worker.close();
    await feed.close();
    await ingest.close();
    await database.drop();
    await receiver.close();
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
    // The job announced the change before its last effects (instant digests, shares): it completes
    // right after the feeds show the post.
    await waitFor(async () => (await jobState(jobId)) === 'completed');
    expect((await goesLiveQueue.getJob(jobId))!.returnvalue).toBe('live');
    expect(await liveJobs(post.id)).toHaveLength(1);
    // The go-live job handed its effects a post.published event of a post becoming visible: the
    // share publisher delivered it, once, not before its time.
    await waitFor(() => sharesOf(post.id).length > 0, 10_000, 'the scheduled post was never shared');
    expect(sharesOf(post.id)).toEqual([{ type: 'share.payload.created', receivedAt: expect.any(Number) }]);
    expect(sharesOf(post.id)[0]!.receivedAt).toBeGreaterThanOrEqual(at);

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
    expect(await liveJobs(moved.id)).toEqual([]);
    expect(sharesOf(moved.id)).toEqual([]);

    await waitFor(() => visibleIn('/tags/sched-moved/feed.json', moved.id), 10_000, 'rescheduled post never showed');
    await waitFor(async () => (await jobState(postGoesLiveJobId(moved.id, later))) === 'completed');
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
    expect(await liveJobs(cancelled.id)).toEqual([]);
    expect(sharesOf(cancelled.id)).toEqual([]);
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

    // Another worker of the deployment starts (as after a Redis restart): its start() restores the
    // job (absent before, delayed after).
    const restarted = await startWorker(database, { redisPrefix: ingest.redisPrefix });
    await restarted.close({ keepQueues: true });
    expect(await jobState(jobId)).toBe('delayed');
    const job = await goesLiveQueue.getJob(jobId);
    expect(job!.data).toEqual({ postId: later.id, publishedAtUtc: new Date(at).toISOString() });

    // A second start adds nothing: the job id already exists.
    const again = await startWorker(database, { redisPrefix: ingest.redisPrefix });
    await again.close({ keepQueues: true });
    const delayed = await goesLiveQueue.getDelayed();
    expect(delayed.filter((j) => j.data.postId === later.id)).toHaveLength(1);
    expect(delayed.some((j) => j.data.postId === past.id)).toBe(false);
  });
});
