import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import supertest from 'supertest';
import { createApiKey } from '@careerfeed/http';
import { createRedisConnection } from '@careerfeed/jobs';
import { createWorkerApp } from '@careerfeed/worker';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, createConsoleHarness } from '../helpers/console';
import { testRedisErrors } from '../helpers/redis-errors';

describe.each(DIALECTS)("the worker's queue dashboard with a console session (%s)", (dialect) => {
  let database: TestDatabase;
  let harness: ConsoleHarness;
  let redis: Redis;
  let queue: Queue;
  let worker: supertest.Agent;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    harness = createConsoleHarness(database.db);
    redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
    queue = new Queue('console-probe', { connection: redis, prefix: `queues-${Date.now()}` });
    worker = supertest.agent(
      createWorkerApp({
        db: database.db,
        redis,
        logger: pino({ level: 'silent' }),
        registry: new Registry(),
        queues: [queue],
      }),
    );
  });
  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    redis?.disconnect();
    await harness?.close();
    await database?.drop();
  });

  test("when an admin's session cookie is presented, then the dashboard opens; an editor's, a revoked one or none gets 401", async () => {
    const admin = await harness.signIn({ role: 'admin' });
    const editor = await harness.signIn({ role: 'editor' });
    const opened = await worker.get('/admin/queues').set('Cookie', `cf_staff_session=${admin.sessionCookie}`);
    expect(opened.status).toBe(200);
    expect(opened.text).toContain('<div id="root">');
    const api = await worker.get('/admin/queues/api/queues').set('Cookie', `cf_staff_session=${admin.sessionCookie}`);
    expect(api.status).toBe(200);

    expect((await worker.get('/admin/queues').set('Cookie', `cf_staff_session=${editor.sessionCookie}`)).status).toBe(
      401,
    );
    expect((await worker.get('/admin/queues')).status).toBe(401);
    expect((await worker.get('/admin/queues').set('Cookie', 'cf_staff_session=not-a-session')).status).toBe(401);

    // A state-changing request with the cookie but from another origin is refused.
    const forged = await worker
      .put('/admin/queues/api/queues/console-probe/pause')
      .set('Cookie', `cf_staff_session=${admin.sessionCookie}`)
      .set('Origin', 'https://elsewhere.example');
    expect(forged.status).toBe(401);
    expect(await queue.isPaused()).toBe(false);

    await admin.agent.post('/console/sign-out').type('form').send({ csrf_token: admin.csrf });
    expect((await worker.get('/admin/queues').set('Cookie', `cf_staff_session=${admin.sessionCookie}`)).status).toBe(
      401,
    );

    // The admin key still works.
    const key = (await createApiKey(database.db, 'ops', ['admin'])).key;
    expect((await worker.get('/admin/queues').set('Authorization', `Bearer ${key}`)).status).toBe(200);
  });
});
