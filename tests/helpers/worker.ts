import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Queue } from 'bullmq';
import { type Logger, pino } from 'pino';
import { loadConfig, resolveWebhookSecretsKey } from '@careerfeed/config';
import { readSubscriptionTokenKey } from '@careerfeed/db';
import { createMailer } from '@careerfeed/digests';
import { createRedisConnection, openQueue } from '@careerfeed/jobs';
import { type CareerfeedWorker, type WorkerDeps, type WorkerSettings, createWorker } from '@careerfeed/worker';
import type { TestDatabase } from './databases';
import { PUBLIC_BASE_URL, TEST_WEBHOOK_SECRETS_KEY } from './ingest';
import { testRedisErrors } from './redis-errors';

export interface StartWorkerOptions {
  /** The deployment's REDIS_PREFIX: the ingest harness's and feed instances' prefix, to work with them. */
  redisPrefix: string;
  /** WEBSUB_HUB_URL; unset by default, as in production. */
  websubHubUrl?: string;
  /** SMTP_URL (e.g. a test SMTP sink); without it mails go to DATA_DIR/outbox, as in production. */
  smtpUrl?: string;
  /** Further environment variables, as an operator would set them (e.g. INSTANT_DIGEST_DELAY_SECONDS). */
  env?: Record<string, string>;
  /** Settings after loadConfig, for values its bounds refuse (e.g. webhookTimeoutMs under a second). */
  settings?: Partial<WorkerSettings>;
  /** createWorker's test knobs (production defaults when left out). */
  webhookRetrySchedule?: WorkerDeps['webhookRetrySchedule'];
  schedulerCheckIntervalMs?: WorkerDeps['schedulerCheckIntervalMs'];
  outboxPollIntervalMs?: WorkerDeps['outboxPollIntervalMs'];
  outboxRedispatchAfterMs?: WorkerDeps['outboxRedispatchAfterMs'];
  /** REDIS_URL: the suite's Redis unless the test runs a private redis-server. */
  redisUrl?: string;
  /** The worker's logger (default: silent unless LOG_LEVEL is set), e.g. to read what it logged. */
  logger?: Logger;
}

export interface RunningWorker {
  worker: CareerfeedWorker;
  /** The worker's queue of that name (e.g. POST_GOES_LIVE_QUEUE); fails when it opened none. */
  queue(name: string): Queue;
  /**
   * Closes the worker, its mailer and connections. Obliterates its queues under the prefix unless
   * `keepQueues` (another worker of the same deployment still uses them).
   */
  close(options?: { keepQueues?: boolean }): Promise<void>;
}

/**
 * The worker as main.ts runs it, in-process: settings from `loadConfig` over an environment of
 * the test's own (no developer .env: its cwd is a fresh temporary DATA_DIR), two Redis
 * connections, the mailer `createMailer` picks, the subscription token key, `createWorker`, `start()`.
 */
export async function startWorker(database: TestDatabase, options: StartWorkerOptions): Promise<RunningWorker> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'careerfeed-worker-'));
  const config = loadConfig(
    {
      DATABASE_URL: database.url,
      REDIS_URL: options.redisUrl ?? process.env.TEST_REDIS_URL!,
      REDIS_PREFIX: options.redisPrefix,
      PUBLIC_BASE_URL,
      ALLOW_PRIVATE_NETWORKS: 'true',
      DATA_DIR: dataDir,
      RELATED_POSTS_COUNT: '3',
      // The ingest harness's key, so the worker opens the secrets it stored (options.env may differ).
      WEBHOOK_SECRETS_KEY: TEST_WEBHOOK_SECRETS_KEY.toString('base64'),
      ...(options.websubHubUrl ? { WEBSUB_HUB_URL: options.websubHubUrl } : {}),
      ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
      ...options.env,
    },
    dataDir,
  );
  const settings: WorkerSettings = { ...config, ...options.settings };
  const redisErrors = testRedisErrors();
  const redis = createRedisConnection(config.redisUrl, 'worker', redisErrors);
  const subscriber = createRedisConnection(config.redisUrl, 'worker', redisErrors);
  const mailer = await createMailer(config);
  const worker = createWorker({
    settings,
    db: database.db,
    redis,
    subscriber,
    redisErrors,
    mailer,
    logger: options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    tokenKey: await readSubscriptionTokenKey(database.db.kysely),
    webhookSecretsKey: resolveWebhookSecretsKey(config),
    webhookRetrySchedule: options.webhookRetrySchedule,
    schedulerCheckIntervalMs: options.schedulerCheckIntervalMs,
    outboxRedispatchAfterMs: options.outboxRedispatchAfterMs,
    outboxPollIntervalMs: options.outboxPollIntervalMs,
  });
  await worker.start();
  return {
    worker,
    queue(name) {
      const queue = worker.queues.find((q) => q.name === name);
      if (!queue) throw new Error(`the worker has no ${name} queue`);
      return queue;
    },
    async close({ keepQueues = false } = {}) {
      await worker.close();
      if (!keepQueues) {
        for (const { name } of worker.queues) {
          const queue = openQueue(name, redis, settings.redisPrefix);
          await queue.obliterate({ force: true }).catch(() => undefined);
          await queue.close();
        }
      }
      await mailer.close();
      subscriber.disconnect();
      redis.disconnect();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
