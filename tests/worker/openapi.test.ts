import { Queue } from 'bullmq';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import supertest from 'supertest';
import type { Redis } from 'ioredis';
import { createApiKey, type OpenApiDocument } from '@careerfeed/http';
import { createRedisConnection } from '@careerfeed/jobs';
import { createWorkerApp } from '@careerfeed/worker';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import {
  componentChecker,
  expectExamplesValid,
  expectOfflineReference,
  expectOperationsAsListed,
  expectValidOpenApi,
  fetchDocument,
} from '../helpers/openapi';
import { testRedisErrors } from '../helpers/redis-errors';

/** The worker's HTTP side (createWorkerApp, as createWorker mounts it) and its OpenAPI document. */
describe('the worker OpenAPI document', () => {
  let database: TestDatabase;
  let redis: Redis;
  let queue: Queue;
  let request: supertest.Agent;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
    queue = new Queue('openapi-probe', { connection: redis, prefix: `openapi-${Date.now()}` });
    const app = createWorkerApp({
      db: database.db,
      redis,
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      queues: [queue],
    });
    request = supertest.agent(app);
    doc = await fetchDocument(request);
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await database?.drop();
  });

  it('is a valid OpenAPI 3.1 document with an example that fits every schema', async () => {
    await expectValidOpenApi(doc);
    expect(expectExamplesValid(doc)).toBeGreaterThan(5);
  });

  it('lists operations that exist, guarded as documented', async () => {
    // Without a key, /admin/queues is a 401 whatever the method: the key is checked first.
    const called = await expectOperationsAsListed(
      doc,
      request,
      {},
      () => 200,
      (_m, path) => (path === '/admin/queues' ? 401 : 405),
    );
    expect(called).toBe(6);
    expect(doc.paths['/admin/queues']?.get?.security).toEqual([{ apiKey: ['admin'] }]);
  });

  it('lets an admin key in, and no other', async () => {
    const admin = (await createApiKey(database.db, 'openapi admin', ['admin'])).key;
    const writer = (await createApiKey(database.db, 'openapi writer', ['posts:write'])).key;
    const ok = await request.get('/admin/queues').set('Authorization', `Bearer ${admin}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/html/);
    const forbidden = await request.get('/admin/queues').set('Authorization', `Bearer ${writer}`);
    expect(forbidden.status).toBe(403);
    componentChecker(doc)('Problem', forbidden.body);
  });

  it('serves a readable reference at /docs that needs nothing from another host', async () => {
    await expectOfflineReference(request, doc);
    componentChecker(doc)('Readiness', (await request.get('/readyz')).body);
  });
});
