import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import supertest from 'supertest';
import type { Db } from '@careerfeed/db';
import { POST_EVENTS_QUEUE, createRedisConnection } from '@careerfeed/jobs';
import { type OutboxRelay, type Scope, createApiKey, createIngestApp, createOutboxRelay } from '@careerfeed/ingest';
import { randomBytes } from 'node:crypto';

export const PUBLIC_BASE_URL = 'https://careers.test.example';

export interface IngestHarness {
  request: supertest.Agent;
  db: Db;
  queue: Queue;
  relay: OutboxRelay;
  redisPrefix: string;
  /** Authorization header value for a fresh key with the given scope. */
  bearer(scope?: Scope): Promise<string>;
  close(): Promise<void>;
}

/**
 * The ingest app wired to a real database and a real Redis, under a Redis key prefix of its own.
 * The relay is created but not started: tests call `relay.drain()` to move events deterministically.
 */
export function createIngestHarness(db: Db, redisUrl = process.env.TEST_REDIS_URL!): IngestHarness {
  const redisPrefix = `test-${randomBytes(6).toString('hex')}`;
  const redis: Redis = createRedisConnection(redisUrl, 'producer');
  const queue = new Queue(POST_EVENTS_QUEUE, { connection: redis, prefix: redisPrefix });
  queue.on('error', () => undefined);
  const relay = createOutboxRelay({ db, queue, pollIntervalMs: 50 });
  const app = createIngestApp({ db, redis, logger: pino({ level: 'silent' }), publicBaseUrl: PUBLIC_BASE_URL });
  return {
    request: supertest.agent(app),
    db,
    queue,
    relay,
    redisPrefix,
    bearer: async (scope: Scope = 'posts:write') => `Bearer ${(await createApiKey(db, `test ${scope}`, [scope])).key}`,
    close: async () => {
      await relay.stop();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      redis.disconnect();
    },
  };
}
