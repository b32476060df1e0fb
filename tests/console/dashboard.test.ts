import { uuidv7 } from '@careerfeed/db';
import { createRedisConnection } from '@careerfeed/jobs';
import { testRedisErrors } from '../helpers/redis-errors';
import { DIALECTS, type TestDatabase, createTestDatabase } from '../helpers/databases';
import { type ConsoleHarness, createConsoleHarness } from '../helpers/console';
import { insertSubscriber } from '../digests/support';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { createSignInRateLimits } from '@careerfeed/ingest';

describe.each(DIALECTS)('console dashboard (%s)', (dialect) => {
  let database: TestDatabase;
  let harness: ConsoleHarness;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    harness = createConsoleHarness(database.db);
  });
  afterAll(async () => {
    await harness?.close();
    await database?.drop();
  });

  test('when nothing has happened yet, then every part of the dashboard says so and what to do', async () => {
    const editor = await harness.signIn();
    const page = await editor.agent.get('/console/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('No weekly digest has gone out yet.');
    expect(page.text).toContain('Nobody has subscribed yet.');
    expect(page.text).toContain('Nothing is scheduled.');
  });

  test('when students subscribed and the last weekly digest went out, then the dashboard answers how many get it and whether it was sent', async () => {
    const weekly = await Promise.all([1, 2, 3].map(() => insertSubscriber(database.db, { frequency: 'weekly' })));
    await insertSubscriber(database.db, { frequency: 'daily' });
    await insertSubscriber(database.db, { frequency: 'weekly', status: 'unsubscribed' });
    const at = new Date().toISOString();
    for (const [i, subscriberId] of weekly.entries()) {
      await database.db.kysely
        .insertInto('digest_deliveries')
        .values({
          id: uuidv7(),
          subscriber_id: subscriberId,
          period_key: 'weekly:2026-W49',
          status: i === 2 ? 'failed' : 'sent',
          window_start: at,
          window_end: at,
          post_ids: '[]',
          message_id: null,
          attempts: 1,
          last_error: null,
          created_at: at,
          updated_at: at,
          sent_at: i === 2 ? null : at,
        })
        .execute();
    }
    const editor = await harness.signIn();
    const page = await editor.agent.get('/console/');
    expect(page.text).toMatch(/Weekly digest readers<\/h2><p class="figure">3<\/p>/);
    expect(page.text).toContain('Last weekly digest (2026-W49): <strong>2 sent</strong>, 1 failed');
    expect(page.text).toMatch(/<th scope="row">unsubscribed<\/th><td>0<\/td><td>0<\/td><td>1<\/td>/);
  });
});

describe('sign-in link requests are rate limited', () => {
  let database: TestDatabase;
  let harness: ConsoleHarness;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    harness = createConsoleHarness(database.db, {
      signInLimits: {
        consumeClient: async () => ({ allowed: true }),
        consumeAddress: async (key) => {
          try {
            await limiter.consume(key);
            return { allowed: true };
          } catch {
            return { allowed: false, retryAfterSeconds: 3600 };
          }
        },
      },
    });
  });
  const limiter = new RateLimiterMemory({ points: 2, duration: 3600 });
  afterAll(async () => {
    await harness?.close();
    await database?.drop();
  });

  test('when one address asks too often, then a 429 page says when to try again and no more mail goes out', async () => {
    await harness.signIn({ email: 'often@careers.test.example' });
    for (let i = 0; i < 2; i++)
      expect(
        (
          await harness.ingest.request
            .post('/console/sign-in')
            .type('form')
            .send({ email: 'often@careers.test.example' })
        ).status,
      ).toBe(200);
    const sent = (await harness.mails()).length;
    const limited = await harness.ingest.request
      .post('/console/sign-in')
      .type('form')
      .send({ email: 'OFTEN@careers.test.example' });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('3600');
    expect(limited.text).toContain('Too many sign-in requests');
    expect((await harness.mails()).length).toBe(sent);
  });

  test('the Redis limiter counts per hashed address under the prefix and refuses the sixth request in an hour', async () => {
    const redis = createRedisConnection(process.env.TEST_REDIS_URL!, 'producer', testRedisErrors());
    try {
      if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
      const prefix = `test-limits-${Date.now()}`;
      const limits = createSignInRateLimits(redis, prefix);
      const results = [];
      for (let i = 0; i < 6; i++) results.push((await limits.consumeAddress('someone@careers.test.example')).allowed);
      expect(results).toEqual([true, true, true, true, true, false]);
      const keys = await redis.keys(`${prefix}:rate-limit:console-sign-in-address*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).not.toContain('someone');
    } finally {
      redis.disconnect();
    }
  });
});
