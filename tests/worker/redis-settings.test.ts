import { createRedisConnection, redisSettingsProblems } from '@careerfeed/jobs';
import { type RedisServer, startRedisServer } from '../helpers/redis-server';
import { testRedisErrors } from '../helpers/redis-errors';

/** The worker warns at start when Redis is set up in a way that loses BullMQ jobs. */
describe('Redis settings BullMQ needs', () => {
  let server: RedisServer;
  beforeAll(async () => {
    // Started with no persistence; the eviction policy is changed per test.
    server = await startRedisServer();
  });
  afterAll(() => server.stop());

  test('when Redis evicts keys and keeps nothing on disk, then both problems are named', async () => {
    const redis = createRedisConnection(server.url, 'worker', testRedisErrors());
    try {
      await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const problems = await redisSettingsProblems(redis);
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/maxmemory-policy is allkeys-lru/);
      expect(problems[1]).toMatch(/keeps nothing on disk/);
    } finally {
      redis.disconnect();
    }
  });

  test('when Redis has noeviction and keeps snapshots, then there is nothing to say', async () => {
    const redis = createRedisConnection(server.url, 'worker', testRedisErrors());
    try {
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
      // A snapshot schedule counts as keeping something on disk (an append-only file would too,
      // but switching one on starts a rewrite that delays the server's shutdown).
      await redis.config('SET', 'save', '3600 1');
      expect(await redisSettingsProblems(redis)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
