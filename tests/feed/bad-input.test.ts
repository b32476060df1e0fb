import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { buildPost } from '../helpers/factories';
import { type FeedInstance, startFeedInstance } from '../helpers/feed';
import { type IngestHarness, createIngestHarness } from '../helpers/ingest';
import { expectProblem } from '../ingest/support';

/**
 * The worst of what the OpenAPI fuzzer (tests/fuzz/openapi-fuzz.test.ts, `npm run bench:fuzz`)
 * sent the feed service: each was refused cleanly, and stays refused with exactly this answer and
 * no subscriber stored.
 */

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

const GOOD = { email: 'student@example.edu', frequency: 'weekly', topics: ['internships'], timezone: 'Europe/Berlin' };

describe.each(DIALECTS)('hostile requests to the feed service on %s', (dialect) => {
  let database: TestDatabase;
  let ingest: IngestHarness;
  let feed: FeedInstance;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    ingest = createIngestHarness(database.db);
    feed = await startFeedInstance(database.db, ingest.redisPrefix);
    const auth = await ingest.bearer('posts:write');
    await ingest.request
      .post('/v1/posts')
      .set('Authorization', auth)
      .send(buildPost({ tags: ['internships'], status: 'published' }))
      .expect(201);
  });
  afterAll(async () => {
    await feed?.close();
    await ingest?.close();
    await database?.drop();
  });

  const subscribers = async () =>
    Number(
      (
        await database.db.kysely
          .selectFrom('subscribers')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('the valid subscription the hostile ones are made from is accepted', async () => {
    // Without this, every case below could pass because subscribing failed for another reason.
    const before = await subscribers();
    const res = await feed.request.post('/subscribe').send({ ...GOOD, email: `ok-${dialect}@example.edu` });
    expect(res.status).toBe(202);
    expect(await subscribers()).toBe(before + 1);
  });

  test('fuzz: when a "__proto__" key carries the email, then 400 names email and __proto__, and no one is subscribed', async () => {
    const before = await subscribers();

    const res = await feed.request
      .post('/subscribe')
      .set('Content-Type', 'application/json')
      .send('{"__proto__":{"email":"smuggled@example.edu"},"frequency":"weekly","topics":["internships"]}');

    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect((problem.errors ?? []).map((e) => e.path)).toEqual(['email', '__proto__']);
    expect(await subscribers()).toBe(before);
  });

  test('fuzz: when topics is nested 1,000 deep, then 400 names topics, and no one is subscribed', async () => {
    const before = await subscribers();

    const res = await feed.request.post('/subscribe').send({ ...GOOD, topics: nested(1000) });

    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect((problem.errors ?? []).map((e) => e.path)).toEqual(['topics']);
    expect(await subscribers()).toBe(before);
  });

  // Both were 500s (the control-character scan recursed once per level and overflowed the stack):
  // found by the fuzzer's deep JSON bodies, seed 1 of tests/fuzz/openapi-fuzz.test.ts.
  test('fuzz: when the subscribe body is an object nested 5,000 deep, then 400 names email and a, and no one is subscribed', async () => {
    const before = await subscribers();

    const res = await feed.request
      .post('/subscribe')
      .set('Content-Type', 'application/json')
      .send(`${'{"a":'.repeat(5000)}"leaf"${'}'.repeat(5000)}`);

    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect((problem.errors ?? []).map((e) => e.path)).toEqual(['email', 'a']);
    expect(await subscribers()).toBe(before);
  });

  test('fuzz: when a preferences body is an object nested 5,000 deep, then 400 names a', async () => {
    const res = await feed.request
      .post('/preferences?token=1e309')
      .set('Content-Type', 'application/json')
      .send(`${'{"a":'.repeat(5000)}"leaf"${'}'.repeat(5000)}`);

    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(problem.errors).toEqual([{ path: 'a', message: 'is not a known field' }]);
  });

  test('fuzz: when the preferences token is an object (token[a]=x), then 400 with the HTML error page', async () => {
    const res = await feed.request.get('/preferences?token[a]=x');

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/^<!DOCTYPE html>/);
  });
});
