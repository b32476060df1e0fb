import type http from 'node:http';
import { pino } from 'pino';
import { createRedisConnection } from '@careerfeed/jobs';
import { createSourcePollsWorker, runSourcePollTick } from '@careerfeed/worker';
import { DIALECTS } from '../helpers/databases';
import { PUBLIC_BASE_URL } from '../helpers/ingest';
import { waitFor } from '../helpers/wait';
import {
  type PartnerServer,
  type SourcesEngine,
  getSource,
  rssFeed,
  startPartnerServer,
  startSourcesEngine,
} from './support';
import { testRedisErrors } from '../helpers/redis-errors';

describe.each(DIALECTS)('one poll of a source at a time (%s)', (dialect) => {
  let engine: SourcesEngine;
  let partner: PartnerServer;

  beforeAll(async () => {
    engine = await startSourcesEngine(dialect);
    partner = await startPartnerServer();
  });

  afterAll(async () => {
    await engine.close();
    await partner.close();
  });

  test('when polls of a source are requested again and again while one is running on one of two workers, then the partner is asked once', async () => {
    // A second worker process on the same queue, as when several instances run.
    const redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'worker', testRedisErrors());
    const second = createSourcePollsWorker({
      connection: redis,
      prefix: engine.ingest.redisPrefix,
      queue: engine.ingest.sourcePolls,
      db: engine.database.db,
      publicBaseUrl: PUBLIC_BASE_URL,
      allowPrivateNetworks: true,
      logger: pino({ level: 'silent' }),
    });
    const held: http.ServerResponse[] = [];
    partner.routes.set('/held.xml', (_req, res) => held.push(res));
    try {
      const created = await engine.ingest.request
        .post('/v1/sources')
        .set('Authorization', engine.admin)
        .send({ url: `${partner.origin}/held.xml` });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      await waitFor(() => held.length === 1, 10_000, 'the first poll did not reach the partner');

      for (let i = 0; i < 3; i++) {
        const again = await engine.ingest.request.post(`/v1/sources/${id}/poll`).set('Authorization', engine.admin);
        expect(again.status).toBe(202);
      }
      await runSourcePollTick({
        db: engine.database.db,
        queue: engine.ingest.sourcePolls,
        now: () => new Date(Date.now() + 3600_000),
      });
      expect(await engine.ingest.sourcePolls.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).toEqual({
        waiting: 0,
        active: 1,
        delayed: 0,
        prioritized: 0,
      });

      held[0]!
        .writeHead(200, { 'content-type': 'application/rss+xml' })
        .end(rssFeed('<item><title>Once</title><guid>once</guid></item>'));
      await waitFor(async () => (await getSource(engine, id)).health.last_poll_at !== null);
      expect((await getSource(engine, id)).health).toMatchObject({ items_count: 1, last_error: null });
      expect(partner.requests.filter((r) => r.path === '/held.xml')).toHaveLength(1);
    } finally {
      for (const res of held) if (!res.writableEnded) res.destroy();
      await second.close();
      redis.disconnect();
    }
  });
});
