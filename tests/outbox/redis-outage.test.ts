import { countPendingOutboxEvents } from '@careerfeed/posts';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type PostEvent, createRedisConnection } from '@careerfeed/jobs';
import { createPostEventsWorker } from '@careerfeed/worker';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { type RedisServer, startRedisServer } from '../helpers/redis-server';
import { testRedisErrors } from '../helpers/redis-errors';
import { waitFor } from '../helpers/wait';

describe.each(DIALECTS)('events survive a Redis outage (%s)', (dialect) => {
  let redisServer: RedisServer;
  let database: TestDatabase;
  let ingest: IngestHarness;
  let worker: Worker;
  let workerConnection: Redis;
  const received: PostEvent[] = [];

  beforeAll(async () => {
    // A Redis of this file's own, so stopping it cannot disturb other test files.
    redisServer = await startRedisServer();
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db, redisServer.url);
    ingest.relay.start();
    // Only the post-events consumer, recording what arrives, hand-wired on purpose: this tests the
    // outbox-to-queue path through an outage, not the worker's effects.
    workerConnection = createRedisConnection(redisServer.url, 'worker', testRedisErrors());
    worker = createPostEventsWorker({
      connection: workerConnection,
      prefix: ingest.redisPrefix,
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      handlers: [async (event) => void received.push(event)],
    });
  });

  afterAll(async () => {
    await worker.close();
    workerConnection.disconnect();
    await ingest.close();
    await database.drop();
    await redisServer.stop();
  });

  test('when Redis is up, then a new post reaches the worker as post.published', async () => {
    const auth = await ingest.bearer();
    const created = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost());
    expect(created.status).toBe(201);
    await waitFor(() => received.some((e) => e.postId === created.body.id));
    const event = received.find((e) => e.postId === created.body.id)!;
    expect(event.type).toBe('post.published');
    expect(event.after?.slug).toBe(created.body.slug);
  });

  test('when Redis is down, then posts are still accepted, health says so, and every event arrives once Redis is back', async () => {
    const auth = await ingest.bearer();
    await redisServer.stop();

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await ingest.request.post('/v1/posts').set('Authorization', auth).send(buildPost());
      expect(response.status).toBe(201);
      ids.push(response.body.id);
    }
    const patched = await ingest.request
      .patch(`/v1/posts/${ids[0]}`)
      .set('Authorization', auth)
      .send({ title: 'Edited while Redis was down' });
    expect(patched.status).toBe(200);
    const deleted = await ingest.request.delete(`/v1/posts/${ids[1]}`).set('Authorization', auth);
    expect(deleted.status).toBe(204);

    const health = await ingest.request.get('/readyz');
    expect(health.status).toBe(503);
    expect(health.body.checks.redis).toMatch(/^down/);
    expect(await countPendingOutboxEvents(database.db.kysely)).toBe(7);

    await redisServer.restart();
    await waitFor(async () => (await countPendingOutboxEvents(database.db.kysely)) === 0, 20_000);
    await waitFor(
      () => ids.every((id) => received.some((e) => e.postId === id && e.type === 'post.published')),
      20_000,
    );
    await waitFor(() => received.some((e) => e.postId === ids[0] && e.type === 'post.updated'));
    await waitFor(() => received.some((e) => e.postId === ids[1] && e.type === 'post.deleted'));

    // Exactly once each: the relay's retries while Redis was away added nothing twice.
    const eventIds = received.map((e) => e.eventId);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    expect((await ingest.request.get('/readyz')).status).toBe(200);
  });
});
