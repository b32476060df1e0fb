import { pino } from 'pino';
import { type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { captureLogs } from '../helpers/log-capture';
import { waitFor } from '../helpers/wait';
import { type RunningWorker, startWorker } from '../helpers/worker';

/**
 * Request ids are carried into jobs: the id of the ingest request that changed a post is in its
 * outbox event, and the worker's log line for handling that event names it.
 */
describe('request ids from ingest to the worker', () => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let running: RunningWorker;
  const workerLogs = captureLogs();

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    ingest = createIngestHarness(database.db);
    running = await startWorker(database, { redisPrefix: ingest.redisPrefix, logger: pino({ level: 'info' }, workerLogs.stream) });
  });
  afterAll(async () => {
    await running.close();
    await ingest.close();
    await database.drop();
  });

  test('when a client sends X-Request-Id, then it is echoed, stored in the event and logged by the worker', async () => {
    const auth = await ingest.bearer();
    const created = await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .set('X-Request-Id', 'campus-cms-42')
      .send(buildPost());
    expect(created.status).toBe(201);
    expect(created.headers['x-request-id']).toBe('campus-cms-42');

    const row = await database.db.kysely
      .selectFrom('outbox_events')
      .select('payload')
      .where('post_id', '=', created.body.id as string)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.payload)).toMatchObject({ requestId: 'campus-cms-42' });

    await waitFor(() =>
      workerLogs.lines().some((line) => line.msg === 'post event handled' && line.postId === created.body.id),
    );
    const handled = workerLogs.lines().find((line) => line.msg === 'post event handled' && line.postId === created.body.id);
    expect(handled).toMatchObject({ requestId: 'campus-cms-42', type: 'post.published' });
  });

  test('when a client sends no id or a malformed one, then the service gives the request a UUID of its own', async () => {
    const auth = await ingest.bearer();
    const res = await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .set('X-Request-Id', 'not a token\u00e9')
      .send(buildPost());
    expect(res.status).toBe(201);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});
