import { createRedisConnection } from '@careerfeed/jobs';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { testRedisErrors } from '../helpers/redis-errors';
import { type RedisServer, startRedisServer } from '../helpers/redis-server';
import { waitFor } from '../helpers/wait';
import { type RunningWorker, startWorker } from '../helpers/worker';

/**
 * The outbox records when the worker is done with an event, not only when the relay put it on the
 * queue. Redis restarted empty (no persistence) after the relay dispatched three events and before
 * any worker took them: the jobs are gone, and the relay of a worker dispatches the events again.
 */
describe.each(DIALECTS)('events whose jobs vanished with Redis (%s)', (dialect) => {
  let database: TestDatabase;
  let redisServer: RedisServer;
  let ingest: IngestHarness;
  let running: RunningWorker | undefined;
  const closers: (() => unknown)[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    redisServer = await startRedisServer();
    ingest = createIngestHarness(database.db, redisServer.url);
  });

  afterAll(async () => {
    await running?.close();
    for (const close of closers.reverse()) await close();
    await ingest.close();
    await redisServer.stop();
    await database.drop();
  });

  async function outboxRows() {
    return database.db.kysely.selectFrom('outbox_events').select(['id', 'dispatched_at', 'handled_at']).execute();
  }

  test('when Redis loses the dispatched jobs, then a worker dispatches the events again and handles each', async () => {
    const auth = await ingest.bearer();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost());
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    expect(await ingest.relay.drain()).toBe(3);
    expect((await ingest.queue.getJobCounts('waiting')).waiting).toBe(3);
    expect((await outboxRows()).every((row) => row.dispatched_at !== null && row.handled_at === null)).toBe(true);

    // Redis restarts without persistence: every job is gone.
    const admin = createRedisConnection(redisServer.url, 'worker', testRedisErrors());
    closers.push(() => admin.disconnect());
    await admin.flushall();
    expect((await ingest.queue.getJobCounts('waiting')).waiting).toBe(0);

    running = await startWorker(database, {
      redisPrefix: ingest.redisPrefix,
      redisUrl: redisServer.url,
      outboxPollIntervalMs: 100,
      outboxRedispatchAfterMs: 300,
    });

    await waitFor(async () => (await outboxRows()).every((row) => row.handled_at !== null), 20_000);
    // Handled means the handlers ran. This worker is the first on these posts: it fills the shared
    // related index in the background (syncs return at once meanwhile), and the posts' lists are
    // stored when that fill ends.
    const relatedPostIds = async () =>
      new Set(
        (
          await database.db.kysely.selectFrom('related_posts').select('post_id').where('post_id', 'in', ids).execute()
        ).map((row) => row.post_id),
      );
    await waitFor(async () => (await relatedPostIds()).size === ids.length, 20_000);
    expect(await relatedPostIds()).toEqual(new Set(ids));
  });
});
