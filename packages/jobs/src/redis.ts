import { Redis, type RedisOptions } from 'ioredis';

/**
 * Producers (HTTP request paths, the outbox relay) must fail fast when Redis is down rather than
 * queue commands in memory; workers must wait for Redis forever (BullMQ's own guidance).
 */
export function createRedisConnection(url: string, role: 'producer' | 'worker', extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, ...extra }
      : { maxRetriesPerRequest: null, ...extra };
  const redis = new Redis(url, options);
  // Connection errors are reported through health checks and job failures; an unhandled 'error'
  // event would crash the process on every reconnect attempt.
  redis.on('error', () => undefined);
  return redis;
}
