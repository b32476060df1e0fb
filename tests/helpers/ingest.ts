import { type Scope, createApiKey } from '@careerfeed/http';
import { type OutboxRelay, createOutboxRelay } from '@careerfeed/posts';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import supertest from 'supertest';
import type { Db } from '@careerfeed/db';
import {
  type CommentMailQueue,
  POST_EVENTS_QUEUE,
  WEBHOOK_DELIVERIES_QUEUE,
  createRedisConnection,
  nudgeOutboxRelays,
  openSourcePollsQueue,
} from '@careerfeed/jobs';
import { type IngestAppDeps, createIngestApp } from '@careerfeed/ingest';
import { randomBytes } from 'node:crypto';
import { waitFor } from './wait';
import { testRedisErrors } from './redis-errors';

export const PUBLIC_BASE_URL = 'https://careers.test.example';

/**
 * The WEBHOOK_SECRETS_KEY of the test deployment: the ingest harness stores secrets under it and
 * `startWorker` sets it (as an operator would), so the two can open each other's secrets.
 */
export const TEST_WEBHOOK_SECRETS_KEY = Buffer.from('careerfeed test webhook secrets key, 32 bytes!!'.slice(0, 32));

export interface IngestHarness {
  request: supertest.Agent;
  /** The express app itself, to serve on a real socket. */
  app: ReturnType<typeof createIngestApp>;
  db: Db;
  queue: Queue;
  /** The webhook delivery queue the app replays onto (under the same prefix). */
  deliveriesQueue: Queue;
  relay: OutboxRelay;
  /** The partner-feed poll queue `POST /v1/sources/{id}/poll` adds to (under `redisPrefix`). */
  sourcePolls: Queue;
  redisPrefix: string;
  /** Authorization header value for a fresh key with the given scope. */
  bearer(scope?: Scope): Promise<string>;
  close(): Promise<void>;
}

/**
 * The ingest app wired to a real database and a real Redis, under a Redis key prefix of its own.
 * The relay is created but not started: tests call `relay.drain()` to move events deterministically;
 * tests that run a worker (`startWorker`) leave it to the worker's relay, which the app nudges.
 */
export function createIngestHarness(
  db: Db,
  redisUrl = process.env.TEST_REDIS_URL!,
  options: {
    allowPrivateNetworks?: boolean;
    redisPrefix?: string;
    logger?: Logger;
    webhookSecretsKey?: Buffer;
    /** Where approvals ask for comment mails (none by default). */
    commentMails?: CommentMailQueue;
    /** Mount the staff console (tests/helpers/console.ts builds this). */
    console?: IngestAppDeps['console'];
    now?: () => Date;
  } = {},
): IngestHarness {
  const redisPrefix = options.redisPrefix ?? `test-${randomBytes(6).toString('hex')}`;
  const redis: Redis = createRedisConnection(redisUrl, 'producer', testRedisErrors());
  const queue = new Queue(POST_EVENTS_QUEUE, { connection: redis, prefix: redisPrefix });
  queue.on('error', () => undefined);
  const deliveriesQueue = new Queue(WEBHOOK_DELIVERIES_QUEUE, { connection: redis, prefix: redisPrefix });
  deliveriesQueue.on('error', () => undefined);
  const relay = createOutboxRelay({ db, queue, pollIntervalMs: 50 });
  const sourcePolls = openSourcePollsQueue(redis, redisPrefix);
  const app = createIngestApp({
    db,
    redis,
    logger: options.logger ?? pino({ level: 'silent' }),
    publicBaseUrl: PUBLIC_BASE_URL,
    // Loopback partner feeds and receivers in tests need private networks; tests of the guard pass false.
    allowPrivateNetworks: options.allowPrivateNetworks ?? true,
    sourcePolls,
    webhookDeliveries: deliveriesQueue,
    webhookSecretsKey: options.webhookSecretsKey ?? TEST_WEBHOOK_SECRETS_KEY,
    // Approving a comment announces feed changes on this prefix (feed instances of the test hear it).
    redisPrefix,
    ...(options.commentMails ? { commentMails: options.commentMails } : {}),
    // As in production: a worker's relay (tests/helpers/worker.ts) hears of new events at once.
    onEventsWritten: () => nudgeOutboxRelays(redis, redisPrefix),
    console: options.console,
    now: options.now,
  });
  return {
    request: supertest.agent(app),
    app,
    db,
    queue,
    deliveriesQueue,
    relay,
    sourcePolls,
    redisPrefix,
    bearer: async (scope: Scope = 'posts:write') => `Bearer ${(await createApiKey(db, `test ${scope}`, [scope])).key}`,
    close: async () => {
      await relay.stop();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await sourcePolls.obliterate({ force: true }).catch(() => undefined);
      await sourcePolls.close();
      await deliveriesQueue.obliterate({ force: true }).catch(() => undefined);
      await deliveriesQueue.close();
      redis.disconnect();
    },
  };
}

/**
 * Waits until every post event written so far has been relayed from the outbox and handled by the
 * workers listening on the harness's queue (nothing waiting, active or delayed).
 */
export async function allEventsHandled(db: Db, ingest: IngestHarness): Promise<void> {
  await waitFor(async () => {
    const counts = await ingest.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const outbox = await db.kysely
      .selectFrom('outbox_events')
      .select('id')
      .where('dispatched_at', 'is', null)
      .execute();
    return outbox.length === 0 && Object.values(counts).every((n) => n === 0);
  });
}
